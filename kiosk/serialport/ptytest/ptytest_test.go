package ptytest_test

import (
	"bytes"
	"os"
	"syscall"
	"testing"
	"time"

	"infomat/kiosk/serialport/ptytest"
)

// The slave is raw without anyone else setting termios: every byte passes both ways and
// nothing is echoed back.
func TestRawBothWays(t *testing.T) {
	p := ptytest.New(t)
	tty, err := os.OpenFile(p.Name, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}

	if _, err := tty.Write(all); err != nil {
		t.Fatal(err)
	}
	if got := p.ReadN(t, 256, 2*time.Second); !bytes.Equal(got, all) {
		t.Errorf("device got %x", got)
	}

	if _, err := p.Device.Write(all); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 0, 256)
	buf := make([]byte, 256)
	for len(got) < 256 {
		n, err := tty.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, buf[:n]...)
	}
	if !bytes.Equal(got, all) {
		t.Errorf("tty got %x", got)
	}
	if echo := p.ReadFor(t, 100*time.Millisecond); len(echo) != 0 {
		t.Errorf("echoed %x", echo)
	}
}

// Closing the Device ends a Read blocked on it (the master is under Go's poller).
func TestCloseUnblocksRead(t *testing.T) {
	p := ptytest.New(t)
	done := make(chan error, 1)
	go func() {
		_, err := p.Device.Read(make([]byte, 1))
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Error("Read after Close returned no error")
		}
	case <-time.After(time.Second):
		t.Fatal("Read still blocked after Close")
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
