package protocol

import (
	"strings"
	"testing"
)

func TestParsePin(t *testing.T) {
	hex := strings.Repeat("0a", 32)
	want := "sha256:" + hex
	var colons []string
	for i := 0; i < len(hex); i += 2 {
		colons = append(colons, "0A")
	}
	for _, in := range []string{want, " " + want + "\n", "SHA256:" + strings.ToUpper(hex), "sha256:" + strings.Join(colons, ":")} {
		if got, err := ParsePin(in); err != nil || got != want {
			t.Errorf("ParsePin(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", hex, "sha1:" + hex, "sha256:" + hex[:62], "sha256:" + hex + "00", "sha256:" + strings.Repeat("zz", 32)} {
		if _, err := ParsePin(in); err == nil {
			t.Errorf("ParsePin(%q) took it", in)
		}
	}
}
