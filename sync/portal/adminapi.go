package portal

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing/fstest"
	"time"

	"infomat/content"
)

// The admin API lets the operator's commands work while `infomat-portal serve` holds the
// store: serve also listens on DATA/admin.sock (a unix socket, mode 0600, so only the portal's
// own user — root or the service user — can connect) and runs there the same operations the
// commands run against an open store. This file is the operations (the handlers); the socket
// they are served on is adminsock.go, the client side adminclient.go. Plain HTTP/JSON, paths
// under /admin/v1/:
//
//	GET  ping                                      → {"ok":true}
//	POST tokens {municipality, ttl, count}         → {tokens, expires} (ttl in nanoseconds)
//	GET  devices                                   → [Device] (without secret hashes)
//	POST revoke {device}                           → {}
//	GET  key?municipality=X                        → {public_key}
//	POST publish?municipality=X&expires=NS&label=L[&max_page=B&max_attachment=B&max_bundle=B]
//	     body: the bundle as a tar → PublishResult
//	POST export {municipality, identity, all}      → {count, ids, export, quarantined} (nothing marked yet)
//	POST export/mark {ids}                         → {} (marks those submissions exported)
//	GET  fleet?municipality=X&at=RFC3339           → [FleetRow]
//	GET  quarantine?municipality=X                 → [QuarantineEntry]
//	GET  quarantine/show?id=ID                     → QuarantineEntry
//	POST quarantine/release {id}                   → QuarantineEntry (back in the next export)
//	GET  check                                     → {} or an error naming the damage
//	GET  snapshot                                  → the database file, consistent (Bolt.Snapshot);
//	     its SHA-256 in the trailer X-Snapshot-Sha256 (backup.go)
//	GET  status?ref=R…, POST status {…}            → StatusReport (adminstatus.go)
//
// Errors are {"error": "...", "problems": [...]} with a 4xx/5xx status; problems are a content
// bundle's content.Problems. The export is two steps so that its all-or-nothing rule holds
// across the socket: the server decrypts and renders, the client writes the JSON out, and only
// once that succeeded asks the server to mark those submissions exported. A client that
// disconnects or fails to write in between marks nothing; the next export repeats them.

// DefaultMaxBundle is the largest publish body (a tar of the content folder) the admin API
// takes by default.
const DefaultMaxBundle = 512 << 20

const (
	adminPrefix   = "/admin/v1/"
	maxAdminBody  = 1 << 20 // JSON requests: an identity file, a list of IDs
	maxBundleFile = 100_000 // files in one published bundle
)

// AdminOptions configure NewAdminHandler. Zero values are fine.
type AdminOptions struct {
	Log       *slog.Logger
	Now       func() time.Time
	MaxBundle int64 // largest publish body; default DefaultMaxBundle
}

// AdminStore is what the admin operations use: every group, since they run every operator
// command, but not Close (serve owns the store).
type AdminStore interface {
	DeviceStore
	ContentStore
	SubmissionStore
	StatusStore
	FleetStore
	AccountStore
	DuesStore
}

type adminAPI struct {
	st   AdminStore
	log  *slog.Logger
	now  func() time.Time
	max  int64
	lock sync.Mutex // one export or publish at a time keeps memory bounded
}

// NewAdminHandler serves the admin API over st. Serve it only on a socket nobody but the
// portal's user can reach (ListenAdmin): it has no authentication of its own.
func NewAdminHandler(st AdminStore, opts AdminOptions) http.Handler {
	a := &adminAPI{st: st, log: opts.Log, now: opts.Now, max: opts.MaxBundle}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.max <= 0 {
		a.max = DefaultMaxBundle
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+adminPrefix+"ping", func(w http.ResponseWriter, r *http.Request) {
		adminJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	mux.HandleFunc("POST "+adminPrefix+"tokens", a.tokens)
	mux.HandleFunc("GET "+adminPrefix+"devices", a.devices)
	mux.HandleFunc("POST "+adminPrefix+"revoke", a.revoke)
	mux.HandleFunc("GET "+adminPrefix+"key", a.key)
	mux.HandleFunc("POST "+adminPrefix+"publish", a.publish)
	mux.HandleFunc("POST "+adminPrefix+"export", a.export)
	mux.HandleFunc("POST "+adminPrefix+"export/mark", a.mark)
	mux.HandleFunc("GET "+adminPrefix+"fleet", a.fleet)
	mux.HandleFunc("GET "+adminPrefix+"quarantine", a.quarantineList)
	mux.HandleFunc("GET "+adminPrefix+"quarantine/show", a.quarantineShow)
	mux.HandleFunc("POST "+adminPrefix+"quarantine/release", a.quarantineRelease)
	mux.HandleFunc("GET "+adminPrefix+"check", a.check)
	mux.HandleFunc("GET "+adminPrefix+"snapshot", a.snapshot)
	mux.HandleFunc("GET "+adminPrefix+"status", a.statusShow) // adminstatus.go
	mux.HandleFunc("POST "+adminPrefix+"status", a.statusSet)
	a.userRoutes(mux)
	a.duesRoutes(mux) // admindues.go
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		adminFail(w, http.StatusNotFound, errors.New("no such admin endpoint: "+r.Method+" "+r.URL.Path))
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		mux.ServeHTTP(w, r)
	})
}

