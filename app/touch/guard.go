package touch

import "time"

// GuardTime is how long after a screen change taps are held back. A double tap lands its
// second tap 100–200 ms after the first; by the time the first has opened the next screen,
// the second would press whatever lies at the same spot there (a home tile opened two levels).
// 300 ms is still well under the time a person needs to see a new screen and aim again.
const GuardTime = 300 * time.Millisecond

// TapGuard drops taps that arrive within GuardTime of a screen change. The UI calls
// ScreenChanged whenever it replaces what is under the finger; the Kit's buttons and list
// rows ask Allow before acting. It is used on the Fyne UI goroutine only.
type TapGuard struct {
	clock   func() time.Duration
	changed time.Duration
	set     bool
}

// NewTapGuard returns a guard on clock, a monotonic time since any fixed start (a wall
// clock set back would otherwise hold taps back indefinitely).
func NewTapGuard(clock func() time.Duration) *TapGuard {
	return &TapGuard{clock: clock}
}

// ScreenChanged records that the screen was just replaced.
func (g *TapGuard) ScreenChanged() {
	if g == nil {
		return
	}
	g.changed, g.set = g.clock(), true
}

// Allow reports whether a tap arriving now may act. A nil guard allows everything.
func (g *TapGuard) Allow() bool {
	if g == nil || !g.set {
		return true
	}
	// A clock that went backwards cannot tell: let the tap through rather than lock up.
	since := g.clock() - g.changed
	return since < 0 || since >= GuardTime
}

// Forget lets the next tap act whenever it comes: a keypad's Select or a deliberate double
// tap in speech mode is not the stray second tap the guard is for.
func (g *TapGuard) Forget() {
	if g != nil {
		g.set = false
	}
}
