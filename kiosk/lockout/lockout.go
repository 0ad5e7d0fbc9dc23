// Package lockout is the service PIN's attempt policy and the errors a refused PIN gives:
// how many wrong PINs lock it, for how long, and how many tries are left. Package access
// enforces it and returns these errors; the UI explains them. It imports only the standard
// library, so the UI does so without importing the store.
package lockout

import (
	"errors"
	"fmt"
	"time"
)

// Policy.
const (
	MaxAttempts  = 5               // wrong PINs in a row before the lock
	LockDuration = 5 * time.Minute // how long the lock lasts
)

// A refused PIN's errors are *WrongPINError and *LockedError, which match ErrWrongPIN and
// ErrLocked with errors.Is.
var (
	ErrWrongPIN = errors.New("wrong service PIN")
	ErrLocked   = errors.New("service PIN locked after too many wrong attempts")
)

// WrongPINError is returned by access.Guard.CheckPIN for a wrong PIN.
type WrongPINError struct {
	// Left is how many wrong PINs remain before the lock; 0 means this
	// attempt locked the PIN.
	Left int
	// LockedUntil is set when this attempt locked the PIN.
	LockedUntil time.Time
}

func (e *WrongPINError) Error() string {
	if e.Left == 0 {
		return fmt.Sprintf("%v; locked until %s", ErrWrongPIN, e.LockedUntil.Format(time.TimeOnly))
	}
	return fmt.Sprintf("%v; %d attempt(s) left", ErrWrongPIN, e.Left)
}

// Is makes errors.Is(err, ErrWrongPIN) true.
func (e *WrongPINError) Is(target error) bool { return target == ErrWrongPIN }

// LockedError is returned by access.Guard.CheckPIN while the PIN is locked.
type LockedError struct {
	Until time.Time
	Left  time.Duration // Until minus now
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("%v; try again in %s", ErrLocked, e.Left.Round(time.Second))
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }
