// Package validate checks Polish identifiers and numbers the way the offices check them:
// checksums and formats only, no network look-ups.
package validate

import (
	"errors"
	"math/big"
	"strings"
)

// Errors are sentinel values so callers (and the translation layer) can phrase them.
var (
	ErrEmpty    = errors.New("empty")
	ErrLength   = errors.New("wrong length")
	ErrDigits   = errors.New("not only digits")
	ErrChecksum = errors.New("checksum mismatch")
	ErrFormat   = errors.New("wrong format")
)

// clean removes the spaces and dashes people type between groups of digits.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\u00a0' {
			return -1
		}
		return r
	}, s)
}

func digits(s string, n int) ([]int, error) {
	if s == "" {
		return nil, ErrEmpty
	}
	if len(s) != n {
		return nil, ErrLength
	}
	d := make([]int, n)
	for i := 0; i < n; i++ {
		if s[i] < '0' || s[i] > '9' {
			return nil, ErrDigits
		}
		d[i] = int(s[i] - '0')
	}
	return d, nil
}

func weighted(d []int, w []int) int {
	s := 0
	for i, x := range w {
		s += d[i] * x
	}
	return s
}

// NRB checks a Polish bank account number: 26 digits (spaces allowed, optional "PL" prefix)
// whose IBAN form PL + digits passes the mod 97 check.
func NRB(s string) error {
	s = strings.TrimPrefix(strings.ToUpper(clean(s)), "PL")
	if _, err := digits(s, 26); err != nil {
		return err
	}
	// IBAN: move country and check digits to the end; P=25, L=21.
	n, _ := new(big.Int).SetString(s[2:]+"2521"+s[:2], 10)
	if new(big.Int).Mod(n, big.NewInt(97)).Int64() != 1 {
		return ErrChecksum
	}
	return nil
}

// NIP checks a tax identification number: weights 6 5 7 2 3 4 5 6 7, sum mod 11 equals the
// tenth digit, and a remainder of 10 is never valid.
func NIP(s string) error {
	d, err := digits(clean(s), 10)
	if err != nil {
		return err
	}
	r := weighted(d, []int{6, 5, 7, 2, 3, 4, 5, 6, 7}) % 11
	if r == 10 || r != d[9] {
		return ErrChecksum
	}
	return nil
}

// REGON checks a 9- or 14-digit statistical number.
func REGON(s string) error {
	s = clean(s)
	switch len(s) {
	case 9:
		d, err := digits(s, 9)
		if err != nil {
			return err
		}
		if weighted(d, []int{8, 9, 2, 3, 4, 5, 6, 7})%11%10 != d[8] {
			return ErrChecksum
		}
		return nil
	case 14:
		d, err := digits(s, 14)
		if err != nil {
			return err
		}
		if weighted(d, []int{2, 4, 8, 5, 0, 9, 7, 3, 6, 1, 2, 4, 8})%11%10 != d[13] {
			return ErrChecksum
		}
		return nil
	case 0:
		return ErrEmpty
	}
	return ErrLength
}

// PostalCode checks the NN-NNN format.
func PostalCode(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return ErrEmpty
	}
	if len(s) != 6 || s[2] != '-' {
		return ErrFormat
	}
	if _, err := digits(s[:2]+s[3:], 5); err != nil {
		return ErrFormat
	}
	return nil
}
