package portal

import (
	"bytes"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"infomat/assets"
	"infomat/content"
	"infomat/sync/protocol"
)

func sampleFolder(t testing.TB) content.Folder {
	t.Helper()
	f, err := content.FolderOf(assets.DefaultContent())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// A moderator's edit goes out with the change register filled in for what changed, and
// nothing else; a broken draft publishes nothing; a rollback is a new, higher version with
// the old files, and becomes the draft.
func TestPublishDraftStampsChangesAndRollsBack(t *testing.T) {
	f := newFixture(t)
	ctx, muni := f.ctx, "przykladowa"
	now := time.Date(2026, 12, 4, 23, 30, 0, 0, time.UTC) // already 5 December in Warsaw
	warsaw, err := time.LoadLocation("Europe/Warsaw")
	if err != nil {
		t.Fatal(err)
	}
	v1files := sampleFolder(t)
	if _, err := Publish(ctx, f.st, muni, v1files.FS(), PublishOptions{Now: now}); err != nil {
		t.Fatal(err)
	}
	files, version, err := LatestFiles(ctx, f.st, muni)
	if err != nil || version != 1 || len(files) != len(v1files) {
		t.Fatalf("LatestFiles: version %d, %d files, %v", version, len(files), err)
	}
	for p, data := range v1files {
		if !bytes.Equal(files[p], data) {
			t.Fatalf("%s read back differs from what was published", p)
		}
	}
	p1, _ := f.st.LatestManifest(ctx, muni)
	if same, err := SameAsPublished(ctx, f.st, muni, p1, v1files); !same || err != nil {
		t.Fatalf("SameAsPublished of the published files: %v, %v", same, err)
	}
	changed := maps.Clone(v1files)
	changed["gmina.yaml"] = append(bytes.Clone(changed["gmina.yaml"]), '\n')
	if same, _ := SameAsPublished(ctx, f.st, muni, p1, changed); same {
		t.Fatal("SameAsPublished missed a changed file")
	}
	rev, err := f.st.UpdateDraft(ctx, muni, 0, files, "anna", now)
	if err != nil {
		t.Fatal(err)
	}
	const card, page, other = "procedury/karta-mieszkanca.yaml", "bip/budzet/budzet-2026.md", "procedury/licencja-taxi.yaml"
	changes := map[string][]byte{
		card:                        bytes.Replace(files[card], []byte("nazwa: Karta Mieszkańca"), []byte("nazwa: Karta Mieszkańca Gminy"), 1),
		page:                        append(bytes.Clone(files[page]), "\nNowy akapit.\n"...),
		"procedury/nowa-karta.yaml": []byte("nazwa: Nowa karta\nkategoria: " + firstCategory(t, files) + "\nw_skrocie: Krótko.\nkogo_dotyczy: [Mieszkańcy]\nkroki: [Przyjdź]\ntermin: Od ręki\nmiejsce:\n  urzad: " + firstOffice(t, files) + "\nforma_zlozenia: [osobiscie]\ntryb_odwolawczy: Brak.\npodstawa_prawna: [Ustawa]\n"),
	}
	if bytes.Equal(changes[card], files[card]) {
		t.Fatal("the card's title was not found to change")
	}
	if rev, err = f.st.UpdateDraft(ctx, muni, rev, changes, "anna", now); err != nil {
		t.Fatal(err)
	}
	d, _ := f.st.Draft(ctx, muni)
	res, err := PublishDraft(ctx, f.st, d, "Anna Nowak", "Nowa nazwa karty", now, warsaw)
	if err != nil {
		t.Fatalf("PublishDraft: %v", err)
	}
	if res.Version != 2 {
		t.Fatalf("published as version %d, want 2", res.Version)
	}
	v2, _, _ := LatestFiles(ctx, f.st, muni)
	b, err := content.Load(v2.FS())
	if err != nil {
		t.Fatal(err)
	}
	last := func(id string, r content.Record) content.Change {
		t.Helper()
		if len(r.Changes) == 0 {
			t.Fatalf("%s: no change register", id)
		}
		return r.Changes[len(r.Changes)-1]
	}
	today := "05.12.2026"
	for _, id := range []string{"karta-mieszkanca", "nowa-karta"} {
		p, _ := b.Procedure(id)
		c := last(id, p.Record)
		if c.Author != "Anna Nowak" || c.Reason != "Nowa nazwa karty" || c.Date.String() != today {
			t.Fatalf("%s: last change %+v, want today's by Anna Nowak", id, c)
		}
	}
	if p, _ := b.Procedure("nowa-karta"); p.Record.PublishedBy != "Anna Nowak" || p.Record.PublishedOn.String() != today || len(p.Record.Changes) != 1 {
		t.Fatalf("a new card's metryczka: %+v", p.Record)
	}
	if pg, _ := b.Page("budzet/budzet-2026"); last(pg.ID, pg.Record).Reason != "Nowa nazwa karty" {
		t.Fatalf("the changed page was not stamped: %+v", pg.Record.Changes)
	}
	if !bytes.Equal(v2[other], v1files[other]) {
		t.Fatal("an unchanged card was rewritten")
	}
	d, _ = f.st.Draft(ctx, muni)
	if !bytes.Equal(d.Files[card], v2[card]) {
		t.Fatal("the draft did not get the stamped card")
	}

	// A form the check refuses: nothing is published.
	form := "formularze/karta-mieszkanca.yaml"
	if _, err := f.st.UpdateDraft(ctx, muni, d.Revision, map[string][]byte{form: bytes.Replace(d.Files[form], []byte("typ: pesel"), []byte("typ: peselx"), 1)}, "anna", now); err != nil {
		t.Fatal(err)
	}
	d, _ = f.st.Draft(ctx, muni)
	_, err = PublishDraft(ctx, f.st, d, "Anna Nowak", "Zepsuty formularz", now, warsaw)
	var ps content.Problems
	if !errors.As(err, &ps) || !strings.Contains(ps.Error(), form) {
		t.Fatalf("publishing a broken form: %v", err)
	}
	if p, _ := f.st.LatestManifest(ctx, muni); p.Version != 2 {
		t.Fatalf("a broken draft was published as version %d", p.Version)
	}

	res, err = Rollback(ctx, f.st, muni, 1, "Anna Nowak", "Wracamy", now.Add(time.Hour))
	if err != nil || res.Version != 3 {
		t.Fatalf("Rollback: version %d, %v", res.Version, err)
	}
	v3, _, _ := LatestFiles(ctx, f.st, muni)
	d, _ = f.st.Draft(ctx, muni)
	if !maps.EqualFunc(v3, v1files, bytes.Equal) || !maps.EqualFunc(content.Folder(d.Files), v1files, bytes.Equal) {
		t.Fatal("version 3 or the draft is not version 1's files")
	}
	if p, _ := f.st.LatestManifest(ctx, muni); !strings.Contains(mustManifest(t, p).Label, "przywrócenie wersji 1: Wracamy") {
		t.Fatalf("rollback's label: %q", mustManifest(t, p).Label)
	}
	if _, err := Rollback(ctx, f.st, muni, 9, "Anna Nowak", "x", now); !errors.Is(err, ErrNotFound) {
		t.Fatalf("rollback to an unknown version: %v", err)
	}
}

func mustManifest(t *testing.T, p Published) protocol.Manifest {
	t.Helper()
	m, err := p.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func firstCategory(t *testing.T, files content.Folder) string {
	b, err := content.Load(files.FS())
	if err != nil {
		t.Fatal(err)
	}
	return b.Categories[0].ID
}

func firstOffice(t *testing.T, files content.Folder) string {
	b, err := content.Load(files.FS())
	if err != nil {
		t.Fatal(err)
	}
	return b.Offices[0].ID
}

// A new page that brings its own change register (the wizard's contact page, an import)
// keeps it; a new page without one gets its first entry; a changed one gets the next.
func TestStampChangesNewItemsKeepTheirRegister(t *testing.T) {
	page := func(register string) []byte {
		return []byte("---\ntytul: T\nmenu: m\nmetryczka:\n  wytworzyl: A\n  data_wytworzenia: 2026-01-02\n  opublikowal: A\n  data_publikacji: 2026-01-02\n" + register + "---\nTreść.\n")
	}
	own := page("  rejestr_zmian:\n    - wersja: 1\n      data: 2026-01-02\n      autor: A\n      opis: Pierwsza publikacja\n")
	files := map[string][]byte{"bip/m/own.md": own, "bip/m/bare.md": page(""), "bip/m/old.md": append(bytes.Clone(own), "Zmiana.\n"...)}
	prev := map[string][]byte{"bip/m/old.md": own}
	today := Today(time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC), nil)
	out, err := StampChanges(files, prev, "Ewa", "Publikacja", today)
	if err != nil {
		t.Fatal(err)
	}
	changes := func(p string) int {
		data, ok := out[p]
		if !ok {
			data = files[p]
		}
		pg, _ := content.ParsePage(data)
		return len(pg.Record.Changes)
	}
	if changes("bip/m/own.md") != 1 || changes("bip/m/bare.md") != 1 || changes("bip/m/old.md") != 2 {
		t.Fatalf("register entries: own %d, bare %d, old %d; want 1, 1, 2", changes("bip/m/own.md"), changes("bip/m/bare.md"), changes("bip/m/old.md"))
	}
}
