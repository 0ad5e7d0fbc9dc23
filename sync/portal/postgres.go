package portal

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Postgres is the PostgreSQL Storage, for portals that outgrow one machine: several
// `infomat-portal serve` processes share one database. Everything a request changes is one
// transaction; what two instances may do at once is made safe by the database itself (unique
// constraints and idempotent inserts for submissions, a conditional UPDATE for single-use
// tokens, row locks for manifests and drafts), never by a lock in one process.
//
// Durability: a write method returns nil only after its transaction committed, with the
// server's synchronous_commit (on by default: flushed to the WAL).
type Postgres struct {
	pool *pgxpool.Pool
	desc string // the URL without its password, for logs
}

var _ Storage = (*Postgres)(nil)

// migrations are the schema's versioned SQL files, NNNN_name.sql, applied in order at open.
// Plain files and a table of applied versions rather than a migration library: the schema
// moves forward only, every file runs in one transaction under an advisory lock (so portals
// starting at once apply each file once), and pgx is all it needs.
//
//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the pg_advisory_xact_lock key that serialises schema migrations.
const migrationLock = 0x1f0_0a7

// OpenPostgres connects to the database at dsn (a postgres:// URL or key=value string),
// applies the migrations it lacks, and returns the store. A database newer than this
// program (a migration it does not know) is refused.
func OpenPostgres(ctx context.Context, dsn string) (*Postgres, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	p := &Postgres{pool: pool, desc: Redact(dsn)}
	if err := p.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres %s: %w", p.desc, err)
	}
	return p, nil
}

// Redact is a database URL without its password, for logs and messages.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		return "(niepoprawny adres bazy)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// String is where the store is, for logs (no password).
func (p *Postgres) String() string { return p.desc }

// Close closes the connection pool.
func (p *Postgres) Close() error {
	p.pool.Close()
	return nil
}

// Pool is the connection pool, for tests and tools that inspect the database.
func (p *Postgres) Pool() *pgxpool.Pool { return p.pool }

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, n := range names {
		base := path.Base(n)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", base)
		}
		b, err := migrations.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{v, strings.TrimSuffix(base, ".sql"), string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// migrate applies the migrations the database lacks, each in its own transaction, on one
// connection holding the migration lock (portals starting at once take turns).
func (p *Postgres) migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	conn, err := p.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock)
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("schema_migrations: %w", err)
	}
	known := map[int]bool{}
	for _, m := range ms {
		known[m.version] = true
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			var done bool
			if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)", m.version).Scan(&done); err != nil {
				return err
			}
			if done {
				return nil
			}
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name)
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	var newest int
	if err := conn.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&newest); err != nil {
		return err
	}
	if newest != 0 && !known[newest] {
		return fmt.Errorf("the database has schema version %d, newer than this program knows: upgrade infomat-portal", newest)
	}
	return nil
}

// Check asks the server to answer and that every migration is applied.
func (p *Postgres) Check(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	var n int
	if err := p.pool.QueryRow(ctx, "SELECT count(*) FROM schema_migrations").Scan(&n); err != nil {
		return fmt.Errorf("check portal store: %w", err)
	}
	if n < len(ms) {
		return fmt.Errorf("check portal store: %d of %d migrations applied", n, len(ms))
	}
	return nil
}

// tx runs fn in one transaction (committed when fn returns nil), with the context's error
// when ctx ends first.
func (p *Postgres) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, p.pool, fn)
}

// isUnique reports whether err is a unique-constraint violation.
func isUnique(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}
