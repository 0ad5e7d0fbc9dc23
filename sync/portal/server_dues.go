package portal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"infomat/content"
	"infomat/sync/protocol"
)

// The kiosk's dues lookup (protocol.PathDues). A refusal looks the same whatever was wrong,
// so the answers tell nothing about which cards or codes exist; the PIN's hash is checked
// even for an unknown card. Failures count in the store (shared by instances) against the
// card or the code and against the kiosk. Logs and the audit name the device and a short
// tag of the card or code (duesTag), never what was typed, the name or the amounts.

// duesLookupStore is what the lookup uses: the dues, the audit log and the published
// gmina.yaml (for the payment slip's recipient).
type duesLookupStore interface {
	DuesStore
	AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error)
	LatestManifest(ctx context.Context, municipality string) (Published, error)
	OpenBlob(ctx context.Context, municipality, sha string) (io.ReadSeeker, int64, error)
}

// maxDuesBody bounds a lookup's body: four short strings.
const maxDuesBody = 4 << 10

var (
	dummyPINOnce sync.Once
	dummyPIN     string
)

// dummyPINHash is a hash no PIN matches, checked for unknown cards so they take as long as
// known ones.
func dummyPINHash() string {
	dummyPINOnce.Do(func() {
		h, err := HashPassword(NewSecret(16), DuesPINArgon2)
		if err != nil {
			panic(err)
		}
		dummyPIN = h
	})
	return dummyPIN
}

func (s *Server) dues(w http.ResponseWriter, r *http.Request) {
	dev := deviceFrom(r)
	ctx, muni := r.Context(), dev.Municipality
	var req protocol.DuesRequest
	if !s.decodeBody(w, r, dev.ID, maxDuesBody, &req) {
		return
	}
	byCard := req.Card != "" || req.PIN != ""
	byCode := req.Code != "" || req.PESEL4 != ""
	if byCard == byCode || max(len(req.Card), len(req.PIN), len(req.Code), len(req.PESEL4)) > 128 {
		s.refuse(w, r, dev.ID, http.StatusBadRequest, protocol.CodeBadRequest, "give card and pin, or code and pesel4")
		return
	}
	st, keys := s.duesStore, s.duesKeys
	now := s.now()
	audit := func(action, target, detail string) {
		_, err := st.AppendAudit(ctx, AuditEntry{At: now, Municipality: muni, Actor: "device:" + dev.ID,
			Action: action, Target: target, Detail: detail, Remote: r.RemoteAddr})
		if err != nil {
			s.log.Error("dues audit failed", "device", dev.ID, "err", err)
		}
	}
	if st == nil || keys == nil {
		writeError(w, http.StatusNotFound, protocol.CodeDuesUnavailable, "this portal offers no dues lookup")
		return
	}
	set, err := st.DuesStatus(ctx, muni)
	if errors.Is(err, ErrNotFound) || (err == nil && !now.Before(set.Expires)) {
		audit("dues.unavailable", "", "")
		s.log.Info("dues lookup", "device", dev.ID, "outcome", "unavailable")
		writeError(w, http.StatusNotFound, protocol.CodeDuesUnavailable, "the municipality has no current dues")
		return
	}
	if err != nil {
		s.internal(w, r, dev.ID, err)
		return
	}
	subject := keys.codeSubject(muni, req.Code)
	if byCard {
		subject = keys.cardSubject(muni, req.Card)
	}
	kiosk := kioskSubject(dev.ID)
	for _, sub := range []string{subject, kiosk} {
		f, err := st.DuesFailures(ctx, sub)
		if err != nil {
			s.internal(w, r, dev.ID, err)
			return
		}
		if f.LockedUntil.After(now) {
			s.duesLocked(w, dev.ID, sub, f.LockedUntil.Sub(now), audit)
			return
		}
	}

	taxpayer, sealed, ok, err := s.duesVerify(ctx, muni, req, byCard)
	if err != nil {
		s.internal(w, r, dev.ID, err)
		return
	}
	if !ok {
		fs, err := st.RecordDuesFailure(ctx, subject, now, DuesIdentityLimit)
		if err != nil {
			s.internal(w, r, dev.ID, err)
			return
		}
		fk, err := st.RecordDuesFailure(ctx, kiosk, now, DuesKioskLimit)
		if err != nil {
			s.internal(w, r, dev.ID, err)
			return
		}
		switch {
		case fs.LockedUntil.After(now):
			s.duesLocked(w, dev.ID, subject, fs.LockedUntil.Sub(now), audit)
		case fk.LockedUntil.After(now):
			s.duesLocked(w, dev.ID, kiosk, fk.LockedUntil.Sub(now), audit)
		default:
			left := min(fs.Remaining(DuesIdentityLimit), fk.Remaining(DuesKioskLimit))
			audit("dues.refused", duesTag(subject), "pozostało prób: "+strconv.Itoa(left))
			s.log.Info("dues lookup", "device", dev.ID, "outcome", "refused", "remaining", left)
			writeJSON(w, http.StatusForbidden, protocol.DuesRefusal{Error: protocol.Error{Code: protocol.CodeDuesRefused,
				Message: "identification did not match"}, Remaining: left})
		}
		return
	}
	if err := st.ResetDuesFailures(ctx, subject); err != nil {
		s.internal(w, r, dev.ID, err)
		return
	}
	resp := protocol.DuesResponse{AsOf: set.AsOf, Items: []protocol.DueItem{}, Recipient: set.Recipient, NIP: set.NIP}
	if sealed != nil {
		rec, err := keys.open(muni, taxpayer, sealed)
		if err != nil {
			s.internal(w, r, dev.ID, err)
			return
		}
		resp.Name = rec.Name
		if rec.Items != nil {
			resp.Items = rec.Items
		}
	}
	if name, nip := s.duesRecipient(ctx, muni); name != "" {
		resp.Recipient, resp.NIP = name, nip
	}
	audit("dues.lookup", duesTag(subject), "")
	s.log.Info("dues lookup", "device", dev.ID, "outcome", "shown")
	writeJSON(w, http.StatusOK, resp)
}