type adminError struct {
	Error    string            `json:"error"`
	Problems []content.Problem `json:"problems,omitempty"`
	Tokens   []string          `json:"tokens,omitempty"` // created before a token create failed
}

type tokensRequest struct {
	Municipality    string        `json:"municipality"`
	TTL             time.Duration `json:"ttl"`
	Count           int           `json:"count"`
	Label           string        `json:"label,omitempty"`
	NewMunicipality bool          `json:"new_municipality,omitempty"`
}

type tokensResponse struct {
	Tokens  []string  `json:"tokens"`
	Expires time.Time `json:"expires"`
}

type revokeRequest struct {
	Device string `json:"device"`
}

type keyResponse struct {
	PublicKey string `json:"public_key"`
}

type exportRequest struct {
	Municipality string `json:"municipality"`
	Identity     string `json:"identity"` // the identity file's contents
	All          bool   `json:"all"`
}

type exportResponse struct {
	Count       int               `json:"count"`
	IDs         []string          `json:"ids"`
	Export      []byte            `json:"export"` // exactly the bytes Export writes (base64 in JSON)
	Quarantined []QuarantineEntry `json:"quarantined,omitempty"`
}

type releaseRequest struct {
	ID string `json:"id"`
}

type markRequest struct {
	IDs []string `json:"ids"`
}

func adminJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"encode response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
	clear(body)
}

// adminStatus maps an operation's error to a status; the message is the error's text, which
// the command prints exactly as it would have with the store open itself.
func adminStatus(err error) int {
	var ps content.Problems
	switch {
	case errors.As(err, &ps):
		return http.StatusUnprocessableEntity
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrBadMunicipal):
		return http.StatusBadRequest
	}
	var unknown *UnknownMunicipalityError
	if errors.As(err, &unknown) {
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}

func adminFail(w http.ResponseWriter, status int, err error) {
	body := adminError{Error: err.Error()}
	var ps content.Problems
	if errors.As(err, &ps) {
		body.Problems = ps
	}
	adminJSON(w, status, body)
}

func decodeAdmin(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAdminBody))
	if err := dec.Decode(v); err != nil {
		adminFail(w, http.StatusBadRequest, fmt.Errorf("bad request body: %w", err))
		return false
	}
	return true
}

func (a *adminAPI) tokens(w http.ResponseWriter, r *http.Request) {
	var req tokensRequest
	if !decodeAdmin(w, r, &req) {
		return
	}
	if req.Count < 1 || req.Count > 100_000 || req.TTL <= 0 {
		adminFail(w, http.StatusBadRequest, errors.New("count must be 1-100000 and the lifetime positive"))
		return
	}
	now := a.now()
	toks, err := CreateTokens(r.Context(), a.st, req.Municipality, TokenOptions{TTL: req.TTL, Count: req.Count, Label: req.Label, NewMunicipality: req.NewMunicipality}, now)
	if err != nil {
		body := adminError{Error: err.Error(), Tokens: toks}
		adminJSON(w, adminStatus(err), body)
		return
	}
	a.log.Info("admin: tokens created", "municipality", req.Municipality, "count", len(toks), "ttl", req.TTL, "new_municipality", req.NewMunicipality)
	adminJSON(w, http.StatusOK, tokensResponse{Tokens: toks, Expires: now.Add(req.TTL)})
}

func (a *adminAPI) devices(w http.ResponseWriter, r *http.Request) {
	devs, err := a.st.Devices(r.Context())
	if err != nil {
		adminFail(w, adminStatus(err), err)
		return
	}
	for i := range devs {
		devs[i].SecretHash = nil
	}
	if devs == nil {
		devs = []Device{}
	}
	adminJSON(w, http.StatusOK, devs)
}

func (a *adminAPI) revoke(w http.ResponseWriter, r *http.Request) {
	var req revokeRequest
	if !decodeAdmin(w, r, &req) {
		return
	}
	if err := a.st.Revoke(r.Context(), req.Device, a.now()); err != nil {
		adminFail(w, adminStatus(err), err)
		return
	}
	a.log.Info("admin: device revoked", "device", req.Device)
	adminJSON(w, http.StatusOK, struct{}{})
}

