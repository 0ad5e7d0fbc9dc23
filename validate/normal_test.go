package validate

import "testing"

// People type dates, postal codes and NIPs in many ways; each normalises to the one form the
// office reads and then passes the check.
func TestNormalDate(t *testing.T) {
	for in, want := range map[string]string{
		"14.05.1944":   "14.05.1944",
		"14-05-1944":   "14.05.1944",
		"14/05/1944":   "14.05.1944",
		"14 05 1944":   "14.05.1944",
		"14051944":     "14.05.1944",
		" 4.5.1944 ":   "04.05.1944",
		"14. 05. 1944": "14.05.1944",
		"14.05.44":     "14.05.44",
		"1405194":      "1405194",
		"jutro":        "jutro",
	} {
		got := NormalDate(in)
		if got != want {
			t.Errorf("NormalDate(%q) = %q, want %q", in, got, want)
		}
	}
	for _, in := range []string{"14.05.1944", "14-05-1944", "14/05/1944", "14 05 1944", "14051944"} {
		if _, err := Date(NormalDate(in)); err != nil {
			t.Errorf("Date(NormalDate(%q)): %v", in, err)
		}
	}
	if _, err := Date(NormalDate("31042020")); err == nil {
		t.Error("31 April accepted")
	}
}

func TestNormalPostalCode(t *testing.T) {
	for in, want := range map[string]string{
		"00950":   "00-950",
		"00 950":  "00-950",
		"00-950":  "00-950",
		" 00950 ": "00-950",
		"0095":    "0095",
		"009500":  "009500",
		"ab-cde":  "ab-cde",
	} {
		if got := NormalPostalCode(in); got != want {
			t.Errorf("NormalPostalCode(%q) = %q, want %q", in, got, want)
		}
	}
	for _, in := range []string{"00950", "00 950", "00-950"} {
		if err := PostalCode(NormalPostalCode(in)); err != nil {
			t.Errorf("PostalCode(NormalPostalCode(%q)): %v", in, err)
		}
	}
	if PostalCode(NormalPostalCode("0095")) == nil {
		t.Error("four digits accepted")
	}
}

func TestNormalNIP(t *testing.T) {
	for in, want := range map[string]string{
		"PL8567346215":     "8567346215",
		"pl 856-734-62-15": "8567346215",
		"856-734-62-15":    "8567346215",
		"856 73 46 215":    "8567346215",
		"8567346215":       "8567346215",
		"DE8567346215":     "DE8567346215",
	} {
		if got := NormalNIP(in); got != want {
			t.Errorf("NormalNIP(%q) = %q, want %q", in, got, want)
		}
	}
	if err := NIP(NormalNIP("PL8567346215")); err != nil {
		t.Errorf("NIP(NormalNIP(PL8567346215)): %v", err)
	}
	if NIP(NormalNIP("PL8567346216")) == nil {
		t.Error("a wrong check digit passed after normalising")
	}
	if NIP(NormalNIP("DE8567346215")) == nil {
		t.Error("a foreign VAT number passed")
	}
}

func TestNormalDigits(t *testing.T) {
	if got := NormalDigits(" 440514 01359 "); got != "44051401359" {
		t.Errorf("NormalDigits = %q", got)
	}
	if got := NormalDigits("4405x"); got != "4405x" {
		t.Errorf("NormalDigits = %q", got)
	}
}
