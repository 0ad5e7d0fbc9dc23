package l10n_test

import (
	"testing"

	"infomat/assets"
	"infomat/l10n"
)

// In speaks a given language without switching the interface (and without telling the
// listeners, which would redraw the screen).
func TestInLeavesTheCurrentLanguage(t *testing.T) {
	loc, err := l10n.New(assets.Translations())
	if err != nil {
		t.Fatal(err)
	}
	redraws := 0
	loc.OnChange(func(l10n.Lang) { redraws++ })
	if got := loc.In(l10n.EN, "nav.back"); got != "Back" {
		t.Errorf("In(EN, nav.back) = %q", got)
	}
	if got := loc.In(l10n.UK, "lobby.when.tomorrow", "Time", "7:30"); got != "завтра о 7:30" {
		t.Errorf("In(UK, lobby.when.tomorrow) = %q", got)
	}
	if loc.Lang() != l10n.PL || redraws != 0 || loc.T("nav.back") != "Wstecz" {
		t.Errorf("In changed the interface: %s, %d redraws", loc.Lang(), redraws)
	}
	if got := loc.In(l10n.EN, "no.such.message"); got != "no.such.message" {
		t.Errorf("missing message: %q", got)
	}
}
