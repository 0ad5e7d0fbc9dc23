package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"infomat/dues"
	"infomat/sync/protocol"
)

// duesTimeout bounds a dues lookup: a resident is waiting at the screen, and one quick
// attempt that fails plainly serves them better than retries.
const duesTimeout = 10 * time.Second

// maxDuesLock bounds a lockout's Retry-After: lockouts last longer than the hour other
// answers are held to, but a broken header must not name next year.
const maxDuesLock = 7 * 24 * time.Hour

// Dues asks the portal for a resident's dues (issue 16): one attempt, at most duesTimeout.
// Refusals come back as the dues package's errors: *dues.RefusedError (tries left),
// *dues.LockedError (until when, from Retry-After), dues.ErrUnavailable (the municipality
// does not offer it), and dues.ErrOffline wrapping the cause for everything else — no
// network, a timeout, a 5xx, refused device credentials. Neither the request nor the answer
// is logged or kept: the PIN, the code and the PESEL digits pass through memory only.
func (c *Client) Dues(ctx context.Context, req protocol.DuesRequest) (protocol.DuesResponse, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return protocol.DuesResponse{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, duesTimeout)
	defer cancel()
	resp, err := c.exchange(ctx, http.MethodPost, protocol.PathDues, body, nil)
	if err != nil {
		return protocol.DuesResponse{}, fmt.Errorf("%w: %v", dues.ErrOffline, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		c.noteCredentials(resp.StatusCode)
		var out protocol.DuesResponse
		if err := decodeJSON(resp, &out, 1<<20); err != nil {
			return protocol.DuesResponse{}, fmt.Errorf("%w: read dues: %v", dues.ErrOffline, err)
		}
		return out, nil
	}
	now := c.clock.Now()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	var refusal protocol.DuesRefusal
	_ = json.Unmarshal(raw, &refusal)
	switch {
	case resp.StatusCode == http.StatusForbidden && refusal.Code == protocol.CodeDuesRefused:
		// The resident's identification, not the device's: Revoked stays as it is.
		return protocol.DuesResponse{}, &dues.RefusedError{Remaining: max(refusal.Remaining, 0)}
	case resp.StatusCode == http.StatusTooManyRequests && refusal.Code == protocol.CodeDuesLocked:
		lerr := &dues.LockedError{}
		if d := parseRetryAfterMax(resp.Header.Get("Retry-After"), now, maxDuesLock); d > 0 {
			lerr.Until = now.Add(d)
		}
		return protocol.DuesResponse{}, lerr
	case resp.StatusCode == http.StatusNotFound:
		// dues_unavailable, or a portal that predates the lookup: not offered either way.
		return protocol.DuesResponse{}, dues.ErrUnavailable
	}
	c.noteCredentials(resp.StatusCode)
	se := &StatusError{Status: resp.StatusCode, Code: refusal.Code}
	return protocol.DuesResponse{}, fmt.Errorf("%w: %w", dues.ErrOffline, se)
}

// Lookup is Dues in the dues package's terms: what the kiosk's UI asks (app.Dues).
func (c *Client) Lookup(ctx context.Context, req dues.Request) (dues.Statement, error) {
	resp, err := c.Dues(ctx, protocol.DuesRequest{Card: req.Card, PIN: req.PIN, Code: req.Code, PESEL4: req.PESEL4})
	if err != nil {
		return dues.Statement{}, err
	}
	st := dues.Statement{Name: resp.Name, AsOf: resp.AsOf, Recipient: resp.Recipient, NIP: resp.NIP,
		Items: make([]dues.Item, len(resp.Items))}
	for i, it := range resp.Items {
		st.Items[i] = dues.Item(it)
	}
	return st, nil
}
