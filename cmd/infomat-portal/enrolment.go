package main

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"infomat/sync/enrolcode"
	"infomat/sync/portal"
)

// enrolmentFile is what serve leaves in the data directory for `token create`: the address
// kiosks reach the portal at and its certificate's fingerprint, so an enrolment code needs
// no options. No secret is in it.
const enrolmentFile = "enrolment.json"

type enrolmentInfo struct {
	PortalURL   string `json:"portal_url,omitempty"`
	Fingerprint string `json:"cert_sha256,omitempty"` // hex SHA-256 of the certificate's DER
}

// writeEnrolmentInfo replaces DIR/enrolment.json; a failure only costs the default, so it is
// logged by the caller, not fatal.
func writeEnrolmentInfo(dir string, info enrolmentInfo) error {
	raw, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, "."+enrolmentFile+".tmp")
	if err := os.WriteFile(tmp, append(raw, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", enrolmentFile, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, enrolmentFile)); err != nil {
		return fmt.Errorf("write %s: %w", enrolmentFile, err)
	}
	return nil
}

func readEnrolmentInfo(dir string) (enrolmentInfo, error) {
	var info enrolmentInfo
	raw, err := os.ReadFile(filepath.Join(dir, enrolmentFile))
	if err != nil {
		return info, err
	}
	if err := json.Unmarshal(raw, &info); err != nil {
		return info, fmt.Errorf("%s: %w", filepath.Join(dir, enrolmentFile), err)
	}
	return info, nil
}

// servedURL is the URL serve writes for token create: --public-url, else the listening
// address when it names a host (":8443" names none: which of the machine's names the kiosks
// use only the operator knows).
func servedURL(public, scheme string, ln net.Addr) string {
	if public != "" {
		return strings.TrimSuffix(public, "/")
	}
	host, _, err := net.SplitHostPort(ln.String())
	if ip := net.ParseIP(host); err != nil || ip == nil || ip.IsUnspecified() {
		return ""
	}
	return scheme + "://" + ln.String()
}

// certFingerprint is the SHA-256 of the first certificate in a PEM file (the leaf, in a
// file "with the chain"): what `openssl x509 -noout -fingerprint -sha256` prints.
func certFingerprint(path string) ([32]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return [32]byte{}, err
	}
	for {
		var b *pem.Block
		b, raw = pem.Decode(raw)
		if b == nil {
			return [32]byte{}, fmt.Errorf("%s: brak certyfikatu PEM", path)
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return [32]byte{}, fmt.Errorf("%s: %w", path, err)
		}
		return sha256.Sum256(b.Bytes), nil
	}
}

func tokenCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	const use = "użycie: infomat-portal token create --municipality X [--label MIEJSCE] [--ttl 72h] [--count 1]\n" +
		"         [--portal-url https://HOST:PORT] [--cert PLIK.pem] [--plain] [--new-municipality]"
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, use)
		return 2
	}
	fl, data := flags("token create", stderr)
	muni := fl.String("municipality", "", "municipality the device will belong to")
	label := fl.String("label", "", "where the device will stand (e.g. \"Biblioteka, parter\"), shown in the fleet; infomat setup --label overrides it")
	ttl := fl.Duration("ttl", 72*time.Hour, "how long the token can be used")
	count := fl.Int("count", 1, "how many tokens (one per line)")
	plain := fl.Bool("plain", false, "print the bare tokens (for infomat provision --token and scripts), not enrolment codes")
	portalURL := fl.String("portal-url", "", "the address kiosks reach the portal at, with its port (default: what serve wrote to DATA/enrolment.json)")
	certFile := fl.String("cert", "", "the portal's TLS certificate (PEM), for the fingerprint in the code (default: DATA/enrolment.json)")
	newMuni := fl.Bool("new-municipality", false, "create the municipality if the portal does not have it yet")
	if pos, err := parse(fl, args[1:]); err != nil || len(pos) != 0 || *muni == "" || *count < 1 {
		fmt.Fprintln(stderr, use)
		return 2
	}
	var code enrolcode.Code
	if !*plain {
		var ok bool
		if code, ok = codeParts(data.dir, *portalURL, *certFile, stderr); !ok {
			return 2
		}
	}
	op, ok := connect(ctx, data, stderr)
	if !ok {
		return 1
	}
	defer op.close()
	toks, expires, err := op.createTokens(ctx, *muni, portal.TokenOptions{TTL: *ttl, Count: *count, Label: *label, NewMunicipality: *newMuni})
	for _, tok := range toks {
		if *plain {
			fmt.Fprintln(stdout, tok)
			continue
		}
		code.Token = tok
		s, err := enrolcode.Encode(code)
		if err != nil { // the URL was checked by codeParts
			fmt.Fprintln(stderr, "infomat-portal token create:", err)
			return 1
		}
		fmt.Fprintln(stdout, s)
	}
	if err != nil {
		fmt.Fprintln(stderr, "infomat-portal token create:", err)
		return 1
	}
	what := "Tokeny"
	if !*plain {
		what = "Kody rejestracyjne"
	}
	fmt.Fprintf(stderr, "%s (%d) dla gminy %s: jednorazowe, ważne do %s. Widać je tylko teraz: portal przechowuje wyłącznie ich skróty.\n",
		what, len(toks), *muni, expires.Local().Format("2006-01-02 15:04 MST"))
	if !*plain {
		fmt.Fprintf(stderr, "Na kiosku: infomat setup KOD (albo samo infomat setup i zeskanowanie kodu).\nPortal: %s, odcisk SHA-256 certyfikatu: %s\n",
			code.Portal, enrolcode.FingerprintString(code.Fingerprint))
	}
	return 0
}

