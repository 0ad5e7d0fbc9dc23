package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"time"

	"infomat/sync/protocol"
)

// A kiosk whose clock is years off cannot verify the portal's certificate: at 2031 it has
// expired, at the last trusted time a renewed one is not valid yet. The portal's Date would
// put the clock right, but it comes only over a verified connection. The time probe breaks
// the circle: when a handshake fails only because of the certificate's validity period, it
// verifies the chain and host name as they were at a time inside the certificate's own
// validity, asks the portal for the time without sending any credential, and accepts the
// Date only if it lies inside that validity. The trusted clock never goes below its stored
// floor, so an old, expired key can at worst move the kiosk's time back to the floor.

// isValidityErr reports whether err is a TLS certificate check that failed on time alone.
func isValidityErr(err error) bool {
	var ce x509.CertificateInvalidError
	return errors.As(err, &ce) && ce.Reason == x509.Expired
}

// probeTime asks the portal for its Date as described above and feeds it to the trusted
// clock. It reports whether the clock learned a time.
func (c *Client) probeTime(ctx context.Context) (bool, error) {
	tr, ok := c.http.Transport.(*http.Transport)
	if !ok || tr.TLSClientConfig == nil || c.base.Scheme != "https" {
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
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, endpoint(c.base, protocol.PathManifest), nil)
	if err != nil {
		return false, err
	}
	resp, err := probe.Do(req)
	if err != nil {
		return false, fmt.Errorf("time probe: %w", err)
	}
	resp.Body.Close()
	date, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return false, errors.New("time probe: no Date in the portal's answer")
	}
	if date.Before(window.from) || date.After(window.to) {
		return false, fmt.Errorf("time probe: the portal's time %s is outside its certificate's validity (%s – %s)",
			date.Format(time.RFC3339), window.from.Format(time.RFC3339), window.to.Format(time.RFC3339))
	}
	c.trusted.ObservePortal(date)
	return true, nil
}
