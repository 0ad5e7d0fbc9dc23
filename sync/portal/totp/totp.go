// Package totp is RFC 6238 time-based one-time passwords as authenticator apps make them:
// HMAC-SHA1, 30-second steps, 6 digits. It is a few lines over the standard library, which
// is why the portal has it here rather than as a dependency.
package totp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Step is the time step; Digits the code length. Both are what every authenticator app
// assumes when the otpauth URI names no others.
const (
	Step   = 30 * time.Second
	Digits = 6
)

// Skew is how many steps either side of now a code is accepted in, for clocks a little off
// and codes typed as the step turns.
const Skew = 1

// NewSecret makes a 160-bit secret (RFC 4226 recommends at least that for SHA-1).
func NewSecret() ([]byte, error) {
	s := make([]byte, 20)
	if _, err := rand.Read(s); err != nil {
		return nil, fmt.Errorf("totp secret: %w", err)
	}
	return s, nil
}

// Encode is the secret in the unpadded base32 the apps take when typed by hand.
func Encode(secret []byte) string {
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret)
}

// Decode reads Encode's form, forgiving case, spaces and padding.
func Decode(s string) ([]byte, error) {
	s = strings.ToUpper(strings.Join(strings.Fields(s), ""))
	return base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(s, "="))
}

// Counter is the time step t falls in.
func Counter(t time.Time) int64 { return t.Unix() / int64(Step/time.Second) }

// HOTP is RFC 4226's code for a counter, with digits digits (RFC 6238's vectors use 8).
func HOTP(secret []byte, counter int64, digits int) string {
	mac := hmac.New(sha1.New, secret)
	_ = binary.Write(mac, binary.BigEndian, counter)
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	code := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, code%mod)
}

// Code is the 6-digit code at time t.
func Code(secret []byte, t time.Time) string { return HOTP(secret, Counter(t), Digits) }

// Verify checks code against the steps around now and returns the step it matched. A step at
// or before last (the last one accepted) is refused, so a code cannot be used twice.
func Verify(secret []byte, code string, now time.Time, last int64) (step int64, ok bool) {
	code = strings.TrimSpace(code)
	if len(code) != Digits {
		return 0, false
	}
	c := Counter(now)
	for s := c - Skew; s <= c+Skew; s++ {
		if s <= last {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(HOTP(secret, s, Digits)), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// URI is the otpauth:// key URI an authenticator app reads from a QR code.
func URI(issuer, account string, secret []byte) string {
	v := url.Values{}
	v.Set("secret", Encode(secret))
	v.Set("issuer", issuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", fmt.Sprint(Digits))
	v.Set("period", fmt.Sprint(int(Step/time.Second)))
	label := url.PathEscape(issuer) + ":" + url.PathEscape(account)
	return "otpauth://totp/" + label + "?" + v.Encode()
}
