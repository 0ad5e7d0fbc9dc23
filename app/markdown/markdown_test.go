package markdown

import (
	"fmt"
	"image/png"
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// show renders src in a headless window of the given width and lays it out.
func show(t *testing.T, src string, width float32) (fyne.CanvasObject, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	obj := Render(src)
	w := test.NewTempWindow(t, obj)
	w.Resize(fyne.NewSize(width, 2000))
	return obj, w
}

// walk visits obj and all descendants in tree (reading) order.
func walk(obj fyne.CanvasObject, visit func(fyne.CanvasObject)) {
	visit(obj)
	if c, ok := obj.(*fyne.Container); ok {
		for _, o := range c.Objects {
			walk(o, visit)
		}
	}
}

func richTexts(obj fyne.CanvasObject) []*Paragraph {
	var out []*Paragraph
	walk(obj, func(o fyne.CanvasObject) {
		if rt, ok := o.(*Paragraph); ok {
			out = append(out, rt)
		}
	})
	return out
}

func texts(obj fyne.CanvasObject) []string {
	var out []string
	for _, rt := range richTexts(obj) {
		out = append(out, rt.Text())
	}
	return out
}

func findTable(t *testing.T, obj fyne.CanvasObject) (*fyne.Container, *tableLayout) {
	t.Helper()
	var found *fyne.Container
	walk(obj, func(o fyne.CanvasObject) {
		if c, ok := o.(*fyne.Container); ok && found == nil {
			if _, ok := c.Layout.(*tableLayout); ok {
				found = c
			}
		}
	})
	if found == nil {
		t.Fatal("no table rendered")
	}
	return found, found.Layout.(*tableLayout)
}

func segment(t *testing.T, rt *Paragraph, text string) *widget.TextSegment {
	t.Helper()
	for _, s := range rt.Segments {
		if ts, ok := s.(*widget.TextSegment); ok && strings.Contains(ts.Text, text) {
			return ts
		}
	}
	t.Fatalf("no segment %q in %q", text, rt.Text())
	return nil
}

func TestHeadings(t *testing.T) {
	obj, _ := show(t, "# Uchwała nr XII/34/2024\n\n## Załączniki\n\n### Część żółta", 800)
	rts := richTexts(obj)
	if len(rts) != 3 {
		t.Fatalf("want 3 blocks, got %q", texts(obj))
	}
	want := []struct {
		text  string
		style widget.RichTextStyle
	}{
		{"Uchwała nr XII/34/2024", widget.RichTextStyleHeading},
		{"Załączniki", widget.RichTextStyleSubHeading},
		{"Część żółta", h3Style},
	}
	for i, w := range want {
		seg := rts[i].Segments[0].(*widget.TextSegment)
		if seg.Text != w.text || seg.Style != w.style {
			t.Errorf("heading %d = %q %+v, want %q %+v", i, seg.Text, seg.Style, w.text, w.style)
		}
	}
	if !h3Style.TextStyle.Bold {
		t.Error("h3 must be bold")
	}
}

func TestInlineStyles(t *testing.T) {
	obj, w := show(t, "Zwykły **gruby** i *pochyły* oraz `kod` ~~skreślony~~.", 800)
	rt := richTexts(obj)[0]
	if got := rt.Text(); got != "Zwykły gruby i pochyły oraz kod skreślony." {
		t.Errorf("text = %q", got)
	}
	if s := segment(t, rt, "gruby"); !s.Style.TextStyle.Bold || s.Style.TextStyle.Italic {
		t.Errorf("bold segment style %+v", s.Style)
	}
	// Emphasis is bold too: the kiosk shows no italics (markdown.go, inlines).
	if s := segment(t, rt, "pochyły"); s.Style.TextStyle.Italic || !s.Style.TextStyle.Bold {
		t.Errorf("emphasis segment style %+v, want bold and upright", s.Style)
	}
	if s := segment(t, rt, "kod"); !s.Style.TextStyle.Monospace {
		t.Errorf("code segment style %+v", s.Style)
	}
	if s := segment(t, rt, "Zwykły"); s.Style.TextStyle != (fyne.TextStyle{}) {
		t.Errorf("plain segment style %+v", s.Style)
	}
	w.Resize(fyne.NewSize(150, 2000))
	if n := len(rows(obj)); n < 3 {
		t.Errorf("%d rows at 150 px: paragraphs must wrap", n)
	}
}

func TestHardLineBreak(t *testing.T) {
	obj, _ := show(t, "Urząd Gminy  \nul. Główna 1\\\n00-001 Łódź", 800)
	if got := texts(obj); len(got) != 1 || got[0] != "Urząd Gminy\nul. Główna 1\n00-001 Łódź" {
		t.Errorf("got %q", got)
	}
}

func TestListNumbering(t *testing.T) {
	src := "3. Otwarcie sesji\n4. Sprawy bieżące\n   1. wnioski\n   2. interpelacje\n5. Zamknięcie\n\n- jabłka\n- gruszki\n  - klapsy\n"
	obj, _ := show(t, src, 800)
	got := strings.Join(texts(obj), "|")
	want := "3.|Otwarcie sesji|4.|Sprawy bieżące|1.|wnioski|2.|interpelacje|5.|Zamknięcie|•|jabłka|•|gruszki|–|klapsy"
	if got != want {
		t.Errorf("list texts\n got %s\nwant %s", got, want)
	}
}

func TestLinkShowsURL(t *testing.T) {
	obj, _ := show(t, "Zobacz [regulamin](https://bip.gmina.pl/regulamin.pdf), www.gmina.pl i <https://bip.gmina.pl>.", 800)
	want := "Zobacz regulamin (https://bip.gmina.pl/regulamin.pdf), www.gmina.pl i https://bip.gmina.pl."
	if got := texts(obj); len(got) != 1 || got[0] != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	walk(obj, func(o fyne.CanvasObject) {
		if _, ok := o.(*widget.Hyperlink); ok {
			t.Error("kiosk has no browser: links must not be tappable hyperlinks")
		}
	})
}

const table3x4 = `| Lp. | Zadanie | Kwota (zł) |
|-----|:-------:|-----------:|
| 1 | Remont drogi gminnej w Żółkiewce | 150 000,00 |
| 2 | Oświetlenie **ulicy** Łąkowej | 42 500,50 |
| 3 | Plac zabaw | 80 000,00 |
`

func TestTableCells(t *testing.T) {
	obj, _ := show(t, table3x4, 800)
	_, tl := findTable(t, obj)
	var cells []*Paragraph
	for _, row := range tl.cells {
		cells = append(cells, row...)
	}
	if len(cells) != 12 {
		t.Fatalf("want 12 cells, got %d", len(cells))
	}
	want := []string{
		"Lp.", "Zadanie", "Kwota (zł)",
		"1", "Remont drogi gminnej w Żółkiewce", "150 000,00",
		"2", "Oświetlenie ulicy Łąkowej", "42 500,50",
		"3", "Plac zabaw", "80 000,00",
	}
	for i, c := range cells {
		if c.Text() != want[i] {
			t.Errorf("cell %d = %q, want %q", i, c.Text(), want[i])
		}
		bold := c.Segments[0].(*widget.TextSegment).Style.TextStyle.Bold
		if header := i < 3; bold != header {
			t.Errorf("cell %d bold = %v, header = %v", i, bold, header)
		}
	}
	if !segment(t, cells[7], "ulicy").Style.TextStyle.Bold {
		t.Error("inline bold lost in cell")
	}
	if !tl.hasHeader || tl.header.Hidden {
		t.Error("header background missing")
	}
	// Cells of a row share a top edge and columns are ordered left to right.
	for r := range 4 {
		row := cells[r*3 : r*3+3]
		for c := 1; c < 3; c++ {
			if row[c].Position().Y != row[0].Position().Y || row[c].Position().X <= row[c-1].Position().X {
				t.Errorf("row %d cell %d misplaced at %v", r, c, row[c].Position())
			}
		}
	}
}

func TestTableAlignment(t *testing.T) {
	obj, _ := show(t, table3x4, 800)
	_, tl := findTable(t, obj)
	want := []fyne.TextAlign{fyne.TextAlignLeading, fyne.TextAlignCenter, fyne.TextAlignTrailing}
	for r, row := range tl.cells {
		for c, cell := range row {
			for _, s := range cell.Segments {
				if got := s.(*widget.TextSegment).Style.Alignment; got != want[c] {
					t.Errorf("cell %d,%d align %v want %v", r, c, got, want[c])
				}
			}
		}
	}
}

func wideTable() string {
	var sb strings.Builder
	sb.WriteString("| Nazwa oferenta | Adres siedziby | NIP | Cena brutto | Termin realizacji | Gwarancja | Punkty | Uwagi komisji |\n")
	sb.WriteString("|---|---|---|--:|:-:|---|--:|---|\n")
	for range 3 {
		sb.WriteString("| Przedsiębiorstwo Budowy Dróg i Mostów „Żuraw” sp. z o.o. | ul. Źródlana 12, 42-200 Częstochowa | 5730001234 | 1 234 567,89 zł | 31 grudnia 2025 r. | 60 miesięcy | 98,50 | Oferta najkorzystniejsza, spełnia wszystkie wymagania SWZ |\n")
	}
	return sb.String()
}

func TestWideTableFits(t *testing.T) {
	const width = 600
	obj, w := show(t, wideTable(), width)
	w.Resize(fyne.NewSize(width, 3000)) // second pass: min size after wrapping is known
	if got := obj.MinSize().Width; got > width {
		t.Fatalf("MinSize().Width = %v, want <= %v", got, width)
	}
	table, tl := findTable(t, obj)
	if table.Size().Width > width {
		t.Fatalf("table width %v overflows %v", table.Size().Width, width)
	}
	for _, row := range tl.cells {
		for _, c := range row {
			if right := c.Position().X + c.Size().Width; right > table.Size().Width+0.5 {
				t.Errorf("cell %q ends at %v beyond table %v", c.Text(), right, table.Size().Width)
			}
		}
	}
	// Wrapped cells must be taller than one line and the table must account for that height.
	if tl.cells[1][0].Size().Height <= tl.cells[0][2].Size().Height {
		t.Error("long cell did not wrap")
	}
	if table.MinSize().Height < tl.cells[3][0].Position().Y+tl.cells[3][0].Size().Height {
		t.Error("table min height does not cover wrapped rows")
	}
}

func TestPlainText(t *testing.T) {
	src := "# Ogłoszenie o przetargu\n\n" +
		"Wójt Gminy **Łęczyca** ogłasza *przetarg* na `dostawę` — szczegóły [tutaj](https://bip.gmina.pl/p/1).\n" +
		"Druga linia akapitu.\n\n" +
		"1. Złożenie oferty\n2. Otwarcie ofert\n   - jawne\n   - w sali nr 5\n\n" +
		"- pierwszy\n- drugi\n\n" +
		"> Cytat z uchwały.\n\n" +
		"---\n\n" +
		"| Lp. | Zadanie | Kwota |\n|---|:---:|--:|\n| 1 | Droga | 100 zł |\n| 2 | Świetlica \\| remont | 50 zł |\n\n" +
		"![Mapa działki](mapa.png)\n\n" +
		"```\nkod  źródłowy\n```\n\n" +
		"<div>Treść <b>HTML</b> &amp; więcej</div>\n"
	want := "Ogłoszenie o przetargu\n\n" +
		"Wójt Gminy Łęczyca ogłasza przetarg na dostawę — szczegóły tutaj (https://bip.gmina.pl/p/1). Druga linia akapitu.\n\n" +
		"1. Złożenie oferty\n2. Otwarcie ofert\njawne\nw sali nr 5\n\n" +
		"pierwszy\ndrugi\n\n" +
		"Cytat z uchwały.\n\n" +
		"Lp. | Zadanie | Kwota\n1 | Droga | 100 zł\n2 | Świetlica | remont | 50 zł\n\n" +
		"Obraz: Mapa działki\n\n" +
		"kod  źródłowy\n\n" +
		"Treść HTML & więcej"
	if got := PlainText(src); got != want {
		t.Errorf("PlainText\n got %q\nwant %q", got, want)
	}
}

func TestImagePlaceholder(t *testing.T) {
	obj, _ := show(t, "Plan:\n![Mapa gminy Łąck](mapa.png)\nkoniec", 800)
	if got := strings.Join(texts(obj), "|"); got != "Plan:|Obraz: Mapa gminy Łąck|koniec" {
		t.Errorf("got %q", got)
	}
	boxed := false
	walk(obj, func(o fyne.CanvasObject) {
		if c, ok := o.(*fyne.Container); ok {
			if _, ok := c.Layout.(*boxLayout); ok && c.Objects[0].(*themedRect).stroke != "" {
				boxed = richTexts(c)[0].Text() == "Obraz: Mapa gminy Łąck"
			}
		}
	})
	if !boxed {
		t.Error("image alt is not in a bordered box")
	}
}

func TestPolishIntact(t *testing.T) {
	const s = "Zażółć gęślą jaźń — ĄĘŁÓŚŻŹĆŃ ąęłóśżźćń"
	obj, _ := show(t, s, 800)
	if got := texts(obj); len(got) != 1 || got[0] != s {
		t.Errorf("got %q", got)
	}
	if got := PlainText(s); got != s {
		t.Errorf("PlainText %q", got)
	}
}

func TestMalformedDoesNotPanic(t *testing.T) {
	inputs := []string{
		"",
		"   \n\n  ",
		"| a | b\n|---\n| 1 | 2 | 3 | 4\n| x",
		"| a | b |\n|---|---|\n",
		"|---|---|\n| 1 | 2 |",
		"a | b\n--|--\n1",
		"<div>\n<table><tr><td>x</td></tr></table>\n",
		"<script>alert(1)</script>\n\n<!-- komentarz -->",
		strings.Repeat("Bardzodługiesłowobezspacji", 40),
		"| " + strings.Repeat("x", 500) + " |\n|---|\n| y |",
		"**niedomknięte *emfazy `kodu [linku](",
		"```\nniezamknięty blok kodu",
		"> > > głęboki\n> - cytat\n>   1. z listą",
		strings.Repeat("- a\n  ", 30) + "- b",
		"![](pusty.png) ![]()",
		"[pusty]()  \n&nbsp;&#0;&#xFFFFFF;\x00\xff\xfe",
		"#######\n# \n---\n***\n___",
	}
	for _, in := range inputs {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("panic on %q: %v", in, r)
				}
			}()
			_ = PlainText(in)
			obj, w := show(t, in, 600)
			w.Resize(fyne.NewSize(600, 3000))
			if obj.MinSize().Width > 600 {
				t.Errorf("%q overflows: %v", in, obj.MinSize().Width)
			}
		}()
	}
}

