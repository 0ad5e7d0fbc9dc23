package markdown

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// wrapDoc has bold and code runs mid-sentence, the way BIP notices are written.
const wrapDoc = "Na podstawie art. 20 ust. 1 ustawy z dnia 8 marca 1990 r. o samorządzie gminnym " +
	"zwołuję **XXVIII sesję Rady Gminy Przykładowa** na **czwartek 26 listopada 2026 r., " +
	"godz. 10:00**, w sali konferencyjnej Urzędu Gminy, ul. Lipowa 12. Wniosek o numerze " +
	"`OR.0002.28.2026` złóż w **biurze podawczym**: pokój 4, parter, obok kasy."

// rows gives the text of each drawn row of obj's paragraphs: the row's pieces (one per
// inline run) joined left to right. Pieces of one row may sit at
// slightly different heights (code is set smaller), so a row is the pieces that overlap
// the first one's height.
func rows(obj fyne.CanvasObject) []string {
	var out []string
	for _, rt := range richTexts(obj) {
		var pieces []*canvas.Text
		for _, o := range test.WidgetRenderer(rt).Objects() {
			if txt, ok := o.(*canvas.Text); ok && txt.Visible() && txt.Text != "" {
				pieces = append(pieces, txt)
			}
		}
		slices.SortStableFunc(pieces, func(a, b *canvas.Text) int { return cmp.Compare(a.Position().Y, b.Position().Y) })
		for len(pieces) > 0 {
			first := pieces[0]
			n := 1
			for n < len(pieces) && pieces[n].Position().Y < first.Position().Y+first.Size().Height/2 {
				n++
			}
			row := pieces[:n]
			pieces = pieces[n:]
			slices.SortFunc(row, func(a, b *canvas.Text) int { return cmp.Compare(a.Position().X, b.Position().X) })
			var text strings.Builder
			for _, p := range row {
				text.WriteString(p.Text)
			}
			out = append(out, text.String())
		}
	}
	return out
}

// TestInlineRunsWrapByWord sweeps the width a paragraph with bold and code runs is shown at
// and checks every row holds whole words only, all words in order, and that no row could
// have taken the next row's first word. Fyne 2.7.1's own word wrap of inline runs made
// columns of letters, split words and left gaps after bold runs (Paragraph).
func TestInlineRunsWrapByWord(t *testing.T) {
	want := strings.Fields(PlainText(wrapDoc))
	words := map[string]bool{}
	for _, w := range want {
		words[w] = true
	}
	a := test.NewTempApp(t)
	sweepWrap(t, "normal text", 240, want, words)
	a.Settings().SetTheme(bigText{a.Settings().Theme()})
	sweepWrap(t, "large text", 400, want, words)
}

// sweepWrap checks the rows of wrapDoc at every width from one where its longest word fits
// to a kiosk's.
func sweepWrap(t *testing.T, size string, from float32, want []string, words map[string]bool) {
	obj := Render(wrapDoc)
	w := test.NewTempWindow(t, obj)
	bad := 0
	for width := from; width <= 1100 && bad < 5; width++ {
		w.Resize(fyne.NewSize(width, 2000))
		rs := rows(obj)
		for _, row := range rs {
			if strings.HasPrefix(row, " ") {
				t.Errorf("%s at %v px: a row starts with a space: %q", size, width, row)
				bad++
			}
			for _, piece := range strings.Fields(row) {
				if !words[piece] {
					t.Errorf("%s at %v px: a row holds %q, not a whole word: %q", size, width, piece, row)
					bad++
					break
				}
			}
		}
		if early := earlyBreak(rs, width); early != "" {
			t.Errorf("%s at %v px: %s", size, width, early)
			bad++
		}
		if got := strings.Fields(strings.Join(rs, " ")); !slices.Equal(got, want) && bad == 0 {
			t.Errorf("%s at %v px: the rows read %q", size, width, rs)
			bad++
		}
	}
}

// TestSampleWraps lays out every BIP page of the embedded sample at ten widths, at normal and
// large text, and checks no paragraph, list item, heading or table cell splits a word across
// rows unless the word is wider than its box.
func TestSampleWraps(t *testing.T) {
	pages, err := filepath.Glob("../../assets/content/bip/*/*.md")
	if err != nil || len(pages) < 20 {
		t.Fatalf("sample BIP pages: %d found, %v", len(pages), err)
	}
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	for _, size := range []string{"normal text", "large text"} {
		if size == "large text" {
			a.Settings().SetTheme(bigText{a.Settings().Theme()})
		}
		for _, page := range pages {
			src, err := os.ReadFile(page)
			if err != nil {
				t.Fatal(err)
			}
			body := string(src)
			if _, after, ok := strings.Cut(strings.TrimPrefix(body, "---\n"), "\n---\n"); ok {
				body = after // the metadata block
			}
			obj := Render(body)
			w.SetContent(obj)
			for k := range 10 {
				width := float32(620 + 47*k)
				w.Resize(fyne.NewSize(width, 4000))
				for _, rt := range richTexts(obj) {
					if msg := splitWord(rt); msg != "" {
						t.Errorf("%s, %s at %v px: %s", filepath.Base(page), size, width, msg)
					}
				}
			}
		}
	}
}

