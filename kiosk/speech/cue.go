package speech

import (
	"encoding/binary"
	"math"
)

// SampleRate is the rate of the cues' PCM, espeak-ng's own: a player switching rates
// between speech and cues could click.
const SampleRate = 22050

// A note is one tone of a cue.
type note struct {
	hz, seconds float64
}

// cues are the sounds Cue plays: a falling two-tone chime for the idle warning (the
// session is about to end), a short beep for a keypad key.
var cues = map[string][]note{
	"warning": {{880, 0.25}, {660, 0.35}},
	"key":     {{1000, 0.08}},
}

// cueLevel is a cue's peak at volume 100, a little under full scale, about as loud as
// espeak-ng's speech.
const cueLevel = 0.5

// CueWAV returns the cue name as a mono 16-bit PCM WAV file at volume percent (0–200); nil
// for an unknown name.
func CueWAV(name string, percent int) []byte {
	notes, ok := cues[name]
	if !ok {
		return nil
	}
	gain := cueLevel * float64(min(max(percent, 0), maxVolume)) / 100
	var pcm []int16
	for _, n := range notes {
		count := int(n.seconds * SampleRate)
		fade := min(count/2, SampleRate*5/1000) // 5 ms ramps: no clicks at the edges
		for i := range count {
			t := float64(i) / SampleRate
			env := math.Exp(-3 * t / n.seconds) // a chime's decay
			if i < fade {
				env *= float64(i) / float64(fade)
			}
			if r := count - 1 - i; r < fade {
				env *= float64(r) / float64(fade)
			}
			v := gain * env * math.Sin(2*math.Pi*n.hz*t) * math.MaxInt16
			pcm = append(pcm, int16(max(min(v, math.MaxInt16), math.MinInt16)))
		}
	}
	return wav(pcm)
}

// wav wraps mono 16-bit PCM at SampleRate in a WAV header.
func wav(pcm []int16) []byte {
	const header = 44
	data := uint32(2 * len(pcm))
	b := make([]byte, header, header+int(data))
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], 36+data)
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16) // fmt chunk size
	binary.LittleEndian.PutUint16(b[20:], 1)  // PCM
	binary.LittleEndian.PutUint16(b[22:], 1)  // mono
	binary.LittleEndian.PutUint32(b[24:], SampleRate)
	binary.LittleEndian.PutUint32(b[28:], SampleRate*2) // bytes per second
	binary.LittleEndian.PutUint16(b[32:], 2)            // bytes per frame
	binary.LittleEndian.PutUint16(b[34:], 16)           // bits per sample
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], data)
	for _, s := range pcm {
		b = binary.LittleEndian.AppendUint16(b, uint16(s))
	}
	return b
}
