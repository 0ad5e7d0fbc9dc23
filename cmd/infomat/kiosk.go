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
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/driver"

	"infomat/app"
	"infomat/assets"
	"infomat/buildinfo"
	"infomat/content"
	"infomat/kiosk"
	"infomat/kiosk/access"
	"infomat/kiosk/cardreader"
	"infomat/kiosk/idle"
	"infomat/kiosk/pdfpages"
	"infomat/l10n"
	"infomat/outbox"
	"infomat/receipt"
	"infomat/store"
	"infomat/sync/client"
	"infomat/sync/protocol"
	"infomat/trustedtime"
)

var started = time.Now()

// exitNoDisplay is the exit status when there is no screen to open the window on (no
// DISPLAY/WAYLAND_DISPLAY, no X server yet, a failing GL driver). systemd's Restart= tries
// again; noDisplayPause before exiting keeps that a calm retry, not a crash loop.
const exitNoDisplay = 3

var noDisplayPause = 5 * time.Second

// noDisplay prints the one journal line for a missing screen, waits and returns the exit
// status.
func noDisplay(reason string, wd *kiosk.Watchdog) int {
	fmt.Fprintf(os.Stderr, "Brak ekranu: %s — kiosk nie może otworzyć okna, kończę (kod %d) i systemd spróbuje ponownie / No display: cannot open the kiosk window, exiting with status %d for a restart\n",
		reason, exitNoDisplay, exitNoDisplay)
	wd.SetStatus("Brak ekranu / no display")
	time.Sleep(noDisplayPause)
	return exitNoDisplay
}

