package portal

import (
	"context"
	"errors"
	"time"
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
	// UpdateDraft applies changes (path → new bytes; a nil value deletes the path) to the
	// draft in one transaction, provided its revision is still base (0: there is no draft
	// yet, and this creates it); otherwise it returns ErrDraftChanged and writes nothing. It
	// returns the new revision. Paths must be fs.ValidPath.
	UpdateDraft(ctx context.Context, municipality string, base uint64, changes map[string][]byte, by string, at time.Time) (uint64, error)
	// ImportState returns the municipality's content import state as last stored (nil when
	// none); PutImportState replaces it. The bytes are the importer's own format.
	ImportState(ctx context.Context, municipality string) ([]byte, error)
	PutImportState(ctx context.Context, municipality string, state []byte) error
}
