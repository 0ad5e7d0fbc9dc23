package track

import (
	"net/http"

	"golang.org/x/text/language"

	"infomat/l10n"
)

// matcher picks among the page's languages, Polish first: it is also what a browser asking
// for none of them gets.
var matcher = language.NewMatcher([]language.Tag{language.Polish, language.English, language.Ukrainian})

// chooseLang is the page's language: ?lang= when it names one of pl, en, uk, else the best
// of the browser's Accept-Language, else Polish.
func chooseLang(r *http.Request) l10n.Lang {
	switch q := l10n.Lang(r.URL.Query().Get("lang")); q {
	case l10n.PL, l10n.EN, l10n.UK:
		return q
	}
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return l10n.PL
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return l10n.PL
	}
	return l10n.Languages[i]
}
