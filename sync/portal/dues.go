package portal

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"infomat/l10n"
	"infomat/sync/portal/dues"
	"infomat/sync/protocol"
)

// Dues (issue 16): each municipality's local taxes and fees, imported from its tax system's
// CSV export (package dues parses it) and looked up by its kiosks (PathDues, server_dues.go).
//
// Nothing clear is stored. Every identifier becomes an HMAC-SHA256 under a key derived from
// the portal's secret (panel.key, DuesKeys): the taxpayer's identifier, each access code with
// the PESEL's last four digits, each card ID. A taxpayer's record (masked name, items,
// accounts, decisions) is sealed with AES-256-GCM under another derived key, bound to its
// municipality and taxpayer key. A copy of the database alone (a backup, a dump) therefore
// tells nothing about anyone; instances sharing a PostgreSQL database share panel.key, as
// they must for the panel's TOTP secrets already.

// DuesSet is a municipality's imported dues: the head (what the panel shows) and, for
// ReplaceDues only, the entries.
type DuesSet struct {
	Municipality string    `json:"municipality"`
	Imported     time.Time `json:"imported"`
	AsOf         time.Time `json:"as_of"` // when the tax system exported the data
	// Expires is Imported plus the municipality's retention: after it the set is neither
	// served nor kept (PurgeDues).
	Expires time.Time `json:"expires"`
	// Recipient and NIP are the import's fallback for the payment slip, when the published
	// gmina.yaml names none.
	Recipient string `json:"recipient,omitempty"`
	NIP       string `json:"nip,omitempty"`
	By        string `json:"by,omitempty"`
	Taxpayers int    `json:"taxpayers"`
	Items     int    `json:"items"`
	SumDue    int64  `json:"sum_due"` // grosze, all taxpayers together: for the import's summary
	SumPaid   int64  `json:"sum_paid"`

	Entries []DuesEntry `json:"entries,omitempty"`
}

// DuesEntry is one taxpayer's sealed record and the keys that reach it.
type DuesEntry struct {
	Taxpayer []byte   `json:"taxpayer"` // DuesKeys.Taxpayer
	Codes    [][]byte `json:"codes"`    // DuesKeys.Code of each access code with the PESEL digits
	Sealed   []byte   `json:"sealed"`
}

// DuesCard is a Karta Mieszkańca registered at the office for a taxpayer, with a PIN.
type DuesCard struct {
	Municipality string    `json:"municipality"`
	Card         []byte    `json:"card"`     // DuesKeys.Card
	Taxpayer     []byte    `json:"taxpayer"` // DuesKeys.Taxpayer
	PINHash      string    `json:"pin_hash"` // argon2id of the peppered PIN (DuesKeys.pin)
	Registered   time.Time `json:"registered"`
	By           string    `json:"by,omitempty"`
}

// DuesLimit is a lockout rule: Max failures within Window lock the subject for Lock.
type DuesLimit struct {
	Max    int
	Window time.Duration
	Lock   time.Duration
}

// The lockout rules of the lookup: a card or an access code is locked after 5 wrong tries,
// a kiosk after 20 within 15 minutes, each for 15 minutes. A success resets only the card's
// or the code's count, never the kiosk's: one valid code must not wash out guesses at others.
var (
	DuesIdentityLimit = DuesLimit{Max: 5, Window: 24 * time.Hour, Lock: 15 * time.Minute}
	DuesKioskLimit    = DuesLimit{Max: 20, Window: 15 * time.Minute, Lock: 15 * time.Minute}
)

// DuesFailures is a subject's failure count as RecordDuesFailure left it.
type DuesFailures struct {
	Count       int       `json:"count"` // failures since the window began (0 right after a lock)
	First       time.Time `json:"first"`
	LockedUntil time.Time `json:"locked_until,omitzero"`
	// Expires is when the row means nothing any more (its window and lock over): PurgeDues
	// removes it then.
	Expires time.Time `json:"expires"`
}

// Remaining is how many failures the limit still allows.
func (f DuesFailures) Remaining(l DuesLimit) int { return max(l.Max-f.Count, 0) }

// next is the count after one more failure at now.
func (f DuesFailures) next(now time.Time, l DuesLimit) DuesFailures {
	if f.First.IsZero() || !now.Before(f.First.Add(l.Window)) {
		f.Count, f.First = 0, now
	}
	f.Count++
	if f.Count >= l.Max {
		f.Count, f.First, f.LockedUntil = 0, now, now.Add(l.Lock)
	}
	f.Expires = f.First.Add(l.Window)
	if f.LockedUntil.After(f.Expires) {
		f.Expires = f.LockedUntil
	}
	return f
}

