package portal

// Stubs of the PostgreSQL devices group until it is written (pg_devices.go); delete this file then.

import (
	"context"
	"crypto/ed25519"
	"errors"
	"io"
	"time"

	"infomat/sync/protocol"
)

var _ = ed25519.PrivateKey(nil)
var _ io.Reader
var _ time.Time
var _ protocol.Manifest
var _ context.Context

func (p *Postgres) CreateToken(ctx context.Context, t Token) error {
	return errors.New("postgres: CreateToken not written yet")
}

func (p *Postgres) Enroll(ctx context.Context, tokenHash []byte, dev Device, now time.Time) (Device, error) {
	return *new(Device), errors.New("postgres: Enroll not written yet")
}

func (p *Postgres) Device(ctx context.Context, id string) (Device, error) {
	return *new(Device), errors.New("postgres: Device not written yet")
}

func (p *Postgres) Devices(ctx context.Context) ([]Device, error) {
	return *new([]Device), errors.New("postgres: Devices not written yet")
}

func (p *Postgres) Revoke(ctx context.Context, id string, at time.Time) error {
	return errors.New("postgres: Revoke not written yet")
}

func (p *Postgres) SigningKey(ctx context.Context, municipality string) (ed25519.PrivateKey, error) {
	return *new(ed25519.PrivateKey), errors.New("postgres: SigningKey not written yet")
}

func (p *Postgres) PutBlob(ctx context.Context, sha string, data []byte) (bool, error) {
	return false, errors.New("postgres: PutBlob not written yet")
}

func (p *Postgres) Blob(ctx context.Context, municipality, sha string) ([]byte, error) {
	return *new([]byte), errors.New("postgres: Blob not written yet")
}

func (p *Postgres) OpenBlob(ctx context.Context, municipality, sha string) (io.ReadSeeker, int64, error) {
	return *new(io.ReadSeeker), 0, errors.New("postgres: OpenBlob not written yet")
}

func (p *Postgres) AddManifest(ctx context.Context, municipality string, version uint64, files []string, signed protocol.SignedManifest) error {
	return errors.New("postgres: AddManifest not written yet")
}

func (p *Postgres) Manifests(ctx context.Context, municipality string) ([]Published, error) {
	return *new([]Published), errors.New("postgres: Manifests not written yet")
}

func (p *Postgres) LatestManifest(ctx context.Context, municipality string) (Published, error) {
	return *new(Published), errors.New("postgres: LatestManifest not written yet")
}

func (p *Postgres) RenewManifest(ctx context.Context, municipality string, version uint64, signed protocol.SignedManifest) error {
	return errors.New("postgres: RenewManifest not written yet")
}

func (p *Postgres) Municipalities(ctx context.Context) ([]string, error) {
	return *new([]string), errors.New("postgres: Municipalities not written yet")
}

func (p *Postgres) PutHeartbeat(ctx context.Context, device string, beat Beat) error {
	return errors.New("postgres: PutHeartbeat not written yet")
}

func (p *Postgres) Heartbeats(ctx context.Context, device string) ([]Beat, error) {
	return *new([]Beat), errors.New("postgres: Heartbeats not written yet")
}
