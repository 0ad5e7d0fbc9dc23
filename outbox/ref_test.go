package outbox

import (
	"bytes"
	"crypto/rand"
	"errors"
	mrand "math/rand/v2"
	"strings"
	"testing"
)

func TestRefAlphabet(t *testing.T) {
	if refMod != 29 {
		t.Fatalf("alphabet has %d characters, want the prime 29", refMod)
	}
	for _, c := range "01OILUZ" {
		if strings.ContainsRune(refAlphabet, c) {
			t.Errorf("ambiguous %q in alphabet", c)
		}
	}
	seen := map[int]rune{}
	for c := 'A'; c <= 'Z'; c++ {
		v := refValue[c]
		if v < 0 || v >= refMod {
			t.Fatalf("letter %q has no value", c)
		}
		if o, dup := seen[v]; dup {
			t.Fatalf("letters %q and %q share value %d", o, c, v)
		}
		seen[v] = c
	}
}

func TestNewRefFormat(t *testing.T) {
	rnd := seeded(3)
	for _, prefix := range []string{"PR", "prz", "Usc", "ABCD"} {
		for range 200 {
			ref, err := NewRef(prefix, rnd)
			if err != nil {
				t.Fatal(err)
			}
			p := strings.ToUpper(prefix)
			if !strings.HasPrefix(ref, p+"-") || len(ref) != len(p)+1+4+1+2 || ref[len(p)+5] != '-' {
				t.Fatalf("NewRef(%q) = %q: wrong shape", prefix, ref)
			}
			for _, c := range strings.ReplaceAll(ref[len(p)+1:], "-", "") {
				if !strings.ContainsRune(refAlphabet, c) {
					t.Fatalf("NewRef(%q) = %q: %q not in alphabet", prefix, ref, c)
				}
			}
			if !ValidRef(ref) {
				t.Fatalf("NewRef(%q) = %q is not ValidRef", prefix, ref)
			}
		}
	}
	for _, bad := range []string{"", "P", "ABCDE", "P1", "PŻ", "P-R", "ab c"} {
		if _, err := NewRef(bad, rand.Reader); !errors.Is(err, ErrBadPrefix) {
			t.Errorf("NewRef(%q) err = %v, want ErrBadPrefix", bad, err)
		}
	}
	if _, err := NewRef("PRZ", bytes.NewReader(nil)); err == nil {
		t.Error("NewRef with an empty random source succeeded")
	}
}

func TestNewRefUniform(t *testing.T) {
	// Rough check that rejection sampling uses every character.
	counts := map[rune]int{}
	rnd := seeded(4)
	for range 3000 {
		ref, err := NewRef("AB", rnd)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range ref[3:7] + ref[8:9] {
			counts[c]++
		}
	}
	if len(counts) != refMod {
		t.Fatalf("payload used %d distinct characters, want %d", len(counts), refMod)
	}
	for c, n := range counts {
		// expected 15000/29 ≈ 517
		if n < 350 || n > 700 {
			t.Errorf("character %q drawn %d times, expected about 517", c, n)
		}
	}
}

// seeded is a deterministic random source for tests: the same references
// on every run, so a failure can be replayed.
func seeded(seed uint64) *mrand.ChaCha8 {
	var s [32]byte
	s[0], s[1] = byte(seed), byte(seed>>8)
	return mrand.NewChaCha8(s)
}

func TestValidRefInput(t *testing.T) {
	ref, err := NewRef("PRZ", seeded(1))
	if err != nil {
		t.Fatal(err)
	}
	plain := strings.ReplaceAll(ref, "-", "")
	for _, in := range []string{
		ref,
		strings.ToLower(ref),
		plain,
		strings.ToLower(plain),
		strings.ReplaceAll(ref, "-", " "),
		" " + ref + " ",
		plain[:3] + "-" + plain[3:],
		plain[:7] + " " + plain[7:],
		"-" + plain + "-",
	} {
		got, ok := NormalizeRef(in)
		if !ok || got != ref {
			t.Errorf("NormalizeRef(%q) = %q, %v; want %q, true", in, got, ok, ref)
		}
	}
	for _, in := range []string{
		"", "PRZ", "PRZ-", "P-7K4M-Q2", "PRZAB-7K4M-Q2x",
		strings.Replace(ref, "-", "_", 1),
		ref + "2",
		strings.Repeat("A", 100),
		"PR1-" + ref[4:],
		"PRZ-EGPS-PC2", // valid only as PRZE-GPSP-C2: the dash says otherwise
		plain[:2] + "-" + plain[2:],
		plain[:5] + "-" + plain[5:],
	} {
		if ValidRef(in) {
			t.Errorf("ValidRef(%q) = true", in)
		}
	}
}

