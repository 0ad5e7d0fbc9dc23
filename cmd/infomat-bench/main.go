// Command infomat-bench runs the kiosk and a browser in kiosk mode showing the static-site
// twin of the same content (package twin) side by side, in interleaved pairs on one Xvfb
// display at 1080×1920, and prints start-up, tap-to-screen latency and memory (PSS) of each,
// with medians and ratios. scripts/bench-vs-browser.sh builds what it needs and runs it.
// A development tool: it is not packaged.
//
// Start-up is the time from exec to the home screen shown and settled. A tap's latency is
// the time from the click (its release processed by the X server) to the first look at the
// screen that shows what the screen then settles on, so a button's press feedback or a page
// painted in two goes does not count as done. The screen is looked at in Xvfb's framebuffer,
// mapped from its -fbdir file, every 5 ms; taps are XTEST events on one X connection.
// PSS is summed over the whole process tree (a browser runs many processes), on a fresh
// home screen left alone for 10 s, 3 s after the walk's last tap and 10 s after it (the
// resident has left; both apps have had the time to drop what they keep only for a while).
package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/maphash"
	"image"
	"image/png"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"infomat/twin"
)

var (
	kioskBin   = flag.String("kiosk", "", "kiosk binary, built as the product is (-tags no_emoji, buildinfo.KioskTags)")
	targetsBin = flag.String("targets", "", "kiosk binary built with -tags e2etargets, to find the walk's buttons once")
	siteDir    = flag.String("site", "", "folder of the twin (infomat-twin --out)")
	contentDir = flag.String("content", "", "content folder both show (default: the embedded sample)")
	browser    = flag.String("browser", "chromium", "browser command")
	pairs      = flag.Int("pairs", 10, "interleaved pairs to run")
	taps       = flag.Int("taps", 130, "taps in the walk (at least)")
	pause      = flag.Duration("pause", 0, "extra reading time between a settled screen and the next tap (the settling itself takes a few screenshots)")
	outDir     = flag.String("out", "test-output/bench-vs-browser", "folder for the CSV files")
	display    = flag.String("display", "", "X display to use (default: start Xvfb on a free one from :140)")
	only       = flag.String("only", "", "run just this app in each pair (kiosk or browser): for trying a change to one side quickly; no ratios")
	framesDir  = flag.String("frames", "", "save each picture an app shows while it starts, as PNG named by milliseconds from exec, in this folder (to see what the start-up paints; saving takes a few ms a picture, so time start-up without it)")
)

func main() {
	flag.Parse()
	if *only != "" && *only != "kiosk" && *only != "browser" {
		fmt.Fprintln(os.Stderr, "infomat-bench: --only kiosk or --only browser")
		os.Exit(2)
	}
	if *kioskBin == "" || *targetsBin == "" || *siteDir == "" {
		fmt.Fprintln(os.Stderr, "usage: infomat-bench --kiosk BIN --targets BIN --site DIR [--pairs N] [--taps N] [--out DIR]")
		os.Exit(2)
	}
	// Ctrl-C or a kill: stop what was started (the apps run in their own process groups,
	// so they would outlive the bench).
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		stopAll()
		os.Exit(130)
	}()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "infomat-bench:", err)
		os.Exit(1)
	}
}

