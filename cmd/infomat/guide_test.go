package main

// The technician guide's doc test: every ```sh block of docs/technician-guide.md runs, in the
// order of the guide, against the real binaries (infomat, infomat-portal, infomat-sim), a
// portal on loopback with a test certificate the guide itself makes, and a simulated printer
// and card reader. The conventions (which blocks run, annotations, what is substituted, the
// stubs of systemctl and apt-get) are written at the top of the guide; this file implements
// them. It needs no display and runs with
//
//	INFOMAT_E2E=1 go test ./cmd/infomat/ -run TestTechnicianGuide -v -count=1

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"

	"infomat/buildinfo"
)

const (
	guidePath    = "../../docs/technician-guide.md"
	blockTimeout = 90 * time.Second // one block; the whole guide stays well under a minute
	guideMarker  = "doctest:"
)

// guideBlock is one fenced block of the guide with the annotations above it.
type guideBlock struct {
	line     int    // 1-based line of the block's first content line in the guide
	lang     string // the fence's info string, first word
	text     string
	skip     string   // reason it does not run, from <!-- doctest: skip REASON -->
	output   bool     // <!-- doctest: output -->: the expected output of the block before
	stdin    []string // <!-- doctest: stdin LINE --> (one per line fed to the block)
	captures []guideCapture
}

// guideCapture is <!-- doctest: capture PLACEHOLDER REGEXP -->: after the block runs, the
// first match of REGEXP in its output replaces PLACEHOLDER in every later block.
type guideCapture struct {
	placeholder string
	re          *regexp.Regexp
}

var fenceRe = regexp.MustCompile("^\\s*(```+|~~~+)\\s*([^`\\s]*)")

// parseGuide splits the guide into fenced blocks and attaches the single-line
// <!-- doctest: … --> annotations standing directly above each fence.
func parseGuide(src string) ([]guideBlock, error) {
	lines := strings.Split(src, "\n")
	var blocks []guideBlock
	var pending []string // annotations since the last non-annotation line
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if a, ok := strings.CutPrefix(l, "<!-- "+guideMarker); ok {
			a, ok = strings.CutSuffix(a, "-->")
			if !ok {
				return nil, fmt.Errorf("line %d: a doctest annotation must end on its line with -->", i+1)
			}
			pending = append(pending, strings.TrimSpace(a))
			continue
		}
		m := fenceRe.FindStringSubmatch(lines[i])
		if m == nil {
			if l != "" {
				pending = nil
			}
			continue
		}
		fence := m[1]
		b := guideBlock{line: i + 2, lang: m[2]}
		var body []string
		for i++; i < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i]), fence); i++ {
			body = append(body, lines[i])
		}
		if i == len(lines) {
			return nil, fmt.Errorf("line %d: fence not closed", b.line-1)
		}
		b.text = dedent(body)
		for _, a := range pending {
			word, rest, _ := strings.Cut(a, " ")
			rest = strings.TrimSpace(rest)
			switch word {
			case "skip":
				if rest == "" {
					return nil, fmt.Errorf("line %d: doctest: skip needs a reason", b.line-1)
				}
				b.skip = rest
			case "output":
				b.output = true
			case "stdin":
				b.stdin = append(b.stdin, rest)
			case "capture":
				ph, expr, _ := strings.Cut(rest, " ")
				re, err := regexp.Compile(strings.TrimSpace(expr))
				if err != nil || ph == "" {
					return nil, fmt.Errorf("line %d: doctest: capture PLACEHOLDER REGEXP: %v", b.line-1, err)
				}
				b.captures = append(b.captures, guideCapture{ph, re})
			default:
				return nil, fmt.Errorf("line %d: unknown doctest annotation %q", b.line-1, a)
			}
		}
		pending = nil
		blocks = append(blocks, b)
	}
	return blocks, nil
}

// dedent removes the indentation common to a list item's block lines.
func dedent(lines []string) string {
	indent := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " "))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	for i, l := range lines {
		if len(l) >= indent && indent > 0 {
			lines[i] = l[indent:]
		}
	}
	return strings.Join(lines, "\n")
}

