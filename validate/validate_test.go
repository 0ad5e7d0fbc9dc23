package validate

import (
	"errors"
	"testing"
)

// Test values are python-stdnum's (pl.nip, pl.regon) and the examples of DESIGN.md.
func TestNIP(t *testing.T) {
	for _, ok := range []string{"8567346215", "856-734-62-15", "9876543210"} {
		if err := NIP(ok); err != nil {
			t.Errorf("NIP(%q) = %v", ok, err)
		}
	}
	cases := map[string]error{
		"8567346216":  ErrChecksum,
		"856734621":   ErrLength,
		"85673462A5":  ErrDigits,
		"":            ErrEmpty,
		"1234567890":  ErrChecksum, // remainder 10 is never valid
		"85673462155": ErrLength,
	}
	for in, want := range cases {
		if err := NIP(in); !errors.Is(err, want) {
			t.Errorf("NIP(%q) = %v, want %v", in, err, want)
		}
	}
}

func TestREGON(t *testing.T) {
	for _, ok := range []string{"192598184", "12345678512347", "123456785"} {
		if err := REGON(ok); err != nil {
			t.Errorf("REGON(%q) = %v", ok, err)
		}
	}
	for in, want := range map[string]error{"192598183": ErrChecksum, "12345678512348": ErrChecksum, "1234": ErrLength, "": ErrEmpty} {
		if err := REGON(in); !errors.Is(err, want) {
			t.Errorf("REGON(%q) = %v, want %v", in, err, want)
		}
	}
}

func TestNRB(t *testing.T) {
	for _, ok := range []string{
		"92124012340001567890123456", // DESIGN.md payment QR example
		"25 1240 1239 2000 0000 0000 0101",
		"PL61 1090 1014 0000 0712 1981 2874",
	} {
		if err := NRB(ok); err != nil {
			t.Errorf("NRB(%q) = %v", ok, err)
		}
	}
	for in, want := range map[string]error{
		"93124012340001567890123456": ErrChecksum,
		"9212401234000156789012345":  ErrLength,
		"":                           ErrEmpty,
	} {
		if err := NRB(in); !errors.Is(err, want) {
			t.Errorf("NRB(%q) = %v, want %v", in, err, want)
		}
	}
}

func TestPostalCode(t *testing.T) {
	if err := PostalCode("99-150"); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"99150", "9-9150", "AB-123", "99-1500"} {
		if PostalCode(bad) == nil {
			t.Errorf("PostalCode(%q) accepted", bad)
		}
	}
}
