package portal_test

import (
	"testing"
	"time"

	"infomat/sync/portal"
	"infomat/sync/portal/pgtest"
	"infomat/sync/portal/storagetest"
)

// The PostgreSQL backend passes the same Storage conformance suite as bbolt, each sub-test
// on a database of its own.
func TestPostgresStorage(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) portal.Storage {
		st, err := portal.OpenPostgres(t.Context(), pgtest.DB(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}

// Two portals opening one new database at once apply each migration once.
func TestPostgresMigratesOnceAcrossInstances(t *testing.T) {
	url := pgtest.DB(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			st, err := portal.OpenPostgres(t.Context(), url)
			if err == nil {
				err = st.Check(t.Context())
				st.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// pgT0 is the PostgreSQL tests' "now".
var pgT0 = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

// twoInstances opens the same new database twice: two pools, as two `infomat-portal serve`
// processes sharing it would have. What one process's memory could serialise, these cannot.
func twoInstances(t *testing.T) [2]*portal.Postgres {
	t.Helper()
	url := pgtest.DB(t)
	var sts [2]*portal.Postgres
	for i := range sts {
		st, err := portal.OpenPostgres(t.Context(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		sts[i] = st
	}
	return sts
}
