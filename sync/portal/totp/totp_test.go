package totp

import (
	"strings"
	"testing"
	"time"
)

// RFC 6238 appendix B: the SHA-1 rows, 8 digits, secret "12345678901234567890".
func TestRFC6238Vectors(t *testing.T) {
	secret := []byte("12345678901234567890")
	for _, v := range []struct {
		unix int64
		code string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	} {
		if got := HOTP(secret, Counter(time.Unix(v.unix, 0)), 8); got != v.code {
			t.Errorf("T=%d: %s, want %s", v.unix, got, v.code)
		}
	}
}

// RFC 4226 appendix D: HOTP of counters 0..9, 6 digits.
func TestRFC4226Vectors(t *testing.T) {
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for i, w := range want {
		if got := HOTP([]byte("12345678901234567890"), int64(i), 6); got != w {
			t.Errorf("counter %d: %s, want %s", i, got, w)
		}
	}
}

func TestVerify(t *testing.T) {
	secret := []byte("12345678901234567890")
	now := time.Unix(1111111111, 0)
	c := Counter(now)
	for _, d := range []int64{-1, 0, 1} {
		code := HOTP(secret, c+d, Digits)
		if step, ok := Verify(secret, code, now, 0); !ok || step != c+d {
			t.Errorf("step %+d: %v %v", d, step, ok)
		}
	}
	for _, d := range []int64{-2, 2} {
		if _, ok := Verify(secret, HOTP(secret, c+d, Digits), now, 0); ok {
			t.Errorf("step %+d accepted", d)
		}
	}
	// Replay: a code of a step already used is refused.
	if _, ok := Verify(secret, Code(secret, now), now, c); ok {
		t.Error("a used step was accepted again")
	}
	if _, ok := Verify(secret, "12345", now, 0); ok {
		t.Error("a short code was accepted")
	}
}

func TestEncodeDecodeURI(t *testing.T) {
	s := []byte("12345678901234567890")
	enc := Encode(s)
	if enc != "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" {
		t.Fatalf("Encode: %s", enc)
	}
	back, err := Decode(strings.ToLower(enc[:8]) + " " + enc[8:])
	if err != nil || string(back) != string(s) {
		t.Fatalf("Decode: %q, %v", back, err)
	}
	u := URI("Infomat przykladowa", "jan", s)
	if !strings.HasPrefix(u, "otpauth://totp/Infomat%20przykladowa:jan?") || !strings.Contains(u, "secret="+enc) {
		t.Fatalf("URI: %s", u)
	}
}
