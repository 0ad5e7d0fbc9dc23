package dues_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"infomat/sync/portal/dues"
)

func fixture(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile("../../../testdata/dues/przykladowa.csv")
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestParseFixture(t *testing.T) {
	f, err := dues.Parse(bytes.NewReader(fixture(t)))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Taxpayers) != 4 || f.Items != 17 {
		t.Fatalf("%d taxpayers, %d items; want 4, 17", len(f.Taxpayers), f.Items)
	}
	jan := f.Taxpayers[0]
	if jan.ID != "P-000101" || jan.Name != "J** K*******" || jan.PESEL4 != "7319" || len(jan.Codes) != 1 || jan.Codes[0] != "KX7M2PQ9RT" {
		t.Fatalf("first taxpayer: %+v", jan)
	}
	if it := jan.Items[4]; it.Item != "Opłata za gospodarowanie odpadami komunalnymi" || it.Due != 123456 || it.Paid != 0 || it.DueDate != "2027-03-15" {
		t.Fatalf("odpady instalment (decimal comma, DD.MM.YYYY): %+v", it)
	}
	for i := 1; i < len(jan.Items); i++ {
		if jan.Items[i-1].DueDate > jan.Items[i].DueDate {
			t.Fatalf("items not ordered by due date: %+v", jan.Items)
		}
	}
	if anna := f.Taxpayers[1]; anna.Name != "A***-N**** W********" && anna.Name != "A*** N****-W********" {
		t.Fatalf("masked double name: %q", anna.Name)
	}
	if z := f.Taxpayers[2]; z.PESEL4 != "4530" {
		t.Fatalf("PESEL given as its last four digits: %+v", z)
	}
	if m := f.Taxpayers[3]; len(m.Codes) != 2 {
		t.Fatalf("two decisions, two codes: %+v", m.Codes)
	}
}

func TestParseWindows1250AndComma(t *testing.T) {
	raw := fixture(t)
	enc, err := charmap.Windows1250.NewEncoder().Bytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	f, err := dues.Parse(bytes.NewReader(enc))
	if err != nil || f.Taxpayers[1].Items[0].Item != "Podatek rolny" || f.Taxpayers[2].Items[0].Item != "Podatek od środków transportowych" {
		t.Fatalf("Windows-1250: %v %+v", err, f.Taxpayers)
	}
	comma := "\ufeffIdentyfikator podatnika,Nazwa,PESEL,Kod dostępu,Należność,Rok,Rata,Kwota należna,Kwota wpłacona,Termin płatności,Rachunek,Numer decyzji\n" +
		`A1,Jan Nowak,1234,ABCD2345,Podatek rolny,2026,1,"1 000,50",0,2026-03-15,33102040275774637064330445,X` + "\n"
	f, err = dues.Parse(strings.NewReader(comma))
	if err != nil || f.Taxpayers[0].Items[0].Due != 100050 {
		t.Fatalf("comma-separated with a BOM and spaced headers: %v %+v", err, f)
	}
}