// DuesStore keeps the dues: each municipality's one current set, the registered cards and
// the lookups' failure counts. The counts live in the store, not in a process, so several
// instances sharing a database count together.
type DuesStore interface {
	// ReplaceDues makes set (with its entries) the municipality's dues in one transaction:
	// a lookup sees the old set or the new one, never a mix. ErrBadMunicipal for an invalid
	// municipality.
	ReplaceDues(ctx context.Context, set DuesSet) error
	// DuesStatus is the municipality's set without entries, or ErrNotFound.
	DuesStatus(ctx context.Context, municipality string) (DuesSet, error)
	// DuesByCode returns the taxpayer key and sealed record an access-code key leads to, or
	// ErrNotFound; DuesByTaxpayer the sealed record of a taxpayer key.
	DuesByCode(ctx context.Context, municipality string, code []byte) (taxpayer, sealed []byte, err error)
	DuesByTaxpayer(ctx context.Context, municipality string, taxpayer []byte) ([]byte, error)
	// PutDuesCard registers a card, replacing an earlier registration of it; DuesCard
	// returns one or ErrNotFound.
	PutDuesCard(ctx context.Context, c DuesCard) error
	DuesCard(ctx context.Context, municipality string, card []byte) (DuesCard, error)
	// RecordDuesFailure counts one failed lookup against subject at now under lim, in one
	// transaction (concurrent callers on any instance each count), and returns the result.
	RecordDuesFailure(ctx context.Context, subject string, now time.Time, lim DuesLimit) (DuesFailures, error)
	// DuesFailures returns a subject's count (zero when none).
	DuesFailures(ctx context.Context, subject string) (DuesFailures, error)
	// ResetDuesFailures forgets a subject's failures (after a successful lookup).
	ResetDuesFailures(ctx context.Context, subject string) error
	// PurgeDues removes the sets expired at now (with their entries) and failure counts that
	// mean nothing any more; it returns the municipalities whose set it removed.
	PurgeDues(ctx context.Context, now time.Time) ([]string, error)
}

// DuesKeys are the dues' secrets, derived from the portal's secret (panel.key) with
// HKDF-SHA256: one key for the look-up HMACs, one for sealing records, one to pepper PINs.
type DuesKeys struct {
	lookup, pepper []byte
	aead           cipher.AEAD
}

// NewDuesKeys derives the keys from secret (32 bytes, panel.LoadKey's).
func NewDuesKeys(secret []byte) (*DuesKeys, error) {
	if len(secret) < 32 {
		return nil, errors.New("dues keys: the portal secret must be 32 bytes")
	}
	derive := func(info string) ([]byte, error) { return hkdf.Key(sha256.New, secret, nil, info, 32) }
	lookup, err := derive("infomat dues lookup v1")
	if err != nil {
		return nil, fmt.Errorf("dues keys: %w", err)
	}
	pepper, err := derive("infomat dues pin v1")
	if err != nil {
		return nil, fmt.Errorf("dues keys: %w", err)
	}
	seal, err := derive("infomat dues seal v1")
	if err != nil {
		return nil, fmt.Errorf("dues keys: %w", err)
	}
	block, err := aes.NewCipher(seal)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &DuesKeys{lookup: lookup, pepper: pepper, aead: aead}, nil
}

// mac is HMAC-SHA256 of the parts, each length-prefixed so no two tuples collide.
func mac(key []byte, parts ...string) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write(binary.BigEndian.AppendUint32(nil, uint32(len(p))))
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

// Taxpayer is the key of a taxpayer identifier in a municipality.
func (k *DuesKeys) Taxpayer(muni, id string) []byte { return mac(k.lookup, "taxpayer", muni, id) }

// Code is the key of an access code (as typed) with the PESEL's last four digits.
func (k *DuesKeys) Code(muni, code, pesel4 string) []byte {
	return mac(k.lookup, "code", muni, dues.NormalCode(code), pesel4)
}

// Card is the key of a card ID as the reader gives it.
func (k *DuesKeys) Card(muni, card string) []byte {
	return mac(k.lookup, "card", muni, normalCard(card))
}

func normalCard(card string) string { return strings.ToUpper(strings.TrimSpace(card)) }

// codeSubject and cardSubject are what the lockout counts: the code alone (whatever PESEL
// digits are tried with it) and the card.
func (k *DuesKeys) codeSubject(muni, code string) string {
	return "code:" + hex.EncodeToString(mac(k.lookup, "code-subject", muni, dues.NormalCode(code)))
}

func (k *DuesKeys) cardSubject(muni, card string) string {
	return "card:" + hex.EncodeToString(k.Card(muni, card))
}

func kioskSubject(device string) string { return "kiosk:" + device }

