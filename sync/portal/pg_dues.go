package portal

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// The DuesStore of the PostgreSQL store (tables in migrations/0004_dues.sql). What several
// instances do at once is ordered by row locks: a replacement holds its municipality's head
// row, a failure count its subject's row.

var _ DuesStore = (*Postgres)(nil)

// ReplaceDues implements DuesStore. The upsert of the head comes first and locks its row
// until commit: a second replacement waits for it, then swaps in its own entries. Readers
// see the entries of the last commit only.
func (p *Postgres) ReplaceDues(ctx context.Context, set DuesSet) error {
	if err := ValidMunicipality(set.Municipality); err != nil {
		return err
	}
	m := set.Municipality
	err := p.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO dues_sets (municipality, imported, as_of, expires, recipient, nip, imported_by,
				taxpayers, items, sum_due, sum_paid) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			ON CONFLICT (municipality) DO UPDATE SET imported = excluded.imported, as_of = excluded.as_of,
				expires = excluded.expires, recipient = excluded.recipient, nip = excluded.nip,
				imported_by = excluded.imported_by, taxpayers = excluded.taxpayers, items = excluded.items,
				sum_due = excluded.sum_due, sum_paid = excluded.sum_paid`,
			m, zeroIsNull(set.Imported), zeroIsNull(set.AsOf), zeroIsNull(set.Expires), set.Recipient, set.NIP, set.By,
			set.Taxpayers, set.Items, set.SumDue, set.SumPaid)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM dues_records WHERE municipality = $1`, m); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM dues_codes WHERE municipality = $1`, m); err != nil {
			return err
		}
		var records, codes [][]any
		for _, e := range set.Entries {
			records = append(records, []any{m, e.Taxpayer, e.Sealed})
			for _, c := range e.Codes {
				codes = append(codes, []any{m, c, e.Taxpayer})
			}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"dues_records"}, []string{"municipality", "taxpayer", "sealed"}, pgx.CopyFromRows(records)); err != nil {
			return err
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"dues_codes"}, []string{"municipality", "code", "taxpayer"}, pgx.CopyFromRows(codes))
		return err
	})
	if err != nil {
		return fmt.Errorf("replace dues of %q: %w", m, err)
	}
	return nil
}

// DuesStatus implements DuesStore.
func (p *Postgres) DuesStatus(ctx context.Context, municipality string) (DuesSet, error) {
	if err := ctx.Err(); err != nil {
		return DuesSet{}, err
	}
	s := DuesSet{Municipality: municipality}
	var imported, asOf, expires pgtype.Timestamptz
	err := p.pool.QueryRow(ctx, `SELECT imported, as_of, expires, recipient, nip, imported_by, taxpayers, items,
		sum_due, sum_paid FROM dues_sets WHERE municipality = $1`, municipality).Scan(&imported, &asOf, &expires,
		&s.Recipient, &s.NIP, &s.By, &s.Taxpayers, &s.Items, &s.SumDue, &s.SumPaid)
	if errors.Is(err, pgx.ErrNoRows) {
		return DuesSet{}, ErrNotFound
	}
	if err != nil {
		return DuesSet{}, fmt.Errorf("dues of %q: %w", municipality, err)
	}
	s.Imported, s.AsOf, s.Expires = nullIsZero(imported), nullIsZero(asOf), nullIsZero(expires)
	return s, nil
}

// DuesByCode implements DuesStore: one statement, so the code and its record come from one
// snapshot.
func (p *Postgres) DuesByCode(ctx context.Context, municipality string, code []byte) (taxpayer, sealed []byte, err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	err = p.pool.QueryRow(ctx, `SELECT c.taxpayer, r.sealed FROM dues_codes c
		JOIN dues_records r ON r.municipality = c.municipality AND r.taxpayer = c.taxpayer
		WHERE c.municipality = $1 AND c.code = $2`, municipality, code).Scan(&taxpayer, &sealed)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, ErrNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("dues by code: %w", err)
	}
	return taxpayer, sealed, nil
}

// DuesByTaxpayer implements DuesStore.
func (p *Postgres) DuesByTaxpayer(ctx context.Context, municipality string, taxpayer []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var sealed []byte
	err := p.pool.QueryRow(ctx, `SELECT sealed FROM dues_records WHERE municipality = $1 AND taxpayer = $2`,
		municipality, taxpayer).Scan(&sealed)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("dues by taxpayer: %w", err)
	}
	return sealed, nil
}

// PutDuesCard implements DuesStore.
func (p *Postgres) PutDuesCard(ctx context.Context, c DuesCard) error {
	if err := ValidMunicipality(c.Municipality); err != nil {
		return err
	}
	err := p.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO dues_cards (municipality, card, taxpayer, pin_hash, registered, registered_by)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (municipality, card) DO UPDATE SET taxpayer = excluded.taxpayer,
			pin_hash = excluded.pin_hash, registered = excluded.registered, registered_by = excluded.registered_by`,
			c.Municipality, c.Card, c.Taxpayer, c.PINHash, zeroIsNull(c.Registered), c.By)
		return err
	})
	if err != nil {
		return fmt.Errorf("put dues card: %w", err)
	}
	return nil
}

