package main

// End-to-end test: runs the real infomat binary under Xvfb at the terminal's portrait
// resolution (1080×1920), taps through it with xdotool the way a finger would and checks
// what is on screen from screenshots.
//
// It needs Xvfb, xdpyinfo (x11-utils), xdotool and ImageMagick's import, and runs only with
//
//	INFOMAT_E2E=1 go test ./cmd/infomat/ -run E2E -v -count=1
//
// (add -timeout 20m on a cold build cache: the first cgo build of Fyne takes minutes).
// Screenshots (home.png, procedure-card.png, after-drag.png, …) and figures.txt go to
// $INFOMAT_TEST_OUTPUT, or to <repo>/test-output/e2e/ when that is unset.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"infomat/assets"
	"infomat/buildinfo"
	"infomat/content"
	"infomat/kiosk"
)

const (
	e2eWidth  = 1080
	e2eHeight = 1920

	buildTimeout  = 15 * time.Minute
	readyTimeout  = 30 * time.Second // process start to "kiosk ready"
	screenTimeout = 10 * time.Second // a tap until the screen has changed and settled
	toolTimeout   = 10 * time.Second // one xdotool / import / xdpyinfo call
	stopTimeout   = 5 * time.Second  // SIGTERM grace before SIGKILL

	// secondInstanceBound is the time within which a second kiosk on the same data
	// directory must have given up rather than hung: store.Open waits 2 s for the lock, and
	// starting the process on a loaded CI machine once took it to 2.55 s, so the bound is
	// generous; the time itself is a figure (second_instance_exit_ms).
	secondInstanceBound = 15 * time.Second

	// procCard is the card the test opens: Sprawy urzędowe → Meldunek → this one.
	procCategory = "meldunek"
	procID       = "zameldowanie-pobyt-staly"
	procFile     = "procedury/zameldowanie-pobyt-staly.yaml"
)

var e2eTools = []string{"Xvfb", "xdpyinfo", "xdotool", "import"}

var (
	buildOnce sync.Once
	buildDir  string
	buildBin  string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// kioskBinary builds ./cmd/infomat once per test binary run.
func kioskBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "infomat-e2e-bin-")
		if buildErr != nil {
			return
		}
		buildBin = filepath.Join(buildDir, "infomat")
		ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
		defer cancel()
		start := time.Now()
		// e2etargets adds the target list the walk taps by (targets.go); the rest are the
		// product's own tags.
		cmd := exec.CommandContext(ctx, "go", "build", "-tags", "e2etargets,"+buildinfo.KioskTags, "-o", buildBin, ".")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build (after %s): %v\n%s", time.Since(start).Round(time.Second), err, out)
			return
		}
		t.Logf("built %s in %s", buildBin, time.Since(start).Round(100*time.Millisecond))
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildBin
}

