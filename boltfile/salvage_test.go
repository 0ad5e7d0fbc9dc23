package boltfile

import (
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// The temporary copy of a locked file (a whole store) is removed when opening it panics,
// and a copy left by a killed process goes at the next sweep.
func TestSalvageCopyRemovedOnPanic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "infomat.db.corrupt-1")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close() // holds the lock: OpenReadOnly falls back to a copy

	saved := openCopy
	defer func() { openCopy = saved }()
	openCopy = func(string) (*bolt.DB, error) { panic("corrupt meta page") }
	if err := View(path, func(*bolt.Tx) error { return nil }); err == nil {
		t.Fatal("View with a panicking open: no error")
	}
	if _, err := os.Stat(path + TempSuffix); !os.IsNotExist(err) {
		t.Fatalf("temporary copy after a panic: %v, want it removed", err)
	}

	stale := filepath.Join(dir, "infomat.db.corrupt-2"+TempSuffix)
	if err := os.WriteFile(stale, []byte("copy"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := SweepTemp(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("stale copy after SweepTemp: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("SweepTemp touched the aside file: %v", err)
	}
}
