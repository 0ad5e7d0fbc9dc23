package kiosk

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"

	"infomat/assets"
	"infomat/content"
	"infomat/store"
)

// ContentStore is the part of the store that keeps the active content bundle.
type ContentStore interface {
	PutContent(version, label string, files map[string][]byte) error
	ActiveContent() (fs.FS, store.ContentInfo, error)
}

// Source says where the content on screen came from.
type Source string

const (
	FromFolder   Source = "folder"   // --content DIR, now also the store's active bundle
	FromStore    Source = "store"    // the last good bundle in the store
	FromEmbedded Source = "embedded" // the built-in sample municipality
)

// load validates a bundle and logs the forms it had to disable.
func load(fsys fs.FS, log *slog.Logger) (*content.Bundle, error) {
	b, err := content.Load(fsys)
	if err == nil && len(b.FormProblems) > 0 {
		logProblems(log, "forms disabled, their cards still show", "", b.FormProblems)
	}
	return b, err
}

// LoadContent picks the content to show: a folder given by the technician if it is valid
// (it then becomes the store's active bundle), else the store's last good bundle, else the
// embedded default. A bundle with errors never replaces good content: each problem is logged
// with file and field and the kiosk starts anyway.
func LoadContent(st ContentStore, dir string, log *slog.Logger) (*content.Bundle, Source, error) {
	if dir != "" {
		files, err := readAll(dir)
		var b *content.Bundle
		if err == nil {
			b, err = load(files.FS(), log)
		}
		if err == nil {
			rerr := st.PutContent(b.Version, "folder:"+dir, files)
			if rerr != nil {
				// Showing it still beats the old content; it will be stored next start.
				log.Error("content folder is valid but could not be stored", "dir", dir, "err", rerr)
			} else {
				log.Info("content folder activated", "dir", dir, "version", b.Version)
			}
			return b, FromFolder, nil
		}
		logProblems(log, "content folder rejected, keeping the last good content", dir, err)
	}
	if fsys, info, err := st.ActiveContent(); err == nil {
		b, err := load(fsys, log)
		if err == nil {
			log.Info("content from store", "version", b.Version, "label", info.Label)
			return b, FromStore, nil
		}
		logProblems(log, "stored content is invalid, using the embedded default", info.Label, err)
	} else if !errors.Is(err, store.ErrNoContent) {
		log.Error("stored content unreadable, using the embedded default", "err", err)
	}
	b, err := load(assets.DefaultContent(), log)
	if err != nil {
		return nil, "", fmt.Errorf("embedded default content: %w", err)
	}
	log.Info("embedded default content", "version", b.Version)
	return b, FromEmbedded, nil
}

func logProblems(log *slog.Logger, msg, where string, err error) {
	var ps content.Problems
	if !errors.As(err, &ps) {
		log.Error(msg, "source", where, "err", err)
		return
	}
	log.Error(msg, "source", where, "problems", len(ps))
	for _, p := range ps {
		log.Error("content problem", "file", p.File, "field", p.Field, "reason", p.Reason)
	}
}

// readAll reads a content folder into memory with content.ReadFolder, the one safe reader:
// symlinks, devices, pipes and sockets are refused (as content.Problems, one per file), never
// followed or opened, and files over the default size limits are refused before being read.
func readAll(dir string) (content.Folder, error) {
	return content.ReadFolder(dir, content.Limits{})
}
