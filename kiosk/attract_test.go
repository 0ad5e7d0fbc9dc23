package kiosk

import (
	"testing"
	"time"
)

func TestAttractAfterSetting(t *testing.T) {
	st := openStore(t)
	if got := AttractAfter(st); got != DefaultAttractAfter {
		t.Fatalf("unset: %v", got)
	}
	for v, want := range map[string]time.Duration{"2m": 2 * time.Minute, "0": 0, "0s": 0, "10s": 10 * time.Second} {
		if err := st.SetSetting(SettingAttractAfter, v); err != nil {
			t.Fatal(err)
		}
		if got := AttractAfter(st); got != want {
			t.Errorf("set %q: %v, want %v", v, got, want)
		}
	}
	// A value edited into the store by hand that is out of range is ignored, not obeyed.
	st.SetSetting(SettingAttractAfter, "1s")
	if got := AttractAfter(st); got != DefaultAttractAfter {
		t.Errorf("out of range: %v", got)
	}
	s, ok := LookupSetting(SettingAttractAfter)
	if !ok {
		t.Fatal("attract_after is not a known setting")
	}
	for _, bad := range []string{"abc", "5s", "2h", "-1m"} {
		if s.Check(bad) == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}
