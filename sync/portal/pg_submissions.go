package portal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// The submissions group of the PostgreSQL store; the tables are described in
// migrations/0002_submissions.sql.

// pgTime is a time.Time as a nullable timestamptz: the zero time is NULL and NULL the zero
// time, and times read are UTC (pgx would give them in the local zone, and the receipt a
// repeated PUT gets must equal the first one).
type pgTime time.Time

// TimestamptzValue implements pgtype.TimestamptzValuer.
func (t pgTime) TimestamptzValue() (pgtype.Timestamptz, error) {
	tt := time.Time(t)
	return pgtype.Timestamptz{Time: tt, Valid: !tt.IsZero()}, nil
}

// ScanTimestamptz implements pgtype.TimestamptzScanner.
func (t *pgTime) ScanTimestamptz(v pgtype.Timestamptz) error {
	switch {
	case !v.Valid:
		*t = pgTime{}
	case v.InfinityModifier != pgtype.Finite:
		return fmt.Errorf("%w: infinite time", ErrCorrupt)
	default:
		*t = pgTime(v.Time.UTC())
	}
	return nil
}

// recordCols are the columns scanRecord reads, all but the ciphertext.
const recordCols = `id, ref, procedure, office, content_version, created, device, municipality,
	portal_ref, received, exported, cipher_sha256, clock_suspect, quarantined, quarantine_reason, size`

// scanRecord reads a row of recordCols, followed by the ciphertext when withCiphertext;
// without it CiphertextSize says how long the ciphertext is.
func scanRecord(row pgx.Row, withCiphertext bool) (Record, error) {
	var r Record
	var size int
	dst := []any{&r.ID, &r.Ref, &r.Procedure, &r.Office, &r.ContentVersion, (*pgTime)(&r.Created),
		&r.Device, &r.Municipality, &r.PortalRef, (*pgTime)(&r.Received), (*pgTime)(&r.Exported),
		&r.CipherSHA256, &r.ClockSuspect, (*pgTime)(&r.Quarantined), &r.QuarantineReason, &size}
	if withCiphertext {
		dst = append(dst, &r.Ciphertext)
	}
	if err := row.Scan(dst...); err != nil {
		return Record{}, err
	}
	if !withCiphertext {
		r.CiphertextSize = size
	}
	return r, nil
}

// queryRecords runs a query of recordCols (and the ciphertext when withCiphertext).
func (p *Postgres) queryRecords(ctx context.Context, withCiphertext bool, sql string, args ...any) ([]Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rows, err := p.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Record, error) {
		return scanRecord(row, withCiphertext)
	})
}

// errDuplicate rolls back a PutSubmission whose ID is stored: the portal reference it drew
// goes back with it.
var errDuplicate = errors.New("submission ID is stored")

// putSubmissionSQL draws the next portal reference of the municipality and year, stores the
// submission with it unless its ID is stored, and counts its bytes toward the device's
// quota, in one statement. The counter's row stays locked until the transaction ends, so
// concurrent puts of a municipality take their numbers in turn; a put of a stored ID waits
// for the one storing it and inserts nothing, and its transaction is rolled back so its
// number is not lost.
const putSubmissionSQL = `
WITH n AS (
	INSERT INTO portal_ref_counters AS c (municipality, year, last) VALUES ($2, $13::integer, 1)
	ON CONFLICT (municipality, year) DO UPDATE SET last = c.last + 1
	RETURNING last
), s AS (
	INSERT INTO submissions (id, municipality, ref, canonical_ref, procedure, office, content_version,
		device, created, received, ciphertext, cipher_sha256, clock_suspect, portal_ref)
	SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $14,
		$13::text || '/' || lpad(n.last::text, greatest(6, length(n.last::text)), '0')
	FROM n
	ON CONFLICT (id) DO NOTHING
	RETURNING ` + recordCols + `
), u AS (
	INSERT INTO submission_usage AS u (device, pending_bytes) SELECT device, size FROM s
	ON CONFLICT (device) DO UPDATE SET pending_bytes = u.pending_bytes + excluded.pending_bytes
)
SELECT ` + recordCols + ` FROM s`

