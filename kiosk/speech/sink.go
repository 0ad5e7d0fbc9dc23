package speech

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// A Sink takes the WAV streams of utterances and cues: it plays them, keeps them or drops
// them.
type Sink interface {
	// Open starts one stream. name tells utterances apart ("0007-pl", "0008-cue-key").
	// When ctx is cancelled the stream must stop at once and its writes fail.
	Open(ctx context.Context, name string) (Stream, error)
}

// A Stream is one WAV stream: its header, then 16-bit PCM.
type Stream interface {
	io.Writer
	// Close is called after the whole stream was written: a player plays it out first.
	Close() error
	// Abort is called instead of Close when the stream was cut short: silence, at once.
	Abort()
}

// DefaultPlayer plays WAV from its stdin on ALSA's default device, which under PipeWire is
// PipeWire's ALSA plugin.
const DefaultPlayer = "aplay -q"

// Player plays each stream with a player process reading WAV on its stdin.
type Player struct {
	args []string
}

// NewPlayer returns a Player running command, split at spaces ("aplay -q", "aplay -q -D
// plughw:1"; no shell quoting).
func NewPlayer(command string) (*Player, error) {
	args := strings.Fields(command)
	if len(args) == 0 {
		return nil, errors.New("speech: empty player command")
	}
	return &Player{args: args}, nil
}

// Open starts a player process for one stream.
func (p *Player) Open(ctx context.Context, name string) (Stream, error) {
	cmd := exec.CommandContext(ctx, p.args[0], p.args[1:]...)
	killGroup(cmd)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("player stdin: %w", err)
	}
	stderr := &tail{max: 512}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start player %s: %w", p.args[0], err)
	}
	return &playerStream{cmd: cmd, stdin: stdin, stderr: stderr}, nil
}

type playerStream struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *tail
}

func (s *playerStream) Write(b []byte) (int, error) { return s.stdin.Write(b) }

func (s *playerStream) Close() error {
	s.stdin.Close()
	if err := s.cmd.Wait(); err != nil {
		if msg := strings.TrimSpace(s.stderr.String()); msg != "" {
			return fmt.Errorf("player %s: %w: %s", s.cmd.Args[0], err, msg)
		}
		return fmt.Errorf("player %s: %w", s.cmd.Args[0], err)
	}
	return nil
}

func (s *playerStream) Abort() {
	s.cmd.Cancel()
	s.stdin.Close()
	s.cmd.Wait() // reaps it: no zombies
}

// tail keeps the last max bytes written: a player's error message.
type tail struct {
	max int
	buf []byte
}

func (t *tail) Write(b []byte) (int, error) {
	t.buf = append(t.buf, b...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(b), nil
}

func (t *tail) String() string { return string(t.buf) }

// Dir writes each stream that is played to its end into a WAV file named after it
// ("0007-pl.wav", "0008-cue-warning.wav"); a stream cut short leaves no file. End-to-end
// tests and technicians check the audio there with sox.
type Dir string

// Open creates the stream's file under a temporary name; Close gives it its own.
func (d Dir) Open(ctx context.Context, name string) (Stream, error) {
	f, err := os.CreateTemp(string(d), "."+name+"-*.part")
	if err != nil {
		return nil, fmt.Errorf("speech dir: %w", err)
	}
	return &fileStream{ctx: ctx, f: f, final: filepath.Join(string(d), name+".wav")}, nil
}

type fileStream struct {
	ctx   context.Context
	f     *os.File
	final string
}

func (s *fileStream) Write(b []byte) (int, error) {
	if err := s.ctx.Err(); err != nil {
		return 0, err
	}
	return s.f.Write(b)
}

func (s *fileStream) Close() error {
	err := fixSizes(s.f)
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(s.f.Name(), s.final)
	}
	if err != nil {
		os.Remove(s.f.Name())
		return fmt.Errorf("speech dir: %w", err)
	}
	return nil
}

func (s *fileStream) Abort() {
	s.f.Close()
	os.Remove(s.f.Name())
}

// fixSizes writes the true sizes into a WAV file's RIFF and data headers. espeak-ng
// writing to a pipe cannot seek back, so it leaves placeholders (about 2 GiB) there.
func fixSizes(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	head := make([]byte, 512)
	n, err := f.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return err
	}
	head = head[:n]
	if len(head) < 12 || !bytes.Equal(head[0:4], []byte("RIFF")) || !bytes.Equal(head[8:12], []byte("WAVE")) {
		return errors.New("not a WAV stream")
	}
	// Walk the chunks to "data", which runs to the end of the file.
	for off := 12; off+8 <= len(head); {
		id, n := string(head[off:off+4]), int64(binary.LittleEndian.Uint32(head[off+4:off+8]))
		if id == "data" {
			var b [4]byte
			binary.LittleEndian.PutUint32(b[:], uint32(size-int64(off)-8))
			if _, err := f.WriteAt(b[:], int64(off)+4); err != nil {
				return err
			}
			binary.LittleEndian.PutUint32(b[:], uint32(size-8))
			_, err := f.WriteAt(b[:], 4)
			return err
		}
		off += 8 + int(n) + int(n&1)
	}
	return errors.New("WAV stream without a data chunk")
}

// Discard drops every stream: benchmarks measure synthesis alone.
type Discard struct{}

// Open returns a stream that drops what is written to it.
func (Discard) Open(ctx context.Context, name string) (Stream, error) { return discard{}, nil }

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) Close() error                { return nil }
func (discard) Abort()                      {}
