package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"infomat/kiosk"
	"infomat/kiosk/access"
	"infomat/kiosk/cardreader"
	"infomat/kiosk/serialport/ptytest"
	"infomat/store"
)

// A service card registered by swiping it on a simulated reader: the ID is never typed or
// printed whole, and the kiosk then allows exactly that card. A typed ID is checked against
// the configured reader's format.
func TestServiceAddCardSwipe(t *testing.T) {
	reader := ptytest.New(t)
	dir := deviceDir(t, map[string]string{kiosk.SettingReaderPort: reader.Name, kiosk.SettingReaderKind: "rdm6300"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go holdCard(ctx, reader.Device, cardreader.Frame(cardreader.KindRDM6300, "0F00A1B2C3"), 200*time.Millisecond)
	var out, errOut bytes.Buffer
	if code := serviceCmd([]string{"--data", dir, "add-card", "--swipe"}, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("add-card --swipe: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	cancel()
	if !strings.Contains(out.String(), "Karta dodana (rdm6300:******B2C3") || strings.Contains(out.String()+errOut.String(), "0F00A1B2C3") ||
		!strings.Contains(errOut.String(), "Przeciągnij kartę serwisową") {
		t.Fatalf("output (the ID must be masked):\n%s%s", out.String(), errOut.String())
	}
	if !cardAllowed(t, dir, "0F00A1B2C3") || cardAllowed(t, dir, "0F00A1B2C4") {
		t.Fatal("the swiped card is not (the only one) allowed")
	}

	for id, want := range map[string]string{"12345": "nie pasuje do czytnika rdm6300", "0F00A1B2CZ": "0–9 i A–F"} {
		errOut.Reset()
		if code := serviceCmd([]string{"--data", dir, "add-card", id}, nil, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), want) {
			t.Errorf("add-card %s: exit %d %s", id, code, errOut.String())
		}
	}
	if code := serviceCmd([]string{"--data", dir, "add-card", "0f00a1b2c4"}, nil, &out, &errOut); code != 0 || !cardAllowed(t, dir, "0F00A1B2C4") {
		t.Fatalf("a well-formed typed ID: exit %d %s", code, errOut.String())
	}

	// No reader configured: the swipe says how to find one.
	errOut.Reset()
	if code := serviceCmd([]string{"--data", deviceDir(t, nil), "add-card", "--swipe"}, nil, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "infomat detect --save") {
		t.Fatalf("swipe without a reader: exit %d %s", code, errOut.String())
	}
}

func cardAllowed(t *testing.T, dir, id string) bool {
	t.Helper()
	st, _, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	guard, err := access.Open(st.Bolt(), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	return guard.CardAllowed(id)
}
