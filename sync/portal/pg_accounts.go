package portal

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// The AccountStore of the PostgreSQL store (tables in migrations/0003_accounts_drafts.sql).
// Several portal instances share these rows: a session is valid on every instance, and what
// two of them may do at once is ordered by the database (a row lock in UpdateUser, the
// audit counter's row in AppendAudit), never by a lock in one process.

var _ AccountStore = (*Postgres)(nil)

const userColumns = `municipality, login, name, roles, password, must_change_password, disabled,
	failed_logins, locked_until, totp_secret, totp_enrolled, totp_last_step, created, last_login`

// userArgs are u's values in the order of userColumns.
func userArgs(u User) []any {
	return []any{u.Municipality, u.Login, u.Name, u.Roles, u.Password, u.MustChangePassword, u.Disabled,
		u.FailedLogins, zeroIsNull(u.LockedUntil), u.TOTPSecret, u.TOTPEnrolled, u.TOTPLastStep,
		zeroIsNull(u.Created), zeroIsNull(u.LastLogin)}
}

// scanUser reads a row of userColumns.
func scanUser(row pgx.Row) (User, error) {
	var u User
	var locked, created, last pgtype.Timestamptz
	err := row.Scan(&u.Municipality, &u.Login, &u.Name, &u.Roles, &u.Password, &u.MustChangePassword, &u.Disabled,
		&u.FailedLogins, &locked, &u.TOTPSecret, &u.TOTPEnrolled, &u.TOTPLastStep, &created, &last)
	u.LockedUntil, u.Created, u.LastLogin = nullIsZero(locked), nullIsZero(created), nullIsZero(last)
	return u, err
}

// zeroIsNull stores Go's zero time as NULL, so "never" is not a date in year 1.
func zeroIsNull(t time.Time) pgtype.Timestamptz {
	return pgtype.Timestamptz{Time: t, Valid: !t.IsZero()}
}

// nullIsZero reads a timestamptz back: NULL is the zero time, others are in UTC (the server
// keeps the instant to the microsecond, not the location).
func nullIsZero(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// CreateUser implements AccountStore.
func (p *Postgres) CreateUser(ctx context.Context, u User) error {
	if err := validUserKey(u.Municipality, u.Login); err != nil {
		return err
	}
	err := p.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO panel_users (`+userColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
			ON CONFLICT (municipality, login) DO NOTHING`, userArgs(u)...)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrUserExists
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create user %q/%q: %w", u.Municipality, u.Login, err)
	}
	return nil
}

// User implements AccountStore.
func (p *Postgres) User(ctx context.Context, municipality, login string) (User, error) {
	if err := ctx.Err(); err != nil {
		return User{}, err
	}
	u, err := scanUser(p.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM panel_users
		WHERE municipality = $1 AND login = $2`, municipality, login))
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("user %q/%q: %w", municipality, login, err)
	}
	return u, nil
}

// Users implements AccountStore.
func (p *Postgres) Users(ctx context.Context, municipality string) ([]User, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rows, err := p.pool.Query(ctx, `SELECT `+userColumns+` FROM panel_users
		WHERE municipality = $1 ORDER BY login`, municipality)
	if err != nil {
		return nil, fmt.Errorf("users of %q: %w", municipality, err)
	}
	us, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (User, error) { return scanUser(r) })
	if err != nil {
		return nil, fmt.Errorf("users of %q: %w", municipality, err)
	}
	return us, nil
}

// UpdateUser implements AccountStore. The row stays locked (SELECT … FOR UPDATE) from the
// read until the commit, so concurrent updates from any instance run one after another,
// each fn seeing the previous one's result: a TOTP step is accepted once, failed logins all
// count.
func (p *Postgres) UpdateUser(ctx context.Context, municipality, login string, fn func(*User) error) (User, error) {
	var u User
	err := p.tx(ctx, func(tx pgx.Tx) error {
		var err error
		u, err = scanUser(tx.QueryRow(ctx, `SELECT `+userColumns+` FROM panel_users
			WHERE municipality = $1 AND login = $2 FOR UPDATE`, municipality, login))
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := fn(&u); err != nil {
			return err
		}
		u.Municipality, u.Login = municipality, login
		_, err = tx.Exec(ctx, `UPDATE panel_users SET (`+userColumns+`) =
			($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
			WHERE municipality = $1 AND login = $2`, userArgs(u)...)
		return err
	})
	if err != nil {
		return User{}, fmt.Errorf("update user %q/%q: %w", municipality, login, err)
	}
	return u, nil
}

// AccountMunicipalities implements AccountStore.
func (p *Postgres) AccountMunicipalities(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rows, err := p.pool.Query(ctx, `SELECT DISTINCT municipality FROM panel_users
		WHERE municipality <> '' ORDER BY municipality`)
	if err != nil {
		return nil, fmt.Errorf("account municipalities: %w", err)
	}
	ms, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("account municipalities: %w", err)
	}
	return ms, nil
}

// CreateSession implements AccountStore. An existing session with the same hash is
// replaced, as in the bbolt store; with 256-bit random IDs that is a bug, not a collision.
func (p *Postgres) CreateSession(ctx context.Context, s Session) error {
	if len(s.IDHash) == 0 {
		return errors.New("session without an ID hash")
	}
	err := p.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO panel_sessions (id_hash, municipality, login, created, last_seen, stage, csrf)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (id_hash) DO UPDATE SET (municipality, login, created, last_seen, stage, csrf) =
				(excluded.municipality, excluded.login, excluded.created, excluded.last_seen, excluded.stage, excluded.csrf)`,
			s.IDHash, s.Municipality, s.Login, zeroIsNull(s.Created), zeroIsNull(s.LastSeen), s.Stage, s.CSRF)
		return err
	})
	if err != nil {
		return fmt.Errorf("create session of %q/%q: %w", s.Municipality, s.Login, err)
	}
	return nil
}

