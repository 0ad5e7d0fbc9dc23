package portal

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// A municipality exists on the portal once it has a signing key (made by its first token,
// key, publish or dues import) or panel accounts (user add, the operator's "Gminy" page).
// Nothing else creates one: the operator commands that would (token create, key show,
// publish, user add, dues import; the admin socket's same operations) first ask
// CheckMunicipality, so a mistyped name is refused instead of becoming a second, empty
// municipality whose kiosks never get content; the commands that only work on one (user
// reset, disable and list, dues card and status) refuse an unknown name the same way, with
// no flag to offer. The panel
// acts within the signed-in user's municipality, which exists; its "Gminy" page is the
// explicit way to create one, and asks again when the new name is close to a known one.

// MunicipalityLister is what CheckMunicipality reads.
type MunicipalityLister interface {
	KeyMunicipalities(ctx context.Context) ([]string, error)
	AccountMunicipalities(ctx context.Context) ([]string, error)
}

// UnknownMunicipalityError is a municipality the portal does not have. Its text is Polish:
// the operator reads it as the command's answer.
type UnknownMunicipalityError struct {
	Name  string
	Known []string // sorted
	// Existing: the command works on an existing municipality only (dues card, dues
	// status), so the message offers no --new-municipality.
	Existing bool
}

func (e *UnknownMunicipalityError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "gminy %q nie ma w portalu", e.Name)
	if near := nearest(e.Name, e.Known); len(near) > 0 {
		q := make([]string, len(near))
		for i, n := range near {
			q[i] = fmt.Sprintf("%q", n)
		}
		fmt.Fprintf(&b, " (czy chodziło o %s?)", strings.Join(q, " lub "))
	}
	if len(e.Known) > 0 {
		shown := e.Known[:min(len(e.Known), 20)]
		fmt.Fprintf(&b, "; znane gminy: %s", strings.Join(shown, ", "))
		if len(e.Known) > len(shown) {
			fmt.Fprintf(&b, " i %d innych", len(e.Known)-len(shown))
		}
	}
	if e.Existing {
		b.WriteString(". Popraw nazwę")
	} else {
		b.WriteString(". Popraw nazwę; jeśli to naprawdę nowa gmina, powtórz polecenie z --new-municipality")
	}
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

// CheckExistingMunicipality is CheckMunicipality for the commands that work on an existing
// municipality only: an unknown one is refused with no flag to offer.
func CheckExistingMunicipality(ctx context.Context, st MunicipalityLister, m string) error {
	err := CheckMunicipality(ctx, st, m, false)
	var u *UnknownMunicipalityError
	if errors.As(err, &u) {
		u.Existing = true
	}
	return err
}

// MunicipalityMaker is a store where a municipality can be created: its signing key.
type MunicipalityMaker interface {
	MunicipalityLister
	SigningKey(ctx context.Context, municipality string) (ed25519.PrivateKey, error)
}

// EnsureMunicipality is CheckMunicipality for the commands that store a municipality's data
// without creating it on their own (dues import): with allowNew an unknown municipality is
// created (its signing key), so that every other command then knows it.
func EnsureMunicipality(ctx context.Context, st MunicipalityMaker, m string, allowNew bool) error {
	if err := CheckMunicipality(ctx, st, m, allowNew); err != nil {
		return err
	}
	if !allowNew {
		return nil
	}
	if _, err := st.SigningKey(ctx, m); err != nil {
		return fmt.Errorf("create municipality %s: %w", m, err)
	}
	return nil
}

// NearMunicipalities are the known municipalities whose names are close to m (a typo of
// one of them?), at most three, the closest first; m itself is never among them.
func NearMunicipalities(m string, known []string) []string {
	return slices.DeleteFunc(nearest(m, known), func(k string) bool { return k == m })
}

// nearest are the known names closest to m by edit distance, when they are close (a typo):
// at most three, the closest first.
func nearest(m string, known []string) []string {
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	for _, k := range known {
		// Two edits, or three in a long name: further than that is another municipality.
		if d := editDistance(m, k); d <= max(2, len([]rune(m))/5) {
			cs = append(cs, cand{k, d})
		}
	}
	slices.SortFunc(cs, func(a, b cand) int { return cmp.Or(cmp.Compare(a.d, b.d), strings.Compare(a.name, b.name)) })
	var out []string
	for _, c := range cs[:min(len(cs), 3)] {
		out = append(out, c.name)
	}
	return out
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
