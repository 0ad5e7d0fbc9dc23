package dues

import (
	"errors"
	"testing"
	"unicode/utf8"
)

func TestTitle(t *testing.T) {
	tests := []struct {
		it   Item
		want string
	}{
		{Item{Decision: "FN.3120.15.2026", Instalment: 2, Year: 2026}, "FN.3120.15.2026 rata 2/2026"},
		{Item{Decision: "FN.3120.15.2026", Year: 2026}, "FN.3120.15.2026"},
		{Item{Decision: "OŚ.6341.7.2025", Year: 2026}, "OŚ.6341.7.2025 2026"},
		// " rata 4/2026" no longer fits: "r."
		{Item{Decision: "GKF.3120.1.00123.2026", Instalment: 4, Year: 2026}, "GKF.3120.1.00123.2026 r.4/2026"},
		// the number carries the year: the instalment goes without it
		{Item{Decision: "GKF.3120.10.0012345.2026", Instalment: 4, Year: 2026}, "GKF.3120.10.0012345.2026 r.4"},
		// too long even so: cut from the left at a separator, the end kept
		{Item{Decision: "UM-FN.3120.12.0004567.ABCD.2026", Instalment: 3, Year: 2026}, "3120.12.0004567.ABCD.2026 r.3"},
		{Item{Decision: "  FN 3120 | 15\n2026 ", Instalment: 1, Year: 2026}, "FN 3120 15 2026 rata 1/2026"},
		// no number: the charge's name stands in
		{Item{Item: "Opłata za gospodarowanie odpadami", Instalment: 2, Year: 2026}, "gospodarowanie odpadami r.2/2026"},
	}
	for _, tt := range tests {
		got := Title(tt.it)
		if got != tt.want {
			t.Errorf("Title(%+v) = %q, want %q", tt.it, got, tt.want)
		}
		if n := utf8.RuneCountInString(got); n > MaxTitle {
			t.Errorf("Title(%+v) = %q: %d characters", tt.it, got, n)
		}
	}
}

func TestCodeAndErrors(t *testing.T) {
	if c := NormalizeCode(" ab12-cd 34 "); c != "AB12CD34" || !ValidCode(c) {
		t.Errorf("NormalizeCode = %q", c)
	}
	for _, bad := range []string{"", "AB", "AB12CD3Ł", "AB_1234"} {
		if ValidCode(NormalizeCode(bad)) {
			t.Errorf("%q taken as a code", bad)
		}
	}
	var err error = &RefusedError{Remaining: 2}
	if !errors.Is(err, ErrRefused) || errors.Is(err, ErrLocked) {
		t.Error("RefusedError does not match ErrRefused alone")
	}
	err = &LockedError{}
	if !errors.Is(err, ErrLocked) {
		t.Error("LockedError does not match ErrLocked")
	}
	it := Item{Due: 10000, Paid: 12000, DueDate: "2026-03-15"}
	if it.Outstanding() != 0 || it.Overdue("2026-04-01") {
		t.Error("an overpaid item is outstanding or overdue")
	}
	it.Paid = 4000
	if it.Outstanding() != 6000 || !it.Overdue("2026-03-16") || it.Overdue("2026-03-15") {
		t.Error("Outstanding/Overdue wrong")
	}
}
