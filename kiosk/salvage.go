package kiosk

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"

	"infomat/outbox"
	"infomat/store"
)

// AsideFiles lists the corrupt database files store.Open moved aside in dir, oldest first.
func AsideFiles(dir string) ([]string, error) {
	m, err := filepath.Glob(filepath.Join(dir, store.FileName+".corrupt-*"))
	if err != nil {
		return nil, fmt.Errorf("list moved-aside stores: %w", err)
	}
	sort.Strings(m) // the names carry the time they were moved
	return m, nil
}

// SalvageAside salvages every moved-aside store in dir that was not salvaged yet: its
// queued submissions into ob (still encrypted, sent by the next push), its active content
// into st when st has none. It runs on every start, so a start interrupted mid-salvage, or
// an older aside file, is picked up later; a file salvaged before is skipped. It returns
// the totals over all aside files ever salvaged into this store.
func SalvageAside(ctx context.Context, dir string, st *store.Store, ob *outbox.Outbox, log *slog.Logger) (outbox.SalvageResult, error) {
	files, err := AsideFiles(dir)
	if err != nil {
		return outbox.SalvageResult{}, err
	}
	for _, f := range files {
		done, err := ob.WasSalvaged(filepath.Base(f))
		if err != nil {
			return outbox.SalvageResult{}, err
		}
		if done {
			continue
		}
		// Content first: the outbox marker makes the file count as done.
		took, cerr := st.SalvageContent(f)
		if cerr != nil && log != nil {
			log.Warn("content of a moved-aside store not recovered", "aside", f, "err", cerr)
		}
		r, err := ob.Salvage(ctx, f)
		if err != nil {
			return outbox.SalvageResult{}, err
		}
		if log != nil {
			log.Warn("moved-aside store salvaged", "aside", f, "submissions", r.Salvaged,
				"unrecoverable", r.Unrecoverable, "page_scan", r.PageScan, "content", took)
		}
	}
	return ob.SalvageTotals()
}
