package main

import (
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// TraceStartupEnv turns on the start-up trace like --trace-startup (for systemd units and
// scripts that cannot change the command line).
const TraceStartupEnv = "INFOMAT_TRACE_STARTUP"

// startupTrace logs each phase of the start-up with its time since the process started and
// since the previous phase, so the critical path to the home screen is visible:
// process start → store open → content loaded → window shown → home drawn, and the search
// index built off that path. A nil trace logs nothing.
type startupTrace struct {
	log   *slog.Logger
	start time.Time // the process's start, as the kernel has it (else this package's init)
	mu    sync.Mutex
	last  time.Time
	seen  map[string]bool
}

func newStartupTrace(on bool, log *slog.Logger) *startupTrace {
	if !on {
		return nil
	}
	start := processStart()
	log.Info("startup phase", "phase", "process start", "at_ms", 0, "go_init_ms", started.Sub(start).Milliseconds())
	return &startupTrace{log: log, start: start, last: start, seen: map[string]bool{}}
}

// mark logs a phase once (later marks of the same phase are ignored).
func (t *startupTrace) mark(phase string) {
	if t == nil {
		return
	}
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.seen[phase] {
		return
	}
	t.seen[phase] = true
	t.log.Info("startup phase", "phase", phase, "at_ms", now.Sub(t.start).Milliseconds(), "step_ms", now.Sub(t.last).Milliseconds())
	t.last = now
}

// processStart is when the kernel started this process (/proc/self/stat's starttime, in clock
// ticks after boot, against /proc/uptime), so dynamic linking and the Go runtime's start are
// counted too; the package's init time where /proc cannot tell.
func processStart() time.Time {
	stat, err1 := os.ReadFile("/proc/self/stat")
	up, err2 := os.ReadFile("/proc/uptime")
	now := time.Now()
	if err1 != nil || err2 != nil {
		return started
	}
	// The command name (field 2) may hold spaces: fields are counted after its ")".
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 20 {
		return started
	}
	ticks, err := strconv.ParseFloat(fields[19], 64) // field 22: starttime
	upFields := strings.Fields(string(up))
	if err != nil || len(upFields) == 0 {
		return started
	}
	uptime, err := strconv.ParseFloat(upFields[0], 64)
	if err != nil {
		return started
	}
	const hz = 100 // USER_HZ, 100 on every Linux the kiosk runs on
	age := time.Duration((uptime - ticks/hz) * float64(time.Second))
	if age < 0 || age > time.Minute {
		return started
	}
	return now.Add(-age)
}
