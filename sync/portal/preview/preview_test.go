package preview

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"infomat/assets"
	"infomat/content"
)

// card is a sample card with a form and English and Ukrainian overlays.
const card = "zameldowanie-pobyt-staly"

var sample = sync.OnceValues(func() (*content.Bundle, error) { return content.Load(assets.DefaultContent()) })

func sampleBundle(t testing.TB) *content.Bundle {
	t.Helper()
	b, err := sample()
	if err != nil {
		t.Fatalf("embedded content: %v", err)
	}
	return b
}

// mustRender renders s and checks what every screen must be: a PNG of the kiosk's size (a
// sheet: the paper's width) that is not one flat colour.
func mustRender(t *testing.T, b *content.Bundle, lang string, s Screen) *shot {
	t.Helper()
	sh, err := render(context.Background(), b, lang, s)
	if err != nil {
		t.Fatalf("render %s %+v: %v", lang, s, err)
	}
	img, err := png.Decode(bytes.NewReader(sh.png))
	if err != nil {
		t.Fatalf("render %s %+v: not a PNG: %v", lang, s, err)
	}
	size := img.Bounds().Size()
	if s.Kind == "sheet" {
		if size.X != SheetWidth || size.Y < 200 {
			t.Errorf("sheet %s %+v is %v, want %d dots wide and a printout long", lang, s, size, SheetWidth)
		}
	} else if size != image.Pt(Width, Height) {
		t.Errorf("render %s %+v is %v, want %dx%d", lang, s, size, Width, Height)
	}
	want := 3 // a screen has at least its background, text and buttons
	if s.Kind == "sheet" {
		want = 2 // black on white
	}
	if colours(img) < want {
		t.Errorf("render %s %+v is blank", lang, s)
	}
	save(t, fmt.Sprintf("%s-%s-%s-%d", s.Kind, s.ID, lang, s.Step), sh.png)
	return sh
}

// colours counts the distinct colours of img, up to 10.
func colours(img image.Image) int {
	seen := map[color.RGBA]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), uint8(a >> 8)}] = true
			if len(seen) >= 10 {
				return len(seen)
			}
		}
	}
	return len(seen)
}

