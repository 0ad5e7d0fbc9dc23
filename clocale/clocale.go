// Package clocale gives Fyne a language it can parse when the system runs in the C locale.
//
// Fyne's lang package reads the locale in its init, before main runs, and logs "Fyne error:
// Error parsing user locale C" for LANG=C.UTF-8 (the default of Debian's minimal installs and
// containers), so every `infomat` and `infomat-portal` command (the portal's content preview
// links Fyne too), even `version`, would print it. Importing this package from main sets
// LANGUAGE=en in that case, which is what Fyne falls back to anyway.
//
// It is a module of its own for one reason: Go initialises packages whose imports are ready in
// the order of their import paths, so only a path that sorts before "fyne.io/" runs its init
// before Fyne's; every package of the infomat module sorts after it. It imports nothing that
// imports Fyne.
package clocale

import (
	"os"
	"strings"
)

func init() {
	if os.Getenv("LANGUAGE") != "" {
		return
	}
	if cLocale(messagesLocale(os.Getenv)) {
		os.Setenv("LANGUAGE", "en")
	}
}

// messagesLocale is the locale messages are shown in, the variable gettext (and Fyne) reads
// first.
func messagesLocale(getenv func(string) string) string {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(name); v != "" {
			return v
		}
	}
	return ""
}

// cLocale reports a C or POSIX locale with a character set ("C.UTF-8", "C.utf8"). Fyne reads
// plain "C", "POSIX" and an unset locale as English itself; with a character set it takes "C"
// for a language tag and fails.
func cLocale(v string) bool {
	return strings.HasPrefix(v, "C.") || strings.HasPrefix(v, "POSIX.")
}
