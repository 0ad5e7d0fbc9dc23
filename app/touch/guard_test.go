package touch

import (
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// guardKit is a Kit with a tap guard on a clock the test moves, and an activity counter.
func guardKit() (Kit, *time.Duration, *int) {
	var now time.Duration
	n := 0
	return Kit{Activity: func() { n++ }, Guard: NewTapGuard(func() time.Duration { return now })}, &now, &n
}

func TestGuardHoldsBackButtonTapsRightAfterAScreenChange(t *testing.T) {
	test.NewTempApp(t)
	k, now, activity := guardKit()
	taps := 0
	b := k.NewButton("Dalej", nil, func() { taps++ })
	w := test.NewTempWindow(t, b)
	w.Resize(fyne.NewSize(200, 200))

	test.TapCanvas(w.Canvas(), absCentre(b))
	if taps != 1 {
		t.Fatalf("a tap before any screen change: %d taps, want 1", taps)
	}
	k.Guard.ScreenChanged()
	*now += 120 * time.Millisecond // the second tap of a double tap
	test.TapCanvas(w.Canvas(), absCentre(b))
	if taps != 1 {
		t.Fatalf("a tap 120 ms after a screen change acted (%d taps)", taps)
	}
	if *activity != 2 {
		t.Fatalf("a held-back tap is still a touch for the idle timer: activity %d, want 2", *activity)
	}
	*now += 280 * time.Millisecond // 400 ms after the change
	test.TapCanvas(w.Canvas(), absCentre(b))
	if taps != 2 {
		t.Fatalf("a tap 400 ms after a screen change: %d taps, want 2", taps)
	}
	// Taps with no screen change in between all act, however fast.
	test.TapCanvas(w.Canvas(), absCentre(b))
	if taps != 3 {
		t.Fatalf("quick taps on one screen: %d taps, want 3", taps)
	}
}

func TestGuardHoldsBackListRowTaps(t *testing.T) {
	k, now, _ := guardKit()
	l, w, selected := newKitTestList(t, k, 50)
	k.Guard.ScreenChanged()
	*now += 100 * time.Millisecond
	test.TapCanvas(w.Canvas(), absCentre(rowAt(t, w, 2)))
	*now += 300 * time.Millisecond
	test.TapCanvas(w.Canvas(), absCentre(rowAt(t, w, 3)))
	if got := fmt.Sprint(*selected); got != "[3]" {
		t.Fatalf("selected %s, want [3] (the row tapped 100 ms after the change held back)", got)
	}
	_ = l
}

func TestGuardClockGoingBackwardsLetsTapsThrough(t *testing.T) {
	now := 10 * time.Second
	g := NewTapGuard(func() time.Duration { return now })
	g.ScreenChanged()
	if g.Allow() {
		t.Fatal("a tap at the very moment of a change acted")
	}
	now -= time.Second
	if !g.Allow() {
		t.Fatal("a clock that went backwards locks taps out")
	}
	var none *TapGuard
	none.ScreenChanged()
	if !none.Allow() {
		t.Fatal("a nil guard holds taps back")
	}
}