func (a *adminAPI) key(w http.ResponseWriter, r *http.Request) {
	muni := r.URL.Query().Get("municipality")
	if err := CheckMunicipality(r.Context(), a.st, muni, r.URL.Query().Get("new_municipality") == "1"); err != nil {
		adminFail(w, adminStatus(err), err)
		return
	}
	key, err := a.st.SigningKey(r.Context(), muni)
	if err != nil {
		adminFail(w, adminStatus(err), err)
		return
	}
	adminJSON(w, http.StatusOK, keyResponse{PublicKey: PublicKeyString(key)})
}

func (a *adminAPI) publish(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	opts := PublishOptions{Label: q.Get("label")}
	if s := q.Get("expires"); s != "" {
		ns, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			adminFail(w, http.StatusBadRequest, fmt.Errorf("bad expires %q", s))
			return
		}
		opts.Expires = time.Duration(ns)
	}
	for name, v := range limitParams(&opts.Limits) {
		if s := q.Get(name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				adminFail(w, http.StatusBadRequest, fmt.Errorf("bad %s %q", name, s))
				return
			}
			*v = n
		}
	}
	a.lock.Lock()
	defer a.lock.Unlock()
	fsys, err := readBundleTar(http.MaxBytesReader(w, r.Body, a.max), a.max)
	if err != nil {
		status := http.StatusBadRequest
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			status = http.StatusRequestEntityTooLarge
		}
		adminFail(w, status, err)
		return
	}
	opts.Now = a.now()
	muni := q.Get("municipality")
	if err := CheckMunicipality(r.Context(), a.st, muni, q.Get("new_municipality") == "1"); err != nil {
		adminFail(w, adminStatus(err), err)
		return
	}
	res, err := Publish(r.Context(), a.st, muni, fsys, opts)
	if err != nil {
		adminFail(w, adminStatus(err), err)
		return
	}
	a.log.Info("admin: content published", "municipality", muni, "version", res.Version, "label", res.Label, "files", res.Files)
	adminJSON(w, http.StatusOK, res)
}

// limitParams names the publish query parameters of a content.Limits.
func limitParams(l *content.Limits) map[string]*int64 {
	return map[string]*int64{"max_page": &l.Page, "max_attachment": &l.Attachment, "max_bundle": &l.Bundle}
}

// readBundleTar reads a content folder sent as a tar (regular files and directories only)
// into an in-memory file system.
func readBundleTar(r io.Reader, max int64) (fs.FS, error) {
	fsys := fstest.MapFS{}
	tr := tar.NewReader(r)
	var total int64
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return fsys, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read bundle: %w", err)
		}
		name := strings.TrimSuffix(h.Name, "/")
		if !fs.ValidPath(name) || name == "." {
			return nil, fmt.Errorf("read bundle: bad path %q", h.Name)
		}
		if _, dup := fsys[name]; dup {
			return nil, fmt.Errorf("read bundle: %s twice", name)
		}
		if len(fsys) >= maxBundleFile {
			return nil, fmt.Errorf("read bundle: more than %d files", maxBundleFile)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			fsys[name] = &fstest.MapFile{Mode: fs.ModeDir | 0o755}
		case tar.TypeReg:
			if h.Size < 0 || total+h.Size > max {
				return nil, fmt.Errorf("read bundle: larger than %d bytes", max)
			}
			total += h.Size
			data := make([]byte, h.Size)
			if _, err := io.ReadFull(tr, data); err != nil {
				return nil, fmt.Errorf("read bundle: %s: %w", name, err)
			}
			fsys[name] = &fstest.MapFile{Data: data, Mode: 0o644}
		default:
			return nil, fmt.Errorf("read bundle: %s: only regular files and directories", name)
		}
	}
}

// deferMark is a SubmissionStore whose MarkExported only remembers the IDs, so the admin API
// can run Export and leave the marking to the client's confirmation.
type deferMark struct {
	SubmissionStore
	ids []string
}

func (d *deferMark) MarkExported(_ context.Context, ids []string, _ time.Time) error {
	d.ids = append(d.ids, ids...)
	return nil
}

func (a *adminAPI) export(w http.ResponseWriter, r *http.Request) {
	var req exportRequest
	if !decodeAdmin(w, r, &req) {
		return
	}
	ids, err := ParseIdentities(strings.NewReader(req.Identity))
	if err != nil {
		adminFail(w, http.StatusBadRequest, err)
		return
	}
	a.lock.Lock()
	defer a.lock.Unlock()
	var buf bytes.Buffer
	defer func() { b := buf.Bytes(); clear(b[:cap(b)]) }() // personal data
	dm := &deferMark{SubmissionStore: a.st}
	res, err := ExportReport(r.Context(), dm, req.Municipality, ids, req.All, &buf, a.now())
	for _, q := range res.Quarantined {
		a.log.Warn("admin: submission quarantined", "id", q.ID, "portal_ref", q.PortalRef, "device", q.Device, "reason", q.Reason)
	}
	if err != nil {
		adminFail(w, adminStatus(err), err)
		return
	}
	if dm.ids == nil {
		dm.ids = []string{}
	}
	a.log.Info("admin: export rendered, waiting for the client to confirm", "municipality", req.Municipality, "count", res.Count, "quarantined", len(res.Quarantined), "all", req.All)
	adminJSON(w, http.StatusOK, exportResponse{Count: res.Count, IDs: dm.ids, Export: buf.Bytes(), Quarantined: res.Quarantined})
}

