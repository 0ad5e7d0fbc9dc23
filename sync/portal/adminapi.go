package portal

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
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
// commands run against an open store. Plain HTTP/JSON, paths under /admin/v1/:
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
//
// Errors are {"error": "...", "problems": [...]} with a 4xx/5xx status; problems are a content
// bundle's content.Problems. The export is two steps so that its all-or-nothing rule holds
// across the socket: the server decrypts and renders, the client writes the JSON out, and only
// once that succeeded asks the server to mark those submissions exported. A client that
// disconnects or fails to write in between marks nothing; the next export repeats them.

// AdminSocket is the admin socket's file name in the data directory.
const AdminSocket = "admin.sock"

// AdminSocketPath is DIR/admin.sock.
func AdminSocketPath(dir string) string { return filepath.Join(dir, AdminSocket) }

// DefaultMaxBundle is the largest publish body (a tar of the content folder) the admin API
// takes by default.
const DefaultMaxBundle = 512 << 20

const (
	adminPrefix   = "/admin/v1/"
	maxAdminBody  = 1 << 20 // JSON requests: an identity file, a list of IDs
	maxBundleFile = 100_000 // files in one published bundle
)

// ListenAdmin listens on DIR/admin.sock with mode 0600, replacing a file left there by a
// portal that did not shut down cleanly. Call it only while holding the store (after
// OpenBolt succeeded): then no other portal can be serving this directory, so whatever socket
// is there is stale. The socket is created in a private directory, restricted, and only then
// moved into place, so it is never reachable with looser permissions. Closing the listener
// removes the socket.
func ListenAdmin(dir string) (net.Listener, error) {
	path := AdminSocketPath(dir)
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("admin socket: remove stale %s: %w", path, err)
	}
	tmp, err := os.MkdirTemp(dir, ".admin-")
	if err != nil {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	defer os.RemoveAll(tmp)
	tmpPath := filepath.Join(tmp, AdminSocket)
	ln, err := net.Listen("unix", tmpPath)
	if err != nil {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false) // it moves; adminListener removes it
	if err := os.Chmod(tmpPath, 0o600); err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	if err := os.Rename(tmpPath, path); err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	return &adminListener{Listener: ln, path: path}, nil
}

type adminListener struct {
	net.Listener
	path string
	once sync.Once
	err  error
}

func (l *adminListener) Close() error {
	l.once.Do(func() {
		l.err = l.Listener.Close()
		if err := os.Remove(l.path); err != nil && !errors.Is(err, fs.ErrNotExist) && l.err == nil {
			l.err = err
		}
	})
	return l.err
}

// AdminOptions configure NewAdminHandler. Zero values are fine.
type AdminOptions struct {
	Log       *slog.Logger
	Now       func() time.Time
	MaxBundle int64 // largest publish body; default DefaultMaxBundle
}

type adminAPI struct {
	st   Storage
	log  *slog.Logger
	now  func() time.Time
	max  int64
	lock sync.Mutex // one export or publish at a time keeps memory bounded
}

