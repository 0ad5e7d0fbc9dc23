package portal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"infomat/content/importer"
)

// Imports is a municipality's content imports as DraftStore keeps them (ImportState): what
// earlier imports wrote (for the importer to tell local edits from source changes), the
// sources re-imported on schedule, and the conflicts waiting for a moderator.
type Imports struct {
	State     importer.State    `json:"state"`
	Sources   []importer.Source `json:"sources,omitempty"`
	Conflicts []importer.Item   `json:"conflicts,omitempty"`
	// Last is the newest run and its report (without the source versions of conflicts).
	Last       time.Time       `json:"last,omitzero"`
	LastReport []importer.Item `json:"last_report,omitempty"`
}

// ErrNoDraft is an import's answer for a municipality with no draft to import into.
var ErrNoDraft = errors.New("the municipality has no draft to import into")

// ImportRefused is the importer's own refusal (a source it cannot fetch or read, an unknown
// menu item, a CSV without its columns): its text is a sentence for the clerk, in Polish.
// Any other error of an import is the portal's.
type ImportRefused struct{ Err error }

func (e *ImportRefused) Error() string { return e.Err.Error() }
func (e *ImportRefused) Unwrap() error { return e.Err }

// LoadImports reads a municipality's import record (empty when it never imported).
func LoadImports(ctx context.Context, st DraftStore, municipality string) (Imports, error) {
	raw, err := st.ImportState(ctx, municipality)
	if err != nil || raw == nil {
		return Imports{}, err
	}
	var imp Imports
	if err := json.Unmarshal(raw, &imp); err != nil {
		return Imports{}, fmt.Errorf("import state of %s: %w", municipality, err)
	}
	return imp, nil
}

func saveImports(ctx context.Context, st DraftStore, municipality string, imp Imports) error {
	raw, err := json.Marshal(imp)
	if err != nil {
		return err
	}
	return st.PutImportState(ctx, municipality, raw)
}

// applyResult writes an import's changes into the draft and records its state, report and
// conflicts (replacing older conflicts about the same files).
func applyResult(ctx context.Context, st DraftStore, d Draft, imp *Imports, res importer.Result, by string, now time.Time) error {
	if len(res.Changes) > 0 {
		if _, err := st.UpdateDraft(ctx, d.Municipality, d.Revision, res.Changes, by, now); err != nil {
			return err
		}
	}
	imp.State = res.State
	imp.Last = now
	imp.LastReport = imp.LastReport[:0]
	for _, it := range res.Report {
		if it.Kind == importer.Conflict {
			imp.Conflicts = slices.DeleteFunc(imp.Conflicts, func(c importer.Item) bool { return c.Path == it.Path })
			imp.Conflicts = append(imp.Conflicts, it)
		}
		it.Proposed = nil
		imp.LastReport = append(imp.LastReport, it)
	}
	return saveImports(ctx, st, d.Municipality, *imp)
}

// ImportBIP imports a feed or page into the municipality's draft (see importer.Import) and
// keeps the source for the scheduled re-import.
func ImportBIP(ctx context.Context, st DraftStore, im *importer.Importer, municipality string, src importer.Source, by string, now time.Time) (importer.Result, error) {
	d, err := st.Draft(ctx, municipality)
	if errors.Is(err, ErrNotFound) {
		return importer.Result{}, ErrNoDraft
	}
	if err != nil {
		return importer.Result{}, err
	}
	imp, err := LoadImports(ctx, st, municipality)
	if err != nil {
		return importer.Result{}, err
	}
	res, err := im.Import(ctx, src, importer.Files(d.Files), imp.State, now)
	if err != nil {
		return res, &ImportRefused{err}
	}
	if !slices.Contains(imp.Sources, src) {
		imp.Sources = append(imp.Sources, src)
	}
	return res, applyResult(ctx, st, d, &imp, res, by, now)
}

// ImportCards imports procedure cards from a CSV export into the draft (importer.ImportCards).
func ImportCards(ctx context.Context, st DraftStore, municipality string, csv []byte, update bool, by string, now time.Time) (importer.Result, error) {
	d, err := st.Draft(ctx, municipality)
	if errors.Is(err, ErrNotFound) {
		return importer.Result{}, ErrNoDraft
	}
	if err != nil {
		return importer.Result{}, err
	}
	res, err := importer.ImportCards(csv, importer.Files(d.Files), importer.CardOptions{Update: update, Author: by}, now)
	if err != nil {
		return res, &ImportRefused{err}
	}
	if len(res.Changes) > 0 {
		_, err = st.UpdateDraft(ctx, municipality, d.Revision, res.Changes, by, now)
	}
	return res, err
}

// ResolveConflict settles an open import conflict about file path: accept takes the source's
// version into the draft, otherwise the moderator's version stays (importer.State.Keep).
func ResolveConflict(ctx context.Context, st DraftStore, municipality, path string, accept bool, by string, now time.Time) error {
	imp, err := LoadImports(ctx, st, municipality)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(imp.Conflicts, func(c importer.Item) bool { return c.Path == path })
	if i < 0 {
		return ErrNotFound
	}
	it := imp.Conflicts[i]
	if accept {
		changes, state, err := imp.State.Accept(it)
		if err != nil {
			return err
		}
		d, err := st.Draft(ctx, municipality)
		if err != nil {
			return err
		}
		if _, err := st.UpdateDraft(ctx, municipality, d.Revision, changes, by, now); err != nil {
			return err
		}
		imp.State = state
	} else if imp.State, err = imp.State.Keep(it); err != nil {
		return err
	}
	imp.Conflicts = slices.Delete(imp.Conflicts, i, i+1)
	return saveImports(ctx, st, municipality, imp)
}

// Reimported is what the scheduled re-import did for one source.
type Reimported struct {
	Municipality string
	Source       importer.Source
	Report       []importer.Item
	Err          error
}

// Reimport runs every kept import source of every municipality with a draft again: changed
// items are updated where nobody edited them, and conflicts wait in the panel. Municipalities
// are those with an import record (ImportingMunicipalities).
func Reimport(ctx context.Context, st DraftStore, im *importer.Importer, now time.Time) ([]Reimported, error) {
	munis, err := st.ImportingMunicipalities(ctx)
	if err != nil {
		return nil, fmt.Errorf("reimport: %w", err)
	}
	var out []Reimported
	for _, muni := range munis {
		imp, err := LoadImports(ctx, st, muni)
		if err != nil {
			return out, err
		}
		for _, src := range imp.Sources {
			res, err := ImportBIP(ctx, st, im, muni, src, "import automatyczny", now)
			out = append(out, Reimported{Municipality: muni, Source: src, Report: res.Report, Err: err})
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
		}
	}
	return out, nil
}
