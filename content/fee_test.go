package content_test

import (
	"strings"
	"testing"

	"infomat/content"
)

func TestFeeForAndKind(t *testing.T) {
	p := &content.Procedure{Fees: []content.Fee{
		{Title: "A", Amount: 100},
		{Title: "B", Amount: 200, When: &content.Condition{Field: "okres", Value: "x"}},
		{Title: "C", Amount: 300, When: &content.Condition{Field: "okres", Value: "y"}},
	}}
	if f, ok := p.FeeFor(content.Answers{"okres": "y"}); !ok || f.Title != "C" {
		t.Errorf("FeeFor(y) = %v, %v", f, ok)
	}
	if f, ok := p.FeeFor(content.Answers{}); ok {
		t.Errorf("FeeFor() = %v; want none, the answers pick no alternative", f)
	}
	plain := &content.Procedure{Fees: []content.Fee{{Title: "A"}, {Title: "B"}}}
	if f, ok := plain.FeeFor(nil); !ok || f.Title != "A" {
		t.Errorf("FeeFor on a card without alternatives = %v, %v; want the first", f, ok)
	}
	for f, want := range map[content.Fee]content.FeeKind{
		{Title: "Opłata"}:                               content.FeeFixed,
		{Title: "Opłata", Note: "tylko gdy…"}:           content.FeeConditional,
		{Title: "Za 1 m² za dzień"}:                     content.FeeRate,
		{Title: "Pełny koszt 1 godziny usług"}:          content.FeeRate,
		{Title: "Wyrys — za każdą część"}:               content.FeeRate,
		{Title: "Opłata", Note: "x", Kind: "stala"}:     content.FeeFixed,
		{Title: "Opłata za zajęcie", Kind: "warunkowa"}: content.FeeConditional,
		{Title: "Opłata roczna — napoje do 4,5% (A)"}:   content.FeeFixed,
		{Title: "Opłata skarbowa za odpis zupełny"}:     content.FeeFixed,
	} {
		if got := f.EffectiveKind(); got != want {
			t.Errorf("%+v: kind %s, want %s", f, got, want)
		}
	}
}

// content check asks for rodzaj where a fee has a note or a unit, rejects an unknown one,
// warns about a recipient cut short in the payment code, and checks gdy against the form.
func TestFeeChecks(t *testing.T) {
	m := sample(t)
	replaceIn(t, m, "procedury/zajecie-pasa-drogowego.yaml", "    rodzaj: stawka\n", "")
	replaceIn(t, m, "procedury/warunki-zabudowy.yaml", "    rodzaj: warunkowa\n", "")
	replaceIn(t, m, "procedury/uslugi-opiekuncze.yaml", "    odbiorca_skrot: GOPS w Przykładowie\n", "")
	b, err := content.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	warnings := b.Warnings.Error()
	for _, want := range []string{
		"procedury/zajecie-pasa-drogowego.yaml: oplaty[0].rodzaj: tytuł opłaty podaje jednostkę",
		"procedury/warunki-zabudowy.yaml: oplaty[1].rodzaj: opłata ma uwagi",
		"procedury/uslugi-opiekuncze.yaml: oplaty[0].odbiorca: nazwa ma 47 znaków, a kod QR przelewu mieści 20: aplikacja banku pokaże tylko „Gminny Ośrodek”",
	} {
		if !strings.Contains(warnings, want) {
			t.Errorf("warnings lack %q:\n%s", want, warnings)
		}
	}

	m = sample(t)
	replaceIn(t, m, "procedury/zajecie-pasa-drogowego.yaml", "rodzaj: stawka", "rodzaj: za_metr")
	if got := problems(t, m); !strings.Contains(got, `oplaty[0].rodzaj: nieznany rodzaj "za_metr"`) {
		t.Errorf("unknown kind not reported:\n%s", got)
	}

	m = sample(t)
	replaceIn(t, m, "procedury/warunki-zabudowy.yaml", "    rodzaj: stala\n", "    rodzaj: stala\n    gdy: {pole: okres, wartosc: x}\n")
	_, got := formProblems(t, m)
	if !strings.Contains(got, "procedury/warunki-zabudowy.yaml: oplaty[0].gdy: karta nie ma formularza") {
		t.Errorf("gdy without a form not reported:\n%s", got)
	}
}
