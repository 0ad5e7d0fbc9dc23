package app

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"infomat/content"
	"infomat/kiosk"
	"infomat/kiosk/access"
	"infomat/kiosk/cardreader"
	"infomat/kiosk/health"
	"infomat/kiosk/serialport/ptytest"
	"infomat/outbox"
	"infomat/store"
)

const serviceCard = "0F00A1B2C3"

// withService gives the harness a real service access list (PIN 432198, one card) in a real
// store, on the harness's fake clock.
func withService(t *testing.T, h *harness) *access.Audit {
	t.Helper()
	dir := t.TempDir()
	st, _, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	guard, err := access.Open(st.Bolt(), h.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	audit, err := access.OpenAudit(st.Bolt(), h.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := guard.SetAudit(audit); err != nil {
		t.Fatal(err)
	}
	if err := guard.SetPIN("432198"); err != nil {
		t.Fatal(err)
	}
	if err := guard.AddCard(serviceCard); err != nil {
		t.Fatal(err)
	}
	ob, err := outbox.Open(st.Bolt())
	if err != nil {
		t.Fatal(err)
	}
	h.ui.d.ServiceMode = &kiosk.ServiceMode{Guard: guard, Audit: audit, Outbox: ob, DataDir: dir,
		Content: func() (string, kiosk.Source) { return "test", kiosk.FromEmbedded }}
	return audit
}

func (h *harness) typePIN(pin string) {
	h.t.Helper()
	e, ok := h.win.Canvas().Focused().(*widget.Entry)
	if !ok {
		h.t.Fatalf("PIN entry not focused: %s", h.screenSummary())
	}
	test.Type(e, pin)
	h.tap("Zatwierdź")
}

func TestServiceLoginLockoutAndScreen(t *testing.T) {
	h := newHarness(t)
	audit := withService(t, h)

	h.ui.CardPresented("DEADBEEF00") // a resident's card: nothing happens
	h.mustNotSee("Karta serwisowa rozpoznana")

	h.ui.CardPresented(serviceCard)
	h.mustSee("Karta serwisowa rozpoznana")
	h.typePIN("1111")
	h.mustSee("Błędny PIN. Zostały 4 próby.")
	for i := 0; i < 4; i++ {
		h.typePIN("1111")
	}
	h.mustSee("PIN zablokowany")
	h.typePIN("432198") // the right PIN, but locked
	h.mustSee("PIN zablokowany")
	h.mustNotSee("Kolejka do wysłania")

	h.clock.advance(5*time.Minute + time.Second)
	h.tap("Start")
	h.ui.CardPresented(serviceCard)
	h.typePIN("432198")
	for _, want := range []string{"Tryb serwisowy", "Drukarka", "nieskonfigurowana", "Czytnik kart", "Kolejka do wysłania", "0 wniosków",
		"Ostatnia synchronizacja", "portal nieskonfigurowany", "Wolne miejsce", "Wersja programu"} {
		h.mustSee(want)
	}
	h.screenshot("service")
	h.tap("Odśwież stan")

	entries, err := audit.Recent(0)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
		if strings.Contains(e.Detail, "432198") || strings.Contains(e.Detail, serviceCard) {
			t.Fatalf("audit entry leaks a secret: %+v", e)
		}
	}
	joined := strings.Join(actions, " ")
	for _, want := range []string{"service.refresh", "pin"} {
		if !strings.Contains(joined, want) {
			t.Errorf("audit lacks %q: %s", want, joined)
		}
	}
	// Leaving: Back closes service mode entirely (the PIN screen was replaced).
	h.tap("Wstecz")
	h.mustNotSee("Tryb serwisowy")
}

// A card reader on a real pty sends noise, a resident's card and then a service card: only
// the service card leads to the PIN screen.
func TestReaderNoiseNeverOpensServiceMode(t *testing.T) {
	h := newHarness(t)
	withService(t, h)
	pair := ptytest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cards := make(chan cardreader.Card, 8)
	d := kiosk.OpenDevices(ctx, kiosk.DeviceConfig{ReaderPort: pair.Name, ReaderBaud: 9600, ReaderKind: "rdm6300"},
		cards, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer d.Close()

	r := rand.New(rand.NewPCG(1, 2))
	if _, err := pair.Device.Write(cardreader.Noise(r, 4000)); err != nil {
		t.Fatal(err)
	}
	pair.Device.Write(cardreader.Frame(cardreader.KindRDM6300, "DEADBEEF00"))
	pair.Device.Write(cardreader.Noise(r, 500))
	pair.Device.Write(cardreader.Frame(cardreader.KindRDM6300, serviceCard))

	var got []string
	deadline := time.After(5 * time.Second)
	for len(got) < 2 {
		select {
		case c := <-cards:
			got = append(got, c.ID)
			h.ui.CardPresented(c.ID)
			if c.ID == "DEADBEEF00" {
				h.mustNotSee("Karta serwisowa rozpoznana")
			}
		case <-deadline:
			t.Fatalf("cards read: %v", got)
		}
	}
	if got[0] != "DEADBEEF00" || got[1] != serviceCard {
		t.Fatalf("noise turned into cards: %v", got)
	}
	h.mustSee("Karta serwisowa rozpoznana")
	if state, ok := d.ReaderState(); !ok || !strings.Contains(state, "odrzucone ramki") {
		t.Fatalf("reader state %q ok=%v: the dropped noise should show", state, ok)
	}
}

// fakeService lets any card and PIN in and reports st.
type fakeService struct{ st health.Status }

func (f *fakeService) Card(string) bool                     { return true }
func (f *fakeService) PIN(string) error                     { return nil }
func (f *fakeService) Record(string, string)                {}
func (f *fakeService) Status(context.Context) health.Status { return f.st }

// A PIN shorter than 6 digits (set before the rule) still logs in; the service screen says
// to replace it.
func TestServiceScreenAsksToReplaceShortPIN(t *testing.T) {
	h := newHarness(t)
	h.ui.d.ServiceMode = &fakeService{st: health.Status{ShortPIN: true}}
	h.ui.CardPresented(serviceCard)
	h.typePIN("1234")
	h.mustSee("Tryb serwisowy")
	h.mustSee("PIN serwisowy ma mniej niż 6 cyfr")
}

// "Reload content" loads in the background (content loading takes a while) and switches
// the UI's content on the UI goroutine when it is done.
func TestServiceReloadRunsInTheBackground(t *testing.T) {
	h := newHarness(t)
	h.ui.d.ServiceMode = &fakeService{}
	calls := 0
	h.ui.d.Reload = func() (*content.Bundle, error) { calls++; return bundle(t), nil }
	h.ui.inline = false
	results := make(chan func(), 4)
	h.ui.post = func(f func()) { results <- f }
	pump := func() {
		t.Helper()
		select {
		case f := <-results:
			f()
		case <-time.After(30 * time.Second):
			t.Fatal("no result from the background")
		}
	}
	h.ui.CardPresented(serviceCard)
	h.typePIN("123456")
	pump() // the PIN
	pump() // the status
	h.tap("Wczytaj treść ponownie")
	h.mustSee("Sprawdzam…")
	pump() // the reload
	h.mustSee("Treść wczytana (wersja " + bundle(t).Version + ")")
	if calls != 1 {
		t.Fatalf("Reload called %d times", calls)
	}
}

type clockStub struct{ problem string }

func (c clockStub) Now() time.Time  { return time.Now() }
func (c clockStub) Problem() string { return c.problem }

// The service screen shows a distrusted clock and the submissions salvaged from a corrupt
// store, with the count that could not be recovered.
func TestServiceScreenClockAndSalvage(t *testing.T) {
	h := newHarness(t)
	withService(t, h)
	svc := h.ui.d.ServiceMode.(*kiosk.ServiceMode)
	svc.Clock = clockStub{problem: "zegar urządzenia (1970-01-01 00:00) jest wcześniejszy niż czas zbudowania programu"}

	// A store with two queued submissions, set aside as corrupt, salvaged into this one.
	old := t.TempDir()
	st, _, err := store.Open(context.Background(), old)
	if err != nil {
		t.Fatal(err)
	}
	ob, err := outbox.Open(st.Bolt())
	if err != nil {
		t.Fatal(err)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := ob.Enqueue(context.Background(), outbox.Meta{Procedure: "p"}, "PR", []byte("x"), id.Recipient()); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	if _, err := svc.Outbox.Salvage(context.Background(), filepath.Join(old, store.FileName)); err != nil {
		t.Fatal(err)
	}

	h.ui.CardPresented(serviceCard)
	h.typePIN("432198")
	for _, want := range []string{"Zegar", "jest wcześniejszy niż czas zbudowania", "Wnioski z uszkodzonego magazynu",
		"odzyskane: 2, nie do odzyskania: 0"} {
		h.mustSee(want)
	}
}
