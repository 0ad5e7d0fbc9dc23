package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"infomat/app"
	"infomat/assets"
	"infomat/content"
	"infomat/kiosk"
	"infomat/kiosk/cardreader"
	"infomat/l10n"
	"infomat/outbox"
	"infomat/receipt"
	"infomat/store"
	"infomat/sync/client"
	"infomat/sync/protocol"
)

var started = time.Now()

// runKiosk opens the store, picks the content and runs the full-screen UI until the
// process is stopped.
func runKiosk(args []string) int {
	fl := flag.NewFlagSet("infomat", flag.ContinueOnError)
	windowed := fl.Bool("windowed", false, "run in a window instead of full screen (development)")
	dataDir := fl.String("data", kiosk.DefaultDataDir(), "data directory holding the store")
	contentDir := fl.String("content", "", "content folder to validate and activate")
	idle := fl.Duration("idle", 0, "idle time before a session resets (default: the device setting idle_timeout, else 90s)")
	fl.Usage = usage
	if err := fl.Parse(args); err != nil {
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	st, rec, err := store.Open(ctx, *dataDir)
	cancel()
	if errors.Is(err, store.ErrLocked) {
		fmt.Fprintf(os.Stderr, "Infomat już działa na katalogu danych %s — nie uruchamiam drugiej kopii.\n(%v)\n", *dataDir, err)
		return 1
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "Nie można otworzyć magazynu danych w %s: %v\n", *dataDir, err)
		return 1
	}
	defer st.Close()
	if rec != nil {
		log.Error("store was corrupt; moved aside and started fresh", "aside", rec.AsidePath, "cause", rec.Cause)
	}

	if *idle == 0 {
		*idle = kiosk.IdleTimeout(st)
	}
	bundle, src, err := kiosk.LoadContent(st, *contentDir, log)
	if err != nil {
		fmt.Fprintf(os.Stderr, "Brak poprawnej treści: %v\n", err)
		return 1
	}
	loc, err := l10n.New(assets.Translations())
	if err != nil {
		fmt.Fprintf(os.Stderr, "Błąd tłumaczeń: %v\n", err)
		return 1
	}

	ob, err := outbox.Open(st.Bolt())
	if err != nil {
		fmt.Fprintf(os.Stderr, "Nie można otworzyć kolejki wniosków: %v\n", err)
		return 1
	}

	access, audit, err := openService(st)
	if err != nil {
		fmt.Fprintf(os.Stderr, "Nie można otworzyć danych serwisowych: %v\n", err)
		return 1
	}

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	cfg := kiosk.DeviceSettings(st)
	cards := make(chan cardreader.Card, 4)
	devices := kiosk.OpenDevices(ctx, cfg, cards, log)
	defer devices.Close()

	submitter := &kiosk.Submitter{Outbox: ob, Content: bundle, Log: log}
	current := struct {
		version string
		source  kiosk.Source
	}{bundle.Version, src}
	svc := &kiosk.ServiceMode{Access: access, Audit: audit, Outbox: ob, Devices: devices, DataDir: *dataDir, Log: log,
		Content: func() (string, kiosk.Source) { return current.version, current.source }}

	a := fyneapp.NewWithID("pl.infomat.kiosk")
	w := a.NewWindow("Infomat — " + bundle.Municipality.Name)
	deps := app.Deps{
		Content: bundle,
		Loc:     loc,
		Idle:    kiosk.NewIdle(*idle, time.Now),
		Crest:   crest(bundle, log),
		Submit:  submitter,
		Service: svc,
		Reload: func() (*content.Bundle, error) {
			b, src, err := kiosk.LoadContent(st, "", log)
			if err == nil {
				submitter.Content = b
				current.version, current.source = b.Version, src
			}
			return b, err
		},
		Maintenance: func() {
			log.Warn("kiosk mode left for maintenance")
			w.SetFullScreen(false)
			w.SetCloseIntercept(nil)
			w.Resize(fyne.NewSize(540, 960))
		},
		TestPage: func() receipt.TestPageInfo {
			paper := cfg.Profile()
			return receipt.TestPageInfo{Municipality: bundle.Municipality.Name, Device: cfg.PrinterPort,
				Profile: paper.Name + qrMode(paper.NativeQR), Version: kiosk.AppVersion(), Printed: time.Now()}
		},
	}
	if devices.HasPrinter() {
		deps.Printer = devices
	}

	var ui *app.UI
	syncClient, kick := startSync(ctx, *dataDir, client.RunDeps{
		Outbox: ob,
		Store:  st,
		Heartbeat: func() protocol.Heartbeat {
			return heartbeat(ctx, svc, st, devices, current.version)
		},
		OnContent: func(version uint64) {
			b, src, err := kiosk.LoadContent(st, "", log)
			if err != nil {
				log.Error("new content could not be loaded", "version", version, "err", err)
				return
			}
			fyne.Do(func() {
				submitter.Content = b
				current.version, current.source = b.Version, src
				ui.ContentUpdated(b)
			})
		},
	}, log)
	if syncClient != nil {
		defer syncClient.Close()
		nudge := func() {
			select {
			case kick <- struct{}{}:
			default:
			}
		}
		submitter.Queued = nudge
		deps.SyncNow = nudge
		svc.Sync = func() (time.Time, string) {
			s := syncClient.Status()
			return s.LastSync, s.LastError
		}
	}
	ui = app.New(w, deps)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case c := <-cards:
				fyne.Do(func() { ui.CardPresented(c.ID) })
			}
		}
	}()
	if *windowed {
		w.Resize(fyne.NewSize(540, 960))
	} else {
		w.SetFullScreen(true)
		// Alt+F4 or the window manager's close must not leave a bare desktop.
		w.SetCloseIntercept(func() { log.Warn("close request ignored in kiosk mode") })
	}
	a.Lifecycle().SetOnStarted(func() {
		log.Info("kiosk ready", "content", src, "version", bundle.Version,
			"startup_ms", time.Since(started).Milliseconds())
		go func() {
			for range time.Tick(time.Second) {
				fyne.Do(ui.Tick)
			}
		}()
	})
	w.ShowAndRun()
	return 0
}

// heartbeat gathers the device's health for the portal: no personal data.
func heartbeat(ctx context.Context, svc *kiosk.ServiceMode, st *store.Store, d *kiosk.Devices, label string) protocol.Heartbeat {
	sctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	s := svc.Status(sctx)
	cancel()
	v, _ := st.PortalVersion()
	cfg := d.Config()
	return protocol.Heartbeat{
		ContentVersion: v, ContentLabel: label,
		Queued: s.Queued, Oldest: s.Oldest,
		// A kiosk built without a printer or reader has nothing wrong with it.
		Printer: s.Printer, PrinterOK: s.PrinterOK || cfg.PrinterPort == "", PaperOut: strings.Contains(s.Printer, "brak papieru"),
		Reader: s.Reader, ReaderOK: s.ReaderOK || cfg.ReaderPort == "",
		DiskFree: s.DiskFree, Uptime: time.Since(started).Seconds(), AppVersion: s.AppVersion,
	}
}

func qrMode(native bool) string {
	if native {
		return ", QR drukarki"
	}
	return ", QR jako obraz"
}

// crest loads the coat of arms; a kiosk without it still works.
func crest(b *content.Bundle, log *slog.Logger) fyne.Resource {
	data, err := fs.ReadFile(b.Files, b.Municipality.Crest)
	if err != nil {
		log.Warn("coat of arms unreadable", "file", b.Municipality.Crest, "err", err)
		return nil
	}
	return fyne.NewStaticResource(path.Base(b.Municipality.Crest), data)
}