func (a *adminAPI) quarantineList(w http.ResponseWriter, r *http.Request) {
	list, err := QuarantineList(r.Context(), a.st, r.URL.Query().Get("municipality"))
	if err != nil {
		adminFail(w, adminStatus(err), err)
		return
	}
	adminJSON(w, http.StatusOK, list)
}

func (a *adminAPI) quarantineShow(w http.ResponseWriter, r *http.Request) {
	e, err := QuarantineShow(r.Context(), a.st, r.URL.Query().Get("id"))
	if err != nil {
		adminFail(w, adminStatus(err), err)
		return
	}
	adminJSON(w, http.StatusOK, e)
}

func (a *adminAPI) quarantineRelease(w http.ResponseWriter, r *http.Request) {
	var req releaseRequest
	if !decodeAdmin(w, r, &req) {
		return
	}
	e, err := ReleaseQuarantined(r.Context(), a.st, req.ID)
	if err != nil {
		adminFail(w, adminStatus(err), err)
		return
	}
	a.log.Info("admin: submission released from quarantine", "id", e.ID, "portal_ref", e.PortalRef)
	adminJSON(w, http.StatusOK, e)
}

// checker is a store that can check its own pages (Bolt).
type checker interface {
	Check(ctx context.Context) error
}

func (a *adminAPI) check(w http.ResponseWriter, r *http.Request) {
	c, ok := a.st.(checker)
	if !ok {
		adminFail(w, http.StatusNotImplemented, errors.New("this store cannot check itself"))
		return
	}
	if err := c.Check(r.Context()); err != nil {
		adminFail(w, http.StatusConflict, err)
		return
	}
	adminJSON(w, http.StatusOK, struct{}{})
}

// snapshotter is a store that can copy itself consistently while serving (Bolt).
type snapshotter interface {
	Snapshot(ctx context.Context, w io.Writer) (int64, error)
}

// SnapshotTrailer is the trailer of GET snapshot that carries the copy's SHA-256 (hex), sent
// after the last byte: the client compares it with what it received.
const SnapshotTrailer = "X-Snapshot-Sha256"

// snapshot streams the database: the serving process holds the store's lock, so it is the
// one that can read it. The copy is the store's own read transaction, so the portal keeps
// serving kiosks meanwhile.
func (a *adminAPI) snapshot(w http.ResponseWriter, r *http.Request) {
	s, ok := a.st.(snapshotter)
	if !ok {
		adminFail(w, http.StatusNotImplemented, errors.New("this store is not copied by the portal: back up PostgreSQL with pg_dump -Fc (docs/technician-guide.md)"))
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Trailer", SnapshotTrailer)
	h := sha256.New()
	cw := &countWriter{w: w}
	n, err := s.Snapshot(r.Context(), io.MultiWriter(cw, h))
	if err != nil {
		a.log.Error("admin: snapshot failed", "err", err, "bytes", n)
		if cw.n == 0 {
			adminFail(w, http.StatusInternalServerError, err)
			return
		}
		// The status is out: cut the connection, so the client sees a body without its
		// end and without a checksum, never a short file that looks whole.
		panic(http.ErrAbortHandler)
	}
	w.Header().Set(SnapshotTrailer, hex.EncodeToString(h.Sum(nil)))
	a.log.Info("admin: snapshot sent", "bytes", n)
}

// countWriter counts what reached w.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func (a *adminAPI) mark(w http.ResponseWriter, r *http.Request) {
	var req markRequest
	if !decodeAdmin(w, r, &req) {
		return
	}
	if err := a.st.MarkExported(r.Context(), req.IDs, a.now().UTC()); err != nil {
		adminFail(w, adminStatus(err), err)
		return
	}
	a.log.Info("admin: submissions marked exported", "count", len(req.IDs))
	adminJSON(w, http.StatusOK, struct{}{})
}

func (a *adminAPI) fleet(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	at := a.now()
	if s := q.Get("at"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			adminFail(w, http.StatusBadRequest, fmt.Errorf("bad at %q", s))
			return
		}
		at = t
	}
	rows, err := Fleet(r.Context(), a.st, q.Get("municipality"), at)
	if err != nil {
		adminFail(w, adminStatus(err), err)
		return
	}
	adminJSON(w, http.StatusOK, rows)
}