func run() error {
	b, err := twin.Load(*contentDir)
	if err != nil {
		return err
	}
	site := twin.Build(b)
	tour := plan(site)
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return err
	}
	x := &screen{display: *display, seed: maphash.MakeSeed()}
	if x.display == "" {
		stop, err := x.startXvfb()
		if err != nil {
			return err
		}
		defer stop()
	}
	finger, err := openPointer(x.display)
	if err != nil {
		return err
	}
	defer finger.close()
	x.finger = finger
	fmt.Printf("display %s, %d taps a walk (a tour of %d, repeated), %d pair(s)\n", x.display, *taps, len(tour), *pairs)

	// The kiosk's buttons are found once, by their labels, on a kiosk that can say where
	// they are; the measured kiosk is the product build, tapped at the same places.
	kioskTour, err := calibrate(x, tour)
	if err != nil {
		return fmt.Errorf("finding the kiosk's buttons: %w", err)
	}
	kioskTaps, siteTaps := repeat(kioskTour, *taps), repeat(twinTaps(site, tour), *taps)

	var results []result
	for i := range *pairs {
		apps := []string{"kiosk", "browser"}
		if i%2 == 1 { // alternate who goes first, so neither always gets the warmer cache
			slices.Reverse(apps)
		}
		if *only != "" {
			apps = []string{*only}
		}
		for _, app := range apps {
			var r result
			var err error
			if app == "kiosk" {
				r, err = measure(x, "kiosk", kioskCmd(*kioskBin), kioskTaps)
			} else {
				r, err = measure(x, "browser", browserCmd(), siteTaps)
			}
			if err != nil {
				return fmt.Errorf("pair %d, %s: %w", i+1, app, err)
			}
			r.pair = i + 1
			results = append(results, r)
			fmt.Println(r.row())
		}
	}
	if err := writeCSV(results); err != nil {
		return err
	}
	screenCapture, screenMethod = x.capture, "xwd"
	if x.fb != nil {
		screenMethod = "Xvfb's mapped framebuffer"
	}
	summary(results)
	return nil
}

// step is one tap of the walk: a list row by its label, or the bar's Wstecz or Start.
type step struct {
	label string
	back  bool
	home  bool
	page  string // the twin's page the tap leads to
}

// fan is how many rows of a list the walk opens, by depth below home: both categories and
// BIP, every category or BIP section, two cards or pages in each, one page in a subsection.
var fan = []int{2, 8, 2, 1}

// plan is the tour through site that the walk repeats: home → Sprawy urzędowe → each
// category → two of its cards → back, then the BIP's sections and pages. Only rows on the
// first screen of a list are opened (no scrolling). It starts and ends on home.
func plan(site *twin.Site) []step {
	var tour []step
	var visit func(name string, depth int)
	visit = func(name string, depth int) {
		p := site.Pages[name]
		if depth >= len(fan) || p == nil {
			return
		}
		for i, l := range p.Links {
			if i >= fan[depth] || i >= twin.VisibleRows {
				break
			}
			if _, ok := site.Pages[l.Href]; !ok {
				continue
			}
			tour = append(tour, step{label: l.Label, page: l.Href})
			visit(l.Href, depth+1)
			if depth == 0 {
				tour = append(tour, step{home: true, page: twin.HomePage})
			} else {
				tour = append(tour, step{back: true, page: name})
			}
		}
	}
	visit(twin.HomePage, 0)
	return tour
}

// repeat is the first n taps of the tour repeated.
func repeat(tour []tap, n int) []tap {
	var out []tap
	for len(out) < n {
		out = append(out, tour...)
	}
	return out[:n]
}

// tap is where a step taps.
type tap struct {
	image.Point
	what string
}

func twinTaps(site *twin.Site, walk []step) []tap {
	var out []tap
	cur := twin.HomePage
	for _, s := range walk {
		switch {
		case s.back:
			out = append(out, tap{twin.BackCenter, "Wstecz"})
		case s.home:
			out = append(out, tap{twin.HomeCenter, "Start"})
		default:
			i := slices.IndexFunc(site.Pages[cur].Links, func(l twin.Link) bool { return l.Href == s.page })
			out = append(out, tap{twin.RowCenter(i), s.label})
		}
		cur = s.page
	}
	return out
}

// target is one of the kiosk's tappable objects (cmd/infomat/targets.go).
type target struct {
	Text       string
	Kind       string
	X, Y, W, H int
}

