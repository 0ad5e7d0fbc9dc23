package main

import (
	"bytes"
	"debug/buildinfo"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The binaries are built once per run (the cgo kiosk takes minutes on a cold cache), when the
// first test needs them, and every test packages them again as it needs. A run that selects
// none of those tests (go test -run '^$' -bench ., a compile check) builds nothing.
const testVersion = "0.5.0"

var (
	tmpDir  string // removed by TestMain
	binDir  string // the built binaries
	distDir string // testVersion's packages
	debs    = map[string]string{}

	buildOnce sync.Once
	buildErr  error
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	var err error
	tmpDir, err = os.MkdirTemp("", "infomat-packaging-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmpDir)
	return m.Run()
}

// packaged builds the binaries and testVersion's packages the first time a test asks.
func packaged(t *testing.T) {
	t.Helper()
	buildOnce.Do(func() { buildErr = buildPackages() })
	if buildErr != nil {
		t.Fatalf("building the packages: %v", buildErr)
	}
}

func buildPackages() error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	date, err := sourceDate(root)
	if err != nil {
		return err
	}
	binDir = filepath.Join(tmpDir, "bin")
	if err := buildBinaries(root, binDir, testVersion, date); err != nil {
		return err
	}
	distDir = filepath.Join(tmpDir, "dist")
	paths, err := run(testVersion, distDir, binDir)
	if err != nil {
		return err
	}
	for _, p := range paths {
		debs[strings.SplitN(filepath.Base(p), "_", 2)[0]] = p
	}
	return nil
}

func needDpkgDeb(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("dpkg-deb is missing in CI")
		}
		t.Skip("dpkg-deb is missing (not Debian?)")
	}
}

