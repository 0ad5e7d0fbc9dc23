package kiosk

import (
	"testing"

	"infomat/buildinfo"
)

func TestDebugClock(t *testing.T) {
	env := map[string]string{DebugClockEnv: "1970-01-01T00:00:00Z"}
	c, err := NewClock(nil, func(k string) string { return env[k] })
	if err != nil || !c.Suspect() || c.Now().Before(buildinfo.Time()) {
		t.Fatalf("debug clock at 1970: suspect %v, now %s, %v", c.Suspect(), c.Now(), err)
	}
	env[DebugClockEnv] = "yesterday"
	if _, err := NewClock(nil, func(k string) string { return env[k] }); err == nil {
		t.Fatal("a malformed debug clock was accepted")
	}
}