// calibrate walks a kiosk built with e2etargets through the tour by labels and notes where
// each tap landed.
func calibrate(x *screen, tour []step) ([]tap, error) {
	tmp, err := os.MkdirTemp("", "infomat-bench-cal")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	file := filepath.Join(tmp, "targets.json")
	cmd := kioskCmd(*targetsBin)
	cmd.Env = append(cmd.Env, "INFOMAT_DEBUG_TARGETS="+file)
	x.run = "calibrate"
	p, err := x.start(cmd)
	if err != nil {
		return nil, err
	}
	defer p.stop()
	if _, _, _, err := x.waitHome(p, time.Now()); err != nil {
		return nil, err
	}
	targets := func() ([]target, error) {
		os.Remove(file)
		if err := p.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
			return nil, err
		}
		for range 100 {
			time.Sleep(50 * time.Millisecond)
			if data, err := os.ReadFile(file); err == nil {
				var ts []target
				if err := json.Unmarshal(data, &ts); err != nil {
					continue // half written
				}
				return ts, nil
			}
		}
		return nil, errors.New("the kiosk wrote no targets")
	}
	var out []tap
	for i, s := range tour {
		ts, err := targets()
		if err != nil {
			return nil, err
		}
		label := s.label
		if s.back {
			label = "Wstecz"
		} else if s.home {
			label = "Start"
		}
		var best target
		for _, t := range ts {
			if t.Kind == "*widget.Label" || t.Kind == "*canvas.Text" || !strings.HasPrefix(t.Text, label) ||
				t.Y+t.H > twin.Height || t.Y < 0 {
				continue
			}
			if best.W == 0 || t.W*t.H < best.W*best.H {
				best = t
			}
		}
		if best.W == 0 {
			return nil, fmt.Errorf("step %d: no %q on the screen", i+1, label)
		}
		t := tap{image.Pt(best.X+best.W/2, best.Y+best.H/2), label}
		if _, _, err := x.tap(t.Point); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func kioskCmd(bin string) *exec.Cmd {
	// A fresh data folder each run: the first start on a machine is what is measured.
	data, err := os.MkdirTemp("", "infomat-bench-data")
	if err != nil {
		panic(err)
	}
	args := []string{"--demo", "--data", data}
	if *contentDir != "" {
		args = append(args, "--content", *contentDir)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "LIBGL_ALWAYS_SOFTWARE=1")
	return cmd
}

func browserCmd() *exec.Cmd {
	profile, err := os.MkdirTemp("", "infomat-bench-chromium")
	if err != nil {
		panic(err)
	}
	index, _ := filepath.Abs(filepath.Join(*siteDir, twin.HomePage))
	cmd := exec.Command(*browser, "--kiosk", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-features=Translate", "--noerrdialogs", "--password-store=basic",
		"--window-position=0,0", fmt.Sprintf("--window-size=%d,%d", twin.Width, twin.Height),
		"--user-data-dir="+profile, "file://"+index)
	cmd.Env = append(os.Environ(), "LIBGL_ALWAYS_SOFTWARE=1")
	return cmd
}

// result is one app's run.
type result struct {
	pair               int
	app                string
	startup            time.Duration
	firstPicture       time.Duration // anything on the screen, before the home has settled
	pictures           int           // different pictures from the first to the home
	pssFresh, rssFresh int64         // kB
	pssWalk, rssWalk   int64
	pssRest            int64 // 10 s after the walk
	taps               []time.Duration
	tapped             []string // what each of taps tapped
	missed             int
	walk               time.Duration
	procs              int
}

func (r result) row() string {
	return fmt.Sprintf("pair %2d %-7s start %5.2f s (first picture %4.2f s, %d picture(s))  PSS fresh %4d MB  after walk %4d MB (RSS %4d MB, %d proc), +10 s %4d MB  tap p50 %4d ms p90 %4d ms  missed %d  walk %3.0f s",
		r.pair, r.app, r.startup.Seconds(), r.firstPicture.Seconds(), r.pictures, r.pssFresh/1024, r.pssWalk/1024, r.rssWalk/1024, r.procs, r.pssRest/1024,
		pct(r.taps, 50).Milliseconds(), pct(r.taps, 90).Milliseconds(), r.missed, r.walk.Seconds())
}

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)-1)*p/100]
}

