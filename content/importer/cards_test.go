package importer_test

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"infomat/content/importer"
)

func report(res importer.Result) string {
	var b strings.Builder
	for _, it := range res.Report {
		b.WriteString(it.String() + "\n")
	}
	return b.String()
}

func TestCardsFromPolishExcel(t *testing.T) {
	data, err := os.ReadFile("testdata/karty-cp1250.csv") // Windows-1250, semicolons, CRLF
	if err != nil {
		t.Fatal(err)
	}
	draft := sample(t)
	res, err := importer.ImportCards(data, draft, importer.CardOptions{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 2 {
		t.Fatalf("changes %v, want 2 cards; report:\n%s", keys(res.Changes), report(res))
	}
	b := load(t, draft.Apply(res.Changes))

	numer, ok := b.Procedure("nadanie-numeru-porzadkowego-budynku")
	if !ok {
		t.Fatalf("card not loaded; changes %v", keys(res.Changes))
	}
	if numer.Title != "Nadanie numeru porządkowego budynku" || numer.Category != "budownictwo" || numer.Place.Room != "Pokój 12" {
		t.Errorf("card: %+v", numer)
	}
	if !slices.Equal(numer.Steps, []string{"Złóż wniosek w urzędzie.", "Odbierz zawiadomienie o numerze.", "Zamów tabliczkę z numerem."}) {
		t.Errorf("kroki from a multi-line cell: %q", numer.Steps)
	}
	if len(numer.Documents) != 2 || numer.Documents[1].Name != "Mapa z zaznaczonym budynkiem" || numer.Documents[1].Note != "kopia" {
		t.Errorf("dokumenty: %+v", numer.Documents)
	}
	if !slices.Equal(numer.Channels, []string{"osobiscie", "poczta", "epuap"}) || len(numer.Fees) != 0 {
		t.Errorf("forma %q oplaty %v", numer.Channels, numer.Fees)
	}
	r := numer.Record
	if r.ProducedBy != "Zofia Żółć, Referat Planowania" || r.ProducedOn.Format(time.DateOnly) != "2025-11-03" ||
		r.PublishedBy != "Łukasz Ślęczek" || r.PublishedOn.Format(time.DateOnly) != "2025-11-05" {
		t.Errorf("metryczka: %+v", r)
	}
	psy, _ := b.Procedure("podatek-od-psow")
	if len(psy.Fees) != 1 || psy.Fees[0].Amount != 8000 || psy.Fees[0].Title != "Opłata za psa" || !slices.Equal(psy.Channels, []string{"osobiscie", "email"}) {
		t.Errorf("podatek od psów: %+v %v", psy.Fees, psy.Channels)
	}

	// Rows are numbered as in the spreadsheet: the multi-line cell of row 2 does not shift them.
	byRow := map[string]importer.Item{}
	for _, it := range res.Report {
		byRow[it.Source] = it
	}
	if it := byRow["wiersz 3"]; it.Kind != importer.Problem || !strings.Contains(it.Message, "Wiersz 3: brak nazwy karty") {
		t.Errorf("row 3: %v\n%s", it, report(res))
	}
	if it := byRow["wiersz 4"]; it.Kind != importer.Problem || !strings.Contains(it.Message, "Wiersz 4") || !strings.Contains(it.Message, `nieznana kategoria "drogi"`) {
		t.Errorf("row 4: %v\n%s", it, report(res))
	}
	if it := byRow["wiersz 6"]; it.Kind != importer.Skipped || it.Path != "procedury/dodatek-mieszkaniowy.yaml" || !strings.Contains(it.Message, "już jest") {
		t.Errorf("row 6, an existing card: %v", it)
	}
	if _, written := res.Changes["procedury/lokalizacja-zjazdu-z-drogi-gminnej.yaml"]; written {
		t.Errorf("a card with problems was written")
	}
}

func TestCardsUpdateExisting(t *testing.T) {
	data, err := os.ReadFile("testdata/karty-cp1250.csv")
	if err != nil {
		t.Fatal(err)
	}
	draft := sample(t)
	before, _ := load(t, draft).Procedure("dodatek-mieszkaniowy")
	res, err := importer.ImportCards(data, draft, importer.CardOptions{Update: true, Author: "Anna Klerk"}, now)
	if err != nil {
		t.Fatal(err)
	}
	const file = "procedury/dodatek-mieszkaniowy.yaml"
	if res.Changes[file] == nil {
		t.Fatalf("not updated:\n%s", report(res))
	}
	after, _ := load(t, draft.Apply(res.Changes)).Procedure("dodatek-mieszkaniowy")
	if after.Summary != "Nowy opis dodatku z arkusza." {
		t.Errorf("w_skrocie %q", after.Summary)
	}
	// The sheet has no metryczka for it: the card's is kept, with the update registered.
	n := len(before.Record.Changes)
	if after.Record.ProducedBy != before.Record.ProducedBy || len(after.Record.Changes) != n+1 ||
		after.Record.Changes[n].Reason != "aktualizacja z arkusza" || after.Record.Changes[n].Author != "Anna Klerk" {
		t.Errorf("metryczka: %+v", after.Record)
	}
}

func TestCardsUTF8WithBOMAndCommas(t *testing.T) {
	sheet := "\ufeffid,nazwa,kategoria,w_skrocie,kogo_dotyczy,termin,urzad,forma_zlozenia,tryb_odwolawczy,podstawa_prawna,oplaty,wytworzyl,opublikowal,data_publikacji\n" +
		`wypis-z-rejestru,Wypis z rejestru żłobków,Dział nieznany,Wypis dla rodziców.,Rodzice,7 dni,Urząd Gminy Przykładowa — Biuro Obsługi Mieszkańców,"osobiście, email",Brak.,Ustawa o opiece nad dziećmi,"Opłata skarbowa: 17,00",Ewa Łącka,Ewa Łącka,2025-12-01` + "\n" +
		`zly-termin,Zaświadczenie z datą,meldunek,Opis.,Wszyscy,7 dni,urzad-gminy,osobiście,Brak.,Ustawa,,Ewa Łącka,Ewa Łącka,1.13.2025` + "\n"
	draft := sample(t)
	res, err := importer.ImportCards([]byte(sheet), draft, importer.CardOptions{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 0 || len(res.Report) != 2 {
		t.Fatalf("changes %v report:\n%s", keys(res.Changes), report(res))
	}
	if m := res.Report[0].Message; !strings.HasPrefix(m, "Wiersz 2: karta procedury/wypis-z-rejestru.yaml") || !strings.Contains(m, `nieznana kategoria "Dział nieznany"`) {
		t.Errorf("row 2: %s", m)
	}
	if m := res.Report[1].Message; !strings.Contains(m, "Wiersz 3") || !strings.Contains(m, `data_publikacji: data "1.13.2025"`) {
		t.Errorf("row 3: %s", m)
	}

	// Fixed, the first row loads: the BOM did not spoil the first column's name, the
	// office is found by its name, the fee is kept.
	sheet = strings.Replace(sheet, "Dział nieznany", "Pomoc społeczna", 1)
	res, err = importer.ImportCards([]byte(sheet), draft, importer.CardOptions{}, now)
	if err != nil {
		t.Fatal(err)
	}
	b := load(t, draft.Apply(res.Changes))
	p, ok := b.Procedure("wypis-z-rejestru")
	if !ok || p.Place.Office != "urzad-gminy" || len(p.Fees) != 1 || p.Fees[0].Amount != 1700 || !slices.Equal(p.Channels, []string{"osobiscie", "email"}) {
		t.Errorf("card: %+v\n%s", p, report(res))
	}
}

func TestCardsMissingColumns(t *testing.T) {
	_, err := importer.ImportCards([]byte("nazwa;kategoria\nA;meldunek\n"), sample(t), importer.CardOptions{}, now)
	if err == nil || !strings.Contains(err.Error(), "brak kolumn: w_skrocie, kogo_dotyczy") {
		t.Fatalf("err = %v", err)
	}
}