// typeable is every character a resident could type instead of another.
const typeable = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// TestValidRefCatchesTypos: every single-character substitution and every
// adjacent transposition (in the dash-free form, so across the dashes too)
// of a valid reference fails ValidRef.
func TestValidRefCatchesTypos(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(1, 2))
	rnd := seeded(5)
	prefixes := []string{"PR", "PRZ", "USC", "ZIOL", "AB", "WXYZ"}
	refs := 0
	for round := range 3000 {
		prefix := prefixes[round%len(prefixes)]
		if round%2 == 1 { // random prefixes, including letters outside the alphabet
			n := 2 + rng.IntN(3)
			b := make([]byte, n)
			for i := range b {
				b[i] = byte('A' + rng.IntN(26))
			}
			prefix = string(b)
		}
		ref, err := NewRef(prefix, rnd)
		if err != nil {
			t.Fatal(err)
		}
		refs++
		s := []byte(strings.ReplaceAll(ref, "-", ""))
		for i := range s {
			orig := s[i]
			for j := 0; j < len(typeable); j++ {
				c := typeable[j]
				if c == orig || c == orig+('a'-'A') {
					continue // same character
				}
				s[i] = c
				if ValidRef(string(s)) {
					t.Fatalf("%s: substituting %q at %d gives %q, which ValidRef accepts", ref, c, i, s)
				}
			}
			s[i] = orig
		}
		for i := 0; i+1 < len(s); i++ {
			if s[i] == s[i+1] {
				continue
			}
			s[i], s[i+1] = s[i+1], s[i]
			if ValidRef(string(s)) {
				t.Fatalf("%s: swapping %d and %d gives %q, which ValidRef accepts", ref, i, i+1, s)
			}
			s[i], s[i+1] = s[i+1], s[i]
		}
		if !ValidRef(string(s)) {
			t.Fatalf("%s: restored form %q rejected", ref, s)
		}
	}
	t.Logf("checked %d references", refs)
}

// TestRefWeights checks the algebra behind TestValidRefCatchesTypos for all
// references, not just the sampled ones: with a prime modulus, weights that
// are non-zero and pairwise distinct catch every substitution and every
// transposition.
func TestRefWeights(t *testing.T) {
	maxLen := refMaxPrefix + refPayloadLen + 1
	seen := map[int]bool{}
	for pos := range maxLen {
		w := (maxLen - pos) % refMod // weight of pos counted from the right, check = 1
		if w == 0 || seen[w] {
			t.Fatalf("weight %d at position %d is zero or repeated mod %d", w, pos, refMod)
		}
		seen[w] = true
	}
}

// TestRefOneParse: for every prefix length, the characters of a valid
// reference are accepted only with separators where the printed form has
// them; a separator that suggests another prefix length (the same characters
// split differently) is refused, and so is the reference with a character
// added or dropped at either side of the prefix (which changes the split).
func TestRefOneParse(t *testing.T) {
	rnd := seeded(2)
	for p := refMinPrefix; p <= refMaxPrefix; p++ {
		for round := range 2000 {
			prefix := make([]byte, p)
			for i := range prefix {
				prefix[i] = byte('A' + (round*7+i*3)%26)
			}
			ref, err := NewRef(string(prefix), rnd)
			if err != nil {
				t.Fatal(err)
			}
			plain := strings.ReplaceAll(ref, "-", "")
			n := len(plain)
			if got, ok := NormalizeRef(plain); !ok || got != ref {
				t.Fatalf("NormalizeRef(%q) = %q, %v; want %q", plain, got, ok, ref)
			}
			for k := 1; k < n; k++ {
				in := plain[:k] + "-" + plain[k:]
				_, ok := NormalizeRef(in)
				if want := k == p || k == p+4; ok != want {
					t.Fatalf("%s: ValidRef(%q) = %v, want %v", ref, in, ok, want)
				}
			}
			// The same characters with one more or one less, written the
			// way a reference with the other prefix length is printed.
			for _, other := range []string{plain + "2", plain[:n-1], "A" + plain, plain[1:]} {
				m := len(other)
				if m < 2+refPayloadLen+1 {
					continue
				}
				for _, k := range []int{p, p - 1, p + 1} {
					if k <= 0 || k >= m || k == m-refPayloadLen-1 {
						continue
					}
					in := other[:k] + "-" + other[k:]
					if ValidRef(in) {
						t.Fatalf("%s: ValidRef(%q) = true: the dash after %d characters disagrees with the parse", ref, in, k)
					}
				}
			}
		}
	}
}
