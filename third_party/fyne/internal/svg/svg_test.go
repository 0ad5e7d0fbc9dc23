package svg

import (
	"bytes"
	"image/color"
	"sync"
	"testing"
)

const (
	wide = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20"><rect width="40" height="20" fill="#000000"/></svg>`
	tall = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 30"><rect x="0" y="0" width="5" height="30" fill="#000000"/></svg>`
)

// Parsed icons are remembered by content (infomat patch): each content keeps its own.
func TestDecoderRemembersByContent(t *testing.T) {
	for i := 0; i < 2; i++ { // the second time from the memory
		w, err := NewDecoder(bytes.NewReader([]byte(wide)))
		if err != nil {
			t.Fatal(err)
		}
		h, err := NewDecoder(bytes.NewReader([]byte(tall)))
		if err != nil {
			t.Fatal(err)
		}
		if c := w.Config(); c.Width != 40 || c.Height != 20 {
			t.Errorf("wide icon, pass %d: %+v", i, c)
		}
		if c := h.Config(); c.Width != 10 || c.Height != 30 {
			t.Errorf("tall icon, pass %d: %+v", i, c)
		}
	}
	if _, err := NewDecoder(bytes.NewReader([]byte("<svg"))); err == nil {
		t.Error("a broken SVG parsed")
	}
}

// One remembered icon drawn at two sizes at once (Fyne's software painter draws off the main
// thread) gives each its own picture: drawing sets the icon's target, so it is serialised.
func TestDecoderDrawsSharedIconAtEachSize(t *testing.T) {
	src := []byte(tall)
	var wg sync.WaitGroup
	for _, size := range []int{12, 30, 12, 30, 60, 60} {
		wg.Add(1)
		go func(size int) {
			defer wg.Done()
			d, err := NewDecoder(bytes.NewReader(src))
			if err != nil {
				t.Error(err)
				return
			}
			for i := 0; i < 20; i++ {
				img, err := d.Draw(size, size)
				if err != nil {
					t.Error(err)
					return
				}
				// The icon is a third as wide as tall; its left half is black.
				b := img.Bounds()
				if b.Dy() != size || b.Dx() != size/3 {
					t.Errorf("drawn at %d: %v", size, b)
					return
				}
				if a := img.NRGBAAt(0, size/2).A; a != 0xff {
					t.Errorf("drawn at %d: left edge alpha %d", size, a)
					return
				}
				if a := img.NRGBAAt(b.Dx()-1, size/2).A; a != 0 {
					t.Errorf("drawn at %d: right edge alpha %d", size, a)
					return
				}
			}
		}(size)
	}
	wg.Wait()
}

// Colorized icons are remembered by content and colour.
func TestColorizeRemembersByColour(t *testing.T) {
	red, err := Colorize([]byte(wide), color.NRGBA{R: 0xff, A: 0xff})
	if err != nil {
		t.Fatal(err)
	}
	blue, err := Colorize([]byte(wide), color.NRGBA{B: 0xff, A: 0xff})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(red, blue) || !bytes.Contains(red, []byte("ff0000")) || !bytes.Contains(blue, []byte("0000ff")) {
		t.Errorf("red %s\nblue %s", red, blue)
	}
	again, _ := Colorize([]byte(wide), color.NRGBA{R: 0xff, A: 0xff})
	if !bytes.Equal(again, red) {
		t.Errorf("red again: %s", again)
	}
}
