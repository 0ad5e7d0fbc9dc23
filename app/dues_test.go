package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"infomat/dues"
	"infomat/receipt"
)

// The fixture resident: card 0A1B2C3D4E with PIN 2468, or code AB12CD34 with PESEL digits
// 7319. Two instalments left to pay (one overdue on the harness's 23 November 2026), one paid.
const (
	fixtureCard   = "0A1B2C3D4E"
	fixturePIN    = "2468"
	fixtureCode   = "AB12CD34"
	fixturePESEL4 = "7319"
	fixtureName   = "J*** K*******"
	accountTax    = "61109010140000071219812874"
	accountWaste  = "31109010140000071234567890"
)

func fixtureStatement() dues.Statement {
	return dues.Statement{
		Name: fixtureName, AsOf: time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC),
		Recipient: "Gmina Przykładowa", NIP: "8567346215",
		Items: []dues.Item{
			{Item: "Podatek od nieruchomości", Year: 2026, Instalment: 3, Due: 31200, Paid: 31200,
				DueDate: "2026-09-15", Account: accountTax, Decision: "FN.3120.15.2026"},
			{Item: "Podatek od nieruchomości", Year: 2026, Instalment: 4, Due: 31200, Paid: 0,
				DueDate: "2026-11-15", Account: accountTax, Decision: "FN.3120.15.2026"},
			{Item: "Opłata za gospodarowanie odpadami komunalnymi", Year: 2026, Instalment: 6, Due: 9600, Paid: 2000,
				DueDate: "2026-12-15", Account: accountWaste, Decision: "GO.6341.208.2026"},
		},
	}
}

// fakeDues is the portal as the UI sees it: it knows the fixture resident, counts refusals
// and can be told to fail.
type fakeDues struct {
	got  []dues.Request
	left int   // tries before the lockout
	fail error // when set, every lookup fails so
}

func (f *fakeDues) Lookup(_ context.Context, r dues.Request) (dues.Statement, error) {
	f.got = append(f.got, r)
	if f.fail != nil {
		return dues.Statement{}, f.fail
	}
	if r.Card == fixtureCard && r.PIN == fixturePIN || r.Code == fixtureCode && r.PESEL4 == fixturePESEL4 {
		return fixtureStatement(), nil
	}
	f.left--
	if f.left <= 0 {
		return dues.Statement{}, &dues.LockedError{Until: fakeEpoch.Add(30*time.Minute + 4*time.Second)}
	}
	return dues.Statement{}, &dues.RefusedError{Remaining: f.left}
}

func newDuesHarness(t *testing.T) (*harness, *fakeDues) {
	t.Helper()
	h := newHarness(t)
	f := &fakeDues{left: 3}
	h.ui.d.Dues = f
	h.ui.render()
	return h, f
}

// typeFocused types into the focused field, as a physical keyboard would.
func (h *harness) typeFocused(s string) {
	h.t.Helper()
	e := h.focusedEntry()
	test.Type(e, s)
}

// byCard goes from home to the PIN screen with the card on the reader.
func (h *harness) duesByCard(card string) {
	h.t.Helper()
	h.tap("Podatki i opłaty lokalne")
	h.mustSee("Ta usługa potrzebuje połączenia z urzędem przez internet.")
	h.screenshot("dues-1-choose")
	h.tap("Karta Mieszkańca i PIN")
	h.mustSee("Przyłóż Kartę Mieszkańca do czytnika")
	h.screenshot("dues-2-card")
	h.ui.CardPresented(card)
	h.mustSee("Karta odczytana. Wpisz PIN do usługi, ustalony w urzędzie.")
}

func (h *harness) duesByCode(code, pesel4 string) {
	h.t.Helper()
	h.tap("Podatki i opłaty lokalne")
	h.tap("Kod z decyzji podatkowej i PESEL")
	h.mustSee("Kod dostępu z decyzji podatkowej")
	h.typeFocused(code)
	h.tap("Dalej")
	h.mustSee("Wpisz cztery ostatnie cyfry swojego numeru PESEL.")
	h.tapKeys(pesel4)
	h.tap("Sprawdź")
}

// mustSeeFixture checks the results screen a resident gets for the fixture.
func (h *harness) mustSeeFixture() {
	h.t.Helper()
	for _, want := range []string{
		fixtureName, "Stan na 20.11.2026",
		"Podatek od nieruchomości — 2026, rata 3", "Zapłacone",
		"Podatek od nieruchomości — 2026, rata 4",
		"Należność: 312,00 zł · wpłacono: 0,00 zł · do zapłaty: 312,00 zł", "Termin płatności: 15.11.2026", "Po terminie",
		"Opłata za gospodarowanie odpadami komunalnymi — 2026, rata 6",
		"Należność: 96,00 zł · wpłacono: 20,00 zł · do zapłaty: 76,00 zł", "Termin płatności: 15.12.2026",
		"Razem do zapłaty: 388,00 zł",
		"Kiosk nie nalicza odsetek za zwłokę; zapytaj w urzędzie o ich wysokość.",
	} {
		h.mustSee(want)
	}
	// One "Po terminie": the December instalment is not overdue, the paid one neither.
	n, pay := 0, 0
	for _, f := range h.texts() {
		switch f.text {
		case "⚠ Po terminie":
			n++
		case "Zapłać":
			pay++
		}
	}
	if n != 1 || pay != 2 {
		h.t.Errorf("%d overdue marks and %d Zapłać, want 1 and 2", n, pay)
	}
}

