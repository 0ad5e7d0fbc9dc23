package access

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// normCard canonicalises a card ID as read from the reader: surrounding
// white space (CR/LF from serial readers) is dropped and letters are
// upper-cased, so "04a1b2\r\n" and "04A1B2" are the same card.
func normCard(id string) (string, bool) {
	id = strings.ToUpper(strings.TrimSpace(id))
	if id == "" || len(id) > maxCardLen {
		return "", false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x20 || id[i] > 0x7e {
			return "", false
		}
	}
	return id, true
}

// cardHash is HMAC-SHA256(card key, normalised ID), or nil for input that
// cannot be a card ID.
func (a *Guard) cardHash(id string) []byte {
	id, ok := normCard(id)
	if !ok {
		return nil
	}
	m := hmac.New(sha256.New, a.cardKey)
	m.Write([]byte(id))
	return m.Sum(nil)
}

// cardTag names a card hash in the audit log.
func cardTag(h []byte) string { return "card " + hex.EncodeToString(h)[:PrefixLen] }

// AddCard puts a card on the allowlist. Adding a listed card is a no-op.
func (a *Guard) AddCard(id string) error {
	h := a.cardHash(id)
	if h == nil {
		return ErrCardFormat
	}
	err := a.db.Update(func(tx *bolt.Tx) error {
		_, c, err := bucket(tx)
		if err != nil {
			return err
		}
		if c.Get(h) != nil {
			return nil
		}
		if err := c.Put(h, []byte{}); err != nil {
			return err
		}
		return a.log(tx, ActionCardAdded, cardTag(h))
	})
	if err != nil {
		return fmt.Errorf("add service card: %w", err)
	}
	return nil
}

// RemoveCard takes a card off the allowlist; an error wrapping
// ErrUnknownCard if it is not listed.
func (a *Guard) RemoveCard(id string) error {
	h := a.cardHash(id)
	if h == nil {
		return fmt.Errorf("remove service card: %w", ErrUnknownCard)
	}
	return a.removeHash("remove service card", func(c *bolt.Bucket) ([]byte, error) {
		if c.Get(h) == nil {
			return nil, ErrUnknownCard
		}
		return h, nil
	})
}

// RemoveCardPrefix takes off the allowlist the card whose hash starts with
// prefix (as shown by Cards, at least 4 hex digits), for a lost card whose
// ID nobody has any more. It fails with ErrUnknownCard when no card matches
// and ErrAmbiguous when several do.
func (a *Guard) RemoveCardPrefix(prefix string) error {
	prefix = strings.ToLower(strings.TrimSpace(prefix))
	if len(prefix) < 4 {
		return fmt.Errorf("remove service card: prefix %q too short: %w", prefix, ErrAmbiguous)
	}
	return a.removeHash("remove service card "+prefix, func(c *bolt.Bucket) ([]byte, error) {
		var found []byte
		err := c.ForEach(func(k, _ []byte) error {
			if !strings.HasPrefix(hex.EncodeToString(k), prefix) {
				return nil
			}
			if found != nil {
				return ErrAmbiguous
			}
			found = bytes.Clone(k)
			return nil
		})
		if err == nil && found == nil {
			err = ErrUnknownCard
		}
		return found, err
	})
}

func (a *Guard) removeHash(op string, find func(c *bolt.Bucket) ([]byte, error)) error {
	err := a.db.Update(func(tx *bolt.Tx) error {
		_, c, err := bucket(tx)
		if err != nil {
			return err
		}
		h, err := find(c)
		if err != nil {
			return err
		}
		if err := c.Delete(h); err != nil {
			return err
		}
		return a.log(tx, ActionCardRemoved, cardTag(h))
	})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// Cards lists the allowlist for display: not the card IDs, which are not
// stored, but the first PrefixLen hex digits of each card's hash, in hash
// order. The same prefix names the card in the audit log and is accepted by
// RemoveCardPrefix. To find a given card's prefix, CardPrefix.
func (a *Guard) Cards() ([]string, error) {
	var out []string
	err := a.db.View(func(tx *bolt.Tx) error {
		_, c, err := bucket(tx)
		if err != nil {
			return err
		}
		return c.ForEach(func(k, _ []byte) error {
			out = append(out, hex.EncodeToString(k)[:PrefixLen])
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list service cards: %w", err)
	}
	return out, nil
}

// CardPrefix returns the display prefix Cards would show for id (whether or
// not it is listed), or "" if id cannot be a card ID.
func (a *Guard) CardPrefix(id string) string {
	h := a.cardHash(id)
	if h == nil {
		return ""
	}
	return hex.EncodeToString(h)[:PrefixLen]
}

// CardAllowed reports whether id is on the allowlist. It is false for
// anything that cannot be read (fail closed).
func (a *Guard) CardAllowed(id string) bool {
	h := a.cardHash(id)
	if h == nil {
		return false
	}
	ok := false
	_ = a.db.View(func(tx *bolt.Tx) error {
		_, c, err := bucket(tx)
		if err == nil {
			ok = c.Get(h) != nil
		}
		return err
	})
	return ok
}
