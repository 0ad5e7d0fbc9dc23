package portal

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// The DraftStore of the PostgreSQL store (tables in migrations/0003_accounts_drafts.sql). A
// draft's head (drafts) and its files (draft_files) change in one transaction; the head's
// revision is the optimistic lock two editors on any instances race for.

var _ DraftStore = (*Postgres)(nil)

// Draft implements DraftStore. One statement reads the head and the files, so they come
// from one snapshot: never files of one revision under another's number.
func (p *Postgres) Draft(ctx context.Context, municipality string) (Draft, error) {
	if err := ctx.Err(); err != nil {
		return Draft{}, err
	}
	rows, err := p.pool.Query(ctx, `SELECT d.revision, d.updated, d.updated_by, f.path, f.data
		FROM drafts d LEFT JOIN draft_files f USING (municipality)
		WHERE d.municipality = $1`, municipality)
	if err != nil {
		return Draft{}, fmt.Errorf("draft of %q: %w", municipality, err)
	}
	defer rows.Close()
	d := Draft{Municipality: municipality}
	found := false
	for rows.Next() {
		var updated pgtype.Timestamptz
		var path pgtype.Text
		var data []byte
		if err := rows.Scan(&d.Revision, &updated, &d.UpdatedBy, &path, &data); err != nil {
			return Draft{}, fmt.Errorf("draft of %q: %w", municipality, err)
		}
		if !found {
			found, d.Updated, d.Files = true, nullIsZero(updated), map[string][]byte{}
		}
		if path.Valid { // NULL: a draft without files
			d.Files[path.String] = data
		}
	}
	if err := rows.Err(); err != nil {
		return Draft{}, fmt.Errorf("draft of %q: %w", municipality, err)
	}
	if !found {
		return Draft{}, ErrNotFound
	}
	return d, nil
}

// DraftHead implements DraftStore.
func (p *Postgres) DraftHead(ctx context.Context, municipality string) (Draft, error) {
	if err := ctx.Err(); err != nil {
		return Draft{}, err
	}
	d := Draft{Municipality: municipality}
	var updated pgtype.Timestamptz
	err := p.pool.QueryRow(ctx, `SELECT revision, updated, updated_by FROM drafts WHERE municipality = $1`,
		municipality).Scan(&d.Revision, &updated, &d.UpdatedBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return Draft{}, ErrNotFound
	}
	if err != nil {
		return Draft{}, fmt.Errorf("draft head of %q: %w", municipality, err)
	}
	d.Updated = nullIsZero(updated)
	return d, nil
}

// UpdateDraft implements DraftStore. The head moves first: an UPDATE that matches only the
// base revision (or, for base 0, an INSERT that does nothing when a draft exists). A
// concurrent editor's UPDATE waits for the row and then finds the revision moved on, so of
// editors starting from one base exactly one wins, on whichever instance; the losers write
// nothing.
func (p *Postgres) UpdateDraft(ctx context.Context, municipality string, base uint64, changes map[string][]byte, by string, at time.Time) (uint64, error) {
	if err := ValidMunicipality(municipality); err != nil {
		return 0, err
	}
	for name := range changes {
		// NUL is valid UTF-8 but no file name, and PostgreSQL's text cannot hold it.
		if !fs.ValidPath(name) || name == "." || strings.ContainsRune(name, 0) {
			return 0, fmt.Errorf("draft file %q: not a path inside a bundle", name)
		}
	}
	rev := base + 1
	err := p.tx(ctx, func(tx pgx.Tx) error {
		var tag pgconn.CommandTag
		var err error
		if base == 0 {
			tag, err = tx.Exec(ctx, `INSERT INTO drafts (municipality, revision, updated, updated_by)
				VALUES ($1, 1, $2, $3) ON CONFLICT (municipality) DO NOTHING`, municipality, zeroIsNull(at), by)
		} else {
			tag, err = tx.Exec(ctx, `UPDATE drafts SET revision = revision + 1, updated = $3, updated_by = $4
				WHERE municipality = $1 AND revision = $2`, municipality, int64(base), zeroIsNull(at), by)
		}
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return draftChanged(ctx, tx, municipality, base)
		}
		// One statement per file rather than arrays of them: an array is one value, at
		// most 1 GB, and a bundle's attachments together may be more.
		b := &pgx.Batch{}
		for path, data := range changes {
			if data == nil {
				b.Queue(`DELETE FROM draft_files WHERE municipality = $1 AND path = $2`, municipality, path)
			} else {
				b.Queue(`INSERT INTO draft_files (municipality, path, data) VALUES ($1, $2, $3)
					ON CONFLICT (municipality, path) DO UPDATE SET data = excluded.data`, municipality, path, data)
			}
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return 0, fmt.Errorf("update draft of %q: %w", municipality, err)
	}
	return rev, nil
}

// draftChanged is the error of an update whose base is no longer the draft's revision.
func draftChanged(ctx context.Context, tx pgx.Tx, municipality string, base uint64) error {
	var now int64 // 0: no draft
	err := tx.QueryRow(ctx, `SELECT revision FROM drafts WHERE municipality = $1`, municipality).Scan(&now)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	return fmt.Errorf("%w: at revision %d, not %d", ErrDraftChanged, now, base)
}

// ImportState implements DraftStore.
func (p *Postgres) ImportState(ctx context.Context, municipality string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var state []byte
	err := p.pool.QueryRow(ctx, `SELECT state FROM import_states WHERE municipality = $1`, municipality).Scan(&state)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("import state of %q: %w", municipality, err)
	}
	if state == nil {
		state = []byte{} // stored, though empty: not "none"
	}
	return state, nil
}

// PutImportState implements DraftStore.
func (p *Postgres) PutImportState(ctx context.Context, municipality string, state []byte) error {
	if err := ValidMunicipality(municipality); err != nil {
		return err
	}
	if state == nil {
		state = []byte{}
	}
	err := p.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO import_states (municipality, state) VALUES ($1, $2)
			ON CONFLICT (municipality) DO UPDATE SET state = excluded.state`, municipality, state)
		return err
	})
	if err != nil {
		return fmt.Errorf("put import state of %q: %w", municipality, err)
	}
	return nil
}

// ImportingMunicipalities implements DraftStore.
func (p *Postgres) ImportingMunicipalities(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rows, err := p.pool.Query(ctx, `SELECT municipality FROM import_states ORDER BY municipality`)
	if err != nil {
		return nil, fmt.Errorf("importing municipalities: %w", err)
	}
	ms, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("importing municipalities: %w", err)
	}
	return ms, nil
}
