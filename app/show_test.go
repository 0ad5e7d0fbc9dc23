package app

import (
	"bytes"
	"image/png"
	"testing"
)

// TestShowIsWhatTapsShow: a screen Show goes to looks exactly like the one a resident taps
// through to, in the language they chose, so the portal's preview shows the kiosk's screen.
func TestShowIsWhatTapsShow(t *testing.T) {
	const card = "zameldowanie-pobyt-staly"
	tapped := newHarness(t)
	tapped.tap("English")
	tapped.tap("Office matters")
	tapped.tap("Address registration")
	tapped.tap("Permanent address registration (zameldowanie na pobyt stały)")

	shown := newHarness(t)
	shown.loc.SetLang("en")
	if !shown.ui.Show("card", card, 0) {
		t.Fatalf("Show card %s: false", card)
	}
	if !bytes.Equal(capturePNG(t, tapped), capturePNG(t, shown)) {
		t.Errorf("the card Show draws differs from the one tapped to; shown: %s", shown.screenSummary())
	}
	if shown.ui.Show("card", "nie-ma", 0) || shown.ui.Show("form", card, 99) || shown.ui.Show("nothing", "", 0) {
		t.Error("Show went to a screen the content has not got")
	}
	shown.mustSee("Permanent address registration")
}

func capturePNG(t *testing.T, h *harness) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, h.win.Canvas().Capture()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
