package app

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"infomat/assets"
	"infomat/content"
	"infomat/kiosk"
	"infomat/kiosk/idle"
	"infomat/l10n"
	"infomat/outbox"
	"infomat/store"
)

// newOutOfService builds a UI with no content, as a provisioned kiosk without content of its
// own starts.
func newOutOfService(t *testing.T, office *Office) *harness {
	t.Helper()
	test.NewTempApp(t)
	loc, err := l10n.New(assets.Translations())
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: fakeEpoch}
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1080, 1920))
	ui := New(w, Deps{Loc: loc, Office: office, Idle: idle.New(90*time.Second, clock.Now),
		Now: clock.Now, Uptime: clock.Uptime})
	ui.inline = true
	return &harness{t: t, ui: ui, win: w, clock: clock, loc: loc}
}

// Without content the kiosk says it is out of service, in the resident's language, with the
// office to go to; a service card still reaches the service screen, which reports it; content
// installed by sync replaces the screen at once.
func TestOutOfServiceScreen(t *testing.T) {
	office := &Office{Name: "Gmina Testowa", Street: "ul. Rynek 1", PostalCode: "00-001", City: "Testowo",
		Phone: "12 345 67 89", Hours: []content.Hours{{Days: "poniedziałek–piątek", Open: "08:00", Close: "16:00"}}}
	h := newOutOfService(t, office)
	h.mustSee("Kiosk chwilowo nieczynny")
	h.mustSee("Zapytaj w urzędzie")
	h.mustSee("Gmina Testowa")
	h.mustSee("ul. Rynek 1, 00-001 Testowo")
	h.mustSee("poniedziałek–piątek: 08:00–16:00")
	h.mustNotSee("Sprawy urzędowe")
	h.tap("English")
	h.mustSee("Kiosk temporarily out of service")
	h.tap("Українська")
	h.mustSee("Кіоск тимчасово не працює")
	h.tap("Polski")

	withService(t, h)
	svc := h.ui.d.ServiceMode.(*kiosk.ServiceMode)
	svc.Content = func() (string, kiosk.Source) { return "", "" }
	svc.OutOfService = func() bool { return true }
	h.ui.CardPresented(serviceCard)
	h.typePIN("432198")
	h.mustSee("brak ważnej treści gminy")
	h.tap("Wstecz")
	h.mustSee("Kiosk chwilowo nieczynny")

	crest := fyne.NewStaticResource("herb.png", []byte("png"))
	h.ui.d.CrestOf = func(*content.Bundle) fyne.Resource { return crest }
	h.ui.ContentUpdated(bundle(t))
	h.mustSee("Sprawy urzędowe")
	if h.ui.d.Crest != crest {
		t.Error("the new content's coat of arms is not shown")
	}
	h.mustNotSee("Kiosk chwilowo nieczynny")
}

// Unknown office: the apology alone, no empty address.
func TestOutOfServiceWithoutOffice(t *testing.T) {
	h := newOutOfService(t, nil)
	h.mustSee("Kiosk chwilowo nieczynny")
	h.mustSee("Zapytaj w urzędzie")
}

// On content whose key is the published sample key, the card offers no form outside demo
// mode and says why in the resident's language; in demo mode the form is there.
func TestFormRefusedOnSampleKey(t *testing.T) {
	st, _, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ob, err := outbox.Open(st.Bolt())
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t)
	sub := &kiosk.Submitter{Outbox: ob, Content: h.ui.d.Content}
	h.ui.d.Submit = sub
	h.ui.push(route{kind: procedureScreen, id: "zameldowanie-pobyt-staly"})
	h.mustSee("Na tym urządzeniu nie można jeszcze składać wniosków")
	h.mustNotSee("Złóż wniosek tutaj")
	p, _ := h.ui.d.Content.Procedure("zameldowanie-pobyt-staly")
	h.ui.startForm(p) // no way round it
	if h.ui.current().kind == formScreen {
		t.Fatal("the wizard opened on the sample key")
	}
	h.loc.SetLang(l10n.EN)
	h.mustSee("Submissions are not available on this device yet")

	h.loc.SetLang(l10n.PL)
	sub.Demo = true
	h.ui.render()
	h.mustSee("Złóż wniosek tutaj")
	h.mustNotSee("Na tym urządzeniu nie można jeszcze składać wniosków")
}
