package printersim

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
	"unicode"

	"infomat/assets"
	"infomat/content"
	"infomat/kiosk/printer"
	"infomat/l10n"
	"infomat/receipt"
)

// printed prints doc on a simulated printer of profile p and returns the paper's text and
// the QR codes decoded from the picture of the paper (native and raster alike).
func printed(t *testing.T, doc receipt.Doc, p printer.Profile) (string, []string) {
	t.Helper()
	s := printOnPaper(t, doc, p)
	return s.Text(), decodeAll(t, s)
}

// printOnPaper encodes doc for p, feeds it to a simulator through a pipe and returns the
// simulator once the job is printed and the printer idle.
func printOnPaper(t *testing.T, doc receipt.Doc, p printer.Profile) *Sim {
	t.Helper()
	b, err := printer.Encode(doc, p)
	if err != nil {
		t.Fatal(err)
	}
	r, w := io.Pipe()
	s := New(pipeDev{r}, p.WidthDots)
	s.SetDrainRate(0)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); w.Close(); <-done }()
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitJobs(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// words keeps letters and digits, so a note wrapped over lines or folded for CP852 ("m²"
// prints "m2", "„…”" plain quotes) still matches the card's text.
func words(s string) string {
	s = strings.NewReplacer("²", "2", "³", "3").Replace(s)
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

// wantAmount is the ZBP amount field a fee's code must carry: the amount for a fixed fee
// due now, 000000 for the payer to type otherwise.
func wantAmount(d receipt.FeeDue) string {
	if d.Kind == content.FeeFixed && !d.Unselected && d.Amount <= receipt.MaxAmount {
		return fmt.Sprintf("%06d", int64(d.Amount))
	}
	return "000000"
}

// checkPaper compares what the paper says with the fees it was built from: every note in
// the text, each payment code decoded exactly, amounts by the fees' kinds.
func checkPaper(t *testing.T, what, text string, codes []string, notes []string, fees []receipt.FeeDue) {
	t.Helper()
	paper := words(text)
	for _, n := range notes {
		if n != "" && !strings.Contains(paper, words(n)) {
			t.Errorf("%s: the paper lacks the note %q", what, n)
		}
	}
	var pay []string
	for _, c := range codes {
		if strings.Contains(c, "|PL|") {
			pay = append(pay, c)
		}
	}
	var want []receipt.FeeDue
	for _, f := range fees {
		if f.QR != "" {
			want = append(want, f)
		}
	}
	if len(pay) != len(want) {
		t.Errorf("%s: %d payment codes on paper, want %d", what, len(pay), len(want))
		return
	}
	for i, f := range want {
		fields := strings.Split(pay[i], "|")
		if pay[i] != f.QR || len(fields) != 9 || fields[3] != wantAmount(f) {
			t.Errorf("%s: payment code %q, want %q with amount %s (%s)", what, pay[i], f.QR, wantAmount(f), f.Kind)
		}
		if len([]rune(fields[5])) > receipt.MaxTitleLen || len([]rune(fields[4])) > receipt.MaxRecipientLen {
			t.Errorf("%s: title %q or recipient %q too long", what, fields[5], fields[4])
		}
	}
}

// TestSampleSheetsAndReceipts prints every procedure sheet and every submission receipt of
// the sample content on 58 and 80 mm paper with native and raster QR codes, reads the paper
// back and checks it says what the card says: each document's and fee's note, and payment
// codes whose amount is the fee's only when it is a fixed amount due now.
func TestSampleSheetsAndReceipts(t *testing.T) {
	b, err := content.Load(assets.DefaultContent())
	if err != nil {
		t.Fatal(err)
	}
	loc, err := l10n.New(assets.Translations())
	if err != nil {
		t.Fatal(err)
	}
	raster58, raster80 := printer.Profile58, printer.Profile80
	raster58.NativeQR, raster80.NativeQR = false, false
	at := time.Date(2026, 11, 23, 14, 5, 0, 0, time.UTC)
	sheets, receipts, zero := 0, 0, 0
	for _, p := range []printer.Profile{printer.Profile58, printer.Profile80, raster58, raster80} {
		for i := range b.Procedures {
			card := &b.Procedures[i]
			info := receipt.SheetFor(b, card, card, "https://example.pl/karty/"+card.ID)
			var notes []string
			for _, d := range card.Documents {
				notes = append(notes, d.Name, d.Note)
			}
			for _, d := range info.Fees {
				_, lines := receipt.FeeLines(d, loc.T)
				notes = append(notes, lines...)
				if d.QR != "" && wantAmount(d) == "000000" {
					zero++
				}
			}
			notes = append(notes, card.Place.Note)
			what := fmt.Sprintf("%s sheet %s", p.Name, card.ID)
			text, codes := printed(t, receipt.ProcedureSheet(info, loc.T), p)
			checkPaper(t, what, text, codes, notes, info.Fees)
			sheets++

			if card.Form == nil {
				continue
			}
			// Every answer that selects a fee, and none.
			answers := []content.Answers{nil}
			for _, f := range card.Fees {
				if f.When != nil {
					answers = append(answers, content.Answers{f.When.Field: f.When.Value})
				}
			}
			for _, a := range answers {
				idx := card.FeeIndexFor(a)
				sub := receipt.SubmissionFor(b, card, card, idx, "PRZ-7K4M-Q2", at, "https://example.pl/sprawdz/PRZ-7K4M-Q2")
				var fees []receipt.FeeDue
				var subNotes []string
				if sub.Fee != nil {
					fees = append(fees, *sub.Fee)
					_, subNotes = receipt.FeeLines(*sub.Fee, loc.T)
				}
				text, codes := printed(t, receipt.Submission(sub, loc.T), p)
				checkPaper(t, fmt.Sprintf("%s receipt %s %v", p.Name, card.ID, a), text, codes, subNotes, fees)
				receipts++
				if card.ID == "licencja-taxi" && a != nil {
					want := map[string]string{"2-15": "032000", "16-30": "038000", "31-50": "044000"}[a["okres"]]
					if sub.Fee == nil || wantAmount(*sub.Fee) != want {
						t.Errorf("%s: taxi licence for %v pays %+v, want %s", p.Name, a, sub.Fee, want)
					}
				}
			}
		}
	}
	t.Logf("%d sheets and %d receipts read back; %d fee codes on sheets leave the amount to the payer", sheets, receipts, zero)
	if sheets == 0 || receipts == 0 || zero == 0 {
		t.Error("the sample printed nothing to check")
	}
}
