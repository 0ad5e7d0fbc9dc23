package protocol

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/wire-v1.json from the current types")

var t0 = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

// key is a fixed signing key: the tests need no randomness.
func key(seed byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
}

func manifest() Manifest {
	return Manifest{
		Municipality: "przykladowa",
		Version:      5,
		Created:      t0,
		Expires:      t0.Add(30 * 24 * time.Hour),
		Label:        "2026-03-10 rada gminy",
		Index:        []File{{SHA256: strings.Repeat("ab", 32), Size: 321}},
		Limits:       &Limits{Page: 2 << 20, Attachment: 50 << 20, Bundle: 1 << 30},
	}
}

func TestSignVerify(t *testing.T) {
	k := key(1)
	pub := k.Public().(ed25519.PublicKey)
	m := manifest()
	s, err := Sign(m, k)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Verify(pub, "przykladowa", 4, t0)
	if err != nil || !reflect.DeepEqual(got, m) {
		t.Fatalf("Verify: %+v, %v; want the signed manifest, limits included", got, err)
	}
	// A kiosk that already runs this version (after a renewal, or a repeated poll) accepts it.
	if _, err := s.Verify(pub, "przykladowa", 5, t0); err != nil {
		t.Fatalf("same version as active: %v", err)
	}
	if _, err := s.Verify(pub, "przykladowa", 5, m.Expires.Add(-time.Nanosecond)); err != nil {
		t.Fatalf("just before expiry: %v", err)
	}

	for _, tc := range []struct {
		name   string
		s      SignedManifest
		pub    ed25519.PublicKey
		muni   string
		active uint64
		now    time.Time
		want   error
	}{
		{"rollback", s, pub, "przykladowa", 6, t0, ErrRollback},
		{"wrong municipality", s, pub, "inna", 0, t0, ErrWrongPlace},
		{"expired at its expiry", s, pub, "przykladowa", 0, m.Expires, ErrExpired},
		{"expired later", s, pub, "przykladowa", 0, m.Expires.Add(time.Hour), ErrExpired},
		{"another key", s, key(2).Public().(ed25519.PublicKey), "przykladowa", 0, t0, ErrBadSignature},
		{"short key", s, pub[:16], "przykladowa", 0, t0, ErrBadSignature},
		{"no key", s, nil, "przykladowa", 0, t0, ErrBadSignature},
		{"payload changed", tamper(t, s, func(m *Manifest) { m.Version = 99 }), pub, "przykladowa", 0, t0, ErrBadSignature},
		{"expiry extended", tamper(t, s, func(m *Manifest) { m.Expires = m.Expires.AddDate(1, 0, 0) }), pub, "przykladowa", 0, t0, ErrBadSignature},
		{"payload not base64", SignedManifest{Payload: "***", Signature: s.Signature}, pub, "przykladowa", 0, t0, ErrBadSignature},
		{"signature not base64", SignedManifest{Payload: s.Payload, Signature: "***"}, pub, "przykladowa", 0, t0, ErrBadSignature},
		{"empty", SignedManifest{}, pub, "przykladowa", 0, t0, ErrBadSignature},
		{"signed garbage", signRaw([]byte("not json"), k), pub, "przykladowa", 0, t0, ErrBadSignature},
		// The signature is checked first: someone else's manifest for another place is not
		// reported as "another municipality", which would tell a forger the key was right.
		{"forged for another place", mustSign(t, Manifest{Municipality: "inna", Version: 9, Expires: m.Expires}, key(3)), pub, "przykladowa", 0, t0, ErrBadSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.s.Verify(tc.pub, tc.muni, tc.active, tc.now); !errors.Is(err, tc.want) {
				t.Fatalf("Verify: %v, want %v", err, tc.want)
			}
		})
	}
}

