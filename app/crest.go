package app

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // a municipality may ship its coat of arms as JPEG or PNG
	_ "image/png"
	"math"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"github.com/fyne-io/oksvg"
	"github.com/srwiley/rasterx"

	"infomat/app/touch"
)

// crestCache keeps the coat of arms as pixels, rasterised once per width. Fyne's own
// canvas.Image rasterises an SVG resource again whenever the box it fits in changes height
// (home's header settles through several heights as its text wraps) or before the image is
// on a canvas (at twice the size), and keeps a single size per resource name: profiled, the
// crest alone accounted for most of the 204 MB allocated in a 97-tap walk
// (docs/performance.md). A raster image is a texture that GL scales instead.
type crestCache struct {
	res    fyne.Resource
	images map[int]image.Image // by width in pixels: home and the attract loop, at most a few
	failed bool                // the resource does not decode; nothing is shown
}

// crestImage returns the coat of arms as an image filling a box of at least min, or nil
// when there is none (or it cannot be read: the home screen is then shown without it).
func (u *UI) crestImage(min fyne.Size) *canvas.Image {
	res := u.d.Crest
	if res == nil {
		return nil
	}
	c := &u.crest
	if c.res != res {
		*c = crestCache{res: res, images: map[int]image.Image{}}
		// The early raster serves the crest shown at start only; then it is let go.
		if early := u.d.CrestRaster; early != nil && early.res == res {
			c.images[early.width] = early.img
		}
		u.d.CrestRaster = nil
	}
	if c.failed {
		return nil
	}
	scale := float32(1)
	if u.win != nil {
		scale = u.win.Canvas().Scale()
	}
	width := crestWidth(min, scale)
	img, ok := c.images[width]
	if !ok {
		var err error
		img, err = rasterCrest(res, width)
		if err != nil {
			// A bad crest must not take the home screen with it; the content check reports it.
			c.failed = true
			fyne.LogError("coat of arms", err)
			return nil
		}
		c.images[width] = img
	}
	out := canvas.NewImageFromImage(img)
	out.FillMode = canvas.ImageFillContain
	out.ScaleMode = canvas.ImageScaleSmooth
	out.SetMinSize(min)
	return out
}

func crestWidth(box fyne.Size, scale float32) int {
	return int(math.Ceil(float64(box.Width * scale)))
}

// homeCrest is the box the home screen fits the coat of arms in.
var homeCrest = fyne.NewSize(2*touch.TargetSize, 2.4*touch.TargetSize)

// CrestRaster is the coat of arms drawn before the UI exists, for the home screen at an
// expected scale (Deps.CrestRaster). The kiosk draws it on the goroutine that loads the
// content while the main thread makes the window: an SVG crest took 11–13 ms of the main
// thread between the window and the home screen's first frame. A guess of the scale that
// turns out wrong costs only that early drawing; the home screen draws its own.
type CrestRaster struct {
	res   fyne.Resource
	width int
	img   image.Image
}

// RasterHomeCrest draws res as the home screen shows it at scale; nil when it does not
// decode (the home screen finds that out again and reports it).
func RasterHomeCrest(res fyne.Resource, scale float32) *CrestRaster {
	if res == nil {
		return nil
	}
	width := crestWidth(homeCrest, scale)
	img, err := rasterCrest(res, width)
	if err != nil {
		return nil
	}
	return &CrestRaster{res: res, width: width, img: img}
}

// rasterCrest decodes a PNG or JPEG as it is, and draws an SVG width pixels wide.
func rasterCrest(res fyne.Resource, width int) (image.Image, error) {
	data := res.Content()
	if !isSVG(res.Name(), data) {
		img, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", res.Name(), err)
		}
		return img, nil
	}
	icon, err := oksvg.ReadIconStream(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", res.Name(), err)
	}
	vb := icon.ViewBox
	if vb.W <= 0 || vb.H <= 0 || width <= 0 {
		return nil, fmt.Errorf("%s: no size (viewBox %gx%g)", res.Name(), vb.W, vb.H)
	}
	height := int(math.Ceil(float64(width) * vb.H / vb.W))
	icon.SetTarget(0, 0, float64(width), float64(height))
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	scanner := rasterx.NewScannerGV(int(vb.W), int(vb.H), img, img.Bounds())
	if err := drawSafely(icon, rasterx.NewDasher(width, height, scanner)); err != nil {
		return nil, fmt.Errorf("draw %s: %w", res.Name(), err)
	}
	return img, nil
}

// drawSafely turns a panic in the SVG rasteriser (malformed paths) into an error, as Fyne does.
func drawSafely(icon *oksvg.SvgIcon, d *rasterx.Dasher) (err error) {
	defer func() {
		if recover() != nil {
			err = errors.New("the SVG rasteriser crashed")
		}
	}()
	icon.Draw(d, 1)
	return nil
}

func isSVG(name string, data []byte) bool {
	if strings.HasSuffix(strings.ToLower(name), ".svg") {
		return true
	}
	head := strings.ToLower(string(data[:min(len(data), 256)]))
	return strings.Contains(head, "<svg")
}
