package portal

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"infomat/content"
	"infomat/outbox"
	"infomat/sync/protocol"
)

// Limits of the small requests (the submission PUT uses protocol.MaxBody).
const (
	maxSmallBody = 64 << 10 // enrolment and heartbeat bodies
	maxMetaLen   = 256      // ref, procedure, office, content_version, hostname, app version
)

var (
	submissionIDRE = regexp.MustCompile(`^[0-9a-f]{32}$`)
	shaRE          = regexp.MustCompile(`^[0-9a-f]{64}$`)
	deviceIDRE     = regexp.MustCompile(`^k-[0-9a-f]{16}$`)
)

// Limits protect the portal from one device (or anyone) taking more than its share. Zero
// fields take the defaults; a negative SubmitRate or DeviceQuota turns that limit off.
type Limits struct {
	// SubmitRate is how many submissions a minute one device may PUT in the long run, and
	// SubmitBurst how many at once (a kiosk emptying a queue after an outage). Default 60
	// and 120: a day offline at a busy office drains in minutes, a runaway device is slowed.
	SubmitRate  float64
	SubmitBurst int
	// DeviceQuota bounds the ciphertext bytes of one device's submissions not yet exported.
	// Default 512 MiB: about 128 submissions of the largest size, tens of thousands of
	// ordinary forms; an export frees it.
	DeviceQuota int64
	// A request body must arrive within BodyGrace plus its length (the declared one, else
	// the route's limit) at MinBodyRate bytes a second. Defaults 15 s and 16 KiB/s (a poor
	// mobile link): an 8 MiB submission gets 8.5 min, an enrolment about 20 s.
	MinBodyRate int64
	BodyGrace   time.Duration
}

// Default limits (see Limits).
const (
	DefaultSubmitRate  = 60
	DefaultSubmitBurst = 120
	DefaultDeviceQuota = 512 << 20
	DefaultMinBodyRate = 16 << 10
	DefaultBodyGrace   = 15 * time.Second
	// quotaRetry is the Retry-After of a full quota: it frees only when the municipality
	// exports, so asking again every few seconds would only cost both sides.
	quotaRetry = 15 * time.Minute
)

func (l Limits) withDefaults() Limits {
	if l.SubmitRate == 0 {
		l.SubmitRate = DefaultSubmitRate
	}
	if l.SubmitBurst <= 0 {
		l.SubmitBurst = DefaultSubmitBurst
	}
	if l.DeviceQuota == 0 {
		l.DeviceQuota = DefaultDeviceQuota
	}
	if l.MinBodyRate <= 0 {
		l.MinBodyRate = DefaultMinBodyRate
	}
	if l.BodyGrace <= 0 {
		l.BodyGrace = DefaultBodyGrace
	}
	return l
}

// bodyDeadline is how long a body of the declared length (-1: unknown) may take on a route
// whose limit is limit.
func (l Limits) bodyDeadline(length, limit int64) time.Duration {
	if length < 0 || length > limit {
		length = limit
	}
	return l.BodyGrace + time.Duration(float64(length)/float64(l.MinBodyRate)*float64(time.Second))
}

// bucket is one device's token bucket for submissions.
type bucket struct {
	tokens float64
	at     time.Time
}

// allow takes a token from the device's bucket, or says how long until one is there.
func (s *Server) allow(device string) (bool, time.Duration) {
	if s.limits.SubmitRate < 0 {
		return true, 0
	}
	perSec := s.limits.SubmitRate / 60
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buckets[device]
	if b == nil {
		b = &bucket{tokens: float64(s.limits.SubmitBurst), at: now}
		s.buckets[device] = b
	}
	if el := now.Sub(b.at).Seconds(); el > 0 {
		b.tokens = min(float64(s.limits.SubmitBurst), b.tokens+el*perSec)
		b.at = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / perSec * float64(time.Second))
}

