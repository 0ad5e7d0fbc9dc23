package speech

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// deadline bounds every wait in these tests; it is not a claim about speed.
const deadline = 10 * time.Second

func needEspeak(t testing.TB) {
	t.Helper()
	if err := Available(); err != nil {
		t.Skipf("espeak-ng not installed (apt-get install espeak-ng): %v", err)
	}
}

func needSox(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("sox"); err != nil {
		t.Skip("sox not installed (apt-get install sox)")
	}
}

// waitIdle waits until every utterance and cue asked for has ended, the interrupted ones
// too. Nothing may call Say or Cue meanwhile.
func waitIdle(t testing.TB, e *Espeak) {
	t.Helper()
	idle := make(chan struct{})
	go func() { e.wg.Wait(); close(idle) }()
	select {
	case <-idle:
	case <-time.After(deadline):
		t.Fatalf("speech still running after %s", deadline)
	}
}

// children lists this process's child processes named name, zombies included.
func children(t testing.TB, name string) []int {
	t.Helper()
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var pids []int
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid ...; comm may hold spaces and parentheses.
		s := string(b)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		rest := strings.Fields(s[end+1:])
		if s[open+1:end] != name || len(rest) < 2 || rest[1] != strconv.Itoa(os.Getpid()) {
			continue
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(s[:open]))
		pids = append(pids, pid)
	}
	return pids
}

// waitFor polls cond until it holds or deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > deadline {
			t.Fatalf("%s: not within %s", what, deadline)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

// soxStats returns a WAV file's length in seconds and RMS amplitude (0–1).
func soxStats(t *testing.T, file string) (seconds, rms float64) {
	t.Helper()
	out, err := exec.Command("sox", file, "-n", "stat").CombinedOutput()
	if err != nil {
		t.Fatalf("sox %s: %v\n%s", file, err, out)
	}
	field := func(name string) float64 {
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `:\s+(\S+)`).FindStringSubmatch(string(out))
		if m == nil {
			t.Fatalf("sox stat of %s lacks %q:\n%s", file, name, out)
		}
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			t.Fatalf("sox stat %s: %v", name, err)
		}
		return v
	}
	return field("Length (seconds)"), field("RMS     amplitude")
}

// soxInfo checks sox reads file as mono 16-bit PCM at 22050 Hz and returns its duration.
func soxInfo(t *testing.T, file string) float64 {
	t.Helper()
	for opt, want := range map[string]string{"-r": "22050", "-c": "1", "-b": "16", "-e": "Signed Integer PCM"} {
		out, err := exec.Command("sox", "--i", opt, file).CombinedOutput()
		if err != nil {
			t.Fatalf("sox --i %s %s: %v\n%s", opt, file, err, out)
		}
		if got := strings.TrimSpace(string(out)); got != want {
			t.Errorf("sox --i %s %s = %q, want %q", opt, filepath.Base(file), got, want)
		}
	}
	out, err := exec.Command("sox", "--i", "-D", file).Output()
	if err != nil {
		t.Fatalf("sox --i -D %s: %v", file, err)
	}
	d, _ := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	return d
}

