package portal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The PostgreSQL DeviceStore and FleetStore; the tables are described in
// migrations/0001_devices_content.sql.

// orNull is t for a nullable timestamptz column: NULL for the zero time.
func orNull(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// orZero is a nullable timestamptz column's value as the store's callers expect it: the zero
// time for NULL, otherwise the instant in UTC (pgx gives local time).
func orZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// CreateToken implements Storage. A token's hash is stored once: creating it again is an
// error rather than a way to make a used token new.
func (p *Postgres) CreateToken(ctx context.Context, t Token) error {
	if err := ValidMunicipality(t.Municipality); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := p.pool.Exec(ctx, `INSERT INTO tokens (hash, municipality, created, expires, used, device, label)
		VALUES ($1, $2, $3, $4, $5, nullif($6, ''), $7)`,
		t.Hash, t.Municipality, t.Created, t.Expires, orNull(t.Used), t.Device, t.Label)
	if isUnique(err) {
		return errors.New("create token: a token with this hash exists")
	}
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	return nil
}

// Enroll implements Storage, in one statement (one transaction). The conditional UPDATE is
// what makes a token single-use across portals: of concurrent enrolments with one token,
// the first to update the row holds its lock until it commits, and the others then find it
// used. A device ID that exists fails the statement, and the token stays unused.
func (p *Postgres) Enroll(ctx context.Context, tokenHash []byte, dev Device, now time.Time) (Device, error) {
	if err := ctx.Err(); err != nil {
		return Device{}, err
	}
	err := p.pool.QueryRow(ctx, `WITH token AS (
			UPDATE tokens SET used = $2, device = $3
			WHERE hash = $1 AND used IS NULL AND expires > $2
			RETURNING municipality, label
		)
		INSERT INTO devices (id, municipality, hostname, app_version, secret_hash, enrolled, revoked, label)
		SELECT $3, municipality, $4, $5, $6, $7, $8, coalesce(nullif($9, ''), label) FROM token
		RETURNING municipality, label`,
		tokenHash, now, dev.ID, dev.Hostname, dev.AppVersion, dev.SecretHash, dev.Enrolled, orNull(dev.Revoked), dev.Label).Scan(&dev.Municipality, &dev.Label)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Device{}, ErrBadToken
	case isUnique(err):
		return Device{}, fmt.Errorf("enrol device: device ID %s already exists", dev.ID)
	case err != nil:
		return Device{}, fmt.Errorf("enrol device: %w", err)
	}
	return dev, nil
}

const deviceColumns = `id, municipality, hostname, app_version, secret_hash, enrolled, revoked, label`

func scanDevice(row pgx.Row) (Device, error) {
	var d Device
	var revoked *time.Time
	err := row.Scan(&d.ID, &d.Municipality, &d.Hostname, &d.AppVersion, &d.SecretHash, &d.Enrolled, &revoked, &d.Label)
	d.Enrolled, d.Revoked = d.Enrolled.UTC(), orZero(revoked)
	return d, err
}

// Device implements Storage.
func (p *Postgres) Device(ctx context.Context, id string) (Device, error) {
	if err := ctx.Err(); err != nil {
		return Device{}, err
	}
	d, err := scanDevice(p.pool.QueryRow(ctx, `SELECT `+deviceColumns+` FROM devices WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Device{}, fmt.Errorf("device %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Device{}, fmt.Errorf("device %q: %w", id, err)
	}
	return d, nil
}

// Devices implements Storage.
func (p *Postgres) Devices(ctx context.Context) ([]Device, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rows, err := p.pool.Query(ctx, `SELECT `+deviceColumns+` FROM devices ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("devices: %w", err)
	}
	// nil for none, as bolt gives
	out, err := pgx.AppendRows([]Device(nil), rows, func(row pgx.CollectableRow) (Device, error) { return scanDevice(row) })
	if err != nil {
		return nil, fmt.Errorf("devices: %w", err)
	}
	return out, nil
}

// Revoke implements Storage. One statement: a concurrent revocation cannot move the time.
func (p *Postgres) Revoke(ctx context.Context, id string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tag, err := p.pool.Exec(ctx, `UPDATE devices SET revoked = coalesce(revoked, $2) WHERE id = $1`, id, at)
	if err != nil {
		return fmt.Errorf("revoke %q: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("device %q: %w", id, ErrNotFound)
	}
	return nil
}

// PutHeartbeat implements Storage. One statement inserts the beat and deletes all but the
// HeartbeatHistory-1 newest before it. Two beats of one device at once may leave one more
// until its next; Heartbeats never returns more than HeartbeatHistory.
func (p *Postgres) PutHeartbeat(ctx context.Context, device string, beat Beat) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	hb, err := json.Marshal(beat.Heartbeat)
	if err != nil {
		return fmt.Errorf("heartbeat of %s: %w", device, err)
	}
	_, err = p.pool.Exec(ctx, `WITH old AS (
			DELETE FROM heartbeats WHERE device = $1 AND seq NOT IN (
				SELECT seq FROM heartbeats WHERE device = $1 ORDER BY seq DESC LIMIT $2)
		)
		INSERT INTO heartbeats (device, received, heartbeat) VALUES ($1, $3, $4)`,
		device, HeartbeatHistory-1, beat.Received, hb)
	if err != nil {
		return fmt.Errorf("heartbeat of %s: %w", device, err)
	}
	return nil
}

// Heartbeats implements Storage.
func (p *Postgres) Heartbeats(ctx context.Context, device string) ([]Beat, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rows, err := p.pool.Query(ctx, `SELECT received, heartbeat FROM (
			SELECT seq, received, heartbeat FROM heartbeats WHERE device = $1 ORDER BY seq DESC LIMIT $2
		) newest ORDER BY seq`, device, HeartbeatHistory)
	if err != nil {
		return nil, fmt.Errorf("heartbeats of %s: %w", device, err)
	}
	out, err := pgx.AppendRows([]Beat(nil), rows, func(row pgx.CollectableRow) (Beat, error) {
		var b Beat
		var hb []byte
		if err := row.Scan(&b.Received, &hb); err != nil {
			return b, err
		}
		b.Received = b.Received.UTC()
		return b, json.Unmarshal(hb, &b.Heartbeat)
	})
	if err != nil {
		return nil, fmt.Errorf("heartbeats of %s: %w", device, err)
	}
	return out, nil
}
