// Package preview draws the kiosk's own screens as PNG images on the server, for the
// portal's content editor: "preview exactly as the kiosk shows it". It builds the kiosk's
// real user interface (package app) on a content bundle and captures it with Fyne's
// headless test driver, whose software painter needs neither cgo nor a display; the printed
// procedure sheet comes from the same receipt renderer the kiosk's preview screen uses.
package preview

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io/fs"
	"path"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"

	"infomat/app"
	"infomat/assets"
	"infomat/content"
	"infomat/l10n"
	"infomat/receipt"
	"infomat/search"
)

// The kiosk's portrait screen, in Fyne units: the kiosk runs full screen on a 1080×1920
// panel at scale 1, which is also the size its own UI tests draw at.
const (
	Width  = 1080
	Height = 1920
)

// SheetWidth is the printed sheet's width in dots: the kiosk's default paper, 80 mm.
const SheetWidth = receipt.Width80mm

// ErrNotFound is returned (wrapped) when the bundle has no category, card, form, form step,
// BIP menu item or page by the ID asked for.
var ErrNotFound = errors.New("no such screen in the content")

// Screen says which kiosk screen to render.
type Screen struct {
	// Kind is "home", "category", "card", "form" (a card's online form), "bip" (the BIP
	// menu), "page" (a BIP page) or "sheet" (the printed procedure sheet of a card).
	Kind string
	// ID names the category, card, BIP menu item or page. "category" without one is the list
	// of categories, "bip" without one the BIP's start screen.
	ID string
	// Step is the form wizard's step, as the wizard counts them: 0 its start page (what
	// "Złóż wniosek tutaj" opens), 1…n the questions shown while nothing is answered yet, n+1
	// the review, n+2 the consent with the information clause.
	Step int
}

var kinds = []string{"home", "category", "card", "form", "bip", "page", "sheet"}

// Render draws screen s of bundle b in language lang ("pl", "en", "uk") as the kiosk shows it
// at 1080×1920 and returns PNG bytes; a "sheet" is SheetWidth dots wide, as long as the
// printout. Unknown IDs give an error wrapping ErrNotFound.
//
// Renders run one at a time (Fyne's app, theme and caches are process-wide); ctx bounds the
// wait for a turn, and a render that has started runs to its end, a fraction of a second.
func Render(ctx context.Context, b *content.Bundle, lang string, s Screen) ([]byte, error) {
	sh, err := render(ctx, b, lang, s)
	if err != nil {
		return nil, err
	}
	return sh.png, nil
}

// shot is one render: the PNG and, for tests, the texts it shows.
type shot struct {
	png []byte
	// texts are the texts on the captured screen in drawing order (a sheet's text lines).
	texts []string
}

// turn is held by the render in progress.
var turn = make(chan struct{}, 1)

func render(ctx context.Context, b *content.Bundle, lang string, s Screen) (*shot, error) {
	if b == nil {
		return nil, errors.New("preview: no content bundle")
	}
	if !slices.Contains(l10n.Languages, l10n.Lang(lang)) {
		return nil, fmt.Errorf("preview: unknown language %q", lang)
	}
	if !slices.Contains(kinds, s.Kind) {
		return nil, fmt.Errorf("preview: unknown screen kind %q", s.Kind)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-turn }()
	if err := ctx.Err(); err != nil {
		return nil, err // cancelled while the previous render finished
	}

	// The drawing runs on a goroutine of its own, waited for: Fyne runs theme changes on a
	// new goroutine when called from the main one, and a panic deep in a widget must cost
	// the caller one preview, not the portal.
	type result struct {
		sh  *shot
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{err: fmt.Errorf("preview: drawing %s %q panicked: %v", s.Kind, s.ID, r)}
			}
		}()
		sh, err := draw(b, l10n.Lang(lang), s)
		done <- result{sh, err}
	}()
	r := <-done
	return r.sh, r.err
}

// previewApp is the headless Fyne app every render draws in; fyne.io/fyne/v2/test makes
// one when it is imported, and this keeps hold of it should anything replace the current
// app.
var previewApp = fyne.CurrentApp()

// draw builds the kiosk's UI on b in a fresh window, goes to screen s and captures it.
func draw(b *content.Bundle, lang l10n.Lang, s Screen) (*shot, error) {
	fyne.SetCurrentApp(previewApp)
	loc, err := l10n.New(assets.Translations())
	if err != nil {
		return nil, fmt.Errorf("preview: %w", err)
	}
	loc.SetLang(lang)
	w := previewApp.NewWindow("Infomat")
	defer w.Close()
	w.Resize(fyne.NewSize(Width, Height))
	ui := app.New(w, app.Deps{
		Content: b,
		Loc:     loc,
		Crest:   crest(b),
		// No screen of a preview searches: an empty index spares indexing the bundle.
		Index: search.NewIndex(nil),
		// With these the card shows "Złóż wniosek tutaj" and "Wydrukuj informację" as a
		// kiosk with a printer and the municipality's own submission key shows them.
		Submit:  inert{},
		Printer: inert{},
		Now:     func() time.Time { return clock },
		Uptime:  func() time.Duration { return 0 },
	})

	if s.Kind == "sheet" {
		doc, ok := ui.ProcedureSheet(s.ID)
		if !ok {
			return nil, fmt.Errorf("preview: card %q: %w", s.ID, ErrNotFound)
		}
		var texts []string
		for _, it := range doc.Items {
			switch it := it.(type) {
			case receipt.Text:
				texts = append(texts, it.Text)
			case receipt.QR:
				texts = append(texts, it.Caption)
			}
		}
		data, err := encode(receipt.RenderPNG(doc, SheetWidth))
		if err != nil {
			return nil, err
		}
		return &shot{png: data, texts: texts}, nil
	}

	// New has drawn home already.
	if s.Kind != "home" && !ui.Show(s.Kind, s.ID, s.Step) {
		what := fmt.Sprintf("%s %q", s.Kind, s.ID)
		if s.Kind == "form" {
			what += fmt.Sprintf(" step %d", s.Step)
		}
		return nil, fmt.Errorf("preview: %s: %w", what, ErrNotFound)
	}
	c := w.Canvas()
	settle(c)
	data, err := encode(c.Capture())
	if err != nil {
		return nil, err
	}
	return &shot{png: data, texts: canvasTexts(c)}, nil
}

