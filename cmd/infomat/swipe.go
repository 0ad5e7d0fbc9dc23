package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"infomat/kiosk"
	"infomat/kiosk/cardreader"
)

// swipeWait is how long `service add-card --swipe` and setup wait for the service card.
const swipeWait = 60 * time.Second

// swipeCard waits up to timeout for one card on the configured reader. The card's ID never
// needs to be typed (or shown: everything prints it masked).
func swipeCard(ctx context.Context, cfg kiosk.DeviceConfig, timeout time.Duration) (cardreader.Card, error) {
	if cfg.ReaderPort == "" {
		return cardreader.Card{}, fmt.Errorf("czytnik kart nie jest skonfigurowany — znajdź go: infomat detect --save (albo infomat settings set reader_port /dev/…)")
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cfg.PrinterPort = "" // the reader alone
	cards := make(chan cardreader.Card, 1)
	d := kiosk.OpenDevices(ctx, cfg, cards, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer d.Close()
	if state, ok := d.ReaderState(); !ok {
		return cardreader.Card{}, fmt.Errorf("czytnik kart: %s%s", state, portFix(cfg.ReaderPort))
	}
	select {
	case c := <-cards:
		return c, nil
	case <-ctx.Done():
		return cardreader.Card{}, fmt.Errorf("nie odczytano karty w ciągu %s na %s — przeciągnij (przyłóż) kartę jeszcze raz; jeśli czytnik nie reaguje, sprawdź jego kabel i rodzaj (reader_kind = %s, infomat detect --save)",
			seconds(timeout), cfg.ReaderPort, cfg.ReaderKind)
	}
}

// seconds writes a wait as a technician reads it: "60 s", not Go's "1m0s".
func seconds(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%d s", d/time.Second)
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}
