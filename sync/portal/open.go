package portal

import (
	"context"
	"fmt"
	"strings"
)

// Backend is a Storage as the portal's commands open it: checkable, and named in logs.
type Backend interface {
	Storage
	// Check verifies the store (bbolt: every page; PostgreSQL: the server answers and the
	// schema is complete), wrapping ErrCorrupt for damage.
	Check(ctx context.Context) error
	// String says where the store is (a path, or a URL without its password).
	String() string
}

var (
	_ Backend = (*Bolt)(nil)
	_ Backend = (*Postgres)(nil)
)

// Open opens the store db names: "" or "bolt:" for DIR/portal.db in dataDir (the
// default), "bolt:DIR" for another directory, "postgres://…" or "postgresql://…" for a
// PostgreSQL database. opts apply to bbolt only.
func Open(ctx context.Context, db, dataDir string, opts BoltOptions) (Backend, error) {
	switch {
	case db == "" || db == "bolt:":
		return OpenBolt(ctx, dataDir, opts)
	case strings.HasPrefix(db, "bolt:"):
		return OpenBolt(ctx, strings.TrimPrefix(db, "bolt:"), opts)
	case strings.HasPrefix(db, "postgres://"), strings.HasPrefix(db, "postgresql://"):
		return OpenPostgres(ctx, db)
	}
	return nil, fmt.Errorf("--db %q: use bolt:KATALOG or postgres://użytkownik@host/baza", Redact(db))
}

// IsPostgres reports whether db names a PostgreSQL database.
func IsPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}
