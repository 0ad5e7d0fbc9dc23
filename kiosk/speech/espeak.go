// Package speech says the kiosk's screens aloud with espeak-ng and plays short cues, for
// the speech mode blind and low-vision residents use (issue 12).
//
// Speech is synthesised by an espeak-ng process per utterance, with the text on its stdin:
// the text may hold personal data (a PESEL read back), and a command line is visible to
// every user in ps. It is never logged either. The WAV stream espeak-ng writes goes to a
// Sink: a player process (aplay), a directory of WAV files, or nowhere.
package speech

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Program is the speech synthesiser the kiosk runs.
const Program = "espeak-ng"

// DefaultRate is espeak-ng's own rate, in words per minute.
const DefaultRate = 175

// espeak-ng accepts rates from 80 to 450 words per minute and amplitudes from 0 to 200.
const (
	minRate, maxRate = 80, 450
	maxVolume        = 200
)

// voices maps the kiosk's languages to espeak-ng voices. English is British, as taught in
// Polish schools.
var voices = map[string]string{"pl": "pl", "en": "en-gb", "uk": "uk"}

// Voice is the espeak-ng voice for a language; an unknown language gets Polish, the
// kiosk's language.
func Voice(lang string) string {
	if v, ok := voices[lang]; ok {
		return v
	}
	return "pl"
}

// Espeak says text with espeak-ng into a Sink. It is safe for concurrent use; every method
// returns at once and the work happens on goroutines. Its zero value is not usable: use New.
type Espeak struct {
	sink Sink
	log  *slog.Logger
	path string // the espeak-ng program; tests put a stand-in here

	mu     sync.Mutex
	rate   int
	volume int
	seq    int  // numbers utterances and cues, in the order they were asked for
	speech *job // the utterance playing, if any
	cue    *job // the cue playing, if any
	closed bool
	wg     sync.WaitGroup
	failed string // the last failure logged: a kiosk without a sound card says so once
}

// New returns a speaker at the default rate and volume that sends audio to sink. log gets
// failures only (never the text); nil discards them.
func New(sink Sink, log *slog.Logger) *Espeak {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Espeak{sink: sink, log: log, path: Program, rate: DefaultRate, volume: 100}
}

// Available reports whether espeak-ng can be run: without it the kiosk has no speech.
func Available() error {
	if _, err := exec.LookPath(Program); err != nil {
		return fmt.Errorf("speech: %w", err)
	}
	return nil
}

// job is one utterance or cue: cancelling its context kills its processes.
type job struct {
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

// start registers a new job in slot, stopping the one there, under e.mu.
func (e *Espeak) start(slot **job) (*job, int, bool) {
	if e.closed {
		return nil, 0, false
	}
	if *slot != nil {
		(*slot).cancel()
	}
	ctx, cancel := context.WithCancel(context.Background())
	j := &job{ctx: ctx, cancel: cancel, done: make(chan struct{})}
	*slot = j
	e.seq++
	e.wg.Add(1)
	return j, e.seq, true
}

// finish clears slot if j still holds it.
func (e *Espeak) finish(slot **job, j *job) {
	j.cancel()
	e.mu.Lock()
	if *slot == j {
		*slot = nil
	}
	e.mu.Unlock()
	close(j.done)
	e.wg.Done()
}

// Say stops what is being said and starts saying text in the voice of lang. Saying
// nothing (blank text) only stops.
func (e *Espeak) Say(lang, text string) {
	if strings.TrimSpace(text) == "" {
		e.Stop()
		return
	}
	e.mu.Lock()
	j, seq, ok := e.start(&e.speech)
	rate, volume := e.rate, e.volume
	e.mu.Unlock()
	if !ok {
		return
	}
	voice := Voice(lang)
	name := fmt.Sprintf("%04d-%s", seq, lang)
	if _, known := voices[lang]; !known {
		name = fmt.Sprintf("%04d-%s", seq, voice)
	}
	go func() {
		defer e.finish(&e.speech, j)
		err := e.say(j.ctx, name, voice, rate, volume, text)
		if j.ctx.Err() == nil {
			e.report("speech failed", err, "voice", voice)
		}
	}()
}

// say runs espeak-ng into a stream of the sink until it ends or ctx is cancelled.
func (e *Espeak) say(ctx context.Context, name, voice string, rate, volume int, text string) error {
	// -b 1: the text is UTF-8 whatever the service's locale.
	cmd := exec.CommandContext(ctx, e.path, "--stdout", "-b", "1", "-v", voice,
		"-s", strconv.Itoa(rate), "-a", strconv.Itoa(volume))
	cmd.Stdin = strings.NewReader(text)
	killGroup(cmd)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("espeak-ng stdout: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start espeak-ng: %w", err)
	}
	stream, err := e.sink.Open(ctx, name)
	if err != nil {
		cmd.Cancel()
		cmd.Wait()
		return fmt.Errorf("open sink: %w", err)
	}
	_, cerr := io.Copy(stream, stdout)
	if cerr != nil {
		// The player is gone: espeak-ng would block on a full pipe.
		cmd.Cancel()
	}
	werr := cmd.Wait()
	if ctx.Err() != nil || cerr != nil || werr != nil {
		stream.Abort()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if cerr != nil {
			return fmt.Errorf("copy speech to sink: %w", cerr)
		}
		return fmt.Errorf("espeak-ng: %w", werr)
	}
	if err := stream.Close(); err != nil {
		return fmt.Errorf("sink: %w", err)
	}
	return nil
}

