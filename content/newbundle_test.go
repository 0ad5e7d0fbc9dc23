package content_test

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"filippo.io/age"

	"infomat/content"
)

// NewProfile is a real-looking municipality that shares nothing with the sample.
func newProfile(t *testing.T) content.Profile {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return content.Profile{
		Name: "Gmina Nowa Wola", Kind: "gmina wiejska",
		Address: content.Address{Street: "ul. Kościelna 1", PostalCode: "26-001", City: "Nowa Wola"},
		Phone:   "+48 41 300 20 10", Email: "urzad@nowawola.pl", Website: "https://nowawola.pl",
		EPUAP: "/nowawola/SkrytkaESP", EDelivery: "AE:PL-54321-09876-EDCBA-21",
		NIP: "8567346215", REGON: "631253468", Account: "61 1090 1014 0000 0712 1981 2874",
		Color: "#2a6f2b", RefPrefix: "NWW",
		Hours: []content.Hours{{Days: "poniedziałek–piątek", Open: "07:30", Close: "15:30"}},
		Offices: []content.NewOffice{
			{Name: "Urząd Gminy Nowa Wola", Rooms: "pokój 1 — sekretariat\npokój 4 — podatki | opłaty", Phone: "+48 41 300 20 10"},
			{Name: "Urząd Stanu Cywilnego", Rooms: "pokój 7", Email: "usc@nowawola.pl"},
		},
		Controller:    "Wójt Gminy Nowa Wola, ul. Kościelna 1, 26-001 Nowa Wola",
		DPO:           content.DPO{Name: "Jan Kowal", Email: "iod@nowawola.pl"},
		Retention:     "Zgodnie z jednolitym rzeczowym wykazem akt — 5 lat.",
		Public:        content.PublicURLs{Page: "https://bip.nowawola.pl/{id}", Card: "https://bip.nowawola.pl/karty/{id}"},
		Portal:        "https://wnioski.nowawola.pl",
		SubmissionKey: id.Recipient().String(),
		Author:        "Ewa Sekretarz",
		Today:         time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC),
	}
}

func TestNewBundleLoadsWithNothingOfTheSample(t *testing.T) {
	p := newProfile(t)
	files, err := content.NewBundle(p)
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{}
	for path, data := range files {
		fsys[path] = &fstest.MapFile{Data: data}
	}
	b, err := content.Load(fsys)
	if err != nil {
		t.Fatalf("%v\n%s", err, files["gmina.yaml"])
	}
	for _, w := range append(content.SampleTraces(b), b.Warnings...) {
		if strings.Contains(w.String(), "przykładowej gminy") {
			t.Errorf("sample trace: %s", w)
		}
	}
	m := b.Municipality
	if m.Name != p.Name || m.SubmissionKey != p.SubmissionKey || m.Retention != p.Retention || m.Crest != "pliki/herb.svg" ||
		m.DPO != p.DPO || m.Account != p.Account || m.Public != p.Public || len(b.Offices) != 2 || b.Offices[1].ID != "urzad-stanu-cywilnego" {
		t.Fatalf("municipality %+v, offices %+v", m, b.Offices)
	}
	g := string(files["gmina.yaml"])
	if !strings.HasPrefix(g, "# Profil gminy") || !strings.Contains(g, "# Publiczny klucz age gminy") || strings.Contains(g, `""`) {
		t.Errorf("gmina.yaml:\n%s", g)
	}
	var page content.Page
	for _, pg := range b.BIPPages {
		if pg.ID == "dane-podmiotu/dane-kontaktowe" {
			page = pg
		}
	}
	if !strings.Contains(page.Body, "pokój 1 — sekretariat; pokój 4 — podatki \\| opłaty") || !strings.Contains(page.Body, "Jan Kowal") || page.Record.PublishedBy != "Ewa Sekretarz" {
		t.Errorf("contact page %+v", page)
	}
	if len(b.Procedures) != 1 || len(b.Categories) != len(content.StarterCategories) {
		t.Errorf("%d cards, %d categories", len(b.Procedures), len(b.Categories))
	}

	// An uploaded PNG crest is kept as it came.
	p.Crest = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	files, err = content.NewBundle(p)
	if err != nil || string(files["pliki/herb.png"]) != string(p.Crest) || files["pliki/herb.svg"] != nil {
		t.Fatalf("png crest: %v %v", err, files)
	}
	p.Crest = []byte("GIF89a")
	if _, err := content.NewBundle(p); err == nil {
		t.Fatal("a GIF crest was taken")
	}
}

func TestCrestType(t *testing.T) {
	for in, want := range map[string]string{
		"\x89PNG\r\n\x1a\nrest": "png", `<?xml version="1.0"?><svg/>`: "svg", " <svg xmlns=''></svg>": "svg",
		"<html><svg/>": "", "GIF89a": "", "": "",
	} {
		if got := content.CrestType([]byte(in)); got != want {
			t.Errorf("CrestType(%q) = %q, want %q", in, got, want)
		}
	}
}
