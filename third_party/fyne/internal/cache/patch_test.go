package cache

import (
	"image"
	"testing"
	"time"
)

// An SVG's pictures at two sizes are both kept (infomat patch): one does not push out the other.
func TestSvgKeepsEachSize(t *testing.T) {
	t.Cleanup(ResetThemeCaches)
	small, large := image.NewNRGBA(image.Rect(0, 0, 12, 12)), image.NewNRGBA(image.Rect(0, 0, 30, 30))
	SetSvg("arrow.svg", nil, small, 12, 12)
	SetSvg("arrow.svg", nil, large, 30, 30)
	if got := GetSvg("arrow.svg", nil, 12, 12); got != small {
		t.Errorf("12×12: %v", got)
	}
	if got := GetSvg("arrow.svg", nil, 30, 30); got != large {
		t.Errorf("30×30: %v", got)
	}
	if got := GetSvg("arrow.svg", nil, 20, 20); got != nil {
		t.Errorf("20×20, never drawn: %v", got)
	}
	if got := GetSvg("other.svg", nil, 12, 12); got != nil {
		t.Errorf("another icon: %v", got)
	}
}

// Within a turn of the main loop what is touched lives from the turn's start; outside one,
// from the clock's time (infomat patch).
func TestSetAliveTakesTheTurnsTime(t *testing.T) {
	now := time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)
	timeNow = func() time.Time { return now }
	t.Cleanup(func() { timeNow = time.Now; EndTurn() })

	StartTurn()
	now = now.Add(5 * time.Millisecond) // the turn goes on
	var c expiringCache
	c.setAlive()
	if want := now.Add(-5 * time.Millisecond).Add(ValidDuration); !c.expires.Equal(want) {
		t.Errorf("within the turn: expires %v, want %v", c.expires, want)
	}
	EndTurn()
	c.setAlive()
	if want := now.Add(ValidDuration); !c.expires.Equal(want) {
		t.Errorf("after the turn: expires %v, want %v", c.expires, want)
	}
	if c.isExpired(now.Add(ValidDuration - time.Millisecond)) {
		t.Error("expired before its time")
	}
	if !c.isExpired(now.Add(ValidDuration + time.Millisecond)) {
		t.Error("not expired after its time")
	}
}