// PutSubmission implements Storage. The record returned is as stored (times to the
// microsecond), the same for the first PUT and every repeat.
func (p *Postgres) PutSubmission(ctx context.Context, rec Record, loc *time.Location) (Record, bool, error) {
	if loc == nil {
		loc = time.UTC
	}
	sum := sha256.Sum256(rec.Ciphertext)
	year := rec.Received.In(loc).Year()
	var out Record
	err := p.tx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = scanRecord(tx.QueryRow(ctx, putSubmissionSQL, rec.ID, rec.Municipality, rec.Ref,
			CanonicalRef(rec.Ref), rec.Procedure, rec.Office, rec.ContentVersion, rec.Device,
			pgTime(rec.Created), pgTime(rec.Received), rec.Ciphertext, sum[:], year, rec.ClockSuspect), false)
		if errors.Is(err, pgx.ErrNoRows) {
			return errDuplicate
		}
		return err
	})
	if err == nil {
		return out, true, nil
	}
	if !errors.Is(err, errDuplicate) {
		return Record{}, false, fmt.Errorf("store submission %s: %w", rec.ID, err)
	}
	// The ID was stored by a transaction that has committed (the insert waited for it).
	recs, err := p.queryRecords(ctx, false, `SELECT `+recordCols+` FROM submissions WHERE id = $1`, rec.ID)
	if err != nil {
		return Record{}, false, fmt.Errorf("store submission %s: %w", rec.ID, err)
	}
	if len(recs) != 1 {
		return Record{}, false, fmt.Errorf("store submission %s: stored, then not found", rec.ID)
	}
	if have := recs[0]; !bytes.Equal(have.CipherSHA256, sum[:]) || have.Device != rec.Device {
		return Record{}, false, ErrConflict
	}
	return recs[0], false, nil
}

