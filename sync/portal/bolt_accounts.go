package portal

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The AccountStore of portal.db, in buckets of its own:
//
//	users     municipality 0x00 login -> JSON User       (operators: "" 0x00 login)
//	sessions  sha256(session ID) -> JSON Session
//	audit     municipality 0x00 seq (8 bytes BE) -> JSON AuditEntry
//
// The buckets are created by the first write that needs them, so a portal.db from before
// the panel opens unchanged and reads find no bucket as "nothing yet".
const (
	bUsers    = "users"
	bSessions = "sessions"
	bAudit    = "audit"
)

var _ AccountStore = (*Bolt)(nil)

func userKey(municipality, login string) []byte {
	return append(append([]byte(municipality), 0), login...)
}

// writeBucket is the bucket for a write, created when missing.
func writeBucket(tx *bolt.Tx, name string) (*bolt.Bucket, error) {
	return tx.CreateBucketIfNotExists([]byte(name))
}

// CreateUser implements AccountStore.
func (b *Bolt) CreateUser(ctx context.Context, u User) error {
	if err := validUserKey(u.Municipality, u.Login); err != nil {
		return err
	}
	raw, err := json.Marshal(u)
	if err != nil {
		return err
	}
	return b.update(ctx, func(tx *bolt.Tx) error {
		bk, err := writeBucket(tx, bUsers)
		if err != nil {
			return err
		}
		k := userKey(u.Municipality, u.Login)
		if bk.Get(k) != nil {
			return ErrUserExists
		}
		return bk.Put(k, raw)
	})
}

// User implements AccountStore.
func (b *Bolt) User(ctx context.Context, municipality, login string) (User, error) {
	var u User
	err := b.view(ctx, func(tx *bolt.Tx) error {
		bk := tx.Bucket([]byte(bUsers))
		if bk == nil {
			return ErrNotFound
		}
		raw := bk.Get(userKey(municipality, login))
		if raw == nil {
			return ErrNotFound
		}
		return json.Unmarshal(raw, &u)
	})
	return u, err
}

// Users implements AccountStore.
func (b *Bolt) Users(ctx context.Context, municipality string) ([]User, error) {
	var out []User
	err := b.view(ctx, func(tx *bolt.Tx) error {
		bk := tx.Bucket([]byte(bUsers))
		if bk == nil {
			return nil
		}
		prefix := userKey(municipality, "")
		c := bk.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var u User
			if err := json.Unmarshal(v, &u); err != nil {
				return fmt.Errorf("decode user %q: %w", k, err)
			}
			out = append(out, u)
		}
		return nil
	})
	return out, err
}

// UpdateUser implements AccountStore.
func (b *Bolt) UpdateUser(ctx context.Context, municipality, login string, fn func(*User) error) (User, error) {
	var u User
	err := b.update(ctx, func(tx *bolt.Tx) error {
		bk := tx.Bucket([]byte(bUsers))
		if bk == nil {
			return ErrNotFound
		}
		k := userKey(municipality, login)
		raw := bk.Get(k)
		if raw == nil {
			return ErrNotFound
		}
		u = User{}
		if err := json.Unmarshal(raw, &u); err != nil {
			return fmt.Errorf("decode user %q: %w", k, err)
		}
		if err := fn(&u); err != nil {
			return err
		}
		u.Municipality, u.Login = municipality, login
		raw, err := json.Marshal(u)
		if err != nil {
			return err
		}
		return bk.Put(k, raw)
	})
	return u, err
}

// AccountMunicipalities implements AccountStore.
func (b *Bolt) AccountMunicipalities(ctx context.Context) ([]string, error) {
	var out []string
	err := b.view(ctx, func(tx *bolt.Tx) error {
		bk := tx.Bucket([]byte(bUsers))
		if bk == nil {
			return nil
		}
		return bk.ForEach(func(k, _ []byte) error {
			m, _, _ := bytes.Cut(k, []byte{0})
			if len(m) > 0 && (len(out) == 0 || out[len(out)-1] != string(m)) {
				out = append(out, string(m))
			}
			return nil
		})
	})
	return slices.Compact(out), err
}

// CreateSession implements AccountStore.
func (b *Bolt) CreateSession(ctx context.Context, s Session) error {
	if len(s.IDHash) == 0 {
		return fmt.Errorf("session without an ID hash")
	}
	raw, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return b.update(ctx, func(tx *bolt.Tx) error {
		bk, err := writeBucket(tx, bSessions)
		if err != nil {
			return err
		}
		return bk.Put(s.IDHash, raw)
	})
}

