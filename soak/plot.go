package soak

import (
	"encoding/csv"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"slices"
	"strconv"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Plot draws memory over actions as a PNG: the resident set, the heap as sampled and the
// settled heap (dots), in MB, with the title on top. The standard library and x/image's
// fixed font, already in go.mod, are enough for a chart read by eye.
func Plot(w io.Writer, title string, samples []Sample) error {
	const (
		width, height = 1200, 640
		left, right   = 70, 20
		top, bottom   = 50, 60
	)
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	maxX, maxY := 1, 1.0
	for _, s := range samples {
		maxX = max(maxX, s.Actions)
		maxY = max(maxY, MB(s.RSS), MB(s.HeapInuse))
	}
	maxY = niceCeil(maxY * 1.05)
	pw, ph := width-left-right, height-top-bottom
	px := func(actions int) int { return left + actions*pw/maxX }
	py := func(mb float64) int { return top + ph - int(mb/maxY*float64(ph)) }

	grid := color.RGBA{225, 225, 225, 255}
	ink := color.RGBA{40, 40, 40, 255}
	for i := 0; i <= 5; i++ {
		v := maxY * float64(i) / 5
		y := py(v)
		line(img, left, y, width-right, y, grid)
		label(img, 8, y+4, fmt.Sprintf("%5.0f MB", v), ink)
	}
	for i := 0; i <= 10; i++ {
		a := maxX * i / 10
		x := px(a)
		line(img, x, top, x, top+ph, grid)
		label(img, x-16, top+ph+18, fmt.Sprint(a), ink)
	}
	line(img, left, top, left, top+ph, ink)
	line(img, left, top+ph, width-right, top+ph, ink)
	label(img, left+pw/2-30, height-16, "actions", ink)
	label(img, left, 24, title, ink)

	rssC := color.RGBA{200, 60, 40, 255}
	inuseC := color.RGBA{240, 170, 60, 255}
	heapC := color.RGBA{50, 90, 200, 255}
	type legend struct {
		c    color.RGBA
		text string
	}
	var legends []legend
	series := func(v func(Sample) float64, c color.RGBA, text string) {
		if !slices.ContainsFunc(samples, func(s Sample) bool { return v(s) > 0 }) {
			return // not measured (the real binary's heap)
		}
		legends = append(legends, legend{c, text})
		for i := 1; i < len(samples); i++ {
			a, b := samples[i-1], samples[i]
			line(img, px(a.Actions), py(v(a)), px(b.Actions), py(v(b)), c)
		}
	}
	series(func(s Sample) float64 { return MB(s.RSS) }, rssC, "resident set (RSS)")
	series(func(s Sample) float64 { return MB(s.HeapInuse) }, inuseC, "heap in use (HeapInuse)")
	series(func(s Sample) float64 { return MB(s.HeapAlloc) }, heapC, "live heap after GC (HeapAlloc)")
	if slices.ContainsFunc(samples, func(s Sample) bool { return s.Settled }) {
		legends = append(legends, legend{ink, "settled: renderer cache emptied"})
	}
	for _, s := range samples {
		if s.Settled {
			dot(img, px(s.Actions), py(MB(s.HeapAlloc)), ink)
		}
	}
	lx := width - right - 330
	for i, l := range legends {
		y := top + 14 + 16*i
		for d := -1; d <= 1; d++ {
			line(img, lx, y-4+d, lx+24, y-4+d, l.c)
		}
		label(img, lx+32, y, l.text, ink)
	}
	return png.Encode(w, img)
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten, for the axis.
func niceCeil(v float64) float64 {
	p := 1.0
	for p*10 <= v {
		p *= 10
	}
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// line draws a two-pixel line from (x0, y0) to (x1, y1) (Bresenham).
func line(img *image.RGBA, x0, y0, x1, y1 int, c color.Color) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := 1, 1
	if x0 > x1 {
		sx = -1
	}
	if y0 > y1 {
		sy = -1
	}
	e := dx + dy
	for {
		img.Set(x0, y0, c)
		img.Set(x0, y0+1, c)
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			x0 += sx
		}
		if e2 <= dx {
			e += dx
			y0 += sy
		}
	}
}

func dot(img *image.RGBA, x, y int, c color.Color) {
	for dx := -3; dx <= 3; dx++ {
		for dy := -3; dy <= 3; dy++ {
			if dx*dx+dy*dy <= 9 {
				img.Set(x+dx, y+dy, c)
			}
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// label writes ASCII text with its baseline at (x, y).
func label(img *image.RGBA, x, y int, text string, c color.Color) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(text)
}

// ReadCSV reads samples that CSVLine wrote (a header line first), to plot a run again or
// while it goes.
func ReadCSV(r io.Reader) ([]Sample, error) {
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, err
	}
	var out []Sample
	for i, row := range rows {
		if i == 0 {
			continue
		}
		if len(row) != 9 {
			return nil, fmt.Errorf("line %d: %d fields, want 9", i+1, len(row))
		}
		var f [9]float64
		for j, v := range row {
			if f[j], err = strconv.ParseFloat(v, 64); err != nil {
				return nil, fmt.Errorf("line %d: %w", i+1, err)
			}
		}
		mb := func(v float64) uint64 { return uint64(v * (1 << 20)) }
		out = append(out, Sample{
			Actions: int(f[0]), Settled: f[1] == 1,
			Elapsed:   time.Duration(f[2] * float64(time.Second)),
			Simulated: time.Duration(f[3] * float64(time.Hour)),
			HeapAlloc: mb(f[4]), HeapInuse: mb(f[5]), Sys: mb(f[6]), RSS: mb(f[7]),
			Goroutines: int(f[8]),
		})
	}
	return out, nil
}
