package app

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"infomat/kiosk"
	"infomat/kiosk/printersim"
	"infomat/kiosk/serialport/ptytest"
	"infomat/l10n"
	"infomat/receipt"
)

const trackURL = "https://wnioski.przykladowa.example.pl/sprawdz/PRZ-7K4M-Q2"

// printerOnPTY connects the kiosk's printer driver, through a real pseudo-terminal, to the
// printer simulator on the other end of the "cable".
func printerOnPTY(t *testing.T, qr string) (*kiosk.Devices, *printersim.Sim) {
	t.Helper()
	pair := ptytest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	sim := printersim.New(pair.Device, 576)
	go sim.Run(ctx)
	d := kiosk.OpenDevices(ctx, kiosk.DeviceConfig{PrinterPort: pair.Name, PrinterBaud: 9600, PrinterPaper: 80, PrinterQR: qr},
		nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(d.Close)
	return d, sim
}

func (h *harness) submitSampleForm() {
	h.t.Helper()
	h.openForm()
	h.fillHappyPath()
	h.tap("Wszystko się zgadza — dalej")
	h.tap("☐ Znam informację o ochronie danych i chcę wysłać wniosek")
	h.tap("Wyślij wniosek")
	h.mustSee("Twój numer zgłoszenia")
}

// decodeQRs reads every QR code the simulator drew on its paper.
func decodeQRs(t *testing.T, sim *printersim.Sim) []string {
	t.Helper()
	img := sim.PNG()
	var out []string
	for _, g := range sim.Graphics() {
		r := g.Rect.Inset(-16).Intersect(img.Bounds())
		sub := image.NewGray(r)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				sub.Set(x, y, img.At(x, y))
			}
		}
		bmp, err := gozxing.NewBinaryBitmapFromImage(sub)
		if err != nil {
			t.Fatal(err)
		}
		res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
		if err != nil {
			t.Fatalf("a printed QR code (%s) does not decode: %v", g.Kind, err)
		}
		out = append(out, res.GetText())
	}
	return out
}

func savePaper(t *testing.T, sim *printersim.Sim, name string) {
	dir := os.Getenv("INFOMAT_SCREENSHOTS")
	if dir == "" {
		return
	}
	os.MkdirAll(dir, 0o755)
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	png.Encode(f, sim.PNG())
}

// The resident prints the confirmation: the paper carries the Polish text, and the QR code on
// it, read back from the picture of the paper, is exactly the tracking link — both with the
// printer's own QR command and with the raster fallback.
func TestPrintReceiptOverPTY(t *testing.T) {
	for _, qr := range []string{"native", "raster"} {
		t.Run(qr, func(t *testing.T) {
			devices, sim := printerOnPTY(t, qr)
			h, _ := newFormHarness(t)
			h.ui.d.Printer = devices
			h.submitSampleForm()
			h.tap("Wydrukuj potwierdzenie")
			h.mustSee("Wydrukowano")
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := sim.WaitJobs(ctx, 1); err != nil {
				t.Fatalf("no cut reached the printer: %v", err)
			}
			text := sim.Text()
			for _, want := range []string{"Gmina Przykładowa", "PRZ-7K4M-Q2", "Zameldowanie na pobyt stały", "Przyjdź z dowodem osobistym"} {
				if !strings.Contains(text, want) {
					t.Errorf("paper lacks %q:\n%s", want, text)
				}
			}
			codes := decodeQRs(t, sim)
			if len(codes) != 1 || codes[0] != trackURL {
				t.Fatalf("QR codes on paper = %q, want [%s]", codes, trackURL)
			}
			savePaper(t, sim, "receipt-"+qr+".png")
		})
	}
}

