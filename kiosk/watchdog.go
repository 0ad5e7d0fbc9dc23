package kiosk

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// Watchdog tells systemd (sd_notify) that the kiosk is up and still alive.
//
// The liveness pings are sent from the UI main loop: every Interval a goroutine asks
// RunOnUI (fyne.Do) to send WATCHDOG=1. When the main loop hangs, the queued ping never
// runs, no further ping is queued behind it, and systemd restarts the kiosk once its
// WatchdogSec runs out. A process whose goroutines are fine but whose screen is frozen is
// exactly what this catches.
type Watchdog struct {
	// Notify sends one sd_notify message ("READY=1", "WATCHDOG=1", "STATUS=…").
	Notify func(state string) error
	// Interval between pings; zero when systemd asked for no watchdog.
	Interval time.Duration
	// RunOnUI runs f on the UI main loop later (fyne.Do). It must not wait for f.
	RunOnUI func(f func())
	// Status, when set, is asked every StatusEvery for the STATUS= line systemctl status
	// shows (e.g. "gotowy, kolejka wniosków: 3"). No personal data.
	Status      func() string
	StatusEvery time.Duration // default 30 s
	Log         *slog.Logger

	pending    atomic.Bool // a ping is queued on the UI loop and has not run yet
	stalled    atomic.Int64
	mu         sync.Mutex
	lastStatus string
	notifyErr  bool
}

// NewSystemdWatchdog reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID as systemd sets
// them for a Type=notify systemd unit with WatchdogSec=, and pings at a third of the timeout.
// Outside systemd every call is a no-op.
func NewSystemdWatchdog(runOnUI func(func()), log *slog.Logger) *Watchdog {
	w := &Watchdog{
		Notify: func(state string) error {
			_, err := daemon.SdNotify(false, state)
			return err
		},
		RunOnUI: runOnUI,
		Log:     log,
	}
	timeout, err := daemon.SdWatchdogEnabled(false)
	if err != nil && log != nil {
		log.Warn("systemd watchdog settings unreadable; not pinging", "err", err)
	}
	if timeout > 0 {
		w.Interval = timeout / 3
	}
	return w
}

// Ready tells systemd that start-up is complete (the first frame is on screen).
func (w *Watchdog) Ready(status string) {
	msg := daemon.SdNotifyReady
	if status != "" {
		msg += "\nSTATUS=" + oneLine(status)
		w.mu.Lock()
		w.lastStatus = oneLine(status)
		w.mu.Unlock()
	}
	w.notify(msg)
}

// Stopping tells systemd that the kiosk is shutting down on purpose.
func (w *Watchdog) Stopping() { w.notify(daemon.SdNotifyStopping) }

// SetStatus sends STATUS= when it differs from the last one sent.
func (w *Watchdog) SetStatus(status string) {
	status = oneLine(status)
	w.mu.Lock()
	same := status == w.lastStatus
	w.lastStatus = status
	w.mu.Unlock()
	if !same {
		w.notify("STATUS=" + status)
	}
}

// Run pings until ctx is done. It returns at once when there is neither a watchdog nor a
// Status to report.
func (w *Watchdog) Run(ctx context.Context) {
	every := w.StatusEvery
	if every <= 0 {
		every = 30 * time.Second
	}
	tick := w.Interval
	switch {
	case tick <= 0 && w.Status == nil:
		return
	case tick <= 0:
		tick = every
	}
	if w.Interval > 0 {
		w.ping()
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	lastStatus := time.Now()
	if w.Status != nil {
		w.SetStatus(w.Status())
	}
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if w.Interval > 0 {
				w.ping()
			}
			if w.Status != nil && now.Sub(lastStatus) >= every {
				lastStatus = now
				w.SetStatus(w.Status())
			}
		}
	}
}

// ping queues one WATCHDOG=1 on the UI loop, unless the previous one has not run yet: a
// stuck loop then gets no pings at all (and no growing queue).
func (w *Watchdog) ping() {
	if !w.pending.CompareAndSwap(false, true) {
		if w.stalled.CompareAndSwap(0, time.Now().UnixNano()) && w.Log != nil {
			w.Log.Error("UI main loop not responding; watchdog pings withheld, systemd will restart the kiosk",
				"interval", w.Interval.String())
		}
		return
	}
	w.RunOnUI(func() {
		w.pending.Store(false)
		if since := w.stalled.Swap(0); since != 0 && w.Log != nil {
			w.Log.Warn("UI main loop responsive again", "stalled_ms", time.Since(time.Unix(0, since)).Milliseconds())
		}
		w.notify(daemon.SdNotifyWatchdog)
	})
}

func (w *Watchdog) notify(state string) {
	if w.Notify == nil {
		return
	}
	err := w.Notify(state)
	w.mu.Lock()
	first := err != nil && !w.notifyErr
	w.notifyErr = err != nil
	w.mu.Unlock()
	if first && w.Log != nil {
		w.Log.Warn("sd_notify failed", "err", err)
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// HangAfterEnv names the debug setting that blocks the UI main loop on purpose, to see the
// watchdog restart the kiosk on a real system. Never set it in production.
const HangAfterEnv = "INFOMAT_DEBUG_HANG_AFTER"

// DebugHangAfter parses INFOMAT_DEBUG_HANG_AFTER (e.g. "10s"); zero when unset.
func DebugHangAfter(getenv func(string) string) (time.Duration, error) {
	v := getenv(HangAfterEnv)
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive duration such as 10s", HangAfterEnv, v)
	}
	return d, nil
}