// NewAdminHandler serves the admin API over st. Serve it only on a socket nobody but the
// portal's user can reach (ListenAdmin): it has no authentication of its own.
func NewAdminHandler(st Storage, opts AdminOptions) http.Handler {
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
	Municipality string        `json:"municipality"`
	TTL          time.Duration `json:"ttl"`
	Count        int           `json:"count"`
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
	if req.Count < 1 || req.Count > 100_000 {
		adminFail(w, http.StatusBadRequest, errors.New("count must be 1-100000"))
		return
	}
	now := a.now()
	var toks []string
	for range req.Count {
		tok, err := CreateToken(r.Context(), a.st, req.Municipality, req.TTL, now)
		if err != nil {
			body := adminError{Error: err.Error(), Tokens: toks}
			status := http.StatusInternalServerError
			if errors.Is(err, ErrBadMunicipal) || req.TTL <= 0 {
				status = http.StatusBadRequest
			}
			adminJSON(w, status, body)
			return
		}
		toks = append(toks, tok)
	}
	a.log.Info("admin: tokens created", "municipality", req.Municipality, "count", len(toks), "ttl", req.TTL)
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
	key, err := a.st.SigningKey(r.Context(), r.URL.Query().Get("municipality"))
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

// deferMark is a Storage whose MarkExported only remembers the IDs, so the admin API can run
// Export and leave the marking to the client's confirmation.
type deferMark struct {
	Storage
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
	dm := &deferMark{Storage: a.st}
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

// AdminClient runs operator commands through a serving portal's admin socket.
type AdminClient struct {
	hc   *http.Client
	path string
}

// DialAdmin connects to DIR/admin.sock and checks that a portal answers there. When there is
// no socket file the error wraps fs.ErrNotExist.
func DialAdmin(ctx context.Context, dir string) (*AdminClient, error) {
	path := AdminSocketPath(dir)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
		DisableCompression: true,
		MaxIdleConns:       2,
		IdleConnTimeout:    30 * time.Second,
	}
	c := &AdminClient{hc: &http.Client{Transport: tr}, path: path}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var ok map[string]bool
	if err := c.do(pctx, http.MethodGet, "ping", nil, "", nil, &ok); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Path is the socket the client talks to.
func (c *AdminClient) Path() string { return c.path }

// Close releases the client's connections.
func (c *AdminClient) Close() { c.hc.CloseIdleConnections() }

// remoteError is an error the portal reported; its text is the operation's own error.
type remoteError struct {
	status int
	msg    string
}

func (e *remoteError) Error() string { return e.msg }

// do sends a request (body: JSON of in, or raw with contentType) and decodes a 200 answer into
// out. Another status gives the portal's error: content.Problems for a bundle's problems.
func (c *AdminClient) do(ctx context.Context, method, path string, query url.Values, contentType string, in any, out any, fail ...*adminError) error {
	var body io.Reader
	switch v := in.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(v)
	default:
		raw, err := json.Marshal(v)
		if err != nil {
			return err
		}
		body = bytes.NewReader(raw)
		contentType = "application/json"
	}
	u := "http://portal-admin" + adminPrefix + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("admin socket %s: %w", c.path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e adminError
		if err := json.NewDecoder(io.LimitReader(resp.Body, maxAdminBody)).Decode(&e); err != nil || e.Error == "" {
			return fmt.Errorf("admin socket %s: %s", c.path, resp.Status)
		}
		if len(fail) > 0 && fail[0] != nil {
			*fail[0] = e
		}
		if len(e.Problems) > 0 {
			return content.Problems(e.Problems)
		}
		return &remoteError{status: resp.StatusCode, msg: e.Error}
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("admin socket %s: read answer: %w", c.path, err)
	}
	return nil
}

// CreateTokens is CreateToken count times. When one fails, the tokens created before it are
// returned with the error.
func (c *AdminClient) CreateTokens(ctx context.Context, municipality string, ttl time.Duration, count int) ([]string, time.Time, error) {
	var out tokensResponse
	var fail adminError
	if err := c.do(ctx, http.MethodPost, "tokens", nil, "", tokensRequest{Municipality: municipality, TTL: ttl, Count: count}, &out, &fail); err != nil {
		return fail.Tokens, time.Time{}, err
	}
	return out.Tokens, out.Expires, nil
}

// Devices is Storage.Devices (without the secret hashes).
func (c *AdminClient) Devices(ctx context.Context) ([]Device, error) {
	var out []Device
	err := c.do(ctx, http.MethodGet, "devices", nil, "", nil, &out)
	return out, err
}

// Revoke is Storage.Revoke at the portal's time.
func (c *AdminClient) Revoke(ctx context.Context, device string) error {
	var out struct{}
	return c.do(ctx, http.MethodPost, "revoke", nil, "", revokeRequest{Device: device}, &out)
}

// PublicKey is PublicKeyString of Storage.SigningKey.
func (c *AdminClient) PublicKey(ctx context.Context, municipality string) (string, error) {
	var out keyResponse
	err := c.do(ctx, http.MethodGet, "key", url.Values{"municipality": {municipality}}, "", nil, &out)
	return out.PublicKey, err
}

// Publish sends every file of fsys and runs Publish on the portal (opts.Now is the portal's
// time). A bundle with problems gives content.Problems, as Publish does.
func (c *AdminClient) Publish(ctx context.Context, municipality string, fsys fs.FS, opts PublishOptions) (PublishResult, error) {
	// Refuse symlinks, devices, pipes and sockets here, before reading: fs.ReadFile would
	// follow a symlink and send its target (the portal would then publish /etc/shadow).
	if _, ps, err := content.FSSizes(fsys); err != nil {
		return PublishResult{}, fmt.Errorf("read bundle: %w", err)
	} else if len(ps) > 0 {
		return PublishResult{}, ps
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == "." {
			return err
		}
		if !d.IsDir() && !d.Type().IsRegular() {
			return fmt.Errorf("%s: only regular files and directories", p)
		}
		if d.IsDir() {
			return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: p + "/", Mode: 0o755})
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: p, Mode: 0o644, Size: int64(len(data))}); err != nil {
			return err
		}
		_, err = tw.Write(data)
		return err
	})
	if err == nil {
		err = tw.Close()
	}
	if err != nil {
		return PublishResult{}, fmt.Errorf("read bundle: %w", err)
	}
	q := url.Values{"municipality": {municipality}, "label": {opts.Label}}
	if opts.Expires != 0 {
		q.Set("expires", strconv.FormatInt(int64(opts.Expires), 10))
	}
	for name, v := range limitParams(&opts.Limits) {
		if *v != 0 {
			q.Set(name, strconv.FormatInt(*v, 10))
		}
	}
	var out PublishResult
	err = c.do(ctx, http.MethodPost, "publish", q, "application/x-tar", buf.Bytes(), &out)
	return out, err
}