// A Ukrainian resident's receipt: the printer's code page has no Cyrillic, so the Ukrainian
// words come out romanised, never as "?".
func TestPrintUkrainianReceiptOverPTY(t *testing.T) {
	devices, sim := printerOnPTY(t, "native")
	h, _ := newFormHarness(t)
	h.ui.d.Printer = devices
	h.submitSampleForm()
	h.loc.SetLang(l10n.UK) // the confirmation and its receipt follow the language
	h.tap(h.loc.T("confirm.print"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sim.WaitJobs(ctx, 1); err != nil {
		t.Fatalf("no cut reached the printer: %v", err)
	}
	text := sim.Text()
	// "Номер звернення" and "Що далі" in the national romanisation.
	for _, want := range []string{"Nomer zvernennia", "Shcho dali", "PRZ-7K4M-Q2", "Gmina Przykładowa"} {
		if !strings.Contains(text, want) {
			t.Errorf("paper lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "?") {
		t.Errorf("paper has a \"?\" where a character did not print:\n%s", text)
	}
	savePaper(t, sim, "receipt-uk.png")
}

// Paper runs out in the middle of the receipt: the resident is told, the reference stays on
// screen, and after the roll is changed "Wydrukuj ponownie" prints the whole receipt.
func TestPaperOutMidReceiptAndReprint(t *testing.T) {
	devices, sim := printerOnPTY(t, "native")
	h, sub := newFormHarness(t)
	h.ui.d.Printer = devices
	h.submitSampleForm()
	sim.PaperOutAfter(150)
	h.tap("Wydrukuj potwierdzenie")
	h.mustSee("skończył się papier")
	h.mustSee("Twój numer zgłoszenia to PRZ-7K4M-Q2")
	if len(sub.got) != 1 {
		t.Fatalf("printing touched the submission: %d", len(sub.got))
	}
	sim.SetState(printersim.State{})
	sim.Reset()
	h.tap("Wydrukuj ponownie")
	h.mustSee("Wydrukowano")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sim.WaitJobs(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sim.Text(), "PRZ-7K4M-Q2") {
		t.Fatalf("reprint lacks the reference:\n%s", sim.Text())
	}
}

// A slow printer fills its buffer and says XOFF; the writer waits for XON and the receipt
// arrives whole. (That nothing is written while paused is proven byte by byte in
// serialport's own tests; over a pty the kernel's buffer hides it from the simulator.)
func TestXoffHonouredOverPTY(t *testing.T) {
	devices, sim := printerOnPTY(t, "raster") // raster QR: a few kilobytes, more than the buffer
	sim.SetDrainRate(960)                     // a 9600-baud printer: XOFF lasts long enough to matter for status queries
	h, _ := newFormHarness(t)
	h.ui.d.Printer = devices
	h.submitSampleForm()
	h.tap("Wydrukuj potwierdzenie")
	h.mustSee("Wydrukowano")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := sim.WaitJobs(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if sim.XoffsSent() == 0 {
		t.Fatal("the simulator never had to send XOFF; the test proves nothing")
	}
	if devices.PrinterXoffs() == 0 {
		t.Fatal("the kiosk's port never saw the XOFF")
	}
	if codes := decodeQRs(t, sim); len(codes) != 1 || codes[0] != trackURL {
		t.Fatalf("QR after flow control = %q", codes)
	}
}

// "Wydrukuj informację" prints the procedure sheet.
func TestPrintProcedureSheet(t *testing.T) {
	devices, sim := printerOnPTY(t, "native")
	h := newHarness(t)
	h.ui.d.Printer = devices
	h.ui.push(route{kind: procedureScreen, id: "zaswiadczenie-o-niezaleganiu"})
	h.tap("Wydrukuj informację")
	h.mustSee("Tak będzie wyglądał wydruk")
	h.screenshot("print-preview")
	if sim.Jobs() != 0 {
		t.Fatal("printed before the resident confirmed the preview")
	}
	h.tap("Drukuj")
	h.mustSee("Wydrukowano")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sim.WaitJobs(ctx, 1); err != nil {
		t.Fatal(err)
	}
	codes := decodeQRs(t, sim)
	if len(codes) < 2 || !strings.Contains(strings.Join(codes, " "), "|PL|") {
		t.Fatalf("sheet QR codes %q: want the payment code and the link to the card", codes)
	}
	savePaper(t, sim, "procedure-sheet.png")
}

// longJob is a receipt that takes minutes at a slow printer's pace.
func longJob() receipt.Doc {
	var d receipt.Doc
	for i := range 400 {
		d.Items = append(d.Items, receipt.Text{Text: fmt.Sprintf("Wiersz %03d: długi wydruk, drukarka bierze mało danych naraz", i)})
	}
	return d
}

// A slow printer (it holds XOFF while its buffer drains) is busy with a long job, which holds
// the printer lock, when a technician logs in. The PIN check and the status queries run off
// the UI goroutine: each tap returns at once with "Sprawdzam…" on screen (the UI goroutine
// stays free for the watchdog and the touches), and the figures arrive once the status
// query has stopped waiting for the printer: "zajęta drukowaniem", not after the job.
// The test pumps the background results itself, as the main loop would.
func TestServiceScreenWhilePrinterBusy(t *testing.T) {
	devices, sim := printerOnPTY(t, "native")
	sim.SetDrainRate(100)
	h := newHarness(t)
	withService(t, h)
	h.ui.d.ServiceMode.(*kiosk.ServiceMode).Devices = devices
	h.ui.d.Printer = devices
	h.ui.inline = false
	results := make(chan func(), 8)
	h.ui.post = func(f func()) { results <- f }
	pump := func(what string) {
		t.Helper()
		select {
		case f := <-results:
			f()
		case <-time.After(60 * time.Second):
			t.Fatalf("%s: no result from the background", what)
		}
	}

	printCtx, stop := context.WithCancel(context.Background())
	printed := make(chan error, 1)
	go func() { printed <- devices.Print(printCtx, longJob()) }()
	t.Cleanup(func() { stop(); <-printed })
	waitCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for sim.XoffsSent() == 0 { // the job is under way and the printer holds it back
		if waitCtx.Err() != nil {
			t.Fatal("the simulator never sent XOFF: the job is not holding the printer")
		}
		time.Sleep(10 * time.Millisecond)
	}

	h.ui.CardPresented(serviceCard)
	start := time.Now()
	h.typePIN("432198")
	t.Logf("PIN tap returned after %v", time.Since(start))
	h.mustSee("Sprawdzam…") // the PIN is being checked; nothing waited
	pump("PIN check")
	h.mustSee("Tryb serwisowy")
	h.mustSee("Sprawdzam…") // the figures are being gathered
	h.tap("Odśwież stan")   // the screen answers touches meanwhile
	h.mustSee("Sprawdzam…")
	pump("first status (superseded by the refresh)")
	pump("status")
	h.mustNotSee("Sprawdzam…")
	h.mustSee("zajęta drukowaniem")
	select {
	case err := <-printed:
		t.Fatalf("the job ended (%v) before the status was shown: it did not hold the printer", err)
	default:
	}
}