// splitWord says which word of rt its rows split, if any that fits its box.
func splitWord(rt *Paragraph) string {
	rs := rows(rt)
	got := strings.Fields(strings.Join(rs, " "))
	want := strings.Fields(rt.Text())
	if slices.Equal(got, want) {
		return ""
	}
	if _, widest := rt.widths(); widest > rt.Size().Width-2*theme.InnerPadding() {
		return "" // a word wider than the box has to break
	}
	return fmt.Sprintf("rows %q", rs)
}

// earlyBreak says which row ends before a word that would have fitted on it (what Fyne's
// wrap did after a bold run: the rest of the sentence went to the next row whole). The row
// and word are measured in the wider of the bold and the code face, with 2 px to spare.
func earlyBreak(rows []string, width float32) string {
	room := width - 2*theme.InnerPadding() - 2
	for i := 0; i+1 < len(rows); i++ {
		joined := rows[i] + " " + rows[i+1]
		var rs []run
		for _, r := range joined {
			rs = append(rs, run{r: r})
		}
		end := len(rs)
		for k := len([]rune(rows[i])) + 1; k < len(rs); k++ {
			if rs[k].r == ' ' && breakable(rs, k) {
				end = k
				break
			}
		}
		more := string([]rune(joined)[:end])
		bold := fyne.MeasureText(more, theme.TextSize(), fyne.TextStyle{Bold: true}).Width
		code := fyne.MeasureText(more, theme.TextSize(), fyne.TextStyle{Monospace: true}).Width
		if max(bold, code) <= room {
			return fmt.Sprintf("row %q ends early: %q fits", rows[i], more)
		}
	}
	return ""
}

// TestRowsKeepTogether: at every width a row never ends with a number (inside an amount or a
// phone number, before a unit or a month), a one-letter word, an abbreviation before a number
// or a Roman numeral, and never starts with a dash.
func TestRowsKeepTogether(t *testing.T) {
	const src = "Opłata wynosi **14 800 000,00 zł** i jest płatna w kasie — telefon +48 44 123 45 00, " +
		"termin do 31 marca 2026 r. z odsetkami 8 %, na podstawie art. 275 pkt 1, II piętro, " +
		"gwarancja 72 miesiące, formularz „Zgłoszenie pobytu stałego” albo „… czasowego”."
	test.NewTempApp(t)
	obj := Render(src)
	w := test.NewTempWindow(t, obj)
	bad := 0
	for width := float32(200); width <= 700 && bad < 5; width++ { // from where the widest fits
		w.Resize(fyne.NewSize(width, 2000))
		rs := rows(obj)
		for i := 0; i+1 < len(rs); i++ {
			end, next := rs[i], strings.TrimLeft(rs[i+1], " ")
			last := strings.Fields(end)
			if len(last) == 0 || next == "" {
				continue
			}
			tail, head := []rune(last[len(last)-1]), []rune(next)
			lastRune := tail[len(tail)-1]
			switch {
			case unicode.IsDigit(lastRune), // a number and what follows it
				len(tail) == 1 && unicode.IsLetter(lastRune),
				head[0] == '—',
				unicode.IsDigit(head[0]) && (string(tail) == "art." || string(tail) == "pkt"),
				string(tail) == "II",
				string(tail) == "„…": // an opening quote and what it opens

				t.Errorf("at %v px the rows %q and %q break where they must not", width, end, next)
				bad++
			}
		}
	}
}

// TestLineEndsInEllipsis: a one-row line of several styles (a search hit with its matches in
// bold) stays on its row and inside its width at every width, showing the text whole or its
// start and "…"; Text keeps the whole text for speech.
func TestLineEndsInEllipsis(t *testing.T) {
	bold := widget.RichTextStyleInline
	bold.TextStyle.Bold = true
	plain := widget.RichTextStyleInline
	segs := []widget.TextSegment{
		{Text: "Odpis", Style: bold}, {Text: " aktu urodzenia, małżeństwa lub zgonu — ", Style: plain},
		{Text: "odpisy", Style: bold}, {Text: " skrócone i zupełne wydaje USC", Style: plain},
	}
	var text string
	for _, s := range segs {
		text += s.Text
	}
	l := NewLine(plain)
	l.SetSegments(segs)
	test.NewTempApp(t)
	w := test.NewTempWindow(t, l)
	for width := float32(40); width <= 900; width += 7 {
		w.Resize(fyne.NewSize(width, 200))
		rs := rows(l)
		if len(rs) != 1 {
			t.Fatalf("at %v px: %d rows %q, want one", width, len(rs), rs)
		}
		if shown, cut := strings.CutSuffix(rs[0], "…"); cut && !strings.HasPrefix(text, shown) || !cut && rs[0] != text {
			t.Errorf("at %v px the row reads %q", width, rs[0])
		}
		for _, o := range test.WidgetRenderer(l).Objects() {
			if txt, ok := o.(*canvas.Text); ok && txt.Visible() && txt.Position().X+txt.MinSize().Width > width {
				t.Errorf("at %v px %q runs to %v, past the edge", width, txt.Text, txt.Position().X+txt.MinSize().Width)
			}
		}
		if width == 40+7*40 && !strings.HasSuffix(rs[0], "…") || width == 40+7*122 && rs[0] != text {
			t.Errorf("at %v px the row reads %q", width, rs[0])
		}
	}
	if l.Text() != text {
		t.Errorf("Text = %q", l.Text())
	}
}