func TestE2E(t *testing.T) {
	requireE2E(t)
	bin := kioskBinary(t)
	out := outputDir(t)
	figs := &figures{path: filepath.Join(out, "figures.txt")}
	testStart := time.Now()
	defer func() { t.Logf("e2e run time after build: %s", time.Since(testStart).Round(100*time.Millisecond)) }()

	display := startXvfb(t)
	if err := figs.note(fmt.Sprintf("# e2e run, Xvfb %s %dx%d", display, e2eWidth, e2eHeight)); err != nil {
		t.Errorf("figures: %v", err)
	}
	tmp := t.TempDir()
	data := filepath.Join(tmp, "data")

	// 1. Start the kiosk full screen, as on the terminal.
	k := startKiosk(t, bin, display, "--data", data)
	figs.add(t, "startup_ms_logged", k.startupMS, "ms (process start to 'kiosk ready', logged by the kiosk)")
	figs.add(t, "startup_wall_ms", k.wall.Milliseconds(), "ms (exec to 'kiosk ready' line, measured by the test)")

	scr := &screen{display: display, out: out}

	// First frame as a resident sees it: the first screenshot that is not blank. Each
	// screenshot takes ~0.1 s, which bounds the resolution of this figure.
	for {
		if blank(scr.shot(t)) == "" {
			figs.add(t, "first_frame_wall_ms", time.Since(k.started).Milliseconds(), "ms (exec to the first non-blank screenshot)")
			break
		}
		if time.Since(k.started) > readyTimeout {
			t.Fatal("screen still blank after the kiosk said it was ready")
		}
	}

	// 2. Home screen is drawn: not blank, the big tiles in the municipality's colour.
	var home image.Image
	if !t.Run("home", func(t *testing.T) {
		home = scr.settled(t)
		scr.save(t, home, "home.png")
		requireNotBlank(t, home, "home")
		if f := blueFraction(home, home.Bounds()); f < 0.3 {
			t.Fatalf("home: only %.0f%% of the screen is tile blue, want the 2-column tile grid (≥30%%)", 100*f)
		}
		time.Sleep(3 * time.Second) // idle on home
		rss, err := vmRSS(k.cmd.Process.Pid)
		if err != nil {
			t.Fatal(err)
		}
		figs.add(t, "idle_rss_kib", rss, "KiB (VmRSS after ~3 s idle on home)")
	}) {
		t.FailNow()
	}

	// 5. A second kiosk on the same data directory refuses quickly and says why.
	t.Run("second instance", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, "--data", data)
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		var outb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &outb, &outb
		start := time.Now()
		err := cmd.Run()
		took := time.Since(start)
		figs.add(t, "second_instance_exit_ms", took.Milliseconds(), "ms (second kiosk on the same data dir until it exits)")
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() <= 0 {
			t.Fatalf("second instance: want a non-zero exit, got %v; output:\n%s", err, outb.String())
		}
		if !strings.Contains(outb.String(), "już działa") {
			t.Errorf("second instance: output does not say %q:\n%s", "już działa", outb.String())
		}
		if took > secondInstanceBound {
			t.Errorf("second instance took %s to give up, want ≤ %s", took.Round(time.Millisecond), secondInstanceBound)
		}
		msg := strings.TrimSpace(outb.String())
		for _, line := range strings.Split(msg, "\n") {
			if strings.Contains(line, "już działa") {
				msg = line
			}
		}
		t.Logf("second instance exited with %d after %s: %s", ee.ExitCode(), took.Round(time.Millisecond), msg)
	})

	// 3. Sprawy urzędowe → Meldunek → Zameldowanie na pobyt stały, then a finger drag.
	t.Run("procedure card", func(t *testing.T) {
		b, err := content.Load(assets.DefaultContent())
		if err != nil {
			t.Fatalf("embedded content: %v", err)
		}
		var cats []string // as categoriesView lists them: only categories with cards
		for _, c := range b.Categories {
			if len(b.ProceduresIn(c.ID)) > 0 {
				cats = append(cats, c.ID)
			}
		}
		catRow := indexOf(cats, procCategory)
		var procs []string
		for _, p := range b.ProceduresIn(procCategory) {
			procs = append(procs, p.ID)
		}
		procRow := indexOf(procs, procID)
		if catRow < 0 || procRow < 0 {
			t.Fatalf("embedded content has no %s/%s (categories %v, cards %v)", procCategory, procID, cats, procs)
		}

		// Tap the first tile ("Sprawy urzędowe"), found in the screenshot.
		tile, ok := firstTile(home)
		if !ok {
			t.Fatal("home: no tile found in the left column")
		}
		t.Logf("tile %q at %v", "Sprawy urzędowe", tile)
		list := scr.tapAndWait(t, home, tile.Min.Add(tile.Size().Div(2)), "Sprawy urzędowe tile")
		scr.save(t, list, "categories.png")
		rows := listRows(list)
		if len(rows) != len(cats) {
			t.Fatalf("categories screen: %d list rows on screen, want %d (%v)", len(rows), len(cats), cats)
		}
		requireGreyDown(t, list, "categories screen")

		meld := scr.tapAndWait(t, list, rowCentre(rows[catRow]), "Meldunek row")
		scr.save(t, meld, "category-meldunek.png")
		rows = listRows(meld)
		if len(rows) != len(procs) {
			t.Fatalf("Meldunek screen: %d list rows, want %d (%v)", len(rows), len(procs), procs)
		}
		requireGreyDown(t, meld, "Meldunek screen")

		card := scr.tapAndWait(t, meld, rowCentre(rows[procRow]), "Zameldowanie na pobyt stały row")
		scr.save(t, card, "procedure-card.png")
		requireNotBlank(t, card, "procedure card")
		// A card is a long scroll view, not a list: ▼ is highlighted (more below), ▲ is
		// disabled (at the top), and there are no list rows.
		if n := len(listRows(card)); n > 1 {
			t.Fatalf("procedure card: looks like a list (%d rows), want the card", n)
		}
		if f := blueFraction(card, downArrow()); f < 0.5 {
			t.Fatalf("procedure card: ▼ is not highlighted (%.0f%% blue), want a long card with more below", 100*f)
		}
		if d := darkFraction(card, upArrow()); d > 0.01 {
			t.Fatalf("procedure card: ▲ looks enabled (%.1f%% dark), want the card at its top", 100*d)
		}

		// Finger drag upwards on the text: the card scrolls.
		from := image.Pt(e2eWidth/2, 1500)
		scr.drag(t, from, image.Pt(from.X, 700), 20)
		after := scr.waitChange(t, card, "drag")
		scr.save(t, after, "after-drag.png")
		requireNotBlank(t, after, "after drag")
		if d := darkFraction(after, upArrow()); d < 0.01 {
			t.Errorf("after drag: ▲ still disabled (%.1f%% dark), want it enabled once scrolled", 100*d)
		}
		t.Logf("drag changed %.1f%% of the screen", 100*diffFraction(card, after))
	})

	// 7. Corrupt store: moved aside, kiosk starts anyway.
	k.stop(t)
	t.Run("corrupt store", func(t *testing.T) {
		dbPath := filepath.Join(data, "infomat.db")
		garbage := bytes.Repeat([]byte("to nie jest baza bbolt \x00\xff\x13\x37 "), 2048)
		if err := os.WriteFile(dbPath, garbage, 0o600); err != nil {
			t.Fatal(err)
		}
		k2 := startKiosk(t, bin, display, "--data", data)
		defer k2.stop(t)
		figs.add(t, "startup_ms_corrupt_store", k2.startupMS, "ms (logged, after a corrupt store was moved aside)")
		if _, ok := k2.logs.find("store was corrupt; moved aside"); !ok {
			t.Errorf("no log line about the corrupt store being moved aside; log:\n%s", k2.logs.String())
		}
		// kiosk.AsideFiles, not a glob: salvage leaves a ".salvaged" sidecar beside the file.
		aside, err := kiosk.AsideFiles(data)
		if err != nil || len(aside) != 1 {
			t.Fatalf("want one infomat.db.corrupt-* file in %s, got %v (%v)", data, aside, err)
		}
		if _, err := os.Stat(aside[0] + ".salvaged"); err != nil {
			t.Fatalf("the moved-aside store was not marked as salvaged: %v", err)
		}
		got, err := os.ReadFile(aside[0])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, garbage) {
			t.Errorf("%s does not hold the garbage bytes (%d bytes, want %d)", aside[0], len(got), len(garbage))
		}
		t.Logf("corrupt store moved aside to %s", filepath.Base(aside[0]))
	})

	// 8. Broken content folder: rejected with file and field named, kiosk starts anyway.
	t.Run("bad content", func(t *testing.T) {
		dir := filepath.Join(tmp, "content")
		if err := os.CopyFS(dir, assets.DefaultContent()); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.FromSlash(procFile))
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		broken := strings.Replace(string(src), "kategoria: "+procCategory, "kategoria: nieistniejaca", 1)
		if broken == string(src) {
			t.Fatalf("%s has no %q line to break", procFile, "kategoria: "+procCategory)
		}
		if err := os.WriteFile(p, []byte(broken), 0o644); err != nil {
			t.Fatal(err)
		}
		k3 := startKiosk(t, bin, display, "--data", data, "--content", dir)
		defer k3.stop(t)
		figs.add(t, "startup_ms_bad_content", k3.startupMS, "ms (logged, with a rejected content folder)")
		if line, ok := k3.logs.find("kiosk ready"); ok && strings.Contains(line, "content=folder") {
			t.Errorf("broken folder was activated: %s", line)
		}
		line, ok := k3.logs.find("file=" + procFile)
		if !ok || !strings.Contains(line, "field=kategoria") {
			t.Fatalf("log does not name %s and field kategoria; log:\n%s", procFile, k3.logs.String())
		}
		t.Logf("logged: %s", line)
		shot := scr.settled(t)
		scr.save(t, shot, "bad-content-home.png")
		requireNotBlank(t, shot, "home with rejected content")
		if f := blueFraction(shot, shot.Bounds()); f < 0.3 {
			t.Errorf("home with rejected content: only %.0f%% tile blue", 100*f)
		}
	})
}

