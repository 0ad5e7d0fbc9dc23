package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"infomat/assets"
	"infomat/buildinfo"
	"infomat/l10n"
	"infomat/soak"
)

// The real binary under Xvfb, tapped with xdotool: slower by far than the headless walk (a
// tap waits for the kiosk to draw), but it measures the kiosk as it runs, GL driver, fonts
// and all. The kiosk is built with -tags e2etargets, which makes it write the current
// screen's targets to INFOMAT_DEBUG_TARGETS on SIGUSR1 (cmd/infomat/targets_debug.go); the
// resident taps their centres. Its idle timeout is shortened with --idle, so walking away
// takes seconds.

// realIdle is the kiosk's idle timeout in this mode; walking away waits it out.
const realIdle = 10 * time.Second

// target is cmd/infomat's debug target: one tappable object, in pixels.
type target struct {
	Text       string `json:"text"`
	Kind       string `json:"kind"`
	X, Y, W, H int
}

// runXvfb walks actions taps through bin (built here when empty) and samples its resident
// set from /proc/PID/smaps_rollup every every actions.
func runXvfb(bin string, actions, every int, seed uint64, sample func(soak.Sample)) ([]soak.Sample, error) {
	tmp, err := os.MkdirTemp("", "infomat-soak-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if bin == "" {
		bin = filepath.Join(tmp, "infomat")
		log.Printf("building the kiosk with -tags e2etargets,%s", buildinfo.KioskTags)
		cmd := exec.Command("go", "build", "-tags", "e2etargets,"+buildinfo.KioskTags, "-o", bin, "./cmd/infomat")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("build the kiosk: %w", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	display, err := startXvfb(ctx)
	if err != nil {
		return nil, err
	}
	file := filepath.Join(tmp, "targets.json")
	k := exec.CommandContext(ctx, bin, "--demo", "--data", filepath.Join(tmp, "data"), "--idle", realIdle.String())
	k.Env = append(os.Environ(), "DISPLAY="+display, "INFOMAT_DEBUG_TARGETS="+file)
	var klog bytes.Buffer
	k.Stdout, k.Stderr = &klog, &klog
	k.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := k.Start(); err != nil {
		return nil, fmt.Errorf("start the kiosk: %w", err)
	}
	defer func() { _ = k.Process.Signal(syscall.SIGTERM); _ = k.Wait() }()
	pid := k.Process.Pid

	loc, err := l10n.New(assets.Translations())
	if err != nil {
		return nil, err
	}
	targets := func() ([]target, error) {
		os.Remove(file)
		if err := syscall.Kill(pid, syscall.SIGUSR1); err != nil {
			return nil, fmt.Errorf("signal the kiosk: %w; log:\n%s", err, klog.String())
		}
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			b, err := os.ReadFile(file)
			if err != nil {
				continue
			}
			var ts []target
			if err := json.Unmarshal(b, &ts); err != nil {
				return nil, err
			}
			var out []target // labels are only read
			for _, t := range ts {
				if t.Kind != "*widget.Label" && t.Kind != "*canvas.Text" {
					out = append(out, t)
				}
			}
			return out, nil
		}
		return nil, fmt.Errorf("the kiosk wrote no targets; log:\n%s", klog.String())
	}
	// The kiosk answers SIGUSR1 once its window is up.
	time.Sleep(2 * time.Second)
	if _, err := targets(); err != nil {
		return nil, err
	}
	tap := func(t target) error {
		x, y := t.X+t.W/2, t.Y+t.H/2
		cmd := exec.Command("xdotool", "mousemove", strconv.Itoa(x), strconv.Itoa(y), "click", "1")
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("xdotool: %v: %s", err, out)
		}
		time.Sleep(300 * time.Millisecond) // a resident's quickest pace; the kiosk draws
		return nil
	}

	rng := rand.New(rand.NewPCG(seed, 17))
	var samples []soak.Sample
	start := time.Now()
	take := func(n int) {
		s := soak.Sample{Actions: n, Elapsed: time.Since(start), RSS: smapsRSS(pid)}
		samples = append(samples, s)
		sample(s)
	}
	take(0)
	for n := 1; n <= actions; n++ {
		ts, err := targets()
		if err != nil {
			return samples, err
		}
		back, home := loc.T("nav.back"), loc.T("nav.home")
		pick := func(match func(string) bool) (target, bool) {
			var hits []target
			for _, t := range ts {
				if match(t.Text) {
					hits = append(hits, t)
				}
			}
			if len(hits) == 0 {
				return target{}, false
			}
			return hits[rng.IntN(len(hits))], true
		}
		nav := func(s string) bool {
			return s == back || s == home || s == "PL" || s == "EN" || s == "УКР" ||
				s == l10n.PL.Name() || s == l10n.EN.Name() || s == l10n.UK.Name()
		}
		var t target
		ok := false
		// The headless walk's weights, for what a finger can do here: taps only, no typing.
		switch r := rng.IntN(100); {
		case r < 2:
			time.Sleep(realIdle + 3*time.Second) // walk away: the warning, the reset
		case r < 18:
			t, ok = pick(func(s string) bool { return s == back })
		case r < 24:
			t, ok = pick(func(s string) bool { return s == home })
		case r < 30:
			t, ok = pick(func(s string) bool { return s == "PL" || s == "EN" || s == "УКР" })
		}
		if !ok {
			t, ok = pick(func(s string) bool { return !nav(s) })
		}
		if ok {
			if err := tap(t); err != nil {
				return samples, err
			}
		}
		if n%every == 0 || n == actions {
			take(n)
		}
	}
	return samples, nil
}

// smapsRSS is pid's resident set in bytes from /proc/PID/smaps_rollup; 0 when unreadable.
func smapsRSS(pid int) uint64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "Rss:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// startXvfb starts Xvfb on the first free display from :150, portrait like the kiosk's
// screen; ctx's end stops it.
func startXvfb(ctx context.Context) (string, error) {
	for n := 150; n < 190; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n)); err == nil {
			continue
		}
		display := fmt.Sprintf(":%d", n)
		// -noreset: a reset when the last client leaves refuses connections made meanwhile.
		cmd := exec.CommandContext(ctx, "Xvfb", display, "-screen", "0", "1080x1920x24", "-nolisten", "tcp", "-noreset")
		cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) } // SIGKILL leaves the lock file
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
		if err := cmd.Start(); err != nil {
			return "", fmt.Errorf("start Xvfb: %w", err)
		}
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			check := exec.Command("xdpyinfo")
			check.Env = append(os.Environ(), "DISPLAY="+display)
			if check.Run() == nil {
				return display, nil
			}
		}
		_ = cmd.Process.Kill()
	}
	return "", errors.New("no free X display between :150 and :189")
}
