package portal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"infomat/content"
	"infomat/sync/protocol"
)

// ErrDraftChanged is UpdateDraft's answer when the draft moved on since the caller read it:
// two moderators editing at once must not overwrite each other's work unseen.
var ErrDraftChanged = errors.New("the draft was changed by someone else meanwhile")

// Draft is a municipality's working copy of its content bundle, edited in the panel before it
// is published: the files of a content folder, path in the bundle → bytes. Publishing signs
// exactly these files; the folder format stays the one docs/content-format.md describes.
type Draft struct {
	Municipality string
	// Revision counts the draft's updates; 0 means there is no draft.
	Revision  uint64
	Files     map[string][]byte
	Updated   time.Time
	UpdatedBy string
}

// DraftStore keeps each municipality's draft and the state of its content imports.
type DraftStore interface {
	// Draft returns the municipality's draft, or ErrNotFound when it has none.
	Draft(ctx context.Context, municipality string) (Draft, error)
	// DraftHead is Draft without the files (Files nil): its revision, when and by whom, for
	// the pages that need no more (cheap where a draft holds attachments).
	DraftHead(ctx context.Context, municipality string) (Draft, error)
	// UpdateDraft applies changes (path → new bytes; a nil value deletes the path) to the
	// draft in one transaction, provided its revision is still base (0: there is no draft
	// yet, and this creates it); otherwise it returns ErrDraftChanged and writes nothing. It
	// returns the new revision. Paths must be fs.ValidPath.
	UpdateDraft(ctx context.Context, municipality string, base uint64, changes map[string][]byte, by string, at time.Time) (uint64, error)
	// ImportState returns the municipality's content import state as last stored (nil when
	// none); PutImportState replaces it. The bytes are the importer's own format.
	ImportState(ctx context.Context, municipality string) ([]byte, error)
	PutImportState(ctx context.Context, municipality string, state []byte) error
	// ImportingMunicipalities lists the municipalities with an import state, sorted.
	ImportingMunicipalities(ctx context.Context) ([]string, error)
}

// Manifest is the published manifest's content. The portal signed it itself, so it is read
// without verifying.
func (p Published) Manifest() (protocol.Manifest, error) { return decodeManifest(p.Signed) }

// PublishedIndex is the file list of a published version (path → blob), from its manifest:
// the index shards, and Files of manifests from before the shards.
func PublishedIndex(ctx context.Context, st ContentStore, municipality string, p Published) (map[string]protocol.File, error) {
	m, err := p.Manifest()
	if err != nil {
		return nil, fmt.Errorf("manifest %d of %s: %w", p.Version, municipality, err)
	}
	files := maps.Clone(m.Files)
	if files == nil {
		files = map[string]protocol.File{}
	}
	for _, sh := range m.Index {
		raw, err := st.Blob(ctx, municipality, sh.SHA256)
		if err != nil {
			return nil, fmt.Errorf("index shard of version %d: %w", p.Version, err)
		}
		var part map[string]protocol.File
		if err := json.Unmarshal(raw, &part); err != nil {
			return nil, fmt.Errorf("index shard of version %d: %w", p.Version, err)
		}
		maps.Copy(files, part)
	}
	return files, nil
}

// PublishedFiles reads back the files of a published version: its index and each file's blob.
func PublishedFiles(ctx context.Context, st ContentStore, municipality string, p Published) (content.Folder, error) {
	files, err := PublishedIndex(ctx, st, municipality, p)
	if err != nil {
		return nil, err
	}
	out := content.Folder{}
	for path, f := range files {
		data, err := st.Blob(ctx, municipality, f.SHA256)
		if err != nil {
			return nil, fmt.Errorf("%s of version %d: %w", path, p.Version, err)
		}
		out[path] = data
	}
	return out, nil
}

// SameAsPublished reports whether files are exactly the version p (same paths, same bytes by
// their SHA-256), reading only its index, not its blobs.
func SameAsPublished(ctx context.Context, st ContentStore, municipality string, p Published, files map[string][]byte) (bool, error) {
	index, err := PublishedIndex(ctx, st, municipality, p)
	if err != nil || len(index) != len(files) {
		return false, err
	}
	for path, data := range files {
		f, ok := index[path]
		sum := sha256.Sum256(data)
		if !ok || f.SHA256 != hex.EncodeToString(sum[:]) {
			return false, nil
		}
	}
	return true, nil
}

