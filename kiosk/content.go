package kiosk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"

	"infomat/assets"
	"infomat/content"
	"infomat/store"
)

// ContentStore is the part of the store that keeps the content bundles.
type ContentStore interface {
	PutContent(version, label string, files map[string][]byte) error
	ActiveContent() (fs.FS, store.ContentInfo, error)
	PreviousContent() (fs.FS, store.ContentInfo, error)
	SetOffice(raw []byte) error
	Office() ([]byte, error)
}

// Source says where the content on screen came from.
type Source string

const (
	FromFolder   Source = "folder"   // --content DIR, now also the store's active bundle
	FromStore    Source = "store"    // the last good bundle in the store
	FromPrevious Source = "previous" // the bundle before it: the active one is unreadable
	FromEmbedded Source = "embedded" // the built-in sample municipality
)

// ErrOutOfService is returned by LoadContent for a provisioned kiosk that has no readable
// content of its own: it must not show the sample municipality (whose forms would encrypt
// residents' answers to a published key), so it shows the out-of-service screen.
var ErrOutOfService = errors.New("no valid content of this municipality; out of service")

// Policy is what LoadContent must respect besides the content itself.
type Policy struct {
	// Provisioned: the kiosk is enrolled with a portal. It never falls back to the
	// embedded sample.
	Provisioned bool
	// MemoryBudget bounds a new bundle's memory before it is activated (LoadWithin); 0: none.
	MemoryBudget int64
}

// load validates a bundle and logs the forms it had to disable.
func load(fsys fs.FS, budget int64, log *slog.Logger) (*content.Bundle, error) {
	b, err := LoadWithin(fsys, budget)
	if err == nil && len(b.FormProblems) > 0 {
		logProblems(log, "forms disabled, their cards still show", "", b.FormProblems)
	}
	return b, err
}

// LoadContent picks the content to show: a folder given by the technician if it is valid
// and loads within the memory budget (it then becomes the store's active bundle), else the
// store's active bundle, else the previous one, else — only on a kiosk that is not
// provisioned — the embedded sample. A provisioned kiosk with none of its own gets
// ErrOutOfService. A bundle with errors never replaces good content: each problem is logged
// with file and field and the kiosk starts anyway. Expiry of a portal manifest plays no part
// here: content once installed stays until newer content replaces it.
//
// The municipality's name, address and hours are remembered in the store whenever content
// is shown, for the out-of-service screen (RememberedOffice).
func LoadContent(st ContentStore, dir string, p Policy, log *slog.Logger) (*content.Bundle, Source, error) {
	b, src, err := pickContent(st, dir, p, log)
	if err == nil {
		rememberOffice(st, b, log)
	}
	return b, src, err
}

func pickContent(st ContentStore, dir string, p Policy, log *slog.Logger) (*content.Bundle, Source, error) {
	if dir != "" {
		files, err := readAll(dir)
		var b *content.Bundle
		if err == nil {
			b, err = load(files.FS(), p.MemoryBudget, log)
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
	for _, c := range []struct {
		src  Source
		read func() (fs.FS, store.ContentInfo, error)
	}{{FromStore, st.ActiveContent}, {FromPrevious, st.PreviousContent}} {
		fsys, info, err := c.read()
		if errors.Is(err, store.ErrNoContent) {
			continue
		}
		if err != nil {
			log.Error("stored content unreadable", "which", c.src, "err", err)
			continue
		}
		// Stored bundles were checked against the budget when they were activated.
		b, err := load(fsys, 0, log)
		if err != nil {
			logProblems(log, "stored content is invalid", info.Label, err)
			continue
		}
		log.Info("content from store", "which", c.src, "version", b.Version, "label", info.Label)
		return b, c.src, nil
	}
	if p.Provisioned {
		log.Error("provisioned kiosk has no valid content of its own: out of service (the embedded sample is never shown here)")
		return nil, "", ErrOutOfService
	}
	b, err := load(assets.DefaultContent(), 0, log)
	if err != nil {
		return nil, "", fmt.Errorf("embedded default content: %w", err)
	}
	log.Info("embedded default content", "version", b.Version)
	return b, FromEmbedded, nil
}

// Office is what the out-of-service screen tells residents: where to go instead.
type Office struct {
	Name       string          `json:"name"`
	Street     string          `json:"street,omitempty"`
	PostalCode string          `json:"postal_code,omitempty"`
	City       string          `json:"city,omitempty"`
	Phone      string          `json:"phone,omitempty"`
	Hours      []content.Hours `json:"hours,omitempty"`
}

// OfficeOf takes the office details from a bundle.
func OfficeOf(b *content.Bundle) Office {
	m := b.Municipality
	return Office{Name: m.Name, Street: m.Address.Street, PostalCode: m.Address.PostalCode, City: m.Address.City,
		Phone: m.Phone, Hours: m.Hours}
}

// rememberOffice keeps the shown content's office details in the store. The sample's are
// not worth remembering: they would send residents to an office that does not exist.
func rememberOffice(st ContentStore, b *content.Bundle, log *slog.Logger) {
	if IsSampleKey(b.Municipality.SubmissionKey) {
		return
	}
	raw, err := json.Marshal(OfficeOf(b))
	if err != nil {
		return
	}
	if old, err := st.Office(); err == nil && bytes.Equal(old, raw) {
		return
	}
	if err := st.SetOffice(raw); err != nil {
		log.Error("office details not remembered", "err", err)
	}
}

// RememberedOffice returns the office details of the last content shown; false when none
// was remembered.
func RememberedOffice(st ContentStore) (Office, bool) {
	raw, err := st.Office()
	if err != nil || raw == nil {
		return Office{}, false
	}
	var o Office
	if err := json.Unmarshal(raw, &o); err != nil || o.Name == "" {
		return Office{}, false
	}
	return o, true
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