// duesVerify checks the identification: ok with the taxpayer's key and sealed record (nil
// when a card's taxpayer has nothing in the current import), or not ok.
func (s *Server) duesVerify(ctx context.Context, muni string, req protocol.DuesRequest, byCard bool) (taxpayer, sealed []byte, ok bool, err error) {
	st, keys := s.duesStore, s.duesKeys
	if !byCard {
		if len(req.PESEL4) != 4 || !ValidDigits(req.PESEL4) {
			return nil, nil, false, nil
		}
		taxpayer, sealed, err = st.DuesByCode(ctx, muni, keys.Code(muni, req.Code, req.PESEL4))
		if errors.Is(err, ErrNotFound) {
			return nil, nil, false, nil
		}
		return taxpayer, sealed, err == nil, err
	}
	c, err := st.DuesCard(ctx, muni, keys.Card(muni, req.Card))
	known := err == nil
	hash := c.PINHash
	if errors.Is(err, ErrNotFound) {
		hash = dummyPINHash()
	} else if err != nil {
		return nil, nil, false, err
	}
	match, err := CheckPassword(hash, keys.pinInput(muni, req.Card, req.PIN))
	if err != nil {
		return nil, nil, false, fmt.Errorf("card PIN hash: %w", err)
	}
	if !known || !match {
		return nil, nil, false, nil
	}
	sealed, err = st.DuesByTaxpayer(ctx, muni, c.Taxpayer)
	if errors.Is(err, ErrNotFound) {
		return c.Taxpayer, nil, true, nil
	}
	return c.Taxpayer, sealed, err == nil, err
}

// ValidDigits reports whether s is all ASCII digits (and not empty).
func ValidDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func (s *Server) duesLocked(w http.ResponseWriter, device, subject string, left time.Duration, audit func(action, target, detail string)) {
	secs := int(math.Ceil(left.Seconds()))
	audit("dues.locked", duesTag(subject), fmt.Sprintf("zablokowane na %d s", secs))
	s.log.Info("dues lookup", "device", device, "outcome", "locked", "retry_after", secs)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeError(w, http.StatusTooManyRequests, protocol.CodeDuesLocked, "too many failed tries; the lookup is locked for now")
}

// duesRecipient is the municipality's name (cut to the 20 characters of the payment code)
// and NIP from its published gmina.yaml; "" when it published none.
func (s *Server) duesRecipient(ctx context.Context, muni string) (string, string) {
	data, err := publishedFile(ctx, s.duesStore, muni, content.MunicipalityFile)
	if err != nil || data == nil {
		return "", ""
	}
	var g content.Municipality
	if yaml.Unmarshal(data, &g) != nil || strings.TrimSpace(g.Name) == "" {
		return "", ""
	}
	name := strings.TrimSpace(g.Name)
	if utf8.RuneCountInString(name) > 20 {
		name = strings.TrimSpace(string([]rune(name)[:20]))
	}
	return name, strings.TrimSpace(g.NIP)
}

// publishedFile reads one small file of the municipality's latest version (nil when it has
// none), reading only the index shard that lists it.
func publishedFile(ctx context.Context, st duesLookupStore, muni, path string) ([]byte, error) {
	p, err := st.LatestManifest(ctx, muni)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	m, err := p.Manifest()
	if err != nil {
		return nil, err
	}
	read := func(sha string) ([]byte, error) {
		rs, size, err := st.OpenBlob(ctx, muni, sha)
		if err != nil {
			return nil, err
		}
		if size > 1<<20 {
			return nil, fmt.Errorf("%s: too large", path)
		}
		return io.ReadAll(rs)
	}
	f, ok := m.Files[path]
	if !ok && len(m.Index) > 0 {
		raw, err := read(m.Index[protocol.ShardOf(path, len(m.Index))].SHA256)
		if err != nil {
			return nil, err
		}
		var shard map[string]protocol.File
		if err := json.Unmarshal(raw, &shard); err != nil {
			return nil, err
		}
		f, ok = shard[path]
	}
	if !ok {
		return nil, nil
	}
	return read(f.SHA256)
}