// Session implements AccountStore.
func (p *Postgres) Session(ctx context.Context, idHash []byte) (Session, error) {
	if err := ctx.Err(); err != nil {
		return Session{}, err
	}
	if len(idHash) == 0 {
		return Session{}, ErrNotFound
	}
	s := Session{IDHash: slices.Clone(idHash)}
	var created, seen pgtype.Timestamptz
	err := p.pool.QueryRow(ctx, `SELECT municipality, login, created, last_seen, stage, csrf
		FROM panel_sessions WHERE id_hash = $1`, idHash).
		Scan(&s.Municipality, &s.Login, &created, &seen, &s.Stage, &s.CSRF)
	if errors.Is(err, pgx.ErrNoRows) {
		return Session{}, ErrNotFound
	}
	if err != nil {
		return Session{}, fmt.Errorf("session: %w", err)
	}
	s.Created, s.LastSeen = nullIsZero(created), nullIsZero(seen)
	return s, nil
}

// TouchSession implements AccountStore.
func (p *Postgres) TouchSession(ctx context.Context, idHash []byte, at time.Time) error {
	err := p.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE panel_sessions SET last_seen = $2 WHERE id_hash = $1`, idHash, zeroIsNull(at))
		if err == nil && tag.RowsAffected() == 0 {
			err = ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// DeleteSession implements AccountStore.
func (p *Postgres) DeleteSession(ctx context.Context, idHash []byte) error {
	err := p.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM panel_sessions WHERE id_hash = $1`, idHash)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions implements AccountStore.
func (p *Postgres) DeleteUserSessions(ctx context.Context, municipality, login string) error {
	err := p.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM panel_sessions WHERE municipality = $1 AND login = $2`, municipality, login)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete sessions of %q/%q: %w", municipality, login, err)
	}
	return nil
}

// PurgeSessions implements AccountStore. A NULL time is the zero time, before any other, as
// time.Time.Before has it.
func (p *Postgres) PurgeSessions(ctx context.Context, idle, absolute time.Time) (int, error) {
	var n int64
	err := p.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM panel_sessions
			WHERE coalesce(last_seen, '-infinity') < $1 OR coalesce(created, '-infinity') < $2`, idle, absolute)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purge sessions: %w", err)
	}
	return int(n), nil
}

// AppendAudit implements AccountStore. The counter row's upsert holds its lock until the
// commit, so appends to one municipality from any number of instances take turns; a
// failed append rolls its number back, leaving no gap.
func (p *Postgres) AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error) {
	if e.Municipality != OperatorMunicipality {
		if err := ValidMunicipality(e.Municipality); err != nil {
			return e, err
		}
	}
	// The log must not lose a line over its text: bytes PostgreSQL refuses in text (invalid
	// UTF-8, NUL) become U+FFFD, as encoding/json does with invalid UTF-8 in the bbolt store.
	e.Actor, e.Action, e.Target, e.Detail, e.Remote = auditText(e.Actor), auditText(e.Action),
		auditText(e.Target), auditText(e.Detail), auditText(e.Remote)
	err := p.tx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO audit_counters AS c (municipality, last_seq) VALUES ($1, 1)
			ON CONFLICT (municipality) DO UPDATE SET last_seq = c.last_seq + 1
			RETURNING last_seq`, e.Municipality).Scan(&e.Seq)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO audit_log (municipality, seq, at, actor, action, target, detail, remote)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			e.Municipality, e.Seq, zeroIsNull(e.At), e.Actor, e.Action, e.Target, e.Detail, e.Remote)
		return err
	})
	if err != nil {
		e.Seq = 0
		return e, fmt.Errorf("append audit of %q: %w", e.Municipality, err)
	}
	return e, nil
}

func auditText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// Audit implements AccountStore.
func (p *Postgres) Audit(ctx context.Context, municipality string, limit int) ([]AuditEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var lim any // NULL: no limit
	if limit > 0 {
		lim = limit
	}
	rows, err := p.pool.Query(ctx, `SELECT municipality, seq, at, actor, action, target, detail, remote
		FROM audit_log WHERE municipality = $1 ORDER BY seq DESC LIMIT $2`, municipality, lim)
	if err != nil {
		return nil, fmt.Errorf("audit of %q: %w", municipality, err)
	}
	es, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuditEntry, error) {
		var e AuditEntry
		var at pgtype.Timestamptz
		err := r.Scan(&e.Municipality, &e.Seq, &at, &e.Actor, &e.Action, &e.Target, &e.Detail, &e.Remote)
		e.At = nullIsZero(at)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("audit of %q: %w", municipality, err)
	}
	return es, nil
}