// runKiosk opens the store, picks the content and runs the full-screen UI until the
// process is stopped.
func runKiosk(args []string) (code int) {
	fl := flag.NewFlagSet("infomat", flag.ContinueOnError)
	windowed := fl.Bool("windowed", false, "run in a window instead of full screen (development)")
	dataDir := fl.String("data", kiosk.DefaultDataDir(), "data directory holding the store")
	contentDir := fl.String("content", "", "content folder to validate and activate")
	idleTimeout := fl.Duration("idle", 0, "idle time before a session resets (default: the device setting idle_timeout, else 90s)")
	demo := fl.Bool("demo", false, "demo mode: allow forms on the sample content, whose key is published (never for residents)")
	pprofAddr := fl.String("pprof", "", "serve Go profiles (net/http/pprof) on this loopback address, e.g. 127.0.0.1:6060 (development)")
	traceStartup := fl.Bool("trace-startup", false, "log each start-up phase with its duration (also "+TraceStartupEnv+"=1)")
	fl.Usage = usage
	if err := fl.Parse(args); err != nil {
		return 2
	}
	log := kiosk.NewLogger(os.Stderr, os.Getenv("JOURNAL_STREAM"))
	setMemoryPolicy(os.Getenv)
	trace := newStartupTrace(*traceStartup || os.Getenv(TraceStartupEnv) == "1", log)
	if *pprofAddr != "" {
		stopPprof, err := servePprof(*pprofAddr, log)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		defer stopPprof()
	}
	// sd_notify: READY=1 with the first frame, WATCHDOG=1 from the UI main loop.
	wd := kiosk.NewSystemdWatchdog(fyne.Do, log)
	if p := kiosk.HostDisplayProblem(); p != "" {
		return noDisplay(p, wd)
	}
	// The Fyne app (no window yet: that needs the display) first, so the fonts are parsed
	// while the store opens and the content loads.
	noComposeTable(os.Getenv, os.Setenv) // before GLFW opens the display (NewWindow)
	a := fyneapp.NewWithID("pl.infomat.kiosk")
	fontsWarm := warmFonts()
	hangAfter, err := kiosk.DebugHangAfter(os.Getenv)
	if err != nil {
		log.Error("ignoring debug setting", "err", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	st, rec, err := store.Open(ctx, *dataDir)
	cancel()
	if errors.Is(err, store.ErrLocked) {
		fmt.Fprintf(os.Stderr, "Infomat już działa na katalogu danych %s — nie uruchamiam drugiej kopii.\n(%v)\n", *dataDir, err)
		return 1
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "Nie można otworzyć magazynu danych w %s: %v\n", *dataDir, err)
		if _, problem := kiosk.DiskState(*dataDir); problem != "" {
			fmt.Fprintf(os.Stderr, "Dysk: %s\n", problem)
		}
		return 1
	}
	defer st.Close()
	trace.mark("store open")
	if rec != nil {
		log.Error("store was corrupt; moved aside and started fresh", "aside", rec.AsidePath, "cause", rec.Cause)
	}
	// The service screen shows this too; the journal should have it from the start.
	if free, problem := kiosk.DiskState(*dataDir); problem != "" {
		log.Warn("data directory: "+problem, "dir", *dataDir, "free_mb", free>>20)
	}

	// The rest of what the home screen needs comes from the store and the content, on
	// another goroutine while this one (the main thread, which GLFW needs) creates the window
	// and its GL context: both take a few hundred milliseconds, and a kiosk has two cores.
	prepDone := make(chan struct{})
	var prep *prepared
	go func() {
		defer close(prepDone)
		prep = prepareKiosk(st, *dataDir, *contentDir, *idleTimeout, *demo, log)
		trace.mark("content loaded")
	}()

	// Fyne's GLFW driver panics in NewWindow or Show when it cannot open the display (X
	// server not up yet, wrong DISPLAY, broken GL). Until the first frame is up, such a panic
	// means "no screen", not a bug: one journal line and a calm exit for systemd to retry.
	var windowUp, windowFailed atomic.Bool
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if windowUp.Load() {
			panic(r)
		}
		<-prepDone                // the content may be starting
		undoContentStart(st, log) // no screen says nothing about the content
		st.Close()                // release the data directory before the pause
		code = noDisplay(fmt.Sprintf("sterownik grafiki / graphics driver: %v", r), wd)
	}()
	w := a.NewWindow("Infomat")
	noDepthBuffer()
	if *windowed {
		w.Resize(fyne.NewSize(540, 960))
	} else {
		w.SetFullScreen(true)
		// Alt+F4 or the window manager's close must not leave a bare desktop.
		w.SetCloseIntercept(func() { log.Warn("close request ignored in kiosk mode") })
	}
	// Shown before it has content: the window is mapped and its GL context made now; the
	// first frame is painted when the app runs, with the home screen.
	w.Show()
	trace.mark("window created")
	<-prepDone
	if prep.code != 0 {
		return prep.code
	}
	ob, clock, bundle, src, loc, guard, audit := prep.ob, prep.clock, prep.bundle, prep.src, prep.loc, prep.guard, prep.audit
	policy, contentStore, idleAfter := prep.policy, prep.contentStore, prep.idleTimeout
	var outOfService atomic.Bool
	outOfService.Store(prep.outOfService)
	if bundle != nil {
		w.SetTitle("Infomat — " + bundle.Municipality.Name)
	}

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	cfg := kiosk.DeviceSettings(st)
	cards := make(chan cardreader.Card, 4)
	devices := kiosk.OpenDevices(ctx, cfg, cards, log)
	defer devices.Close()

	submitter := &kiosk.Submitter{Outbox: ob, Content: bundle, Log: log, Demo: *demo,
		Now: clock.Now, ClockSuspect: clock.Suspect}
	// Which content is active: set on the UI goroutine and by reload, read by the heartbeat.
	var active kiosk.ActiveContent
	if bundle != nil {
		active.Set(bundle.Version, src)
	} else {
		active.Set("", src)
	}
	svc := &kiosk.ServiceMode{Guard: guard, Audit: audit, Outbox: ob, Devices: devices, DataDir: *dataDir, Log: log, Clock: clock,
		Content: active.Get, OutOfService: outOfService.Load}

	deps := app.Deps{
		Content:     bundle,
		Loc:         loc,
		Idle:        idle.New(idleAfter, time.Now),
		Crest:       prep.crest,
		CrestRaster: prep.crestRaster,
		CrestOf:     func(b *content.Bundle) fyne.Resource { return crest(b, log) },
		Submit:      submitter,
		ServiceMode: svc,
		PDF:         bundlePDF{r: pdfpages.New(), log: log},
		// Reload runs off the UI goroutine (loading takes a while); the submitter, like the
		// UI, switches on the UI goroutine.
		Reload: func() (*content.Bundle, error) {
			b, src, err := kiosk.LoadContent(contentStore, "", policy, log)
			if err == nil {
				active.Set(b.Version, src)
				outOfService.Store(false)
				fyne.Do(func() { submitter.Content = b })
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
			name := ""
			if b := submitter.Content; b != nil {
				name = b.Municipality.Name
			}
			return receipt.TestPageInfo{Municipality: name, Device: cfg.PrinterPort,
				Profile: paper.Name + qrMode(paper.NativeQR), Version: buildinfo.Version(), Printed: time.Now()}
		},
	}
	if trace != nil {
		deps.Trace = trace.mark
	}
	deps.Released = releaseMemory
	memoryPasses(&deps, w.Canvas(), fyneCacheValid())
	if devices.HasPrinter() {
		deps.Printer = devices
	}
	// Today's opening hours go by the trusted clock, in the kiosk's own time zone.
	deps.Now = func() time.Time { return clock.Now().Local() }
	deps.AttractAfter = kiosk.AttractAfter(st)
	stopSpeech := setupSpeech(&deps, kiosk.SpeechSettings(st, os.Getenv), log)
	defer stopSpeech()
	deps.Speaker = debugSpeech(deps.Speaker, log)
	if o, ok := kiosk.RememberedOffice(contentStore); ok {
		deps.Office = &app.Office{Name: o.Name, Street: o.Street, PostalCode: o.PostalCode, City: o.City, Phone: o.Phone, Hours: o.Hours}
	}

	var ui *app.UI
	syncClient, kick := startSync(ctx, *dataDir, budgeted(policy.MemoryBudget), client.RunDeps{
		Outbox:  ob,
		Store:   st,
		Trusted: clock,
		Heartbeat: func() protocol.Heartbeat {
			version, _ := active.Get()
			return heartbeat(ctx, svc, st, devices, version)
		},
		OnContent: func(version uint64) {
			b, src, err := kiosk.LoadContent(contentStore, "", policy, log)
			if err != nil {
				log.Error("new content could not be loaded", "version", version, "err", err)
				return
			}
			fyne.Do(func() {
				submitter.Content = b
				active.Set(b.Version, src)
				outOfService.Store(false)
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
		// Local taxes and fees are looked up on the portal as the resident waits; a kiosk
		// that is not provisioned has no portal to ask and does not offer them.
		deps.Dues = syncClient
		// The sync loop (and its heartbeat) already runs: SetSync is safe for that.
		svc.SetSync(func() (time.Time, string) {
			s := syncClient.Status()
			return s.LastSync, s.LastError
		})
	}
	// The first frame is up: the bundle on screen has proved itself, and systemd hears
	// READY=1. Called from the paint, so the rest runs on its own goroutine.
	deps.FirstFrame = func() {
		go func() {
			if src == kiosk.FromStore || src == kiosk.FromFolder {
				if err := st.ConfirmContent(); err != nil {
					log.Error("content not confirmed", "err", err)
				}
			}
			version := ""
			if bundle != nil {
				version = bundle.Version
			}
			if outOfService.Load() {
				log.Error("kiosk out of service: no valid content of this municipality; residents see the out-of-service screen")
			}
			log.Info("kiosk ready", "content", src, "version", version, "out_of_service", outOfService.Load(),
				"startup_ms", time.Since(started).Milliseconds(), "watchdog", wd.Interval.String())
			wd.Ready(statusLine(ob))
			go wd.Run(ctx)
			go func() {
				for range time.Tick(time.Second) {
					fyne.Do(ui.Tick)
				}
			}()
			if hangAfter > 0 {
				debugHang(hangAfter, log)
			}
		}()
	}
	<-fontsWarm
	ui = app.New(w, deps)
	trace.mark("home built")
	debugTargets(ctx, w, log)
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
	wd.Status = func() string { return statusLine(ob) }
	a.Lifecycle().SetOnStarted(func() {
		if !windowCreated(w) {
			// No GL context (broken or missing driver): Fyne has logged the cause and would
			// go on running without a window — a blank screen that still answers the
			// watchdog. Stop instead; no READY=1.
			windowFailed.Store(true)
			a.Quit()
			return
		}
		windowUp.Store(true)
		trace.mark("window shown")
	})
	a.Run()
	if windowFailed.Load() {
		undoContentStart(st, log)
		st.Close()
		return noDisplay("nie można utworzyć okna OpenGL (sterownik grafiki?) / cannot create the OpenGL window (graphics driver?)", wd)
	}
	wd.Stopping()
	return 0
}

// windowCreated says whether the driver really has a native window behind w.
func windowCreated(w fyne.Window) bool {
	nw, ok := w.(driver.NativeWindow)
	if !ok {
		return true
	}
	created := true
	nw.RunNative(func(ctx any) {
		switch c := ctx.(type) {
		case driver.X11WindowContext:
			created = c.WindowHandle != 0
		case driver.WaylandWindowContext:
			created = c.WaylandSurface != 0
		}
	})
	return created
}

// statusLine is the STATUS= text systemctl status shows: counts only, no personal data.
func statusLine(ob *outbox.Outbox) string {
	s, err := ob.Stats()
	if err != nil {
		return "gotowy (kolejka wniosków: nieznana)"
	}
	return fmt.Sprintf("gotowy, kolejka wniosków: %d", s.Queued+s.Sending)
}

// debugHang blocks the UI main loop after d, on purpose: with INFOMAT_DEBUG_HANG_AFTER set
// a technician sees the systemd watchdog restart a frozen kiosk. Never in production.
func debugHang(d time.Duration, log *slog.Logger) {
	log.Warn(kiosk.HangAfterEnv+" is set: the UI will freeze on purpose (watchdog test)", "after", d.String())
	time.AfterFunc(d, func() {
		fyne.Do(func() {
			log.Error("debug: blocking the UI main loop now", "setting", kiosk.HangAfterEnv)
			select {}
		})
	})
}

// heartbeat gathers the device's health for the portal: no personal data.
func heartbeat(ctx context.Context, svc *kiosk.ServiceMode, st *store.Store, d *kiosk.Devices, label string) protocol.Heartbeat {
	sctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	s := svc.Status(sctx)
	cancel()
	v, _ := st.PortalVersion()
	cfg := d.Config()
	hb := protocol.Heartbeat{
		ContentVersion: v, ContentLabel: label,
		Queued: s.Queued, Oldest: s.Oldest,
		// A kiosk built without a printer or reader has nothing wrong with it.
		Printer: s.Printer, PrinterOK: s.PrinterOK || cfg.PrinterPort == "", PaperOut: strings.Contains(s.Printer, "brak papieru"),
		Reader: s.Reader, ReaderOK: s.ReaderOK || cfg.ReaderPort == "",
		DiskFree: s.DiskFree, Uptime: time.Since(started).Seconds(), AppVersion: s.AppVersion,
		OutOfService: s.OutOfService,
		ClockSuspect: s.ClockProblem != "", Salvaged: s.Salvaged, Unrecoverable: s.Unrecoverable,
	}
	if svc.Clock != nil {
		hb.Sent = svc.Clock.Now().UTC() // never before the latest trusted time
	}
	hb.Label, _, _ = st.Setting(kiosk.SettingLabel)
	return hb
}

func qrMode(native bool) string {
	if native {
		return ", QR drukarki"
	}
	return ", QR jako obraz"
}

// crest loads the coat of arms; a kiosk without it still works.
func crest(b *content.Bundle, log *slog.Logger) fyne.Resource {
	if b == nil {
		return nil
	}
	data, err := fs.ReadFile(b.Files, b.Municipality.Crest)
	if err != nil {
		log.Warn("coat of arms unreadable", "file", b.Municipality.Crest, "err", err)
		return nil
	}
	return fyne.NewStaticResource(path.Base(b.Municipality.Crest), data)
}

// provisioned says whether the device is enrolled with a portal: its credentials are in the
// data directory. Unreadable credentials count as enrolled: the safe side, since an
// enrolled kiosk must never show the sample municipality.
func provisioned(dataDir string) bool {
	_, err := client.LoadCredentials(dataDir)
	return !errors.Is(err, fs.ErrNotExist)
}

// budgeted is the sync client's loader: a pulled bundle must load within the device's
// memory budget before it is activated.
func budgeted(budget int64) func(fs.FS) (*content.Bundle, error) {
	return func(fsys fs.FS) (*content.Bundle, error) { return kiosk.LoadWithin(fsys, budget) }
}

// undoContentStart takes back the start attempt counted for the content when the kiosk ends
// for want of a screen.
func undoContentStart(st *store.Store, log *slog.Logger) {
	if err := st.UndoContentStart(); err != nil {
		log.Error("content start not undone", "err", err)
	}
}

// startContent picks the content for a kiosk start. A new bundle gets one start to show its
// first frame (runKiosk confirms it then); a start that finds it still unconfirmed after an
// attempt goes back to the previous bundle (see store.BeginContentStart).
// cs is st as LoadContent should use it (kiosk.WithOfficeFile).
func startContent(st *store.Store, cs kiosk.ContentStore, dir string, p kiosk.Policy, log *slog.Logger) (*content.Bundle, kiosk.Source, error) {
	switch check, err := st.BeginContentStart(); {
	case err != nil:
		log.Error("content start check failed", "err", err)
	case check.RolledBack:
		log.Error("new content never showed a frame; back to the previous bundle",
			"failed_version", check.Failed.Version, "failed_label", check.Failed.Label, "failed_portal_version", check.FailedPortalVersion)
	case check.Dropped:
		log.Error("new content never showed a frame and there is no previous bundle; dropped",
			"failed_version", check.Failed.Version, "failed_label", check.Failed.Label, "failed_portal_version", check.FailedPortalVersion)
	}
	return kiosk.LoadContent(cs, dir, p, log)
}

// prepared is what the home screen needs from the store and the content; code is the exit
// code when something stops the kiosk (its message is already on stderr).
type prepared struct {
	code         int
	ob           *outbox.Outbox
	clock        *trustedtime.Clock
	idleTimeout  time.Duration
	policy       kiosk.Policy
	contentStore kiosk.ContentStore
	bundle       *content.Bundle
	src          kiosk.Source
	outOfService bool
	loc          *l10n.Localizer
	guard        *access.Guard
	audit        *access.Audit
	crest        fyne.Resource
	crestRaster  *app.CrestRaster
}

// prepareKiosk opens the outbox, salvages a moved-aside store, sets the clock and starts the
// content: everything from the open store to what the home screen is built from.
func prepareKiosk(st *store.Store, dataDir, contentDir string, idleTimeout time.Duration, demo bool, log *slog.Logger) *prepared {
	fail := func(format string, err error) *prepared {
		fmt.Fprintf(os.Stderr, format, err)
		return &prepared{code: 1}
	}
	p := &prepared{idleTimeout: idleTimeout}
	// Before the content is chosen: a moved-aside store's content may become the active one.
	var err error
	if p.ob, err = outbox.Open(st.Bolt()); err != nil {
		return fail("Nie można otworzyć kolejki wniosków: %v\n", err)
	}
	sctx, scancel := context.WithTimeout(context.Background(), time.Minute)
	if _, err := kiosk.SalvageAside(sctx, dataDir, st, p.ob, log); err != nil {
		log.Error("moved-aside store could not be salvaged", "err", err)
	}
	scancel()
	if p.clock, err = kiosk.NewClock(st, os.Getenv); err != nil {
		log.Error("ignoring debug setting", "err", err)
	}
	if problem := p.clock.Problem(); problem != "" {
		log.Warn("device clock not trusted", "problem", problem)
	}

	if p.idleTimeout == 0 {
		p.idleTimeout = kiosk.IdleTimeout(st)
	}
	p.policy = kiosk.Policy{Provisioned: provisioned(dataDir), MemoryBudget: kiosk.ContentMemoryBudget(st)}
	p.contentStore = kiosk.WithOfficeFile(st, dataDir)
	p.bundle, p.src, err = startContent(st, p.contentStore, contentDir, p.policy, log)
	switch {
	case errors.Is(err, kiosk.ErrOutOfService):
		p.outOfService = true
	case err != nil:
		return fail("Brak poprawnej treści: %v\n", err)
	}
	if demo {
		log.Warn("demo mode: forms on the sample content are filed (its key is published; never on a kiosk for residents)")
	}
	if p.loc, err = l10n.New(assets.Translations()); err != nil {
		return fail("Błąd tłumaczeń: %v\n", err)
	}
	if p.guard, p.audit, err = openAccess(st); err != nil {
		return fail("Nie można otworzyć danych serwisowych: %v\n", err)
	}
	p.crest = crest(p.bundle, log)
	p.crestRaster = app.RasterHomeCrest(p.crest, expectedScale(os.Getenv))
	return p
}

// expectedScale is the scale Fyne will most likely draw the window at, known before the
// window exists: FYNE_SCALE when it is a number, else 1. Fyne also multiplies by a factor
// for a high-DPI monitor, which only the window can tell; a wrong guess costs only the
// crest drawn early (CrestRaster).
func expectedScale(getenv func(string) string) float32 {
	if v, err := strconv.ParseFloat(getenv("FYNE_SCALE"), 32); err == nil && v > 0 {
		return float32(v)
	}
	return 1
}