// Export is Export run by the portal: it decrypts there with the identity file's contents,
// the JSON is written to w here, and only once that succeeded (and w, if a file, was synced)
// the portal marks the submissions exported. If anything fails before, nothing is marked.
func (c *AdminClient) Export(ctx context.Context, municipality string, identity []byte, all bool, w io.Writer) (ExportResult, error) {
	var out exportResponse
	err := c.do(ctx, http.MethodPost, "export", nil, "", exportRequest{Municipality: municipality, Identity: string(identity), All: all}, &out)
	defer clear(out.Export)
	if err != nil {
		return ExportResult{}, err
	}
	res := ExportResult{Count: out.Count, Quarantined: out.Quarantined}
	if _, err := w.Write(out.Export); err != nil {
		return res, fmt.Errorf("write export: %w", err)
	}
	if f, ok := w.(interface{ Sync() error }); ok {
		_ = f.Sync() // as Export does
	}
	if len(out.IDs) > 0 {
		var done struct{}
		if err := c.do(ctx, http.MethodPost, "export/mark", nil, "", markRequest{IDs: out.IDs}, &done); err != nil {
			return res, fmt.Errorf("the export was written but could not be marked as done (the next export repeats it): %w", err)
		}
	}
	return res, nil
}

// Quarantine is QuarantineList on the portal.
func (c *AdminClient) Quarantine(ctx context.Context, municipality string) ([]QuarantineEntry, error) {
	var out []QuarantineEntry
	var q url.Values
	if municipality != "" {
		q = url.Values{"municipality": {municipality}}
	}
	err := c.do(ctx, http.MethodGet, "quarantine", q, "", nil, &out)
	return out, err
}

// QuarantineShow is QuarantineShow on the portal.
func (c *AdminClient) QuarantineShow(ctx context.Context, id string) (QuarantineEntry, error) {
	var out QuarantineEntry
	err := c.do(ctx, http.MethodGet, "quarantine/show", url.Values{"id": {id}}, "", nil, &out)
	return out, err
}

// Release is ReleaseQuarantined on the portal.
func (c *AdminClient) Release(ctx context.Context, id string) (QuarantineEntry, error) {
	var out QuarantineEntry
	err := c.do(ctx, http.MethodPost, "quarantine/release", nil, "", releaseRequest{ID: id}, &out)
	return out, err
}

// Check is Bolt.Check on the serving portal's store.
func (c *AdminClient) Check(ctx context.Context) error {
	var out struct{}
	return c.do(ctx, http.MethodGet, "check", nil, "", nil, &out)
}

// Fleet is Fleet on the portal, as of at.
func (c *AdminClient) Fleet(ctx context.Context, municipality string, at time.Time) ([]FleetRow, error) {
	var out []FleetRow
	q := url.Values{"at": {at.Format(time.RFC3339Nano)}}
	if municipality != "" {
		q.Set("municipality", municipality)
	}
	err := c.do(ctx, http.MethodGet, "fleet", q, "", nil, &out)
	return out, err
}
