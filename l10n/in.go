package l10n

import "github.com/nicksnyder/go-i18n/v2/i18n"

// In translates id into lang whatever the current language, for screens that speak to
// everyone at once (the kiosk's attract loop). args are as for T.
func (l *Localizer) In(lang Lang, id string, args ...any) string {
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
	s, err := i18n.NewLocalizer(l.bundle, string(lang), string(PL)).Localize(cfg)
	if err != nil || s == "" {
		return id
	}
	return s
}