// save keeps a render in $INFOMAT_SCREENSHOTS, as the app's tests do, to be looked at.
func save(t *testing.T, name string, data []byte) {
	dir := os.Getenv("INFOMAT_SCREENSHOTS")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	name = strings.NewReplacer("/", "_", " ", "_").Replace(name)
	if err := os.WriteFile(filepath.Join(dir, "preview-"+name+".png"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// shows reports whether text is on the rendered screen, also when wrapping split it over
// several canvas texts.
func (sh *shot) shows(text string) bool {
	return strings.Contains(strings.Join(strings.Fields(strings.Join(sh.texts, " ")), " "), text)
}

func (sh *shot) mustShow(t *testing.T, text string) {
	t.Helper()
	if !sh.shows(text) {
		t.Errorf("%q not on the rendered screen; it shows: %s", text, strings.Join(sh.texts, " | "))
	}
}

func (sh *shot) mustNotShow(t *testing.T, text string) {
	t.Helper()
	if sh.shows(text) {
		t.Errorf("%q on the rendered screen, should not be", text)
	}
}

func TestCardInEachLanguage(t *testing.T) {
	b := sampleBundle(t)
	pl, ok := b.Procedure(card)
	if !ok {
		t.Fatalf("sample has no card %s", card)
	}
	en, _ := b.In("en").Procedure(card)
	uk, _ := b.In("uk").Procedure(card)
	if en.Title == pl.Title || uk.Title == pl.Title {
		t.Fatalf("sample card %s has no English and Ukrainian titles of its own", card)
	}
	s := Screen{Kind: "card", ID: card}

	shPL := mustRender(t, b, "pl", s)
	shPL.mustShow(t, pl.Title)
	shPL.mustShow(t, "Co przygotować")
	// The buttons a kiosk with a printer shows on a card with a form.
	shPL.mustShow(t, "Złóż wniosek tutaj")
	shPL.mustShow(t, "Wydrukuj informację")
	shPL.mustNotShow(t, en.Title)

	shEN := mustRender(t, b, "en", s)
	shEN.mustShow(t, en.Title)
	shEN.mustNotShow(t, "Co przygotować")

	shUK := mustRender(t, b, "uk", s)
	shUK.mustShow(t, uk.Title)

	if bytes.Equal(shPL.png, shEN.png) || bytes.Equal(shEN.png, shUK.png) {
		t.Error("the languages render the same picture")
	}
}

func TestEveryKind(t *testing.T) {
	b := sampleBundle(t)
	p, _ := b.Procedure(card)
	cat, _ := b.Category(p.Category)
	page := b.BIPPages[0]
	menu := b.BIPMenu[0]
	for _, c := range []struct {
		s    Screen
		want string // on the screen
	}{
		{Screen{Kind: "home"}, b.Municipality.Name},
		{Screen{Kind: "category"}, cat.Name},
		{Screen{Kind: "category", ID: cat.ID}, p.Title},
		{Screen{Kind: "card", ID: card}, p.Title},
		{Screen{Kind: "form", ID: card}, "Rozpocznij"},
		{Screen{Kind: "form", ID: card, Step: 1}, p.Form.Fields[0].Label},
		{Screen{Kind: "form", ID: card, Step: 2}, p.Form.Fields[1].Label},
		{Screen{Kind: "bip"}, menu.Title},
		{Screen{Kind: "bip", ID: menu.ID}, menu.Children[0].Title},
		{Screen{Kind: "page", ID: page.ID}, page.Title},
		{Screen{Kind: "sheet", ID: card}, p.Title},
	} {
		t.Run(fmt.Sprintf("%s-%s-%d", c.s.Kind, c.s.ID, c.s.Step), func(t *testing.T) {
			mustRender(t, b, "pl", c.s).mustShow(t, c.want)
		})
	}
}

func TestFormStepsToTheConsent(t *testing.T) {
	b := sampleBundle(t)
	p, _ := b.Procedure(card)
	n := len(p.Form.Visible(content.Answers{}))
	mustRender(t, b, "pl", Screen{Kind: "form", ID: card, Step: n}).mustShow(t, p.Form.Visible(content.Answers{})[n-1].Label)
	mustRender(t, b, "pl", Screen{Kind: "form", ID: card, Step: n + 2}).mustShow(t, "RODO")
	if _, err := Render(context.Background(), b, "pl", Screen{Kind: "form", ID: card, Step: n + 3}); !errors.Is(err, ErrNotFound) {
		t.Errorf("a step past the consent: %v, want ErrNotFound", err)
	}
}

func TestUnknownIDs(t *testing.T) {
	b := sampleBundle(t)
	var noForm string
	for _, p := range b.Procedures {
		if p.Form == nil {
			noForm = p.ID
			break
		}
	}
	for _, s := range []Screen{
		{Kind: "category", ID: "nie-ma"},
		{Kind: "card", ID: "nie-ma"},
		{Kind: "form", ID: "nie-ma"},
		{Kind: "form", ID: noForm},
		{Kind: "form", ID: card, Step: -1},
		{Kind: "bip", ID: "nie-ma"},
		{Kind: "page", ID: "nie-ma"},
		{Kind: "sheet", ID: "nie-ma"},
	} {
		if _, err := Render(context.Background(), b, "pl", s); !errors.Is(err, ErrNotFound) {
			t.Errorf("%+v: %v, want ErrNotFound", s, err)
		}
	}
	for _, bad := range []struct {
		lang string
		s    Screen
	}{{"de", Screen{Kind: "home"}}, {"pl", Screen{Kind: "search"}}} {
		if _, err := Render(context.Background(), b, bad.lang, bad.s); err == nil || errors.Is(err, ErrNotFound) {
			t.Errorf("%s %+v: %v, want an error that is not ErrNotFound", bad.lang, bad.s, err)
		}
	}
}

func TestCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Render(ctx, sampleBundle(t), "pl", Screen{Kind: "home"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
	// Waiting for a turn ends with the context.
	turn <- struct{}{}
	defer func() { <-turn }()
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := Render(ctx, sampleBundle(t), "pl", Screen{Kind: "home"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting for a turn: %v, want context.DeadlineExceeded", err)
	}
}

// TestEditedBundle is what a preview is for: the editor's unsaved change shows.
func TestEditedBundle(t *testing.T) {
	files := fstest.MapFS{}
	err := fs.WalkDir(assets.DefaultContent(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(assets.DefaultContent(), p)
		files[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	name := "procedury/" + card + ".yaml"
	old, _, _ := strings.Cut(string(files[name].Data), "\n")
	const title = "Zameldowanie — tytuł z edytora"
	files[name].Data = []byte(strings.Replace(string(files[name].Data), old, "nazwa: "+title, 1))
	b, err := content.Load(files)
	if err != nil {
		t.Fatalf("edited bundle: %v", err)
	}

	sh := mustRender(t, b, "pl", Screen{Kind: "card", ID: card})
	sh.mustShow(t, title)
	sh.mustNotShow(t, "Zameldowanie na pobyt stały")
	mustRender(t, b, "pl", Screen{Kind: "sheet", ID: card}).mustShow(t, title)
	// The untouched sample still shows its own title.
	mustRender(t, sampleBundle(t), "pl", Screen{Kind: "card", ID: card}).mustNotShow(t, title)
}

func TestSheetIsWhatTheKioskPrints(t *testing.T) {
	b := sampleBundle(t)
	p, _ := b.Procedure(card)
	en, _ := b.In("en").Procedure(card)
	pl := mustRender(t, b, "pl", Screen{Kind: "sheet", ID: card})
	pl.mustShow(t, b.Municipality.Name)
	pl.mustShow(t, p.Title)
	for _, d := range p.Documents {
		pl.mustShow(t, d.Name)
	}
	// Printed in the resident's language, as the kiosk prints it.
	mustRender(t, b, "en", Screen{Kind: "sheet", ID: card}).mustShow(t, en.Title)
}

// TestCrest: the coat of arms is on home, as the kiosk loads it from the bundle.
func TestCrest(t *testing.T) {
	b := sampleBundle(t)
	if crest(b) == nil {
		t.Fatalf("sample crest %q not loaded", b.Municipality.Crest)
	}
	with := mustRender(t, b, "pl", Screen{Kind: "home"})
	noCrest := *b
	noCrest.Municipality.Crest = ""
	without, err := render(context.Background(), &noCrest, "pl", Screen{Kind: "home"})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(with.png, without.png) {
		t.Error("home looks the same with and without the crest")
	}
}

// TestConcurrentRenders: the portal renders from many handlers at once (run with -race).
func TestConcurrentRenders(t *testing.T) {
	b := sampleBundle(t)
	before := runtime.NumGoroutine()
	windows := len(fyne.CurrentApp().Driver().AllWindows())
	screens := []Screen{{Kind: "home"}, {Kind: "card", ID: card}, {Kind: "sheet", ID: card}, {Kind: "bip"}}
	langs := []string{"pl", "en", "uk"}
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for i := range 6 {
		wg.Go(func() {
			s, lang := screens[i%len(screens)], langs[i%len(langs)]
			data, err := Render(context.Background(), b, lang, s)
			if err == nil {
				_, err = png.Decode(bytes.NewReader(data))
			}
			if err != nil {
				errs <- fmt.Errorf("%s %+v: %w", lang, s, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(fyne.CurrentApp().Driver().AllWindows()); n != windows {
		t.Errorf("%d windows open after the renders, %d before", n, windows)
	}
	// Renders leave no goroutine behind (give finished ones a moment to exit).
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after the renders, %d before", n, before)
	}
}

func BenchmarkRenderCard(b *testing.B) {
	bundle := sampleBundle(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := Render(ctx, bundle, "pl", Screen{Kind: "card", ID: card}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSettle: text that wraps to more lines once it knows its width pushes what is below it
// down, as on the kiosk's screen, instead of being cut off by it.
func TestSettle(t *testing.T) {
	w := previewApp.NewWindow("")
	defer w.Close()
	w.Resize(fyne.NewSize(300, 600))
	long := widget.NewLabel(strings.Repeat("Dotknij przycisku, aby sprawdzić. ", 6))
	long.Wrapping = fyne.TextWrapWord
	below := widget.NewLabel("pod spodem")
	w.SetContent(container.NewBorder(container.NewVBox(long), nil, nil, nil, below))
	settle(w.Canvas())
	if end := long.Position().Y + long.MinSize().Height; below.Position().Y < end {
		t.Errorf("the text below starts at %v, inside the wrapped text that ends at %v", below.Position().Y, end)
	}
}
