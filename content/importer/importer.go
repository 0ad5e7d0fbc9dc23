// Package importer brings existing content into a municipality's draft bundle: BIP pages
// from the municipality's BIP website (RSS 2.0 and Atom feeds, single HTML pages) and
// procedure cards from a spreadsheet exported as CSV.
//
// It works on a draft as a set of files (Files) and returns the files to change; it never
// writes anything itself. Every file it produces passes content.Load together with the rest
// of the draft: a page or card that would not is left out and reported.
//
// Re-importing a source is safe: State remembers what each source item became and what
// was written, so a page a clerk edited after the import is never overwritten silently —
// the change at the source is reported as a conflict instead.
package importer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"infomat/content"
)

// Files is a draft bundle: path in the bundle → bytes. In a Result's Changes a nil value
// means "delete this file".
type Files map[string][]byte

// Apply returns a copy of f with changes applied.
func (f Files) Apply(changes Files) Files {
	out := maps.Clone(f)
	if out == nil {
		out = Files{}
	}
	for p, data := range changes {
		if data == nil {
			delete(out, p)
		} else {
			out[p] = data
		}
	}
	return out
}

// fs returns f as a file system for content.Load (a nil file is a deletion, not a file).
func (f Files) fs() fs.FS {
	m := content.Folder{}
	for p, data := range f {
		if data != nil {
			m[p] = data
		}
	}
	return m.FS()
}

// Kind says what happened to one imported item.
type Kind string

const (
	Added    Kind = "dodano"
	Updated  Kind = "zaktualizowano"
	Skipped  Kind = "pominięto"
	Conflict Kind = "konflikt"
	Problem  Kind = "błąd"
)

// Item is one line of an import report.
type Item struct {
	Kind Kind
	// Path is the file in the bundle the item concerns ("" when none, e.g. a bad CSV header).
	Path string
	// Source is the address of the source item (feed entry or page); for CSV "wiersz N".
	Source string
	// Message says what happened, in Polish, for the clerk.
	Message string
	// Proposed is, for a Conflict, the file the source's new version would give, so the
	// panel can offer "take the source version" (State.Accept).
	Proposed []byte

	key        string // State key of the source item
	sourceHash string
}

func (it Item) String() string {
	return fmt.Sprintf("%s: %s", it.Kind, it.Message)
}

// State is what earlier imports did, per source item. It is JSON-serialisable; keep one per
// municipality and pass it back to the next import.
type State struct {
	Items map[string]ItemState `json:"items,omitempty"`
}

// ItemState records one imported source item.
type ItemState struct {
	// Source is the item's address (feed entry link or page URL).
	Source string `json:"source"`
	// Path is the file in the bundle the item was imported to.
	Path string `json:"path"`
	// SourceHash identifies the source's content as imported.
	SourceHash string `json:"source_hash"`
	// FileHash identifies the file as the importer wrote it; a draft file with another hash
	// was edited locally.
	FileHash string `json:"file_hash"`
}

func (st State) clone() State {
	return State{Items: maps.Clone(st.Items)}
}

// Accept takes the source's version of a conflicted item: it returns the change to apply to
// the draft and the state to keep. it must be a Conflict item of a Result whose State is st.
func (st State) Accept(it Item) (Files, State, error) {
	if it.Kind != Conflict || it.key == "" || it.Proposed == nil {
		return nil, st, fmt.Errorf("importer: accept: not a conflict with a source version")
	}
	out := st.clone()
	is := out.Items[it.key]
	is.SourceHash = it.sourceHash
	is.FileHash = hash(it.Proposed)
	out.Items[it.key] = is
	return Files{it.Path: it.Proposed}, out, nil
}

// Keep keeps the local version of a conflicted item: the source's current version is no
// longer reported, but a later change at the source is, as the file still differs from
// what the importer wrote.
func (st State) Keep(it Item) (State, error) {
	if it.Kind != Conflict || it.key == "" {
		return st, fmt.Errorf("importer: keep: not a conflict")
	}
	out := st.clone()
	is := out.Items[it.key]
	is.SourceHash = it.sourceHash
	out.Items[it.key] = is
	return out, nil
}

// Result is what an import would change.
type Result struct {
	// Changes are the files to write into the draft (Files.Apply).
	Changes Files
	// State is the state to keep after the changes are applied.
	State State
	// Report says what happened to each item, in source order.
	Report []Item
}

func hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// validate drops from r every change that makes content.Load report a problem in its file,
// reporting those problems instead. Problems in files the import did not touch are the
// draft's own and are left alone.
func validate(draft Files, before State, r *Result, label func(path string) string) {
	if len(r.Changes) == 0 {
		return
	}
	_, err := content.Load(draft.Apply(r.Changes).fs())
	var ps content.Problems
	if !errors.As(err, &ps) {
		return
	}
	bad := map[string][]string{}
	for _, p := range ps {
		if _, ours := r.Changes[p.File]; ours {
			msg := p.Reason
			if p.Field != "" {
				msg = p.Field + ": " + p.Reason
			}
			bad[p.File] = append(bad[p.File], msg)
		}
	}
	for _, path := range slices.Sorted(maps.Keys(bad)) {
		delete(r.Changes, path)
		for k, is := range r.State.Items {
			if is.Path != path {
				continue
			}
			if old, ok := before.Items[k]; ok {
				r.State.Items[k] = old
			} else {
				delete(r.State.Items, k)
			}
		}
		for i, it := range r.Report {
			if it.Path == path && (it.Kind == Added || it.Kind == Updated) {
				r.Report[i].Kind = Problem
				r.Report[i].Message = fmt.Sprintf("%s nie przeszła sprawdzenia treści i nie została zapisana: %s",
					label(path), strings.Join(bad[path], "; "))
			}
		}
	}
}

// checkProposed validates the source versions conflicts offer, so taking one cannot break
// the draft; one that would is withdrawn (State.Accept refuses it) and the message says why.
func checkProposed(draft Files, report []Item) {
	for i, it := range report {
		if it.Kind != Conflict || it.Proposed == nil {
			continue
		}
		_, err := content.Load(draft.Apply(Files{it.Path: it.Proposed}).fs())
		var ps content.Problems
		if !errors.As(err, &ps) {
			continue
		}
		var bad []string
		for _, p := range ps {
			if p.File == it.Path {
				bad = append(bad, strings.TrimPrefix(p.Field+": "+p.Reason, ": "))
			}
		}
		if len(bad) > 0 {
			report[i].Proposed = nil
			report[i].Message += " Wersja ze źródła nie przechodzi sprawdzenia treści (" + strings.Join(bad, "; ") + "), więc nie można jej przyjąć."
		}
	}
}

// itemJSON is Item as the panel keeps an open conflict between requests.
type itemJSON struct {
	Kind       Kind   `json:"kind"`
	Path       string `json:"path,omitempty"`
	Source     string `json:"source,omitempty"`
	Message    string `json:"message"`
	Proposed   []byte `json:"proposed,omitempty"`
	Key        string `json:"key,omitempty"`
	SourceHash string `json:"source_hash,omitempty"`
}

// MarshalJSON keeps what Accept and Keep need, so a conflict can be resolved later.
func (it Item) MarshalJSON() ([]byte, error) {
	return json.Marshal(itemJSON{it.Kind, it.Path, it.Source, it.Message, it.Proposed, it.key, it.sourceHash})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (it *Item) UnmarshalJSON(data []byte) error {
	var j itemJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*it = Item{Kind: j.Kind, Path: j.Path, Source: j.Source, Message: j.Message, Proposed: j.Proposed, key: j.Key, sourceHash: j.SourceHash}
	return nil
}
