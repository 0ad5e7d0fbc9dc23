// Package l10n is the kiosk's translation layer. Fyne's own lang package reads the system
// locale once and cannot switch at runtime (fyne-io/fyne#5333); a kiosk must switch language
// whenever a resident taps the flag, so this package drives go-i18n message files itself and
// tells listeners to redraw.
package l10n

import (
	"fmt"
	"io/fs"
	"sync"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
)

// Lang is an interface language, as its BCP 47 tag.
type Lang string

// The interface languages, Polish first: it is the default and the fallback.
const (
	PL Lang = "pl"
	EN Lang = "en"
	UK Lang = "uk"
)

// Languages lists the interface languages in the order the language screen shows them.
var Languages = []Lang{PL, EN, UK}

// Name is the language's own name, so a resident recognises their language whatever is shown.
func (l Lang) Name() string {
	switch l {
	case PL:
		return "Polski"
	case EN:
		return "English"
	case UK:
		return "Українська"
	}
	return string(l)
}

// Localizer translates message IDs into the current language. It is safe for concurrent use.
type Localizer struct {
	bundle *i18n.Bundle

	mu        sync.RWMutex
	lang      Lang
	loc       *i18n.Localizer
	listeners []func(Lang)
}

// New loads every message file in files. A file's language is the last part of its name
// before ".yaml" ("pl.yaml", "validate.pl.yaml"), so each part of the interface can keep its
// messages in its own files. Polish must be complete; a message missing in another language
// falls back to Polish.
func New(files fs.FS) (*Localizer, error) {
	b := i18n.NewBundle(language.Polish)
	b.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	names, err := fs.Glob(files, "*.yaml")
	if err != nil || len(names) == 0 {
		return nil, fmt.Errorf("load translations: no message files (%v)", err)
	}
	for _, name := range names {
		data, err := fs.ReadFile(files, name)
		if err != nil {
			return nil, fmt.Errorf("load translations: %w", err)
		}
		if _, err := b.ParseMessageFileBytes(data, name); err != nil {
			return nil, fmt.Errorf("load translations %s: %w", name, err)
		}
	}
	l := &Localizer{bundle: b}
	l.SetLang(PL)
	return l, nil
}

// Lang returns the current language.
func (l *Localizer) Lang() Lang {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.lang
}

// SetLang switches the language and calls every listener, outside the lock so a listener
// may translate.
func (l *Localizer) SetLang(lang Lang) {
	l.mu.Lock()
	l.lang = lang
	// Listing Polish last makes it the fallback for messages a translation lacks.
	l.loc = i18n.NewLocalizer(l.bundle, string(lang), string(PL))
	ls := append([]func(Lang){}, l.listeners...)
	l.mu.Unlock()
	for _, f := range ls {
		f(lang)
	}
}

// OnChange registers f to run after every language switch.
func (l *Localizer) OnChange(f func(Lang)) {
	l.mu.Lock()
	l.listeners = append(l.listeners, f)
	l.mu.Unlock()
}

// T translates id. args are name/value pairs for the template; a pair named "Count" also
// selects the plural form (Polish has one, few and many).
func (l *Localizer) T(id string, args ...any) string {
	cfg := &i18n.LocalizeConfig{MessageID: id}
	if len(args) > 0 {
		data := make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			k, _ := args[i].(string)
			data[k] = args[i+1]
			if k == "Count" {
				cfg.PluralCount = args[i+1]
			}
		}
		cfg.TemplateData = data
	}
	l.mu.RLock()
	loc := l.loc
	l.mu.RUnlock()
	s, err := loc.Localize(cfg)
	if err != nil || s == "" {
		// A missing message shows its ID rather than nothing; the completeness test keeps
		// this from reaching a resident.
		return id
	}
	return s
}
