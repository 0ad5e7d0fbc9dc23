package kiosk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"infomat/kiosk/cardreader"
	"infomat/kiosk/printer"
	"infomat/kiosk/serialport"
	"infomat/receipt"
)

// ErrNoPrinter is returned by Print when no printer port is configured.
var ErrNoPrinter = errors.New("no printer configured")

// Devices is the kiosk's serial hardware: the receipt printer and the service-card reader.
// A device that is missing at start does not stop the kiosk: printing says the printer does
// not respond, and the port is tried again on the next print.
type Devices struct {
	cfg DeviceConfig
	log *slog.Logger

	// lock guards the printer and its port: one job at a time. A print may hold it for
	// its whole timeout (30 s, as long as the systemd watchdog period), so everyone else
	// waits only as long as their context allows.
	lock       printer.Lock
	port       *serialport.Port
	printer    *printer.Printer
	printerErr error

	reader    *cardreader.Reader
	readerErr error
}

// OpenDevices opens the configured ports. Cards read by the reader go to cards until ctx ends.
func OpenDevices(ctx context.Context, cfg DeviceConfig, cards chan<- cardreader.Card, log *slog.Logger) *Devices {
	d := &Devices{cfg: cfg, log: log, lock: printer.NewLock()}
	if cfg.PrinterPort != "" {
		d.lock <- struct{}{} // nobody else has d yet
		d.openPrinter()
		d.lock.Unlock()
	}
	if cfg.ReaderPort != "" {
		kind, err := cardreader.ParseKind(cfg.ReaderKind)
		if err == nil {
			var p *serialport.Port
			p, err = serialport.Open(serialport.Config{Name: cfg.ReaderPort, Baud: cfg.ReaderBaud})
			if err == nil {
				d.reader = &cardreader.Reader{Port: p, Kind: kind}
				go func() {
					defer p.Close()
					d.reader.Run(ctx, cards)
				}()
			}
		}
		if err != nil {
			d.readerErr = fmt.Errorf("card reader: %w", err)
			log.Error("card reader unavailable", "port", cfg.ReaderPort, "err", err)
		}
	}
	return d
}

// Profile is the printer profile the settings describe.
func (c DeviceConfig) Profile() printer.Profile {
	p := printer.Profile80
	if c.PrinterPaper == 58 {
		p = printer.Profile58
	}
	p.NativeQR = c.PrinterQR != "raster"
	return p
}

// openPrinter (re)opens the printer port; d.lock must be held.
func (d *Devices) openPrinter() {
	port, err := serialport.Open(serialport.Config{Name: d.cfg.PrinterPort, Baud: d.cfg.PrinterBaud, XonXoff: true})
	if err != nil {
		d.printerErr = err
		d.log.Error("printer unavailable", "port", d.cfg.PrinterPort, "err", err)
		return
	}
	d.port, d.printer, d.printerErr = port, printer.New(port, d.cfg.Profile()), nil
}

// PrinterXoffs counts how often the printer asked the kiosk to wait (XOFF) since its port
// opened: non-zero shows flow control at work. It waits for a running job to finish.
func (d *Devices) PrinterXoffs() int {
	if d.lock == nil || d.lock.Lock(context.Background()) != nil {
		return 0
	}
	defer d.lock.Unlock()
	if d.port == nil {
		return 0
	}
	return d.port.Xoffs()
}

// Config is the configuration the devices were opened with.
func (d *Devices) Config() DeviceConfig { return d.cfg }

// HasPrinter reports whether a printer is configured (it may still be unplugged).
func (d *Devices) HasPrinter() bool { return d.cfg.PrinterPort != "" }

// Print prints a document. A port that failed to open is tried again first. Errors wrap the
// printer's sentinels (printer.ErrPaperOut, ErrCoverOpen, ErrOffline, ErrNoResponse, and
// ErrBusy when another job still runs as ctx ends).
func (d *Devices) Print(ctx context.Context, doc receipt.Doc) error {
	if !d.HasPrinter() {
		return ErrNoPrinter
	}
	if err := d.lock.Lock(ctx); err != nil {
		return fmt.Errorf("print: %w", err)
	}
	defer d.lock.Unlock()
	if d.printer == nil {
		d.openPrinter()
		if d.printer == nil {
			return fmt.Errorf("%w: %v", printer.ErrOffline, d.printerErr)
		}
	}
	err := d.printer.Print(ctx, doc)
	if err != nil {
		d.log.Warn("print failed", "port", d.cfg.PrinterPort, "err", err)
	}
	return err
}

// PrinterState describes the printer for the service screen and the self-test, in Polish.
// A printer busy with a job until ctx ends is reported as such, not waited for.
func (d *Devices) PrinterState(ctx context.Context) (string, bool) {
	if !d.HasPrinter() {
		return "nieskonfigurowana (printer_port)", false
	}
	if err := d.lock.Lock(ctx); err != nil {
		return PrinterProblem(err), true
	}
	defer d.lock.Unlock()
	if d.printer == nil {
		d.openPrinter()
		if d.printer == nil {
			return "brak połączenia: " + d.printerErr.Error(), false
		}
	}
	st, err := d.printer.Status(ctx)
	if err != nil {
		return PrinterProblem(err) + " (" + d.cfg.PrinterPort + ")", false
	}
	if p := st.Problem(); p != nil {
		return PrinterProblem(p), false
	}
	if st.PaperNearEnd {
		return "gotowa, papier się kończy", true
	}
	return "gotowa (" + d.cfg.PrinterPort + ")", true
}

// PrinterProblem names a printer error in Polish for technicians ("Drukarka: brak papieru").
func PrinterProblem(err error) string {
	switch {
	case errors.Is(err, printer.ErrPaperOut):
		return "brak papieru"
	case errors.Is(err, printer.ErrCoverOpen):
		return "otwarta pokrywa"
	case errors.Is(err, printer.ErrOffline):
		return "drukarka offline"
	case errors.Is(err, printer.ErrNoResponse):
		return "brak odpowiedzi"
	case errors.Is(err, printer.ErrGarbled):
		return "niezrozumiała odpowiedź (kabel, prędkość portu?)"
	case errors.Is(err, printer.ErrBusy):
		return "zajęta drukowaniem"
	}
	return err.Error()
}

// ReaderState describes the card reader for the service screen, in Polish.
func (d *Devices) ReaderState() (string, bool) {
	switch {
	case d.cfg.ReaderPort == "":
		return "nieskonfigurowany (reader_port)", false
	case d.reader == nil:
		return "brak połączenia: " + d.readerErr.Error(), false
	}
	st := d.reader.Stats()
	s := fmt.Sprintf("%s na %s", d.cfg.ReaderKind, d.cfg.ReaderPort)
	if !st.PortOK && st.LastError != "" { // before the first read there is nothing wrong yet
		return s + ": błąd odczytu: " + st.LastError, false
	}
	if !st.LastCard.IsZero() {
		s += ", ostatnia karta " + st.LastCard.Format("15:04:05")
	}
	if st.Dropped > 0 {
		s += fmt.Sprintf(", odrzucone ramki: %d", st.Dropped)
	}
	return s, true
}

// Close releases the printer port; the reader stops with its context.
func (d *Devices) Close() {
	if d.lock == nil || d.lock.Lock(context.Background()) != nil {
		return
	}
	defer d.lock.Unlock()
	if d.port != nil {
		d.port.Close()
	}
}