func output(t *testing.T, name string, args ...string) string {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

func TestFileNames(t *testing.T) {
	packaged(t)
	for name, want := range map[string]string{
		"infomat":        "infomat_" + testVersion + "_amd64.deb",
		"infomat-portal": "infomat-portal_" + testVersion + "_amd64.deb",
		"infomat-tools":  "infomat-tools_" + testVersion + "_amd64.deb",
	} {
		if got := filepath.Base(debs[name]); got != want {
			t.Errorf("%s: file %q, want %q", name, got, want)
		}
	}
}

func TestControlFields(t *testing.T) {
	needDpkgDeb(t)
	packaged(t)
	for name, wantDeps := range map[string][]string{
		// cage and xwayland are Depends: without them there is no kiosk.
		"infomat": {"libc6", "libgl1", "libx11-6", "libxcursor1", "libxrandr2", "libxinerama1",
			"libxi6", "libxxf86vm1", "adduser", "cage", "xwayland", "poppler-utils", "espeak-ng", "alsa-utils"},
		"infomat-portal": {"libc6", "adduser"},
		"infomat-tools":  {"libc6"},
	} {
		info := output(t, "dpkg-deb", "-I", debs[name])
		fields := map[string]string{}
		for _, line := range strings.Split(info, "\n") {
			line = strings.TrimSpace(line)
			if k, v, ok := strings.Cut(line, ": "); ok && !strings.Contains(k, " ") {
				fields[k] = v
			}
		}
		for k, want := range map[string]string{"Package": name, "Version": testVersion, "Architecture": "amd64"} {
			if fields[k] != want {
				t.Errorf("%s: %s = %q, want %q", name, k, fields[k], want)
			}
		}
		deps := strings.Split(fields["Depends"], ", ")
		for _, d := range wantDeps {
			if !slices.Contains(deps, d) {
				t.Errorf("%s: Depends %q lacks %s", name, fields["Depends"], d)
			}
		}
		if name == "infomat" {
			rec := strings.Split(fields["Recommends"], ", ")
			for _, r := range []string{"fonts-dejavu-core", "wlr-randr"} {
				if !slices.Contains(rec, r) {
					t.Errorf("infomat: Recommends %q lacks %s", fields["Recommends"], r)
				}
			}
		}
		if name == "infomat-tools" {
			// It takes /usr/bin/infomat-sim over from an older infomat.
			older := "infomat (<< " + testVersion + ")"
			if fields["Replaces"] != older || fields["Breaks"] != older {
				t.Errorf("infomat-tools: Replaces %q, Breaks %q, want both %q", fields["Replaces"], fields["Breaks"], older)
			}
		}
	}
}

// entry is one line of dpkg-deb -c.
type entry struct{ mode, owner string }

func contents(t *testing.T, deb string) map[string]entry {
	t.Helper()
	m := map[string]entry{}
	for _, line := range strings.Split(strings.TrimSpace(output(t, "dpkg-deb", "-c", deb)), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 {
			t.Fatalf("dpkg-deb -c line %q", line)
		}
		m[strings.TrimPrefix(f[len(f)-1], ".")] = entry{f[0], f[1]}
	}
	return m
}

func TestContents(t *testing.T) {
	needDpkgDeb(t)
	packaged(t)
	want := map[string]map[string]string{
		"infomat": {
			"/usr/bin/infomat":                            "-rwxr-xr-x",
			"/usr/libexec/infomat/infomat-session":        "-rwxr-xr-x",
			"/usr/libexec/infomat/infomat-touch-rotation": "-rwxr-xr-x",
			"/lib/systemd/system/infomat.service":         "-rw-r--r--",
			"/lib/systemd/system/infomat-restart.service": "-rw-r--r--",
			"/lib/systemd/system/infomat-restart.timer":   "-rw-r--r--",
			"/lib/udev/rules.d/70-infomat.rules":          "-rw-r--r--",
			"/usr/lib/tmpfiles.d/infomat.conf":            "-rw-r--r--",
			"/etc/infomat/infomat.conf":                   "-rw-r--r--",
			"/usr/share/doc/infomat/README.Debian":        "-rw-r--r--",
			"/usr/share/doc/infomat/copyright":            "-rw-r--r--",
			"/usr/share/doc/infomat/changelog.gz":         "-rw-r--r--",
			"/usr/share/man/man1/infomat.1.gz":            "-rw-r--r--",
		},
		"infomat-portal": {
			"/usr/bin/infomat-portal":                     "-rwxr-xr-x",
			"/lib/systemd/system/infomat-portal.service":  "-rw-r--r--",
			"/usr/lib/tmpfiles.d/infomat-portal.conf":     "-rw-r--r--",
			"/etc/infomat-portal/portal.conf":             "-rw-r--r--",
			"/usr/share/doc/infomat-portal/README.Debian": "-rw-r--r--",
			"/usr/share/doc/infomat-portal/copyright":     "-rw-r--r--",
			"/usr/share/doc/infomat-portal/changelog.gz":  "-rw-r--r--",
			"/usr/share/man/man1/infomat-portal.1.gz":     "-rw-r--r--",
		},
		// The simulators and the load generator, kept off kiosks and portals.
		"infomat-tools": {
			"/usr/bin/infomat-sim":                      "-rwxr-xr-x",
			"/usr/bin/infomat-loadgen":                  "-rwxr-xr-x",
			"/usr/share/doc/infomat-tools/copyright":    "-rw-r--r--",
			"/usr/share/doc/infomat-tools/changelog.gz": "-rw-r--r--",
			"/usr/share/man/man1/infomat-sim.1.gz":      "-rw-r--r--",
			"/usr/share/man/man1/infomat-loadgen.1.gz":  "-rw-r--r--",
		},
	}
	conffiles := map[string]string{
		"infomat":        "/etc/infomat/infomat.conf",
		"infomat-portal": "/etc/infomat-portal/portal.conf",
	}
	scripts := map[string][]string{
		"infomat":        {"postinst", "prerm", "postrm"},
		"infomat-portal": {"postinst", "prerm", "postrm"},
	}
	for name, files := range want {
		got := contents(t, debs[name])
		for path, mode := range files {
			e, ok := got[path]
			if !ok {
				t.Errorf("%s: no %s", name, path)
				continue
			}
			if e.mode != mode || e.owner != "root/root" {
				t.Errorf("%s: %s is %s %s, want %s root/root", name, path, e.mode, e.owner, mode)
			}
		}
		for path, e := range got {
			if _, ok := files[path]; !ok && !strings.HasPrefix(e.mode, "d") {
				t.Errorf("%s: unexpected file %s", name, path)
			}
		}

		ctrl := t.TempDir()
		output(t, "dpkg-deb", "-e", debs[name], ctrl)
		cf, err := os.ReadFile(filepath.Join(ctrl, "conffiles"))
		if strings.TrimSpace(string(cf)) != conffiles[name] || (err != nil) != (conffiles[name] == "") {
			t.Errorf("%s: conffiles %q (%v), want %q", name, cf, err, conffiles[name])
		}
		for _, s := range scripts[name] {
			fi, err := os.Stat(filepath.Join(ctrl, s))
			if err != nil {
				t.Errorf("%s: no %s: %v", name, s, err)
			} else if fi.Mode().Perm() != 0o755 {
				t.Errorf("%s: %s mode %v, want 0755", name, s, fi.Mode().Perm())
			}
		}
	}
}

// TestLintian: Debian's package checker finds no error and no warning in any package.
// Overrides, if one is ever needed, go in /usr/share/lintian/overrides/<name> with a comment
// line above each saying why.
func TestLintian(t *testing.T) {
	needDpkgDeb(t)
	if _, err := exec.LookPath("lintian"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("lintian is missing in CI (scripts/deps.sh test installs it)")
		}
		t.Skip("lintian is missing (apt-get install lintian)")
	}
	packaged(t)
	for _, name := range []string{"infomat", "infomat-portal", "infomat-tools"} {
		out, _ := exec.Command("lintian", "--tag-display-limit", "0", debs[name]).CombinedOutput()
		for _, line := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(line, "E: ") || strings.HasPrefix(line, "W: ") {
				t.Errorf("lintian: %s", line)
			}
		}
	}
}

