// Package enrolcode is the enrolment code a technician carries from the portal to a new
// kiosk: one string, "INFOMAT1:" and base32, holding the portal's address, a one-time
// enrolment token and the SHA-256 fingerprint of the portal's certificate.
//
// The alphabet is base32's (A-Z, 2-7) without padding, upper case: a QR code holds it in
// its compact alphanumeric mode, a barcode scanner types it as it is, and a person typing it
// from paper cannot confuse 0 with O or 1 with I, which Decode reads as the letters. A CRC-32
// over the contents detects every mistyped character (a change within one 5-bit character is
// a burst of at most 5 bits, and CRC-32 detects every burst up to 32), and every swap of two
// neighbouring characters.
package enrolcode

import (
	"bytes"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Prefix starts every code; the digit is the format's version.
const Prefix = "INFOMAT1:"

// Code is what an enrolment code carries.
type Code struct {
	// Portal is the portal's base URL with its port, e.g. https://portal.gmina.pl:8443.
	Portal string
	// Token is the one-time enrolment token (infomat-portal token create).
	Token string
	// Fingerprint is the SHA-256 of the portal certificate's DER bytes: what
	// `openssl x509 -noout -fingerprint -sha256` prints.
	Fingerprint [32]byte
}

// Errors Decode wraps; their text is Polish, for the technician at the kiosk.
var (
	ErrPrefix   = errors.New("to nie jest kod rejestracyjny Infomatu: powinien zaczynać się od INFOMAT1: (zeskanuj albo przepisz cały kod z portalu)")
	ErrChecksum = errors.New("kod rejestracyjny ma błąd (suma kontrolna się nie zgadza): sprawdź przepisane znaki albo zeskanuj kod QR")
	ErrBad      = errors.New("kod rejestracyjny jest uszkodzony albo niepełny: przepisz go jeszcze raz albo wygeneruj nowy w portalu")
)

var enc = base32.StdEncoding.WithPadding(base32.NoPadding)

// Layout of the bytes before base32 (version 1):
//
//	flags (1): bit 0 plain http (a loopback portal), bit 1 the token is 32 bytes of hex, kept raw
//	fingerprint (32)
//	host:port[/path] length (1), then its bytes
//	token: the rest (raw 32 bytes, or its text)
//	CRC-32 (IEEE) of everything before, 4 bytes big-endian
const (
	flagHTTP   = 1
	flagHexTok = 2
)

// Encode returns c as a code. The portal URL must be http(s) with a host; a URL without a
// port gets the scheme's default written out, so the code always names the port.
func Encode(c Code) (string, error) {
	u, err := url.Parse(strings.TrimSpace(c.Portal))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("adres portalu %q: oczekiwano https://HOST:PORT", c.Portal)
	}
	var flags byte
	port := "443"
	if u.Scheme == "http" {
		flags |= flagHTTP
		port = "80"
	}
	if u.Port() != "" {
		port = u.Port()
	}
	where := net.JoinHostPort(u.Hostname(), port) + strings.TrimSuffix(u.EscapedPath(), "/")
	if len(where) > 255 {
		return "", fmt.Errorf("adres portalu %q jest za długi (najwyżej 255 znaków)", c.Portal)
	}
	tok := []byte(c.Token)
	if raw, err := hex.DecodeString(c.Token); err == nil && len(raw) == 32 && hex.EncodeToString(raw) == c.Token {
		flags |= flagHexTok
		tok = raw
	}
	if len(tok) == 0 || strings.ContainsAny(c.Token, " \t\r\n") {
		return "", errors.New("pusty albo niepoprawny token rejestracyjny")
	}
	var b bytes.Buffer
	b.WriteByte(flags)
	b.Write(c.Fingerprint[:])
	b.WriteByte(byte(len(where)))
	b.WriteString(where)
	b.Write(tok)
	b.Write(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(b.Bytes())))
	return Prefix + enc.EncodeToString(b.Bytes()), nil
}

// typed maps what a person or a scanner may produce to the alphabet: lower case, the digits
// that look like letters, and spaces, dashes and line breaks between groups.
var typed = strings.NewReplacer("0", "O", "1", "I", "8", "B", " ", "", "-", "", "\t", "", "\r", "", "\n", "")

// Decode reads a code as printed, typed (any case, with spaces or dashes between groups) or
// scanned. The errors say in Polish what to do.
func Decode(s string) (Code, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	body, ok := strings.CutPrefix(s, Prefix)
	if !ok {
		// The prefix typed with the same slips as the body.
		if t := typed.Replace(s); strings.HasPrefix(t, "INFOMATI:") || strings.HasPrefix(t, "INFOMAT1:") {
			body, ok = t[len(Prefix):], true
		}
	}
	if !ok {
		return Code{}, ErrPrefix
	}
	body = typed.Replace(body)
	raw, err := enc.DecodeString(body)
	if err != nil {
		return Code{}, fmt.Errorf("%w (niedozwolony znak: kod składa się z liter A–Z i cyfr 2–7)", ErrBad)
	}
	if len(raw) < 1+32+1+1+4 {
		return Code{}, ErrBad
	}
	if enc.EncodeToString(raw) != body {
		// The last character's unused low bits were changed: the decoder drops them, so the
		// checksum cannot see it, but the character was still mistyped.
		return Code{}, ErrChecksum
	}
	data, sum := raw[:len(raw)-4], binary.BigEndian.Uint32(raw[len(raw)-4:])
	if crc32.ChecksumIEEE(data) != sum {
		return Code{}, ErrChecksum
	}
	flags := data[0]
	var c Code
	copy(c.Fingerprint[:], data[1:33])
	n := int(data[33])
	rest := data[34:]
	if flags&^(flagHTTP|flagHexTok) != 0 || n == 0 || len(rest) <= n {
		return Code{}, ErrBad
	}
	where, tok := string(rest[:n]), rest[n:]
	scheme := "https"
	if flags&flagHTTP != 0 {
		scheme = "http"
	}
	u, err := url.Parse(scheme + "://" + where)
	if err != nil || u.Hostname() == "" {
		return Code{}, ErrBad
	}
	if p, err := strconv.Atoi(u.Port()); err != nil || p < 1 || p > 65535 {
		return Code{}, ErrBad
	}
	c.Portal = u.String()
	if flags&flagHexTok != 0 {
		if len(tok) != 32 {
			return Code{}, ErrBad
		}
		c.Token = hex.EncodeToString(tok)
	} else {
		c.Token = string(tok)
	}
	return c, nil
}

// FingerprintString is the fingerprint as openssl prints it: hex pairs in upper case
// separated by colons, for comparing by eye.
func FingerprintString(fp [32]byte) string {
	parts := make([]string, len(fp))
	for i, b := range fp {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// Groups splits a code into groups of five after the prefix, for reading out or typing from
// paper; Decode ignores the spaces.
func Groups(code string) string {
	body, ok := strings.CutPrefix(code, Prefix)
	if !ok {
		return code
	}
	var b strings.Builder
	b.WriteString(Prefix)
	for i := 0; i < len(body); i += 5 {
		b.WriteByte(' ')
		b.WriteString(body[i:min(i+5, len(body))])
	}
	return b.String()
}