// codeParts finds the portal URL and certificate fingerprint for the enrolment codes: the
// options, else what serve wrote to DATA/enrolment.json. Missing ones are explained in
// Polish with the fix.
func codeParts(dir, portalURL, certFile string, stderr io.Writer) (enrolcode.Code, bool) {
	info, err := readEnrolmentInfo(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintln(stderr, "infomat-portal token create:", err)
	}
	var c enrolcode.Code
	c.Portal = portalURL
	if c.Portal == "" {
		c.Portal = info.PortalURL
	}
	if c.Portal == "" {
		fmt.Fprintln(stderr, "infomat-portal token create: nie wiadomo, pod jakim adresem kioski łączą się z portalem.\n"+
			"  Podaj --portal-url https://HOST:PORT (albo uruchom serve z --public-url, a zapamięta go w "+enrolmentFile+");\n"+
			"  --plain wypisze sam token dla infomat provision.")
		return c, false
	}
	if _, err := enrolcode.Encode(enrolcode.Code{Portal: c.Portal, Token: "x"}); err != nil {
		fmt.Fprintf(stderr, "infomat-portal token create: --portal-url: %v\n", err)
		return c, false
	}
	switch {
	case certFile != "":
		fp, err := certFingerprint(certFile)
		if err != nil {
			fmt.Fprintf(stderr, "infomat-portal token create: --cert: %v (podaj plik PEM z certyfikatem portalu, ten sam co serve --cert)\n", err)
			return c, false
		}
		c.Fingerprint = fp
	case info.Fingerprint != "":
		// serve's certificate, whatever name the kiosks reach it by: serve listens on an
		// address (0.0.0.0:8443) while kiosks use the portal's DNS name, given here.
		raw, err := hex.DecodeString(info.Fingerprint)
		if err != nil || len(raw) != 32 {
			fmt.Fprintf(stderr, "infomat-portal token create: %s: uszkodzony odcisk certyfikatu; podaj --cert PLIK.pem\n", enrolmentFile)
			return c, false
		}
		copy(c.Fingerprint[:], raw)
	case strings.HasPrefix(c.Portal, "http://"):
		// A loopback portal without TLS (tests, a tunnel): nothing to pin.
	default:
		fmt.Fprintln(stderr, "infomat-portal token create: nie znam certyfikatu portalu, a kod musi nieść jego odcisk.\n"+
			"  Podaj --cert PLIK.pem (ten sam co serve --cert) albo uruchom serve z --cert, a zapamięta odcisk w "+enrolmentFile+";\n"+
			"  --plain wypisze sam token dla infomat provision.")
		return c, false
	}
	return c, true
}