// duesTag is a subject in the audit log: 32 bits of its HMAC, short and not reversible, yet
// the same for repeated tries at one card or code (and the card's registration).
func duesTag(subject string) string {
	kind, h, _ := strings.Cut(subject, ":")
	return kind + ":" + h[:min(len(h), 8)]
}

// pinInput is what argon2id hashes: the PIN peppered with the card's key under a derived
// key, so a database copy without panel.key cannot test PINs at all.
func (k *DuesKeys) pinInput(muni, card, pin string) string {
	return hex.EncodeToString(mac(k.pepper, "pin", muni, normalCard(card), pin))
}

// DuesPINArgon2 is the PIN hash's cost: OWASP's minimum for argon2id (19 MiB, 2 passes, 1
// lane), lighter than the panel's passwords because it runs on a kiosk lookup path where
// the lockouts, not the hash, stop guessing, and the pepper already makes a stolen hash
// worthless without panel.key.
var DuesPINArgon2 = Argon2Params{Time: 2, Memory: 19 << 10, Threads: 1}

// record is a taxpayer's sealed content.
type duesRecord struct {
	Name  string             `json:"name"`
	Items []protocol.DueItem `json:"items"`
}

func duesAD(muni string, taxpayer []byte) []byte {
	return append([]byte("dues\x00"+muni+"\x00"), taxpayer...)
}

func (k *DuesKeys) seal(muni string, taxpayer []byte, rec duesRecord) ([]byte, error) {
	plain, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return k.aead.Seal(nonce, nonce, plain, duesAD(muni, taxpayer)), nil
}

func (k *DuesKeys) open(muni string, taxpayer, sealed []byte) (duesRecord, error) {
	var rec duesRecord
	n := k.aead.NonceSize()
	if len(sealed) < n {
		return rec, errors.New("dues record: sealed value too short")
	}
	plain, err := k.aead.Open(nil, sealed[:n], sealed[n:], duesAD(muni, taxpayer))
	if err != nil {
		return rec, fmt.Errorf("dues record does not open with panel.key: %w", err)
	}
	return rec, json.Unmarshal(plain, &rec)
}

// DefaultDuesRetention is how long an import is kept when the municipality sets nothing:
// about a quarter, one instalment cycle. Dues go stale as payments are booked, so an old
// export misleads more than it helps; a municipality imports again well within it.
const DefaultDuesRetention = 90 * 24 * time.Hour

// MaxDuesRetention bounds what a municipality may set.
const MaxDuesRetention = 366 * 24 * time.Hour

// DuesImportOptions describe an import.
type DuesImportOptions struct {
	Now       time.Time
	AsOf      time.Time     // default Now
	Retention time.Duration // default DefaultDuesRetention
	Recipient string        // fallbacks when gmina.yaml names none
	NIP       string
	By        string
}

// SealDues turns a parsed export into the municipality's set: keys and sealed records.
func SealDues(k *DuesKeys, muni string, f dues.File, opts DuesImportOptions) (DuesSet, error) {
	if err := ValidMunicipality(muni); err != nil {
		return DuesSet{}, err
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if opts.AsOf.IsZero() {
		opts.AsOf = opts.Now
	}
	if opts.Retention == 0 {
		opts.Retention = DefaultDuesRetention
	}
	if opts.Retention < 24*time.Hour || opts.Retention > MaxDuesRetention {
		return DuesSet{}, fmt.Errorf("okres przechowywania należności: od 1 do %d dni", int(MaxDuesRetention.Hours()/24))
	}
	set := DuesSet{Municipality: muni, Imported: opts.Now.UTC(), AsOf: opts.AsOf.UTC(),
		Expires: opts.Now.Add(opts.Retention).UTC(), Recipient: opts.Recipient, NIP: opts.NIP, By: opts.By,
		Taxpayers: len(f.Taxpayers), Items: f.Items, SumDue: f.SumDue, SumPaid: f.SumPaid}
	for _, tp := range f.Taxpayers {
		e := DuesEntry{Taxpayer: k.Taxpayer(muni, tp.ID)}
		for _, c := range tp.Codes {
			e.Codes = append(e.Codes, k.Code(muni, c, tp.PESEL4))
		}
		var err error
		if e.Sealed, err = k.seal(muni, e.Taxpayer, duesRecord{Name: tp.Name, Items: tp.Items}); err != nil {
			return DuesSet{}, fmt.Errorf("seal dues: %w", err)
		}
		set.Entries = append(set.Entries, e)
	}
	return set, nil
}

// DuesAdminStore is what importing and registering cards need: the dues and the audit log.
type DuesAdminStore interface {
	DuesStore
	AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error)
}

