package storagetest

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"infomat/sync/portal"
)

// municipalities: what the operator's commands ask before they act on a municipality. A
// municipality exists once it has a signing key or accounts; an unknown one is refused with
// the nearest known names, unless the caller may create it; EnsureMunicipality creates one
// that every later check then knows.
func municipalities(t *testing.T, open func(*testing.T) portal.Storage) {
	ctx := t.Context()
	st := open(t)
	if known, err := portal.KnownMunicipalities(ctx, st); err != nil || len(known) != 0 {
		t.Fatalf("a new store knows %v, %v", known, err)
	}
	if _, err := st.SigningKey(ctx, muni); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(ctx, user("przykladowa-wies", "anna", portal.RoleAdmin)); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(ctx, user(portal.OperatorMunicipality, "root", portal.RoleOperator)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SigningKey(ctx, "zupelnie-inna"); err != nil {
		t.Fatal(err)
	}
	known, err := portal.KnownMunicipalities(ctx, st)
	if want := []string{muni, "przykladowa-wies", "zupelnie-inna"}; err != nil || !slices.Equal(known, want) {
		t.Fatalf("known %q, %v; want %q", known, err, want)
	}
	for _, m := range known {
		if err := portal.CheckMunicipality(ctx, st, m, false); err != nil {
			t.Errorf("CheckMunicipality(%s): %v", m, err)
		}
		if err := portal.CheckExistingMunicipality(ctx, st, m); err != nil {
			t.Errorf("CheckExistingMunicipality(%s): %v", m, err)
		}
	}

	err = portal.CheckMunicipality(ctx, st, "przykladwa", false)
	var unknown *portal.UnknownMunicipalityError
	if !errors.As(err, &unknown) || unknown.Name != "przykladwa" || !slices.Equal(unknown.Known, known) {
		t.Fatalf("a typo: %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, `gminy "przykladwa" nie ma w portalu (czy chodziło o "przykladowa"?)`) ||
		!strings.Contains(msg, "--new-municipality") || strings.Contains(msg, `"zupelnie-inna"?`) {
		t.Errorf("message: %s", msg)
	}
	// Two near names: both, the nearer first.
	if _, err := st.SigningKey(ctx, "przykladowe"); err != nil {
		t.Fatal(err)
	}
	known, _ = portal.KnownMunicipalities(ctx, st)
	err = portal.CheckMunicipality(ctx, st, "przykladwa", false)
	if err == nil || !strings.Contains(err.Error(), `(czy chodziło o "przykladowa" lub "przykladowe"?)`) {
		t.Errorf("two near names: %v", err)
	}
	err = portal.CheckExistingMunicipality(ctx, st, "przykladwa")
	if !errors.As(err, &unknown) || !strings.Contains(err.Error(), `czy chodziło o "przykladowa"`) || strings.Contains(err.Error(), "--new-municipality") {
		t.Errorf("existing only: %v", err)
	}
	if err := portal.CheckMunicipality(ctx, st, "Zła Gmina", true); !errors.Is(err, portal.ErrBadMunicipal) {
		t.Errorf("a malformed name with allowNew: %v", err)
	}
	// Nothing was created by asking.
	if again, _ := portal.KnownMunicipalities(ctx, st); !slices.Equal(again, known) {
		t.Errorf("checks changed the municipalities: %q", again)
	}

	if err := portal.EnsureMunicipality(ctx, st, "nowa", false); !errors.As(err, &unknown) {
		t.Errorf("EnsureMunicipality without allowNew: %v", err)
	}
	if err := portal.EnsureMunicipality(ctx, st, "nowa", true); err != nil {
		t.Fatal(err)
	}
	if err := portal.CheckExistingMunicipality(ctx, st, "nowa"); err != nil {
		t.Errorf("after EnsureMunicipality: %v", err)
	}
	if err := portal.EnsureMunicipality(ctx, st, "nowa", true); err != nil {
		t.Errorf("EnsureMunicipality twice: %v", err)
	}
}