// requireE2E skips unless INFOMAT_E2E=1 and fails when a tool the test needs is missing.
func requireE2E(t *testing.T) {
	t.Helper()
	if os.Getenv("INFOMAT_E2E") != "1" {
		t.Skip("end-to-end test of the real kiosk under Xvfb; run it with " +
			"INFOMAT_E2E=1 go test ./cmd/infomat/ -run E2E -v -count=1 " +
			"(needs Xvfb, xdpyinfo, xdotool, ImageMagick)")
	}
	var missing []string
	for _, tool := range e2eTools {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("INFOMAT_E2E=1 but %s not found in PATH; install them "+
			"(Debian/Ubuntu: apt-get install xvfb x11-utils xdotool imagemagick)", strings.Join(missing, ", "))
	}

}

// ---- processes ----

// startXvfb starts a portrait Xvfb on a free display from :100 up and returns ":N".
func startXvfb(t *testing.T) string {
	t.Helper()
	for n := 100; n < 140; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n)); err == nil {
			continue
		}
		display := fmt.Sprintf(":%d", n)
		// -noreset: without it Xvfb resets when its last client leaves (the readiness probe
		// below), and a connection made during the reset is refused — "Failed to open
		// display" in a test that connects right after the probe (7 % of back-to-back
		// connections on a quiet machine, measured with XOpenDisplay in a loop).
		cmd := exec.Command("Xvfb", display, "-screen", "0", fmt.Sprintf("%dx%dx24", e2eWidth, e2eHeight), "-nolisten", "tcp", "-noreset")
		var log bytes.Buffer
		cmd.Stdout, cmd.Stderr = &log, &log
		// Pdeathsig: also gone if the test binary dies without cleanups (go test -timeout).
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
		if err := cmd.Start(); err != nil {
			t.Fatalf("start Xvfb: %v", err)
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		t.Cleanup(func() {
			// SIGTERM first: a SIGKILLed Xvfb leaves its lock file and socket behind.
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(3 * time.Second):
			}
			killGroup(cmd, done)
		})

		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			select {
			case <-done:
				// Lost a race for this display number; try the next one.
				t.Logf("Xvfb %s exited: %s", display, strings.TrimSpace(log.String()))
				goto next
			default:
			}
			if err := runTool(display, nil, "xdpyinfo"); err == nil {
				t.Logf("Xvfb on %s (%dx%d)", display, e2eWidth, e2eHeight)
				return display
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("Xvfb %s did not accept connections within 10 s: %s", display, log.String())
	next:
	}
	t.Fatal("no free X display between :100 and :139")
	return ""
}