// TestReproducible packages the same binaries twice, at different wall-clock times, into
// different directories: the .deb files are the same bytes (every file carries the source
// date, generated files have no time in them). The binaries' own reproducibility comes from
// -trimpath and -buildid= (not rebuilt here: the cgo kiosk takes minutes).
func TestReproducible(t *testing.T) {
	packaged(t)
	t.Setenv("SOURCE_DATE_EPOCH", "1765000000")
	first, err := run(testVersion, t.TempDir(), binDir)
	if err != nil {
		t.Fatal(err)
	}
	second, err := run(testVersion, t.TempDir(), binDir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range first {
		a, errA := os.ReadFile(first[i])
		b, errB := os.ReadFile(second[i])
		if errA != nil || errB != nil {
			t.Fatal(errA, errB)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two builds (%d and %d bytes)", filepath.Base(first[i]), len(a), len(b))
		}
	}
}

// TestUnitsVerify runs systemd-analyze verify on every unit, with our own programs' paths
// pointed at the files unpacked from the packages (verify checks that Exec paths exist).
func TestUnitsVerify(t *testing.T) {
	needDpkgDeb(t)
	packaged(t)
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("systemd-analyze is missing in CI")
		}
		t.Skip("systemd-analyze is missing")
	}
	tree := t.TempDir()
	for _, d := range debs {
		output(t, "dpkg-deb", "-x", d, tree)
	}
	unitDir := t.TempDir()
	ours := strings.NewReplacer(
		"/usr/bin/infomat", filepath.Join(tree, "usr/bin/infomat"),
		"/usr/libexec/infomat/", filepath.Join(tree, "usr/libexec/infomat")+"/",
	)
	units, _ := filepath.Glob(filepath.Join(tree, "lib/systemd/system/*"))
	if len(units) != 4 {
		t.Fatalf("units %v, want 4", units)
	}
	var paths []string
	for _, u := range units {
		b, err := os.ReadFile(u)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(unitDir, filepath.Base(u))
		if err := os.WriteFile(p, []byte(ours.Replace(string(b))), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	cmd := exec.Command("systemd-analyze", append([]string{"verify", "--man=no"}, paths...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	// verify exits 0 on unknown keys and bad values, only warning: any line about our units fails.
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, unitDir) || strings.Contains(line, "infomat") {
			t.Errorf("systemd-analyze verify: %s", line)
		}
	}
	if len(out) > 0 {
		t.Logf("systemd-analyze verify:\n%s", out)
	}
}

// TestUnitsNoCoreDumps: every packaged service sets LimitCORE=0 in [Service]. A crash in
// the middle of a form must never write the resident's answers (in the process's memory)
// to disk as a core file; with the limit at 0 systemd-coredump stores nothing either.
func TestUnitsNoCoreDumps(t *testing.T) {
	needDpkgDeb(t)
	packaged(t)
	tree := t.TempDir()
	for _, d := range debs {
		output(t, "dpkg-deb", "-x", d, tree)
	}
	units, _ := filepath.Glob(filepath.Join(tree, "lib/systemd/system/*.service"))
	if len(units) != 3 {
		t.Fatalf("services %v, want 3", units)
	}
	for _, u := range units {
		b, err := os.ReadFile(u)
		if err != nil {
			t.Fatal(err)
		}
		section, limit := "", ""
		for _, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(line)
			if strings.HasPrefix(line, "[") {
				section = line
			}
			if v, ok := strings.CutPrefix(line, "LimitCORE="); ok && section == "[Service]" {
				limit = v
			}
		}
		if limit != "0" {
			t.Errorf("%s: LimitCORE=%q in [Service], want 0", filepath.Base(u), limit)
		}
	}
}

// TestUnitsSandbox: the kiosk and the portal keep their sandbox, the kiosk retries forever
// (a screen off at boot must not exhaust a start limit), and the portal gives root-made files
// in its data directory back to its user before it starts.
func TestUnitsSandbox(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	common := []string{"NoNewPrivileges=yes", "CapabilityBoundingSet=", "ProtectSystem=strict",
		"ProtectHome=yes", "PrivateTmp=yes", "ProtectKernelTunables=yes", "ProtectKernelModules=yes",
		"ProtectControlGroups=yes", "RestrictNamespaces=yes", "RestrictSUIDSGID=yes",
		"SystemCallFilter=@system-service", "LimitCORE=0"}
	for unit, extra := range map[string][]string{
		"infomat.service": {"StateDirectory=infomat", "StartLimitIntervalSec=0", "Restart=always",
			"ExecStartPre=+/bin/chown -R infomat:infomat /var/lib/infomat",
			"ExecStartPre=+/usr/libexec/infomat/infomat-touch-rotation"},
		"infomat-portal.service": {"StateDirectory=infomat-portal", "PrivateDevices=yes",
			"ExecStartPre=+/bin/chown -R infomat-portal:infomat-portal /var/lib/infomat-portal"},
	} {
		b, err := os.ReadFile(filepath.Join(root, "packaging/systemd", unit))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		for _, want := range append(common, extra...) {
			if !slices.Contains(lines, want) {
				t.Errorf("%s: no line %q", unit, want)
			}
		}
		for _, line := range lines {
			if strings.HasPrefix(line, "SupplementaryGroups=") || strings.HasPrefix(line, "StartLimitBurst=") && unit == "infomat.service" {
				t.Errorf("%s: %s", unit, line)
			}
			// systemd 252 (Debian 12) has no growing restart delay: these would be unknown keys.
			if strings.HasPrefix(line, "RestartSteps=") || strings.HasPrefix(line, "RestartMaxDelaySec=") {
				t.Errorf("%s: %s needs systemd 254; Debian 12 has 252", unit, line)
			}
			// A retry soon enough that a screen switched on is used within seconds, and not
			// so soon that a kiosk failing for good spins.
			if v, ok := strings.CutPrefix(line, "RestartSec="); ok {
				d, err := time.ParseDuration(v + "s")
				if err != nil || d < 5*time.Second || d > time.Minute {
					t.Errorf("%s: RestartSec=%s, want 5 to 60 seconds", unit, v)
				}
			}
		}
	}
}

