package protocol

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strings"
)

// A certificate pin names the portal's TLS key for a kiosk that is to trust it without a CA:
// "sha256:" and the lowercase hex SHA-256 of the leaf certificate's SubjectPublicKeyInfo
// (DER), as HPKP and curl's --pinnedpubkey hash it. The key, not the whole certificate, so a
// certificate renewed with the same key (a self-signed one made again, certbot --reuse-key)
// keeps every pinned kiosk working. The same value from a certificate file:
//
//	openssl x509 -in cert.pem -noout -pubkey | openssl pkey -pubin -outform der | sha256sum
const PinPrefix = "sha256:"

// CertPin is the pin of cert's public key.
func CertPin(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return PinPrefix + hex.EncodeToString(sum[:])
}

// ParsePin checks a pin and returns it in its canonical form. Upper-case hex and colons
// between the bytes (as tools print fingerprints) are accepted.
func ParsePin(s string) (string, error) {
	s = strings.TrimSpace(s)
	rest, ok := strings.CutPrefix(strings.ToLower(s), PinPrefix)
	if !ok {
		return "", fmt.Errorf("certificate pin %q: want %s and 64 hex digits", s, PinPrefix)
	}
	raw, err := hex.DecodeString(strings.ReplaceAll(rest, ":", ""))
	if err != nil || len(raw) != sha256.Size {
		return "", fmt.Errorf("certificate pin %q: want %s and 64 hex digits", s, PinPrefix)
	}
	return PinPrefix + hex.EncodeToString(raw), nil
}