// runnable reports whether the test runs the block: ```sh blocks not marked skip.
func (b guideBlock) runnable() bool { return b.lang == "sh" && b.skip == "" }

// commands counts the block's commands: lines that are not blank or comments, a line ending
// in a backslash joined with the next.
func (b guideBlock) commands() int {
	n := 0
	cont := false
	for _, l := range strings.Split(b.text, "\n") {
		t := strings.TrimSpace(l)
		if !cont && (t == "" || strings.HasPrefix(t, "#")) {
			continue
		}
		if !cont {
			n++
		}
		cont = strings.HasSuffix(t, "\\")
	}
	return n
}

// guideEnv is the machine the guide's commands run on: a root directory standing in for /,
// the binaries and stubs on PATH, the port the portal listens on.
type guideEnv struct {
	root, bin, stubs, pkg string
	port                  int
	printerLink           string
	readerLink            string
	card                  string
}

// substitute rewrites a runnable block for the test machine. Each rule is listed at the top
// of the guide.
func (e *guideEnv) substitute(text string) string {
	r := strings.NewReplacer(
		"/etc/", e.root+"/etc/",
		"/var/lib/", e.root+"/var/lib/",
		"/var/backups/", e.root+"/var/backups/",
		"/srv/", e.root+"/srv/",
		"/root/", e.root+"/root/",
		"/dev/infomat-", e.root+"/dev/infomat-",
		"portal.gmina.example.pl", "localhost",
		"8443", strconv.Itoa(e.port),
	)
	text = r.Replace(text)
	// detect and setup find /dev/infomat-*, /dev/ttyUSB* …; here the simulators' links are named.
	text = detectRe.ReplaceAllString(text, "${1} "+e.printerLink+" "+e.readerLink+"${2}")
	return setupRe.ReplaceAllString(text, "${1} --ports "+e.printerLink+","+e.readerLink)
}

var setupRe = regexp.MustCompile(`(?m)^(\s*infomat setup)\b`)

var detectRe = regexp.MustCompile(`(?m)^(\s*infomat detect\b[^#\n]*?)(\s*(?:#.*)?)$`)

func TestTechnicianGuide(t *testing.T) {
	if os.Getenv("INFOMAT_E2E") != "1" {
		t.Skip("the technician guide's doc test builds three binaries and runs the guide's commands (~40 s, no display needed); " +
			"run it with INFOMAT_E2E=1 go test ./cmd/infomat/ -run TestTechnicianGuide -v -count=1")
	}
	for _, tool := range []string{"bash", "openssl", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the guide's commands need %s (Debian: apt-get install %s)", tool, tool)
		}
	}
	src, err := os.ReadFile(guidePath)
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := parseGuide(string(src))
	if err != nil {
		t.Fatalf("docs/technician-guide.md: %v", err)
	}

	start := time.Now()
	env := setUpGuideMachine(t)
	setup := time.Since(start)

	runStart := time.Now()
	var ran, commands, skipped int
	var last *guideBlock
	var lastOut string
	replacements := map[string]string{}
	for i := range blocks {
		b := &blocks[i]
		if b.output {
			if last == nil {
				t.Errorf("guide line %d: doctest: output follows no runnable block", b.line-1)
				continue
			}
			if err := matchOutput(env.substitute(b.text), lastOut); err != nil {
				t.Errorf("guide line %d: output of the block at line %d does not match: %v\n--- output ---\n%s", b.line, last.line, err, lastOut)
			}
			continue
		}
		if b.lang == "sh" && b.skip != "" {
			skipped++
			continue
		}
		if !b.runnable() {
			continue
		}
		// Captured values are the test machine's already, so they replace the placeholder as
		// substituted.
		text := env.substitute(b.text)
		for ph, v := range replacements {
			text = strings.ReplaceAll(text, env.substitute(ph), v)
		}
		out, err := env.run(b, text)
		if testing.Verbose() {
			t.Logf("guide line %d:\n%s\n--- output ---\n%s", b.line, text, out)
		}
		ran++
		commands += b.commands()
		last, lastOut = b, out
		if err != nil {
			t.Fatalf("guide line %d: %v\n--- block ---\n%s\n--- output ---\n%s", b.line, err, b.text, out)
		}
		for _, c := range b.captures {
			m := c.re.FindString(out)
			if m == "" {
				t.Fatalf("guide line %d: capture %s: no match of %s in the output:\n%s", b.line, c.placeholder, c.re, out)
			}
			replacements[c.placeholder] = m
		}
	}
	t.Logf("technician guide: %d blocks, %d commands run in %s (machine set up in %s, build included); %d ```sh blocks marked skip",
		ran, commands, time.Since(runStart).Round(100*time.Millisecond), setup.Round(100*time.Millisecond), skipped)
}