const previewDoc = `# Uchwała nr XII/34/2024 Rady Gminy Łęczyca

## w sprawie zmian w budżecie gminy na 2024 rok

Na podstawie art. 18 ust. 2 pkt 4 ustawy z dnia 8 marca 1990 r. o **samorządzie gminnym** (*Dz. U. z 2024 r. poz. 609*) uchwala się, co następuje. Szczegóły: [załącznik nr 1](https://bip.leczyca.pl/zal1.pdf).

1. Zwiększa się dochody budżetu o kwotę 272 500,50 zł.
2. Zmniejsza się wydatki:
   - dział 600 – transport,
   - dział 801 – oświata.
3. Wykonanie uchwały powierza się Wójtowi.

| Dział | Nazwa zadania | Plan (zł) | Zmiana |
|:-----:|---------------|----------:|:------:|
| 600 | Przebudowa drogi gminnej nr 110234E w miejscowości Żółkiewka wraz z chodnikiem | 1 250 000,00 | +150 000,00 |
| 801 | Termomodernizacja szkoły | 480 000,00 | −20 000,00 |
| 921 | Świetlica wiejska | 95 000,00 | 0,00 |

> Uchwała wchodzi w życie z dniem podjęcia.

---

![Mapa działek objętych zmianą](mapa.png)

` + "```\nSprawę prowadzi: Referat Finansowy, pok. 12\n```\n"

