package enrolcode

import (
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
)

func sample() Code {
	return Code{
		Portal:      "https://portal.gmina-przykladowa.pl:8443",
		Token:       strings.Repeat("0123456789abcdef", 4),
		Fingerprint: sha256.Sum256([]byte("certificate")),
	}
}

func TestRoundTrip(t *testing.T) {
	for _, c := range []Code{
		sample(),
		{Portal: "https://portal.example.pl", Token: "not-hex-token", Fingerprint: sha256.Sum256(nil)},
		{Portal: "http://127.0.0.1:18443/infomat/", Token: strings.Repeat("ab", 32)},
		{Portal: "https://[::1]:8443", Token: strings.Repeat("cd", 32)},
	} {
		code, err := Encode(c)
		if err != nil {
			t.Fatalf("Encode(%+v): %v", c, err)
		}
		if !strings.HasPrefix(code, Prefix) || strings.ToUpper(code) != code {
			t.Errorf("code %q: want the prefix and upper case", code)
		}
		got, err := Decode(code)
		if err != nil {
			t.Fatalf("Decode(%q): %v", code, err)
		}
		want := c
		switch c.Portal { // the port is always written out, the trailing slash dropped
		case "https://portal.example.pl":
			want.Portal = "https://portal.example.pl:443"
		case "http://127.0.0.1:18443/infomat/":
			want.Portal = "http://127.0.0.1:18443/infomat"
		}
		if got != want {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
		}
	}
}

// How a person or a scanner delivers a code: in lower case, in groups, with 0 for O and 1
// for I.
func TestDecodeTyped(t *testing.T) {
	code, err := Encode(sample())
	if err != nil {
		t.Fatal(err)
	}
	for _, typed := range []string{
		strings.ToLower(code),
		Groups(code),
		"  " + strings.ReplaceAll(Groups(code), " ", "-") + "\r\n",
		strings.NewReplacer("O", "0", "I", "1").Replace(code),
	} {
		got, err := Decode(typed)
		if err != nil || got != sample() {
			t.Errorf("Decode(%q) = %+v, %v", typed, got, err)
		}
	}
}

// Every single-character substitution anywhere in the code is detected, and so is every
// swap of two neighbouring different characters.
func TestEverySubstitutionDetected(t *testing.T) {
	code, err := Encode(sample())
	if err != nil {
		t.Fatal(err)
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567:"
	same := map[[2]byte]bool{{'O', '0'}: true, {'I', '1'}: true, {'B', '8'}: true, {'1', 'I'}: true} // read alike on purpose
	tried := 0
	for i := range len(code) {
		for _, r := range alphabet + "0189" {
			if byte(r) == code[i] || same[[2]byte{code[i], byte(r)}] {
				continue
			}
			bad := code[:i] + string(r) + code[i+1:]
			tried++
			if got, err := Decode(bad); err == nil {
				t.Fatalf("substitution at %d (%c→%c) decoded as %+v", i, code[i], r, got)
			}
		}
	}
	for i := len(Prefix); i+1 < len(code); i++ {
		if code[i] == code[i+1] {
			continue
		}
		bad := code[:i] + string(code[i+1]) + string(code[i]) + code[i+2:]
		if _, err := Decode(bad); err == nil {
			t.Fatalf("swap at %d decoded", i)
		}
	}
	if tried < 30*len(code) {
		t.Fatalf("only %d substitutions tried", tried)
	}
}

func TestDecodeErrors(t *testing.T) {
	code, err := Encode(sample())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in   string
		want error
	}{
		{"", ErrPrefix},
		{"0123456789abcdef", ErrPrefix},
		{"https://portal.example.pl", ErrPrefix},
		{code[:len(code)-10], ErrChecksum},
		{Prefix + "AAAA", ErrBad},
		{code + "Ą", ErrBad},
	} {
		_, err := Decode(tc.in)
		if !errors.Is(err, tc.want) {
			t.Errorf("Decode(%q) = %v, want %v", tc.in, err, tc.want)
		}
	}
	// The messages are Polish and say what to do.
	for _, e := range []error{ErrPrefix, ErrChecksum, ErrBad} {
		if !strings.Contains(e.Error(), "kod") {
			t.Errorf("%v", e)
		}
	}
}

func TestEncodeRefuses(t *testing.T) {
	for _, c := range []Code{
		{Portal: "portal.example.pl:8443", Token: "t"},
		{Portal: "ftp://portal.example.pl", Token: "t"},
		{Portal: "https://portal.example.pl", Token: ""},
		{Portal: "https://portal.example.pl?x=1", Token: "t"},
	} {
		if code, err := Encode(c); err == nil {
			t.Errorf("Encode(%+v) = %q", c, code)
		}
	}
}

func TestFingerprintString(t *testing.T) {
	var fp [32]byte
	fp[0], fp[31] = 0xab, 0x01
	got := FingerprintString(fp)
	if !strings.HasPrefix(got, "AB:00:") || !strings.HasSuffix(got, ":00:01") || len(got) != 32*3-1 {
		t.Errorf("%s", got)
	}
}