type kioskProc struct {
	cmd       *exec.Cmd
	logs      *logBuf
	done      chan struct{}
	started   time.Time
	wall      time.Duration
	startupMS int64
}

var startupRE = regexp.MustCompile(`startup_ms=(\d+)`)

// startKiosk starts the binary full screen on display and waits for "kiosk ready".
func startKiosk(t *testing.T, bin, display string, args ...string) *kioskProc {
	t.Helper()
	return startKioskEnv(t, bin, display, nil, args...)
}

// startKioskEnv is startKiosk with extra environment variables.
func startKioskEnv(t *testing.T, bin, display string, env []string, args ...string) *kioskProc {
	t.Helper()
	k := &kioskProc{logs: newLogBuf(), done: make(chan struct{})}
	k.cmd = exec.Command(bin, args...)
	k.cmd.Env = append(append(os.Environ(), "DISPLAY="+display), env...)
	k.cmd.Stdout, k.cmd.Stderr = k.logs, k.logs
	k.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	start := time.Now()
	k.started = start
	if err := k.cmd.Start(); err != nil {
		t.Fatalf("start kiosk: %v", err)
	}
	go func() { k.cmd.Wait(); close(k.done) }()
	t.Cleanup(func() { killGroup(k.cmd, k.done) })

	line, err := k.logs.waitFor("kiosk ready", readyTimeout, k.done)
	if err != nil {
		t.Fatalf("kiosk %v: %v; log:\n%s", args, err, k.logs.String())
	}
	k.wall = time.Since(start)
	if m := startupRE.FindStringSubmatch(line); m != nil {
		k.startupMS, _ = strconv.ParseInt(m[1], 10, 64)
	} else {
		t.Errorf("'kiosk ready' line has no startup_ms: %s", line)
	}
	t.Logf("kiosk %v ready: startup_ms=%d, wall %s (pid %d)", args, k.startupMS, k.wall.Round(time.Millisecond), k.cmd.Process.Pid)
	return k
}