func TestSayLanguagesIntoDir(t *testing.T) {
	needEspeak(t)
	needSox(t)
	texts := []struct{ lang, short, long string }{
		{"pl", "Dzień dobry.",
			"Dzień dobry. Wniosek o dowód osobisty złożysz w pokoju numer dwanaście, od poniedziałku do piątku w godzinach od ósmej do szesnastej."},
		{"en", "Good morning.",
			"Good morning. You can apply for an identity card in room twelve, Monday to Friday, from eight in the morning until four in the afternoon."},
		{"uk", "Доброго ранку.",
			"Доброго ранку. Заяву на посвідчення особи можна подати в кімнаті номер дванадцять, з понеділка по пʼятницю, з восьмої до шістнадцятої."},
	}
	dir := t.TempDir()
	e := New(Dir(dir), nil)
	defer e.Close()
	for _, tc := range texts {
		var lens []float64
		for _, text := range []string{tc.short, tc.long} {
			e.Say(tc.lang, text)
			waitIdle(t, e)
			files, _ := filepath.Glob(filepath.Join(dir, "*-"+tc.lang+".wav"))
			if len(files) != len(lens)+1 {
				t.Fatalf("%s: files %v after %d utterances", tc.lang, files, len(lens)+1)
			}
			slices.Sort(files)
			f := files[len(files)-1]
			info := soxInfo(t, f)
			secs, rms := soxStats(t, f)
			t.Logf("%s: %.2f s, RMS %.3f (%d characters)", filepath.Base(f), secs, rms, len([]rune(text)))
			if diff := info - secs; diff > 0.01 || diff < -0.01 {
				t.Errorf("%s: header says %.3f s, data holds %.3f s", f, info, secs)
			}
			if rms < 0.01 {
				t.Errorf("%s: RMS amplitude %.4f: silent", f, rms)
			}
			// About 10–20 characters a second at 175 wpm.
			chars := float64(len([]rune(text)))
			if secs < chars/40 || secs > chars/4+1 {
				t.Errorf("%s: %.2f s for %.0f characters: implausible", f, secs, chars)
			}
			lens = append(lens, secs)
		}
		if lens[1] <= 3*lens[0] {
			t.Errorf("%s: the long text (%.2f s) is not much longer than the short one (%.2f s)", tc.lang, lens[1], lens[0])
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// reference is what espeak-ng itself makes of text on its stdin.
func reference(t *testing.T, voice, text string) []byte {
	t.Helper()
	cmd := exec.Command(Program, "--stdout", "-v", voice, "-s", "175", "-a", "100")
	cmd.Env = append(os.Environ(), "LANG=C", "LC_ALL=C") // -b 1 must not matter to espeak-ng's own
	cmd.Stdin = strings.NewReader(text)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("espeak-ng: %v", err)
	}
	return out
}

func TestSayIsVerbatim(t *testing.T) {
	needEspeak(t)
	dir := t.TempDir()
	marker := filepath.Join(dir, "shell-ran")
	text := fmt.Sprintf(`-v en $(touch %s) `+"`touch %s`"+` ; | & > < * "cudzysłów" 'apostrof' \n %%s PESEL 44051401359`, marker, marker)
	e := New(Dir(dir), nil)
	e.Say("pl", text)
	waitIdle(t, e)
	e.Close()
	got, err := os.ReadFile(filepath.Join(dir, "0001-pl.wav"))
	if err != nil {
		t.Fatal(err)
	}
	want := reference(t, "pl", text)
	// The same PCM; only the sizes in the header differ (espeak-ng cannot seek a pipe).
	if len(got) != len(want) || !bytes.Equal(got[44:], want[44:]) {
		t.Errorf("spoken audio (%d bytes) differs from espeak-ng's for the same text (%d bytes)", len(got), len(want))
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("a shell ran the text")
	}
}

// blocking is a sink whose streams play nothing until their context is cancelled, like a
// sound card that is still busy; it records how each stream ended.
type blocking struct {
	mu     sync.Mutex
	opened []string
	ended  map[string]string // "closed" or "aborted"
	block  func(name string) bool
	data   map[string]*bytes.Buffer
}

func newBlocking(block func(name string) bool) *blocking {
	return &blocking{ended: map[string]string{}, data: map[string]*bytes.Buffer{}, block: block}
}

func (s *blocking) Open(ctx context.Context, name string) (Stream, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opened = append(s.opened, name)
	s.data[name] = new(bytes.Buffer)
	return &blockingStream{s: s, ctx: ctx, name: name}, nil
}

func (s *blocking) state() (opened []string, ended map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.opened), mapsClone(s.ended)
}

func mapsClone(m map[string]string) map[string]string {
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

type blockingStream struct {
	s    *blocking
	ctx  context.Context
	name string
}

func (b *blockingStream) Write(p []byte) (int, error) {
	if b.s.block(b.name) {
		<-b.ctx.Done()
		return 0, b.ctx.Err()
	}
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	return b.s.data[b.name].Write(p)
}

func (b *blockingStream) Close() error {
	b.s.mu.Lock()
	b.s.ended[b.name] = "closed"
	b.s.mu.Unlock()
	return nil
}

func (b *blockingStream) Abort() {
	b.s.mu.Lock()
	b.s.ended[b.name] = "aborted"
	b.s.mu.Unlock()
}

// long is text that takes espeak-ng far more than a pipe's buffer of audio: it blocks on
// a sink that does not read.
var long = strings.Repeat("Urząd gminy jest czynny od poniedziałku do piątku, od ósmej do szesnastej. ", 20)

func TestStopKillsEspeakAndPlayer(t *testing.T) {
	needEspeak(t)
	// A player that never reads: espeak-ng fills both pipes and waits, mid-utterance.
	p, err := NewPlayer("sleep 60")
	if err != nil {
		t.Fatal(err)
	}
	e := New(p, nil)
	defer e.Close()
	e.Say("pl", long)
	waitFor(t, "espeak-ng and player started", func() bool {
		return len(children(t, Program)) == 1 && len(children(t, "sleep")) == 1
	})
	e.mu.Lock()
	j := e.speech
	e.mu.Unlock()
	start := time.Now()
	e.Stop()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Stop took %s: it must return at once", d)
	}
	gone := waitFor(t, "espeak-ng and player killed and reaped", func() bool {
		return len(children(t, Program)) == 0 && len(children(t, "sleep")) == 0
	})
	t.Logf("processes gone %s after Stop", gone)
	select {
	case <-j.done:
	case <-time.After(deadline):
		t.Fatal("the utterance's goroutine did not end")
	}
}

func TestSayInterruptsSay(t *testing.T) {
	needEspeak(t)
	sink := newBlocking(func(name string) bool { return name == "0001-pl" })
	e := New(sink, nil)
	defer e.Close()
	e.Say("pl", long)
	waitFor(t, "first utterance playing", func() bool {
		opened, _ := sink.state()
		return len(opened) == 1 && len(children(t, Program)) == 1
	})
	e.Say("en", "Good morning.")
	waitIdle(t, e)
	opened, ended := sink.state()
	if !slices.Equal(opened, []string{"0001-pl", "0002-en"}) {
		t.Errorf("streams %v", opened)
	}
	if ended["0001-pl"] != "aborted" || ended["0002-en"] != "closed" {
		t.Errorf("streams ended %v, want the first aborted and the second played", ended)
	}
	if got, want := sink.data["0002-en"].Bytes(), reference(t, "en-gb", "Good morning."); !bytes.Equal(got, want) {
		t.Errorf("second utterance: %d bytes, want espeak-ng's %d", len(got), len(want))
	}
	if n := len(children(t, Program)); n != 0 {
		t.Errorf("%d espeak-ng processes left", n)
	}
}

func TestCueDoesNotStopSpeech(t *testing.T) {
	needEspeak(t)
	sink := newBlocking(func(name string) bool { return name == "0001-pl" })
	e := New(sink, nil)
	e.Say("pl", long)
	waitFor(t, "utterance playing", func() bool { opened, _ := sink.state(); return len(opened) == 1 })
	e.Cue("key")
	// Watched on the sink: the short cue may be over, and its slot empty, before the test
	// could look at the engine's job.
	waitFor(t, "the cue ended", func() bool {
		_, ended := sink.state()
		_, done := ended["0002-cue-key"]
		return done
	})
	opened, ended := sink.state()
	if !slices.Equal(opened, []string{"0001-pl", "0002-cue-key"}) || ended["0002-cue-key"] != "closed" {
		t.Errorf("streams %v, ended %v", opened, ended)
	}
	if _, done := ended["0001-pl"]; done {
		t.Errorf("the cue ended the utterance: %v", ended)
	}
	e.Close()
	if _, ended := sink.state(); ended["0001-pl"] != "aborted" {
		t.Errorf("Close: utterance %q", ended["0001-pl"])
	}
}

func TestCuesIntoDir(t *testing.T) {
	needSox(t)
	dir := t.TempDir()
	e := New(Dir(dir), nil)
	defer e.Close()
	e.Cue("nonsense") // ignored
	for _, tc := range []struct {
		name     string
		min, max float64
	}{{"warning", 0.5, 0.7}, {"key", 0.05, 0.12}} {
		e.Cue(tc.name)
		waitIdle(t, e)
		files, _ := filepath.Glob(filepath.Join(dir, "*-cue-"+tc.name+".wav"))
		if len(files) != 1 {
			t.Fatalf("cue %s: files %v", tc.name, files)
		}
		info := soxInfo(t, files[0])
		secs, rms := soxStats(t, files[0])
		t.Logf("%s: %.3f s, RMS %.3f", filepath.Base(files[0]), secs, rms)
		if secs < tc.min || secs > tc.max || info != secs {
			t.Errorf("cue %s: %.3f s (header %.3f s), want %.2f–%.2f", tc.name, secs, info, tc.min, tc.max)
		}
		if rms < 0.05 {
			t.Errorf("cue %s: RMS %.4f: too quiet", tc.name, rms)
		}
	}
}

func TestCueVolume(t *testing.T) {
	peak := func(wav []byte) int {
		m := 0
		for i := 44; i+1 < len(wav); i += 2 {
			v := int(int16(uint16(wav[i]) | uint16(wav[i+1])<<8))
			m = max(m, v, -v)
		}
		return m
	}
	if p := peak(CueWAV("key", 0)); p != 0 {
		t.Errorf("volume 0: peak %d", p)
	}
	half, full, loud := peak(CueWAV("key", 50)), peak(CueWAV("key", 100)), peak(CueWAV("key", 500))
	if !(half < full && full < loud) || loud > 32767 {
		t.Errorf("peaks at 50, 100, 200+ %%: %d, %d, %d", half, full, loud)
	}
	if CueWAV("nonsense", 100) != nil {
		t.Error("an unknown cue has sound")
	}
}

// fakeEspeak installs a stand-in espeak-ng that records its arguments and stdin and
// writes a short WAV.
func fakeEspeak(t *testing.T, e *Espeak) (args, stdin func() string) {
	t.Helper()
	dir := t.TempDir()
	cue := filepath.Join(dir, "out.wav")
	if err := os.WriteFile(cue, CueWAV("key", 100), 0o644); err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf("#!/bin/sh\necho \"$@\" > %[1]s/args\ncat > %[1]s/stdin\ncat %[2]s\n", dir, cue)
	e.path = filepath.Join(dir, "espeak-ng")
	if err := os.WriteFile(e.path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	read := func(name string) func() string {
		return func() string {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			return strings.TrimSpace(string(b))
		}
	}
	return read("args"), read("stdin")
}

func TestArguments(t *testing.T) {
	e := New(Discard{}, nil)
	defer e.Close()
	args, stdin := fakeEspeak(t, e)
	for _, tc := range []struct {
		lang       string
		rate, vol  int
		want       string
		wantStored string
	}{
		{"pl", 0, 0, "--stdout -b 1 -v pl -s 175 -a 100", ""},
		{"en", 210, 130, "--stdout -b 1 -v en-gb -s 210 -a 130", ""},
		{"uk", 9999, 999, "--stdout -b 1 -v uk -s 450 -a 200", ""},
		{"de", 10, -5, "--stdout -b 1 -v pl -s 80 -a 0", ""},
	} {
		if tc.rate != 0 {
			e.SetRate(tc.rate)
			e.SetVolume(tc.vol)
		}
		e.Say(tc.lang, "PESEL 44051401359")
		waitIdle(t, e)
		if got := args(); got != tc.want {
			t.Errorf("%s at %d wpm, %d %%: args %q, want %q", tc.lang, tc.rate, tc.vol, got, tc.want)
		}
		if got := stdin(); got != "PESEL 44051401359" {
			t.Errorf("stdin %q", got)
		}
	}
}

func TestPlayerGetsWAV(t *testing.T) {
	needEspeak(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "played.wav")
	player := filepath.Join(dir, "player")
	if err := os.WriteFile(player, []byte("#!/bin/sh\ncat > "+out+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	p, err := NewPlayer(player)
	if err != nil {
		t.Fatal(err)
	}
	e := New(p, nil)
	e.Say("uk", "Доброго ранку.")
	waitIdle(t, e)
	e.Close()
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if want := reference(t, "uk", "Доброго ранку."); !bytes.Equal(got, want) {
		t.Errorf("player got %d bytes, want espeak-ng's %d", len(got), len(want))
	}
}

func TestPlayerFailureIsLogged(t *testing.T) {
	needEspeak(t)
	var logged bytes.Buffer
	e := New(mustPlayer(t, "false"), slogTo(&logged))
	for range 3 {
		e.Say("pl", "PESEL 44051401359")
		waitIdle(t, e)
	}
	e.Close()
	if n := strings.Count(logged.String(), "speech failed"); n != 1 {
		t.Errorf("the same failure logged %d times, want once:\n%s", n, logged.String())
	}
	if strings.Contains(logged.String(), "44051401359") {
		t.Errorf("log holds the spoken text: %q", logged.String())
	}
}

func mustPlayer(t *testing.T, cmd string) *Player {
	t.Helper()
	p, err := NewPlayer(cmd)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNewPlayerEmpty(t *testing.T) {
	if _, err := NewPlayer("  "); err == nil {
		t.Error("an empty player command was accepted")
	}
}

func TestDirMissing(t *testing.T) {
	var logged bytes.Buffer
	e := New(Dir(filepath.Join(t.TempDir(), "missing")), slogTo(&logged))
	e.Cue("key")
	waitIdle(t, e)
	e.Close()
	if !strings.Contains(logged.String(), "cue failed") {
		t.Errorf("log %q", logged.String())
	}
}

func TestSayNothingStops(t *testing.T) {
	needEspeak(t)
	sink := newBlocking(func(name string) bool { return name == "0001-pl" })
	e := New(sink, nil)
	defer e.Close()
	e.Say("pl", long)
	waitFor(t, "utterance playing", func() bool { opened, _ := sink.state(); return len(opened) == 1 })
	e.Say("pl", " \n")
	waitIdle(t, e)
	if opened, ended := sink.state(); len(opened) != 1 || ended["0001-pl"] != "aborted" {
		t.Errorf("streams %v, ended %v", opened, ended)
	}
}

func TestCloseStopsSaying(t *testing.T) {
	e := New(Discard{}, nil)
	e.Close()
	e.Say("pl", "nic")
	e.Cue("key")
	e.Close()
	if e.speech != nil || e.cue != nil {
		t.Error("a closed speaker started speaking")
	}
}

func slogTo(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
