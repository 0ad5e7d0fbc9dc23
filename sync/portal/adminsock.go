package portal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"infomat/content"
)

// The admin socket is the transport of the admin API (adminapi.go): a unix socket in the
// data directory that only the portal's own user can open, served by `infomat-portal serve`
// (ListenAdmin) and dialled by the operator's commands (DialAdmin, then the AdminClient
// methods in adminclient.go). The operations themselves know nothing of the socket.

// AdminSocket is the admin socket's file name in the data directory.
const AdminSocket = "admin.sock"

// AdminSocketPath is DIR/admin.sock.
func AdminSocketPath(dir string) string { return filepath.Join(dir, AdminSocket) }

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
		var f *adminError
		if len(fail) > 0 {
			f = fail[0]
		}
		return c.failed(resp, f)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("admin socket %s: read answer: %w", c.path, err)
	}
	return nil
}

// failed is the error of an answer other than 200: the portal's own when it sent one
// (content.Problems for a bundle's problems), else the status. fail, when not nil, gets the
// decoded body.
func (c *AdminClient) failed(resp *http.Response, fail *adminError) error {
	var e adminError
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxAdminBody)).Decode(&e); err != nil || e.Error == "" {
		return fmt.Errorf("admin socket %s: %s", c.path, resp.Status)
	}
	if fail != nil {
		*fail = e
	}
	if len(e.Problems) > 0 {
		return content.Problems(e.Problems)
	}
	return &remoteError{status: resp.StatusCode, msg: e.Error}
}
