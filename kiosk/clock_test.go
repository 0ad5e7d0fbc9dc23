package kiosk

import (
	"testing"
	"time"
)

func TestBuildTimeAndDebugClock(t *testing.T) {
	old := buildTime
	defer func() { buildTime = old }()
	buildTime = "2026-12-04T17:56:58+00:00" // as packaging sets it from git log --format=%cI
	if got := BuildTime(); !got.Equal(time.Date(2026, 12, 4, 17, 56, 58, 0, time.UTC)) {
		t.Fatalf("BuildTime = %s", got)
	}
	buildTime = ""
	if BuildTime().IsZero() {
		t.Fatal("no fallback build time")
	}

	env := map[string]string{DebugClockEnv: "1970-01-01T00:00:00Z"}
	c, err := NewClock(nil, func(k string) string { return env[k] })
	if err != nil || !c.Suspect() || c.Now().Before(BuildTime()) {
		t.Fatalf("debug clock at 1970: suspect %v, now %s, %v", c.Suspect(), c.Now(), err)
	}
	env[DebugClockEnv] = "yesterday"
	if _, err := NewClock(nil, func(k string) string { return env[k] }); err == nil {
		t.Fatal("a malformed debug clock was accepted")
	}
}
