package speech

import (
	"fmt"
	"slices"
	"testing"
)

// hdaContents is `amixer -c 0 contents` on an Intel HDA codec (ALC892), cut short.
const hdaContents = `numid=22,iface=CARD,name='Front Headphone Jack'
  ; type=BOOLEAN,access=r-------,values=1
  : values=%s
numid=20,iface=CARD,name='Front Mic Jack'
  ; type=BOOLEAN,access=r-------,values=1
  : values=on
numid=23,iface=CARD,name='Line Out Jack'
  ; type=BOOLEAN,access=r-------,values=1
  : values=on
numid=2,iface=MIXER,name='Master Playback Switch'
  ; type=BOOLEAN,access=rw------,values=1
  : values=on
numid=1,iface=MIXER,name='Master Playback Volume'
  ; type=INTEGER,access=rw---R--,values=1,min=0,max=87,step=0
  : values=70
  | dBscale-min=-65.25dB,step=0.75dB,mute=0
numid=8,iface=MIXER,name='Headphone Playback Switch'
  ; type=BOOLEAN,access=rw------,values=2
  : values=on,on
`

// laptopContents is a laptop's (ALC257): the jack is plain 'Headphone Jack'.
const laptopContents = `numid=17,iface=CARD,name='Headphone Jack'
  ; type=BOOLEAN,access=r-------,values=1
  : values=%s
numid=16,iface=CARD,name='Mic Jack'
  ; type=BOOLEAN,access=r-------,values=1
  : values=off
numid=18,iface=CARD,name='Speaker Phantom Jack'
  ; type=BOOLEAN,access=r-------,values=1
  : values=on
`

// usbContents is a USB speaker's: no jack control at all.
const usbContents = `numid=3,iface=MIXER,name='PCM Playback Switch'
  ; type=BOOLEAN,access=rw------,values=1
  : values=on
numid=4,iface=MIXER,name='PCM Playback Volume'
  ; type=INTEGER,access=rw---R--,values=2,min=0,max=127,step=0
  : values=100,100
`

func sprintf(f, v string) string { return fmt.Sprintf(f, v) }

func TestParseJack(t *testing.T) {
	for _, tc := range []struct {
		name           string
		contents       string
		plugged, known bool
	}{
		{"desktop plugged", sprintf(hdaContents, "on"), true, true},
		{"desktop unplugged", sprintf(hdaContents, "off"), false, true},
		{"laptop plugged", sprintf(laptopContents, "on"), true, true},
		{"laptop unplugged", sprintf(laptopContents, "off"), false, true},
		{"no jack control", usbContents, false, false},
		{"nothing", "", false, false},
		// A jack-like name on a mixer control is a switch, not a jack.
		{"mixer switch", "numid=1,iface=MIXER,name='Headphone Jack'\n  : values=on\n", false, false},
	} {
		plugged, known := ParseJack(tc.contents)
		if plugged != tc.plugged || known != tc.known {
			t.Errorf("%s: plugged %v known %v, want %v %v", tc.name, plugged, known, tc.plugged, tc.known)
		}
	}
}

func TestParseCards(t *testing.T) {
	const cards = ` 0 [PCH            ]: HDA-Intel - HDA Intel PCH
                      HDA Intel PCH at 0xf7f10000 irq 33
 1 [NVidia         ]: HDA-Intel - HDA NVidia
                      HDA NVidia at 0xf7080000 irq 17
10 [Speaker        ]: USB-Audio - USB Speaker
                      Generic USB Speaker at usb-0000:00:14.0-2, full speed
`
	if got := ParseCards(cards); !slices.Equal(got, []int{0, 1, 10}) {
		t.Errorf("cards %v", got)
	}
	if got := ParseCards("--- no soundcards ---\n"); len(got) != 0 {
		t.Errorf("no cards: %v", got)
	}
}

func TestJackCachesHeadphones(t *testing.T) {
	j := NewJack()
	if j.Plugged() {
		t.Error("plugged before any check")
	}
	waitFor(t, "first check", func() bool {
		j.mu.Lock()
		defer j.mu.Unlock()
		return !j.asked.IsZero()
	})
	if Headphones() != j.Plugged() {
		t.Error("cached answer differs")
	}
}
