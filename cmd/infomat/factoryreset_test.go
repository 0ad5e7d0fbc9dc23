package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"infomat/outbox"
	"infomat/store"
)

// resetFixture is a data directory as a provisioned kiosk leaves it, with queued
// submissions, a store moved aside once, credentials, and a file that is not the kiosk's.
func resetFixture(t *testing.T, queued int) string {
	t.Helper()
	dir := t.TempDir()
	st, _, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if queued > 0 {
		id, err := age.GenerateX25519Identity()
		if err != nil {
			t.Fatal(err)
		}
		ob, err := outbox.Open(st.Bolt())
		if err != nil {
			t.Fatal(err)
		}
		for range queued {
			if _, err := ob.Enqueue(context.Background(), outbox.Meta{Procedure: "p"}, "PR", []byte(`{}`), id.Recipient()); err != nil {
				t.Fatal(err)
			}
		}
	}
	st.Close()
	for name, data := range map[string]string{
		"credentials.json":                   `{}`,
		"infomat.db.corrupt-20261101-120000": "x",
		"notes.txt":                          "not the kiosk's",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func dirNames(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return strings.Join(names, " ")
}

const allFiles = "credentials.json infomat.db infomat.db.corrupt-20261101-120000 notes.txt"

func TestFactoryReset(t *testing.T) {
	reset := func(dir, stdin string, flags ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := factoryResetCmd(append([]string{"--data", dir}, flags...), strings.NewReader(stdin), &out, &errOut)
		return code, out.String(), errOut.String()
	}

	t.Run("asks and aborts", func(t *testing.T) {
		dir := resetFixture(t, 0)
		code, out, errOut := reset(dir, "tak\n")
		if code != 1 || !strings.Contains(out, "Wpisz TAK") || !strings.Contains(errOut, "nic nie usunięto") {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		if got := dirNames(t, dir); got != allFiles {
			t.Fatalf("files after abort: %s", got)
		}
	})

	t.Run("TAK wipes the kiosk's files only", func(t *testing.T) {
		dir := resetFixture(t, 0)
		code, out, errOut := reset(dir, "TAK\n")
		if code != 0 {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		for _, want := range []string{"Kolejka wniosków: nic nie czeka", "Usunięto: infomat.db (", "Usunięto: credentials.json", "Usunięto: infomat.db.corrupt-20261101-120000"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if got := dirNames(t, dir); got != "notes.txt" {
			t.Fatalf("left: %s", got)
		}
	})

	t.Run("--yes without a queue does not ask", func(t *testing.T) {
		dir := resetFixture(t, 0)
		code, out, errOut := reset(dir, "", "--yes")
		if code != 0 || strings.Contains(out, "Wpisz TAK") {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
	})

	t.Run("queued submissions need TAK even with --yes", func(t *testing.T) {
		dir := resetFixture(t, 3)
		code, out, errOut := reset(dir, "", "--yes")
		if code != 1 || !strings.Contains(out, "niewysłane wnioski w kolejce: 3") || !strings.Contains(out, "UTRACONE") {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		if got := dirNames(t, dir); got != allFiles {
			t.Fatalf("files after abort: %s", got)
		}
		if code, out, errOut := reset(dir, "TAK\n", "--yes"); code != 0 {
			t.Fatalf("TAK: exit %d\n%s%s", code, out, errOut)
		}
		if got := dirNames(t, dir); got != "notes.txt" {
			t.Fatalf("left: %s", got)
		}
	})

	t.Run("submissions in a moved-aside store need TAK", func(t *testing.T) {
		dir := resetFixture(t, 4)
		// The store with the queue was found corrupt and set aside; a fresh one took over.
		if err := os.Rename(filepath.Join(dir, "infomat.db"), filepath.Join(dir, "infomat.db.corrupt-20261102-080000")); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := reset(dir, "", "--yes")
		if code != 1 || !strings.Contains(out, "infomat.db.corrupt-20261102-080000: niewysłane wnioski: 4") ||
			!strings.Contains(out, "niewysłane wnioski w kolejce: 4") {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		if code, out, errOut := reset(dir, "TAK\n", "--yes"); code != 0 || strings.Contains(dirNames(t, dir), "corrupt") {
			t.Fatalf("TAK: exit %d\n%s%s", code, out, errOut)
		}
	})

	t.Run("--yes --force", func(t *testing.T) {
		dir := resetFixture(t, 2)
		code, out, errOut := reset(dir, "", "--yes", "--force")
		if code != 0 || strings.Contains(out, "Wpisz TAK") || !strings.Contains(out, "niewysłane wnioski w kolejce: 2") {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
	})

	t.Run("refuses while the kiosk runs", func(t *testing.T) {
		dir := resetFixture(t, 1)
		st, _, err := store.Open(context.Background(), dir) // the running kiosk
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		code, out, errOut := reset(dir, "TAK\n", "--yes", "--force")
		if code != 1 || !strings.Contains(errOut, "Kiosk działa") || !strings.Contains(errOut, "systemctl stop infomat") {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		if got := dirNames(t, dir); got != allFiles {
			t.Fatalf("files touched while locked: %s", got)
		}
	})

	t.Run("nothing there", func(t *testing.T) {
		if code, out, _ := reset(filepath.Join(t.TempDir(), "none"), ""); code != 0 || !strings.Contains(out, "nie ma czego usuwać") {
			t.Fatalf("exit %d: %s", code, out)
		}
		empty := t.TempDir()
		if code, out, _ := reset(empty, ""); code != 0 || !strings.Contains(out, "nie ma czego usuwać") {
			t.Fatalf("exit %d: %s", code, out)
		}
	})
}

// TestKioskWithoutDisplay: no DISPLAY nor WAYLAND_DISPLAY gives the one "Brak ekranu" line
// and exit status 3, before the data directory is touched.
func TestKioskWithoutDisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	defer func(d time.Duration) { noDisplayPause = d }(noDisplayPause)
	noDisplayPause = 10 * time.Millisecond

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = w
	data := filepath.Join(t.TempDir(), "data")
	code := runKiosk([]string{"--data", data})
	os.Stderr = saved
	w.Close()
	var buf bytes.Buffer
	buf.ReadFrom(r)
	out := buf.String()

	if code != exitNoDisplay {
		t.Fatalf("exit %d, want %d\n%s", code, exitNoDisplay, out)
	}
	if strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "Brak ekranu: ") || !strings.Contains(out, "No display") {
		t.Fatalf("want one Polish+English line, got:\n%s", out)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Fatalf("the data directory was touched: %v", err)
	}
}

// TestKioskDisplayUnreachable runs the real binary with a DISPLAY no X server answers:
// Fyne's GLFW driver panics in NewWindow; the kiosk turns that into the "Brak ekranu"
// line, waits, and exits with status 3 — a calm retry for systemd, not a crash dump.
func TestKioskDisplayUnreachable(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := kioskBinary(t)
	var wg sync.WaitGroup
	for _, display := range []string{":87", ""} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(bin, "--data", t.TempDir())
			cmd.Env = append(os.Environ(), "DISPLAY="+display, "WAYLAND_DISPLAY=")
			start := time.Now()
			out, err := cmd.CombinedOutput()
			took := time.Since(start)
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() != exitNoDisplay {
				t.Errorf("DISPLAY=%q: %v, want exit status %d\n%s", display, err, exitNoDisplay, out)
				return
			}
			if !strings.Contains(string(out), "Brak ekranu: ") || strings.Contains(string(out), "goroutine ") {
				t.Errorf("DISPLAY=%q: output:\n%s", display, out)
			}
			if took < noDisplayPause {
				t.Errorf("DISPLAY=%q: exited after %v, before the %v pause", display, took, noDisplayPause)
			}
		}()
	}
	wg.Wait()
}

func TestVersionCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := kioskBinary(t)
	for _, arg := range []string{"version", "--version"} {
		out, err := exec.Command(bin, arg).Output() // stdout: Fyne may log about the locale on stderr
		if err != nil || !strings.HasPrefix(string(out), "infomat ") || !strings.Contains(string(out), "go1.") {
			t.Fatalf("%s: %v %q", arg, err, out)
		}
	}
}
