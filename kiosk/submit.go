package kiosk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"filippo.io/age"

	"infomat/content"
	"infomat/outbox"
	"infomat/sync/protocol"
)

// Submitter files online forms into the outbox, encrypted to the municipality's key.
type Submitter struct {
	Outbox  *outbox.Outbox
	Content *content.Bundle
	Log     *slog.Logger
	Now     func() time.Time
	// ClockSuspect, when set, says whether the device clock is untrusted (trustedtime): the
	// submission is then flagged so the portal goes by its own receive time.
	ClockSuspect func() bool
	// Queued, when set, is called after each committed submission (to start a sync).
	Queued func()
	// Demo allows forms on content whose key is the published sample key (--demo): for
	// trying the kiosk out, never for residents.
	Demo bool
}

// Accepts says whether forms of bundle b may be filed on this kiosk: nil, or ErrSampleKey.
// The UI asks it to decide whether to offer a form at all; Submit enforces it.
func (s *Submitter) Accepts(b *content.Bundle) error {
	if b == nil {
		return errors.New("no content")
	}
	if !s.Demo && IsSampleKey(b.Municipality.SubmissionKey) {
		return ErrSampleKey
	}
	return nil
}

// Submit encrypts the answers (a protocol.Payload) and commits them; the reference it returns is durable.
// Nothing personal is logged: only the reference and the procedure.
func (s *Submitter) Submit(ctx context.Context, p *content.Procedure, a content.Answers) (string, time.Time, error) {
	if p.Form == nil {
		return "", time.Time{}, fmt.Errorf("submit %s: the card has no form", p.ID)
	}
	if err := s.Accepts(s.Content); err != nil {
		if s.Log != nil {
			s.Log.Error("submission refused", "procedure", p.ID, "err", err)
		}
		return "", time.Time{}, fmt.Errorf("submit %s: %w", p.ID, err)
	}
	to, err := age.ParseX25519Recipient(s.Content.Municipality.SubmissionKey)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("submit %s: municipality key: %w", p.ID, err)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	at := now()
	pl := protocol.Payload{Procedure: p.ID, ProcedureTitle: p.Title, ContentVersion: s.Content.Version, Submitted: at}
	for _, f := range p.Form.Visible(a) {
		v, ok := a[f.ID]
		if !ok {
			continue
		}
		ans := protocol.Answer{Field: f.ID, Question: f.Label, Value: v}
		if f.Type.HasOptions() || f.Type == content.FieldCheckbox {
			var labels []string
			for _, part := range strings.Split(v, "\n") {
				labels = append(labels, f.OptionLabel(part))
			}
			ans.Display = strings.Join(labels, ", ")
		}
		pl.Answers = append(pl.Answers, ans)
	}
	plain, err := json.Marshal(pl)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("submit %s: %w", p.ID, err)
	}
	defer clear(plain) // the plaintext never outlives this call
	meta := outbox.Meta{Procedure: p.ID, Office: p.Place.Office, ContentVersion: s.Content.Version, Created: at}
	if s.ClockSuspect != nil {
		meta.ClockSuspect = s.ClockSuspect()
	}
	item, err := s.Outbox.Enqueue(ctx, meta, s.Content.Municipality.RefPrefix, plain, to)
	if err != nil {
		if s.Log != nil {
			s.Log.Error("submission not saved", "procedure", p.ID, "err", err)
		}
		return "", time.Time{}, fmt.Errorf("submit %s: %w", p.ID, err)
	}
	if s.Log != nil {
		s.Log.Info("submission queued", "ref", item.Ref, "procedure", p.ID)
	}
	if s.Queued != nil {
		s.Queued()
	}
	return item.Ref, at, nil
}