// HasSubmission implements Storage.
func (p *Postgres) HasSubmission(ctx context.Context, id string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	var ok bool
	err := p.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM submissions WHERE id = $1)`, id).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("look up submission %s: %w", id, err)
	}
	return ok, nil
}

// Submissions implements Storage.
func (p *Postgres) Submissions(ctx context.Context, municipality string, all bool) ([]Record, error) {
	sql := `SELECT ` + recordCols + `, ciphertext FROM submissions WHERE municipality = $1`
	if !all {
		sql += ` AND exported IS NULL AND quarantined IS NULL`
	}
	recs, err := p.queryRecords(ctx, true, sql+` ORDER BY arrival`, municipality)
	if err != nil {
		return nil, fmt.Errorf("submissions of %s: %w", municipality, err)
	}
	return recs, nil
}

// CountSubmissions implements Storage.
func (p *Postgres) CountSubmissions(ctx context.Context, municipality string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	sql, args := `SELECT count(*) FROM submissions`, []any{}
	if municipality != "" {
		sql, args = sql+` WHERE municipality = $1`, append(args, municipality)
	}
	var n int
	err := p.pool.QueryRow(ctx, sql, args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count submissions of %q: %w", municipality, err)
	}
	return n, nil
}

// MarkExported implements Storage. The rows are locked in ID order and the device usage
// rows in device order, so concurrent exports wait for each other rather than deadlock.
func (p *Postgres) MarkExported(ctx context.Context, ids []string, at time.Time) error {
	err := p.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id FROM submissions WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids)
		if err != nil {
			return err
		}
		found := map[string]bool{}
		var id string
		if _, err := pgx.ForEachRow(rows, []any{&id}, func() error { found[id] = true; return nil }); err != nil {
			return err
		}
		for _, id := range ids {
			if !found[id] {
				return fmt.Errorf("submission %s: %w", id, ErrNotFound)
			}
		}
		// What the newly exported ones counted toward their devices' quotas (those in
		// quarantine counted nothing).
		rows, err = tx.Query(ctx, `
			WITH s AS (
				UPDATE submissions SET exported = $2 WHERE id = ANY($1) AND exported IS NULL
				RETURNING device, size, quarantined IS NULL AS counted
			)
			SELECT device, sum(size)::bigint FROM s WHERE counted GROUP BY device`, ids, pgTime(at))
		if err != nil {
			return err
		}
		freed := map[string]int64{}
		var dev string
		var n int64
		_, err = pgx.ForEachRow(rows, []any{&dev, &n}, func() error { freed[dev] = n; return nil })
		if err != nil {
			return err
		}
		if len(freed) == 0 {
			return nil
		}
		var b pgx.Batch
		for _, dev := range slices.Sorted(maps.Keys(freed)) {
			b.Queue(`UPDATE submission_usage SET pending_bytes = greatest(pending_bytes - $2, 0) WHERE device = $1`, dev, freed[dev])
		}
		return tx.SendBatch(ctx, &b).Close()
	})
	if err != nil {
		return fmt.Errorf("mark %d submissions exported: %w", len(ids), err)
	}
	return nil
}

// PendingBytes implements Storage.
func (p *Postgres) PendingBytes(ctx context.Context, device string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var n int64
	err := p.pool.QueryRow(ctx, `SELECT pending_bytes FROM submission_usage WHERE device = $1`, device).Scan(&n)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("pending bytes of %s: %w", device, err)
	}
	return n, nil
}

// Quarantine implements Storage. One statement: the submission leaves the export and its
// bytes leave the quota together.
func (p *Postgres) Quarantine(ctx context.Context, id, reason string, at time.Time) error {
	return p.changeOne(ctx, "quarantine", id, `
		WITH s AS (
			UPDATE submissions SET quarantined = $2, quarantine_reason = $3
			WHERE id = $1 AND exported IS NULL AND quarantined IS NULL
			RETURNING device, size
		), u AS (
			UPDATE submission_usage AS u SET pending_bytes = greatest(u.pending_bytes - s.size, 0)
			FROM s WHERE u.device = s.device
		)
		SELECT count(*) FROM s`, id, pgTime(at), reason)
}

// Release implements Storage. The submission keeps its arrival, so it is back in its place;
// its bytes count again unless it was exported meanwhile.
func (p *Postgres) Release(ctx context.Context, id string) error {
	return p.changeOne(ctx, "release", id, `
		WITH s AS (
			UPDATE submissions SET quarantined = NULL, quarantine_reason = ''
			WHERE id = $1 AND quarantined IS NOT NULL
			RETURNING device, size, exported IS NULL AS counted
		), u AS (
			INSERT INTO submission_usage AS u (device, pending_bytes) SELECT device, size FROM s WHERE counted
			ON CONFLICT (device) DO UPDATE SET pending_bytes = u.pending_bytes + excluded.pending_bytes
		)
		SELECT count(*) FROM s`, id)
}

// changeOne runs a statement that changes the submission id and counts the rows it changed:
// none is ErrNotFound.
func (p *Postgres) changeOne(ctx context.Context, what, id, sql string, args ...any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var n int
	if err := p.pool.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		return fmt.Errorf("%s submission %s: %w", what, id, err)
	}
	if n == 0 {
		return fmt.Errorf("%s submission %s: %w", what, id, ErrNotFound)
	}
	return nil
}

// Quarantined implements Storage; municipality "" lists all, by municipality.
func (p *Postgres) Quarantined(ctx context.Context, municipality string) ([]Record, error) {
	sql, args := `SELECT `+recordCols+` FROM submissions WHERE quarantined IS NOT NULL`, []any{}
	if municipality != "" {
		sql, args = sql+` AND municipality = $1`, append(args, municipality)
	}
	recs, err := p.queryRecords(ctx, false, sql+` ORDER BY municipality, arrival`, args...)
	if err != nil {
		return nil, fmt.Errorf("quarantined submissions of %q: %w", municipality, err)
	}
	return recs, nil
}
