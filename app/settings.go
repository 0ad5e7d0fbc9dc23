package app

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"infomat/app/markdown"
	"infomat/app/touch"
	"infomat/l10n"
)

func (u *UI) languageView() fyne.CanvasObject {
	box := markdown.NewStack(u.note(u.t("language.body")))
	for _, l := range l10n.Languages {
		l := l
		label := l.Name()
		if l == u.d.Loc.Lang() {
			label = "✓ " + label
		}
		b := u.tk.NewButton(label, nil, func() {
			u.activity()
			u.d.Loc.SetLang(l)
		})
		u.speakLang(b, l)
		box.Add(b)
	}
	return u.tk.NewScroll(container.NewPadded(box))
}

func (u *UI) accessView() fyne.CanvasObject {
	set := func(change func()) func() {
		return func() {
			change()
			u.applyLook()
			u.render()
		}
	}
	toggle := func(label string, on bool, flip func()) fyne.CanvasObject {
		state := u.t("access.off")
		if on {
			state = u.t("access.on")
		}
		return u.tk.NewButton(fmt.Sprintf("%s: %s", label, state), nil, set(flip))
	}
	// One button a size, the chosen one marked: a single tap reaches any size, and one tap
	// undoes it.
	sizes := container.NewGridWithColumns(len(textScales))
	for i := range textScales {
		size := TextSize(i)
		label := "A" + strings.Repeat("+", i)
		sizes.Add(u.tk.NewChoice(label, u.look.Text == size, set(func() { u.look.Text = size })))
	}
	sizeLabel := widget.NewLabelWithStyle(u.t("access.size", "Percent", int(u.look.Text.scale()*100+0.5)),
		fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	sizeLabel.Wrapping = fyne.TextWrapWord
	box := markdown.NewStack(
		u.note(u.t("access.body")),
		sizeLabel,
		sizes,
		toggle(u.t("access.contrast"), u.look.HighContrast, func() { u.look.HighContrast = !u.look.HighContrast }),
		toggle(u.t("access.lower"), u.look.Lower, func() { u.look.Lower = !u.look.Lower }),
		u.note(u.t("access.lower.body")),
	)
	if u.d.Speaker != nil {
		for _, o := range u.speechControls() {
			box.Add(o)
		}
	}
	box.Add(u.note(u.t("access.reset")))
	return u.tk.NewScroll(container.NewPadded(box))
}

// note is a wrapped paragraph of interface text.
func (u *UI) note(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// notice fills a screen with one message.
func (u *UI) notice(text string) fyne.CanvasObject {
	return container.NewPadded(u.note(text))
}

// showWarning opens (or updates) the "are you still there?" popup with its countdown.
func (u *UI) showWarning(left time.Duration) {
	secs := int((left + time.Second - 1) / time.Second)
	text := u.t("idle.countdown", "Count", secs)
	if u.warning != nil {
		u.countdown.SetText(text)
		return
	}
	u.countdown = widget.NewLabel(text)
	u.countdown.Wrapping = fyne.TextWrapWord
	question := widget.NewLabelWithStyle(u.t("idle.question"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	more := u.tk.NewButton(u.t("idle.more"), nil, func() {
		u.activity()
		u.hideWarning()
	})
	end := u.tk.NewButton(u.t("idle.end"), nil, u.Reset)
	box := markdown.NewStack(question, u.countdown, more, end)
	u.warning = widget.NewModalPopUp(u.modalLayer(container.NewPadded(box)), u.win.Canvas())
	size := u.win.Canvas().Size()
	u.warning.Resize(fyne.NewSize(size.Width*0.8, box.MinSize().Height+4*touch.TargetSize/4))
	u.warning.Show()
	if u.sp.on {
		// Warned through two senses: a sound, and the question said with the focus on
		// "More time", so Select keeps the session.
		u.cue(CueWarning)
		u.spokePopup()
	}
}

func (u *UI) hideWarning() {
	if u.warning != nil {
		u.warning.Hide()
		u.warning = nil
		u.countdown = nil
	}
}

// speechControls switch reading aloud on and off and set its rate and volume; the keypad's
// + and − set the volume too.
func (u *UI) speechControls() []fyne.CanvasObject {
	head := widget.NewLabelWithStyle(u.t("speech.access.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	head.Wrapping = fyne.TextWrapWord
	onOff := u.t("speech.access.off")
	if u.sp.on {
		onOff = u.t("speech.access.on")
	}
	toggle := u.tk.NewChoice(onOff, u.sp.on, func() {
		if u.sp.on {
			u.stopSpeech()
			u.render()
			u.say(u.t("speech.off"))
			return
		}
		u.startSpeech(u.t("speech.intro"))
	})
	// Two buttons a row; a label too long for half the screen (Ukrainian at the largest
	// text) breaks into lines rather than pushing the row past the screen's edge.
	k := u.tk
	k.Width = func() float32 { return max(u.rowWidth()-theme.Padding(), 0) / 2 }
	step := func(label string, idx *int, steps []int, set func(int), say func() string, by int) fyne.CanvasObject {
		return k.NewButton(label, nil, func() {
			*idx = min(max(*idx+by, 0), len(steps)-1)
			if u.d.Speaker != nil {
				set(steps[*idx])
			}
			u.say(say())
		})
	}
	rate := func() string { return u.t("speech.rate", "Step", u.sp.rate+1, "Steps", len(speechRates)) }
	volume := func() string { return u.t("speech.volume", "Percent", speechVolumes[u.sp.volume]) }
	sp := u.d.Speaker
	return []fyne.CanvasObject{head, toggle,
		container.NewGridWithColumns(2,
			step(u.t("speech.access.slower"), &u.sp.rate, speechRates, sp.SetRate, rate, -1),
			step(u.t("speech.access.faster"), &u.sp.rate, speechRates, sp.SetRate, rate, 1)),
		container.NewGridWithColumns(2,
			step(u.t("speech.access.quieter"), &u.sp.volume, speechVolumes, sp.SetVolume, volume, -1),
			step(u.t("speech.access.louder"), &u.sp.volume, speechVolumes, sp.SetVolume, volume, 1)),
	}
}
