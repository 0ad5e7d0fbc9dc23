package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestE2EWatchdog runs the real kiosk under Xvfb as systemd would (NOTIFY_SOCKET,
// WATCHDOG_USEC) with INFOMAT_DEBUG_HANG_AFTER: READY=1 with the first frame, WATCHDOG=1
// from Fyne's main loop, then silence once the loop is blocked while the process lives on.
// It also starts the kiosk with a GL context Mesa cannot give: exit status 3, "Brak ekranu".
func TestE2EWatchdog(t *testing.T) {
	if os.Getenv("INFOMAT_E2E") != "1" {
		t.Skip("needs Xvfb; run with INFOMAT_E2E=1")
	}
	bin := kioskBinary(t)
	display := startXvfb(t)

	t.Run("watchdog", func(t *testing.T) {
		dir, err := os.MkdirTemp("", "wd")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		sock := filepath.Join(dir, "notify")
		conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		const watchdog = 1500 * time.Millisecond
		cmd := exec.Command(bin, "--windowed", "--data", filepath.Join(dir, "data"))
		cmd.Env = append(os.Environ(), "DISPLAY="+display, "NOTIFY_SOCKET="+sock,
			fmt.Sprintf("WATCHDOG_USEC=%d", watchdog.Microseconds()), "INFOMAT_DEBUG_HANG_AFTER=2s")
		logs := newLogBuf()
		cmd.Stderr = logs
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
		msg, err := read(30 * time.Second)
		if err != nil || !strings.HasPrefix(msg, "READY=1\nSTATUS=gotowy") {
			t.Fatalf("first message %q, %v\n%s", msg, err, logs.String())
		}
		pings := 0
		for {
			msg, err := read(2 * watchdog)
			if err != nil {
				break // silence for longer than the watchdog timeout
			}
			if msg == "WATCHDOG=1" {
				pings++
			}
		}
		if pings < 3 {
			t.Fatalf("%d pings before the hang\n%s", pings, logs.String())
		}
		select {
		case <-exited:
			t.Fatalf("kiosk exited\n%s", logs.String())
		default:
		}
		for _, want := range []string{"blocking the UI main loop", "UI main loop not responding"} {
			if !strings.Contains(logs.String(), want) {
				t.Errorf("log lacks %q:\n%s", want, logs.String())
			}
		}
	})

	t.Run("no GL context", func(t *testing.T) {
		cmd := exec.Command(bin, "--windowed", "--data", t.TempDir())
		cmd.Env = append(os.Environ(), "DISPLAY="+display, "MESA_GL_VERSION_OVERRIDE=1.0")
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitNoDisplay {
			t.Fatalf("%v, want exit status %d\n%s", err, exitNoDisplay, out)
		}
		if !strings.Contains(string(out), "Brak ekranu: nie można utworzyć okna OpenGL") || strings.Contains(string(out), "kiosk ready") {
			t.Fatalf("output:\n%s", out)
		}
	})
}
