package content_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"

	"infomat/content"
)

const page = "bip/prawo-lokalne/regulamin-utrzymania-czystosci.md"

func cp1250(t *testing.T, s string) []byte {
	t.Helper()
	// Cyrillic keywords have no Windows-1250 form; a clerk's editor saves them as "?".
	b, err := encoding.ReplaceUnsupported(charmap.Windows1250.NewEncoder()).Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWindows1250FileNamesTheFix(t *testing.T) {
	for _, file := range []string{card, page, content.MunicipalityFile} {
		t.Run(file, func(t *testing.T) {
			m := sample(t)
			m[file] = &fstest.MapFile{Data: cp1250(t, string(m[file].Data))}
			got := problems(t, m)
			if !strings.Contains(got, file+": plik nie jest zapisany w UTF-8") || !strings.Contains(got, "Windows-1250") ||
				!strings.Contains(got, "zapisz plik jako UTF-8") {
				t.Errorf("no plain message for a Windows-1250 file:\n%s", got)
			}
		})
	}
}

// A BOM (Notepad's "UTF-8 with BOM") is harmless once skipped, so it is a warning naming the
// fix, not an error; a page with one used to be refused as having no YAML header.
func TestByteOrderMarkNamesTheFix(t *testing.T) {
	for _, file := range []string{card, page} {
		t.Run(file, func(t *testing.T) {
			m := sample(t)
			m[file] = &fstest.MapFile{Data: append([]byte("\ufeff"), m[file].Data...)}
			b, err := content.Load(m)
			if err != nil {
				t.Fatalf("a BOM made the bundle invalid: %v", err)
			}
			if got := b.Warnings.Error(); !strings.Contains(got, file+": plik zaczyna się znacznikiem BOM") ||
				!strings.Contains(got, "zapisz plik jako UTF-8 bez BOM") {
				t.Errorf("no plain warning for a BOM:\n%s", got)
			}
		})
	}
}

// An emoji pasted into a card or a page is a warning with its line: the kiosk has no font
// for it (built without Fyne's emoji font). Symbols the kiosk's fonts have (✓ ☑ → ▲) are not.
func TestEmojiWarned(t *testing.T) {
	m := sample(t)
	m[page] = &fstest.MapFile{Data: append(m[page].Data, "\n✓ gotowe ☑ → ▲ ─\n"...)}
	b, err := content.Load(m)
	if err != nil {
		t.Fatalf("symbols made the bundle invalid: %v", err)
	}
	if got := b.Warnings.Error(); strings.Contains(got, "emoji") {
		t.Errorf("a symbol the fonts have was warned as an emoji:\n%s", got)
	}
	for _, e := range []string{"📞", "✅", "⭐", "☎\ufe0f"} {
		m := sample(t)
		replaceLine(t, m, card, "nazwa:", "nazwa: Zameldowanie na pobyt stały "+e)
		b, err := content.Load(m)
		if err != nil {
			t.Fatalf("an emoji made the bundle invalid: %v", err)
		}
		if got := b.Warnings.Error(); !strings.Contains(got, card+": wiersz ") || !strings.Contains(got, "emoji") ||
			!strings.Contains(got, "usuń je albo zastąp słowem") {
			t.Errorf("%q: no warning naming the line and the fix:\n%s", e, got)
		}
	}
}

// replaceLine replaces the first line of file that starts with prefix.
func replaceLine(t *testing.T, m fstest.MapFS, file, prefix, line string) {
	t.Helper()
	lines := strings.Split(string(m[file].Data), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, prefix) {
			lines[i] = line
			m[file] = &fstest.MapFile{Data: []byte(strings.Join(lines, "\n"))}
			return
		}
	}
	t.Fatalf("%s has no line starting %q", file, prefix)
}

func TestControlCharactersInTitlesRefused(t *testing.T) {
	m := sample(t)
	replaceLine(t, m, page, "tytul:", `tytul: "Uchwała \e[31mczerwona"`)
	replaceLine(t, m, card, "nazwa:", `nazwa: "\u202eZameldowanie"`)
	got := problems(t, m)
	if !strings.Contains(got, page+": tytul: tytuł zawiera znak sterujący U+001B") {
		t.Errorf("escape code in a page title not refused:\n%s", got)
	}
	if !strings.Contains(got, card+": nazwa: tytuł zawiera znak sterujący U+202E") {
		t.Errorf("RLO in a card title not refused:\n%s", got)
	}
}

// A front-matter error is reported on the line of the file the clerk sees, counting the
// opening "---" as line 1: it used to be one line early.
func TestFrontMatterErrorLineNumbers(t *testing.T) {
	m := sample(t)
	// Line 3 of the file is "kolejnosc: 3"; an unknown key there, a bad value on line 4.
	replaceIn(t, m, page, "kolejnosc: 3", "kolejnoscc: 3")
	got := problems(t, m)
	if !strings.Contains(got, page+": kolejnoscc: nieznane pole (wiersz 4)") {
		t.Errorf("want the unknown key on line 4:\n%s", got)
	}
	m = sample(t)
	replaceIn(t, m, page, "kolejnosc: 3", "kolejnosc: pierwsza")
	got = problems(t, m)
	if !strings.Contains(got, page+": wiersz 4: zły rodzaj wartości") {
		t.Errorf("want the bad value on line 4:\n%s", got)
	}
	m = sample(t)
	replaceIn(t, m, page, "  data_wytworzenia: 2025-03-27", "  data_wytworzenia: 27.03.2025")
	got = problems(t, m)
	if !strings.Contains(got, "line 7:") && !strings.Contains(got, "wiersz 7") {
		t.Errorf("want the bad date on line 7:\n%s", got)
	}
	m = sample(t)
	replaceIn(t, m, page, "menu: uchwaly", "menu: [uchwaly")
	got = problems(t, m)
	if !strings.Contains(got, "wiersza 3") {
		t.Errorf("want the syntax error on line 3:\n%s", got)
	}
}

// Text a receipt prints with characters the printer cannot print even after folding is a
// warning naming the characters; folded ones (m², „”) are fine.
func TestUnprintableCharactersWarned(t *testing.T) {
	m := sample(t)
	replaceLine(t, m, card, "nazwa:", "nazwa: Zameldowanie 🙂 na pobyt stały (1 m² — „pokój”)")
	b, err := content.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	got := b.Warnings.Error()
	if !strings.Contains(got, card+": nazwa: „🙂” (U+1F642) nie wydrukuje się na paragonie") {
		t.Errorf("no warning for an emoji in a card title:\n%s", got)
	}
	// The other is the screen's (TestEmojiWarned); m² and „” fold.
	if len(b.Warnings) != 2 {
		t.Errorf("want the printer's and the screen's warning for the emoji and none else, got:\n%s", got)
	}
}

func TestControlCharacterInFormQuestionDisablesTheForm(t *testing.T) {
	m := sample(t)
	const form = "formularze/deklaracja-oplata-za-odpady.yaml"
	replaceLine(t, m, form, "    pytanie: Jak się nazywasz?", `    pytanie: "Jak się \u0007nazywasz?"`)
	b, err := content.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.FormProblems.Error(); !strings.Contains(got, form+": pola[0].pytanie: tytuł zawiera znak sterujący U+0007") {
		t.Errorf("control character in a question not refused:\n%s", got)
	}
}