// LatestFiles is the files of the municipality's latest version, with its number; none (and
// version 0) when it published nothing.
func LatestFiles(ctx context.Context, st ContentStore, municipality string) (content.Folder, uint64, error) {
	p, err := st.LatestManifest(ctx, municipality)
	if errors.Is(err, ErrNotFound) {
		return content.Folder{}, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	files, err := PublishedFiles(ctx, st, municipality, p)
	return files, p.Version, err
}

// DraftPublisher is what publishing a draft needs of the store.
type DraftPublisher interface {
	ContentStore
	DraftStore
}

// PublishDraft signs draft d as the municipality's next version. Every procedure card and
// BIP page that differs from the latest version (a card also when its form does) gets an
// entry in its change register (metryczka.rejestr_zmian): the next number, today in loc,
// the moderator's name by and reason; a new one also gets by and today as who produced and
// published it where they are empty. The bundle is validated as `publish` does (problems come
// back as content.Problems and nothing is published), then the stamped files are written to
// the draft too. If the draft changed meanwhile the version is still published and
// ErrDraftChanged is returned with the result.
func PublishDraft(ctx context.Context, st DraftPublisher, d Draft, by, reason string, now time.Time, loc *time.Location) (PublishResult, error) {
	if strings.TrimSpace(reason) == "" {
		return PublishResult{}, errors.New("publish draft: no reason given")
	}
	prev, _, err := LatestFiles(ctx, st, d.Municipality)
	if err != nil {
		return PublishResult{}, fmt.Errorf("publish draft: %w", err)
	}
	stamped, err := StampChanges(d.Files, prev, by, reason, Today(now, loc))
	if err != nil {
		return PublishResult{}, fmt.Errorf("publish draft: %w", err)
	}
	files := maps.Clone(content.Folder(d.Files))
	maps.Copy(files, stamped)
	res, err := Publish(ctx, st, d.Municipality, files.FS(), PublishOptions{Now: now, Label: reason})
	if err != nil {
		return res, err
	}
	if len(stamped) > 0 {
		if _, err := st.UpdateDraft(ctx, d.Municipality, d.Revision, stamped, by, now); err != nil {
			return res, err
		}
	}
	return res, nil
}

// Rollback publishes the files of an earlier version again as the next version (kiosks take
// only a higher version), and makes them the draft.
func Rollback(ctx context.Context, st DraftPublisher, municipality string, version uint64, by, reason string, now time.Time) (PublishResult, error) {
	hist, err := st.Manifests(ctx, municipality)
	if err != nil {
		return PublishResult{}, fmt.Errorf("rollback: %w", err)
	}
	i := slices.IndexFunc(hist, func(p Published) bool { return p.Version == version })
	if i < 0 {
		return PublishResult{}, fmt.Errorf("rollback to version %d: %w", version, ErrNotFound)
	}
	files, err := PublishedFiles(ctx, st, municipality, hist[i])
	if err != nil {
		return PublishResult{}, fmt.Errorf("rollback: %w", err)
	}
	label := fmt.Sprintf("przywrócenie wersji %d: %s", version, reason)
	res, err := Publish(ctx, st, municipality, files.FS(), PublishOptions{Now: now, Label: label})
	if err != nil {
		return res, err
	}
	d, err := st.Draft(ctx, municipality)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return res, err
	}
	changes := map[string][]byte{}
	for p := range d.Files {
		if _, keep := files[p]; !keep {
			changes[p] = nil
		}
	}
	maps.Copy(changes, files)
	_, err = st.UpdateDraft(ctx, municipality, d.Revision, changes, by, now)
	return res, err
}

// Today is the date at now in loc (Europe/Warsaw for a Polish office), held the way
// content.Date holds dates (midnight UTC).
func Today(now time.Time, loc *time.Location) content.Date {
	if loc == nil {
		loc = time.UTC
	}
	y, m, dd := now.In(loc).Date()
	return content.Date{Time: time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)}
}

// StampChanges returns the cards and BIP pages of files that differ from prev with an entry
// added to their change register (see PublishDraft), as new file contents. A translation
// overlay is not stamped: its Polish original carries the register.
func StampChanges(files, prev map[string][]byte, by, reason string, today content.Date) (map[string][]byte, error) {
	changedCards := map[string]bool{}
	var pages []string
	for p, data := range files {
		if bytes.Equal(prev[p], data) {
			continue
		}
		dir, name := path.Split(p)
		base := strings.TrimSuffix(strings.TrimSuffix(name, ".yaml"), ".md")
		if strings.Contains(base, ".") { // kolejka.en.yaml: an overlay
			continue
		}
		switch {
		case dir == content.ProceduresDir+"/" && strings.HasSuffix(name, ".yaml"),
			dir == content.FormsDir+"/" && strings.HasSuffix(name, ".yaml"):
			changedCards[content.ProceduresDir+"/"+base+".yaml"] = true
		case strings.HasPrefix(p, content.BIPDir+"/") && strings.HasSuffix(name, ".md"):
			pages = append(pages, p)
		}
	}
	out := map[string][]byte{}
	stamp := func(r *content.Record, isNew bool) {
		if isNew {
			if r.ProducedBy == "" {
				r.ProducedBy = by
			}
			if r.ProducedOn.IsZero() {
				r.ProducedOn = today
			}
			if r.PublishedBy == "" {
				r.PublishedBy = by
			}
			if r.PublishedOn.IsZero() {
				r.PublishedOn = today
			}
		}
		if isNew && len(r.Changes) > 0 {
			return // a new item that brings its own register (the wizard's, an import's) keeps it
		}
		next := 1
		if n := len(r.Changes); n > 0 {
			next = r.Changes[n-1].Version + 1
		}
		r.Changes = append(r.Changes, content.Change{Version: next, Date: today, Author: by, Reason: reason})
	}
	for p := range changedCards {
		data, ok := files[p]
		if !ok {
			continue // a form whose card is gone: the check reports it
		}
		var card content.Procedure
		if err := yaml.Unmarshal(data, &card); err != nil {
			continue // the check reports it
		}
		_, existed := prev[p]
		stamp(&card.Record, !existed)
		raw, err := content.Marshal(card)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		out[p] = raw
	}
	for _, p := range pages {
		pg, ok := content.ParsePage(files[p])
		if !ok {
			continue
		}
		_, existed := prev[p]
		stamp(&pg.Record, !existed)
		raw, err := content.PageFile(pg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		out[p] = raw
	}
	return out, nil
}
