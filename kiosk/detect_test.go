package kiosk

import (
	"context"
	"strings"
	"testing"
	"time"

	"infomat/kiosk/cardreader"
	"infomat/kiosk/printersim"
	"infomat/kiosk/serialport/ptytest"
)

// Three ports on real ptys: a silent one, a card reader and a printer. Detection names each.
func TestDetectDevices(t *testing.T) {
	silent, reader, printer := ptytest.New(t), ptytest.New(t), ptytest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go printersim.New(printer.Device, 576).Run(ctx)
	// The technician holds a card to the reader: the RDM6300 repeats its frame.
	go func() {
		for ctx.Err() == nil {
			reader.Device.Write(cardreader.Frame(cardreader.KindRDM6300, "0F00A1B2C3"))
			time.Sleep(100 * time.Millisecond)
		}
	}()
	var lines []string
	d := DetectDevices(ctx, []string{silent.Name, reader.Name, printer.Name}, 9600, 1500*time.Millisecond,
		func(s string) { lines = append(lines, s) })
	if d.PrinterPort != printer.Name {
		t.Errorf("printer on %q, want %q", d.PrinterPort, printer.Name)
	}
	if d.ReaderPort != reader.Name || d.ReaderKind != cardreader.KindRDM6300 {
		t.Errorf("reader %q %q, want %q rdm6300", d.ReaderPort, d.ReaderKind, reader.Name)
	}
	if len(d.Ports) != 3 || !strings.Contains(d.Ports[0].What, "nic") {
		t.Errorf("findings %+v", d.Ports)
	}
	if got := strings.Join(lines, "\n"); !strings.Contains(got, "drukarka") || strings.Contains(got, "0F00A1B2C3") {
		t.Errorf("progress (the card ID must be masked):\n%s", got)
	}
}
