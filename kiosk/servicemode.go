package kiosk

import (
	"context"
	"log/slog"
	"time"

	"infomat/kiosk/service"
	"infomat/outbox"
)

// ServiceMode is what the service screen needs from the device: the card-and-PIN login, the
// audit log and the status figures.
type ServiceMode struct {
	Access  *service.Access
	Audit   *service.Audit
	Outbox  *outbox.Outbox
	Devices *Devices
	DataDir string
	Log     *slog.Logger
	// Content says which content is active, for the status.
	Content func() (version string, source Source)
	// Sync reports the background sync; nil when the device is not provisioned.
	Sync func() (last time.Time, lastErr string)
	// Clock is the trusted time (trustedtime.Clock); nil: the device clock is not checked.
	Clock interface {
		Now() time.Time
		Problem() string
	}

	session *service.Session
}

// Card starts a login with a presented card; false for any card not on the service list.
func (s *ServiceMode) Card(id string) bool {
	if s.session == nil {
		s.session = s.Access.NewSession()
	}
	return s.session.Card(id) == nil
}

// PIN completes the login.
func (s *ServiceMode) PIN(pin string) error {
	if s.session == nil {
		s.session = s.Access.NewSession()
	}
	return s.session.PIN(pin)
}

// Record writes a service action to the audit log; a failure is logged, not shown.
func (s *ServiceMode) Record(action, detail string) {
	if err := s.Audit.Record(action, detail); err != nil && s.Log != nil {
		s.Log.Error("audit log write failed", "action", action, "err", err)
	}
}

// Status gathers the figures the service screen shows.
func (s *ServiceMode) Status(ctx context.Context) Status {
	st := Status{AppVersion: AppVersion()}
	d := s.Devices
	if d == nil {
		d = &Devices{} // nothing configured, and it says so
	}
	st.Printer, st.PrinterOK = d.PrinterState(ctx)
	st.Reader, st.ReaderOK = d.ReaderState()
	if s.Outbox != nil {
		if ob, err := s.Outbox.Stats(); err == nil {
			st.Queued = ob.Queued + ob.Sending
			st.Oldest = ob.Oldest
		}
	}
	if s.Content != nil {
		v, src := s.Content()
		st.ContentVersion, st.ContentSource = v, string(src)
	}
	if s.Sync != nil {
		st.SyncConfigured = true
		st.LastSync, st.SyncError = s.Sync()
	}
	st.DiskFree, st.DiskProblem = DiskState(s.DataDir)
	if s.Clock != nil {
		st.ClockProblem = s.Clock.Problem()
	}
	if s.Outbox != nil {
		if t, err := s.Outbox.SalvageTotals(); err == nil {
			st.Salvaged, st.Unrecoverable = t.Salvaged, t.Unrecoverable
		}
	}
	return st
}
