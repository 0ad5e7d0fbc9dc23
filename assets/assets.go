// Package assets embeds the defaults a kiosk needs on first boot with nothing else: the
// sample municipality's content bundle and the interface translations.
package assets

import (
	"embed"
	"io/fs"
)

//go:embed content
var contentFS embed.FS

//go:embed l10n
var l10nFS embed.FS

// DefaultContent is the embedded "Gmina Przykładowa" bundle, rooted at the bundle folder.
func DefaultContent() fs.FS {
	sub, err := fs.Sub(contentFS, "content")
	if err != nil {
		panic(err) // the embed pattern above guarantees the folder
	}
	return sub
}

// Translations holds one go-i18n message file per language (pl.yaml, en.yaml, uk.yaml).
func Translations() fs.FS {
	sub, err := fs.Sub(l10nFS, "l10n")
	if err != nil {
		panic(err)
	}
	return sub
}
