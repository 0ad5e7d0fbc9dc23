package idle

import (
	"testing"
	"time"
)

func TestIdleWarnsThenExpires(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	idle := New(90*time.Second, func() time.Time { return now })
	if s, left := idle.Poll(); s != Active || left != 90*time.Second {
		t.Fatalf("fresh: %v %v", s, left)
	}
	now = now.Add(69 * time.Second)
	if s, _ := idle.Poll(); s != Active {
		t.Fatalf("at 69 s: %v", s)
	}
	now = now.Add(2 * time.Second)
	if s, left := idle.Poll(); s != Warning || left != 19*time.Second {
		t.Fatalf("at 71 s: %v %v", s, left)
	}
	idle.Touch() // "Więcej czasu"
	if s, left := idle.Poll(); s != Active || left < MinWarning {
		t.Fatalf("after more time: %v %v", s, left)
	}
	now = now.Add(90 * time.Second)
	if s, _ := idle.Poll(); s != Expired {
		t.Fatalf("at timeout: %v", s)
	}
}

func TestShortIdleTimeoutStillWarnsWholeTime(t *testing.T) {
	now := time.Now()
	idle := New(10*time.Second, func() time.Time { return now })
	if s, _ := idle.Poll(); s != Warning {
		t.Fatalf("a timeout shorter than the warning warns from the start, got %v", s)
	}
	if New(0, time.Now).Timeout() != DefaultTimeout {
		t.Fatal("zero timeout is not the default")
	}
}
