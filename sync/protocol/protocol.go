// Package protocol is the wire format shared by the kiosk's sync client and infomat-portal:
// HTTP/JSON under /api/v1, described request by request in docs/protocol.md. Both ends import
// these types, so a field cannot mean one thing on the kiosk and another on the portal.
package protocol

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Version is the protocol version in every path.
const Version = "v1"

// Paths. {id} and {sha} are path parameters.
const (
	PathEnroll      = "/api/v1/enroll"           // POST EnrollRequest → EnrollResponse (no auth: the token is the credential)
	PathManifest    = "/api/v1/content/manifest" // GET → SignedManifest
	PathBlob        = "/api/v1/content/blobs/"   // GET {sha} → raw bytes (content-addressed)
	PathSubmission  = "/api/v1/submissions/"     // PUT {id} Submission → Receipt (idempotent by id)
	PathHeartbeat   = "/api/v1/heartbeat"        // POST Heartbeat → 204
	PathRetire      = "/api/v1/retire"           // POST (no body) → 204: the device gives up its identity (re-provisioning)
	PathTime        = "/api/v1/time"             // GET ?municipality=M&nonce=N → SignedTime (no auth: the signature is the proof)
	HeaderDevice    = "Authorization"            // "Bearer <device id>:<device secret>"
	MaxBody         = 8 << 20                    // the largest request body a portal accepts
	MaxCiphertext   = 4 << 20                    // the largest submission ciphertext
	ContentTypeJSON = "application/json"
)

// EnrollRequest trades a one-time enrolment token for device credentials.
type EnrollRequest struct {
	Token      string `json:"token"`
	Hostname   string `json:"hostname"`
	AppVersion string `json:"app_version"`
	// Label is where the device stands ("Biblioteka, parter"), for the fleet; empty keeps
	// the token's label, if it has one.
	Label string `json:"label,omitempty"`
}

// EnrollResponse gives the device its identity and what to trust.
type EnrollResponse struct {
	DeviceID     string `json:"device_id"`
	Secret       string `json:"secret"`       // the device's bearer secret; the portal keeps only its hash
	Municipality string `json:"municipality"` // the municipality the token was made for
	SigningKey   string `json:"signing_key"`  // base64 ed25519 public key that signs content manifests: pin it
	// Label is the device's label in the fleet: the request's, else the token's, else empty.
	Label string `json:"label,omitempty"`
}

// Manifest lists one published content bundle.
type Manifest struct {
	Municipality string          `json:"municipality"`
	Version      uint64          `json:"version"` // strictly increasing per municipality
	Created      time.Time       `json:"created"`
	Expires      time.Time       `json:"expires"`         // a kiosk refuses a manifest past this (freeze attack)
	Label        string          `json:"label"`           // e.g. the content hash or a clerk's note
	Files        map[string]File `json:"files,omitempty"` // bundle path → blob
	// Index lists the rest of the bundle in shards: each is a blob holding a JSON object
	// path → File (ShardOf decides which shard a path is in). Its hash is signed here, so a
	// shard is as trustworthy as the manifest, and a change to one file changes one small
	// shard: a kiosk downloads the manifest, that shard and the file, not a list of all files.
	Index []File `json:"index,omitempty"`
	// Limits are the size limits the bundle was published under; a kiosk applies them (capped
	// by its own hard maxima) to the sizes listed here before downloading and to the bytes
	// while downloading. Absent in manifests from older portals: the defaults apply.
	Limits *Limits `json:"limits,omitempty"`
}

// Limits bound a bundle's file sizes in bytes, as content.Limits (which converts to and from
// it): Page for text files (Markdown, YAML), Attachment for files under pliki/, Bundle for
// all files together. Zero means the default.
type Limits struct {
	Page       int64 `json:"page,omitempty"`
	Attachment int64 `json:"attachment,omitempty"`
	Bundle     int64 `json:"bundle,omitempty"`
}

// ShardCount is how many index shards a bundle of n files gets: about 16 files a shard, a
// power of two, at most 256.
func ShardCount(n int) int {
	s := 1
	for s < 256 && s*16 < n {
		s *= 2
	}
	return s
}

// ShardOf is the index shard of a path among count shards (count a power of two ≤ 256).
func ShardOf(path string, count int) int {
	h := sha256.Sum256([]byte(path))
	return int(h[0]) % count
}