// DuesCard implements DuesStore.
func (p *Postgres) DuesCard(ctx context.Context, municipality string, card []byte) (DuesCard, error) {
	if err := ctx.Err(); err != nil {
		return DuesCard{}, err
	}
	c := DuesCard{Municipality: municipality, Card: card}
	var reg pgtype.Timestamptz
	err := p.pool.QueryRow(ctx, `SELECT taxpayer, pin_hash, registered, registered_by FROM dues_cards
		WHERE municipality = $1 AND card = $2`, municipality, card).Scan(&c.Taxpayer, &c.PINHash, &reg, &c.By)
	if errors.Is(err, pgx.ErrNoRows) {
		return DuesCard{}, ErrNotFound
	}
	if err != nil {
		return DuesCard{}, fmt.Errorf("dues card: %w", err)
	}
	c.Registered = nullIsZero(reg)
	return c, nil
}

// RecordDuesFailure implements DuesStore. The row is made if missing, then read FOR UPDATE:
// failures counted at once on two instances wait for each other, and both count.
func (p *Postgres) RecordDuesFailure(ctx context.Context, subject string, now time.Time, lim DuesLimit) (DuesFailures, error) {
	var f DuesFailures
	err := p.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO dues_failures (subject, count) VALUES ($1, 0)
			ON CONFLICT (subject) DO NOTHING`, subject); err != nil {
			return err
		}
		var err error
		if f, err = scanFailures(tx.QueryRow(ctx, `SELECT count, first, locked_until, expires FROM dues_failures
			WHERE subject = $1 FOR UPDATE`, subject)); err != nil {
			return err
		}
		f = f.next(now.UTC(), lim)
		_, err = tx.Exec(ctx, `UPDATE dues_failures SET count = $2, first = $3, locked_until = $4, expires = $5
			WHERE subject = $1`, subject, f.Count, zeroIsNull(f.First), zeroIsNull(f.LockedUntil), zeroIsNull(f.Expires))
		return err
	})
	if err != nil {
		return DuesFailures{}, fmt.Errorf("record dues failure: %w", err)
	}
	return f, nil
}

func scanFailures(row pgx.Row) (DuesFailures, error) {
	var f DuesFailures
	var first, locked, expires pgtype.Timestamptz
	if err := row.Scan(&f.Count, &first, &locked, &expires); err != nil {
		return DuesFailures{}, err
	}
	f.First, f.LockedUntil, f.Expires = nullIsZero(first), nullIsZero(locked), nullIsZero(expires)
	return f, nil
}

// DuesFailures implements DuesStore.
func (p *Postgres) DuesFailures(ctx context.Context, subject string) (DuesFailures, error) {
	if err := ctx.Err(); err != nil {
		return DuesFailures{}, err
	}
	f, err := scanFailures(p.pool.QueryRow(ctx, `SELECT count, first, locked_until, expires FROM dues_failures
		WHERE subject = $1`, subject))
	if errors.Is(err, pgx.ErrNoRows) {
		return DuesFailures{}, nil
	}
	if err != nil {
		return DuesFailures{}, fmt.Errorf("dues failures: %w", err)
	}
	return f, nil
}

// ResetDuesFailures implements DuesStore.
func (p *Postgres) ResetDuesFailures(ctx context.Context, subject string) error {
	err := p.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM dues_failures WHERE subject = $1`, subject)
		return err
	})
	if err != nil {
		return fmt.Errorf("reset dues failures: %w", err)
	}
	return nil
}

// PurgeDues implements DuesStore.
func (p *Postgres) PurgeDues(ctx context.Context, now time.Time) ([]string, error) {
	var gone []string
	err := p.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `DELETE FROM dues_sets WHERE expires <= $1 RETURNING municipality`, now)
		if err != nil {
			return err
		}
		if gone, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return err
		}
		if len(gone) > 0 {
			if _, err := tx.Exec(ctx, `DELETE FROM dues_records WHERE municipality = ANY($1)`, gone); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM dues_codes WHERE municipality = ANY($1)`, gone); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `DELETE FROM dues_failures WHERE expires IS NULL OR expires <= $1`, now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("purge dues: %w", err)
	}
	slices.Sort(gone)
	return gone, nil
}