// sessionTools is a directory with only the programs the session scripts use besides the
// fakes a test adds, so that a real cage or wlr-randr on this machine is never found.
func sessionTools(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"sh", "awk", "grep", "cat", "cmp", "mv", "rm", "mkdir"} {
		p, err := exec.LookPath(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := os.Symlink(p, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func writeScript(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+text), 0o755); err != nil {
		t.Fatal(err)
	}
}

// Stand-ins: each appends what it was asked to $FAKE_LOG, one line a call. A cage runs its
// application (after "--") with WAYLAND_DISPLAY set, as the real one does; its -h prints
// the real help of cage 0.1.4 (with -r) or 0.2.0 (without).
const (
	fakeCageOld = `if [ "$1" = -h ]; then
  printf 'Usage: cage [OPTIONS] [--] APPLICATION\n\n -d\t Don'"'"'t draw client side decorations, when possible\n -h\t Display this help message\n -m extend Extend the display across all connected outputs (default)\n -m last Use only the last connected output\n -r\t Rotate the output 90 degrees clockwise, specify up to three times\n -s\t Allow VT switching\n -v\t Show the version number and exit\n'
  exit 1
fi
`
	fakeCageNew = `if [ "$1" = -h ]; then
  printf 'Usage: cage [OPTIONS] [--] APPLICATION\n\n -d\t Don'"'"'t draw client side decorations, when possible\n -h\t Display this help message\n -m extend Extend the display across all connected outputs (default)\n -m last Use only the last connected output\n -s\t Allow VT switching\n -v\t Show the version number and exit\n'
  exit 0
fi
case " $* " in *" -r "*) echo "cage: invalid option -- 'r'" >&2; exit 1 ;; esac
`
	fakeCageRun = `echo "cage $*" >>"$FAKE_LOG"
while [ "$1" != -- ]; do shift; done
shift
WAYLAND_DISPLAY=wayland-0 exec "$@"
`
	fakeWlrRandr = `if [ -z "${WAYLAND_DISPLAY:-}" ]; then echo "failed to connect to display" >&2; exit 1; fi
if [ $# -eq 0 ]; then
  printf 'HDMI-A-1 "Iiyama North America PL2493H (HDMI-A-1)"\n  Enabled: yes\n  Modes:\n    1920x1080 px, 60.000000 Hz (preferred, current)\n  Transform: normal\nDP-1 "Unknown (DP-1)"\n  Enabled: no\n  Transform: normal\n'
  exit 0
fi
echo "wlr-randr $*" >>"$FAKE_LOG"
`
	fakeKiosk = `echo "infomat $*" >>"$FAKE_LOG"
`
)

// TestSession runs infomat-session under a stand-in cage of either kind: 0.1.4, which
// rotates with -r, and 0.1.5 or later, which has no -r and is rotated with wlr-randr from
// inside the session (every enabled output, none that is off); without wlr-randr the kiosk
// still starts, unrotated, and says why.
func TestSession(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	session := filepath.Join(root, "packaging/lib/infomat-session")
	tools := sessionTools(t)
	const kioskCall = "infomat --data /var/lib/infomat"
	for _, c := range []struct {
		cage, rotate, args string
		noRandr            bool
		want               []string // the calls, in order
		warn               string   // in stderr
	}{
		{cage: "old", rotate: "", want: []string{"cage -d -- KIOSK --data /var/lib/infomat", kioskCall}},
		{cage: "old", rotate: "0", want: []string{"cage -d -- KIOSK --data /var/lib/infomat", kioskCall}},
		{cage: "old", rotate: "90", want: []string{"cage -d -r -- KIOSK --data /var/lib/infomat", kioskCall}},
		{cage: "old", rotate: "180", want: []string{"cage -d -r -r -- KIOSK --data /var/lib/infomat", kioskCall}},
		{cage: "old", rotate: "270", args: "--idle 120s", want: []string{"cage -d -r -r -r -- KIOSK --data /var/lib/infomat --idle 120s", kioskCall + " --idle 120s"}},
		{cage: "old", rotate: "45", want: []string{"cage -d -- KIOSK --data /var/lib/infomat", kioskCall}, warn: "INFOMAT_ROTATE=45"},
		{cage: "new", rotate: "", want: []string{"cage -d -- KIOSK --data /var/lib/infomat", kioskCall}},
		{cage: "new", rotate: "0", want: []string{"cage -d -- KIOSK --data /var/lib/infomat", kioskCall}},
		{cage: "new", rotate: "90", want: []string{"cage -d -- SESSION in-cage", "wlr-randr --output HDMI-A-1 --transform 90", kioskCall}},
		{cage: "new", rotate: "180", want: []string{"cage -d -- SESSION in-cage", "wlr-randr --output HDMI-A-1 --transform 180", kioskCall}},
		{cage: "new", rotate: "270", args: "--idle 120s", want: []string{"cage -d -- SESSION in-cage", "wlr-randr --output HDMI-A-1 --transform 270", kioskCall + " --idle 120s"}},
		{cage: "new", rotate: "45", want: []string{"cage -d -- KIOSK --data /var/lib/infomat", kioskCall}, warn: "INFOMAT_ROTATE=45"},
		{cage: "new", rotate: "90", noRandr: true, want: []string{"cage -d -- SESSION in-cage", kioskCall}, warn: "apt-get install wlr-randr"},
	} {
		name := fmt.Sprintf("%s cage, INFOMAT_ROTATE=%q", c.cage, c.rotate)
		if c.noRandr {
			name += ", no wlr-randr"
		}
		fake := t.TempDir()
		log := filepath.Join(fake, "log")
		kiosk := filepath.Join(fake, "infomat")
		writeScript(t, kiosk, fakeKiosk)
		if c.cage == "old" {
			writeScript(t, filepath.Join(fake, "cage"), fakeCageOld+fakeCageRun)
		} else {
			writeScript(t, filepath.Join(fake, "cage"), fakeCageNew+fakeCageRun)
		}
		if !c.noRandr {
			writeScript(t, filepath.Join(fake, "wlr-randr"), fakeWlrRandr)
		}
		cmd := exec.Command(session)
		cmd.Env = []string{"PATH=" + fake + ":" + tools, "FAKE_LOG=" + log, "INFOMAT_BIN=" + kiosk,
			"INFOMAT_ROTATE=" + c.rotate, "INFOMAT_ARGS=" + c.args}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Errorf("%s: %v\n%s", name, err, stderr.String())
			continue
		}
		b, _ := os.ReadFile(log)
		got := strings.ReplaceAll(strings.ReplaceAll(strings.TrimSpace(string(b)), kiosk, "KIOSK"), session, "SESSION")
		if want := strings.Join(c.want, "\n"); got != want {
			t.Errorf("%s: calls\n%s\nwant\n%s", name, got, want)
		}
		if c.warn == "" && stderr.Len() > 0 || !strings.Contains(stderr.String(), c.warn) {
			t.Errorf("%s: stderr %q, want %q", name, stderr.String(), c.warn)
		}
	}
}