// File is one file of a bundle, addressed by its content.
type File struct {
	SHA256 string `json:"sha256"` // hex
	Size   int64  `json:"size"`
}

// SignedManifest carries the manifest exactly as signed: Payload is the manifest's JSON, the
// signature covers those bytes, so re-encoding can never break or fake a signature.
type SignedManifest struct {
	Payload   string `json:"payload"`   // base64 of the manifest JSON
	Signature string `json:"signature"` // base64 ed25519 signature of the payload bytes
}

// Errors a kiosk acts on when checking a manifest.
var (
	ErrBadSignature = errors.New("manifest signature does not verify")
	ErrExpired      = errors.New("manifest has expired")
	ErrRollback     = errors.New("manifest is older than the content already active")
	ErrWrongPlace   = errors.New("manifest is for another municipality")
)

// Sign signs a manifest.
func Sign(m Manifest, key ed25519.PrivateKey) (SignedManifest, error) {
	payload, err := json.Marshal(m)
	if err != nil {
		return SignedManifest{}, fmt.Errorf("sign manifest: %w", err)
	}
	return SignedManifest{
		Payload:   base64.StdEncoding.EncodeToString(payload),
		Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(key, payload)),
	}, nil
}

// Verify checks the signature against the pinned key and the manifest against what the kiosk
// has: the municipality it enrolled for, the version it runs (a replayed older manifest is a
// rollback), and the time (an expired manifest is a freeze). now is the kiosk's clock.
func (s SignedManifest) Verify(key ed25519.PublicKey, municipality string, active uint64, now time.Time) (Manifest, error) {
	payload, err := base64.StdEncoding.DecodeString(s.Payload)
	if err != nil {
		return Manifest{}, fmt.Errorf("%w: payload is not base64", ErrBadSignature)
	}
	sig, err := base64.StdEncoding.DecodeString(s.Signature)
	if err != nil || len(key) != ed25519.PublicKeySize || !ed25519.Verify(key, payload, sig) {
		return Manifest{}, ErrBadSignature
	}
	var m Manifest
	if err := json.Unmarshal(payload, &m); err != nil {
		return Manifest{}, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	switch {
	case m.Municipality != municipality:
		return m, fmt.Errorf("%w: %q", ErrWrongPlace, m.Municipality)
	case m.Version < active:
		return m, fmt.Errorf("%w: %d < %d", ErrRollback, m.Version, active)
	case !now.Before(m.Expires):
		return m, fmt.Errorf("%w: %s", ErrExpired, m.Expires.Format(time.RFC3339))
	}
	return m, nil
}

// SignedTime is the portal's time, signed with the municipality's content signing key over
// a nonce the kiosk chose: the one time source a kiosk lets move its clock backwards or raise
// its stored trusted time. An unsigned Date header, even over TLS, is not enough: a kiosk
// whose clock is wrong cannot check a certificate's dates, so the connection may be to a
// server holding an old, expired certificate's key.
type SignedTime struct {
	Time      string `json:"time"`      // RFC 3339, UTC, exactly as signed
	Nonce     string `json:"nonce"`     // the kiosk's nonce, echoed
	Signature string `json:"signature"` // base64 ed25519 signature of TimeMessage
}

// ErrBadTimeSignature: a signed time that does not verify, or answers another nonce.
var ErrBadTimeSignature = errors.New("signed time does not verify")

// TimeMessage is what a SignedTime's signature covers. The domain prefix keeps it from ever
// being taken for a manifest payload (JSON) signed with the same key, or the reverse.
func TimeMessage(municipality, nonce, t string) []byte {
	return []byte("infomat-time-v1\n" + municipality + "\n" + nonce + "\n" + t)
}

// SignTime signs t (to the second, UTC) for a kiosk's nonce.
func SignTime(key ed25519.PrivateKey, municipality, nonce string, t time.Time) SignedTime {
	ts := t.UTC().Truncate(time.Second).Format(time.RFC3339)
	return SignedTime{Time: ts, Nonce: nonce,
		Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(key, TimeMessage(municipality, nonce, ts)))}
}