// measure starts an app, waits for its home screen, walks it and stops it.
func measure(x *screen, app string, cmd *exec.Cmd, walk []tap) (result, error) {
	r := result{app: app}
	// The screen of the app before must be gone first, or it would count as this one's.
	if err := x.waitBlank(10 * time.Second); err != nil {
		return r, err
	}
	x.runs++
	x.run = fmt.Sprintf("%02d-%s", x.runs, app)
	t0 := time.Now()
	p, err := x.start(cmd)
	if err != nil {
		return r, err
	}
	defer p.stop()
	first, visible, pictures, err := x.waitHome(p, t0)
	if err != nil {
		return r, err
	}
	r.startup, r.firstPicture, r.pictures = visible.Sub(t0), first.Sub(t0), pictures
	// What a fresh home holds once it is idle: 10 s, as after the walk, so that neither app is
	// caught halfway through its own tidying after start-up (the kiosk repaints and gives
	// memory back once a screen has rested for Fyne's cache period; sampled at 3 s with its
	// 2-s cache, that pass's garbage counted as the fresh home's).
	time.Sleep(10 * time.Second)
	r.pssFresh, r.rssFresh, _ = p.memory()
	w0 := time.Now()
	for _, t := range walk {
		d, changed, err := x.tap(t.Point)
		if err != nil {
			return r, fmt.Errorf("tap %s: %w", t.what, err)
		}
		if !changed {
			r.missed++
		} else {
			r.taps = append(r.taps, d)
			r.tapped = append(r.tapped, t.what)
		}
		time.Sleep(*pause)
	}
	r.walk = time.Since(w0)
	time.Sleep(3 * time.Second)
	r.pssWalk, r.rssWalk, r.procs = p.memory()
	time.Sleep(7 * time.Second)
	r.pssRest, _, _ = p.memory()
	return r, nil
}

// screen is the X display both apps run on.
type screen struct {
	display string
	seed    maphash.Seed
	// fb is the pixels of the Xvfb the bench started, which keeps its framebuffer in a file
	// (-fbdir) mapped here: a look at the screen is a hash of memory, about a millisecond,
	// without asking the X server for an 8 MB image. Nil on a display given with --display:
	// then each look is an xwd screenshot (about 110 ms, and a core busy with it).
	fb      []byte
	finger  *pointer
	last    time.Time       // when the last look finished
	runs    int             // apps started so far
	run     string          // the app running now, as --frames names its folder
	capture []time.Duration // time between looks in a row: the latencies' resolution
}

// pollEvery paces looks at a mapped framebuffer, so polling takes a fraction of a core from
// the app it measures.
const pollEvery = 5 * time.Millisecond

// still is how long a screen must stay unchanged to count as shown: an app that paints in
// two goes (a page, then its fonts or pictures) is not done after the first. hover is the
// same for a button's hover feedback before a tap. With xwd that is three screenshots.
const (
	still = 250 * time.Millisecond
	hover = 100 * time.Millisecond
)