// clock is the time every preview shows: a Monday morning, so home's "today" line shows a
// working day's hours, the same in every preview of the same content.
var clock = time.Date(2026, time.November, 23, 10, 0, 0, 0, time.UTC)

// encode writes img as PNG, favouring speed: a preview is looked at once and replaced at
// the next edit, and the best compression costs a third of a render for 3 % fewer bytes.
func encode(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("preview: encode PNG: %w", err)
	}
	return buf.Bytes(), nil
}

// crest loads the coat of arms as the kiosk does (cmd/infomat): missing or unreadable, the
// home screen goes without it.
func crest(b *content.Bundle) fyne.Resource {
	if b.Files == nil || b.Municipality.Crest == "" {
		return nil
	}
	data, err := fs.ReadFile(b.Files, b.Municipality.Crest)
	if err != nil {
		return nil
	}
	return fyne.NewStaticResource(path.Base(b.Municipality.Crest), data)
}

// inert stands in for the kiosk's printer and submitter; nothing taps a preview.
type inert struct{}

var errInert = errors.New("preview: a preview prints and files nothing")

func (inert) Print(context.Context, receipt.Doc) error { return errInert }

func (inert) Submit(context.Context, *content.Procedure, content.Answers) (string, time.Time, error) {
	return "", time.Time{}, errInert
}

// settle lays the screen out again the way the kiosk's GLFW driver does on every frame
// before it paints: bottom up, each container and widget by its children's minimum sizes
// as they are now. The test canvas lays a screen out only once, top down, while a wrapped
// label does not yet know its width; without this, text that wraps to a second line (home's
// welcome beside the crest) would be cut off in the picture where the kiosk shows it whole.
func settle(c fyne.Canvas) {
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch x := o.(type) {
		case *fyne.Container:
			for _, k := range x.Objects {
				walk(k)
			}
			if x.Layout != nil {
				x.Layout.Layout(x.Objects, x.Size())
			}
		case fyne.Widget:
			r := test.WidgetRenderer(x)
			for _, k := range r.Objects() {
				walk(k)
			}
			r.Layout(x.Size())
		}
	}
	// A few frames' worth: a layout that changed a size can change its parent's once more.
	for range 3 {
		walk(c.Content())
		for _, o := range c.Overlays().List() {
			walk(o)
		}
	}
}

// canvasTexts lists the texts a capture of c shows: visible canvas.Text objects at least
// partly inside the window and inside every scroll view around them, popups included.
func canvasTexts(c fyne.Canvas) []string {
	var out []string
	var walk func(o fyne.CanvasObject, at fyne.Position, clip rect)
	walk = func(o fyne.CanvasObject, at fyne.Position, clip rect) {
		if o == nil || !o.Visible() {
			return
		}
		at = at.Add(o.Position())
		here := rect{at, at.Add(fyne.NewPos(o.Size().Width, o.Size().Height))}
		switch x := o.(type) {
		case *canvas.Text:
			if here.overlaps(clip) {
				out = append(out, x.Text)
			}
		case *fyne.Container:
			for _, k := range x.Objects {
				walk(k, at, clip)
			}
		case fyne.Widget:
			if _, ok := x.(*container.Scroll); ok {
				clip = clip.and(here)
			}
			for _, k := range test.WidgetRenderer(x).Objects() {
				walk(k, at, clip)
			}
		}
	}
	screen := rect{max: fyne.NewPos(c.Size().Width, c.Size().Height)}
	walk(c.Content(), fyne.Position{}, screen)
	for _, o := range c.Overlays().List() {
		walk(o, fyne.Position{}, screen)
	}
	return out
}

// rect is an area of the canvas, min inclusive, max exclusive.
type rect struct{ min, max fyne.Position }

func (r rect) overlaps(o rect) bool {
	return r.min.X < o.max.X && o.min.X < r.max.X && r.min.Y < o.max.Y && o.min.Y < r.max.Y
}

func (r rect) and(o rect) rect {
	return rect{
		min: fyne.NewPos(max(r.min.X, o.min.X), max(r.min.Y, o.min.Y)),
		max: fyne.NewPos(min(r.max.X, o.max.X), min(r.max.Y, o.max.Y)),
	}
}