// Verify checks the signature against the pinned key, for the kiosk's municipality and the
// nonce it sent, and returns the time.
func (s SignedTime) Verify(key ed25519.PublicKey, municipality, nonce string) (time.Time, error) {
	if nonce == "" || s.Nonce != nonce {
		return time.Time{}, fmt.Errorf("%w: another nonce", ErrBadTimeSignature)
	}
	sig, err := base64.StdEncoding.DecodeString(s.Signature)
	if err != nil || len(key) != ed25519.PublicKeySize || !ed25519.Verify(key, TimeMessage(municipality, nonce, s.Time), sig) {
		return time.Time{}, ErrBadTimeSignature
	}
	t, err := time.Parse(time.RFC3339, s.Time)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %v", ErrBadTimeSignature, err)
	}
	return t.UTC(), nil
}

// Submission is one queued form, as the kiosk uploads it with PUT /api/v1/submissions/{id}.
// The portal stores the ciphertext unread; only the municipality's key opens it.
type Submission struct {
	ID             string    `json:"id"`  // the kiosk's 128-bit ID: the idempotency key
	Ref            string    `json:"ref"` // the reference the resident holds
	Procedure      string    `json:"procedure"`
	Office         string    `json:"office"`
	ContentVersion string    `json:"content_version"`
	Created        time.Time `json:"created"`
	Ciphertext     []byte    `json:"ciphertext"` // age, to the municipality's recipient key
	// ClockSuspect: the kiosk's clock was not trusted when it filed this, so Created is only a
	// lower bound; the portal's own receive time is the one to go by.
	ClockSuspect bool `json:"clock_suspect,omitempty"`
}

// Receipt is the portal's acknowledgement; the same ID always gets the same receipt.
type Receipt struct {
	ID        string    `json:"id"`
	PortalRef string    `json:"portal_ref"` // the portal's own reference, e.g. "2026/000123"
	Received  time.Time `json:"received"`
	// CiphertextSHA256 is the hex SHA-256 of the ciphertext the portal stored: the kiosk
	// purges its copy only when it matches what it sent, so bytes damaged on the way are
	// never mistaken for delivered.
	CiphertextSHA256 string `json:"ciphertext_sha256,omitempty"`
}

// Heartbeat is the device's health, sent every minute. No personal data.
type Heartbeat struct {
	ContentVersion uint64    `json:"content_version"`
	ContentLabel   string    `json:"content_label"`
	Queued         int       `json:"queued"`
	Oldest         time.Time `json:"oldest,omitzero"`
	Printer        string    `json:"printer"`
	PrinterOK      bool      `json:"printer_ok"`
	PaperOut       bool      `json:"paper_out"`
	Reader         string    `json:"reader"`
	ReaderOK       bool      `json:"reader_ok"`
	DiskFree       uint64    `json:"disk_free"`
	Uptime         float64   `json:"uptime_seconds"`
	AppVersion     string    `json:"app_version"`
	Sent           time.Time `json:"sent"`
	Label          string    `json:"label,omitempty"` // the device's label, when it has one (infomat setup --label)
	// Faults beyond the devices, for the fleet view.
	OutOfService  bool `json:"out_of_service,omitempty"` // no valid content: residents see "out of service"
	ClockSuspect  bool `json:"clock_suspect,omitempty"`  // the clock is behind the latest trusted time, or far from the portal's
	Salvaged      int  `json:"salvaged,omitempty"`       // submissions recovered from a corrupt store and queued again
	Unrecoverable int  `json:"unrecoverable,omitempty"`  // submissions in a corrupt store that could not be recovered
}

// Error is every error response's body, with an HTTP status of 4xx or 5xx.
type Error struct {
	Code    string `json:"code"`    // machine-readable, e.g. "unauthorized", "revoked", "too_large"
	Message string `json:"message"` // for logs and technicians
}

// Error codes.
const (
	CodeBadRequest   = "bad_request"
	CodeUnauthorized = "unauthorized"
	CodeRevoked      = "revoked"
	CodeBadToken     = "bad_token"
	CodeNotFound     = "not_found"
	CodeTooLarge     = "too_large"
	CodeConflict     = "conflict" // the same submission ID with different content
	CodeInternal     = "internal"
	// 429s, always with Retry-After: the device sent more submissions than its rate allows,
	// or its submissions not yet exported fill its storage quota. Both pass by waiting.
	CodeRateLimited   = "rate_limited"
	CodeQuotaExceeded = "quota_exceeded"
	CodeTimeout       = "timeout" // 408: the request body came too slowly
)
