// Package portal is the central portal's side of the sync protocol (infomat/sync/protocol):
// the HTTP server the kiosks talk to, the storage behind it, the operations the portal's
// command runs (tokens, publishing signed content, exporting submissions, fleet health) and
// the admin socket they run through while the server holds the store.
//
// Everything the portal keeps goes through the Storage interface and its groups (DeviceStore,
// ContentStore, SubmissionStore, FleetStore) so a PostgreSQL backend can replace the bbolt one
// (OpenBolt) without touching the server; storagetest is the contract both must pass.
package portal

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"io"
	"regexp"
	"time"

	"infomat/sync/protocol"
)

// Storage errors. Implementations return these (possibly wrapped).
var (
	ErrNotFound     = errors.New("not found")
	ErrBadToken     = errors.New("enrolment token is unknown, used or expired")
	ErrConflict     = errors.New("submission ID already used for different content")
	ErrStaleVersion = errors.New("manifest version is not newer than the latest published")
	ErrLocked       = errors.New("portal store is locked")
	ErrCorrupt      = errors.New("portal store is corrupt")
	// Polish: the operator reads it as a command's answer.
	ErrBadMunicipal = errors.New("identyfikator gminy to 1–63 znaki: małe litery a-z bez polskich znaków, cyfry i '-', na początku litera lub cyfra (np. przykladowa, nowa-wies)")
)

var municipalityRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ValidMunicipality reports whether m is a usable municipality identifier (a slug such as
// "przykladowa"). Storage keys rely on it containing no separator bytes.
func ValidMunicipality(m string) error {
	if !municipalityRE.MatchString(m) {
		return ErrBadMunicipal
	}
	return nil
}

// Token is a one-time enrolment token as stored: only its SHA-256.
type Token struct {
	Hash         []byte    `json:"-"`
	Municipality string    `json:"municipality"`
	Label        string    `json:"label,omitempty"` // the enrolled device's label unless it brings its own
	Created      time.Time `json:"created"`
	Expires      time.Time `json:"expires"`
	Used         time.Time `json:"used,omitzero"`
	Device       string    `json:"device,omitempty"` // the device it enrolled
}

// Device is an enrolled kiosk. SecretHash is SHA-256 of its bearer secret.
type Device struct {
	ID           string    `json:"id"`
	Municipality string    `json:"municipality"`
	Hostname     string    `json:"hostname"`
	Label        string    `json:"label,omitempty"` // where it stands ("Biblioteka, parter"), set at enrolment
	AppVersion   string    `json:"app_version"`     // as enrolled; heartbeats carry the current one
	SecretHash   []byte    `json:"secret_hash"`
	Enrolled     time.Time `json:"enrolled"`
	Revoked      time.Time `json:"revoked,omitzero"`
}

// IsRevoked reports whether the device was revoked.
func (d Device) IsRevoked() bool { return !d.Revoked.IsZero() }

// Record is one stored submission: the ciphertext unread, its routing metadata and where it
// came from.
type Record struct {
	ID             string    `json:"id"`
	Ref            string    `json:"ref"`
	Procedure      string    `json:"procedure"`
	Office         string    `json:"office"`
	ContentVersion string    `json:"content_version"`
	Created        time.Time `json:"created"`
	Ciphertext     []byte    `json:"ciphertext"`
	CipherSHA256   []byte    `json:"cipher_sha256"`
	Device         string    `json:"device"`
	Municipality   string    `json:"municipality"`
	PortalRef      string    `json:"portal_ref"`
	Received       time.Time `json:"received"`
	Exported       time.Time `json:"exported,omitzero"`
	// ClockSuspect: the kiosk flagged its clock as untrusted, or Created was outside what
	// a working clock gives; Received (the portal's clock) is the time to go by.
	ClockSuspect bool `json:"clock_suspect,omitempty"`
	// Quarantined is when an export set the submission aside (it did not decrypt, or its
	// payload was malformed), with the reason; zero when it is not in quarantine.
	Quarantined      time.Time `json:"quarantined,omitzero"`
	QuarantineReason string    `json:"quarantine_reason,omitempty"`

	// CiphertextSize is the ciphertext's length where a listing leaves the ciphertext out
	// (Quarantined); it is not stored.
	CiphertextSize int `json:"-"`
}

// Receipt is the acknowledgement the record stands for.
func (r Record) Receipt() protocol.Receipt {
	return protocol.Receipt{ID: r.ID, PortalRef: r.PortalRef, Received: r.Received, CiphertextSHA256: hex.EncodeToString(r.CipherSHA256)}
}

// Beat is one received heartbeat.
type Beat struct {
	Received  time.Time          `json:"received"`
	Heartbeat protocol.Heartbeat `json:"heartbeat"`
}

// HeartbeatHistory is how many heartbeats per device a Storage keeps (newest last).
const HeartbeatHistory = 10

// Published is one stored manifest.
type Published struct {
	Version uint64
	Signed  protocol.SignedManifest
}

// Storage is everything the portal keeps, in four groups by what uses them: DeviceStore
// (enrolment, authentication, revocation), ContentStore (signing keys, blobs, manifests),
// SubmissionStore (submissions, their export and quarantine) and FleetStore (heartbeats). A
// backend implements the groups; each consumer takes only the group, or the few methods, it
// uses. The contract is checked by one conformance suite, infomat/sync/portal/storagetest,
// that every backend runs.
//
// Every write method is atomic and durable when it returns nil. Implementations must be safe
// for concurrent use, and give up with the context's error when ctx is done.
type Storage interface {
	DeviceStore
	ContentStore
	SubmissionStore
	StatusStore // submissions' statuses and lookup by reference (status.go)
	InboxStore  // the clerks' listing, and one submission for their browser (inbox.go)
	FleetStore
	AccountStore
	DraftStore // the content editor's working copies (drafts.go)
	DuesStore  // the municipalities' imported dues, cards and lookup lockouts (dues.go)
	Close() error
}

// DeviceStore keeps enrolment tokens and enrolled devices: what enrols and authenticates a
// kiosk and revokes it.
type DeviceStore interface {
	// CreateToken stores an enrolment token (by hash). An invalid municipality gives
	// ErrBadMunicipal.
	CreateToken(ctx context.Context, t Token) error
	// Enroll consumes the token with this hash and stores dev (with dev.Municipality set
	// from the token) in one transaction. An error changes nothing: a token that is unknown,
	// used, or expired at now gives ErrBadToken; a device ID that exists gives another error.
	Enroll(ctx context.Context, tokenHash []byte, dev Device, now time.Time) (Device, error)
	// Device returns one device or ErrNotFound.
	Device(ctx context.Context, id string) (Device, error)
	// Devices returns every device, ordered by ID.
	Devices(ctx context.Context) ([]Device, error)
	// Revoke marks a device revoked (ErrNotFound if unknown). Revoking twice keeps the first time.
	Revoke(ctx context.Context, id string, at time.Time) error
}

// KeyStore keeps each municipality's manifest signing key.
type KeyStore interface {
	// SigningKey returns the municipality's ed25519 manifest key, generating and storing it on
	// first use (concurrent first uses get the same key). The key never leaves the store
	// except to sign. An invalid municipality gives ErrBadMunicipal.
	SigningKey(ctx context.Context, municipality string) (ed25519.PrivateKey, error)
	// KeyMunicipalities lists the municipalities that have a signing key, sorted: with
	// AccountMunicipalities, the municipalities the portal has (CheckMunicipality).
	KeyMunicipalities(ctx context.Context) ([]string, error)
}

// ContentStore keeps published content: the signing keys, content-addressed blobs and each
// municipality's signed manifests.
type ContentStore interface {
	KeyStore
	// PutBlob stores content-addressed bytes (sha = hex SHA-256 of data, else an error);
	// isNew is false when the blob was already there.
	PutBlob(ctx context.Context, sha string, data []byte) (isNew bool, err error)
	// Blob returns a blob if some manifest of the municipality references it, else ErrNotFound.
	Blob(ctx context.Context, municipality, sha string) ([]byte, error)
	// OpenBlob is Blob as a reader and its size, for serving a blob without holding it whole
	// in memory.
	OpenBlob(ctx context.Context, municipality, sha string) (io.ReadSeeker, int64, error)
	// AddManifest stores a signed manifest as the municipality's latest, and records the blobs
	// it references. version must be greater than the latest (else ErrStaleVersion) and every
	// blob must exist (else an error, and nothing is stored).
	AddManifest(ctx context.Context, municipality string, version uint64, files []string, signed protocol.SignedManifest) error
	// Manifests returns every manifest the municipality published, oldest first (none when
	// it published nothing): the version history.
	Manifests(ctx context.Context, municipality string) ([]Published, error)
	// LatestManifest returns the newest manifest, or ErrNotFound when none was published.
	LatestManifest(ctx context.Context, municipality string) (Published, error)
	// RenewManifest replaces the signature of the latest manifest with one of the same version
	// (the same content with a later expiry). A version that is not the latest (or no
	// manifest at all) gives ErrStaleVersion.
	RenewManifest(ctx context.Context, municipality string, version uint64, signed protocol.SignedManifest) error
	// Municipalities lists the municipalities that have published content, sorted.
	Municipalities(ctx context.Context) ([]string, error)
}

// SubmissionStore keeps the submissions kiosks upload, until and after they are exported.
// A submission is pending (not yet exported), in quarantine (set aside by an export), or
// exported.
type SubmissionStore interface {
	// PutSubmission stores rec unless its ID exists. For a new ID it assigns PortalRef
	// "YYYY/NNNNNN" (sequential per municipality per year of rec.Received in loc, UTC when
	// nil) and CipherSHA256 in the same transaction and returns created=true. For a known ID
	// with the same ciphertext and device it returns the stored record, created=false;
	// otherwise ErrConflict.
	PutSubmission(ctx context.Context, rec Record, loc *time.Location) (stored Record, created bool, err error)
	// HasSubmission reports whether a submission with this ID is stored.
	HasSubmission(ctx context.Context, id string) (bool, error)
	// Submissions lists a municipality's submissions in arrival order; all=false lists only
	// the pending ones, all=true also those exported or in quarantine.
	Submissions(ctx context.Context, municipality string, all bool) ([]Record, error)
	// CountSubmissions counts a municipality's stored submissions ("" for all).
	CountSubmissions(ctx context.Context, municipality string) (int, error)
	// MarkExported marks submissions exported at the given time (ErrNotFound for an unknown
	// ID, and then none is marked). Marking again keeps the first time.
	MarkExported(ctx context.Context, ids []string, at time.Time) error
	// PendingBytes is the ciphertext size of a device's submissions pending export, not
	// those in quarantine: what its storage quota counts.
	PendingBytes(ctx context.Context, device string) (int64, error)

	// Quarantine takes a pending submission out of the export, keeping it with its reason
	// (ErrNotFound if it is not pending).
	Quarantine(ctx context.Context, id, reason string, at time.Time) error
	// Quarantined lists the submissions in quarantine (of a municipality, "" for all) in
	// arrival order, without their ciphertext but with its size (CiphertextSize).
	Quarantined(ctx context.Context, municipality string) ([]Record, error)
	// Release puts a quarantined submission back among the pending ones, in its place of
	// arrival (ErrNotFound if it is not in quarantine).
	Release(ctx context.Context, id string) error
}

// FleetStore keeps what the devices report about themselves.
type FleetStore interface {
	// PutHeartbeat appends a heartbeat to the device's history, keeping HeartbeatHistory.
	PutHeartbeat(ctx context.Context, device string, b Beat) error
	// Heartbeats returns the device's kept heartbeats, oldest first (none for a device that
	// never sent one).
	Heartbeats(ctx context.Context, device string) ([]Beat, error)
}
