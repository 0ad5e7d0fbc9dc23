package portal

// Stubs of the PostgreSQL submissions group until it is written (pg_submissions.go); delete this file then.

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

func (p *Postgres) PutSubmission(ctx context.Context, rec Record, loc *time.Location) (Record, bool, error) {
	return *new(Record), false, errors.New("postgres: PutSubmission not written yet")
}

func (p *Postgres) HasSubmission(ctx context.Context, id string) (bool, error) {
	return false, errors.New("postgres: HasSubmission not written yet")
}

func (p *Postgres) Submissions(ctx context.Context, municipality string, all bool) ([]Record, error) {
	return *new([]Record), errors.New("postgres: Submissions not written yet")
}

func (p *Postgres) CountSubmissions(ctx context.Context, municipality string) (int, error) {
	return 0, errors.New("postgres: CountSubmissions not written yet")
}

func (p *Postgres) MarkExported(ctx context.Context, ids []string, at time.Time) error {
	return errors.New("postgres: MarkExported not written yet")
}

func (p *Postgres) PendingBytes(ctx context.Context, device string) (int64, error) {
	return 0, errors.New("postgres: PendingBytes not written yet")
}

func (p *Postgres) Quarantine(ctx context.Context, id, reason string, at time.Time) error {
	return errors.New("postgres: Quarantine not written yet")
}

func (p *Postgres) Quarantined(ctx context.Context, municipality string) ([]Record, error) {
	return *new([]Record), errors.New("postgres: Quarantined not written yet")
}

func (p *Postgres) Release(ctx context.Context, id string) error {
	return errors.New("postgres: Release not written yet")
}

func (p *Postgres) SetStatus(ctx context.Context, municipality, id string, s Status) error {
	return errors.New("postgres: SetStatus not written yet")
}

func (p *Postgres) StatusOf(ctx context.Context, municipality, id string) (Status, error) {
	return *new(Status), errors.New("postgres: StatusOf not written yet")
}

func (p *Postgres) StatusHistory(ctx context.Context, municipality, id string) ([]Status, error) {
	return *new([]Status), errors.New("postgres: StatusHistory not written yet")
}

func (p *Postgres) SubmissionsByRef(ctx context.Context, municipality, ref string) ([]Record, error) {
	return *new([]Record), errors.New("postgres: SubmissionsByRef not written yet")
}

func (p *Postgres) Inbox(ctx context.Context, municipality string, q InboxQuery) (InboxPage, error) {
	return *new(InboxPage), errors.New("postgres: Inbox not written yet")
}

func (p *Postgres) Submission(ctx context.Context, municipality, id string) (Record, error) {
	return *new(Record), errors.New("postgres: Submission not written yet")
}
