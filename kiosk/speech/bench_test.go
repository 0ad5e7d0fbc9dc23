package speech

import (
	"context"
	"slices"
	"testing"
	"time"
)

// firstAudio is a sink that drops the stream but signals the first non-zero PCM sample
// (the start of audio; espeak-ng's WAV begins with a 44-byte header and some silence).
type firstAudio struct {
	heard chan time.Time
}

func (s *firstAudio) Open(ctx context.Context, name string) (Stream, error) {
	return &firstAudioStream{s: s}, nil
}

type firstAudioStream struct {
	s     *firstAudio
	off   int // bytes seen
	low   byte
	found bool
}

func (f *firstAudioStream) Write(b []byte) (int, error) {
	now := time.Now()
	for _, c := range b {
		off := f.off
		f.off++
		if f.found || off < 44 {
			continue
		}
		if (off-44)%2 == 0 {
			f.low = c
			continue
		}
		if f.low != 0 || c != 0 {
			f.found = true
			f.s.heard <- now
		}
	}
	return len(b), nil
}

func (f *firstAudioStream) Close() error { return nil }
func (f *firstAudioStream) Abort()       {}

// utterancesPerOp: benchmarks run once in CI (-benchtime 1x), and one utterance makes no
// percentile.
const utterancesPerOp = 25

// BenchmarkSayToFirstAudio measures the time from Say to the first sound espeak-ng
// writes: what a resident waits after a key before hearing anything. Reported as p50-ms
// and p99-ms over utterancesPerOp utterances per op.
func BenchmarkSayToFirstAudio(b *testing.B) {
	needEspeak(b)
	texts := map[string]string{
		"pl": "Wniosek o dowód osobisty. Przycisk, dwa z pięciu.",
		"en": "Application for an identity card. Button, two of five.",
		"uk": "Заява на посвідчення особи. Кнопка, два з пʼяти.",
	}
	for _, lang := range []string{"pl", "en", "uk"} {
		b.Run(lang, func(b *testing.B) {
			sink := &firstAudio{heard: make(chan time.Time, 1)}
			e := New(sink, nil)
			defer e.Close()
			var lat []time.Duration
			for range b.N {
				for range utterancesPerOp {
					start := time.Now()
					e.Say(lang, texts[lang])
					select {
					case at := <-sink.heard:
						lat = append(lat, at.Sub(start))
					case <-time.After(deadline):
						b.Fatalf("no audio within %s", deadline)
					}
					waitIdle(b, e)
				}
			}
			slices.Sort(lat)
			pct := func(p float64) float64 {
				return float64(lat[int(p*float64(len(lat)-1)+0.5)]) / float64(time.Millisecond)
			}
			b.ReportMetric(pct(0.5), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
		})
	}
}