// TestTouchRotation runs infomat-touch-rotation for each INFOMAT_ROTATE: the rule it writes
// sets the libinput calibration matrix that turns a touch point as wlroots turns one mapped
// to an output with that transform (wlr_cursor's apply_output_transform), only on touch
// screens no one else maps or calibrates; udev is asked to apply it when it changed, and
// rotation 0 takes it away again.
func TestTouchRotation(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(root, "packaging/lib/infomat-touch-rotation")
	fake := t.TempDir()
	log := filepath.Join(fake, "log")
	writeScript(t, filepath.Join(fake, "udevadm"), `echo "udevadm $*" >>"$FAKE_LOG"`+"\n")
	rules := filepath.Join(t.TempDir(), "run/udev/rules.d")
	rule := filepath.Join(rules, "71-infomat-touch-rotation.rules")
	tools := sessionTools(t)
	applied := "udevadm control --reload\nudevadm trigger --action=change --subsystem-match=input --property-match=ID_INPUT_TOUCHSCREEN=1\nudevadm settle --timeout=10"
	run := func(rotate string) (calls string) {
		t.Helper()
		os.Remove(log)
		cmd := exec.Command(script)
		cmd.Env = []string{"PATH=" + fake + ":" + tools, "FAKE_LOG=" + log, "INFOMAT_UDEV_RULES_DIR=" + rules, "INFOMAT_ROTATE=" + rotate}
		if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
			t.Fatalf("INFOMAT_ROTATE=%s: %v %s", rotate, err, out)
		}
		b, _ := os.ReadFile(log)
		return strings.TrimSpace(string(b))
	}
	// wlroots' transform of a touch point (x, y in 0..1) on an output turned by deg.
	wlroots := func(deg int, x, y float64) (float64, float64) {
		switch deg {
		case 90:
			return 1 - y, x
		case 180:
			return 1 - x, 1 - y
		case 270:
			return y, 1 - x
		}
		return x, y
	}
	line := regexp.MustCompile(`^ACTION!="remove", SUBSYSTEM=="input", KERNEL=="event\*", ENV\{ID_INPUT_TOUCHSCREEN\}=="1", ENV\{WL_OUTPUT\}!="\?\*", ENV\{LIBINPUT_CALIBRATION_MATRIX\}!="\?\*", ENV\{LIBINPUT_CALIBRATION_MATRIX\}="([-0-9 ]+)", ENV\{INFOMAT_TOUCH_ROTATION\}="(90|180|270)"$`)

	if calls := run("0"); calls != "" {
		t.Errorf("rotation 0 with no rule: %q", calls)
	}
	for _, deg := range []int{90, 180, 270} {
		if calls := run(fmt.Sprint(deg)); calls != applied {
			t.Errorf("%d: udevadm calls %q, want %q", deg, calls, applied)
		}
		b, err := os.ReadFile(rule)
		if err != nil {
			t.Fatal(err)
		}
		var m []string
		for _, l := range strings.Split(string(b), "\n") {
			if l != "" && !strings.HasPrefix(l, "#") {
				if m != nil {
					t.Errorf("%d: more than one rule:\n%s", deg, b)
				}
				if m = line.FindStringSubmatch(l); m == nil {
					t.Fatalf("%d: rule %q does not have the expected form", deg, l)
				}
			}
		}
		if m == nil || m[2] != fmt.Sprint(deg) {
			t.Fatalf("%d: rule %v", deg, m)
		}
		var k [6]float64
		if n, err := fmt.Sscan(m[1], &k[0], &k[1], &k[2], &k[3], &k[4], &k[5]); n != 6 || err != nil {
			t.Fatalf("%d: matrix %q: %v", deg, m[1], err)
		}
		for _, p := range [][2]float64{{0, 0}, {1, 0}, {0, 1}, {1, 1}, {0.25, 0.75}} {
			gx, gy := k[0]*p[0]+k[1]*p[1]+k[2], k[3]*p[0]+k[4]*p[1]+k[5]
			if wx, wy := wlroots(deg, p[0], p[1]); gx != wx || gy != wy {
				t.Errorf("%d: matrix %q takes %v to (%v, %v); wlroots to (%v, %v)", deg, m[1], p, gx, gy, wx, wy)
			}
		}
		// The same again: nothing changed, udev is left alone.
		if calls := run(fmt.Sprint(deg)); calls != "" {
			t.Errorf("%d again: udevadm calls %q", deg, calls)
		}
	}
	for _, rotate := range []string{"0", "45"} {
		os.WriteFile(rule, []byte("# stale\n"), 0o644)
		if calls := run(rotate); calls != applied {
			t.Errorf("%s after a rotation: udevadm calls %q, want %q", rotate, calls, applied)
		}
		if _, err := os.Stat(rule); !os.IsNotExist(err) {
			t.Errorf("%s: the rule is still there (%v)", rotate, err)
		}
	}
	if calls := run(""); calls != "" {
		t.Errorf("no rotation, no rule: %q", calls)
	}
}