// KioskStore is what the kiosk API uses of a Storage: it authenticates and enrols devices,
// serves content and takes submissions and heartbeats. The methods are those of the groups
// (DeviceStore, ContentStore, SubmissionStore, FleetStore), documented there.
type KioskStore interface {
	Device(ctx context.Context, id string) (Device, error)
	Enroll(ctx context.Context, tokenHash []byte, dev Device, now time.Time) (Device, error)
	KeyStore
	LatestManifest(ctx context.Context, municipality string) (Published, error)
	OpenBlob(ctx context.Context, municipality, sha string) (io.ReadSeeker, int64, error)
	PutSubmission(ctx context.Context, rec Record, loc *time.Location) (stored Record, created bool, err error)
	HasSubmission(ctx context.Context, id string) (bool, error)
	PendingBytes(ctx context.Context, device string) (int64, error)
	PutHeartbeat(ctx context.Context, device string, b Beat) error
	Revoke(ctx context.Context, id string, at time.Time) error // a device retiring itself
}

// Server is the portal's HTTP API (protocol v1). Create it with NewServer.
type Server struct {
	store    KioskStore
	log      *slog.Logger
	now      func() time.Time
	loc      *time.Location
	mux      *http.ServeMux
	draining atomic.Bool
	limits   Limits

	mu      sync.Mutex
	buckets map[string]*bucket // device → its submission rate
	times   bucket             // signed-time answers, all callers together (see signedTime)

	duesStore duesLookupStore // nil: no dues lookup (server_dues.go)
	duesKeys  *DuesKeys
}

// ServerOptions configure NewServer. Zero values are fine.
type ServerOptions struct {
	Log *slog.Logger
	Now func() time.Time
	// Location decides the year of a portal reference ("2026/000123"); default Europe/Warsaw
	// when the time zone database has it, else UTC.
	Location *time.Location
	Limits   Limits
	// DuesKeys (NewDuesKeys of panel.key) turn on the dues lookup, when the store keeps
	// dues; without them PathDues answers dues_unavailable.
	DuesKeys *DuesKeys
}

// NewServer builds the API over a store (a Storage: OpenBolt's).
func NewServer(st KioskStore, opts ServerOptions) *Server {
	s := &Server{store: st, log: opts.Log, now: opts.Now, loc: opts.Location, mux: http.NewServeMux(),
		limits: opts.Limits.withDefaults(), buckets: map[string]*bucket{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.loc == nil {
		s.loc = DefaultLocation()
	}
	s.mux.HandleFunc(protocol.PathEnroll, s.method(http.MethodPost, s.enroll))
	s.mux.HandleFunc(protocol.PathManifest, s.method(http.MethodGet, s.authed(s.manifest)))
	s.mux.HandleFunc(protocol.PathBlob+"{sha}", s.method(http.MethodGet, s.authed(s.blob)))
	s.mux.HandleFunc(protocol.PathSubmission+"{id}", s.method(http.MethodPut, s.authed(s.submission)))
	s.mux.HandleFunc(protocol.PathHeartbeat, s.method(http.MethodPost, s.authed(s.heartbeat)))
	s.mux.HandleFunc(protocol.PathRetire, s.method(http.MethodPost, s.authed(s.retire)))
	s.mux.HandleFunc(protocol.PathTime, s.method(http.MethodGet, s.signedTime))
	s.mux.HandleFunc(protocol.PathDues, s.method(http.MethodPost, s.authed(s.dues)))
	if ds, ok := st.(duesLookupStore); ok && opts.DuesKeys != nil {
		s.duesStore, s.duesKeys = ds, opts.DuesKeys
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, protocol.CodeNotFound, "no such endpoint")
	})
	return s
}

// DefaultLocation is Europe/Warsaw, or UTC when the system has no time zone database (the
// command embeds one).
func DefaultLocation() *time.Location {
	if loc, err := time.LoadLocation("Europe/Warsaw"); err == nil {
		return loc
	}
	return time.UTC
}

// Drain makes the server answer every new request with 503 and Retry-After, for the moments
// of a graceful shutdown while in-flight requests finish.
func (s *Server) Drain() { s.draining.Store(true) }