// capture renders src at width inside a scroller (as the kiosk does) and writes a PNG to
// t.TempDir(), or to /tmp when MARKDOWN_PREVIEW is set so a human can look at it.
func capture(t *testing.T, src string, width float32, name string) {
	t.Helper()
	test.NewTempApp(t)
	obj := Render(src)
	w := test.NewTempWindow(t, container.NewVScroll(obj))
	w.Resize(fyne.NewSize(width, 1600))
	// The first layout wraps the text; size the window to the settled content height.
	w.Resize(fyne.NewSize(width, obj.MinSize().Height+2*theme.Padding()))
	img := w.Canvas().Capture()
	dir := t.TempDir()
	if os.Getenv("MARKDOWN_PREVIEW") != "" {
		dir = "/tmp"
	}
	f, err := os.Create(dir + "/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < int(width) {
		t.Errorf("capture width %d", b.Dx())
	}
}

func TestCapturePreview(t *testing.T) {
	capture(t, previewDoc, 1000, "markdown-preview.png")
	capture(t, wideTable(), 600, "markdown-wide-table.png")
}

// bigText doubles text sizes, like the kiosk's large-text accessibility theme.
type bigText struct{ fyne.Theme }

func (b bigText) Size(n fyne.ThemeSizeName) float32 {
	s := b.Theme.Size(n)
	switch n {
	case theme.SizeNameText, theme.SizeNameHeadingText, theme.SizeNameSubHeadingText:
		return s * 2
	}
	return s
}