func TestUdevRules(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "packaging/udev/70-infomat.rules"))
	if err != nil {
		t.Fatal(err)
	}
	rule := regexp.MustCompile(`^SUBSYSTEM=="tty", ATTRS\{idVendor\}=="[0-9a-f]{4}", ATTRS\{idProduct\}=="[0-9a-f]{4}", SYMLINK\+="infomat-(printer|reader)", GROUP="dialout", MODE="0660"$`)
	names := map[string]int{}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := rule.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("rule %q does not have the expected form", line)
			continue
		}
		names[m[1]]++
	}
	if names["printer"] == 0 || names["reader"] == 0 {
		t.Errorf("rules per name %v, want printers and readers", names)
	}
}

// TestProductModuleGraph: the product's module (the kiosk and portal binaries) does not carry
// the packaging tool's dependencies; nfpm and what it pulls in (go-git, ssh, changelog tools)
// live in this module only, and ./... at the root does not reach packaging/.
func TestProductModuleGraph(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	goCmd := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOWORK=off")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go %s: %v", strings.Join(args, " "), err)
		}
		return string(out)
	}
	forbidden := []string{"github.com/goreleaser/", "github.com/go-git/", "github.com/kevinburke/ssh_config",
		"github.com/skeema/knownhosts", "github.com/xanzy/ssh-agent", "github.com/ProtonMail/go-crypto",
		"github.com/blakesmith/ar", "github.com/Masterminds/sprig"}
	for _, m := range strings.Fields(goCmd("list", "-m", "-f", "{{.Path}}", "all")) {
		for _, f := range forbidden {
			if strings.HasPrefix(m, f) {
				t.Errorf("the infomat module's graph has %s (a packaging dependency)", m)
			}
		}
	}
	for _, p := range strings.Fields(goCmd("list", "./...")) {
		if strings.HasPrefix(p, "infomat/packaging") {
			t.Errorf("go list ./... at the root has %s: packaging/ must be its own module", p)
		}
	}
}