func TestDuesByCardAndPIN(t *testing.T) {
	h, f := newDuesHarness(t)
	h.duesByCard(fixtureCard)
	// A PIN too short never reaches the portal.
	h.tapKeys("12")
	h.tap("Sprawdź")
	h.mustSee("PIN to od 4 do 12 cyfr.")
	if len(f.got) != 0 {
		t.Fatal("a malformed PIN was sent")
	}
	h.tapKeys("99")
	h.tap("Sprawdź")
	h.mustSee("Dane się nie zgadzają. Pozostałe próby: 2.")
	h.screenshot("dues-3-pin-refused")
	if h.focusedText() != "" {
		t.Error("the refused PIN is still in the field")
	}
	h.tapKeys(fixturePIN)
	h.tap("Sprawdź")
	h.mustSeeFixture()
	if len(f.got) != 2 || f.got[1] != (dues.Request{Card: fixtureCard, PIN: fixturePIN}) {
		t.Fatalf("the portal was asked %+v", f.got)
	}
	if s := h.ui.dues; s.card != "" || s.pin != "" {
		t.Error("the card or PIN stayed in memory after the lookup")
	}
	// Back leads to the choice, not to the PIN that was sent.
	h.tap("Wstecz")
	h.mustSee("Karta Mieszkańca i PIN")
	h.mustNotSee(fixtureName)
}

func TestDuesByCodeAndPESEL(t *testing.T) {
	h, f := newDuesHarness(t)
	h.tap("Podatki i opłaty lokalne")
	h.tap("Kod z decyzji podatkowej i PESEL")
	h.typeFocused("AB_1")
	h.tap("Dalej")
	h.mustSee("Kod składa się z liter i cyfr (od 4 do 32 znaków). Przepisz go z decyzji.")
	h.screenshot("dues-4-code-invalid")
	h.focusedEntry().SetText("")
	h.typeFocused("ab12-cd34") // small letters and a dash, as a resident might
	h.tap("Dalej")
	h.tapKeys("731")
	h.tap("Sprawdź")
	h.mustSee("Wpisz dokładnie cztery cyfry.")
	h.tapKeys("9")
	h.tap("Sprawdź")
	h.mustSeeFixture()
	if len(f.got) != 1 || f.got[0] != (dues.Request{Code: fixtureCode, PESEL4: fixturePESEL4}) {
		t.Fatalf("the portal was asked %+v", f.got)
	}
	h.screenshot("dues-5-results")
}

// In English and Ukrainian the screens speak the resident's language.
func TestDuesInOtherLanguages(t *testing.T) {
	h, _ := newDuesHarness(t)
	h.tap("English")
	h.tap("Local taxes and fees")
	h.tap("Code from the tax decision and PESEL")
	h.typeFocused("x")
	h.tap("Continue")
	h.mustSee("The code is made of letters and digits")
	h.tap("УКР")
	h.mustSee("Код складається з латинських літер і цифр")
}

// The resident's card is taken only on the card screen; a service card keeps opening the
// service PIN there as everywhere.
func TestDuesCardScreenAndServiceCards(t *testing.T) {
	h, _ := newDuesHarness(t)
	withService(t, h)
	h.ui.CardPresented(fixtureCard) // on home: nothing
	h.mustNotSee("Karta odczytana")
	h.tap("Podatki i opłaty lokalne")
	h.ui.CardPresented(fixtureCard) // on the choice: nothing
	h.mustNotSee("Karta odczytana")
	h.tap("Karta Mieszkańca i PIN")
	h.ui.CardPresented(serviceCard)
	h.mustSee("Karta serwisowa rozpoznana. Wpisz PIN.")
	if s := h.ui.dues; s != nil && s.card != "" {
		t.Error("the service card was taken as a resident's card")
	}
	h.tap("Wstecz")
	h.mustSee("Przyłóż Kartę Mieszkańca do czytnika")
	h.ui.CardPresented(fixtureCard)
	h.mustSee("Karta odczytana")
}