// Session implements AccountStore.
func (b *Bolt) Session(ctx context.Context, idHash []byte) (Session, error) {
	var s Session
	err := b.view(ctx, func(tx *bolt.Tx) error {
		bk := tx.Bucket([]byte(bSessions))
		if bk == nil || len(idHash) == 0 {
			return ErrNotFound
		}
		raw := bk.Get(idHash)
		if raw == nil {
			return ErrNotFound
		}
		return json.Unmarshal(raw, &s)
	})
	s.IDHash = slices.Clone(idHash)
	return s, err
}

// TouchSession implements AccountStore.
func (b *Bolt) TouchSession(ctx context.Context, idHash []byte, at time.Time) error {
	return b.update(ctx, func(tx *bolt.Tx) error {
		bk := tx.Bucket([]byte(bSessions))
		if bk == nil || len(idHash) == 0 {
			return ErrNotFound
		}
		raw := bk.Get(idHash)
		if raw == nil {
			return ErrNotFound
		}
		var s Session
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		s.LastSeen = at
		raw, err := json.Marshal(s)
		if err != nil {
			return err
		}
		return bk.Put(idHash, raw)
	})
}

// DeleteSession implements AccountStore.
func (b *Bolt) DeleteSession(ctx context.Context, idHash []byte) error {
	return b.update(ctx, func(tx *bolt.Tx) error {
		bk := tx.Bucket([]byte(bSessions))
		if bk == nil || len(idHash) == 0 {
			return nil
		}
		return bk.Delete(idHash)
	})
}

// deleteSessionsWhere removes the sessions drop selects and counts them.
func (b *Bolt) deleteSessionsWhere(ctx context.Context, drop func(Session) bool) (int, error) {
	n := 0
	err := b.update(ctx, func(tx *bolt.Tx) error {
		n = 0
		bk := tx.Bucket([]byte(bSessions))
		if bk == nil {
			return nil
		}
		var dead [][]byte
		err := bk.ForEach(func(k, v []byte) error {
			var s Session
			if err := json.Unmarshal(v, &s); err != nil || drop(s) {
				dead = append(dead, slices.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range dead {
			if err := bk.Delete(k); err != nil {
				return err
			}
		}
		n = len(dead)
		return nil
	})
	return n, err
}

// DeleteUserSessions implements AccountStore.
func (b *Bolt) DeleteUserSessions(ctx context.Context, municipality, login string) error {
	_, err := b.deleteSessionsWhere(ctx, func(s Session) bool {
		return s.Municipality == municipality && s.Login == login
	})
	return err
}

// PurgeSessions implements AccountStore.
func (b *Bolt) PurgeSessions(ctx context.Context, idle, absolute time.Time) (int, error) {
	return b.deleteSessionsWhere(ctx, func(s Session) bool {
		return s.LastSeen.Before(idle) || s.Created.Before(absolute)
	})
}

// AppendAudit implements AccountStore.
func (b *Bolt) AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error) {
	if e.Municipality != OperatorMunicipality {
		if err := ValidMunicipality(e.Municipality); err != nil {
			return e, err
		}
	}
	err := b.update(ctx, func(tx *bolt.Tx) error {
		bk, err := writeBucket(tx, bAudit)
		if err != nil {
			return err
		}
		prefix := userKey(e.Municipality, "")
		e.Seq = 1
		// The last key of this municipality: seek past its prefix and step back.
		c := bk.Cursor()
		k, _ := c.Seek(append(slices.Clone(prefix), 0xff))
		if k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
		if k != nil && bytes.HasPrefix(k, prefix) && len(k) == len(prefix)+8 {
			e.Seq = binary.BigEndian.Uint64(k[len(prefix):]) + 1
		}
		raw, err := json.Marshal(e)
		if err != nil {
			return err
		}
		return bk.Put(append(prefix, u64(e.Seq)...), raw)
	})
	return e, err
}

// Audit implements AccountStore.
func (b *Bolt) Audit(ctx context.Context, municipality string, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	err := b.view(ctx, func(tx *bolt.Tx) error {
		bk := tx.Bucket([]byte(bAudit))
		if bk == nil {
			return nil
		}
		prefix := userKey(municipality, "")
		c := bk.Cursor()
		k, v := c.Seek(append(slices.Clone(prefix), 0xff))
		if k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix) && (limit <= 0 || len(out) < limit); k, v = c.Prev() {
			var e AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("decode audit entry %q: %w", k, err)
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}