func mustSign(t *testing.T, m Manifest, k ed25519.PrivateKey) SignedManifest {
	t.Helper()
	s, err := Sign(m, k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func signRaw(payload []byte, k ed25519.PrivateKey) SignedManifest {
	return SignedManifest{Payload: base64.StdEncoding.EncodeToString(payload), Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(k, payload))}
}

// tamper changes the signed manifest's payload and keeps the old signature.
func tamper(t *testing.T, s SignedManifest, change func(*Manifest)) SignedManifest {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(s.Payload)
	if err != nil {
		t.Fatal(err)
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	change(&m)
	raw, _ = json.Marshal(m)
	return SignedManifest{Payload: base64.StdEncoding.EncodeToString(raw), Signature: s.Signature}
}

// A manifest from a portal before size limits has no "limits": it verifies, with nil Limits
// (the kiosk applies the defaults), and one without limits is signed without the field.
func TestManifestWithoutLimits(t *testing.T) {
	k := key(1)
	m := manifest()
	m.Limits = nil
	s := mustSign(t, m, k)
	raw, _ := base64.StdEncoding.DecodeString(s.Payload)
	if bytes.Contains(raw, []byte(`"limits"`)) {
		t.Fatalf("a manifest without limits carries the field: %s", raw)
	}
	old := signRaw([]byte(`{"municipality":"przykladowa","version":1,"created":"2026-03-10T09:00:00Z","expires":"2026-04-09T09:00:00Z","label":"x","index":[{"sha256":"`+strings.Repeat("ab", 32)+`","size":1}]}`), k)
	got, err := old.Verify(k.Public().(ed25519.PublicKey), "przykladowa", 0, t0)
	if err != nil || got.Limits != nil || len(got.Index) != 1 {
		t.Fatalf("older portal's manifest: %+v, %v", got, err)
	}
}

func TestShardCount(t *testing.T) {
	for _, tc := range []struct{ files, shards int }{
		{0, 1}, {1, 1}, {16, 1}, {17, 2}, {32, 2}, {33, 4}, {100, 8}, {1000, 64}, {4096, 256}, {4097, 256}, {1_000_000, 256},
	} {
		if got := ShardCount(tc.files); got != tc.shards {
			t.Errorf("ShardCount(%d) = %d, want %d", tc.files, got, tc.shards)
		}
	}
}

// ShardOf is computed on both ends, by kiosks and portals of different versions: the values
// are pinned, so a change to the function cannot pass unnoticed.
func TestShardOf(t *testing.T) {
	for _, tc := range []struct {
		path  string
		count int
		want  int
	}{
		{"gmina.yaml", 256, 0x19},
		{"gmina.yaml", 16, 0x19 % 16},
		{"procedury/zameldowanie-pobyt-staly.yaml", 256, 0xe7},
		{"pliki/wniosek.pdf", 256, 0xa1},
		{"bip/index.md", 4, 0x3e % 4},
		{"anything", 1, 0},
	} {
		if got := ShardOf(tc.path, tc.count); got != tc.want {
			t.Errorf("ShardOf(%q, %d) = %d, want %d", tc.path, tc.count, got, tc.want)
		}
	}
	// A smaller count is the larger one's shard modulo: consistent across bundle sizes.
	for i := range 500 {
		p := fmt.Sprintf("bip/strona-%d.md", i)
		for count := 1; count <= 256; count *= 2 {
			if s := ShardOf(p, count); s < 0 || s >= count || s != ShardOf(p, 256)%count {
				t.Fatalf("ShardOf(%q, %d) = %d", p, count, s)
			}
		}
	}
}

// wire holds one fully filled value of every type on the wire, and the paths and codes.
type wire struct {
	Paths          map[string]string
	Codes          []string
	EnrollRequest  EnrollRequest
	EnrollResponse EnrollResponse
	Manifest       Manifest
	SignedManifest SignedManifest
	SignedTime     SignedTime
	Submission     Submission
	Receipt        Receipt
	Heartbeat      Heartbeat
	Error          Error
	Payload        Payload // inside Submission.Ciphertext, once decrypted
}

func sample() wire {
	m := manifest()
	m.Files = map[string]File{"gmina.yaml": {SHA256: strings.Repeat("cd", 32), Size: 1234}}
	return wire{
		Paths: map[string]string{"enroll": PathEnroll, "manifest": PathManifest, "blob": PathBlob,
			"submission": PathSubmission, "heartbeat": PathHeartbeat, "time": PathTime, "auth_header": HeaderDevice},
		Codes: []string{CodeBadRequest, CodeUnauthorized, CodeRevoked, CodeBadToken, CodeNotFound, CodeTooLarge,
			CodeConflict, CodeInternal, CodeRateLimited, CodeQuotaExceeded, CodeTimeout},
		EnrollRequest:  EnrollRequest{Token: "t0k3n", Hostname: "infomat-01", AppVersion: "1.4.0"},
		EnrollResponse: EnrollResponse{DeviceID: "k-0123456789abcdef", Secret: "s3cr3t", Municipality: "przykladowa", SigningKey: "a2V5"},
		Manifest:       m,
		SignedManifest: SignedManifest{Payload: "cGF5bG9hZA==", Signature: "c2lnbmF0dXJl"},
		SignedTime:     SignedTime{Time: "2026-03-10T09:00:00Z", Nonce: "0123456789abcdef0123456789abcdef", Signature: "c2lnbmF0dXJl"},
		Submission: Submission{ID: strings.Repeat("0f", 16), Ref: "UG-2026-ABCD", Procedure: "zameldowanie", Office: "ug",
			ContentVersion: "v5", Created: t0, Ciphertext: []byte("age-encryption.org/v1\n"), ClockSuspect: true},
		Receipt: Receipt{ID: strings.Repeat("0f", 16), PortalRef: "2026/000123", Received: t0.Add(time.Second), CiphertextSHA256: strings.Repeat("ef", 32)},
		Heartbeat: Heartbeat{ContentVersion: 5, ContentLabel: "v5", Queued: 2, Oldest: t0.Add(-time.Hour), Printer: "tm-t20", PrinterOK: true,
			PaperOut: true, Reader: "rdm6300", ReaderOK: true, DiskFree: 1 << 30, Uptime: 3600.5, AppVersion: "1.4.0", Sent: t0,
			OutOfService: true, ClockSuspect: true, Salvaged: 3, Unrecoverable: 1},
		Error: Error{Code: CodeRateLimited, Message: "too many submissions"},
		Payload: Payload{Procedure: "zameldowanie", ProcedureTitle: "Zameldowanie na pobyt stały", ContentVersion: "v5", Submitted: t0,
			Answers: []Answer{{Field: "imie", Question: "Imię i nazwisko", Value: "Jan Kowalski"},
				{Field: "tytul", Question: "Tytuł prawny", Value: "najem", Display: "Wynajmuję"}}},
	}
}

// The JSON of every wire type, field names included, is pinned in testdata/wire-v1.json:
// kiosks in the field run older versions, so a renamed field or path would silently break
// them. A deliberate change (a new optional field) is made with -update and shows in review.
func TestWireFormatGolden(t *testing.T) {
	got, err := json.MarshalIndent(sample(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "wire-v1.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("the wire format changed (go test -update after a deliberate change):\n%s", lineDiff(string(want), string(got)))
	}
	// And what was sent decodes to the same values (ClockSuspect, Limits, times).
	var back wire
	if err := json.Unmarshal(want, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, sample()) {
		t.Fatalf("round trip:\n%+v\nwant\n%+v", back, sample())
	}
}

// The optional fields stay off the wire when unset, so older portals and kiosks see what
// they always saw, and decode to their zero values when absent.
func TestOptionalFieldsOmitted(t *testing.T) {
	for _, tc := range []struct {
		v       any
		absent  []string
		decoded any
	}{
		{Submission{ID: "x"}, []string{"clock_suspect"}, &Submission{}},
		{Heartbeat{}, []string{"oldest", "out_of_service", "clock_suspect", "salvaged", "unrecoverable"}, &Heartbeat{}},
		{Manifest{}, []string{"files", "index", "limits"}, &Manifest{}},
		{Receipt{}, []string{"ciphertext_sha256"}, &Receipt{}},
		{Limits{Page: 1}, []string{"attachment", "bundle"}, &Limits{}},
		{Answer{Field: "imie"}, []string{"display"}, &Answer{}},
	} {
		raw, err := json.Marshal(tc.v)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range tc.absent {
			if bytes.Contains(raw, []byte(`"`+f+`"`)) {
				t.Errorf("%T: %q sent while unset: %s", tc.v, f, raw)
			}
		}
		if err := json.Unmarshal(raw, tc.decoded); err != nil {
			t.Fatal(err)
		}
		if got := reflect.ValueOf(tc.decoded).Elem().Interface(); !reflect.DeepEqual(got, tc.v) {
			t.Errorf("%T round trip: %+v, want %+v", tc.v, got, tc.v)
		}
	}
}

// The portal exports what is one JSON object (CheckPayload); DecodePayload reads the fields
// too. Neither error repeats the plaintext: it is personal data.
func TestDecodePayload(t *testing.T) {
	raw, err := json.Marshal(sample().Payload)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodePayload(raw)
	if err != nil || !reflect.DeepEqual(got, sample().Payload) {
		t.Fatalf("DecodePayload: %+v, %v", got, err)
	}
	// A field a newer kiosk adds is ignored, not an error.
	if _, err := DecodePayload([]byte(`{"procedure":"x","answers":[],"signature":"new"}`)); err != nil {
		t.Fatalf("unknown field: %v", err)
	}
	const secret = "Jan Kowalski 90010112345"
	for _, tc := range []struct {
		plain       string
		check, want error
	}{
		{secret, ErrNotJSONObject, ErrNotJSONObject},
		{"", ErrNotJSONObject, ErrNotJSONObject},
		{`["` + secret + `"]`, ErrNotJSONObject, ErrNotJSONObject},
		{`{"procedure":"` + secret, ErrNotJSONObject, ErrNotJSONObject},
		{` {"answers":[1]}`, nil, ErrNotPayload}, // an object: exported; but not a Payload's fields
		{`{"procedure":"` + secret + `","answers":"` + secret + `"}`, nil, ErrNotPayload},
	} {
		if err := CheckPayload([]byte(tc.plain)); !errors.Is(err, tc.check) || (tc.check == nil) != (err == nil) {
			t.Errorf("CheckPayload(%q) = %v, want %v", tc.plain, err, tc.check)
		}
		_, err := DecodePayload([]byte(tc.plain))
		if !errors.Is(err, tc.want) {
			t.Errorf("DecodePayload(%q) = %v, want %v", tc.plain, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "Kowalski") {
			t.Errorf("the error quotes the plaintext: %v", err)
		}
	}
}

// lineDiff shows the first lines that differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)) && b.Len() < 2000; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want %s\n  got  %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}

func TestSignedTime(t *testing.T) {
	k := key(1)
	pub := k.Public().(ed25519.PublicKey)
	const nonce = "0123456789abcdef0123456789abcdef"
	st := SignTime(k, "przykladowa", nonce, t0.Add(1500*time.Millisecond))
	got, err := st.Verify(pub, "przykladowa", nonce)
	if err != nil || !got.Equal(t0.Add(time.Second)) {
		t.Fatalf("Verify: %s, %v; want %s", got, err, t0.Add(time.Second))
	}
	if want := "infomat-time-v1\nprzykladowa\n" + nonce + "\n2026-03-10T09:00:01Z"; string(TimeMessage("przykladowa", nonce, st.Time)) != want {
		t.Fatalf("signed message %q, want %q", TimeMessage("przykladowa", nonce, st.Time), want)
	}
	later := st
	later.Time = "2026-03-10T09:00:02Z"
	other := SignTime(k, "przykladowa", "ffffffffffffffffffffffffffffffff", t0)
	manifestSig, _ := Sign(manifest(), k)
	for _, tc := range []struct {
		name  string
		s     SignedTime
		pub   ed25519.PublicKey
		muni  string
		nonce string
	}{
		{"another key", st, key(2).Public().(ed25519.PublicKey), "przykladowa", nonce},
		{"another nonce (a replay)", other, pub, "przykladowa", nonce},
		{"nonce echoed but signed for another", SignedTime{Time: other.Time, Nonce: nonce, Signature: other.Signature}, pub, "przykladowa", nonce},
		{"another municipality", st, pub, "inna", nonce},
		{"time changed", later, pub, "przykladowa", nonce},
		{"a manifest signature", SignedTime{Time: st.Time, Nonce: nonce, Signature: manifestSig.Signature}, pub, "przykladowa", nonce},
		{"no nonce", SignTime(k, "przykladowa", "", t0), pub, "przykladowa", ""},
		{"no key", st, nil, "przykladowa", nonce},
		{"signature not base64", SignedTime{Time: st.Time, Nonce: nonce, Signature: "***"}, pub, "przykladowa", nonce},
		{"empty", SignedTime{}, pub, "przykladowa", nonce},
	} {
		if _, err := tc.s.Verify(tc.pub, tc.muni, tc.nonce); !errors.Is(err, ErrBadTimeSignature) {
			t.Errorf("%s: %v, want ErrBadTimeSignature", tc.name, err)
		}
	}
	// A time not in RFC 3339, even signed, is refused.
	bad := SignedTime{Time: "yesterday", Nonce: nonce,
		Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(k, TimeMessage("przykladowa", nonce, "yesterday")))}
	if _, err := bad.Verify(pub, "przykladowa", nonce); !errors.Is(err, ErrBadTimeSignature) {
		t.Errorf("malformed time: %v", err)
	}
}
