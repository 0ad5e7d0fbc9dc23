// Package dues is the kiosk's model of a resident's local taxes and fees (issue 16): what
// the resident identifies with, what the portal answers, why it refuses, and the transfer
// title. It imports only the standard library, so the UI and the sync client share it
// without the UI importing the network (app/imports_test.go). The wire form is
// sync/protocol's DuesRequest and DuesResponse; sync/client converts.
package dues

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// Request identifies a resident: a Karta Mieszkańca's ID with its PIN, or the access code
// from the tax decision with the PESEL's last four digits.
type Request struct {
	Card   string
	PIN    string
	Code   string
	PESEL4 string
}

// Statement is what the resident is shown. Name is masked by the portal.
type Statement struct {
	Name      string
	AsOf      time.Time // when the municipality exported the data from its tax system
	Items     []Item
	Recipient string // the municipality's name for the transfer
	NIP       string // its tax number, for the payment code
}

// Item is one instalment of one charge. Amounts are in grosze.
type Item struct {
	Item       string // e.g. "Podatek od nieruchomości"
	Year       int    // the tax year
	Instalment int    // 1…n; 0 when paid in one sum
	Due        int64
	Paid       int64
	DueDate    string // YYYY-MM-DD
	Account    string // the taxpayer's individual account (NRB)
	Decision   string // the decision's number
}

// Outstanding is what is left to pay, never negative.
func (it Item) Outstanding() int64 { return max(it.Due-it.Paid, 0) }

// Overdue reports whether something is left to pay after the due date on the day today
// (YYYY-MM-DD in the municipality's time).
func (it Item) Overdue(today string) bool { return it.Outstanding() > 0 && it.DueDate < today }

// Total is what is left to pay of all items.
func (s Statement) Total() int64 {
	var n int64
	for _, it := range s.Items {
		n += it.Outstanding()
	}
	return n
}

// The ways a lookup fails, for the UI to phrase. The detailed types match them with
// errors.Is.
var (
	// ErrRefused: the identification did not match (which part is not told).
	ErrRefused = errors.New("dues: identification refused")
	// ErrLocked: too many failed tries for this card, code or kiosk.
	ErrLocked = errors.New("dues: lookup locked after failed tries")
	// ErrUnavailable: the municipality does not offer the lookup.
	ErrUnavailable = errors.New("dues: not offered by the municipality")
	// ErrOffline: the portal could not be reached or did not answer usefully.
	ErrOffline = errors.New("dues: portal unreachable")
)

// RefusedError is a refusal with the tries left before a lockout.
type RefusedError struct{ Remaining int }

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%v; %d tries left", ErrRefused, e.Remaining)
}

// Is makes errors.Is(err, ErrRefused) true.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

// LockedError is a lockout; Until is zero when the portal did not say.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string {
	if e.Until.IsZero() {
		return ErrLocked.Error()
	}
	return fmt.Sprintf("%v until %s", ErrLocked, e.Until.Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// NormalizeCode writes an access code the way the portal compares it: capitals, no spaces
// or dashes, so "ab12-cd34" typed on the kiosk is "AB12CD34".
func NormalizeCode(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' {
			return -1
		}
		return unicode.ToUpper(r)
	}, s)
}

// ValidCode reports whether s (normalised) can be an access code: 4 to 32 letters A–Z and
// digits.
func ValidCode(s string) bool {
	if len(s) < 4 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !('A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// MaxTitle is the transfer title's length in the ZBP payment code.
const MaxTitle = 32

// Title is the transfer title for an item, at most MaxTitle characters, in the form tax
// offices book instalments by: the decision's number, then the instalment and the tax year,
// "FN.3120.15.2026 rata 2/2026". A one-sum charge gets the year instead ("… 2026"), left out
// when the number already ends with it. When that is too long, it shortens in steps that keep
// what identifies the payment: "r." for "rata", then the year left out of the instalment when
// the number carries it, then the number cut from the left at a separator (its end — the
// case's sequence number and year — is what tells decisions apart; the individual account
// already names the taxpayer). Without a decision number the charge's name stands in.
func Title(it Item) string {
	base := clean(it.Decision)
	if base == "" {
		base = clean(it.Item)
	}
	year := ""
	if it.Year > 0 {
		year = fmt.Sprint(it.Year)
	}
	hasYear := year != "" && strings.HasSuffix(base, year)
	var suffixes []string
	switch {
	case it.Instalment > 0 && year != "":
		suffixes = []string{
			fmt.Sprintf(" rata %d/%s", it.Instalment, year),
			fmt.Sprintf(" r.%d/%s", it.Instalment, year),
		}
		if hasYear {
			suffixes = append(suffixes, fmt.Sprintf(" r.%d", it.Instalment))
		}
	case it.Instalment > 0:
		suffixes = []string{fmt.Sprintf(" rata %d", it.Instalment), fmt.Sprintf(" r.%d", it.Instalment)}
	case year != "" && !hasYear:
		suffixes = []string{" " + year}
	default:
		suffixes = []string{""}
	}
	for _, s := range suffixes {
		if n := len([]rune(base + s)); n <= MaxTitle {
			return base + s
		}
	}
	suffix := suffixes[len(suffixes)-1]
	return cutLeft(base, MaxTitle-len([]rune(suffix))) + suffix
}

// clean makes s one line of single spaces without "|" (the code's separator).
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '|' || unicode.IsControl(r) || unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// cutLeft keeps the last n characters of s, starting after a separator (. / - space) when
// one falls in the first half of what is kept.
func cutLeft(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	tail := r[len(r)-n:]
	for i := 0; i < n/2; i++ {
		if strings.ContainsRune("./- ", tail[i]) {
			return strings.TrimSpace(string(tail[i+1:]))
		}
	}
	return string(tail)
}
