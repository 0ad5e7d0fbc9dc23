package kiosk

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"infomat/boltfile"
	"infomat/outbox"
	"infomat/store"
)

// AsideFiles lists the corrupt database files store.Open moved aside in dir, oldest first.
func AsideFiles(dir string) ([]string, error) {
	m, err := filepath.Glob(filepath.Join(dir, store.FileName+".corrupt-*"))
	if err != nil {
		return nil, fmt.Errorf("list moved-aside stores: %w", err)
	}
	out := m[:0]
	for _, f := range m {
		// Not the sidecars SalvageAside and the salvage's temporary copy leave.
		if !strings.HasSuffix(f, salvagedSuffix) && !strings.HasSuffix(f, ".salvage-tmp") {
			out = append(out, f)
		}
	}
	sort.Strings(out) // the names carry the time they were moved
	return out, nil
}

// salvagedSuffix names the sidecar file that marks an aside file as salvaged. The marker
// in the store is not enough: when that store is itself moved aside later, the fresh one
// would salvage (and send) the older file's submissions once more.
const salvagedSuffix = ".salvaged"

// AsideSalvaged reports whether the aside file at path was salvaged into some store.
func AsideSalvaged(path string) bool {
	_, err := os.Stat(path + salvagedSuffix)
	return err == nil
}

func markSalvaged(path string, r outbox.SalvageResult) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path+salvagedSuffix, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
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
	if err := boltfile.SweepTemp(dir); err != nil && log != nil {
		log.Warn("moved-aside store: temporary copy not removed", "err", err)
	}
	// One file that cannot be salvaged must not keep the later ones from it: it is logged,
	// counted and retried at the next start.
	failed := 0
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return outbox.SalvageResult{}, fmt.Errorf("salvage moved-aside stores: %w", err)
		}
		if AsideSalvaged(f) {
			continue
		}
		done, err := ob.WasSalvaged(filepath.Base(f))
		if err != nil {
			failed++
			if log != nil {
				log.Error("moved-aside store not salvaged", "aside", f, "err", err)
			}
			continue
		}
		if done {
			// Salvaged into this store; the sidecar was not written (crash, full disk).
			if r, err := ob.Salvage(ctx, f); err == nil {
				_ = markSalvaged(f, r)
			}
			continue
		}
		// Content first: the outbox marker makes the file count as done.
		took, cerr := st.SalvageContent(f)
		if cerr != nil && log != nil {
			log.Warn("content of a moved-aside store not recovered", "aside", f, "err", cerr)
		}
		r, err := ob.Salvage(ctx, f)
		if err != nil {
			failed++
			if log != nil {
				log.Error("moved-aside store not salvaged", "aside", f, "err", err)
			}
			continue
		}
		if err := markSalvaged(f, r); err != nil && log != nil {
			log.Warn("moved-aside store: salvage marker not written", "aside", f, "err", err)
		}
		if log != nil {
			log.Warn("moved-aside store salvaged", "aside", f, "submissions", r.Salvaged,
				"unrecoverable", r.Unrecoverable, "page_scan", r.PageScan, "content", took)
		}
	}
	tot, err := ob.SalvageTotals()
	if err != nil {
		return tot, err
	}
	if failed > 0 {
		return tot, fmt.Errorf("salvage moved-aside stores: %d of %d not salvaged (see the log)", failed, len(files))
	}
	return tot, nil
}
