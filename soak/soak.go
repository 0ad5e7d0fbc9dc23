// Package soak runs the kiosk's UI through thousands of a simulated resident's actions and
// samples memory as it goes, to show that a week of use does not move it.
//
// The resident is seeded randomness over weighted actions (open categories, cards, BIP pages
// and attachments, back, home, search with typos, forms started and abandoned, language, text
// size, contrast, speech mode, walking away). The UI is the real app.UI on the headless
// fyne.io/fyne/v2/test driver, its idle timer on a fake clock that moves only when the
// resident acts or walks away, so the idle warning, the reset and the attract loop come in
// seconds rather than minutes. Every UpdateEvery actions the content is replaced by a freshly
// loaded, changed bundle, as a sync would. Every SampleEvery actions the driver collects
// garbage and records the heap, the goroutines and the process's resident set.
//
// The package is a test tool: it imports fyne/v2/test and is never linked into the kiosk.
// cmd/infomat-soak runs it from the command line; TestSoakShort runs a bounded walk in CI.
package soak

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"infomat/app"
	"infomat/assets"
	"infomat/content"
	"infomat/kiosk/idle"
	"infomat/l10n"
)

// Config says how long to walk and how often to sample and update.
type Config struct {
	Actions     int    // how many actions in all
	Seed        uint64 // the resident's randomness: the same seed walks the same way
	SampleEvery int    // actions between two samples; 0: 100
	UpdateEvery int    // actions between two content updates; 0: never
	// Settle says which samples (by actions done) wait for Fyne's renderer cache to let go
	// of every screen no longer shown before measuring: about 10 s each, see settle. nil:
	// none. The others measure the heap as the kiosk holds it at that moment, some seconds
	// of past screens included.
	Settle func(actions int) bool
	// Sample, when not nil, receives each sample as it is taken (progress, CSV).
	Sample func(Sample)
}

// Sample is the memory after a number of actions, measured after a garbage collection.
type Sample struct {
	Actions    int
	Elapsed    time.Duration // wall time since the walk started
	Simulated  time.Duration // the fake clock's time since the walk started
	Settled    bool          // taken after the renderer cache was emptied (Config.Settle)
	HeapAlloc  uint64        // bytes of live heap objects
	HeapInuse  uint64        // bytes in in-use heap spans
	Sys        uint64        // bytes the Go runtime got from the OS
	RSS        uint64        // the process's resident set, bytes (0 where unknown)
	Goroutines int
}

// Result is a whole walk.
type Result struct {
	Samples []Sample
	Done    map[string]int // how often each action was done
	Updates int            // content updates
}

// Run walks cfg.Actions actions through a new UI in a new test app, which it makes current.
// It samples before the first action and after every SampleEvery actions and the last.
func Run(cfg Config) (Result, error) {
	if cfg.SampleEvery <= 0 {
		cfg.SampleEvery = 100
	}
	bundle, err := content.Load(assets.DefaultContent())
	if err != nil {
		return Result{}, fmt.Errorf("sample content: %w", err)
	}
	loc, err := l10n.New(assets.Translations())
	if err != nil {
		return Result{}, fmt.Errorf("translations: %w", err)
	}
	a := test.NewApp()
	defer a.Quit()
	w := test.NewWindow(nil)
	defer w.Close()
	// The kiosk's portrait screen.
	w.Resize(fyne.NewSize(1080, 1920))
	clk := &clock{now: epoch}
	ui := app.New(w, app.Deps{
		Content: bundle, Loc: loc,
		Idle:         idle.New(90*time.Second, clk.Now),
		Now:          clk.Now,
		Uptime:       clk.Uptime,
		AttractAfter: attractAfter,
		Submit:       submitter{},
		Speaker:      speaker{},
	})
	r := &resident{ui: ui, win: w, loc: loc, clk: clk, rng: rand.New(rand.NewPCG(cfg.Seed, 17))}
	for _, p := range bundle.Procedures {
		if p.Form != nil {
			r.forms = append(r.forms, p.ID)
		}
	}
	// The test driver never paints, and painting is where Fyne drops the renderers of
	// widgets no longer shown (cache.Clean: at most every 10 s, those unused for FYNE_CACHE,
	// 1 min by default). Capturing an empty canvas runs that clean, as the kiosk's frames
	// do; without it the walk would measure the test driver, not the UI.
	sweeper := test.NewCanvas()
	// settle lets the resident walk away, so the UI is back where it waits between residents
	// (home, Polish, no form, no search: what a screen on show holds does not count), waits
	// out the clean's 10 s and cleans: with a FYNE_CACHE shorter than the wait every cached
	// renderer goes, and what the heap still holds is what the UI keeps for good, not what
	// Fyne keeps for a while.
	settle := func() {
		clk.advance(95 * time.Second) // past the 90 s timeout
		ui.Tick()                     // the reset
		time.Sleep(cleanEvery + 500*time.Millisecond)
		sweeper.Capture()
	}

	var res Result
	start := time.Now()
	sample := func(n int) {
		settled := cfg.Settle != nil && cfg.Settle(n)
		if settled {
			settle()
		}
		s := measure()
		s.Settled = settled
		s.Actions, s.Elapsed, s.Simulated = n, time.Since(start), clk.now.Sub(epoch)
		res.Samples = append(res.Samples, s)
		if cfg.Sample != nil {
			cfg.Sample(s)
		}
	}
	sample(0)
	for n := 1; n <= cfg.Actions; n++ {
		r.step()
		sweeper.Capture()
		if cfg.UpdateEvery > 0 && n%cfg.UpdateEvery == 0 {
			b, err := changed(n)
			if err != nil {
				return res, err
			}
			// Shown at once on an untouched home screen, else from the next session.
			ui.ContentUpdated(b)
			res.Updates++
		}
		if n%cfg.SampleEvery == 0 || n == cfg.Actions {
			sample(n)
		}
	}
	res.Done = map[string]int{}
	for a, n := range r.done {
		res.Done[actionNames[a]] = n
	}
	return res, nil
}

