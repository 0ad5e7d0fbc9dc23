package speech

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ParseJack reads `amixer -c N contents` and reports whether a headphone jack control
// (iface=CARD, name 'Headphone Jack' or 'Front Headphone Jack') says plugged in. known is
// false when the card has no such control: many USB cards and HDMI outputs report nothing.
func ParseJack(contents string) (plugged, known bool) {
	inJack := false
	sc := bufio.NewScanner(strings.NewReader(contents))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "numid=") {
			inJack = isHeadphoneJack(line)
			continue
		}
		if v, ok := strings.CutPrefix(line, ": values="); ok && inJack {
			known = true
			if v == "on" {
				plugged = true
			}
		}
	}
	return plugged, known
}

// isHeadphoneJack tells a control's header line ("numid=18,iface=CARD,name='Headphone
// Jack'") is a headphone jack's.
func isHeadphoneJack(header string) bool {
	_, name, ok := strings.Cut(header, ",name='")
	if !ok || !strings.Contains(header, ",iface=CARD,") {
		return false
	}
	name, _, _ = strings.Cut(name, "'")
	return strings.HasSuffix(name, "Headphone Jack")
}

// ParseCards reads /proc/asound/cards and returns the card numbers.
func ParseCards(cards string) []int {
	var nums []int
	for _, line := range strings.Split(cards, "\n") {
		// " 0 [PCH            ]: HDA-Intel - HDA Intel PCH"; the second line of each card
		// is indented further and starts with its description.
		f := strings.Fields(line)
		if len(f) < 2 || !strings.HasPrefix(f[1], "[") {
			continue
		}
		if n, err := strconv.Atoi(f[0]); err == nil {
			nums = append(nums, n)
		}
	}
	return nums
}

// Jack watches the sound cards' headphone jacks with amixer (alsa-utils).
type Jack struct {
	// Every is how old an answer may be before it is asked for again.
	Every time.Duration

	mu       sync.Mutex
	plugged  bool
	asked    time.Time
	checking bool
}

// NewJack returns a Jack asking at most once a second.
func NewJack() *Jack { return &Jack{Every: time.Second} }

// Plugged reports whether headphones are plugged in, as of the last check; unknown (no
// jack control, no amixer, not checked yet) is false. It never waits: the UI calls it on
// every tick, and a stale answer starts a check in the background.
func (j *Jack) Plugged() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.checking && time.Since(j.asked) >= j.Every {
		j.checking = true
		go j.check()
	}
	return j.plugged
}

func (j *Jack) check() {
	p := Headphones()
	j.mu.Lock()
	j.plugged, j.asked, j.checking = p, time.Now(), false
	j.mu.Unlock()
}

// Headphones asks every sound card's mixer whether headphones are plugged in; false when
// none says so or it cannot be told.
func Headphones() bool {
	cards, err := os.ReadFile("/proc/asound/cards")
	if err != nil {
		return false
	}
	for _, n := range ParseCards(string(cards)) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		out, err := exec.CommandContext(ctx, "amixer", "-c", strconv.Itoa(n), "contents").Output()
		cancel()
		if err != nil {
			continue
		}
		if plugged, _ := ParseJack(string(out)); plugged {
			return true
		}
	}
	return false
}
