package kiosk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// fakeLoop is a UI main loop: one goroutine running queued funcs in order, like fyne.Do.
type fakeLoop struct {
	queue chan func()
}

func newFakeLoop(t *testing.T) *fakeLoop {
	l := &fakeLoop{queue: make(chan func(), 1000)}
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	go func() {
		for {
			select {
			case f := <-l.queue:
				f()
			case <-stop:
				return
			}
		}
	}()
	return l
}

func (l *fakeLoop) Do(f func()) { l.queue <- f }

// syncBuffer is a bytes.Buffer safe to log into from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestWatchdogPingsOnlyWhileUILoopRuns(t *testing.T) {
	loop := newFakeLoop(t)
	sent := make(chan string, 1000)
	var logs syncBuffer
	const interval = 10 * time.Millisecond
	w := &Watchdog{
		Notify:   func(s string) error { sent <- s; return nil },
		Interval: interval,
		RunOnUI:  loop.Do,
		Log:      slog.New(slog.NewTextHandler(&logs, nil)),
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w.Ready("gotowy")
	if got := <-sent; got != "READY=1\nSTATUS=gotowy" {
		t.Fatalf("first message %q", got)
	}
	go w.Run(ctx)

	waitPings := func(n int) {
		t.Helper()
		deadline := time.After(5 * time.Second)
		for n > 0 {
			select {
			case s := <-sent:
				if s != "WATCHDOG=1" {
					t.Fatalf("unexpected message %q", s)
				}
				n--
			case <-deadline:
				t.Fatalf("pings stopped while the UI loop runs (%d missing)", n)
			}
		}
	}
	waitPings(5)

	// The UI loop hangs: a func that blocks until released.
	release := make(chan struct{})
	loop.Do(func() { <-release })
	time.Sleep(3 * interval) // a ping queued before the hang may still arrive
	for len(sent) > 0 {
		<-sent
	}
	time.Sleep(20 * interval)
	if n := len(sent); n != 0 {
		t.Fatalf("%d pings while the UI loop was blocked", n)
	}
	if !strings.Contains(logs.String(), "UI main loop not responding") {
		t.Errorf("the stall is not logged: %s", logs.String())
	}
	if n := len(loop.queue); n > 1 {
		t.Errorf("pings pile up behind the hung loop: %d queued", n)
	}

	close(release)
	waitPings(2)
	if !strings.Contains(logs.String(), "responsive again") {
		t.Errorf("the recovery is not logged: %s", logs.String())
	}
}

func TestWatchdogStatusOnlyWhenChanged(t *testing.T) {
	var mu sync.Mutex
	var sent []string
	n := 0
	w := &Watchdog{
		Notify: func(s string) error { mu.Lock(); sent = append(sent, s); mu.Unlock(); return nil },
		Status: func() string {
			mu.Lock()
			defer mu.Unlock()
			n++
			return fmt.Sprintf("gotowy, kolejka wniosków: %d", min(n, 2))
		},
		StatusEvery: 5 * time.Millisecond,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	w.Run(ctx) // no watchdog: status only
	mu.Lock()
	defer mu.Unlock()
	want := []string{"STATUS=gotowy, kolejka wniosków: 1", "STATUS=gotowy, kolejka wniosków: 2"}
	if strings.Join(sent, "|") != strings.Join(want, "|") {
		t.Fatalf("sent %q, want %q", sent, want)
	}
}

func TestWatchdogOffOutsideSystemd(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	t.Setenv("WATCHDOG_USEC", "")
	w := NewSystemdWatchdog(func(f func()) { t.Fatal("nothing may be queued") }, nil)
	if w.Interval != 0 {
		t.Fatalf("interval %v without WATCHDOG_USEC", w.Interval)
	}
	w.Ready("gotowy") // no socket: a no-op, not an error
	done := make(chan struct{})
	go func() { w.Run(context.Background()); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("Run does not return when there is nothing to do")
	}
}

const helperEnv = "INFOMAT_WATCHDOG_HELPER"

// TestWatchdogHelperProcess is the kiosk stand-in that TestWatchdogSdNotifyContract runs:
// the real systemd notifier, a UI loop that hangs after four funcs.
func TestWatchdogHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("run by TestWatchdogSdNotifyContract")
	}
	queue := make(chan func(), 100)
	go func() {
		for i := 0; ; i++ {
			if i == 4 {
				select {} // the UI main loop hangs
			}
			(<-queue)()
		}
	}()
	w := NewSystemdWatchdog(func(f func()) { queue <- f }, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if w.Interval != 100*time.Millisecond {
		fmt.Fprintf(os.Stderr, "interval %v, want a third of WATCHDOG_USEC\n", w.Interval)
		os.Exit(3)
	}
	w.Ready("gotowy")
	w.Run(context.Background())
}

