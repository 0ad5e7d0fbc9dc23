package kiosk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"infomat/assets"
	"infomat/content"
	"infomat/outbox"
	"infomat/store"
	"infomat/sync/protocol"
)

// sampleIdentity is the fictional municipality's private key (testdata/), the other half of
// klucz_wnioskow in the embedded gmina.yaml.
func sampleIdentity(t *testing.T) *age.X25519Identity {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "przykladowa.agekey"))
	if err != nil {
		t.Fatal(err)
	}
	id, err := age.ParseX25519Identity(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestSubmitEncryptsToTheMunicipalityAndLogsNothingPersonal(t *testing.T) {
	dir := t.TempDir()
	st, _, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	ob, err := outbox.Open(st.Bolt())
	if err != nil {
		t.Fatal(err)
	}
	b, err := content.Load(assets.DefaultContent())
	if err != nil {
		t.Fatal(err)
	}
	p, _ := b.Procedure("zameldowanie-pobyt-staly")
	if p.Form == nil {
		t.Fatal("sample card has no form")
	}
	var logs bytes.Buffer
	// The sample's key is published: only a demo kiosk files forms to it.
	s := &Submitter{Outbox: ob, Content: b, Log: slog.New(slog.NewTextHandler(&logs, nil)), Demo: true,
		Now: func() time.Time { return time.Date(2026, 11, 23, 14, 5, 0, 0, time.UTC) }}
	answers := content.Answers{"imie": "Zażółć", "nazwisko": "Gęślą", "pesel": "44051401359",
		"adres": "ul. Polna 5", "kod": "99-150", "data_przeprowadzki": "01.11.2026", "tytul": "najem",
		"tytul_opis": "hidden by the condition"}
	ref, at, err := s.Submit(context.Background(), p, answers)
	if err != nil {
		t.Fatal(err)
	}
	if !outbox.ValidRef(ref) || !strings.HasPrefix(ref, "PRZ-") || at.IsZero() {
		t.Fatalf("ref %q at %v", ref, at)
	}

	item, err := ob.ByRef(ref)
	if err != nil {
		t.Fatal(err)
	}
	if item.Procedure != p.ID || item.Office != "urzad-gminy" || item.ContentVersion != b.Version {
		t.Fatalf("routing metadata %+v", item.Meta)
	}
	r, err := age.Decrypt(bytes.NewReader(item.Ciphertext), sampleIdentity(t))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(r)
	var pl protocol.Payload
	if err := json.Unmarshal(plain, &pl); err != nil {
		t.Fatal(err)
	}
	byField := map[string]protocol.Answer{}
	for _, a := range pl.Answers {
		byField[a.Field] = a
	}
	if byField["pesel"].Value != "44051401359" || byField["tytul"].Display != "Wynajmuję" {
		t.Fatalf("payload %+v", pl)
	}
	if _, ok := byField["tytul_opis"]; ok {
		t.Fatal("hidden answer encrypted and sent")
	}

	st.Close()
	db, _ := os.ReadFile(filepath.Join(dir, store.FileName))
	for _, secret := range []string{"44051401359", "Zażółć", "Gęślą", "ul. Polna"} {
		if bytes.Contains(db, []byte(secret)) {
			t.Errorf("%q readable in the store file", secret)
		}
		if strings.Contains(logs.String(), secret) {
			t.Errorf("%q in the log", secret)
		}
	}
	if !strings.Contains(logs.String(), ref) {
		t.Errorf("the log does not even name the reference: %s", logs.String())
	}
}

func TestSampleKeyIsTheTestdataKey(t *testing.T) {
	if got, want := SampleKey(), sampleIdentity(t).Recipient().String(); got != want {
		t.Fatalf("SampleKey() = %q, want the recipient of testdata/przykladowa.agekey %q", got, want)
	}
	if !IsSampleKey(" " + strings.ToUpper(SampleKey()) + "\n") {
		t.Error("the sample key in other case or with spaces is not recognised")
	}
	other, _ := age.GenerateX25519Identity()
	if IsSampleKey(other.Recipient().String()) {
		t.Error("a municipality's own key counts as the sample key")
	}
}

// Outside demo mode a form on content with the sample key is refused with ErrSampleKey and
// nothing is queued; a municipality's own key is accepted.
func TestSubmitRefusesSampleKeyOutsideDemo(t *testing.T) {
	st, _, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ob, err := outbox.Open(st.Bolt())
	if err != nil {
		t.Fatal(err)
	}
	b, err := content.Load(assets.DefaultContent())
	if err != nil {
		t.Fatal(err)
	}
	p, _ := b.Procedure("zameldowanie-pobyt-staly")
	answers := content.Answers{"imie": "Jan", "nazwisko": "Nowak", "pesel": "44051401359",
		"adres": "ul. Polna 5", "kod": "99-150", "data_przeprowadzki": "01.11.2026", "tytul": "najem"}
	s := &Submitter{Outbox: ob, Content: b}
	if err := s.Accepts(b); !errors.Is(err, ErrSampleKey) {
		t.Fatalf("Accepts(sample) = %v, want ErrSampleKey", err)
	}
	if _, _, err := s.Submit(context.Background(), p, answers); !errors.Is(err, ErrSampleKey) {
		t.Fatalf("Submit on the sample key = %v, want ErrSampleKey", err)
	}
	if stats, _ := ob.Stats(); stats.Queued != 0 {
		t.Fatalf("%d submissions queued although refused", stats.Queued)
	}

	// The municipality's own key: accepted.
	own, _ := age.GenerateX25519Identity()
	dir := contentDir(t)
	edit(t, filepath.Join(dir, "gmina.yaml"), SampleKey(), own.Recipient().String())
	mine, err := content.Load(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	s.Content = mine
	p, _ = mine.Procedure("zameldowanie-pobyt-staly")
	if _, _, err := s.Submit(context.Background(), p, answers); err != nil {
		t.Fatalf("Submit on the municipality's own key: %v", err)
	}
}
