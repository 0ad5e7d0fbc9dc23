package kiosk

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"infomat/outbox"
	"infomat/store"
)

// An aside file that cannot be salvaged does not keep the later ones from it.
func TestSalvageAsideGoesOnAfterAFailure(t *testing.T) {
	dir := t.TempDir()
	// A directory where a moved-aside file should be: reading it fails.
	bad := filepath.Join(dir, store.FileName+".corrupt-20261101-080000")
	if err := os.Mkdir(bad, 0o700); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, store.FileName+".corrupt-20261102-080000")
	if err := os.WriteFile(good, make([]byte, 8192), 0o600); err != nil {
		t.Fatal(err)
	}
	st, _, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ob, err := outbox.Open(st.Bolt())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SalvageAside(context.Background(), dir, st, ob, nil); err == nil {
		t.Error("SalvageAside with an unreadable aside file: no error")
	}
	if !AsideSalvaged(good) {
		t.Error("the aside file after the unreadable one was not salvaged")
	}
	if AsideSalvaged(bad) {
		t.Error("the unreadable aside file is marked salvaged")
	}
}