func TestParseRefusesBadRows(t *testing.T) {
	head := "identyfikator_podatnika;nazwa;pesel;kod_dostepu;naleznosc;rok;rata;kwota_nalezna;kwota_wplacona;termin_platnosci;rachunek;numer_decyzji\n"
	good := "A1;Jan Nowak;1234;ABCD2345;Podatek rolny;2026;1;10,00;0;2026-03-15;33102040275774637064330445;X\n"
	cases := map[string]struct {
		row, col string
	}{
		"empty id":          {";Jan Nowak;1234;ABCD2345;Podatek rolny;2026;1;10,00;0;2026-03-15;33102040275774637064330445;X\n", "identyfikator_podatnika"},
		"bad pesel":         {"A2;Jan Nowak;58041207318;ABCD2346;Podatek rolny;2026;1;10,00;0;2026-03-15;33102040275774637064330445;X\n", "pesel"},
		"short pesel":       {"A2;Jan Nowak;123;ABCD2346;Podatek rolny;2026;1;10,00;0;2026-03-15;33102040275774637064330445;X\n", "pesel"},
		"bad code":          {"A2;Jan Nowak;1234;AB!;Podatek rolny;2026;1;10,00;0;2026-03-15;33102040275774637064330445;X\n", "kod_dostepu"},
		"bad year":          {"A2;Jan Nowak;1234;ABCD2346;Podatek rolny;dwa;1;10,00;0;2026-03-15;33102040275774637064330445;X\n", "rok"},
		"bad instalment":    {"A2;Jan Nowak;1234;ABCD2346;Podatek rolny;2026;x;10,00;0;2026-03-15;33102040275774637064330445;X\n", "rata"},
		"negative amount":   {"A2;Jan Nowak;1234;ABCD2346;Podatek rolny;2026;1;-10,00;0;2026-03-15;33102040275774637064330445;X\n", "kwota_nalezna"},
		"three decimals":    {"A2;Jan Nowak;1234;ABCD2346;Podatek rolny;2026;1;10,001;0;2026-03-15;33102040275774637064330445;X\n", "kwota_nalezna"},
		"bad paid":          {"A2;Jan Nowak;1234;ABCD2346;Podatek rolny;2026;1;10,00;abc;2026-03-15;33102040275774637064330445;X\n", "kwota_wplacona"},
		"no such date":      {"A2;Jan Nowak;1234;ABCD2346;Podatek rolny;2026;1;10,00;0;2026-02-30;33102040275774637064330445;X\n", "termin_platnosci"},
		"nrb checksum":      {"A2;Jan Nowak;1234;ABCD2346;Podatek rolny;2026;1;10,00;0;2026-03-15;33102040275774637064330446;X\n", "rachunek"},
		"fields":            {"A2;Jan Nowak;1234\n", ""},
		"duplicate":         {good, ""},
		"pesel differs":     {"A1;Jan Nowak;9999;ABCD2345;Podatek rolny;2026;2;10,00;0;2026-03-15;33102040275774637064330445;X\n", "pesel"},
		"code of another":   {"B1;Ewa Nowak;1234;ABCD2345;Podatek rolny;2026;1;10,00;0;2026-03-15;33102040275774637064330445;X\n", "kod_dostepu"},
		"control character": {"A2;Jan\x01Nowak;1234;ABCD2346;Podatek rolny;2026;1;10,00;0;2026-03-15;33102040275774637064330445;X\n", "nazwa"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := dues.Parse(strings.NewReader(head + good + c.row))
			var p *dues.Problems
			if !errors.As(err, &p) || len(p.List) != 1 || p.List[0].Line != 3 || p.List[0].Column != c.col {
				t.Fatalf("got %v; want one problem on line 3 in column %q", err, c.col)
			}
			if strings.Contains(err.Error(), "Jan") || strings.Contains(err.Error(), ";1234;") {
				t.Fatalf("the report repeats personal data: %v", err)
			}
		})
	}
	t.Run("missing column", func(t *testing.T) {
		_, err := dues.Parse(strings.NewReader("identyfikator_podatnika;nazwa\nA;B\n"))
		var p *dues.Problems
		if !errors.As(err, &p) || len(p.List) < 5 || p.List[0].Line != 1 {
			t.Fatalf("%v", err)
		}
	})
	t.Run("every problem, bounded", func(t *testing.T) {
		bad := strings.Repeat("A2;Jan Nowak;1234;ABCD2346;Podatek rolny;2026;1;10,00;0;2026-02-30;33102040275774637064330445;X\n", 3*dues.MaxProblems)
		_, err := dues.Parse(strings.NewReader(head + bad))
		var p *dues.Problems
		if !errors.As(err, &p) || len(p.List) != dues.MaxProblems || !p.More {
			t.Fatalf("%d problems, more %v", len(p.List), p.More)
		}
	})
	t.Run("empty", func(t *testing.T) {
		if _, err := dues.Parse(strings.NewReader(head)); err == nil {
			t.Fatal("a file without rows was accepted")
		}
	})
}

func TestMaskAndCode(t *testing.T) {
	for in, want := range map[string]string{"Jan Kowalski": "J** K*******", "  ewa  Konstantynopolitańczykiewicz ": "E** K********", "Anna Nowak-Wiśniewska": "A*** N****-W********", "Ż": "Ż"} {
		if got := dues.Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
	if got := dues.NormalCode(" kx7m-2pq9 rt "); got != "KX7M2PQ9RT" || !dues.ValidCode(got) {
		t.Errorf("NormalCode: %q", got)
	}
	for in, want := range map[string]int64{"1 234,56": 123456, "1234.5": 123450, "80": 8000, "1.234,00": 123400, "0,07": 7, "12 zł": 1200} {
		if got, err := dues.ParseAmount(in); err != nil || got != want {
			t.Errorf("ParseAmount(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}