func TestDuesRefusalsAndProblems(t *testing.T) {
	t.Run("locked", func(t *testing.T) {
		h, f := newDuesHarness(t)
		f.left = 2
		h.duesByCard(fixtureCard)
		h.tapKeys("1111")
		h.tap("Sprawdź")
		h.mustSee("Dane się nie zgadzają. Pozostałe próby: 1.")
		h.tapKeys("1112")
		h.tap("Sprawdź")
		h.mustSee("Zbyt wiele nieudanych prób. Spróbuj ponownie po 10:31 albo zapytaj w urzędzie.")
		h.screenshot("dues-6-locked")
		h.mustSee("Godziny pracy urzędu:")
		h.mustSee("Dziś: 8:00–17:00, otwarte do 17:00")
		h.tap("Spróbuj jeszcze raz")
		h.mustSee("Karta Mieszkańca i PIN")
	})
	t.Run("locked without a time", func(t *testing.T) {
		h, f := newDuesHarness(t)
		f.fail = &dues.LockedError{}
		h.duesByCode(fixtureCode, fixturePESEL4)
		h.mustSee("Zbyt wiele nieudanych prób. Spróbuj ponownie później albo zapytaj w urzędzie.")
	})
	t.Run("unavailable", func(t *testing.T) {
		h, f := newDuesHarness(t)
		f.fail = dues.ErrUnavailable
		h.duesByCode(fixtureCode, fixturePESEL4)
		h.mustSee("Gmina Przykładowa nie udostępnia sprawdzania podatków i opłat w kiosku.")
		h.mustSee("Kwoty i numer rachunku znajdziesz na decyzji podatkowej.")
	})
	t.Run("offline", func(t *testing.T) {
		h, f := newDuesHarness(t)
		f.fail = fmt.Errorf("%w: dial tcp: connection refused", dues.ErrOffline)
		h.duesByCard(fixtureCard)
		h.tapKeys(fixturePIN)
		h.tap("Sprawdź")
		h.mustSee("Sprawdzenie należności wymaga połączenia z urzędem, a kiosk nie ma go teraz.")
		h.mustSee("Możesz zapłacić przelewem według danych z decyzji podatkowej")
		h.screenshot("dues-7-offline")
		h.mustSee("Dziś: 8:00–17:00, otwarte do 17:00")
		h.mustNotSee("connection refused")
		if s := h.ui.dues; s.card != "" || s.pin != "" {
			t.Error("the card or PIN stayed after a failed lookup")
		}
	})
	t.Run("any other error reads as offline", func(t *testing.T) {
		h, f := newDuesHarness(t)
		f.fail = errors.New("boom")
		h.duesByCode(fixtureCode, fixturePESEL4)
		h.mustSee("Sprawdzenie należności wymaga połączenia z urzędem")
	})
}

// "Sprawdzam…" shows while the portal is asked, and an answer landing after the resident
// left (or the session was reset) is never shown to anyone.
func TestDuesWaitingAndLateAnswer(t *testing.T) {
	h, _ := newDuesHarness(t)
	// The lookup's goroutine hands its result over here instead of to the UI goroutine.
	later := make(chan func(), 1)
	h.ui.inline = false
	h.ui.post = func(f func()) { later <- f }
	h.duesByCard(fixtureCard)
	h.tapKeys(fixturePIN)
	h.tap("Sprawdź")
	h.mustSee("Sprawdzam…")
	h.mustSee("Pytam urząd o Twoje należności.")
	var done func()
	select {
	case done = <-later:
	case <-time.After(5 * time.Second):
		t.Fatal("the lookup never finished")
	}
	h.ui.Reset()
	done()
	h.mustNotSee(fixtureName)
	if h.ui.dues != nil || len(h.ui.stack) != 1 {
		t.Fatalf("a late answer reached the screen: %+v", h.ui.stack)
	}
}

// Home and the idle reset forget everything, and the next resident sees nothing of the last.
func TestDuesForgottenOnHomeAndReset(t *testing.T) {
	for _, leave := range []string{"home", "reset", "idle"} {
		t.Run(leave, func(t *testing.T) {
			h, f := newDuesHarness(t)
			h.duesByCode(fixtureCode, fixturePESEL4)
			h.mustSeeFixture()
			h.tapNth("Zapłać", 1)
			h.mustSee("Dane do przelewu")
			session := h.ui.dues
			switch leave {
			case "home":
				h.tap("Start")
			case "reset":
				h.ui.Reset()
			case "idle":
				h.clock.advance(2 * time.Minute)
				h.ui.Tick()
			}
			h.mustSee("Sprawy urzędowe")
			if h.ui.dues != nil || *session != (duesSession{}) {
				t.Fatalf("the dues stayed in memory: %+v", session)
			}
			// The next resident: every dues screen is empty of the first one's data.
			h.tap("Podatki i opłaty lokalne")
			h.tap("Kod z decyzji podatkowej i PESEL")
			if h.focusedText() != "" {
				t.Fatal("the code field kept the last resident's code")
			}
			for _, r := range []route{{kind: duesResultScreen}, {kind: duesPayScreen, id: "1"}, {kind: duesPINScreen}, {kind: duesPESELScreen}, {kind: duesProblemScreen}} {
				h.ui.push(r)
				for _, gone := range []string{fixtureName, "312,00", "388,00", "6110 9010", fixtureCode, "Podatek od nieruchomości"} {
					h.mustNotSee(gone)
				}
				h.ui.pop()
			}
			if len(f.got) != 1 {
				t.Fatalf("%d lookups", len(f.got))
			}
		})
	}
}