// run runs one block with bash in the technician's home directory; the error names the
// guide's line of the command that failed.
func (e *guideEnv) run(b *guideBlock, text string) (string, error) {
	dir := filepath.Join(e.root, "root")
	script := filepath.Join(e.root, "run", fmt.Sprintf("block-%04d.sh", b.line))
	// One header line, so that the block's line k is bash's line k+1.
	header := `set -eo pipefail; trap 'echo "doctest: status $? at block line $((LINENO-1))" >&2' ERR` + "\n"
	if err := os.WriteFile(script, []byte(header+text+"\n"), 0o644); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), blockTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", script)
	cmd.Dir = dir
	cmd.Env = e.environ()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if len(b.stdin) > 0 {
		cmd.Stdin = strings.NewReader(strings.Join(b.stdin, "\n") + "\n")
	}
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		return out.String(), fmt.Errorf("block did not finish within %s", blockTimeout)
	}
	if err != nil {
		if m := regexp.MustCompile(`doctest: status \d+ at block line (\d+)`).FindStringSubmatch(out.String()); m != nil {
			k, _ := strconv.Atoi(m[1])
			line := strings.Split(text, "\n")[max(0, min(k-1, strings.Count(text, "\n")))]
			return out.String(), fmt.Errorf("command at guide line %d failed (%v): %s", b.line+k-1, err, line)
		}
		return out.String(), fmt.Errorf("block failed: %v", err)
	}
	return out.String(), nil
}

func (e *guideEnv) environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "PATH", "HOME", "DISPLAY", "WAYLAND_DISPLAY", "STATE_DIRECTORY", "INFOMAT_PORTAL_DATA", "INFOMAT_PORTAL_DB", "XDG_DATA_HOME":
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"PATH="+e.stubs+":"+e.bin+":"+os.Getenv("PATH"),
		"HOME="+filepath.Join(e.root, "root"),
		"ROOT="+e.root,
		"PORT="+strconv.Itoa(e.port),
		"DOCTEST_PKG="+e.pkg,
		// The kiosk's and the portal's default data directories, as under systemd.
		"STATE_DIRECTORY="+filepath.Join(e.root, "var/lib/infomat"),
		"INFOMAT_PORTAL_DATA="+filepath.Join(e.root, "var/lib/infomat-portal"),
	)
}

