package portal

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// The inbox of the PostgreSQL store reads the submissions table itself: its summary columns
// (and the status kept there) are what a page shows; the ciphertext, stored apart by
// PostgreSQL when it is large, is not read.

// Inbox implements InboxStore. The count and the page are read in one snapshot, so the
// total is that of the entries shown.
func (p *Postgres) Inbox(ctx context.Context, municipality string, q InboxQuery) (InboxPage, error) {
	where, args := []string{"municipality = $1"}, []any{municipality}
	filter := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if q.Procedure != "" {
		filter("procedure = $%d", q.Procedure)
	}
	if q.Status != "" {
		filter("status = $%d", string(q.Status))
	}
	if q.Device != "" {
		filter("device = $%d", q.Device)
	}
	if !q.From.IsZero() {
		filter("received >= $%d", pgTime(q.From))
	}
	if !q.To.IsZero() {
		filter("received < $%d", pgTime(q.To))
	}
	cond := strings.Join(where, " AND ")
	var page InboxPage
	err := p.readTx(ctx, func(tx pgx.Tx) error {
		var b pgx.Batch
		b.Queue(`SELECT count(*) FROM submissions WHERE `+cond, args...).QueryRow(func(row pgx.Row) error {
			return row.Scan(&page.Total)
		})
		b.Queue(fmt.Sprintf(`SELECT id, ref, portal_ref, procedure, device, created, received, status, size
			FROM submissions WHERE %s ORDER BY arrival DESC LIMIT %d OFFSET %d`, cond, q.limit(), max(q.Offset, 0)),
			args...).Query(func(rows pgx.Rows) error {
			var err error
			page.Entries, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (InboxEntry, error) {
				var e InboxEntry
				err := row.Scan(&e.ID, &e.Ref, &e.PortalRef, &e.Procedure, &e.Device,
					(*pgTime)(&e.Created), (*pgTime)(&e.Received), &e.Status, &e.Size)
				return e, err
			})
			return err
		})
		return tx.SendBatch(ctx, &b).Close()
	})
	if err != nil {
		return InboxPage{}, fmt.Errorf("inbox of %s: %w", municipality, err)
	}
	return page, nil
}

// readTx runs fn in a read-only transaction that sees one snapshot throughout.
func (p *Postgres) readTx(ctx context.Context, fn func(pgx.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return pgx.BeginTxFunc(ctx, p.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

// Submission implements InboxStore.
func (p *Postgres) Submission(ctx context.Context, municipality, id string) (Record, error) {
	recs, err := p.queryRecords(ctx, true, `SELECT `+recordCols+`, ciphertext FROM submissions
		WHERE id = $1 AND municipality = $2`, id, municipality)
	switch {
	case err != nil:
		return Record{}, fmt.Errorf("submission %s: %w", id, err)
	case len(recs) == 0:
		return Record{}, fmt.Errorf("submission %s of %s: %w", id, municipality, ErrNotFound)
	}
	return recs[0], nil
}