// stop sends SIGTERM and, after stopTimeout, SIGKILL to the kiosk's process group.
func (k *kioskProc) stop(t *testing.T) {
	t.Helper()
	select {
	case <-k.done:
		return
	default:
	}
	_ = syscall.Kill(-k.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-k.done:
	case <-time.After(stopTimeout):
		t.Logf("kiosk ignored SIGTERM for %s; killing it", stopTimeout)
		killGroup(k.cmd, k.done)
	}
}

// killGroup SIGKILLs the process group of a Setpgid command and waits for it (bounded).
func killGroup(cmd *exec.Cmd, done <-chan struct{}) {
	if cmd.Process == nil {
		return
	}
	select {
	case <-done:
	default:
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
	}
	// Children that outlived the leader (none expected) go too.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}

// runTool runs an X client on display, bounded by toolTimeout. Its standard output goes to
// stdout (may be nil); the combined error output is returned with the error.
func runTool(display string, stdout io.Writer, name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	var errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = stdout, &errb
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return nil
}

func vmRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest) // "184216 kB"
			if len(f) >= 1 {
				return strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// logBuf collects a process's output and lets the test wait for a line.
type logBuf struct {
	mu      sync.Mutex
	all     bytes.Buffer
	lines   []string
	partial []byte
	changed chan struct{}
}

func newLogBuf() *logBuf { return &logBuf{changed: make(chan struct{})} }

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all.Write(p)
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.lines = append(l.lines, string(l.partial[:i]))
		l.partial = l.partial[i+1:]
	}
	close(l.changed)
	l.changed = make(chan struct{})
	return len(p), nil
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.all.String()
}

func (l *logBuf) find(substr string) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		if strings.Contains(line, substr) {
			return line, true
		}
	}
	return "", false
}

// waitFor returns the first line containing substr, or an error after timeout or when
// exited is closed first.
func (l *logBuf) waitFor(substr string, timeout time.Duration, exited <-chan struct{}) (string, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		changed := l.changed
		l.mu.Unlock()
		if line, ok := l.find(substr); ok {
			return line, nil
		}
		select {
		case <-changed:
		case <-exited:
			if line, ok := l.find(substr); ok {
				return line, nil
			}
			return "", fmt.Errorf("exited before logging %q", substr)
		case <-deadline.C:
			return "", fmt.Errorf("no %q within %s", substr, timeout)
		}
	}
}

// ---- output ----

func outputDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("INFOMAT_TEST_OUTPUT")
	if dir == "" {
		root, err := repoRoot()
		if err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(root, "test-output", "e2e")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

// figures are logged and appended to figures.txt, one "time name=value unit" line each.
type figures struct{ path string }

func (f *figures) add(t *testing.T, name string, value int64, unit string) {
	t.Helper()
	t.Logf("figure: %s=%d %s", name, value, unit)
	if err := f.note(fmt.Sprintf("%s %s=%d %s", time.Now().Format(time.RFC3339), name, value, unit)); err != nil {
		t.Errorf("figures: %v", err)
	}
}

// note appends one line to figures.txt.
func (f *figures) note(line string) error {
	fh, err := os.OpenFile(f.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(fh, line)
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	return err
}

// ---- screen ----

type screen struct {
	display string
	out     string
}

// shot takes a screenshot of the whole screen and decodes it.
func (s *screen) shot(t *testing.T) image.Image {
	t.Helper()
	var png_ bytes.Buffer
	if err := runTool(s.display, &png_, "import", "-window", "root", "png:-"); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&png_)
	if err != nil {
		t.Fatalf("decode screenshot: %v", err)
	}
	if b := img.Bounds(); b.Dx() != e2eWidth || b.Dy() != e2eHeight {
		t.Fatalf("screenshot is %dx%d, want %dx%d", b.Dx(), b.Dy(), e2eWidth, e2eHeight)
	}
	return img
}

func (s *screen) save(t *testing.T, img image.Image, name string) {
	t.Helper()
	path := filepath.Join(s.out, name)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// settled waits until the screen has something on it and two shots in a row are equal.
func (s *screen) settled(t *testing.T) image.Image {
	t.Helper()
	deadline := time.Now().Add(screenTimeout)
	prev := s.shot(t)
	for time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		cur := s.shot(t)
		if blank(cur) == "" && diffFraction(prev, cur) == 0 {
			return cur
		}
		prev = cur
	}
	t.Fatalf("screen did not settle within %s (blank: %s)", screenTimeout, blank(prev))
	return nil
}

// waitChange waits until the screen differs from before by more than 1% and is stable.
func (s *screen) waitChange(t *testing.T, before image.Image, what string) image.Image {
	t.Helper()
	deadline := time.Now().Add(screenTimeout)
	var prev image.Image
	for time.Now().Before(deadline) {
		time.Sleep(150 * time.Millisecond)
		cur := s.shot(t)
		if diffFraction(before, cur) > 0.01 {
			if prev != nil && diffFraction(prev, cur) == 0 {
				return cur
			}
			prev = cur
		}
	}
	t.Fatalf("%s: the screen did not change (or kept changing) within %s", what, screenTimeout)
	return nil
}

// tapAndWait taps at p like a finger and returns the settled new screen.
func (s *screen) tapAndWait(t *testing.T, before image.Image, p image.Point, what string) image.Image {
	t.Helper()
	t.Logf("tap %s at (%d,%d)", what, p.X, p.Y)
	s.xdotool(t, "mousemove", strconv.Itoa(p.X), strconv.Itoa(p.Y), "click", "1")
	return s.waitChange(t, before, what)
}

// drag presses at from, moves to to in steps (as a finger does) and lifts.
func (s *screen) drag(t *testing.T, from, to image.Point, steps int) {
	t.Helper()
	args := []string{"mousemove", strconv.Itoa(from.X), strconv.Itoa(from.Y), "mousedown", "1", "sleep", "0.05"}
	for i := 1; i <= steps; i++ {
		x := from.X + (to.X-from.X)*i/steps
		y := from.Y + (to.Y-from.Y)*i/steps
		args = append(args, "mousemove", strconv.Itoa(x), strconv.Itoa(y), "sleep", "0.02")
	}
	args = append(args, "mouseup", "1")
	t.Logf("drag (%d,%d) → (%d,%d) in %d steps", from.X, from.Y, to.X, to.Y, steps)
	s.xdotool(t, args...)
}

func (s *screen) xdotool(t *testing.T, args ...string) {
	t.Helper()
	if err := runTool(s.display, nil, "xdotool", args...); err != nil {
		t.Fatal(err)
	}
}

// ---- image evidence ----

func rgb(img image.Image, x, y int) (r, g, b uint8) {
	R, G, B, _ := img.At(x, y).RGBA()
	return uint8(R >> 8), uint8(G >> 8), uint8(B >> 8)
}

// isBlue is the municipality's dark blue (tiles, buttons, highlighted arrows), loosely.
func isBlue(r, g, b uint8) bool {
	return int(b) > int(r)+60 && int(b) > int(g)+30 && b > 100
}

func blueFraction(img image.Image, rect image.Rectangle) float64 {
	n, blue := 0, 0
	for y := rect.Min.Y; y < rect.Max.Y; y++ {
		for x := rect.Min.X; x < rect.Max.X; x++ {
			n++
			if isBlue(rgb(img, x, y)) {
				blue++
			}
		}
	}
	return float64(blue) / float64(max(n, 1))
}

// darkFraction is the share of near-black pixels: an enabled ▲/▼ icon on a light button.
func darkFraction(img image.Image, rect image.Rectangle) float64 {
	n, dark := 0, 0
	for y := rect.Min.Y; y < rect.Max.Y; y++ {
		for x := rect.Min.X; x < rect.Max.X; x++ {
			n++
			if r, g, b := rgb(img, x, y); int(r)+int(g)+int(b) < 3*80 {
				dark++
			}
		}
	}
	return float64(dark) / float64(max(n, 1))
}

// The pager's arrow buttons at the right edge, below the top bar and at the bottom.
func upArrow() image.Rectangle {
	return image.Rect(e2eWidth-80, 110, e2eWidth-12, 220)
}

func downArrow() image.Rectangle {
	return image.Rect(e2eWidth-80, e2eHeight-115, e2eWidth-12, e2eHeight-15)
}

func requireGreyDown(t *testing.T, img image.Image, what string) {
	t.Helper()
	if f := blueFraction(img, downArrow()); f > 0.1 {
		t.Fatalf("%s: ▼ is highlighted (%.0f%% blue), want a short list with nothing below", what, 100*f)
	}
}

// blank returns why img looks blank, or "" when it has real content.
func blank(img image.Image) string {
	b := img.Bounds()
	counts := map[[3]uint8]int{}
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl := rgb(img, x, y)
			counts[[3]uint8{r, g, bl}]++
		}
	}
	total, top := 0, 0
	for _, c := range counts {
		total += c
		top = max(top, c)
	}
	switch {
	case len(counts) < 16:
		return fmt.Sprintf("only %d distinct colours", len(counts))
	case float64(top) > 0.98*float64(total):
		return fmt.Sprintf("one colour covers %.1f%%", 100*float64(top)/float64(total))
	}
	return ""
}