// Handle serves pages for people on the API's listener (the public tracking page,
// /sprawdz/): h gets the requests matching pattern, after the server's own checks (draining,
// no-store, a body only on PUT and POST). Call it before serving.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		w.Header().Set("Retry-After", "10")
		writeError(w, http.StatusServiceUnavailable, "unavailable", "portal is shutting down, retry later")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	// A request without a body gets no read deadline: net/http reads ahead on its connection
	// at once, and a deadline passing there would cancel a long download's context.
	if r.ContentLength == 0 {
		s.mux.ServeHTTP(w, r)
		return
	}
	// Until the body is read in full, every refusal closes the connection: net/http would
	// otherwise read (drain) up to 256 KiB of the unread body, at the client's pace, before
	// answering or closing. decodeBody removes the header once the body is in.
	w.Header().Set("Connection", "close")
	defer func() {
		if w.Header().Get("Connection") == "close" {
			// Answered with the body unread: a deadline already passed makes net/http's
			// drain after the handler fail at once, so the connection closes now.
			_ = http.NewResponseController(w).SetReadDeadline(time.Now())
		}
	}()
	// The body must come at a minimum rate: a client trickling it (or sending none after
	// its headers) is cut off, not held for minutes. Real time, not s.now: this is about
	// the connection. Before authentication a body gets only the deadline of a small one;
	// authed extends it for a submission. decodeBody lifts the deadline once the body is in:
	// net/http cancels the request's context when a read deadline passes while the handler
	// still runs.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.limits.bodyDeadline(r.ContentLength, maxSmallBody)))
	if r.Method != http.MethodPut && r.Method != http.MethodPost {
		// No GET or HEAD of the API takes a body; reading one would only hold the connection.
		s.refuse(w, r, "", http.StatusBadRequest, protocol.CodeBadRequest, r.Method+" request must not have a body")
		return
	}
	s.mux.ServeHTTP(w, r)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"code":"internal","message":"encode response"}`)
	}
	w.Header().Set("Content-Type", protocol.ContentTypeJSON)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, protocol.Error{Code: code, Message: msg})
}

func (s *Server) method(m string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != m && !(m == http.MethodGet && r.Method == http.MethodHead) {
			w.Header().Set("Allow", m)
			writeError(w, http.StatusMethodNotAllowed, protocol.CodeBadRequest, r.Method+" not allowed here, use "+m)
			return
		}
		h(w, r)
	}
}

type ctxKey struct{}

// deviceFrom returns the authenticated device of a request.
func deviceFrom(r *http.Request) Device { d, _ := r.Context().Value(ctxKey{}).(Device); return d }

// refuse logs a refused request (device ID and reason, never a secret) and answers it.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, device string, status int, code, reason string) {
	s.log.Warn("request refused", "device", clip(device, 64), "path", r.URL.Path, "status", status, "code", code, "reason", reason, "remote", r.RemoteAddr)
	writeError(w, status, code, reason)
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// authed checks "Authorization: Bearer <device id>:<secret>".
func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get(protocol.HeaderDevice)
		cred, ok := strings.CutPrefix(auth, "Bearer ")
		id, secret, ok2 := strings.Cut(cred, ":")
		if !ok || !ok2 || !deviceIDRE.MatchString(id) || secret == "" {
			// Never log any part of a malformed header: without the ':' the "device" would
			// be the whole credential, secret included.
			s.refuse(w, r, "", http.StatusUnauthorized, protocol.CodeUnauthorized, "missing or malformed device credentials")
			return
		}
		dev, err := s.store.Device(r.Context(), id)
		if errors.Is(err, ErrNotFound) {
			s.refuse(w, r, id, http.StatusUnauthorized, protocol.CodeUnauthorized, "unknown device")
			return
		}
		if err != nil {
			s.internal(w, r, id, err)
			return
		}
		sum := sha256.Sum256([]byte(secret))
		if subtle.ConstantTimeCompare(sum[:], dev.SecretHash) != 1 {
			s.refuse(w, r, id, http.StatusUnauthorized, protocol.CodeUnauthorized, "wrong device secret")
			return
		}
		if dev.IsRevoked() {
			s.refuse(w, r, id, http.StatusForbidden, protocol.CodeRevoked, "device was revoked at "+dev.Revoked.UTC().Format(time.RFC3339))
			return
		}
		if r.Method == http.MethodPut && r.ContentLength != 0 {
			// Only an authenticated device gets the time a large submission takes.
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.limits.bodyDeadline(r.ContentLength, protocol.MaxBody)))
		}
		h(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, dev)))
	}
}

func (s *Server) internal(w http.ResponseWriter, r *http.Request, device string, err error) {
	s.log.Error("request failed", "device", clip(device, 64), "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, protocol.CodeInternal, "internal error, retry later")
}

// decodeBody reads one JSON value of at most limit bytes. It answers the request itself and
// returns false when the body is too large (413) or malformed (400).
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, device string, limit int64, v any) bool {
	if r.ContentLength > limit {
		s.refuse(w, r, device, http.StatusRequestEntityTooLarge, protocol.CodeTooLarge,
			fmt.Sprintf("request body of %d bytes exceeds the limit of %d", r.ContentLength, limit))
		return false
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	dec := json.NewDecoder(body)
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("trailing data after the JSON value")
			var mbe *http.MaxBytesError
			if errors.As(terr, &mbe) {
				err = terr
			}
		}
	}
	var mbe *http.MaxBytesError
	var ne net.Error
	switch {
	case err == nil:
		_ = http.NewResponseController(w).SetReadDeadline(time.Time{})
		w.Header().Del("Connection") // the body is in: the connection can be kept
		return true
	case errors.As(err, &ne) && ne.Timeout():
		s.refuse(w, r, device, http.StatusRequestTimeout, protocol.CodeTimeout, "request body came too slowly")
	case errors.As(err, &mbe):
		s.refuse(w, r, device, http.StatusRequestEntityTooLarge, protocol.CodeTooLarge, fmt.Sprintf("request body exceeds the limit of %d bytes", limit))
	default:
		s.refuse(w, r, device, http.StatusBadRequest, protocol.CodeBadRequest, "malformed JSON body: "+err.Error())
	}
	return false
}

// NewSecret returns n random bytes as lower-case hex.
func NewSecret(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// HashToken is how tokens and secrets are stored: SHA-256 (they are 256-bit random, so a
// slow hash adds nothing).
func HashToken(t string) []byte { sum := sha256.Sum256([]byte(t)); return sum[:] }

func (s *Server) enroll(w http.ResponseWriter, r *http.Request) {
	var req protocol.EnrollRequest
	if !s.decodeBody(w, r, "", maxSmallBody, &req) {
		return
	}
	if req.Token == "" {
		s.refuse(w, r, "", http.StatusBadRequest, protocol.CodeBadRequest, "token is missing")
		return
	}
	if len(req.Hostname) > maxMetaLen || len(req.AppVersion) > maxMetaLen || len(req.Label) > maxMetaLen {
		s.refuse(w, r, "", http.StatusBadRequest, protocol.CodeBadRequest, "hostname, app_version or label too long")
		return
	}
	if !printable(req.Hostname) || !printable(req.AppVersion) || !printable(req.Label) {
		s.refuse(w, r, "", http.StatusBadRequest, protocol.CodeBadRequest, "hostname, app_version or label has control characters")
		return
	}
	secret := NewSecret(32)
	dev := Device{
		ID:         "k-" + NewSecret(8),
		Hostname:   req.Hostname,
		AppVersion: req.AppVersion,
		Label:      strings.TrimSpace(req.Label),
		SecretHash: HashToken(secret),
		Enrolled:   s.now(),
	}
	dev, err := s.store.Enroll(r.Context(), HashToken(req.Token), dev, s.now())
	if errors.Is(err, ErrBadToken) {
		s.refuse(w, r, "", http.StatusUnauthorized, protocol.CodeBadToken, "enrolment token is unknown, already used or expired")
		return
	}
	if err != nil {
		s.internal(w, r, "", err)
		return
	}
	key, err := s.store.SigningKey(r.Context(), dev.Municipality)
	if err != nil {
		s.internal(w, r, dev.ID, err)
		return
	}
	s.log.Info("device enrolled", "device", dev.ID, "municipality", dev.Municipality, "hostname", dev.Hostname, "label", dev.Label)
	writeJSON(w, http.StatusOK, protocol.EnrollResponse{
		DeviceID:     dev.ID,
		Secret:       secret,
		Municipality: dev.Municipality,
		SigningKey:   PublicKeyString(key),
		Label:        dev.Label,
	})
}

// Signed-time answers are cheap (one read, one ed25519 signature) but need no credentials:
// a token bucket for all callers together keeps a flood from costing more than that, and
// kiosks ask only when their clock disagrees with the portal's.
const (
	timeRate  = 20  // answers a second in the long run
	timeBurst = 200 // a fleet starting at once after a power cut
)

var nonceRE = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// signedTime answers GET /api/v1/time: the portal's time signed with the municipality's
// content key over the kiosk's nonce (protocol.SignedTime). No credentials: a kiosk whose
// clock is wrong asks before it trusts the connection with its secret. Only municipalities
// with published content are answered, so a caller cannot make the store create keys.
func (s *Server) signedTime(w http.ResponseWriter, r *http.Request) {
	if ok, wait := s.allowTime(); !ok {
		s.tooMany(w, r, "", wait, protocol.CodeRateLimited, "too many time requests")
		return
	}
	muni, nonce := r.URL.Query().Get("municipality"), r.URL.Query().Get("nonce")
	if ValidMunicipality(muni) != nil || !nonceRE.MatchString(nonce) {
		s.refuse(w, r, "", http.StatusBadRequest, protocol.CodeBadRequest, "municipality or nonce malformed")
		return
	}
	if _, err := s.store.LatestManifest(r.Context(), muni); errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusNotFound, protocol.CodeNotFound, "no content published for this municipality")
		return
	} else if err != nil {
		s.internal(w, r, "", err)
		return
	}
	key, err := s.store.SigningKey(r.Context(), muni)
	if err != nil {
		s.internal(w, r, "", err)
		return
	}
	writeJSON(w, http.StatusOK, protocol.SignTime(key, muni, nonce, s.now()))
}

// allowTime takes a token from the signed-time bucket, or says how long until one is there.
func (s *Server) allowTime() (bool, time.Duration) {
	now := time.Now() // real time: this is about load, not the portal's notion of time
	s.mu.Lock()
	defer s.mu.Unlock()
	b := &s.times
	if b.at.IsZero() {
		b.tokens, b.at = timeBurst, now
	}
	if el := now.Sub(b.at).Seconds(); el > 0 {
		b.tokens = min(timeBurst, b.tokens+el*timeRate)
		b.at = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / timeRate * float64(time.Second))
}

// PublicKeyString is the base64 public half of a signing key, as enrolment returns it.
func PublicKeyString(key ed25519.PrivateKey) string {
	return base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
}

func (s *Server) manifest(w http.ResponseWriter, r *http.Request) {
	dev := deviceFrom(r)
	p, err := s.store.LatestManifest(r.Context(), dev.Municipality)
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusNotFound, protocol.CodeNotFound, "no content published for "+dev.Municipality+" yet")
		return
	}
	if err != nil {
		s.internal(w, r, dev.ID, err)
		return
	}
	// Kiosks poll every few minutes: an unchanged manifest costs a 304, not its bytes.
	// A renewed manifest (same version, fresh expiry and signature) is a new ETag, so
	// kiosks that have not installed that version get the one they can still verify.
	sig := sha256.Sum256([]byte(p.Signed.Signature))
	etag := fmt.Sprintf(`"%s-%d-%x"`, dev.Municipality, p.Version, sig[:6])
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeJSON(w, http.StatusOK, p.Signed)
}

func (s *Server) blob(w http.ResponseWriter, r *http.Request) {
	dev := deviceFrom(r)
	sha := r.PathValue("sha")
	if !shaRE.MatchString(sha) {
		writeError(w, http.StatusNotFound, protocol.CodeNotFound, "blobs are named by lower-case hex SHA-256")
		return
	}
	// Streamed from the store: a blob is never whole in memory (publish bounds its size).
	rd, size, err := s.store.OpenBlob(r.Context(), dev.Municipality, sha)
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusNotFound, protocol.CodeNotFound, "no such blob for "+dev.Municipality)
		return
	}
	if err != nil {
		s.internal(w, r, dev.ID, err)
		return
	}
	if size > content.HardLimits.Attachment {
		// Stored before limits existed: no kiosk would take it, so it is not sent.
		s.internal(w, r, dev.ID, fmt.Errorf("blob %s: %d bytes, more than any kiosk accepts (%d)", sha, size, content.HardLimits.Attachment))
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("ETag", `"`+sha+`"`)
	w.Header().Set("Cache-Control", "private, max-age=31536000, immutable")
	http.ServeContent(w, r, "", time.Time{}, rd)
}

func (s *Server) submission(w http.ResponseWriter, r *http.Request) {
	dev := deviceFrom(r)
	id := r.PathValue("id")
	if !submissionIDRE.MatchString(id) {
		s.refuse(w, r, dev.ID, http.StatusBadRequest, protocol.CodeBadRequest, "submission ID must be 32 lower-case hex digits")
		return
	}
	if ok, wait := s.allow(dev.ID); !ok {
		s.tooMany(w, r, dev.ID, wait, protocol.CodeRateLimited, "too many submissions from this device, retry later")
		return
	}
	var sub protocol.Submission
	if !s.decodeBody(w, r, dev.ID, protocol.MaxBody, &sub) {
		return
	}
	now := s.now().UTC()
	switch {
	case sub.ID != id:
		s.refuse(w, r, dev.ID, http.StatusBadRequest, protocol.CodeBadRequest, "body id does not match the path")
		return
	case len(sub.Ciphertext) == 0:
		s.refuse(w, r, dev.ID, http.StatusBadRequest, protocol.CodeBadRequest, "ciphertext is empty")
		return
	case len(sub.Ciphertext) > protocol.MaxCiphertext:
		s.refuse(w, r, dev.ID, http.StatusRequestEntityTooLarge, protocol.CodeTooLarge,
			fmt.Sprintf("ciphertext of %d bytes exceeds the limit of %d", len(sub.Ciphertext), protocol.MaxCiphertext))
		return
	case len(sub.Ref) > maxMetaLen || len(sub.Procedure) > maxMetaLen || len(sub.Office) > maxMetaLen || len(sub.ContentVersion) > maxMetaLen:
		s.refuse(w, r, dev.ID, http.StatusBadRequest, protocol.CodeBadRequest, fmt.Sprintf("ref, procedure, office and content_version are limited to %d bytes", maxMetaLen))
		return
	case !outbox.ValidRef(sub.Ref):
		s.refuse(w, r, dev.ID, http.StatusBadRequest, protocol.CodeBadRequest, "ref is not a kiosk reference number")
		return
	case !printable(sub.Procedure) || !printable(sub.Office) || !printable(sub.ContentVersion):
		s.refuse(w, r, dev.ID, http.StatusBadRequest, protocol.CodeBadRequest, "procedure, office and content_version must not hold control characters")
		return
	case sub.Created.Year() < 1970:
		// A missing or zeroed field, not a clock: a dead RTC reads 1970 or later.
		s.refuse(w, r, dev.ID, http.StatusBadRequest, protocol.CodeBadRequest, "created is missing or before 1970")
		return
	}
	if over, err := s.overQuota(r.Context(), dev.ID, sub); err != nil {
		s.internal(w, r, dev.ID, err)
		return
	} else if over {
		s.tooMany(w, r, dev.ID, quotaRetry, protocol.CodeQuotaExceeded,
			fmt.Sprintf("this device's submissions not yet exported fill its quota of %d bytes; they are taken when the municipality exports", s.limits.DeviceQuota))
		return
	}
	rec := Record{
		ID: sub.ID, Ref: sub.Ref, Procedure: sub.Procedure, Office: sub.Office,
		ContentVersion: sub.ContentVersion, Created: sub.Created, Ciphertext: sub.Ciphertext,
		Device: dev.ID, Municipality: dev.Municipality, Received: now,
		// Kept as sent, but a time no working clock gives marks it: the portal's Received
		// is the one to go by.
		ClockSuspect: sub.ClockSuspect || sub.Created.Before(saneSince) || sub.Created.After(now.Add(time.Hour)),
	}
	stored, created, err := s.store.PutSubmission(r.Context(), rec, s.loc)
	if errors.Is(err, ErrConflict) {
		s.refuse(w, r, dev.ID, http.StatusConflict, protocol.CodeConflict, "submission "+id+" was already received with different content")
		return
	}
	if err != nil {
		s.internal(w, r, dev.ID, err)
		return
	}
	if created {
		s.log.Info("submission received", "device", dev.ID, "id", id, "portal_ref", stored.PortalRef, "procedure", sub.Procedure)
	} else {
		s.log.Info("submission repeated", "device", dev.ID, "id", id, "portal_ref", stored.PortalRef)
	}
	writeJSON(w, http.StatusOK, stored.Receipt())
}

// overQuota reports whether storing sub would take the device past its quota. A submission
// already stored is never over: a kiosk that lost its receipt gets it again.
func (s *Server) overQuota(ctx context.Context, device string, sub protocol.Submission) (bool, error) {
	q := s.limits.DeviceQuota
	if q <= 0 {
		return false, nil
	}
	used, err := s.store.PendingBytes(ctx, device)
	if err != nil || used+int64(len(sub.Ciphertext)) <= q {
		return false, err
	}
	known, err := s.store.HasSubmission(ctx, sub.ID)
	return !known, err
}

// saneSince is the earliest creation time a working kiosk clock gives (Infomat did not
// exist before).
var saneSince = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// tooMany answers 429 with Retry-After in whole seconds (at least 1).
func (s *Server) tooMany(w http.ResponseWriter, r *http.Request, device string, wait time.Duration, code, msg string) {
	secs := max(int64(math.Ceil(wait.Seconds())), 1)
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	s.refuse(w, r, device, http.StatusTooManyRequests, code, msg)
}

// printable reports whether s is valid UTF-8 without control, format (bidi overrides) or
// other non-printing characters.
func printable(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// clean makes a device-reported string safe to show in a terminal or table: non-printing
// characters (escape codes, bidi overrides, NUL) are dropped and the rest is cut to
// maxMetaLen bytes on a character boundary.
func clean(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			continue
		}
		if b.Len()+utf8.RuneLen(r) > maxMetaLen {
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}

// sanitize bounds what a heartbeat may put into the fleet view.
func sanitize(hb protocol.Heartbeat) protocol.Heartbeat {
	hb.ContentLabel, hb.Printer, hb.Reader, hb.AppVersion = clean(hb.ContentLabel), clean(hb.Printer), clean(hb.Reader), clean(hb.AppVersion)
	hb.Label = clean(hb.Label)
	hb.Queued, hb.Salvaged, hb.Unrecoverable = max(hb.Queued, 0), max(hb.Salvaged, 0), max(hb.Unrecoverable, 0)
	if math.IsNaN(hb.Uptime) || hb.Uptime < 0 {
		hb.Uptime = 0
	}
	return hb
}

// retire is a device giving up its identity before it enrols anew (infomat setup --force on
// a device already enrolled): it is revoked as an operator's revoke would, so the old
// credentials, wherever a copy of them went, authenticate nothing any more.
func (s *Server) retire(w http.ResponseWriter, r *http.Request) {
	dev := deviceFrom(r)
	if err := s.store.Revoke(r.Context(), dev.ID, s.now()); err != nil {
		s.internal(w, r, dev.ID, err)
		return
	}
	s.log.Info("device retired itself (re-provisioned)", "device", dev.ID, "municipality", dev.Municipality)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) heartbeat(w http.ResponseWriter, r *http.Request) {
	dev := deviceFrom(r)
	var hb protocol.Heartbeat
	if !s.decodeBody(w, r, dev.ID, maxSmallBody, &hb) {
		return
	}
	hb = sanitize(hb)
	if err := s.store.PutHeartbeat(r.Context(), dev.ID, Beat{Received: s.now().UTC(), Heartbeat: hb}); err != nil {
		s.internal(w, r, dev.ID, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
