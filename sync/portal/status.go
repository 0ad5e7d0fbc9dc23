package portal

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"infomat/outbox"
)

// A submission's status is what the office tells the resident about it on the public
// tracking page (/sprawdz/<ref>): one of the codes below, a short note, who set it and when.
// Every change is kept (StatusHistory); a submission with none is StatusReceived, so stored
// submissions need no migration.

// StatusCode is a submission's state as the office sees it. The values are what is stored;
// what residents read comes from translations.
type StatusCode string

// The status codes, in the order a matter usually takes.
const (
	StatusReceived   StatusCode = "received"    // przyjęty: the default of every stored submission
	StatusInProgress StatusCode = "in_progress" // w realizacji
	StatusSettled    StatusCode = "settled"     // załatwiony
	StatusRejected   StatusCode = "rejected"    // odrzucony
	StatusForwarded  StatusCode = "forwarded"   // przekazany do … (Status.To says where)
)

// StatusCodes lists every code, in that order.
var StatusCodes = []StatusCode{StatusReceived, StatusInProgress, StatusSettled, StatusRejected, StatusForwarded}

// Limits of a status's free text, in characters.
const (
	MaxStatusNote = 500 // the note for the resident
	MaxStatusTo   = 200 // where a forwarded matter went
	MaxStatusBy   = 64  // the clerk's login, or "cli"
)

// Errors of the status operations.
var (
	ErrBadStatus = errors.New("invalid status")
	// ErrAmbiguous: a kiosk reference names more than one submission (kiosks draw references
	// independently, so two of them can, rarely, draw the same); the submission ID decides.
	ErrAmbiguous = errors.New("reference names more than one submission")
)

// Status is one state of a submission, as set by someone at some time.
type Status struct {
	Code StatusCode `json:"code"`
	To   string     `json:"to,omitempty"`   // StatusForwarded: to whom or where (free text)
	Note string     `json:"note,omitempty"` // for the resident: plain text, shown escaped
	By   string     `json:"by,omitempty"`   // the clerk's login or "cli"; empty for the default
	At   time.Time  `json:"at"`
}

// Valid reports whether c is one of StatusCodes.
func (c StatusCode) Valid() bool {
	for _, k := range StatusCodes {
		if c == k {
			return true
		}
	}
	return false
}

// Validate checks a status before it is stored: a known code, To given exactly for
// StatusForwarded, texts within their limits and without control characters (a note may have
// line breaks), By and At set.
func (s Status) Validate() error {
	switch {
	case !s.Code.Valid():
		return fmt.Errorf("%w: unknown code %q", ErrBadStatus, s.Code)
	case s.Code == StatusForwarded && strings.TrimSpace(s.To) == "":
		return fmt.Errorf("%w: a forwarded matter needs where it went", ErrBadStatus)
	case s.Code != StatusForwarded && s.To != "":
		return fmt.Errorf("%w: only a forwarded matter has a destination", ErrBadStatus)
	case utf8.RuneCountInString(s.Note) > MaxStatusNote:
		return fmt.Errorf("%w: the note is longer than %d characters", ErrBadStatus, MaxStatusNote)
	case utf8.RuneCountInString(s.To) > MaxStatusTo:
		return fmt.Errorf("%w: the destination is longer than %d characters", ErrBadStatus, MaxStatusTo)
	case s.By == "" || utf8.RuneCountInString(s.By) > MaxStatusBy:
		return fmt.Errorf("%w: who set it must be 1-%d characters", ErrBadStatus, MaxStatusBy)
	case !plainText(s.Note, true) || !printable(s.To) || !printable(s.By):
		return fmt.Errorf("%w: control characters in the text", ErrBadStatus)
	case s.At.IsZero():
		return fmt.Errorf("%w: no time", ErrBadStatus)
	}
	return nil
}