func requireNotBlank(t *testing.T, img image.Image, what string) {
	t.Helper()
	if why := blank(img); why != "" {
		t.Fatalf("%s: screenshot looks blank: %s", what, why)
	}
}

func diffFraction(a, b image.Image) float64 {
	r := a.Bounds().Intersect(b.Bounds())
	n, diff := 0, 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			n++
			r1, g1, b1 := rgb(a, x, y)
			r2, g2, b2 := rgb(b, x, y)
			if r1 != r2 || g1 != g2 || b1 != b2 {
				diff++
			}
		}
	}
	return float64(diff) / float64(max(n, 1))
}

// firstTile finds the top-left home tile: the first tall blue run down the left quarter
// column, widened to the blue run across it (scanned in the tile's upper part, away from
// the white label in its middle).
func firstTile(img image.Image) (image.Rectangle, bool) {
	x := e2eWidth / 4
	y0 := -1
	for y := 0; y < e2eHeight; y++ {
		if isBlue(rgb(img, x, y)) {
			if y0 < 0 {
				y0 = y
			}
			continue
		}
		if y0 >= 0 && y-y0 >= 150 { // a tile is two touch targets tall
			row := y0 + (y-y0)/4
			x0, x1 := x, x
			for x0 > 0 && isBlue(rgb(img, x0-1, row)) {
				x0--
			}
			for x1 < e2eWidth-1 && isBlue(rgb(img, x1+1, row)) {
				x1++
			}
			return image.Rect(x0, y0, x1+1, y), true
		}
		y0 = -1
	}
	return image.Rectangle{}, false
}

// listRows finds a list's rows from their separator lines: light grey lines across the
// list's width, the top bar's separator being the first row's top edge. Rows are at most
// maxRowGap apart; the last row has no line under it and counts if something is drawn in it.
func listRows(img image.Image) []image.Rectangle {
	const maxRowGap = 200 // a row is one touch target (~127 px here)
	var lines []int
	for y := 60; y < e2eHeight-10; y++ {
		r0, g0, b0 := rgb(img, 20, y)
		if r0 != g0 || g0 != b0 || r0 < 200 || r0 > 240 {
			continue
		}
		same := true
		for x := 20; x < 950 && same; x += 5 {
			r, g, b := rgb(img, x, y)
			same = r == r0 && g == g0 && b == b0
		}
		if !same || (len(lines) > 0 && y <= lines[len(lines)-1]+3) {
			continue
		}
		if len(lines) > 0 && y-lines[len(lines)-1] > maxRowGap {
			break // not a row separator any more (e.g. a table on a card)
		}
		lines = append(lines, y)
	}
	if len(lines) == 0 {
		return nil
	}
	h := 127
	if len(lines) > 1 {
		h = lines[len(lines)-1] - lines[len(lines)-2]
	}
	var rows []image.Rectangle
	for i, y := range lines {
		end := y + h
		if i+1 < len(lines) {
			end = lines[i+1]
		}
		rows = append(rows, image.Rect(0, y, 950, end))
	}
	last := rows[len(rows)-1]
	if darkFraction(img, image.Rect(last.Min.X+10, last.Min.Y+2, last.Max.X, last.Max.Y-2)) == 0 {
		rows = rows[:len(rows)-1]
	}
	return rows
}

func rowCentre(r image.Rectangle) image.Point {
	return image.Pt(r.Min.X+r.Dx()/3, r.Min.Y+r.Dy()/2)
}

func indexOf(xs []string, s string) int {
	for i, x := range xs {
		if x == s {
			return i
		}
	}
	return -1
}
