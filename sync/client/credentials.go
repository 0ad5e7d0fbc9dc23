package client

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"infomat/buildinfo"
	"infomat/sync/protocol"
)

// CredentialsFile is the name of the credentials file in the directory given to
// SaveCredentials and LoadCredentials.
const CredentialsFile = "credentials.json"

// Credentials are what a kiosk keeps after enrolment: where the portal is, how to trust
// it, who the kiosk is and which key signs its content. Secret is a bearer secret: the
// file is 0600 and the value is never logged.
type Credentials struct {
	Portal       string    `json:"portal"`             // base URL, e.g. https://portal.gmina.pl
	CAFile       string    `json:"ca_file,omitempty"`  // old credentials only: a path; LoadCredentials moves its content to CAPEM
	CAPEM        string    `json:"ca_pem,omitempty"`   // PEM content; when set, the only roots trusted (kept here, not a path: the USB stick it came on goes away)
	CertPin      string    `json:"cert_pin,omitempty"` // "sha256:HEX" of the portal's key; when set, the only key trusted (no CA)
	DeviceID     string    `json:"device_id"`
	Secret       string    `json:"secret"`
	Municipality string    `json:"municipality"`
	SigningKey   string    `json:"signing_key"` // base64 ed25519 public key, pinned at enrolment
	Enrolled     time.Time `json:"enrolled"`
	// Label is what the portal answered at enrolment (the device's label in the fleet); the
	// kiosk keeps it as a device setting, not here.
	Label string `json:"-"`
}

// signingKey decodes the pinned manifest key.
func (c Credentials) signingKey() (ed25519.PublicKey, error) {
	raw, err := base64.StdEncoding.DecodeString(c.SigningKey)
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, errors.New("signing key is not a base64 ed25519 public key")
	}
	return ed25519.PublicKey(raw), nil
}

func (c Credentials) validate() error {
	var missing []string
	for _, f := range []struct{ name, v string }{
		{"portal", c.Portal}, {"device_id", c.DeviceID}, {"secret", c.Secret},
		{"municipality", c.Municipality}, {"signing_key", c.SigningKey},
	} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("credentials incomplete: missing %s", strings.Join(missing, ", "))
	}
	if strings.ContainsAny(c.DeviceID, ": \r\n") || strings.ContainsAny(c.Secret, " \r\n") {
		return errors.New("credentials: device ID or secret has characters not allowed in a header")
	}
	if _, err := parsePortalURL(c.Portal); err != nil {
		return err
	}
	if _, err := c.trust().pin(); err != nil {
		return err
	}
	_, err := c.signingKey()
	return err
}

func (c Credentials) trust() Trust {
	return Trust{CAFile: c.CAFile, CAPEM: c.CAPEM, CertPin: c.CertPin}
}

// Trust is how a kiosk trusts the portal's certificate: by the system's CAs (zero value),
// by one CA file, or by the pin of its key alone.
type Trust struct {
	CAFile  string // PEM file; read once by EnrollWith into CAPEM, never kept as a path
	CAPEM   string // PEM content; when set, the only roots trusted
	CertPin string // "sha256:HEX" (protocol.CertPin); when set, the only key trusted
}

// pin is the canonical pin, "" when none; a pin with a CA file is refused, as neither would
// say which one to believe.
func (t Trust) pin() (string, error) {
	if t.CertPin == "" {
		return "", nil
	}
	if t.CAFile != "" || t.CAPEM != "" {
		return "", errors.New("a CA file and a certificate pin exclude each other")
	}
	return protocol.ParsePin(t.CertPin)
}

// PinError is a portal whose certificate's key is not the pinned one: another server on
// the way, a mistyped address, or a portal whose key changed.
type PinError struct {
	Want, Got string // protocol.CertPin values
}

func (e *PinError) Error() string {
	return fmt.Sprintf("the portal's certificate key is %s, not the pinned %s", e.Got, e.Want)
}

// portalURL parses a portal base URL. https is required unless the host is loopback (a
// test portal or an SSH tunnel on the kiosk itself).
func parsePortalURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("portal URL %q: %w", raw, err)
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("portal URL %q: want scheme://host[:port][/path]", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("portal URL %q: %w (plain http only for a loopback address)", raw, ErrNeedHTTPS)
		}
	default:
		return nil, fmt.Errorf("portal URL %q: %w", raw, ErrNeedHTTPS)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Enroll trades a one-time enrolment token for device credentials. portalURL must be
// https unless its host is loopback; caFile, when not empty, is the only CA trusted for
// the portal's certificate. The caller saves the result with SaveCredentials.
func Enroll(ctx context.Context, portalURL, token, caFile string) (Credentials, error) {
	return EnrollWith(ctx, portalURL, token, Trust{CAFile: caFile})
}

// EnrollWith is Enroll with the portal trusted as tr says; the credentials keep tr, so every
// later sync trusts the portal the same way.
func EnrollWith(ctx context.Context, portalURL, token string, tr Trust) (Credentials, error) {
	return EnrollAs(ctx, portalURL, token, "", tr)
}