// plainText is printable, with line breaks allowed when lines is set.
func plainText(s string, lines bool) bool {
	for _, r := range s {
		if lines && (r == '\n' || r == '\r') {
			continue
		}
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// StatusStore keeps submissions' statuses and finds submissions by the reference residents
// hold. Implementations keep every status ever set.
type StatusStore interface {
	// SetStatus appends s (validated with Status.Validate, else ErrBadStatus) to the history
	// of the municipality's submission id. A submission that is unknown or another
	// municipality's gives ErrNotFound and stores nothing.
	SetStatus(ctx context.Context, municipality, id string, s Status) error
	// StatusOf is the latest status of the municipality's submission id; one that never had
	// a status set is StatusReceived at its Received time, with no By. Unknown or another
	// municipality's: ErrNotFound.
	StatusOf(ctx context.Context, municipality, id string) (Status, error)
	// StatusHistory lists the statuses set on the submission, oldest first (none for one
	// never changed); ErrNotFound as StatusOf.
	StatusHistory(ctx context.Context, municipality, id string) ([]Status, error)
	// SubmissionsByRef finds the submissions a kiosk reference names, without their
	// ciphertext (CiphertextSize set), in arrival order within a municipality (municipalities
	// in name order). The reference is compared in its
	// canonical form (CanonicalRef), so "prz 7k4m q2" finds "PRZ-7K4M-Q2". municipality ""
	// searches all. Usually one submission or none; more when kiosks drew the same reference.
	SubmissionsByRef(ctx context.Context, municipality, ref string) ([]Record, error)
}

// CanonicalRef is the form a reference is indexed and looked up by: outbox.NormalizeRef's
// when it is a valid kiosk reference, else the string as it is (older or foreign references
// are still found when typed exactly).
func CanonicalRef(ref string) string {
	if c, ok := outbox.NormalizeRef(ref); ok {
		return c
	}
	return ref
}

// StatusSource is what the status operations use of a Storage.
type StatusSource interface {
	StatusStore
}

// StatusReport is what the operator (and the panel) see of one submission's status: its
// metadata, never its content.
type StatusReport struct {
	ID           string    `json:"id"`
	Ref          string    `json:"ref"`
	PortalRef    string    `json:"portal_ref"`
	Municipality string    `json:"municipality"`
	Procedure    string    `json:"procedure"`
	Created      time.Time `json:"created"`
	Received     time.Time `json:"received"`
	ClockSuspect bool      `json:"clock_suspect,omitempty"`
	Current      Status    `json:"current"`
	History      []Status  `json:"history"`
}

// FindSubmission is the one submission ref names, in municipality ("" for any). id, when
// set, picks among several (ErrAmbiguous without it) and must be one of them.
func FindSubmission(ctx context.Context, st StatusSource, municipality, ref, id string) (Record, error) {
	recs, err := st.SubmissionsByRef(ctx, municipality, ref)
	if err != nil {
		return Record{}, fmt.Errorf("find %s: %w", ref, err)
	}
	if id != "" {
		for _, r := range recs {
			if r.ID == id {
				return r, nil
			}
		}
		return Record{}, fmt.Errorf("no submission %s with reference %s: %w", id, ref, ErrNotFound)
	}
	switch len(recs) {
	case 0:
		return Record{}, fmt.Errorf("no submission with reference %s: %w", ref, ErrNotFound)
	case 1:
		return recs[0], nil
	}
	var b strings.Builder
	for _, r := range recs {
		fmt.Fprintf(&b, "\n  %s  %s  %s  %s", r.ID, r.Municipality, r.PortalRef, r.Procedure)
	}
	return Record{}, fmt.Errorf("%w: %s names %d submissions, choose one by its ID:%s", ErrAmbiguous, ref, len(recs), b.String())
}

// SubmissionStatus reports the status and history of the submission ref (and id) names.
func SubmissionStatus(ctx context.Context, st StatusSource, municipality, ref, id string) (StatusReport, error) {
	r, err := FindSubmission(ctx, st, municipality, ref, id)
	if err != nil {
		return StatusReport{}, err
	}
	return statusReport(ctx, st, r)
}

// SetSubmissionStatus sets the status of the submission ref (and id) names and reports it.
func SetSubmissionStatus(ctx context.Context, st StatusSource, municipality, ref, id string, s Status) (StatusReport, error) {
	if err := s.Validate(); err != nil {
		return StatusReport{}, err
	}
	r, err := FindSubmission(ctx, st, municipality, ref, id)
	if err != nil {
		return StatusReport{}, err
	}
	if err := st.SetStatus(ctx, r.Municipality, r.ID, s); err != nil {
		return StatusReport{}, fmt.Errorf("set status of %s: %w", r.Ref, err)
	}
	return statusReport(ctx, st, r)
}

func statusReport(ctx context.Context, st StatusSource, r Record) (StatusReport, error) {
	cur, err := st.StatusOf(ctx, r.Municipality, r.ID)
	if err != nil {
		return StatusReport{}, fmt.Errorf("status of %s: %w", r.Ref, err)
	}
	hist, err := st.StatusHistory(ctx, r.Municipality, r.ID)
	if err != nil {
		return StatusReport{}, fmt.Errorf("status history of %s: %w", r.Ref, err)
	}
	return StatusReport{
		ID: r.ID, Ref: r.Ref, PortalRef: r.PortalRef, Municipality: r.Municipality, Procedure: r.Procedure,
		Created: r.Created, Received: r.Received, ClockSuspect: r.ClockSuspect, Current: cur, History: hist,
	}, nil
}

// ParseStatusCode reads a status as an operator types it: the code, or its Polish name with
// or without diacritics ("w realizacji", "załatwiony", "przekazany").
func ParseStatusCode(s string) (StatusCode, error) {
	k := strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ' ' || r == '-' || r == '_' }), "_")
	k = strings.NewReplacer("ę", "e", "ł", "l", "ą", "a").Replace(k)
	switch k {
	case "received", "przyjety":
		return StatusReceived, nil
	case "in_progress", "w_realizacji":
		return StatusInProgress, nil
	case "settled", "zalatwiony":
		return StatusSettled, nil
	case "rejected", "odrzucony":
		return StatusRejected, nil
	case "forwarded", "przekazany", "przekazany_do":
		return StatusForwarded, nil
	}
	return "", fmt.Errorf("%w: %q is none of przyjęty, w-realizacji, załatwiony, odrzucony, przekazany", ErrBadStatus, s)
}

// PolishName is the code as the office says it (for the operator's command).
func (c StatusCode) PolishName() string {
	switch c {
	case StatusReceived:
		return "przyjęty"
	case StatusInProgress:
		return "w realizacji"
	case StatusSettled:
		return "załatwiony"
	case StatusRejected:
		return "odrzucony"
	case StatusForwarded:
		return "przekazany do"
	}
	return string(c)
}