func (x *screen) startXvfb() (stop func(), err error) {
	n := 140
	for ; n < 200; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); errors.Is(err, os.ErrNotExist) {
			if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n)); errors.Is(err, os.ErrNotExist) {
				break
			}
		}
	}
	x.display = fmt.Sprintf(":%d", n)
	// The framebuffer file goes to memory (/dev/shm) where there is one.
	parent := ""
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		parent = "/dev/shm"
	}
	fbdir, err := os.MkdirTemp(parent, "infomat-bench-fb")
	if err != nil {
		return nil, err
	}
	// -br: a black root window, so "nothing shown yet" is one colour. -nocursor: Xvfb draws
	// its pointer into the framebuffer (xwd leaves it out); a kiosk has none to show.
	// -noreset: a reset when the last client leaves refuses connections made meanwhile.
	cmd := exec.Command("Xvfb", x.display, "-screen", "0", fmt.Sprintf("%dx%dx24", twin.Width, twin.Height),
		"-nolisten", "tcp", "-noreset", "-br", "-nocursor", "-fbdir", fbdir)
	if err := cmd.Start(); err != nil {
		os.RemoveAll(fbdir)
		return nil, err
	}
	var mapped []byte
	stop = func() {
		cmd.Process.Kill()
		cmd.Wait()
		if mapped != nil {
			syscall.Munmap(mapped)
		}
		os.RemoveAll(fbdir)
	}
	onSignal(stop)
	for range 100 {
		if exec.Command("xdpyinfo", "-display", x.display).Run() == nil {
			mapped, err = mapScreen(filepath.Join(fbdir, "Xvfb_screen0"))
			if err != nil {
				stop()
				return nil, fmt.Errorf("Xvfb's framebuffer: %w", err)
			}
			x.fb = mapped[len(mapped)-twin.Width*twin.Height*4:]
			return stop, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	return nil, fmt.Errorf("Xvfb on %s did not start", x.display)
}

// mapScreen maps Xvfb's framebuffer file: an XWD header, then the pixels, 4 bytes each.
func mapScreen(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() < int64(twin.Width*twin.Height*4) {
		return nil, fmt.Errorf("%s: %d bytes, not a %d×%d screen of 4-byte pixels", path, fi.Size(), twin.Width, twin.Height)
	}
	return syscall.Mmap(int(f.Fd()), 0, int(fi.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
}

// frame is a look at the screen reduced to what the measurement needs.
type frame struct {
	hash  uint64
	blank bool
	at    time.Time // when the look finished
}

func (x *screen) shot() (frame, error) {
	var px []byte
	if x.fb != nil {
		if wait := pollEvery - time.Since(x.last); wait > 0 {
			time.Sleep(wait)
		}
		px = x.fb
	} else {
		out, err := exec.Command("xwd", "-root", "-silent", "-display", x.display).Output()
		if err != nil {
			return frame{}, fmt.Errorf("xwd: %w", err)
		}
		// The pixels are the last width×height×4 bytes; the header before them holds the
		// window name and never changes.
		px = out[max(0, len(out)-twin.Width*twin.Height*4):]
	}
	f := frame{hash: maphash.Bytes(x.seed, px)}
	// One colour everywhere: the bytes repeat every 4.
	f.blank = len(px) < 8 || bytes.Equal(px[4:], px[:len(px)-4])
	f.at = time.Now()
	if d := f.at.Sub(x.last); d < time.Second {
		x.capture = append(x.capture, d)
	}
	x.last = f.at
	return f, nil
}

// savePicture writes what the framebuffer shows now to --frames/<run>/<ms>.png, a quarter of
// the size each way (enough to tell an empty window from a half-drawn or a finished screen).
func (x *screen) savePicture(since time.Duration) {
	if *framesDir == "" || x.fb == nil {
		return
	}
	const k = 4
	img := image.NewRGBA(image.Rect(0, 0, twin.Width/k, twin.Height/k))
	for y := 0; y < twin.Height/k; y++ {
		for xx := 0; xx < twin.Width/k; xx++ {
			i := ((y*k)*twin.Width + xx*k) * 4 // Xvfb's 24-bit depth: B, G, R, unused
			img.Pix[img.PixOffset(xx, y)+0] = x.fb[i+2]
			img.Pix[img.PixOffset(xx, y)+1] = x.fb[i+1]
			img.Pix[img.PixOffset(xx, y)+2] = x.fb[i]
			img.Pix[img.PixOffset(xx, y)+3] = 0xff
		}
	}
	dir := filepath.Join(*framesDir, x.run)
	name := filepath.Join(dir, fmt.Sprintf("%05d.png", since.Milliseconds()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "infomat-bench: frames:", err)
		return
	}
	var buf bytes.Buffer
	err := png.Encode(&buf, img)
	if err == nil {
		err = os.WriteFile(name, buf.Bytes(), 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "infomat-bench: frames:", err)
	}
}

// settle looks until the screen has stayed the same for d; it returns the first look of
// that stretch.
func (x *screen) settle(d, timeout time.Duration) (frame, error) {
	deadline := time.Now().Add(timeout)
	var first frame
	for time.Now().Before(deadline) {
		f, err := x.shot()
		if err != nil {
			return f, err
		}
		if first.at.IsZero() || first.hash != f.hash {
			first = f
		}
		if f.at.Sub(first.at) >= d {
			return first, nil
		}
	}
	return frame{}, errors.New("the screen did not settle")
}

// waitHome waits for the first screen that is not blank and then stays as it is (shown);
// first is the first look at anything but the root window, and pictures counts the
// different ones from there to shown: an app that paints its home in stages (an empty
// window, the layout, then the images) shows them between first and shown.
func (x *screen) waitHome(p *proc, t0 time.Time) (first, shown time.Time, pictures int, err error) {
	deadline := t0.Add(90 * time.Second)
	var cur frame
	for time.Now().Before(deadline) {
		if err := p.exited(); err != nil {
			return first, shown, pictures, err
		}
		f, err := x.shot()
		if err != nil {
			return first, shown, pictures, err
		}
		if cur.at.IsZero() || cur.hash != f.hash {
			cur = f
			if !f.blank {
				pictures++
				x.savePicture(f.at.Sub(t0))
			}
		}
		if !f.blank && first.IsZero() {
			first = f.at
		}
		if !cur.blank && f.at.Sub(cur.at) >= still {
			return first, cur.at, pictures, nil
		}
	}
	return first, shown, pictures, errors.New("no home screen within 90 s")
}

// waitBlank waits until the screen shows nothing but the root window, and stays so.
func (x *screen) waitBlank(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		f, err := x.settle(hover, time.Until(deadline))
		if err != nil {
			return err
		}
		if f.blank {
			return nil
		}
	}
	return errors.New("the screen still shows the app before")
}

// tap points at pt, lets the hover state settle, clicks and returns the time until the
// first look at the screen that follows, and whether the screen changed at all.
func (x *screen) tap(pt image.Point) (time.Duration, bool, error) {
	x.finger.move(pt)
	before, err := x.settle(hover, 10*time.Second)
	if err != nil {
		return 0, false, err
	}
	clicked := x.finger.click()
	// Wait for a change first: a loaded browser may show the old page for longer than a
	// settle takes, and a walk that moved on would tap the wrong screen from then on.
	var seen []frame
	for {
		f, err := x.shot()
		if err != nil {
			return 0, false, err
		}
		if f.hash != before.hash {
			seen = append(seen, f)
			break
		}
		if time.Since(clicked) > 5*time.Second {
			return 0, false, nil
		}
	}
	deadline := clicked.Add(15 * time.Second)
	for time.Now().Before(deadline) {
		f, err := x.shot()
		if err != nil {
			return 0, false, err
		}
		seen = append(seen, f)
		// Settled: the screen has looked the same for still. The latency is to the first
		// look that showed it.
		first := len(seen) - 1
		for first > 0 && seen[first-1].hash == f.hash {
			first--
		}
		if f.at.Sub(seen[first].at) >= still {
			for _, s := range seen {
				if s.hash == f.hash {
					return s.at.Sub(clicked), true, nil
				}
			}
		}
	}
	return 0, false, errors.New("the screen did not settle after the tap")
}

// proc is a started app.
type proc struct {
	cmd  *exec.Cmd
	mark string // a string in the command line of each of its processes, when the app has one
	done chan struct{}
	once sync.Once // stop runs once: normally, or on a signal
	err  error
	log  bytes.Buffer
}

func (x *screen) start(cmd *exec.Cmd) (*proc, error) {
	cmd.Env = append(cmd.Env, "DISPLAY="+x.display)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &p.log, &p.log
	for _, a := range cmd.Args {
		if strings.HasPrefix(a, "--user-data-dir=") {
			p.mark = a
		}
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	onSignal(p.stop)
	return p, nil
}

var (
	stopMu sync.Mutex
	stops  []func()
)

// onSignal registers f to run when the bench is interrupted; stopAll runs them, newest first.
func onSignal(f func()) {
	stopMu.Lock()
	defer stopMu.Unlock()
	stops = append(stops, f)
}

func stopAll() {
	stopMu.Lock()
	defer stopMu.Unlock()
	for i := len(stops) - 1; i >= 0; i-- {
		stops[i]()
	}
}

func (p *proc) exited() error {
	select {
	case <-p.done:
		return fmt.Errorf("exited early (%v): %s", p.err, tail(p.log.String()))
	default:
		return nil
	}
}

func tail(s string) string {
	if len(s) > 2000 {
		s = s[len(s)-2000:]
	}
	return s
}

// stop ends the app's processes (its process group, and any that left it), and removes the
// temporary folder it was given.
func (p *proc) stop() { p.once.Do(p.stopOnce) }

func (p *proc) stopOnce() {
	pids := p.tree()
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
	for _, pid := range pids {
		syscall.Kill(pid, syscall.SIGKILL) // no-op for those already gone
	}
	for _, a := range p.cmd.Args {
		if dir, ok := strings.CutPrefix(a, "--user-data-dir="); ok {
			os.RemoveAll(dir)
		}
	}
	for i, a := range p.cmd.Args {
		if a == "--data" && i+1 < len(p.cmd.Args) {
			os.RemoveAll(p.cmd.Args[i+1])
		}
	}
}

// tree is the app's processes: the descendants of the one started, and those whose command
// line carries its mark (a browser's crash handler is adopted by init).
func (p *proc) tree() []int {
	root := p.cmd.Process.Pid
	parent := map[int]int{}
	var marked []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// The command name in parentheses may hold spaces; the fields after it do not.
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) > 1 {
			parent[pid], _ = strconv.Atoi(f[1])
		}
		if p.mark != "" {
			if cl, err := os.ReadFile("/proc/" + e.Name() + "/cmdline"); err == nil && bytes.Contains(cl, []byte(p.mark)) {
				marked = append(marked, pid)
			}
		}
	}
	in := map[int]bool{root: true}
	for _, pid := range marked {
		in[pid] = true
	}
	for changed := true; changed; {
		changed = false
		for pid, pp := range parent {
			if in[pp] && !in[pid] {
				in[pid], changed = true, true
			}
		}
	}
	var out []int
	for pid := range in {
		if _, ok := parent[pid]; ok {
			out = append(out, pid)
		}
	}
	return out
}

// memory sums Pss and Rss (kB) over the app's processes.
func (p *proc) memory() (pss, rss int64, n int) {
	for _, pid := range p.tree() {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
		if err != nil {
			continue
		}
		n++
		for line := range strings.Lines(string(data)) {
			f := strings.Fields(line)
			if len(f) < 2 {
				continue
			}
			v, _ := strconv.ParseInt(f[1], 10, 64)
			switch f[0] {
			case "Pss:":
				pss += v
			case "Rss:":
				rss += v
			}
		}
	}
	return pss, rss, n
}

func writeCSV(rs []result) error {
	runs, err := os.Create(filepath.Join(*outDir, "runs.csv"))
	if err != nil {
		return err
	}
	defer runs.Close()
	tapsF, err := os.Create(filepath.Join(*outDir, "taps.csv"))
	if err != nil {
		return err
	}
	defer tapsF.Close()
	w, tw := csv.NewWriter(runs), csv.NewWriter(tapsF)
	w.Write([]string{"pair", "app", "startup_ms", "pss_fresh_kb", "rss_fresh_kb", "pss_walk_kb", "rss_walk_kb", "processes", "taps", "missed", "tap_p50_ms", "tap_p90_ms", "walk_s", "pss_rest_kb", "first_picture_ms", "pictures"})
	tw.Write([]string{"pair", "app", "tap", "latency_ms", "what"})
	for _, r := range rs {
		w.Write([]string{strconv.Itoa(r.pair), r.app, ms(r.startup),
			strconv.FormatInt(r.pssFresh, 10), strconv.FormatInt(r.rssFresh, 10),
			strconv.FormatInt(r.pssWalk, 10), strconv.FormatInt(r.rssWalk, 10), strconv.Itoa(r.procs),
			strconv.Itoa(len(r.taps) + r.missed), strconv.Itoa(r.missed),
			ms(pct(r.taps, 50)), ms(pct(r.taps, 90)), fmt.Sprintf("%.1f", r.walk.Seconds()),
			strconv.FormatInt(r.pssRest, 10), ms(r.firstPicture), strconv.Itoa(r.pictures)})
		for i, d := range r.taps {
			tw.Write([]string{strconv.Itoa(r.pair), r.app, strconv.Itoa(i + 1), ms(d), r.tapped[i]})
		}
	}
	w.Flush()
	tw.Flush()
	return errors.Join(w.Error(), tw.Error())
}

func ms(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }

// summary prints the medians over the pairs and their ratios, kiosk/browser.
func summary(rs []result) {
	med := func(app string, f func(result) float64) float64 {
		var v []float64
		for _, r := range rs {
			if r.app == app {
				v = append(v, f(r))
			}
		}
		slices.Sort(v)
		if len(v) == 0 {
			return 0
		}
		if len(v)%2 == 0 {
			return (v[len(v)/2-1] + v[len(v)/2]) / 2
		}
		return v[len(v)/2]
	}
	var all []time.Duration
	tapsOf := func(app string) []time.Duration {
		all = all[:0]
		for _, r := range rs {
			if r.app == app {
				all = append(all, r.taps...)
			}
		}
		return all
	}
	rows := []struct {
		name string
		unit string
		f    func(result) float64
	}{
		{"home screen visible", "s", func(r result) float64 { return r.startup.Seconds() }},
		{"PSS, fresh home", "MB", func(r result) float64 { return float64(r.pssFresh) / 1024 }},
		{"PSS after the walk", "MB", func(r result) float64 { return float64(r.pssWalk) / 1024 }},
		{"RSS after the walk", "MB", func(r result) float64 { return float64(r.rssWalk) / 1024 }},
		{"PSS 10 s after the walk", "MB", func(r result) float64 { return float64(r.pssRest) / 1024 }},
		{"tap-to-screen p50 (run median)", "ms", func(r result) float64 { return float64(pct(r.taps, 50).Milliseconds()) }},
		{"tap-to-screen p90 (run median)", "ms", func(r result) float64 { return float64(pct(r.taps, 90).Milliseconds()) }},
	}
	if *only != "" { // one app ran: its medians, no ratios
		fmt.Printf("\n| median over %d run(s) | %s |\n|---|---|\n", len(rs), *only)
		for _, row := range rows {
			fmt.Printf("| %s | %.2f %s |\n", row.name, med(*only, row.f), row.unit)
		}
		fmt.Printf("| tap-to-screen p50, all taps | %d ms |\n", pct(slices.Clone(tapsOf(*only)), 50).Milliseconds())
	} else {
		fmt.Printf("\n| median over %d pair(s) | kiosk | %s | ratio |\n|---|---|---|---|\n", len(rs)/2, filepath.Base(*browser))
		for _, row := range rows {
			k, c := med("kiosk", row.f), med("browser", row.f)
			fmt.Printf("| %s | %.2f %s | %.2f %s | %.2f |\n", row.name, k, row.unit, c, row.unit, k/c)
		}
		k, c := pct(slices.Clone(tapsOf("kiosk")), 50), pct(slices.Clone(tapsOf("browser")), 50)
		fmt.Printf("| tap-to-screen p50, all taps | %d ms | %d ms | %.2f |\n", k.Milliseconds(), c.Milliseconds(), float64(k)/float64(c))
	}
	fmt.Printf("\nlooks at the screen (%s) every %d ms (median): the latencies' resolution\n", screenMethod, pct(screenCapture, 50).Milliseconds())
}

// screenCapture is the time between looks at the screen and screenMethod how they were
// taken, kept by main's screen for the summary.
var (
	screenCapture []time.Duration
	screenMethod  string
)
