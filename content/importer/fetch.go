package importer

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/net/html/charset"
)

// Options configure an Importer. The zero value is the safe default.
type Options struct {
	// AllowLoopback lets the importer connect to 127.0.0.0/8 and ::1, for tests against
	// httptest servers. Private, link-local and other internal addresses stay refused.
	AllowLoopback bool
	// MaxBytes caps each fetched document (default 5 MiB).
	MaxBytes int64
	// MaxItems caps the items taken from one feed, newest first as the feed lists them
	// (default 50).
	MaxItems int
	// Timeout bounds one fetch, connection to last byte (default 30 s).
	Timeout time.Duration
	// Author goes into the change-register entries the importer adds, and into metryczka
	// fields the source does not give (default "Import ze strony BIP").
	Author string
}

// Importer fetches BIP content from a municipality's website. It is safe for concurrent use.
type Importer struct {
	opts   Options
	client *http.Client
}

// maxRedirects is how many redirects one fetch follows: BIP systems redirect http to https
// and old addresses to new ones, rarely more than twice.
const maxRedirects = 5

// New returns an Importer whose HTTP client refuses internal addresses at dial time (so a
// host name that resolves, or later re-resolves, to one does not get through), follows few
// redirects, uses no proxy and times out.
func New(opts Options) *Importer {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 5 << 20
	}
	if opts.MaxItems <= 0 {
		opts.MaxItems = 50
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.Author == "" {
		opts.Author = "Import ze strony BIP"
	}
	dialer := &net.Dialer{
		Timeout: 10 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			return checkAddr(address, opts.AllowLoopback)
		},
	}
	transport := &http.Transport{
		// No proxy: a proxy would make the connection for us, past the address check.
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 20 * time.Second,
		MaxIdleConns:          4,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	client := &http.Client{
		Transport: transport,
		Timeout:   opts.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return &fetchError{"serwer przekierowuje zbyt wiele razy"}
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return &fetchError{fmt.Sprintf("serwer przekierowuje na nieobsługiwany adres %q", req.URL.Redacted())}
			}
			return nil
		},
	}
	return &Importer{opts: opts, client: client}
}

// Error is a failed fetch: its message is a Polish sentence for the clerk, the cause
// (in English, for logs) is in Unwrap.
type Error struct {
	msg string
	err error
}

func (e *Error) Error() string { return e.msg }
func (e *Error) Unwrap() error { return e.err }

// fetchError is a reason, in Polish, why a fetch failed.
type fetchError struct{ reason string }

func (e *fetchError) Error() string { return e.reason }

// internal are address ranges netip has no predicate for that are not on the public internet.
var internal = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),     // "this network"
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),   // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b::/96"),  // NAT64 can reach IPv4 internals
	netip.MustParsePrefix("2002::/16"),     // 6to4 likewise
}

// checkAddr refuses a connection to an address inside the portal's own networks: an import
// URL is typed by a clerk and must not become a way to reach the portal's internals.
func checkAddr(address string, allowLoopback bool) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return &fetchError{fmt.Sprintf("zły adres %q", address)}
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return &fetchError{fmt.Sprintf("zły adres %q", address)}
	}
	ip = ip.Unmap()
	switch {
	case ip.IsLoopback():
		if allowLoopback {
			return nil
		}
	case ip.IsPrivate(), ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast(), ip.IsMulticast(),
		ip.IsInterfaceLocalMulticast(), ip.IsUnspecified():
	default:
		if !slices.ContainsFunc(internal, func(p netip.Prefix) bool { return p.Contains(ip) }) {
			return nil
		}
	}
	return &fetchError{fmt.Sprintf("adres %s należy do sieci wewnętrznej — import z niego jest zablokowany", ip)}
}

// fetch GETs u and returns its body decoded to UTF-8, refusing media types not in accept.
// what names the document for errors ("kanału", "strony").
func (im *Importer) fetch(ctx context.Context, u, what string, accept []string) (*document, error) {
	fail := func(reason string, err error) error {
		return &Error{msg: fmt.Sprintf("Nie udało się pobrać %s %s: %s", what, u, reason), err: err}
	}
	parsed, err := url.Parse(u)
	if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
		return nil, fmt.Errorf("Adres %q jest błędny — podaj pełny adres http:// albo https://", u)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, parsed.String(), nil)
	if err != nil {
		return nil, fail("zły adres", err)
	}
	req.Header.Set("User-Agent", "infomat-portal import BIP")
	req.Header.Set("Accept", strings.Join(accept, ", "))
	resp, err := im.client.Do(req)
	if err != nil {
		return nil, fail(describe(err), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		err := fmt.Errorf("HTTP %s", resp.Status)
		return nil, fail(fmt.Sprintf("serwer odpowiedział %d", resp.StatusCode), err)
	}
	ct := resp.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || !slices.Contains(accept, mt) {
		err := fmt.Errorf("content type %q", ct)
		return nil, fail(fmt.Sprintf("to nie jest %s (serwer podaje typ %q)", kindName(what), ct), err)
	}
	if resp.ContentLength > im.opts.MaxBytes {
		err := fmt.Errorf("content length %d", resp.ContentLength)
		return nil, fail(fmt.Sprintf("dokument jest większy niż %s", size(im.opts.MaxBytes)), err)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, im.opts.MaxBytes+1))
	if err != nil {
		return nil, fail(describe(err), err)
	}
	if int64(len(raw)) > im.opts.MaxBytes {
		err := errors.New("body over size cap")
		return nil, fail(fmt.Sprintf("dokument jest większy niż %s", size(im.opts.MaxBytes)), err)
	}
	return &document{body: raw, url: resp.Request.URL, contentType: ct}, nil
}

// document is a fetched document.
type document struct {
	body        []byte
	url         *url.URL // after redirects
	contentType string
}

// utf8Reader decodes body by the charset its Content-Type or markup declares; Polish BIP
// systems still serve ISO-8859-2 and Windows-1250.
func utf8Reader(body io.Reader, contentType string) (io.Reader, error) {
	return charset.NewReader(body, contentType)
}

func kindName(what string) string {
	if what == "kanału" {
		return "kanał RSS ani Atom"
	}
	return "strona HTML"
}

func size(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	if n >= 1<<10 && n%(1<<10) == 0 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// describe says in Polish why a request failed.
func describe(err error) string {
	var fe *fetchError
	var dns *net.DNSError
	var cert *x509.UnknownAuthorityError
	var host x509.HostnameError
	var inv x509.CertificateInvalidError
	var ne net.Error
	switch {
	case errors.As(err, &fe):
		return fe.reason
	case errors.Is(err, context.Canceled):
		return "przerwano"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return "serwer nie odpowiedział na czas"
	case errors.As(err, &dns):
		return fmt.Sprintf("nie znaleziono serwera %s (sprawdź adres)", dns.Name)
	case errors.As(err, &cert), errors.As(err, &host), errors.As(err, &inv):
		return "certyfikat serwera jest nieprawidłowy"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "serwer odmówił połączenia"
	}
	return "błąd połączenia"
}
