package kiosk

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"infomat/buildinfo"
	"infomat/kiosk/access"
	"infomat/kiosk/health"
	"infomat/outbox"
)

// ServiceMode is what the service screen needs from the device: the card-and-PIN login, the
// audit log and the status figures. It is shared by the UI, the goroutines the UI runs slow
// checks on, and the heartbeat; set the fields before sharing it.
type ServiceMode struct {
	Guard   *access.Guard
	Audit   *access.Audit
	Outbox  *outbox.Outbox
	Devices *Devices
	DataDir string
	Log     *slog.Logger
	// Content says which content is active, for the status; called from any goroutine.
	Content func() (version string, source Source)
	// OutOfService reports that residents see the out-of-service screen; nil: never.
	OutOfService func() bool
	// Clock is the trusted time (trustedtime.Clock); nil: the device clock is not checked.
	Clock interface {
		Now() time.Time
		Problem() string
	}

	mu      sync.Mutex
	sync    func() (last time.Time, lastErr string)
	session *access.Session
}

// SetSync installs the report of the background sync (not set: the device is not
// provisioned). Safe while others read the status.
func (s *ServiceMode) SetSync(f func() (last time.Time, lastErr string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sync = f
}

func (s *ServiceMode) syncReport() func() (time.Time, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sync
}

// login returns the current login session, starting one if needed.
func (s *ServiceMode) login() *access.Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.session == nil {
		s.session = s.Guard.NewSession()
	}
	return s.session
}

// Card starts a login with a presented card; false for any card not on the service list.
func (s *ServiceMode) Card(id string) bool {
	return s.login().Card(id) == nil
}

// PIN completes the login. It takes a while on purpose (argon2id): call it off the UI
// goroutine.
func (s *ServiceMode) PIN(pin string) error {
	return s.login().PIN(pin)
}

// Record writes a service action to the audit log; a failure is logged, not shown.
func (s *ServiceMode) Record(action, detail string) {
	if err := s.Audit.Record(action, detail); err != nil && s.Log != nil {
		s.Log.Error("audit log write failed", "action", action, "err", err)
	}
}

// Status gathers the figures the service screen shows.
func (s *ServiceMode) Status(ctx context.Context) health.Status {
	st := health.Status{AppVersion: buildinfo.Version()}
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
	if s.OutOfService != nil {
		st.OutOfService = s.OutOfService()
	}
	if f := s.syncReport(); f != nil {
		st.SyncConfigured = true
		st.LastSync, st.SyncError = f()
	}
	if s.Guard != nil {
		st.ShortPIN, _ = s.Guard.ShortPIN()
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

// ActiveContent is which content the kiosk shows: set where content is activated (the UI
// goroutine, sync), read by the status and the heartbeat on theirs.
type ActiveContent struct {
	mu      sync.Mutex
	version string
	source  Source
}

// Set records the content now active.
func (a *ActiveContent) Set(version string, source Source) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.version, a.source = version, source
}

// Get returns the content now active.
func (a *ActiveContent) Get() (version string, source Source) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.version, a.source
}