// TestWatchdogSdNotifyContract plays systemd: a unixgram NOTIFY_SOCKET, WATCHDOG_USEC for a
// child process, and the datagrams it sends. After READY=1 and a few WATCHDOG=1 the child's
// UI loop hangs; the pings must stop for longer than the watchdog timeout while the
// process is still alive — which is what makes systemd kill and restart it.
func TestWatchdogSdNotifyContract(t *testing.T) {
	if os.Getenv(helperEnv) != "" {
		t.Skip("helper process")
	}
	dir, err := os.MkdirTemp("", "wd") // short: unix socket paths are limited to 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	const timeout = 300 * time.Millisecond // WatchdogSec; pings every 100 ms
	cmd := exec.Command(os.Args[0], "-test.run=^TestWatchdogHelperProcess$", "-test.v")
	cmd.Env = append(os.Environ(), helperEnv+"=1", "NOTIFY_SOCKET="+sock,
		fmt.Sprintf("WATCHDOG_USEC=%d", timeout.Microseconds()))
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer func() { cmd.Process.Kill(); <-exited }()

	read := func(wait time.Duration) (string, error) {
		conn.SetReadDeadline(time.Now().Add(wait))
		buf := make([]byte, 4096)
		n, err := conn.Read(buf)
		return string(buf[:n]), err
	}
	first, err := read(30 * time.Second)
	if err != nil {
		t.Fatalf("no READY=1: %v\n%s", err, stderr.String())
	}
	if lines := strings.Split(first, "\n"); lines[0] != "READY=1" {
		t.Fatalf("first datagram %q", first)
	}
	pings := 0
	var last time.Time
	for pings < 4 {
		msg, err := read(10 * time.Second)
		if err != nil {
			t.Fatalf("after %d pings: %v\n%s", pings, err, stderr.String())
		}
		if msg == "WATCHDOG=1" {
			pings++
			last = time.Now()
		}
	}
	// The UI loop has now run its four funcs (four pings) and hangs: silence for well over
	// the watchdog timeout, with the process alive.
	if msg, err := read(3 * timeout); err == nil {
		t.Fatalf("message %q after the UI loop hung", msg)
	} else if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatal(err)
	}
	if since := time.Since(last); since < 3*timeout {
		t.Fatalf("silence only %v", since)
	}
	select {
	case <-exited:
		t.Fatalf("the helper exited; systemd's watchdog should be what ends it\n%s", stderr.String())
	default:
	}
	if !strings.Contains(stderr.String(), "UI main loop not responding") {
		t.Errorf("the hang is not in the log:\n%s", stderr.String())
	}
}

func TestDebugHangAfter(t *testing.T) {
	env := map[string]string{}
	get := func(k string) string { return env[k] }
	if d, err := DebugHangAfter(get); d != 0 || err != nil {
		t.Fatalf("unset: %v %v", d, err)
	}
	env[HangAfterEnv] = "10s"
	if d, err := DebugHangAfter(get); d != 10*time.Second || err != nil {
		t.Fatalf("10s: %v %v", d, err)
	}
	env[HangAfterEnv] = "soon"
	if _, err := DebugHangAfter(get); err == nil {
		t.Fatal("bad value accepted")
	}
}

func TestDisplayProblem(t *testing.T) {
	env := map[string]string{}
	get := func(k string) string { return env[k] }
	if p := DisplayProblem("linux", get); !strings.Contains(p, "DISPLAY") {
		t.Fatalf("no display: %q", p)
	}
	if p := DisplayProblem("windows", get); p != "" {
		t.Fatalf("windows needs no DISPLAY: %q", p)
	}
	env["WAYLAND_DISPLAY"] = "wayland-0"
	if p := DisplayProblem("linux", get); p != "" {
		t.Fatalf("wayland: %q", p)
	}
	env = map[string]string{"DISPLAY": ":0"}
	if p := DisplayProblem("linux", get); p != "" {
		t.Fatalf("x11: %q", p)
	}
}

func TestLoggerIsJSONOnlyOnTheJournalStream(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	st := fi.Sys().(*syscall.Stat_t)
	stream := fmt.Sprintf("%d:%d", st.Dev, st.Ino)

	NewLogger(f, "").Info("kiosk ready", "startup_ms", 12)
	NewLogger(f, "1:2").Info("kiosk ready", "startup_ms", 12) // another stream: inherited variable
	NewLogger(f, stream).Info("kiosk ready", "startup_ms", 12)
	data, _ := os.ReadFile(f.Name())
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 3 {
		t.Fatalf("lines: %q", lines)
	}
	for _, l := range lines[:2] {
		if !strings.Contains(l, `msg="kiosk ready"`) {
			t.Errorf("text expected: %s", l)
		}
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[2]), &rec); err != nil || rec["msg"] != "kiosk ready" || rec["startup_ms"] != 12.0 {
		t.Fatalf("JSON expected on the journal stream: %s (%v)", lines[2], err)
	}
}