// CacheTime is the FYNE_CACHE a walk runs with: shorter than the settling wait, so a
// settled sample finds no renderer of a past screen, and short enough that the heap between
// two samples does not swing by a minute of past screens.
const CacheTime = "1s"

// Reexec makes sure the process runs with FYNE_CACHE=CacheTime: Fyne reads it once, when
// its cache package initialises, so a process without it starts itself again with it
// (execve: same pid, arguments and the rest of the environment). It returns only on error
// or when the variable is already set.
func Reexec() error {
	if os.Getenv("FYNE_CACHE") == CacheTime {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	env := append(os.Environ(), "FYNE_CACHE="+CacheTime)
	return syscall.Exec(exe, os.Args, env)
}

// cleanEvery is how often, at most, Fyne's cache clean runs (fyne/v2/internal/cache.Clean).
const cleanEvery = 10 * time.Second

// changed loads the sample content afresh, as a sync would activate a new version: new
// objects throughout, so an old bundle that something still held would show as growth. The
// n-th version differs in its version and its first news title.
func changed(n int) (*content.Bundle, error) {
	b, err := content.Load(assets.DefaultContent())
	if err != nil {
		return nil, fmt.Errorf("sample content: %w", err)
	}
	b.Version = fmt.Sprintf("%s+soak%d", b.Version, n)
	if len(b.BIPPages) > 0 {
		b.BIPPages[0].Title = fmt.Sprintf("%s (%d)", b.BIPPages[0].Title, n)
	}
	return b, nil
}

// measure collects garbage twice (the second also frees what finalizers of the first
// released) and reads the heap, the goroutines and the resident set.
func measure() Sample {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return Sample{
		HeapAlloc: m.HeapAlloc, HeapInuse: m.HeapInuse, Sys: m.Sys,
		RSS: rss(), Goroutines: runtime.NumGoroutine(),
	}
}

// rss is the process's resident set in bytes from /proc/self/statm (its second field, in
// pages); 0 where there is no /proc.
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}

// MB is bytes in mebibytes, for figures.
func MB(b uint64) float64 { return float64(b) / (1 << 20) }

// CSVHeader is the first line of the CSV that CSVLine writes.
const CSVHeader = "actions,settled,elapsed_s,simulated_h,heap_alloc_mb,heap_inuse_mb,sys_mb,rss_mb,goroutines"

// CSVLine is one sample as a CSV line (no newline).
func CSVLine(s Sample) string {
	settled := 0
	if s.Settled {
		settled = 1
	}
	return fmt.Sprintf("%d,%d,%.1f,%.2f,%.2f,%.2f,%.2f,%.2f,%d", s.Actions, settled, s.Elapsed.Seconds(),
		s.Simulated.Hours(), MB(s.HeapAlloc), MB(s.HeapInuse), MB(s.Sys), MB(s.RSS), s.Goroutines)
}
