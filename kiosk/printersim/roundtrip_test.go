package printersim

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"infomat/content"
	"infomat/kiosk/printer"
	"infomat/kiosk/serialport"
	"infomat/kiosk/serialport/ptytest"
	"infomat/receipt"
)

var labels = map[string]string{
	receipt.MsgRef: "Numer zgłoszenia", receipt.MsgDate: "Data", receipt.MsgProcedure: "Sprawa",
	receipt.MsgOffice: "Urząd", receipt.MsgNext: "Co dalej", receipt.MsgTrack: "Sprawdź status",
	receipt.MsgPay: "Opłata", receipt.MsgAmount: "Kwota", receipt.MsgTitle: "Tytuł",
	receipt.MsgRecipient: "Odbiorca", receipt.MsgAccount: "Numer konta", receipt.MsgPayQR: "Zapłać kodem QR",
}

func submission() receipt.Doc {
	fee := receipt.DueFee(content.Municipality{Name: "Gmina Przykładowo", NIP: "987-654-32-10", Account: "PL25 1240 1239 2000 0000 0000 0101"},
		content.Fee{Title: "Opłata skarbowa", Amount: 1700, Kind: content.FeeFixed}, "Opłata skarbowa PRZ-7K4M-Q2")
	return receipt.Submission(receipt.SubmissionInfo{
		Municipality:  "Gmina Przykładowo",
		Office:        "Urząd Gminy Przykładowo, pokój 12",
		OfficeAddress: "ul. Rynek 1, 00-950 Przykładowo",
		Procedure:     "Zażółć gęślą jaźń — wniosek o dowód osobisty",
		Ref:           "PRZ-7K4M-Q2",
		Created:       time.Date(2026, 11, 23, 14, 5, 0, 0, time.Local),
		NextSteps:     "Potwierdź wniosek w urzędzie w ciągu 14 dni.",
		TrackURL:      trackURL,
		Fee:           &fee,
	}, func(id string, _ ...any) string { return labels[id] })
}

// pipeDev is a cable for Encode's bytes; the printer's answers are dropped.
type pipeDev struct{ *io.PipeReader }

func (pipeDev) Write(p []byte) (int, error) { return len(p), nil }

func decodeAll(t *testing.T, s *Sim) []string {
	t.Helper()
	img := s.PNG()
	var got []string
	for _, g := range s.Graphics() {
		text, err := decodeQR(img, g.Rect)
		if err != nil {
			t.Errorf("%s graphic at %v does not decode: %v", g.Kind, g.Rect, err)
			continue
		}
		got = append(got, text)
	}
	return got
}

// TestEncodeRoundTrip prints the receipt the kiosk's driver encodes and reads it back: the
// Polish text as text, the QR codes by decoding the simulator's picture of the paper.
func TestEncodeRoundTrip(t *testing.T) {
	native80 := printer.Profile80
	raster58 := printer.Profile58
	raster58.NativeQR = false
	raster80 := printer.Profile80
	raster80.NativeQR = false
	for _, p := range []printer.Profile{printer.Profile58, native80, raster58, raster80} {
		name := strings.NewReplacer(" ", "", "/", "", "ESCPOS", "").Replace(p.Name)
		if !p.NativeQR {
			name += "-raster"
		}
		t.Run(name, func(t *testing.T) {
			s := printOnPaper(t, submission(), p)
			text := s.Text()
			t.Logf("printed as:\n%s", text)
			for _, want := range []string{"Gmina Przykładowo", "Zażółć gęślą jaźń", "PRZ-7K4M-Q2", "Urząd Gminy Przykładowo", "--- cięcie ---"} {
				if !strings.Contains(text, want) {
					t.Errorf("Text() lacks %q", want)
				}
			}
			if s.Unknown() != 0 || s.Jobs() != 1 {
				t.Errorf("Unknown() = %d, Jobs() = %d; want 0, 1", s.Unknown(), s.Jobs())
			}
			codes := decodeAll(t, s)
			if len(codes) != 2 || codes[0] != trackURL || !strings.HasPrefix(codes[1], "9876543210|PL|25124012392000000000000101|001700|") {
				t.Errorf("QR codes on the paper decode to %q", codes)
			}
			if p.NativeQR {
				if q := s.QRData(); len(q) != 2 || q[0] != trackURL {
					t.Errorf("QRData() = %q", q)
				}
			} else if len(s.QRData()) != 0 {
				t.Errorf("raster profile printed native QR codes: %q", s.QRData())
			}
			savePNG(t, "printersim-"+name+".png", s.PNG())
		})
	}
}

// TestPrinterOverPty is the whole path the kiosk uses: printer.Printer over a serialport with
// XON/XOFF on a pseudo-terminal, the simulator on the other end at its default speed.
func TestPrinterOverPty(t *testing.T) {
	pair := ptytest.New(t)
	s := New(pair.Device, printer.Profile58.WidthDots)
	s.SetLog(t.Logf)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(runCtx) }()
	defer func() { stop(); <-done }()

	port, err := serialport.Open(serialport.Config{Name: pair.Name, Baud: 115200, XonXoff: true})
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	p := printer.Profile58
	p.NativeQR = false // the larger job: raster QR codes make the printer send XOFF
	pr := printer.New(port, p)
	pr.Baud = 115200

	if err := pr.Print(ctx, submission()); err != nil {
		t.Fatalf("Print: %v", err)
	}
	if err := s.WaitJobs(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	// A pseudo-terminal has no baud rate: the driver's 32-byte writes reach the printer
	// faster than it can see the XOFF, so some overrun is expected here (and kept, not lost).
	t.Logf("XOFF sent %d times, XON %d, overruns %d, unknown %d", s.XoffsSent(), s.XonsSent(), s.Overruns(), s.Unknown())
	if s.XoffsSent() == 0 || s.Unknown() != 0 {
		t.Errorf("XoffsSent %d (want > 0), Unknown %d (want 0)", s.XoffsSent(), s.Unknown())
	}
	if !strings.Contains(s.Text(), "Zażółć gęślą jaźń") {
		t.Errorf("Text() lacks the Polish line:\n%s", s.Text())
	}
	if codes := decodeAll(t, s); len(codes) != 2 || codes[0] != trackURL {
		t.Errorf("QR codes decode to %q", codes)
	}

	// The paper runs out in the middle of the next receipt: the driver notices.
	s.Reset()
	s.PaperOutAfter(600)
	err = pr.Print(ctx, submission())
	if !errors.Is(err, printer.ErrPaperOut) {
		t.Errorf("Print with the paper running out: %v, want ErrPaperOut", err)
	}
	if s.Jobs() != 0 {
		t.Errorf("a cut was printed after the paper ran out")
	}
	// No paper at all: nothing is sent.
	s.SetState(State{CoverOpen: true})
	if err := pr.Print(ctx, submission()); !errors.Is(err, printer.ErrCoverOpen) {
		t.Errorf("Print with the cover open: %v, want ErrCoverOpen", err)
	}
}
