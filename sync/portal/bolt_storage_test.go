package portal_test

import (
	"testing"

	"infomat/sync/portal"
	"infomat/sync/portal/storagetest"
)

// The bbolt backend passes the Storage conformance suite.
func TestBoltStorage(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) portal.Storage {
		st, err := portal.OpenBolt(t.Context(), t.TempDir(), portal.BoltOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := st.Close(); err != nil {
				t.Error(err)
			}
		})
		return st
	})
}