// StoreDues replaces the municipality's dues with set and records it in the audit log
// (counts only). actor is a panel login or "cli".
func StoreDues(ctx context.Context, st DuesAdminStore, set DuesSet, actor, remote string) error {
	if err := st.ReplaceDues(ctx, set); err != nil {
		return fmt.Errorf("import dues of %s: %w", set.Municipality, err)
	}
	_, err := st.AppendAudit(ctx, AuditEntry{At: set.Imported, Municipality: set.Municipality, Actor: actor,
		Action: "dues.import", Detail: Taxpayers(set.Taxpayers, set.Items), Remote: remote})
	return err
}

// Taxpayers is an import's size in words: "1 podatnik, 2 pozycje", "5 podatników, 22 pozycje"
// ("2 podatników" reads "dwóch podatników", as people are counted).
func Taxpayers(taxpayers, items int) string {
	return l10n.Count(taxpayers, "podatnik", "podatników", "podatników") + ", " + l10n.Count(items, "pozycja", "pozycje", "pozycji")
}

// ErrDuesTaxpayer is a card registration for a taxpayer identifier the current import does
// not have.
var ErrDuesTaxpayer = errors.New("tego identyfikatora podatnika nie ma w obecnym imporcie należności")

// NewDuesCard makes a card registration; pin "" makes a random 6-digit PIN, returned.
func NewDuesCard(k *DuesKeys, muni, card, taxpayer, pin, by string, now time.Time) (DuesCard, string, error) {
	if err := ValidMunicipality(muni); err != nil {
		return DuesCard{}, "", err
	}
	card = normalCard(card)
	if card == "" || len(card) > 128 || strings.TrimSpace(taxpayer) == "" {
		return DuesCard{}, "", errors.New("podaj numer karty i identyfikator podatnika")
	}
	if pin == "" {
		pin = NewDuesPIN()
	}
	if !validPIN(pin) {
		return DuesCard{}, "", errors.New("PIN ma mieć od 4 do 8 cyfr")
	}
	hash, err := HashPassword(k.pinInput(muni, card, pin), DuesPINArgon2)
	if err != nil {
		return DuesCard{}, "", err
	}
	return DuesCard{Municipality: muni, Card: k.Card(muni, card), Taxpayer: k.Taxpayer(muni, strings.TrimSpace(taxpayer)),
		PINHash: hash, Registered: now.UTC(), By: by}, pin, nil
}

func validPIN(pin string) bool {
	if len(pin) < 4 || len(pin) > 8 {
		return false
	}
	for _, c := range pin {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// NewDuesPIN is a random 6-digit PIN.
func NewDuesPIN() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return fmt.Sprintf("%06d", binary.BigEndian.Uint64(b[:])%1_000_000)
}

// StoreDuesCard stores a registration after checking that the current import has its
// taxpayer (ErrDuesTaxpayer), and audits it (the card by its tag only).
func StoreDuesCard(ctx context.Context, st DuesAdminStore, c DuesCard, actor, remote string) error {
	if _, err := st.DuesByTaxpayer(ctx, c.Municipality, c.Taxpayer); errors.Is(err, ErrNotFound) {
		return ErrDuesTaxpayer
	} else if err != nil {
		return fmt.Errorf("register card: %w", err)
	}
	if err := st.PutDuesCard(ctx, c); err != nil {
		return fmt.Errorf("register card: %w", err)
	}
	_, err := st.AppendAudit(ctx, AuditEntry{At: c.Registered, Municipality: c.Municipality, Actor: actor,
		Action: "dues.card", Target: duesTag("card:" + hex.EncodeToString(c.Card)), Remote: remote})
	return err
}

// ImportDues parses a CSV export (package dues), seals it and makes it the municipality's
// dues, audited. A file with bad rows gives a *dues.Problems and replaces nothing.
func ImportDues(ctx context.Context, st DuesAdminStore, k *DuesKeys, muni string, r io.Reader, opts DuesImportOptions, actor, remote string) (DuesSet, error) {
	f, err := dues.Parse(r)
	if err != nil {
		return DuesSet{}, err
	}
	set, err := SealDues(k, muni, f, opts)
	if err != nil {
		return DuesSet{}, err
	}
	if err := StoreDues(ctx, st, set, actor, remote); err != nil {
		return DuesSet{}, err
	}
	set.Entries = nil
	return set, nil
}

// PurgeExpiredDues removes what is past its retention (PurgeDues) and audits each removal.
func PurgeExpiredDues(ctx context.Context, st DuesAdminStore, now time.Time) ([]string, error) {
	gone, err := st.PurgeDues(ctx, now)
	if err != nil {
		return nil, err
	}
	for _, m := range gone {
		if _, err := st.AppendAudit(ctx, AuditEntry{At: now, Municipality: m, Actor: "portal", Action: "dues.purge",
			Detail: "upłynął okres przechowywania"}); err != nil {
			return gone, err
		}
	}
	return gone, nil
}
