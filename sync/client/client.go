// Package client is the kiosk's side of the sync with the central portal (see
// sync/protocol): the pusher that delivers queued submissions from the outbox, the
// puller that installs signed content bundles, the heartbeat, and Run, the background
// loop that drives them.
//
// Nothing personal is ever logged or reported: messages name submissions by ID and
// reference only. A resident never sees a sync error; Status is for the service screen.
package client

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"infomat/content"
	"infomat/sync/protocol"
)

// ErrRevoked is wrapped by Push, Pull and Heartbeat when the portal refuses the
// device's credentials (401 or 403): the device was revoked or its secret is wrong. A
// technician must enrol the kiosk again.
var ErrRevoked = errors.New("portal refused the device credentials (revoked?)")

// StatusError is a non-2xx answer from the portal.
type StatusError struct {
	Status     int           // HTTP status
	Code       string        // protocol.Error.Code, when the body had one
	Message    string        // protocol.Error.Message, cut short
	RetryAfter time.Duration // from Retry-After; 0 when absent
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("portal answered %d %s", e.Status, http.StatusText(e.Status))
	if e.Code != "" {
		s += " (" + e.Code + ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Unwrap makes errors.Is(err, ErrRevoked) true for 401 and 403.
func (e *StatusError) Unwrap() error {
	if e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden {
		return ErrRevoked
	}
	return nil
}

// Retryable reports whether the same request may succeed later: 5xx, 408 and 429.
func (e *StatusError) Retryable() bool {
	return e.Status >= 500 || e.Status == http.StatusRequestTimeout || e.Status == http.StatusTooManyRequests
}

// retryAfter returns the wait the portal asked for in err, if any.
func retryAfter(err error) time.Duration {
	var se *StatusError
	if errors.As(err, &se) {
		return se.RetryAfter
	}
	return 0
}

// permanent reports whether err is a 4xx that will fail again whatever we do (other than
// 401/403, 408 and 429).
func permanent(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && !se.Retryable() && !errors.Is(err, ErrRevoked)
}

// statusError reads a non-2xx response into a *StatusError.
func statusError(resp *http.Response, now time.Time) *StatusError {
	se := &StatusError{Status: resp.StatusCode, RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), now)}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	var pe protocol.Error
	if json.Unmarshal(raw, &pe) == nil {
		se.Code = pe.Code
		se.Message = pe.Message
		if len(se.Message) > 200 {
			se.Message = strings.ToValidUTF8(se.Message[:200], "") + "…"
		}
	}
	return se
}

// maxRetryAfter bounds a Retry-After: a broken portal must not silence a kiosk for days.
const maxRetryAfter = time.Hour

// parseRetryAfter reads delay-seconds or an HTTP date; 0 when absent or unparsable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	return parseRetryAfterMax(v, now, maxRetryAfter)
}

// parseRetryAfterMax is parseRetryAfter bounded by limit instead of maxRetryAfter.
func parseRetryAfterMax(v string, now time.Time, limit time.Duration) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(limit/time.Second) {
			return limit
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), limit)
}

// Backoff parameters: exponential with full jitter.
const (
	backoffBase = time.Second
	backoffCap  = 5 * time.Minute
)

// backoff returns the wait after the n-th consecutive failure (n >= 1): a uniformly random
// duration in [0, min(cap, base·2^(n-1))] ("full jitter"), so kiosks that lost the portal
// together don't come back together.
func backoff(n int, jitter func(int64) int64) time.Duration {
	ceil := backoffCap
	if n < 1 {
		n = 1
	}
	if n <= 20 {
		ceil = min(backoffCap, backoffBase<<(n-1))
	}
	return time.Duration(jitter(int64(ceil) + 1))
}

