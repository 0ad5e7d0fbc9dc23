package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"infomat/kiosk/printersim"
)

// "Drukuj" prints the payment slip through the kiosk's real ESC/POS driver to the printer
// simulator on a pseudo-terminal; the QR code read back from the picture of the paper is the
// ZBP payment code of the item, field by field — with the printer's own QR command and with
// the raster fallback.
func TestDuesSlipPrintedQR(t *testing.T) {
	for _, qr := range []string{"native", "raster"} {
		t.Run(qr, func(t *testing.T) {
			devices, sim := printerOnPTY(t, qr)
			h, _ := newDuesHarness(t)
			h.ui.d.Printer = devices
			h.duesByCode(fixtureCode, fixturePESEL4)
			h.tapNth("Zapłać", 1) // the overdue property tax instalment: 312,00 zł
			h.tap("Drukuj")
			h.mustSee("Wydrukowano")
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := sim.WaitJobs(ctx, 1); err != nil {
				t.Fatalf("no cut reached the printer: %v", err)
			}
			codes := decodeQRs(t, sim)
			if len(codes) != 1 {
				t.Fatalf("%d QR codes on paper", len(codes))
			}
			checkZBP(t, codes[0], "8567346215", accountTax, "031200", "Gmina Przykładowa", "FN.3120.15.2026 rata 4/2026")
			text := sim.Text() // the printer's code page has no "—": it prints as "-"
			for _, want := range []string{"Gmina Przykładowa", "Podatki i opłaty lokalne", "Stan na: 20.11.2026", "Podatnik: " + fixtureName,
				"Podatek od nieruchomości - 2026, rata 4", "Do zapłaty: 312,00 zł", "Termin płatności: 15.11.2026", "PO TERMINIE",
				"61 1090 1014 0000 0712 1981 2874", "Tytuł przelewu: FN.3120.15.2026 rata 4/2026",
				"Kiosk nie nalicza odsetek za zwłokę"} {
				if !strings.Contains(strings.Join(strings.Fields(text), " "), want) {
					t.Errorf("paper lacks %q:\n%s", want, text)
				}
			}
			savePaper(t, sim, "dues-slip-"+qr+".png")
		})
	}
}

// Out of paper: the resident is told plainly, and the transfer data stays on the screen.
func TestDuesSlipPaperOut(t *testing.T) {
	devices, sim := printerOnPTY(t, "native")
	sim.SetState(printersim.State{PaperOut: true})
	h, _ := newDuesHarness(t)
	h.ui.d.Printer = devices
	h.duesByCode(fixtureCode, fixturePESEL4)
	h.tapNth("Zapłać", 1)
	h.tap("Drukuj")
	h.mustSee("Nie udało się wydrukować: w drukarce skończył się papier.")
	h.mustSee("Dane do przelewu")
	h.mustSee("61 1090 1014 0000 0712 1981 2874")
}
