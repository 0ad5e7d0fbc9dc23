package client

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"infomat/sync/protocol"
)

// A kiosk whose clock is years off cannot verify the portal's certificate: at 2031 it has
// expired, at the last trusted time a renewed one is not valid yet. The portal's time would
// put the clock right, but it comes only over a verified connection. The time probe breaks
// the circle: when a handshake fails only because of the certificate's validity period, it
// verifies the chain and host name as they were at a time inside the certificate's own
// validity and, without sending any credential, asks for the portal's time signed with the
// content key the kiosk pinned at enrolment, over a fresh nonce. Only that signed time is
// adopted, in either direction; the request is then retried under it, so a certificate that
// has really expired is still refused before the secret is sent. The connection itself
// proves nothing: the server may hold an old, rotated-out certificate's key.
//
// A portal too old to sign its time gets the Date header's benefit only in the one
// direction an impostor gains nothing from: forward, when the certificate is not valid yet
// at the kiosk's time (a clock behind, as at 1970).

// errNoSignedTime: the portal does not serve signed time (an older portal, or no content
// published yet).
var errNoSignedTime = errors.New("portal gives no signed time")

// timeSyncEvery bounds how often a disagreeing Date makes the client ask for a signed time.
const timeSyncEvery = 5 * time.Minute

// fetchSignedTime asks the portal over hc for its signed time, without credentials, and
// verifies it with the pinned key and a fresh nonce. With errNoSignedTime it also returns
// the answer's Date header (zero when absent).
func (c *Client) fetchSignedTime(ctx context.Context, hc *http.Client) (signed, date time.Time, err error) {
	var n [16]byte
	if _, err := rand.Read(n[:]); err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("signed time: nonce: %w", err)
	}
	nonce := hex.EncodeToString(n[:])
	u := endpoint(c.base, protocol.PathTime) + "?" + url.Values{"municipality": {c.creds.Municipality}, "nonce": {nonce}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	req.Header.Set("Accept", protocol.ContentTypeJSON)
	resp, err := hc.Do(req)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("signed time: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		date, _ = http.ParseTime(resp.Header.Get("Date"))
		return time.Time{}, date, errNoSignedTime
	}
	if resp.StatusCode != http.StatusOK {
		return time.Time{}, time.Time{}, fmt.Errorf("signed time: portal answered %s", resp.Status)
	}
	var st protocol.SignedTime
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<10)).Decode(&st); err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("signed time: %w", err)
	}
	t, err := st.Verify(c.key, c.creds.Municipality, nonce)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("signed time: %w", err)
	}
	return t, time.Time{}, nil
}

// syncTime adopts the portal's signed time after a Date that disagreed with the trusted
// time, at most every timeSyncEvery. A failure leaves the clock as it is: the Date alone
// moved it forward, if at all.
func (c *Client) syncTime(ctx context.Context) {
	now := c.clock.Now()
	c.timeMu.Lock()
	if !c.timeSync.IsZero() && now.Sub(c.timeSync) < timeSyncEvery && now.Sub(c.timeSync) > -timeSyncEvery {
		c.timeMu.Unlock()
		return
	}
	c.timeSync = now
	c.timeMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if t, _, err := c.fetchSignedTime(ctx, c.http); err == nil {
		c.trusted.ObserveSignedTime(t)
	}
}

// isValidityErr reports whether err is a TLS certificate check that failed on time alone.
func isValidityErr(err error) bool {
	var ce x509.CertificateInvalidError
	return errors.As(err, &ce) && ce.Reason == x509.Expired
}

// probeTime learns the portal's time as described above and feeds it to the trusted
// clock. It reports whether the clock learned a time.
func (c *Client) probeTime(ctx context.Context) (bool, error) {
	tr, ok := c.http.Transport.(*http.Transport)
	// A pinned certificate is never refused for its dates (pinTo), so there is nothing to probe.
	if !ok || tr.TLSClientConfig == nil || c.base.Scheme != "https" || c.creds.CertPin != "" {
		return false, nil
	}
	var window struct{ from, to time.Time }
	conf := tr.TLSClientConfig.Clone()
	conf.Time = nil
	conf.InsecureSkipVerify = true // replaced by VerifyConnection below, which checks all but the time
	conf.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("no certificate")
		}
		leaf := cs.PeerCertificates[0]
		inter := x509.NewCertPool()
		for _, ic := range cs.PeerCertificates[1:] {
			inter.AddCert(ic)
		}
		var err error
		for _, at := range []time.Time{leaf.NotBefore.Add(time.Second), leaf.NotAfter.Add(-time.Second)} {
			_, err = leaf.Verify(x509.VerifyOptions{
				Roots: conf.RootCAs, Intermediates: inter, DNSName: c.base.Hostname(), CurrentTime: at,
			})
			if err == nil {
				window.from, window.to = leaf.NotBefore, leaf.NotAfter
				return nil
			}
		}
		return err
	}
	probe := &http.Client{
		Transport: &http.Transport{
			Proxy: tr.Proxy, DialContext: tr.DialContext, TLSClientConfig: conf,
			TLSHandshakeTimeout: tr.TLSHandshakeTimeout, DisableKeepAlives: true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// No Authorization header: the connection is not trusted with the device secret.
	signed, date, err := c.fetchSignedTime(ctx, probe)
	if err == nil {
		c.trusted.ObserveSignedTime(signed)
		return true, nil
	}
	if !errors.Is(err, errNoSignedTime) {
		return false, fmt.Errorf("time probe: %w", err)
	}
	// An older portal: forward only, and only when the certificate is not valid yet at the
	// kiosk's time. An expired certificate never moves the clock.
	now := c.trusted.Now()
	switch {
	case !window.from.After(now):
		return false, errors.New("time probe: the portal's certificate has expired and the portal gives no signed time")
	case date.IsZero():
		return false, errors.New("time probe: no Date in the portal's answer")
	case date.Before(window.from) || date.After(window.to):
		return false, fmt.Errorf("time probe: the portal's time %s is outside its certificate's validity (%s – %s)",
			date.Format(time.RFC3339), window.from.Format(time.RFC3339), window.to.Format(time.RFC3339))
	}
	c.trusted.ObservePortal(date)
	return c.trusted.Now().After(now), nil
}
