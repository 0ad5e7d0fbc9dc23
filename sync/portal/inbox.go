package portal

import (
	"context"
	"time"
)

// The inbox is the clerks' list of a municipality's submissions in the web panel: newest
// first, filtered by procedure, status, device and date of arrival, a page at a time. It
// reads a small summary of each submission kept beside it (never the ciphertext), so a page
// stays fast with a hundred thousand submissions stored.

// InboxQuery selects and pages a municipality's submissions. Zero fields do not filter.
type InboxQuery struct {
	Procedure string
	Status    StatusCode
	Device    string
	// From and To bound the portal's time of arrival: From <= Received < To.
	From, To time.Time
	// Offset skips that many matching entries (newest first); Limit is the page's size
	// (DefaultInboxLimit when 0, at most MaxInboxLimit).
	Offset, Limit int
}

// Page sizes of the inbox.
const (
	DefaultInboxLimit = 50
	MaxInboxLimit     = 200
)

// InboxEntry is one submission as the inbox lists it: metadata and the current status code,
// nothing of its content.
type InboxEntry struct {
	ID        string     `json:"id"`
	Ref       string     `json:"ref"`
	PortalRef string     `json:"portal_ref"`
	Procedure string     `json:"procedure"`
	Device    string     `json:"device"`
	Created   time.Time  `json:"created"`
	Received  time.Time  `json:"received"`
	Status    StatusCode `json:"status"`
	Size      int        `json:"size"` // ciphertext bytes
}

// InboxPage is one page of a query's matches and how many match in all.
type InboxPage struct {
	Entries []InboxEntry
	Total   int
}

// InboxStore lists submissions for the clerks and hands one out, ciphertext and all, to be
// decrypted in the clerk's browser.
type InboxStore interface {
	// Inbox lists the municipality's submissions matching q, newest first.
	Inbox(ctx context.Context, municipality string, q InboxQuery) (InboxPage, error)
	// Submission is the municipality's stored submission id with its ciphertext; unknown
	// or another municipality's: ErrNotFound.
	Submission(ctx context.Context, municipality, id string) (Record, error)
}

// limit is the page size q asks for, within bounds.
func (q InboxQuery) limit() int {
	switch {
	case q.Limit <= 0:
		return DefaultInboxLimit
	case q.Limit > MaxInboxLimit:
		return MaxInboxLimit
	}
	return q.Limit
}

// matches reports whether e passes q's filters.
func (q InboxQuery) matches(e InboxEntry) bool {
	return (q.Procedure == "" || e.Procedure == q.Procedure) &&
		(q.Status == "" || e.Status == q.Status) &&
		(q.Device == "" || e.Device == q.Device) &&
		(q.From.IsZero() || !e.Received.Before(q.From)) &&
		(q.To.IsZero() || e.Received.Before(q.To))
}
