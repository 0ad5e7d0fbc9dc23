package printer

import "infomat/kiosk/health"

// Why a printer cannot print. Status.Problem returns the first four; Printer.Status and
// Printer.Print return ErrNoResponse when the printer does not answer a status query, and
// ErrBusy when another job holds the printer until their context ends. All of them reach
// the caller wrapped, so test with errors.Is. They are package health's values (as os's
// ErrNotExist is io/fs's), so the UI can tell them apart without importing this driver.
var (
	ErrPaperOut   = health.ErrPaperOut
	ErrCoverOpen  = health.ErrCoverOpen
	ErrOffline    = health.ErrOffline
	ErrGarbled    = health.ErrGarbled
	ErrNoResponse = health.ErrNoResponse
	ErrBusy       = health.ErrBusy
)

// Status is the printer's real-time status, from its answers to DLE EOT 1, 2 and 4.
type Status struct {
	// Garbled: an answer had its fixed bits wrong (line noise, a wrong baud rate, not an
	// ESC/POS printer), so nothing else in it means anything.
	Garbled      bool
	Online       bool // n=1 bit 3 clear
	CoverOpen    bool // n=2 bit 2
	PaperOut     bool // n=2 bit 5 (printing stopped at paper end) or n=4 bits 5-6 (no paper)
	PaperNearEnd bool // n=4 bits 2-3: still printable, but the roll needs changing soon
}

// Status bits (ESC/POS DLE EOT n; escpos-php Printer::getPrinterStatus uses the same
// masks: 8 offline; 4 coverOpen, 32 paperEnd; 4 paperNearEnd, 32 paperNotPresent).
const (
	bitOffline   = 1 << 3           // n=1
	bitCoverOpen = 1 << 2           // n=2
	bitPaperStop = 1 << 5           // n=2
	bitsNearEnd  = 1<<2 | 1<<3      // n=4
	bitsPaperOut = 1<<5 | 1<<6      // n=4
	xon, xoff    = byte(0x11), 0x13 // flow control, never a status byte

	// Every DLE EOT answer has bit 1 and bit 4 set and bits 0 and 7 clear.
	fixedMask, fixedBits = 1<<0 | 1<<1 | 1<<4 | 1<<7, 1<<1 | 1<<4
)

// DecodeStatus decodes the answers to DLE EOT 1 (printer status), DLE EOT 2 (offline
// cause) and DLE EOT 4 (roll paper sensor).
func DecodeStatus(n1, n2, n4 byte) Status {
	for _, b := range []byte{n1, n2, n4} {
		if b&fixedMask != fixedBits {
			return Status{Garbled: true}
		}
	}
	return Status{
		Online:       n1&bitOffline == 0,
		CoverOpen:    n2&bitCoverOpen != 0,
		PaperOut:     n2&bitPaperStop != 0 || n4&bitsPaperOut != 0,
		PaperNearEnd: n4&bitsNearEnd != 0,
	}
}

// Problem says why the printer cannot print: ErrGarbled when its answer made no sense, else
// ErrPaperOut, ErrCoverOpen or ErrOffline, in that order (a printer out of paper or with its cover open is offline too, and the cause is
// what the technician needs), or nil when it can. Paper near its end is not a problem.
func (s Status) Problem() error {
	switch {
	case s.Garbled:
		return ErrGarbled
	case s.PaperOut:
		return ErrPaperOut
	case s.CoverOpen:
		return ErrCoverOpen
	case !s.Online:
		return ErrOffline
	}
	return nil
}
