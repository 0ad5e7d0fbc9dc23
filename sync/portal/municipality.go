package portal

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// A municipality exists on the portal once it has a signing key (made by its first token,
// key or publish) or panel accounts (the operator's "Gminy" page). Nothing else creates one:
// the operator commands that would (token create, key show, publish, user add) first ask
// CheckMunicipality, so a mistyped name is refused instead of becoming a second,
// empty municipality whose kiosks never get content.

// MunicipalityLister is what CheckMunicipality reads.
type MunicipalityLister interface {
	KeyMunicipalities(ctx context.Context) ([]string, error)
	AccountMunicipalities(ctx context.Context) ([]string, error)
}

// UnknownMunicipalityError is a municipality the portal does not have. Its text is Polish:
// the operator reads it as the command's answer.
type UnknownMunicipalityError struct {
	Name    string
	Known   []string // sorted
	Command string   // the command that was refused, for the message; "" for none
}

func (e *UnknownMunicipalityError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "gminy %q nie ma w portalu", e.Name)
	if near := nearest(e.Name, e.Known); near != "" {
		fmt.Fprintf(&b, " (czy chodziło o %q?)", near)
	}
	if len(e.Known) > 0 {
		shown := e.Known[:min(len(e.Known), 20)]
		fmt.Fprintf(&b, "; znane gminy: %s", strings.Join(shown, ", "))
		if len(e.Known) > len(shown) {
			fmt.Fprintf(&b, " i %d innych", len(e.Known)-len(shown))
		}
	}
	b.WriteString(". Popraw nazwę; jeśli to naprawdę nowa gmina, powtórz polecenie z --new-municipality")
	return b.String()
}

// KnownMunicipalities lists the municipalities the portal has, sorted.
func KnownMunicipalities(ctx context.Context, st MunicipalityLister) ([]string, error) {
	keys, err := st.KeyMunicipalities(ctx)
	if err != nil {
		return nil, fmt.Errorf("municipalities: %w", err)
	}
	accts, err := st.AccountMunicipalities(ctx)
	if err != nil {
		return nil, fmt.Errorf("municipalities: %w", err)
	}
	all := append(slices.Clone(keys), accts...)
	slices.Sort(all)
	return slices.Compact(all), nil
}

// CheckMunicipality returns an *UnknownMunicipalityError when the portal does not have m,
// unless allowNew (the operator's --new-municipality); an invalid name is ErrBadMunicipal.
func CheckMunicipality(ctx context.Context, st MunicipalityLister, m string, allowNew bool) error {
	if err := ValidMunicipality(m); err != nil {
		return err
	}
	if allowNew {
		return nil
	}
	known, err := KnownMunicipalities(ctx, st)
	if err != nil {
		return err
	}
	if slices.Contains(known, m) {
		return nil
	}
	return &UnknownMunicipalityError{Name: m, Known: known}
}

// nearest is the known name closest to m by edit distance, when it is close (a typo).
func nearest(m string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(m, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