// Stop silences speech at once. Cues play on.
func (e *Espeak) Stop() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.speech != nil {
		e.speech.cancel()
		e.speech = nil
	}
}

// SetRate sets the rate of the next utterance in words per minute, within espeak-ng's
// 80–450.
func (e *Espeak) SetRate(wpm int) {
	e.mu.Lock()
	e.rate = min(max(wpm, minRate), maxRate)
	e.mu.Unlock()
}

// SetVolume sets the loudness of the next utterance and cue in percent of normal, 0–200:
// espeak-ng's amplitude, where 100 is normal.
func (e *Espeak) SetVolume(percent int) {
	e.mu.Lock()
	e.volume = min(max(percent, 0), maxVolume)
	e.mu.Unlock()
}

// Cue plays the cue name ("warning", "key") without stopping speech; a new cue stops the
// one before. Unknown names are ignored.
func (e *Espeak) Cue(name string) {
	if _, ok := cues[name]; !ok {
		return
	}
	e.mu.Lock()
	j, seq, ok := e.start(&e.cue)
	volume := e.volume
	e.mu.Unlock()
	if !ok {
		return
	}
	go func() {
		defer e.finish(&e.cue, j)
		err := e.play(j.ctx, fmt.Sprintf("%04d-cue-%s", seq, name), CueWAV(name, volume))
		if j.ctx.Err() == nil {
			e.report("cue failed", err, "cue", name)
		}
	}()
}

func (e *Espeak) play(ctx context.Context, name string, wav []byte) error {
	stream, err := e.sink.Open(ctx, name)
	if err != nil {
		return fmt.Errorf("open sink: %w", err)
	}
	if _, err := stream.Write(wav); err != nil || ctx.Err() != nil {
		stream.Abort()
		return errors.Join(err, ctx.Err())
	}
	return stream.Close()
}

// report logs a failure unless it is the one logged last: without a working sound card
// every utterance fails alike. A success arms it again.
func (e *Espeak) report(msg string, err error, attrs ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err == nil {
		if e.failed != "" {
			e.log.Info("speech works again")
		}
		e.failed = ""
		return
	}
	if err.Error() == e.failed {
		return
	}
	e.failed = err.Error()
	e.log.Error(msg, append(attrs, "err", err)...)
}

// Close stops speech and cues and waits until their processes are gone. Later calls do
// nothing.
func (e *Espeak) Close() {
	e.mu.Lock()
	e.closed = true
	for _, j := range []*job{e.speech, e.cue} {
		if j != nil {
			j.cancel()
		}
	}
	e.mu.Unlock()
	e.wg.Wait()
}

// waitDelay bounds how long Wait waits for a killed process's pipes to close.
const waitDelay = 2 * time.Second

// killGroup starts cmd in a process group of its own, killed whole when its context is
// cancelled: a player may be a script with children, and none may play on after Stop.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = waitDelay
}