// EnrollAs is EnrollWith giving the portal the device's label (where it stands, e.g.
// "Biblioteka, parter") for the fleet; an empty label keeps the token's.
func EnrollAs(ctx context.Context, portalURL, token, label string, tr Trust) (Credentials, error) {
	base, err := parsePortalURL(portalURL)
	if err != nil {
		return Credentials{}, fmt.Errorf("enroll: %w", err)
	}
	if strings.TrimSpace(token) == "" {
		return Credentials{}, errors.New("enroll: empty token")
	}
	pin, err := tr.pin()
	if err != nil {
		return Credentials{}, fmt.Errorf("enroll: %w", err)
	}
	tr.CertPin = pin
	if tr.CAFile != "" {
		// The content is what is kept: the file is often on a USB stick that leaves with
		// the technician.
		raw, err := os.ReadFile(tr.CAFile)
		if err != nil {
			return Credentials{}, fmt.Errorf("enroll: read CA file: %w", err)
		}
		tr.CAPEM, tr.CAFile = string(raw), ""
	}
	hc, err := newHTTPClient(tr)
	if err != nil {
		return Credentials{}, fmt.Errorf("enroll: %w", err)
	}
	defer hc.CloseIdleConnections()
	host, _ := os.Hostname()
	body, err := json.Marshal(protocol.EnrollRequest{Token: strings.TrimSpace(token), Hostname: host, AppVersion: buildinfo.Version(), Label: strings.TrimSpace(label)})
	if err != nil {
		return Credentials{}, fmt.Errorf("enroll: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint(base, protocol.PathEnroll), bytes.NewReader(body))
	if err != nil {
		return Credentials{}, fmt.Errorf("enroll: %w", err)
	}
	req.Header.Set("Content-Type", protocol.ContentTypeJSON)
	resp, err := hc.Do(req)
	if err != nil {
		return Credentials{}, fmt.Errorf("enroll at %s: %w", base.Host, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return Credentials{}, fmt.Errorf("enroll at %s: %w", base.Host, statusError(resp, time.Now()))
	}
	var er protocol.EnrollResponse
	if err := decodeJSON(resp, &er, 1<<20); err != nil {
		return Credentials{}, fmt.Errorf("enroll at %s: read response: %w", base.Host, err)
	}
	c := Credentials{
		Portal: base.String(), CAPEM: tr.CAPEM, CertPin: tr.CertPin, DeviceID: er.DeviceID, Secret: er.Secret,
		Municipality: er.Municipality, SigningKey: er.SigningKey, Enrolled: time.Now().UTC().Round(time.Second),
		Label: er.Label,
	}
	if err := c.validate(); err != nil {
		return Credentials{}, fmt.Errorf("enroll at %s: portal answer: %w", base.Host, err)
	}
	return c, nil
}

// CheckPortal reports whether the portal at portalURL answers over a connection trusted as
// tr says, without enrolling: what a device enrolled before checks before it retires its old
// identity, so a mistyped address or a wrong pin does not leave it with none.
func CheckPortal(ctx context.Context, portalURL string, tr Trust) error {
	base, err := parsePortalURL(portalURL)
	if err != nil {
		return err
	}
	hc, err := newHTTPClient(tr)
	if err != nil {
		return err
	}
	defer hc.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint(base, protocol.PathEnroll), nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("portal at %s: %w", base.Host, err)
	}
	resp.Body.Close() // any answer (405 here) proves the address and the trust
	return nil
}

// SaveCredentials writes DIR/credentials.json (0600; DIR is created 0700) atomically:
// a temporary file is written and fsynced, renamed over the old one, and the directory
// fsynced, so a power cut leaves either the old or the new credentials.
func SaveCredentials(dir string, c Credentials) error {
	if err := c.validate(); err != nil {
		return fmt.Errorf("save credentials: %w", err)
	}
	raw, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("save credentials: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("save credentials: %w", err)
	}
	f, err := os.CreateTemp(dir, ".credentials-*.tmp")
	if err != nil {
		return fmt.Errorf("save credentials: %w", err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("save credentials: %w", err)
	}
	if _, err := f.Write(append(raw, '\n')); err != nil {
		return fmt.Errorf("save credentials: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("save credentials: fsync: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("save credentials: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, CredentialsFile)); err != nil {
		return fmt.Errorf("save credentials: %w", err)
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		serr := d.Sync()
		_ = d.Close()
		if serr != nil {
			return fmt.Errorf("save credentials: fsync directory: %w", serr)
		}
	}
	return nil
}

// LoadCredentials reads DIR/credentials.json. When the kiosk was never enrolled the
// error wraps os.ErrNotExist.
func LoadCredentials(dir string) (Credentials, error) {
	raw, err := os.ReadFile(filepath.Join(dir, CredentialsFile))
	if err != nil {
		return Credentials{}, fmt.Errorf("load credentials: %w", err)
	}
	var c Credentials
	if err := json.Unmarshal(raw, &c); err != nil {
		return Credentials{}, fmt.Errorf("load credentials: %s: %w", CredentialsFile, err)
	}
	if err := c.validate(); err != nil {
		return Credentials{}, fmt.Errorf("load credentials: %w", err)
	}
	if c.CAFile != "" && c.CAPEM == "" {
		// Credentials from before the content was kept: read the file once and keep its
		// content, so sync no longer depends on the file (or the stick it was on).
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return Credentials{}, fmt.Errorf("load credentials: the CA file they name is gone (%w); provision again with --ca FILE, or put the file back once", err)
		}
		c.CAPEM, c.CAFile = string(pem), ""
		if err := SaveCredentials(dir, c); err != nil {
			return Credentials{}, fmt.Errorf("load credentials: keep the CA content: %w", err)
		}
	}
	return c, nil
}
