package kiosk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"infomat/kiosk/cardreader"
	"infomat/kiosk/serialport"
)

// SerialCandidates lists the serial ports a kiosk's devices may be on: the udev names first,
// then USB adapters, then the first built-in ports.
func SerialCandidates() []string {
	var out []string
	for _, pattern := range []string{"/dev/infomat-*", "/dev/ttyUSB*", "/dev/ttyACM*"} {
		m, _ := filepath.Glob(pattern)
		sort.Strings(m)
		out = append(out, m...)
	}
	for i := range 4 {
		p := fmt.Sprintf("/dev/ttyS%d", i)
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// PortFinding is what probing one port found, in Polish for the technician.
type PortFinding struct {
	Port string
	What string // "drukarka", "czytnik rdm6300", "nic", or an error
}

// Detection is the result of probing: the printer and card reader ports, when found.
type Detection struct {
	PrinterPort string
	ReaderPort  string
	ReaderKind  cardreader.Kind
	Ports       []PortFinding
}

// DetectDevices probes each port: a port that answers the ESC/POS real-time status query
// (DLE EOT 1) is a printer; a port that sends a valid card frame within listen (the
// technician holds a card to the reader meanwhile) is a card reader of that frame's kind.
func DetectDevices(ctx context.Context, ports []string, baud int, listen time.Duration, progress func(string)) Detection {
	if progress == nil {
		progress = func(string) {}
	}
	var d Detection
	for _, name := range ports {
		if ctx.Err() != nil {
			break
		}
		progress(fmt.Sprintf("%s: sprawdzam…", name))
		what := probe(ctx, name, baud, listen, &d)
		d.Ports = append(d.Ports, PortFinding{Port: name, What: what})
		progress(fmt.Sprintf("%s: %s", name, what))
	}
	return d
}

// answersStatus sends DLE EOT n and reports whether exactly one status byte came back.
func answersStatus(ctx context.Context, p *serialport.Port, n byte) bool {
	qctx, cancel := context.WithTimeout(ctx, 400*time.Millisecond)
	defer cancel()
	if _, err := p.Write(qctx, []byte{0x10, 0x04, n}); err != nil {
		return false
	}
	var got []byte
	buf := make([]byte, 64)
	for {
		k, err := p.Read(qctx, buf)
		got = append(got, buf[:k]...)
		if err != nil && !errors.Is(err, io.EOF) {
			break
		}
	}
	return len(got) == 1 && isStatusByte(got[0])
}

// isStatusByte checks the fixed bits of an ESC/POS status byte: bits 1 and 4 set, 0 and 7
// clear (Epson's real-time status), so a stray byte is not taken for a printer.
func isStatusByte(b byte) bool { return b&0x93 == 0x12 }

func probe(ctx context.Context, name string, baud int, listen time.Duration, d *Detection) string {
	p, err := serialport.Open(serialport.Config{Name: name, Baud: baud, ReadTimeout: 100 * time.Millisecond})
	if err != nil {
		return "błąd: " + err.Error()
	}
	defer p.Close()

	// A printer answers each real-time status query with exactly one status byte and says
	// nothing else; a card reader streaming frames sends many bytes and is not mistaken.
	if d.PrinterPort == "" && answersStatus(ctx, p, 1) && answersStatus(ctx, p, 4) {
		d.PrinterPort = name
		return "drukarka (odpowiada na DLE EOT)"
	}
	if d.ReaderPort != "" {
		return "nic nie odpowiedziało"
	}
	parsers := map[cardreader.Kind]cardreader.Parser{}
	for _, k := range cardreader.Kinds() {
		parsers[k], _ = cardreader.NewParser(k)
	}
	lctx, cancel := context.WithTimeout(ctx, listen)
	defer cancel()
	buf := make([]byte, 256)
	for {
		n, err := p.Read(lctx, buf)
		for _, k := range cardreader.Kinds() {
			if cards := parsers[k].Feed(buf[:n]); len(cards) > 0 {
				d.ReaderPort, d.ReaderKind = name, k
				return fmt.Sprintf("czytnik kart %s (odczytano kartę %s)", k, cards[0])
			}
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return "nic nie odpowiedziało"
		}
	}
}