// "Zapłać" shows the ZBP payment code for the item — individual account, exact amount left,
// a title the tax office books by — and the same data as text.
func TestDuesPayScreenQR(t *testing.T) {
	h, _ := newDuesHarness(t)
	h.duesByCard(fixtureCard)
	h.tapKeys(fixturePIN)
	h.tap("Sprawdź")
	h.tapNth("Zapłać", 2) // the waste fee: 76,00 zł left of 96,00
	h.mustSee("Opłata za gospodarowanie odpadami komunalnymi — 2026, rata 6")
	codes := h.qrCodes()
	if len(codes) != 1 {
		t.Fatalf("%d QR codes on screen", len(codes))
	}
	checkZBP(t, codes[0], "8567346215", accountWaste, "007600", "Gmina Przykładowa", "GO.6341.208.2026 rata 6/2026")
	for _, want := range []string{"Dane do przelewu", "Gmina Przykładowa", "31 1090 1014 0000 0712 3456 7890", "76,00 zł",
		"GO.6341.208.2026 rata 6/2026", "Kiosk nie nalicza odsetek za zwłokę"} {
		h.mustSee(want)
	}
	h.mustNotSee("Drukuj") // no printer configured
	h.screenshot("dues-8-pay")
}

// checkZBP checks a decoded payment code field by field.
func checkZBP(t *testing.T, code, nip, nrb, amount, recipient, title string) {
	t.Helper()
	f := strings.Split(code, "|")
	if len(f) != 9 {
		t.Fatalf("payment code %q has %d fields, want 9", code, len(f))
	}
	want := []string{nip, "PL", nrb, amount, recipient, title, "", "", ""}
	names := []string{"NIP", "country", "NRB", "amount", "recipient", "title", "reserved 1", "reserved 2", "reserved 3"}
	for i := range want {
		if f[i] != want[i] {
			t.Errorf("%s = %q, want %q", names[i], f[i], want[i])
		}
	}
	if len(code) > receipt.MaxPaymentQRLen {
		t.Errorf("payment code %d bytes long", len(code))
	}
}

// Eyes-free: the keypad reaches every step in reading order, the PESEL digits are heard as
// tones only, and each "Zapłać" says which item it pays.
func TestDuesBySpeech(t *testing.T) {
	h, rec, _ := newSpeechHarness(t)
	h.ui.d.Dues = &fakeDues{left: 3}
	h.ui.render()
	h.press(fyne.KeyF1)
	h.downTo(rec, "Podatki i opłaty lokalne, przycisk")
	h.press(fyne.KeyReturn)
	h.downTo(rec, "Wpiszesz kod dostępu") // the explanation follows its button
	h.downTo(rec, "Ta usługa potrzebuje połączenia z urzędem przez internet.")
	h.press(fyne.KeyUp)
	h.press(fyne.KeyUp)
	h.downTo(rec, "Kod z decyzji podatkowej i PESEL, przycisk")
	h.press(fyne.KeyReturn)
	for _, r := range fixtureCode {
		h.win.Canvas().OnTypedRune()(r)
	}
	h.downTo(rec, "Dalej, przycisk")
	h.press(fyne.KeyReturn)
	h.downTo(rec, "Pole czterech ostatnich cyfr PESEL")
	said := len(rec.said)
	for _, d := range fixturePESEL4 {
		h.downToExactly(rec, string(d))
		h.press(fyne.KeyReturn)
	}
	for _, u := range rec.said[said:] {
		if strings.Contains(u.text, fixturePESEL4[:2]) {
			t.Errorf("said %q", u.text)
		}
	}
	h.downTo(rec, "Sprawdź, przycisk")
	h.press(fyne.KeyReturn)
	h.mustSeeFixture()
	h.downTo(rec, "Zapłać: Podatek od nieruchomości — 2026, rata 4, przycisk")
	h.press(fyne.KeyReturn)
	h.mustSee("Dane do przelewu")
	h.downTo(rec, "Kiosk nie nalicza odsetek")
	for _, u := range rec.said {
		if strings.Contains(u.text, fixtureCode) {
			t.Errorf("the access code was said aloud in the lobby: %q", u.text)
		}
	}
}
