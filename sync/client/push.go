package client

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"infomat/outbox"
	"infomat/sync/protocol"
)

// holdRefused is how long a submission the portal refused for good (400, 409, 413) is
// skipped. It stays in the outbox, never deleted: a technician must look at it (its
// LastError says why), and the next start of the kiosk tries it once more.
const holdRefused = 6 * time.Hour

// Push makes one pass over the outbox, oldest first. Each item is marked sending, PUT to
// the portal under its ID (the idempotency key), and on the portal's receipt marked
// delivered and purged (the ciphertext is deleted; reference and receipt stay).
//
// A failure that may pass (network error, timeout, truncated answer, 5xx, 408, 429) is
// recorded on the item (MarkFailed) and ends the pass with the error: the caller backs off
// (Run does, honouring Retry-After). A refusal that will not pass (400, 409, 413, other
// 4xx) is recorded, the item is held back for a long while and the pass goes on. 401/403
// end the pass with an error wrapping ErrRevoked. An item is never deleted here.
//
// progress, if not nil, gets one line per item, naming it by reference only.
func (c *Client) Push(ctx context.Context, ob Queue, progress func(string)) (sent int, err error) {
	c.pushMu.Lock()
	defer c.pushMu.Unlock()
	if progress == nil {
		progress = func(string) {}
	}
	// Finish purges a crash interrupted after delivery: the portal has those answers, so the
	// kiosk must not keep them.
	if _, err := ob.PurgeDelivered(); err != nil {
		return 0, fmt.Errorf("push: %w", err)
	}
	items, err := ob.Pending(0)
	if err != nil {
		return 0, fmt.Errorf("push: %w", err)
	}
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return sent, fmt.Errorf("push: %w", err)
		}
		now := c.clock.Now()
		if until, ok := c.hold[it.ID]; ok && now.Before(until) {
			continue
		}
		if err := ob.MarkSending(it.ID); err != nil {
			return sent, fmt.Errorf("push: %w", err)
		}
		rc, serr := c.send(ctx, it)
		if serr == nil {
			err := ob.MarkDelivered(it.ID, outbox.Receipt{PortalRef: rc.PortalRef, At: rc.Received})
			if err == nil {
				err = ob.Purge(it.ID)
			}
			if err != nil {
				return sent, fmt.Errorf("push %s: %w", it.Ref, err)
			}
			delete(c.hold, it.ID)
			sent++
			progress(fmt.Sprintf("%s dostarczony jako %s", it.Ref, rc.PortalRef))
			continue
		}
		if ctx.Err() != nil {
			// Shutting down: the item stays "sending" and is sent again next time.
			return sent, fmt.Errorf("push %s: %w", it.Ref, serr)
		}
		if err := ob.MarkFailed(it.ID, serr.Error()); err != nil {
			return sent, fmt.Errorf("push %s: %v; %w", it.Ref, serr, err)
		}
		if permanent(serr) {
			c.hold[it.ID] = now.Add(holdRefused)
			progress(fmt.Sprintf("%s odrzucony przez portal, zostaje w kolejce do sprawdzenia: %v", it.Ref, serr))
			continue
		}
		progress(fmt.Sprintf("%s niedostarczony: %v", it.Ref, serr))
		return sent, fmt.Errorf("push %s: %w", it.Ref, serr)
	}
	return sent, nil
}

// send PUTs one submission and returns the portal's receipt.
func (c *Client) send(ctx context.Context, it outbox.Item) (protocol.Receipt, error) {
	if len(it.Ciphertext) == 0 {
		return protocol.Receipt{}, &StatusError{Status: http.StatusBadRequest, Code: protocol.CodeBadRequest, Message: "no ciphertext in the outbox (not sent)"}
	}
	sub := protocol.Submission{
		ID: it.ID, Ref: it.Ref, Procedure: it.Procedure, Office: it.Office,
		ContentVersion: it.ContentVersion, Created: it.Created, Ciphertext: it.Ciphertext,
		ClockSuspect: it.ClockSuspect,
	}
	body, err := json.Marshal(sub)
	if err != nil {
		return protocol.Receipt{}, err
	}
	if len(it.Ciphertext) > protocol.MaxCiphertext || len(body) > protocol.MaxBody {
		// The portal would answer 413; don't upload megabytes to hear it.
		return protocol.Receipt{}, &StatusError{Status: http.StatusRequestEntityTooLarge, Code: protocol.CodeTooLarge, Message: "larger than the protocol allows (not sent)"}
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	resp, err := c.do(ctx, http.MethodPut, protocol.PathSubmission+it.ID, body)
	if err != nil {
		return protocol.Receipt{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return protocol.Receipt{}, statusError(resp, c.clock.Now())
	}
	var rc protocol.Receipt
	if err := decodeJSON(resp, &rc, 64<<10); err != nil {
		return protocol.Receipt{}, fmt.Errorf("read receipt: %w", err)
	}
	if rc.ID != it.ID || rc.PortalRef == "" {
		return protocol.Receipt{}, errors.New("portal receipt does not match the submission")
	}
	if sum := sha256.Sum256(it.Ciphertext); rc.CiphertextSHA256 != "" && rc.CiphertextSHA256 != hex.EncodeToString(sum[:]) {
		// The portal keeps other bytes under this ID than the kiosk sent: never purge on that.
		// A resend would be refused as a conflict, so it waits for a technician like one.
		return protocol.Receipt{}, &StatusError{Status: http.StatusConflict, Code: protocol.CodeConflict,
			Message: "the portal stored different bytes than were sent (damaged on the way)"}
	}
	c.noteSync()
	return rc, nil
}
