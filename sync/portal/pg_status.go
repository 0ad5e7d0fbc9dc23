package portal

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The status group of the PostgreSQL store: submission_statuses keeps every change and
// submissions.status the latest code, for the inbox's filter.

// SetStatus implements StatusStore. The submission's row is updated first, which locks it:
// statuses set at once on one submission take their sequence numbers in the order they
// update it, so the latest in the history is the one submissions.status holds.
func (p *Postgres) SetStatus(ctx context.Context, municipality, id string, s Status) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	tag, err := p.pool.Exec(ctx, `
		WITH s AS (UPDATE submissions SET status = $3 WHERE id = $1 AND municipality = $2 RETURNING id)
		INSERT INTO submission_statuses (submission, code, destination, note, set_by, set_at)
		SELECT id, $3, $4, $5, $6, $7 FROM s`,
		id, municipality, string(s.Code), s.To, s.Note, s.By, pgTime(s.At))
	if err != nil {
		return fmt.Errorf("set status of submission %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("submission %s of %s: %w", id, municipality, ErrNotFound)
	}
	return nil
}

// statusCols are a joined status's columns, NULL where the submission has none.
const statusCols = `h.code, h.destination, h.note, h.set_by, h.set_at`

// scanStatus reads statusCols after dst; ok is false when they are NULL.
func scanStatus(row pgx.Row, dst ...any) (s Status, ok bool, err error) {
	var code, to, note, by *string
	err = row.Scan(append(dst, &code, &to, &note, &by, (*pgTime)(&s.At))...)
	if err != nil || code == nil {
		return Status{}, false, err
	}
	return Status{Code: StatusCode(*code), To: *to, Note: *note, By: *by, At: s.At}, true, nil
}

// StatusOf implements StatusStore.
func (p *Postgres) StatusOf(ctx context.Context, municipality, id string) (Status, error) {
	if err := ctx.Err(); err != nil {
		return Status{}, err
	}
	var received pgTime
	s, ok, err := scanStatus(p.pool.QueryRow(ctx, `
		SELECT s.received, `+statusCols+` FROM submissions s
		LEFT JOIN LATERAL (
			SELECT * FROM submission_statuses WHERE submission = s.id ORDER BY seq DESC LIMIT 1
		) h ON true
		WHERE s.id = $1 AND s.municipality = $2`, id, municipality), &received)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Status{}, fmt.Errorf("submission %s of %s: %w", id, municipality, ErrNotFound)
	case err != nil:
		return Status{}, fmt.Errorf("status of submission %s: %w", id, err)
	case !ok:
		return Status{Code: StatusReceived, At: time.Time(received)}, nil
	}
	return s, nil
}

// StatusHistory implements StatusStore. The submission joined with its statuses is one row
// with NULL statuses when it has none, and no row when it is not the municipality's.
func (p *Postgres) StatusHistory(ctx context.Context, municipality, id string) ([]Status, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rows, err := p.pool.Query(ctx, `
		SELECT `+statusCols+` FROM submissions s
		LEFT JOIN submission_statuses h ON h.submission = s.id
		WHERE s.id = $1 AND s.municipality = $2
		ORDER BY h.seq`, id, municipality)
	if err != nil {
		return nil, fmt.Errorf("status history of submission %s: %w", id, err)
	}
	defer rows.Close()
	var out []Status
	found := false
	for rows.Next() {
		found = true
		s, ok, err := scanStatus(rows)
		if err != nil {
			return nil, fmt.Errorf("status history of submission %s: %w", id, err)
		}
		if ok {
			out = append(out, s)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("status history of submission %s: %w", id, err)
	}
	if !found {
		return nil, fmt.Errorf("submission %s of %s: %w", id, municipality, ErrNotFound)
	}
	return out, nil
}

// SubmissionsByRef implements StatusStore.
func (p *Postgres) SubmissionsByRef(ctx context.Context, municipality, ref string) ([]Record, error) {
	sql, args := `SELECT `+recordCols+` FROM submissions WHERE canonical_ref = $1`, []any{CanonicalRef(ref)}
	if municipality != "" {
		sql, args = sql+` AND municipality = $2`, append(args, municipality)
	}
	recs, err := p.queryRecords(ctx, false, sql+` ORDER BY municipality, arrival`, args...)
	if err != nil {
		return nil, fmt.Errorf("submissions with reference %s: %w", ref, err)
	}
	return recs, nil
}
