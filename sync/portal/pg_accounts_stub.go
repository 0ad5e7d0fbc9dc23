package portal

// Stubs of the PostgreSQL accounts group until it is written (pg_accounts.go); delete this file then.

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

func (p *Postgres) CreateUser(ctx context.Context, u User) error {
	return errors.New("postgres: CreateUser not written yet")
}

func (p *Postgres) User(ctx context.Context, municipality, login string) (User, error) {
	return *new(User), errors.New("postgres: User not written yet")
}

func (p *Postgres) Users(ctx context.Context, municipality string) ([]User, error) {
	return *new([]User), errors.New("postgres: Users not written yet")
}

func (p *Postgres) UpdateUser(ctx context.Context, municipality, login string, fn func(*User) error) (User, error) {
	return *new(User), errors.New("postgres: UpdateUser not written yet")
}

func (p *Postgres) AccountMunicipalities(ctx context.Context) ([]string, error) {
	return *new([]string), errors.New("postgres: AccountMunicipalities not written yet")
}

func (p *Postgres) CreateSession(ctx context.Context, s Session) error {
	return errors.New("postgres: CreateSession not written yet")
}

func (p *Postgres) Session(ctx context.Context, idHash []byte) (Session, error) {
	return *new(Session), errors.New("postgres: Session not written yet")
}

func (p *Postgres) TouchSession(ctx context.Context, idHash []byte, at time.Time) error {
	return errors.New("postgres: TouchSession not written yet")
}

func (p *Postgres) DeleteSession(ctx context.Context, idHash []byte) error {
	return errors.New("postgres: DeleteSession not written yet")
}

func (p *Postgres) DeleteUserSessions(ctx context.Context, municipality, login string) error {
	return errors.New("postgres: DeleteUserSessions not written yet")
}

func (p *Postgres) PurgeSessions(ctx context.Context, idle, absolute time.Time) (int, error) {
	return 0, errors.New("postgres: PurgeSessions not written yet")
}

func (p *Postgres) AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error) {
	return *new(AuditEntry), errors.New("postgres: AppendAudit not written yet")
}

func (p *Postgres) Audit(ctx context.Context, municipality string, limit int) ([]AuditEntry, error) {
	return *new([]AuditEntry), errors.New("postgres: Audit not written yet")
}

func (p *Postgres) Draft(ctx context.Context, municipality string) (Draft, error) {
	return *new(Draft), errors.New("postgres: Draft not written yet")
}

func (p *Postgres) DraftHead(ctx context.Context, municipality string) (Draft, error) {
	return *new(Draft), errors.New("postgres: DraftHead not written yet")
}

func (p *Postgres) UpdateDraft(ctx context.Context, municipality string, base uint64, changes map[string][]byte, by string, at time.Time) (uint64, error) {
	return 0, errors.New("postgres: UpdateDraft not written yet")
}

func (p *Postgres) ImportState(ctx context.Context, municipality string) ([]byte, error) {
	return *new([]byte), errors.New("postgres: ImportState not written yet")
}

func (p *Postgres) PutImportState(ctx context.Context, municipality string, state []byte) error {
	return errors.New("postgres: PutImportState not written yet")
}

func (p *Postgres) ImportingMunicipalities(ctx context.Context) ([]string, error) {
	return *new([]string), errors.New("postgres: ImportingMunicipalities not written yet")
}