func TestScalesWithTheme(t *testing.T) {
	a := test.NewTempApp(t)
	height := func() float32 {
		obj := Render(previewDoc)
		w := test.NewTempWindow(t, obj)
		w.Resize(fyne.NewSize(1000, 4000))
		return obj.MinSize().Height
	}
	normal := height()
	a.Settings().SetTheme(bigText{a.Settings().Theme()})
	if big := height(); big < normal*1.5 {
		t.Errorf("large-text theme height %v, normal %v: content does not scale", big, normal)
	}
}

// A table longer than the screen can draw in time shows its first maxTableRows rows and says
// how many are left out, instead of freezing the kiosk past its watchdog.
func TestLongTableIsCut(t *testing.T) {
	var b strings.Builder
	b.WriteString("| Lp. | Kwota |\n|---|---:|\n")
	for i := range maxTableRows + 500 {
		fmt.Fprintf(&b, "| %d | %d,00 |\n", i+1, i)
	}
	obj, _ := show(t, b.String(), 800)
	_, tl := findTable(t, obj)
	if got := len(tl.cells); got != maxTableRows+2 { // header, rows, the note
		t.Fatalf("%d rows drawn, want %d", got, maxTableRows+2)
	}
	if got := tl.cells[maxTableRows][0].Text(); got != fmt.Sprint(maxTableRows) {
		t.Errorf("last row drawn starts %q", got)
	}
	if got := tl.cells[maxTableRows+1][0].Text(); got != "… (+500)" {
		t.Errorf("note = %q", got)
	}
}

