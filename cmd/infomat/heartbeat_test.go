package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"infomat/kiosk"
	"infomat/outbox"
	"infomat/store"
)

type fixedClock struct {
	now     time.Time
	problem string
}

func (c fixedClock) Now() time.Time  { return c.now }
func (c fixedClock) Problem() string { return c.problem }

// The heartbeat carries the clock fault, the salvage counts and a timestamp from the
// trusted time, not from a 1970 device clock.
func TestHeartbeatClockAndSalvage(t *testing.T) {
	dir := resetFixture(t, 2)
	aside := filepath.Join(dir, "infomat.db.corrupt-20261102-080000")
	if err := os.Rename(filepath.Join(dir, "infomat.db"), aside); err != nil {
		t.Fatal(err)
	}
	st, _, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ob, err := outbox.Open(st.Bolt())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kiosk.SalvageAside(context.Background(), dir, st, ob, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.SetSetting(kiosk.SettingLabel, "Biblioteka, parter"); err != nil {
		t.Fatal(err)
	}
	trusted := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	svc := &kiosk.ServiceMode{Outbox: ob, DataDir: dir, Clock: fixedClock{now: trusted, problem: "zegar urządzenia (1970-01-01 00:00) …"}}
	hb := heartbeat(context.Background(), svc, st, &kiosk.Devices{}, "test")
	if hb.Label != "Biblioteka, parter" {
		t.Errorf("heartbeat label %q, want the device's (setup --label)", hb.Label)
	}
	if !hb.ClockSuspect || hb.Salvaged != 2 || hb.Unrecoverable != 0 || !hb.Sent.Equal(trusted) || hb.Queued != 2 {
		t.Fatalf("heartbeat: clock_suspect %v, salvaged %d, unrecoverable %d, sent %s, queued %d",
			hb.ClockSuspect, hb.Salvaged, hb.Unrecoverable, hb.Sent, hb.Queued)
	}
}
