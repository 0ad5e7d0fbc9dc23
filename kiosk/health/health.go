// Package health names the device's condition as people are told it: the figures of the
// technician's service screen (Status) and the printer faults a resident's receipt may run
// into. It imports only the standard library, so the UI can explain them without importing
// the device runtime (serial ports, the store, systemd); kiosk fills Status and
// kiosk/printer returns these errors.
package health

import (
	"errors"
	"time"
)

// Status is what the service screen shows about the device. Texts are Polish: technicians
// read them.
type Status struct {
	Printer        string // state in words, e.g. "gotowa", "brak papieru"
	PrinterOK      bool
	Reader         string
	ReaderOK       bool
	Queued         int
	Oldest         time.Time // oldest submission not yet delivered; zero when none
	LastSync       time.Time // zero: never
	SyncConfigured bool
	SyncError      string // the last sync failure, for the technician
	ContentVersion string
	ContentSource  string
	DiskFree       uint64 // bytes free in the data directory
	DiskProblem    string // e.g. read-only, nearly full; empty when fine
	AppVersion     string
	OutOfService   bool   // no valid content: residents see the out-of-service screen
	ClockProblem   string // why the clock is not trusted; empty when it is
	Salvaged       int    // submissions recovered from a corrupt store
	Unrecoverable  int    // submissions in a corrupt store that could not be recovered
	ShortPIN       bool   // the service PIN has fewer than 6 digits (set before the rule)
}

// Why a printer cannot print; kiosk/printer returns them (as printer.ErrPaperOut, …, the
// same values), wrapped, so test with errors.Is.
var (
	ErrPaperOut   = errors.New("out of paper")
	ErrCoverOpen  = errors.New("cover open")
	ErrOffline    = errors.New("offline")
	ErrGarbled    = errors.New("garbled status answer")
	ErrNoResponse = errors.New("no answer to the status query")
	ErrBusy       = errors.New("printer busy with another job")
)
