package outbox

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"infomat/store"
)

// The page scan of a large file (the store also holds content blobs) reads it page by
// page: memory stays bounded, however large the file, and the submissions are found.
func TestScanPagesBoundedMemory(t *testing.T) {
	dir := t.TempDir()
	ident := newIdentity(t)
	st, o := openTest(t, dir)
	for range 3 {
		if _, err := o.Enqueue(context.Background(), Meta{Procedure: "p"}, "AB", []byte("answers"), ident.Recipient()); err != nil {
			t.Fatal(err)
		}
	}
	must(t, st.Close())
	path := filepath.Join(dir, store.FileName)
	// A 1 GiB file, sparse past the real pages.
	if err := os.Truncate(path, 1<<30); err != nil {
		t.Fatal(err)
	}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	items, lost, err := scanPages(path)
	runtime.ReadMemStats(&after)
	if err != nil || len(items) != 3 || lost != 0 {
		t.Fatalf("scanPages = %d items, %d lost, %v; want 3, 0", len(items), lost, err)
	}
	// Generous: the whole file would be 1 GiB.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
		t.Errorf("scanPages of a 1 GiB file allocated %d MiB", alloc>>20)
	}
}