// Clock is the time source of Run and of the manifest expiry check; tests inject a fake.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Client talks to one portal as one enrolled device. It is safe for concurrent use;
// pushes are serialised, and so are pulls.
type Client struct {
	creds  Credentials
	base   *url.URL
	auth   string
	key    ed25519.PublicKey
	http   *http.Client
	clock  Clock
	jitter func(int64) int64

	// Blob downloads run on this many connections.
	workers int

	pushMu sync.Mutex
	hold   map[string]time.Time // submission ID → not before (refused by the portal)

	pullMu      sync.Mutex
	rejected    string                               // manifest payload that failed validation; not retried until it changes
	etag        string                               // ETag of the last manifest fully handled
	etagVersion uint64                               // the active portal version when etag was recorded
	load        func(fs.FS) (*content.Bundle, error) // validates a pulled bundle; nil: content.Load

	mu     sync.Mutex
	status Status

	trusted TrustedTime // nil: the device clock is trusted as it is

	timeMu   sync.Mutex
	timeSync time.Time // when a signed time was last asked for after a disagreeing Date
}

// TrustedTime is the kiosk's defended time (package trustedtime): the client feeds it the
// portal's Date, the portal's signed time and the accepted manifests' creation times, and
// uses it for the manifest expiry check and the TLS certificate check, so a wrong device
// clock neither locks out content updates nor the portal.
type TrustedTime interface {
	Now() time.Time
	// ObservePortal takes an unsigned Date and reports whether it disagrees with Now by
	// more than the tolerance: then the client asks for a signed time.
	ObservePortal(date time.Time) bool
	ObserveSigned(created time.Time)
	// ObserveSignedTime takes a portal time whose signature and nonce the client verified.
	ObserveSignedTime(t time.Time)
}

// UseTrustedTime makes the client use tt; call it before the first request.
func (c *Client) UseTrustedTime(tt TrustedTime) {
	c.trusted = tt
	if tr, ok := c.http.Transport.(*http.Transport); ok && tr.TLSClientConfig != nil {
		// A kiosk at 1970 would find every certificate not yet valid. The trusted time is
		// never earlier than the device clock's when that one is right.
		tr.TLSClientConfig.Time = tt.Now
	}
}

// expiryNow is the time for the manifest expiry check.
func (c *Client) expiryNow(now time.Time) time.Time {
	if c.trusted != nil {
		return c.trusted.Now()
	}
	return now
}

// New returns a client for enrolled credentials. The portal's certificate is checked
// against CertPin only, when set, else against CAFile only, when set, else against the
// system roots.
func New(c Credentials) (*Client, error) {
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("sync client: %w", err)
	}
	base, err := parsePortalURL(c.Portal)
	if err != nil {
		return nil, fmt.Errorf("sync client: %w", err)
	}
	key, err := c.signingKey()
	if err != nil {
		return nil, fmt.Errorf("sync client: %w", err)
	}
	hc, err := newHTTPClient(c.trust())
	if err != nil {
		return nil, fmt.Errorf("sync client: %w", err)
	}
	return &Client{
		creds: c, base: base, key: key, http: hc,
		auth:    "Bearer " + c.DeviceID + ":" + c.Secret,
		clock:   realClock{},
		jitter:  rand.Int64N,
		workers: 4,
		hold:    map[string]time.Time{},
	}, nil
}

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// newHTTPClient builds the HTTP client: TLS 1.2+, the pinned key or the CA file as the only
// trust when set, bounded dials and handshakes, no redirects (a redirect would be a
// misconfiguration or an attempt to move the bearer secret elsewhere). Whole-request
// deadlines come from the contexts of the individual calls.
func newHTTPClient(tr Trust) (*http.Client, error) {
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	pin, err := tr.pin()
	if err != nil {
		return nil, err
	}
	caFile := tr.CAFile
	if pin != "" {
		pinTo(tlsConf, pin)
	}
	caPEM := []byte(tr.CAPEM)
	if caFile != "" && len(caPEM) == 0 {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %w", err)
		}
		caPEM = pem
	}
	if len(caPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, errors.New("the portal's CA holds no PEM certificate")
		}
		tlsConf.RootCAs = pool
	}
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       tlsConf,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: time.Minute,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   8,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{
		Transport: t,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return errors.New("portal redirects are not followed")
		},
	}, nil
}

// pinTo makes conf trust exactly the certificate whose key pin names. The pin replaces the
// chain, host name and validity checks: it names the key the portal's administrator handed
// over with the token, which is what a CA would vouch for, and a self-signed certificate has
// no chain to check. Its validity period is not checked either, so a kiosk whose clock is
// wrong before its first sync still connects (the time probe is for CA-checked certificates).
func pinTo(conf *tls.Config, pin string) {
	conf.InsecureSkipVerify = true // replaced by VerifyConnection below
	conf.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return &PinError{Want: pin, Got: "(none)"}
		}
		if got := protocol.CertPin(cs.PeerCertificates[0]); got != pin {
			return &PinError{Want: pin, Got: got}
		}
		return nil
	}
}