// TestBuildTags: the packaged kiosk is built with the product's tags, the ones
// infomat/buildinfo.KioskTags names, and so without Fyne's bundled emoji font.
func TestBuildTags(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(root, "buildinfo", "buildinfo.go"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`const KioskTags = "([^"]*)"`).FindSubmatch(src)
	if m == nil || string(m[1]) != kioskTags {
		t.Fatalf("buildinfo.KioskTags is %q, packaging builds with %q: one of them was changed alone", m, kioskTags)
	}
	packaged(t)
	bin := filepath.Join(binDir, "infomat")
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	tags := ""
	for _, s := range info.Settings {
		if s.Key == "-tags" {
			tags = s.Value
		}
	}
	if tags != kioskTags {
		t.Errorf("the packaged kiosk was built with -tags %q, want %q", tags, kioskTags)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	// Fyne's resource name for its bundled emoji font, embedded unless no_emoji.
	if bytes.Contains(b, []byte("EmojiOneColor.otf")) {
		t.Error("the packaged kiosk holds Fyne's emoji font (EmojiOneColor.otf)")
	}
}

func TestVersion(t *testing.T) {
	for _, v := range []string{"0.5.0", "1.2.3-rc1", "0.5.0-3-gabcdef"} {
		if err := checkVersion(v); err != nil {
			t.Errorf("checkVersion(%q): %v", v, err)
		}
	}
	for _, v := range []string{"", "v0.5.0", "0.5 0", "0.5_0"} {
		if checkVersion(v) == nil {
			t.Errorf("checkVersion(%q) accepted", v)
		}
	}
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	if v, err := defaultVersion(root); err != nil || v != strings.TrimSpace(string(b)) {
		t.Errorf("defaultVersion = %q, %v; VERSION has %q", v, err, b)
	}
}

// TestInstallUpgradePurge installs the packages with dpkg, upgrades them to a rebuilt next
// version, and purges them. It changes the machine (a system user, /etc, /var/lib), so it
// runs only with INFOMAT_DEB_INSTALL=1, as root, on a machine without Infomat installed: CI's
// disposable Debian machine. Missing Depends are installed with apt-get first.
func TestInstallUpgradePurge(t *testing.T) {
	if os.Getenv("INFOMAT_DEB_INSTALL") != "1" {
		t.Skip("changes the machine: set INFOMAT_DEB_INSTALL=1 (as root, on a disposable Debian machine) to install, upgrade and purge the packages")
	}
	if os.Geteuid() != 0 {
		t.Fatal("INFOMAT_DEB_INSTALL=1 needs root")
	}
	if _, err := exec.LookPath("dpkg"); err != nil {
		t.Fatal("INFOMAT_DEB_INSTALL=1 needs dpkg")
	}
	for _, p := range []string{"infomat", "infomat-portal", "infomat-tools"} {
		if st, _ := exec.Command("dpkg-query", "-W", "-f=${Status}", p).Output(); len(st) > 0 && !strings.Contains(string(st), "not-installed") {
			t.Fatalf("%s is already on this machine (%s): not touching it", p, st)
		}
	}
	packaged(t)
	installDepends(t)
	dpkg := func(args ...string) {
		t.Helper()
		cmd := exec.Command("dpkg", append([]string{"--force-confdef", "--force-confold"}, args...)...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("dpkg %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	purged := false
	t.Cleanup(func() {
		if !purged {
			_ = exec.Command("dpkg", "--purge", "infomat", "infomat-portal", "infomat-tools").Run()
		}
	})

	// Version A.
	dpkg("-i", debs["infomat"], debs["infomat-portal"], debs["infomat-tools"])
	checkInstalled(t, testVersion)
	if out, err := exec.Command("/usr/bin/infomat", "version").CombinedOutput(); err != nil || !strings.Contains(string(out), testVersion) ||
		strings.Contains(string(out), "nieznany") {
		t.Errorf("infomat version: %q, %v; want %s and the commit in it", out, err, testVersion)
	}
	// A local edit and some data, which the upgrade must keep.
	conf := "/etc/infomat/infomat.conf"
	b, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(b), "INFOMAT_ROTATE=0", "INFOMAT_ROTATE=90", 1)
	if edited == string(b) {
		t.Fatal("infomat.conf has no INFOMAT_ROTATE=0 line")
	}
	if err := os.WriteFile(conf, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	marker := "/var/lib/infomat/marker"
	if err := os.WriteFile(marker, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}

	// Version A+0.0.1, rebuilt from the same binaries.
	next := "0.5.1"
	paths, err := run(next, t.TempDir(), binDir)
	if err != nil {
		t.Fatal(err)
	}
	dpkg(append([]string{"-i"}, paths...)...)
	checkInstalled(t, next)
	if b, err := os.ReadFile(conf); err != nil || string(b) != edited {
		t.Errorf("upgrade lost the edit of %s: %v", conf, err)
	}
	if b, err := os.ReadFile(marker); err != nil || string(b) != "keep me" {
		t.Errorf("upgrade lost %s: %q, %v", marker, b, err)
	}

	// Purge. A store (it may hold unsent submissions) is moved aside, with a message.
	if err := os.WriteFile("/var/lib/infomat/infomat.db", []byte("unsent"), 0o600); err != nil {
		t.Fatal(err)
	}
	before, _ := filepath.Glob("/var/lib/infomat.unsent-*")
	purge := exec.Command("dpkg", "--purge", "infomat", "infomat-portal", "infomat-tools")
	out, err := purge.CombinedOutput()
	if err != nil {
		t.Fatalf("dpkg --purge: %v\n%s", err, out)
	}
	purged = true
	after, _ := filepath.Glob("/var/lib/infomat.unsent-*")
	var aside string
	for _, d := range after {
		if !slices.Contains(before, d) {
			aside = d
		}
	}
	if aside == "" {
		t.Errorf("purge moved no store aside:\n%s", out)
	} else {
		t.Cleanup(func() { os.RemoveAll(aside) })
		if b, err := os.ReadFile(filepath.Join(aside, "infomat.db")); err != nil || string(b) != "unsent" {
			t.Errorf("%s/infomat.db: %q, %v", aside, b, err)
		}
		if !strings.Contains(string(out), aside) || !strings.Contains(string(out), "niewysłane wnioski") {
			t.Errorf("purge did not say where the unsent submissions went:\n%s", out)
		}
	}
	for _, p := range []string{"/var/lib/infomat", "/var/lib/infomat-portal", "/etc/infomat", "/usr/bin/infomat",
		"/lib/systemd/system/infomat.service", "/etc/systemd/system/graphical.target.wants/infomat.service",
		"/etc/systemd/system/multi-user.target.wants/infomat-portal.service"} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("purge left %s", p)
		}
	}
	for _, u := range []string{"infomat", "infomat-portal"} {
		if _, err := user.Lookup(u); err == nil {
			t.Errorf("purge left the user %s", u)
		}
		if _, err := user.LookupGroup(u); err == nil {
			t.Errorf("purge left the group %s", u)
		}
	}
}

// installDepends installs the packages' Depends that are missing, like scripts/deps.sh. The
// list is read from the built packages, so it cannot fall behind their control files.
func installDepends(t *testing.T) {
	t.Helper()
	var missing []string
	seen := map[string]bool{}
	for _, name := range []string{"infomat", "infomat-portal", "infomat-tools"} {
		for _, dep := range strings.Split(output(t, "dpkg-deb", "-f", debs[name], "Depends"), ",") {
			// "libc6 (>= 2.34)" or "a | b": the first alternative's name.
			p := strings.Fields(strings.Split(dep, "|")[0])
			if len(p) == 0 || seen[p[0]] || strings.HasPrefix(p[0], "infomat") {
				continue
			}
			seen[p[0]] = true
			st, _ := exec.Command("dpkg-query", "-W", "-f=${Status}", p[0]).Output()
			if !strings.Contains(string(st), "install ok installed") {
				missing = append(missing, p[0])
			}
		}
	}
	if len(missing) == 0 {
		return
	}
	t.Logf("installing the Depends: %v", missing)
	if out, err := exec.Command("apt-get", "update", "-qq").CombinedOutput(); err != nil {
		t.Fatalf("apt-get update: %v\n%s", err, out)
	}
	cmd := exec.Command("apt-get", append([]string{"install", "-y", "-qq", "--no-install-recommends"}, missing...)...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("apt-get install: %v\n%s", err, out)
	}
}

// checkInstalled checks an installed version: users and groups, data directories, files,
// units enabled but the kiosk not started.
func checkInstalled(t *testing.T, version string) {
	t.Helper()
	for _, p := range []string{"infomat", "infomat-portal", "infomat-tools"} {
		v, _ := exec.Command("dpkg-query", "-W", "-f=${Version}", p).Output()
		if string(v) != version {
			t.Errorf("%s: installed version %q, want %s", p, v, version)
		}
	}
	u, err := user.Lookup("infomat")
	if err != nil {
		t.Fatalf("no user infomat: %v", err)
	}
	gids, err := u.GroupIds()
	if err != nil {
		t.Fatal(err)
	}
	var groups []string
	for _, g := range gids {
		if gr, err := user.LookupGroupId(g); err == nil {
			groups = append(groups, gr.Name)
		}
	}
	// No needless groups: the logind session gives the screen, input and sound.
	allowed := []string{"infomat", "dialout"}
	for _, g := range allowed {
		if _, err := user.LookupGroup(g); err == nil && !slices.Contains(groups, g) {
			t.Errorf("user infomat is in %v, not in %s", groups, g)
		}
	}
	for _, g := range groups {
		if !slices.Contains(allowed, g) {
			t.Errorf("user infomat is in %s too (%v)", g, groups)
		}
	}
	if _, err := user.Lookup("infomat-portal"); err != nil {
		t.Errorf("no user infomat-portal: %v", err)
	}
	for dir, owner := range map[string]string{"/var/lib/infomat": "infomat", "/var/lib/infomat-portal": "infomat-portal"} {
		fi, err := os.Stat(dir)
		if err != nil {
			t.Errorf("%s: %v", dir, err)
			continue
		}
		o, _ := user.Lookup(owner)
		if fi.Mode().Perm() != 0o700 || o == nil || fmt.Sprint(fi.Sys().(*syscall.Stat_t).Uid) != o.Uid {
			t.Errorf("%s: mode %v uid %d, want 0700 owned by %s", dir, fi.Mode().Perm(), fi.Sys().(*syscall.Stat_t).Uid, owner)
		}
	}
	for path, mode := range map[string]os.FileMode{
		"/usr/bin/infomat": 0o755, "/usr/bin/infomat-sim": 0o755, "/usr/bin/infomat-portal": 0o755,
		"/usr/libexec/infomat/infomat-session": 0o755, "/lib/systemd/system/infomat.service": 0o644,
		"/lib/udev/rules.d/70-infomat.rules": 0o644, "/etc/infomat/infomat.conf": 0o644,
		"/etc/infomat-portal/portal.conf": 0o644,
	} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: %v, want mode %v", path, err, mode)
		}
	}
	for _, link := range []string{"/etc/systemd/system/graphical.target.wants/infomat.service",
		"/etc/systemd/system/timers.target.wants/infomat-restart.timer",
		"/etc/systemd/system/multi-user.target.wants/infomat-portal.service"} {
		if _, err := os.Lstat(link); err != nil {
			t.Errorf("not enabled: %v", err)
		}
	}
	if _, err := os.Stat("/run/systemd/system"); err == nil {
		for _, unit := range []string{"infomat.service", "infomat-portal.service"} {
			if err := exec.Command("systemctl", "--quiet", "is-active", unit).Run(); err == nil {
				t.Errorf("%s was started; it must wait for the technician", unit)
			}
		}
	}
}
