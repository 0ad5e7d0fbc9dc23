package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"infomat/kiosk"
	"infomat/store"
)

// detectCmd handles `infomat detect [--save] [--listen 20s] [PORT…]`: which port is the
// printer and which the card reader.
func detectCmd(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("detect", flag.ContinueOnError)
	fl.SetOutput(stderr)
	dataDir := fl.String("data", kiosk.DefaultDataDir(), "data directory holding the store")
	save := fl.Bool("save", false, "save the ports found as printer_port, reader_port and reader_kind")
	listen := fl.Duration("listen", 20*time.Second, "how long to wait on each port for a card")
	baud := fl.Int("baud", 9600, "port speed to probe with")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	return detectDevices(*dataDir, fl.Args(), *baud, *listen, *save, stdout, stderr)
}

// detectDevices probes the ports (all candidates when none are named), prints what it found
// and, with save, stores it in the device settings.
func detectDevices(dataDir string, ports []string, baud int, listen time.Duration, save bool, stdout, stderr io.Writer) int {
	if len(ports) == 0 {
		ports = kiosk.SerialCandidates()
	}
	if len(ports) == 0 {
		fmt.Fprintln(stderr, noPorts)
		return 1
	}
	fmt.Fprintf(stdout, "Sprawdzam porty: %v\nTrzymaj kartę przy czytniku, aż zostanie rozpoznany.\n", ports)
	d := kiosk.DetectDevices(context.Background(), ports, baud, listen, func(s string) { fmt.Fprintln(stdout, "  "+s) })
	found := func(what, port string) {
		if port == "" {
			port = "nie znaleziono"
		}
		fmt.Fprintf(stdout, "%-14s %s\n", what, port)
	}
	found("Drukarka:", d.PrinterPort)
	found("Czytnik kart:", d.ReaderPort)
	if !save {
		return 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	st, _, err := store.Open(ctx, dataDir)
	cancel()
	if err != nil {
		fmt.Fprintf(stderr, "Nie można zapisać ustawień: %v\n", err)
		return 1
	}
	defer st.Close()
	saved, err := saveDetection(st, d)
	for _, s := range saved {
		fmt.Fprintf(stdout, "zapisano %s\n", s)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

const noPorts = "Nie znaleziono portów szeregowych (/dev/ttyUSB*, /dev/ttyACM*, /dev/ttyS*)."

// saveDetection stores the ports found as printer_port, reader_port and reader_kind and
// returns "KEY = VALUE" for each setting written.
func saveDetection(st *store.Store, d kiosk.Detection) ([]string, error) {
	var set [][2]string
	if d.PrinterPort != "" {
		set = append(set, [2]string{kiosk.SettingPrinterPort, d.PrinterPort})
	}
	if d.ReaderPort != "" {
		set = append(set, [2]string{kiosk.SettingReaderPort, d.ReaderPort}, [2]string{kiosk.SettingReaderKind, string(d.ReaderKind)})
	}
	var saved []string
	for _, kv := range set {
		if err := st.SetSetting(kv[0], kv[1]); err != nil {
			return saved, fmt.Errorf("Nie można zapisać %s: %w", kv[0], err)
		}
		saved = append(saved, kv[0]+" = "+kv[1])
	}
	return saved, nil
}
