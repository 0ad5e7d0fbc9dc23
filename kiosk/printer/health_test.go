package printer

import (
	"errors"
	"fmt"
	"testing"

	"infomat/kiosk/health"
)

// The UI tells printer faults apart with package health's values, not this package's.
func TestFaultsAreHealthValues(t *testing.T) {
	for _, c := range []struct{ ours, theirs error }{
		{ErrPaperOut, health.ErrPaperOut}, {ErrCoverOpen, health.ErrCoverOpen}, {ErrOffline, health.ErrOffline},
		{ErrGarbled, health.ErrGarbled}, {ErrNoResponse, health.ErrNoResponse}, {ErrBusy, health.ErrBusy},
	} {
		if !errors.Is(fmt.Errorf("print: %w", c.ours), c.theirs) {
			t.Errorf("%v is not health's %v", c.ours, c.theirs)
		}
	}
}