func endpoint(base *url.URL, path string) string {
	u := *base
	u.Path = base.Path + path
	return u.String()
}

// do sends an authenticated request. The caller closes the body.
func (c *Client) do(ctx context.Context, method, path string, body []byte) (*http.Response, error) {
	return c.doHeaders(ctx, method, path, body, nil)
}

func (c *Client) doHeaders(ctx context.Context, method, path string, body []byte, hdr map[string]string) (*http.Response, error) {
	resp, err := c.exchange(ctx, method, path, body, hdr)
	if err != nil {
		return nil, err
	}
	c.noteCredentials(resp.StatusCode)
	return resp, nil
}

// noteCredentials makes Revoked follow what the portal says about the credentials.
func (c *Client) noteCredentials(status int) {
	switch {
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		c.mu.Lock()
		c.status.Revoked = true
		c.mu.Unlock()
	case status/100 == 2:
		c.mu.Lock()
		c.status.Revoked = false
		c.mu.Unlock()
	}
}

// exchange is doHeaders without the credentials bookkeeping, for answers whose 403 is not
// about the device (a resident's refused identification).
func (c *Client) exchange(ctx context.Context, method, path string, body []byte, hdr map[string]string) (*http.Response, error) {
	req, err := c.newRequest(ctx, method, path, body, hdr)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil && c.trusted != nil && isValidityErr(err) {
		// The device clock may be what is wrong, not the certificate: learn the portal's
		// signed time without credentials (see probeTime) and try once more, under it.
		if ok, perr := c.probeTime(ctx); ok {
			if req, err = c.newRequest(ctx, method, path, body, hdr); err != nil {
				return nil, err
			}
			resp, err = c.http.Do(req)
		} else if perr != nil {
			err = fmt.Errorf("%w (%v)", err, perr)
		}
	}
	if err != nil {
		return nil, err
	}
	// The portal's Date: it may move a clock that is behind forward; when it disagrees
	// with the trusted time, the portal's signed time decides (see syncTime).
	if c.trusted != nil {
		if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil && c.trusted.ObservePortal(d) {
			c.syncTime(ctx)
		}
	}
	return resp, nil
}

// newRequest builds an authenticated request.
func (c *Client) newRequest(ctx context.Context, method, path string, body []byte, hdr map[string]string) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, endpoint(c.base, path), rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set(protocol.HeaderDevice, c.auth)
	if body != nil {
		req.Header.Set("Content-Type", protocol.ContentTypeJSON)
	}
	req.Header.Set("Accept", protocol.ContentTypeJSON)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return req, nil
}

// decodeJSON reads at most limit bytes of a JSON body; a truncated body is an error.
func decodeJSON(resp *http.Response, v any, limit int64) error {
	raw, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return err
	}
	if int64(len(raw)) > limit {
		return fmt.Errorf("answer larger than %d bytes", limit)
	}
	return json.Unmarshal(raw, v)
}

// Heartbeat posts the device's health. A zero Sent is set to now.
func (c *Client) Heartbeat(ctx context.Context, hb protocol.Heartbeat) error {
	if hb.Sent.IsZero() {
		hb.Sent = c.clock.Now().UTC()
	}
	body, err := json.Marshal(hb)
	if err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	resp, err := c.do(ctx, http.MethodPost, protocol.PathHeartbeat, body)
	if err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("heartbeat: %w", statusError(resp, c.clock.Now()))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	c.noteSync()
	return nil
}

// Retire gives up the device's identity on the portal (POST /api/v1/retire), before the
// device enrols anew: afterwards the portal refuses these credentials. An error wrapping
// ErrRevoked means the portal refuses them already (revoked or retired before), which
// leaves the same state.
func (c *Client) Retire(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	resp, err := c.do(ctx, http.MethodPost, protocol.PathRetire, nil)
	if err != nil {
		return fmt.Errorf("retire: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("retire: %w", statusError(resp, c.clock.Now()))
	}
	return nil
}