// TestNoItalics: nothing the kiosk renders is slanted — emphasis of either kind, quotes,
// emphasis inside a quote, a list or a table — so Fyne never loads an italic set of fonts.
func TestNoItalics(t *testing.T) {
	src := "Tekst *pochyły*, _też_, ***oba***.\n\n" +
		"> Cytat z *uchwały* rady.\n>\n> > W nim **drugi**.\n\n" +
		"- punkt *z naciskiem*\n\n" +
		"| a | b |\n|---|---|\n| *x* | y |\n"
	obj, _ := show(t, src, 800)
	n := 0
	for _, rt := range richTexts(obj) {
		for _, s := range rt.Segments {
			ts, ok := s.(*widget.TextSegment)
			if !ok {
				continue
			}
			n++
			if ts.Style.TextStyle.Italic {
				t.Errorf("%q is italic", ts.Text)
			}
		}
	}
	if n < 8 {
		t.Fatalf("only %d text segments rendered", n)
	}
	if s := segment(t, richTexts(obj)[0], "pochyły"); !s.Style.TextStyle.Bold {
		t.Errorf("emphasis not bold: %+v", s.Style)
	}
}

// TestTableStacks: a table whose columns cannot all keep their longest word shows each row
// as header-value pairs, one under another, with nothing broken inside a word; a wide
// enough screen shows the grid. Speech reads a stacked row as its pairs.
func TestTableStacks(t *testing.T) {
	obj, w := show(t, wideTable(), 600)
	w.Resize(fyne.NewSize(600, 3000))
	table, tl := findTable(t, obj)
	if !tl.stacked {
		t.Fatal("an 8-column table at 600 px is not stacked")
	}
	for c, h := range tl.cells[0] {
		if h.Visible() {
			t.Errorf("header %q shown above stacked rows", h.Text())
		}
		for r := 1; r < len(tl.cells); r++ {
			label, value := tl.labels[r][c], tl.cells[r][c]
			if !label.Visible() || label.Text() != h.Text() {
				t.Fatalf("row %d: label %q (shown %v), want %q", r, label.Text(), label.Visible(), h.Text())
			}
			if label.Position().Y != value.Position().Y || label.Position().X >= value.Position().X {
				t.Errorf("row %d: label %q at %v is not left of its value at %v", r, h.Text(), label.Position(), value.Position())
			}
			if right := value.Position().X + value.Size().Width; right > table.Size().Width+0.5 {
				t.Errorf("value %q ends at %v beyond the table's %v", value.Text(), right, table.Size().Width)
			}
			if msg := splitWord(value); msg != "" {
				t.Errorf("value %q: %s", value.Text(), msg)
			}
		}
	}
	if last := tl.cells[3][7]; table.MinSize().Height < last.Position().Y+last.Size().Height {
		t.Error("table min height does not cover the stacked rows")
	}
	rows, _ := TableCells(table)
	if len(rows) != 3 || len(rows[0]) != 16 || rows[0][0].(*Paragraph).Text() != "Nazwa oferenta" {
		t.Errorf("speech gets %d rows of %d: want 3 rows of header-value pairs", len(rows), len(rows[0]))
	}

	w.Resize(fyne.NewSize(2600, 3000))
	if tl.stacked || !tl.cells[0][0].Visible() || tl.labels[1][0].Visible() {
		t.Error("at 2600 px the table is not a grid with its header")
	}
	if rows, _ := TableCells(table); len(rows) != 4 || len(rows[0]) != 8 {
		t.Errorf("grid: speech gets %d rows", len(rows))
	}
}

// TestShortColumnKeptWhole: in a label-value table too wide for its text, the short label
// column keeps its labels on one row and the long values wrap (the metryczka at large text).
func TestShortColumnKeptWhole(t *testing.T) {
	src := "| Pole | Wartość |\n|---|---|\n" +
		"| Data wytworzenia | 1 lipca 2025 r., Referat Organizacyjny Urzędu Gminy Przykładowa, na podstawie zarządzenia Wójta |\n" +
		"| Ostatnia zmiana | 2 lutego 2026 r., dodano nowe numery telefonów do referatów i samodzielnych stanowisk pracy |\n"
	obj, w := show(t, src, 600)
	w.Resize(fyne.NewSize(600, 3000))
	_, tl := findTable(t, obj)
	if tl.stacked {
		t.Fatal("a two-column table at 600 px is stacked")
	}
	for r := 1; r < 3; r++ {
		label, value := tl.cells[r][0], tl.cells[r][1]
		if n := len(rows(label)); n != 1 {
			t.Errorf("label %q takes %d rows", label.Text(), n)
		}
		if n := len(rows(value)); n < 2 {
			t.Errorf("value %q takes %d rows: the table should need wrapping at this width", value.Text(), n)
		}
	}
}
