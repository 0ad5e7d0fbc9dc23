package access

import (
	"errors"
	"fmt"
	"testing"

	"infomat/kiosk/lockout"
)

// The UI explains a refused PIN with package lockout's values, not this package's.
func TestRefusalsAreLockoutValues(t *testing.T) {
	var wrong error = &WrongPINError{Left: 2}
	var locked error = &LockedError{Left: LockDuration}
	if !errors.Is(fmt.Errorf("login: %w", wrong), lockout.ErrWrongPIN) || !errors.Is(fmt.Errorf("login: %w", locked), lockout.ErrLocked) {
		t.Fatal("access's refusals do not match lockout's errors")
	}
	var w *lockout.WrongPINError
	if !errors.As(wrong, &w) || w.Left != 2 {
		t.Fatal("a WrongPINError is not lockout's type")
	}
	if MaxAttempts != lockout.MaxAttempts || LockDuration != lockout.LockDuration {
		t.Fatal("access enforces another policy than lockout describes")
	}
}