// setUpGuideMachine builds the binaries, writes the stubs and the packages' files, prepares a
// municipality's content folder and starts the simulated printer and card reader.
func setUpGuideMachine(t *testing.T) *guideEnv {
	t.Helper()
	root := t.TempDir()
	e := &guideEnv{root: root, bin: filepath.Join(root, "usr/bin"), stubs: filepath.Join(root, "doctest/stubs"),
		pkg: filepath.Join(root, "doctest/pkg"), card: "0F00A1B2C3"}
	for _, d := range []string{e.bin, e.stubs, e.pkg, "root", "run", "dev", "srv/infomat", "var/log"} {
		if !filepath.IsAbs(d) {
			d = filepath.Join(root, d)
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-tags", buildinfo.KioskTags, "-o", e.bin+"/", "infomat/cmd/infomat", "infomat/cmd/infomat-portal", "infomat/cmd/infomat-sim")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	e.port = quietPort(t)

	writeGuideStubs(t, e)
	writeGuidePackages(t, e)
	writeGuideContent(t, e)

	// The devices: a printer and a card reader that presents the service card every second,
	// as a technician holding it to the reader.
	e.printerLink = filepath.Join(root, "dev/infomat-printer")
	e.readerLink = filepath.Join(root, "dev/infomat-reader")
	startGuideSim(t, e, "printer", "--out", filepath.Join(root, "var/log/wydruki"), "--link", e.printerLink)
	startGuideSim(t, e, "reader", "--kind", "rdm6300", "--card", e.card, "--every", "1s", "--hold", "300ms", "--link", e.readerLink)

	t.Cleanup(func() {
		// The portal a stubbed systemctl started.
		if b, err := os.ReadFile(filepath.Join(root, "run/infomat-portal.pid")); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				_ = syscall.Kill(pid, syscall.SIGTERM)
				for i := 0; i < 50 && syscall.Kill(pid, 0) == nil; i++ {
					time.Sleep(100 * time.Millisecond)
				}
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		if t.Failed() {
			if b, err := os.ReadFile(filepath.Join(root, "var/log/infomat-portal.log")); err == nil {
				t.Logf("portal log:\n%s", b)
			}
		}
	})
	return e
}

// startGuideSim starts infomat-sim and waits until its link exists.
func startGuideSim(t *testing.T, e *guideEnv, args ...string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(e.bin, "infomat-sim"), args...)
	stdin, err := cmd.StdinPipe() // kept open: the simulators read commands from stdin
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	link := args[len(args)-1]
	for i := 0; ; i++ {
		if _, err := os.Stat(link); err == nil {
			return
		}
		if i == 100 {
			t.Fatalf("infomat-sim %s: no %s after 10 s:\n%s", args[0], link, log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// writeGuideStubs writes systemctl and apt-get for the test machine. The guide's top comment
// says what they do.
func writeGuideStubs(t *testing.T, e *guideEnv) {
	t.Helper()
	stubs := map[string]string{
		"systemctl": `#!/bin/bash
# doctest stub of systemctl (docs/technician-guide.md, top comment): infomat-portal really
# starts and stops (serve on 127.0.0.1:$PORT with portal.conf's certificate); the kiosk
# (infomat) needs a screen, so for it the call is only recorded.
set -eu
verb=${1:?}; shift
echo "systemctl $verb $*" >>"$ROOT/run/systemctl.log"
pidfile=$ROOT/run/infomat-portal.pid
portal_stop() {
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile"); rm -f "$pidfile"
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  echo "systemctl (stub): infomat-portal did not stop" >&2; return 1
}
portal_start() {
  [ ! -f "$pidfile" ] || return 0
  PORTAL_CERT= PORTAL_KEY=
  . "$ROOT/etc/infomat-portal/portal.conf"
  args=(serve --data "$ROOT/var/lib/infomat-portal" --addr "127.0.0.1:$PORT")
  [ -z "$PORTAL_CERT" ] || args+=(--cert "$PORTAL_CERT" --key "$PORTAL_KEY")
  setsid infomat-portal "${args[@]}" </dev/null >>"$ROOT/var/log/infomat-portal.log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 150); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then return 0; fi
    kill -0 "$(cat "$pidfile")" 2>/dev/null || break
    sleep 0.1
  done
  rm -f "$pidfile"
  echo "Job for infomat-portal.service failed (doctest stub):" >&2
  tail -n 20 "$ROOT/var/log/infomat-portal.log" >&2
  return 1
}
now=no
units=()
for a in "$@"; do
  case "$a" in --now) now=yes ;; -*) ;; *) units+=("${a%.service}") ;; esac
done
for u in "${units[@]}"; do
  case "$u:$verb" in
    infomat-portal:start) portal_start ;;
    infomat-portal:stop) portal_stop ;;
    infomat-portal:restart|infomat-portal:reload-or-restart|infomat-portal:try-restart) portal_stop; portal_start ;;
    infomat-portal:enable) [ $now = no ] || portal_start ;;
    infomat-portal:is-active) [ -f "$pidfile" ] && echo active || { echo inactive; exit 3; } ;;
    infomat:*|infomat-portal:*|getty@tty1:*) ;;
    *) echo "systemctl (doctest stub): $verb $u is not simulated" >&2; exit 1 ;;
  esac
done
`,
		"apt-get": `#!/bin/bash
# doctest stub of apt-get (docs/technician-guide.md, top comment): installing a package puts
# its configuration files and directories under $ROOT (the binaries are on PATH already);
# a configuration file already there is kept, as dpkg keeps a changed conffile.
set -eu
echo "apt-get $*" >>"$ROOT/run/apt-get.log"
case "$*" in
  update) ;;
  *install*infomat-portal_*.deb*) cp -rn "$DOCTEST_PKG/infomat-portal/." "$ROOT/" ;;
  *install*infomat_*.deb*) cp -rn "$DOCTEST_PKG/infomat/." "$ROOT/" ;;
  *) echo "apt-get (doctest stub): $* is not simulated" >&2; exit 1 ;;
esac
`,
	}
	stubs["chown"] = `#!/bin/bash
# doctest stub of chown (docs/technician-guide.md, top comment): the packages' users do not
# exist on the test machine; their names become the current user's.
args=()
for a in "$@"; do
  case "$a" in
    infomat:*|infomat-portal:*|root:infomat*|infomat|infomat-portal) a="$(id -u):$(id -g)" ;;
  esac
  args+=("$a")
done
exec /bin/chown "${args[@]}"
`
	for name, body := range stubs {
		if err := os.WriteFile(filepath.Join(e.stubs, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// writeGuidePackages lays out what the two .deb files install that the guide's commands
// touch: the configuration files from packaging/etc, with the test machine's paths.
func writeGuidePackages(t *testing.T, e *guideEnv) {
	t.Helper()
	files := []struct{ pkg, from, to string }{
		{"infomat", "../../packaging/etc/infomat.conf", "etc/infomat/infomat.conf"},
		{"infomat-portal", "../../packaging/etc/portal.conf", "etc/infomat-portal/portal.conf"},
	}
	for _, f := range files {
		b, err := os.ReadFile(f.from)
		if err != nil {
			t.Fatal(err)
		}
		to := filepath.Join(e.pkg, f.pkg, f.to)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(b), "=/etc/", "="+e.root+"/etc/")
		if err := os.WriteFile(to, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"infomat/var/lib/infomat", "infomat-portal/var/lib/infomat-portal", "infomat-portal/etc/infomat-portal/tls"} {
		if err := os.MkdirAll(filepath.Join(e.pkg, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
}

// writeGuideContent puts a municipality's content folder where the guide publishes it from
// (/srv/infomat/tresc): the sample bundle with a submission key of its own, since a
// provisioned kiosk refuses forms encrypted to the sample's published key. The private key
// goes to the technician's home as klucz-gminy.age (the municipality's, for export).
func writeGuideContent(t *testing.T, e *guideEnv) {
	t.Helper()
	dst := filepath.Join(e.root, "srv/infomat/tresc")
	if out, err := exec.Command("cp", "-r", "../../assets/content", dst).CombinedOutput(); err != nil {
		t.Fatalf("copy the sample content: %v\n%s", err, out)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	gmina := filepath.Join(dst, "gmina.yaml")
	b, err := os.ReadFile(gmina)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^klucz_wnioskow: .*$`)
	if !re.Match(b) {
		t.Fatal("assets/content/gmina.yaml has no klucz_wnioskow line")
	}
	b = re.ReplaceAll(b, []byte("klucz_wnioskow: "+id.Recipient().String()))
	if err := os.WriteFile(gmina, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.root, "root/klucz-gminy.age"), []byte(id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// matchOutput checks that the expected lines occur in the output in order. Whitespace runs
// count as one space, blank expected lines are ignored and "…" stands for any text.
func matchOutput(expected, output string) error {
	var got []string
	sc := bufio.NewScanner(strings.NewReader(output))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		got = append(got, squash(sc.Text()))
	}
	at := 0
	for _, want := range strings.Split(expected, "\n") {
		want = squash(want)
		if want == "" {
			continue
		}
		re := wantRe(want)
		found := false
		for ; at < len(got); at++ {
			if re.MatchString(got[at]) {
				found, at = true, at+1
				break
			}
		}
		if !found {
			return fmt.Errorf("no line %q (in this order)", want)
		}
	}
	return nil
}

func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

func wantRe(want string) *regexp.Regexp {
	parts := strings.Split(want, "…")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("^" + strings.Join(parts, ".*") + "$")
}

func TestParseGuideAnnotations(t *testing.T) {
	src := "Intro\n\n<!-- doctest: stdin 12345678 -->\n<!-- doctest: capture KOD INFOMAT1:\\S+ -->\n```sh\n   infomat a \\\n     --b\n   # note\n   infomat c\n```\n\n<!-- doctest: output -->\n```text\nline …\n```\n<!-- doctest: skip needs root -->\n```sh\nreboot\n```\n```ini\n[x]\n```\n"
	blocks, err := parseGuide(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 4 {
		t.Fatalf("%d blocks, want 4", len(blocks))
	}
	b := blocks[0]
	if !b.runnable() || b.line != 6 || b.commands() != 2 || len(b.stdin) != 1 || b.stdin[0] != "12345678" ||
		len(b.captures) != 1 || b.captures[0].placeholder != "KOD" || !strings.HasPrefix(b.text, "infomat a \\\n  --b") {
		t.Errorf("first block: %+v", b)
	}
	if !blocks[1].output || blocks[1].runnable() {
		t.Errorf("output block: %+v", blocks[1])
	}
	if blocks[2].skip != "needs root" || blocks[2].runnable() {
		t.Errorf("skipped block: %+v", blocks[2])
	}
	if blocks[3].runnable() {
		t.Errorf("ini block runnable")
	}
	if err := matchOutput("a …\n\nc  d", "x\na 1 2\nb\nc d\n"); err != nil {
		t.Error(err)
	}
	if err := matchOutput("c d\na …", "a 1\nc d\n"); err == nil {
		t.Error("out-of-order lines matched")
	}
	if _, err := parseGuide("<!-- doctest: skip -->\n```sh\nx\n```\n"); err == nil {
		t.Error("skip without a reason accepted")
	}
}

// TestGuideRunNamesFailingLine: a failing command fails its block, and the error names the
// guide's line of that command, not the block's first line.
func TestGuideRunNamesFailingLine(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("needs bash")
	}
	root := t.TempDir()
	for _, d := range []string{"root", "run"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	e := &guideEnv{root: root, bin: root, stubs: root}
	b := &guideBlock{line: 40, lang: "sh", text: "echo one\n# a comment\nfalse   # fails\necho never"}
	out, err := e.run(b, b.text)
	if err == nil {
		t.Fatalf("block with a failing command passed:\n%s", out)
	}
	if !strings.Contains(err.Error(), "guide line 42") || strings.Contains(out, "never") {
		t.Errorf("error %q, output %q: want the failure at guide line 42 and nothing run after it", err, out)
	}
	b = &guideBlock{line: 10, lang: "sh", text: "read -r pin\necho \"got $pin\"", stdin: []string{"12345678"}}
	if out, err := e.run(b, b.text); err != nil || !strings.Contains(out, "got 12345678") {
		t.Errorf("stdin: %v\n%s", err, out)
	}
}

// quietPort finds a free loopback port below the kernel's ephemeral range (32768 and up on
// Linux): the portal starts on it much later, and a port from that range (":0") could by
// then be taken by any test's listener or outgoing connection. Below it, only ports asked
// for by number can clash, and a busy one is skipped.
func quietPort(t *testing.T) int {
	t.Helper()
	start := 20000 + os.Getpid()%10000
	for i := 0; i < 2000; i++ {
		port := 20000 + (start-20000+i*7)%12000
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			l.Close()
			return port
		}
	}
	t.Fatal("no free port between 20000 and 32000")
	return 0
}
