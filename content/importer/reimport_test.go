package importer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"infomat/content/importer"
)

const (
	feedV1 = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Komunikaty</title>
<item><title>Dyżur wójta w listopadzie</title><link>/k/dyzur</link><guid>k-1</guid>
<pubDate>Mon, 03 Nov 2025 08:00:00 +0100</pubDate><description>Wójt przyjmuje w poniedziałki od 9:00 do 12:00.</description></item>
<item><title>Sesja Rady Gminy</title><link>/k/sesja</link><guid>k-2</guid>
<pubDate>Tue, 04 Nov 2025 08:00:00 +0100</pubDate><description>Sesja odbędzie się 20 listopada o 10:00.</description></item>
</channel></rss>`
	// The first entry changed, the second did not.
	feedV2 = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Komunikaty</title>
<item><title>Dyżur wójta w listopadzie</title><link>/k/dyzur</link><guid>k-1</guid>
<pubDate>Mon, 03 Nov 2025 08:00:00 +0100</pubDate><description>Wójt przyjmuje w poniedziałki od 10:00 do 13:00.</description></item>
<item><title>Sesja Rady Gminy</title><link>/k/sesja</link><guid>k-2</guid>
<pubDate>Tue, 04 Nov 2025 08:00:00 +0100</pubDate><description>Sesja odbędzie się 20 listopada o 10:00.</description></item>
</channel></rss>`
	dyzur = "bip/ogloszenia-wojta/dyzur-wojta-w-listopadzie.md"
	sesja = "bip/ogloszenia-wojta/sesja-rady-gminy.md"
)

// firstImport imports feedV1 into the sample and returns the draft with it and the state,
// round-tripped through JSON as the portal stores it.
func firstImport(t *testing.T, s *site) (importer.Files, importer.State, importer.Source) {
	t.Helper()
	s.set("/feed", "text/xml", feedV1)
	src := importer.Source{Kind: importer.KindFeed, URL: s.URL + "/feed", Menu: "ogloszenia-wojta"}
	draft := sample(t)
	res, err := testImporter().Import(context.Background(), src, draft, importer.State{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if res.Changes[dyzur] == nil || res.Changes[sesja] == nil {
		t.Fatalf("first import: %v", keys(res.Changes))
	}
	data, err := json.Marshal(res.State)
	if err != nil {
		t.Fatal(err)
	}
	var st importer.State
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	return draft.Apply(res.Changes), st, src
}

func TestReimportUnchanged(t *testing.T) {
	s := newSite(t)
	draft, st, src := firstImport(t, s)
	res, err := testImporter().Import(context.Background(), src, draft, st, now.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 0 || len(res.Report) != 0 {
		t.Fatalf("unchanged source changed %v, report %v", keys(res.Changes), res.Report)
	}
}

func TestReimportChangedAtSource(t *testing.T) {
	s := newSite(t)
	draft, st, src := firstImport(t, s)
	s.set("/feed", "text/xml", feedV2)
	later := time.Date(2026, 1, 20, 8, 0, 0, 0, time.UTC)
	res, err := testImporter().Import(context.Background(), src, draft, st, later)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 1 || res.Changes[dyzur] == nil {
		t.Fatalf("changes %v, want only %s", keys(res.Changes), dyzur)
	}
	if k := kinds(res); k[importer.Updated] != 1 || len(res.Report) != 1 {
		t.Fatalf("report %v", res.Report)
	}
	p := page(t, res.Changes[dyzur])
	if !strings.Contains(p.Body, "od 10:00 do 13:00") {
		t.Errorf("not updated:\n%s", p.Body)
	}
	cs := p.Record.Changes
	if len(cs) != 1 || cs[0].Reason != "aktualizacja ze źródła" || cs[0].Date.Format(time.DateOnly) != "2026-01-20" || cs[0].Version != 1 {
		t.Errorf("rejestr_zmian: %+v", cs)
	}
	draft = draft.Apply(res.Changes)
	load(t, draft)

	// The state now knows the new version: the next run changes nothing.
	res, err = testImporter().Import(context.Background(), src, draft, res.State, later)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 0 || len(res.Report) != 0 {
		t.Fatalf("second run: changes %v report %v", keys(res.Changes), res.Report)
	}
}

func TestReimportConflict(t *testing.T) {
	s := newSite(t)
	draft, st, src := firstImport(t, s)
	edited := bytes.Replace(draft[dyzur], []byte("Wójt przyjmuje"), []byte("Pan wójt przyjmuje"), 1)
	draft[dyzur] = edited
	s.set("/feed", "text/xml", feedV2)
	res, err := testImporter().Import(context.Background(), src, draft, st, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, touched := res.Changes[dyzur]; touched {
		t.Fatalf("locally edited page overwritten:\n%s", res.Changes[dyzur])
	}
	if len(res.Report) != 1 || res.Report[0].Kind != importer.Conflict {
		t.Fatalf("report %v, want one conflict", res.Report)
	}
	c := res.Report[0]
	if !strings.Contains(c.Message, dyzur) || !strings.Contains(c.Message, s.URL+"/k/dyzur") || !strings.Contains(c.Message, "nie nadpisuję") {
		t.Errorf("conflict message: %s", c.Message)
	}
	if !bytes.Contains(c.Proposed, []byte("od 10:00 do 13:00")) {
		t.Errorf("source version not offered:\n%s", c.Proposed)
	}
	if res.State.Items[s.URL+"/feed#k-1"] != st.Items[s.URL+"/feed#k-1"] {
		t.Errorf("state of a conflicted item changed")
	}
	// Still a conflict next time, until the clerk decides.
	again, _ := testImporter().Import(context.Background(), src, draft, res.State, now)
	if len(again.Report) != 1 || again.Report[0].Kind != importer.Conflict {
		t.Fatalf("second run: %v", again.Report)
	}

	// Taking the source version writes it and settles the item.
	changes, st2, err := res.State.Accept(c)
	if err != nil {
		t.Fatal(err)
	}
	d2 := draft.Apply(changes)
	load(t, d2)
	if r, _ := testImporter().Import(context.Background(), src, d2, st2, now); len(r.Report) != 0 {
		t.Errorf("after accept: %v", r.Report)
	}
	// Keeping the local version settles this source version but not later ones.
	st3, err := res.State.Keep(c)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := testImporter().Import(context.Background(), src, draft, st3, now); len(r.Report) != 0 {
		t.Errorf("after keep: %v", r.Report)
	}
	s.set("/feed", "text/xml", strings.Replace(feedV2, "13:00", "14:00", 1))
	if r, _ := testImporter().Import(context.Background(), src, draft, st3, now); len(r.Report) != 1 || r.Report[0].Kind != importer.Conflict {
		t.Errorf("a later source change after keep must conflict again: %v", r.Report)
	}
}

func TestReimportDeletedLocally(t *testing.T) {
	s := newSite(t)
	draft, st, src := firstImport(t, s)
	delete(draft, dyzur)
	s.set("/feed", "text/xml", feedV2)
	res, err := testImporter().Import(context.Background(), src, draft, st, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 0 {
		t.Fatalf("deleted page recreated: %v", keys(res.Changes))
	}
	if len(res.Report) != 1 || res.Report[0].Kind != importer.Skipped || !strings.Contains(res.Report[0].Message, "usunięta") {
		t.Fatalf("report %v", res.Report)
	}
}
