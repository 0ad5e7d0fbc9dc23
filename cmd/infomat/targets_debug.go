//go:build e2etargets

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"infomat/app"
)

// debugTargets installs the SIGUSR1 handler when INFOMAT_DEBUG_TARGETS names a file.
func debugTargets(ctx context.Context, w fyne.Window, log *slog.Logger) {
	path := os.Getenv("INFOMAT_DEBUG_TARGETS")
	if path == "" {
		return
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1)
	log.Warn("debug: SIGUSR1 writes the screen's targets", "file", path)
	go func() {
		defer signal.Stop(sig)
		for {
			select {
			case <-ctx.Done():
				return
			case <-sig:
				var ts []target
				fyne.DoAndWait(func() { ts = screenTargets(w.Canvas()) })
				if err := writeTargets(path, ts); err != nil {
					log.Error("debug: write targets", "err", err)
				}
			}
		}
	}()
}

// writeTargets replaces path atomically, so a reader never sees half a file.
func writeTargets(path string, ts []target) error {
	b, err := json.Marshal(ts)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".targets-*")
	if err != nil {
		return fmt.Errorf("write targets: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("write targets: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write targets: %w", err)
	}
	return os.Rename(tmp.Name(), path)
}

// screenTargets lists what a finger can hit and the labels around it: on the topmost overlay when one is open (a
// modal popup covers the screen), else on the window's content.
func screenTargets(c fyne.Canvas) []target {
	root := c.Content()
	if top := c.Overlays().Top(); top != nil {
		root = top
	}
	scale := c.Scale()
	size := c.Size()
	drv := fyne.CurrentApp().Driver()
	var out []target
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		_, tappable := o.(fyne.Tappable)
		_, focusable := o.(fyne.Focusable)
		label := false
		switch o.(type) {
		case *widget.Label, *canvas.Text:
			label = true
		}
		if tappable || focusable || label {
			pos := drv.AbsolutePositionForObject(o)
			sz := o.Size()
			// Scrolled out of the window: not reachable without scrolling first.
			if pos.X+sz.Width > 0 && pos.Y+sz.Height > 0 && pos.X < size.Width && pos.Y < size.Height {
				out = append(out, target{
					Text: strings.Join(strings.Fields(objectText(o)), " "),
					Kind: fmt.Sprintf("%T", o),
					X:    int(pos.X * scale), Y: int(pos.Y * scale),
					W: int(sz.Width * scale), H: int(sz.Height * scale),
				})
			}
		}
		if label {
			return // its text is in the target already
		}
		for _, child := range children(o) {
			walk(child)
		}
	}
	walk(root)
	return out
}

// children are the objects drawn inside o.
func children(o fyne.CanvasObject) []fyne.CanvasObject {
	switch v := o.(type) {
	case *fyne.Container:
		return v.Objects
	case *container.Scroll:
		return []fyne.CanvasObject{v.Content}
	case fyne.Widget:
		if r := test.WidgetRenderer(v); r != nil {
			return r.Objects()
		}
	}
	return nil
}

// objectText joins the texts drawn inside o.
func objectText(o fyne.CanvasObject) string {
	var b strings.Builder
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch v := o.(type) {
		case *canvas.Text:
			b.WriteString(v.Text + " ")
			return
		case *widget.Entry:
			b.WriteString(v.Text + " " + v.PlaceHolder + " ")
			return
		}
		for _, child := range children(o) {
			walk(child)
		}
	}
	walk(o)
	return b.String()
}

// debugSpeech writes, when INFOMAT_DEBUG_SPEECH names a file, a line for every utterance
// ("lang<TAB>text") before it is said, so an end-to-end test can navigate by ear. Test
// builds only: the product never writes what it says anywhere (it may be a PESEL).
func debugSpeech(s app.Speaker, log *slog.Logger) app.Speaker {
	path := os.Getenv("INFOMAT_DEBUG_SPEECH")
	if path == "" || s == nil {
		return s
	}
	log.Warn("debug: every utterance is written down", "file", path)
	return &speechLog{Speaker: s, path: path}
}

type speechLog struct {
	app.Speaker
	path string
}

func (l *speechLog) Say(lang, text string) {
	l.write(lang, text)
	l.Speaker.Say(lang, text)
}

// Cue is written down too ("cue<TAB>name"): a line a sound, as the speaker numbers them.
func (l *speechLog) Cue(name string) {
	l.write("cue", name)
	l.Speaker.Cue(name)
}

func (l *speechLog) write(kind, text string) {
	if f, err := os.OpenFile(l.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
		fmt.Fprintf(f, "%s\t%s\n", kind, strings.ReplaceAll(text, "\n", " "))
		f.Close()
	}
}
