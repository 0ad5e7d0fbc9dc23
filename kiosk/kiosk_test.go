package kiosk

import (
	"bytes"
	"context"
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
	"infomat/kiosk/idle"
	"infomat/store"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, _, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// contentDir writes the embedded bundle to a folder, as a municipality would keep it.
func contentDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tresc")
	if err := os.CopyFS(dir, assets.DefaultContent()); err != nil {
		t.Fatal(err)
	}
	return dir
}

func edit(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s has no %q", path, old)
	}
	if err := os.WriteFile(path, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFolderContentBecomesLastGood(t *testing.T) {
	st := openStore(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))

	dir := contentDir(t)
	edit(t, filepath.Join(dir, "gmina.yaml"), "nazwa: Gmina Przykładowa", "nazwa: Gmina Testowa")
	b, src, err := LoadContent(st, dir, Policy{}, log)
	if err != nil || src != FromFolder || b.Municipality.Name != "Gmina Testowa" {
		t.Fatalf("folder: %v %v %v", src, err, b)
	}
	good := b.Version

	// Restart with no folder: the store serves the same bundle.
	b, src, err = LoadContent(st, "", Policy{}, log)
	if err != nil || src != FromStore || b.Version != good {
		t.Fatalf("restart: %v %v", src, err)
	}

	// A broken folder never replaces it, and the log says what is wrong where.
	card := filepath.Join(dir, "procedury", "zameldowanie-pobyt-staly.yaml")
	edit(t, card, "kategoria: meldunek", "kategoria: nieistniejaca")
	logs.Reset()
	b, src, err = LoadContent(st, dir, Policy{}, log)
	if err != nil || src != FromStore || b.Version != good {
		t.Fatalf("broken folder: %v %v", src, err)
	}
	out := logs.String()
	if !strings.Contains(out, "zameldowanie-pobyt-staly.yaml") || !strings.Contains(out, "field=kategoria") {
		t.Fatalf("log does not name file and field:\n%s", out)
	}
}

func TestBrokenFolderWithEmptyStoreFallsBackToEmbedded(t *testing.T) {
	st := openStore(t)
	dir := contentDir(t)
	edit(t, filepath.Join(dir, "gmina.yaml"), "kod: 99-150", "kod: 99150")
	b, src, err := LoadContent(st, dir, Policy{}, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)))
	if err != nil || src != FromEmbedded || b.Municipality.Name != "Gmina Przykładowa" {
		t.Fatalf("%v %v", src, err)
	}
	if _, _, err := st.ActiveContent(); err == nil {
		t.Fatal("broken bundle was stored")
	}
}

func TestInvalidStoredContentFallsBackToEmbedded(t *testing.T) {
	st := openStore(t)
	if err := st.PutContent("x", "test", map[string][]byte{"gmina.yaml": []byte("nazwa: [")}); err != nil {
		t.Fatal(err)
	}
	b, src, err := LoadContent(st, "", Policy{}, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)))
	if err != nil || src != FromEmbedded || b == nil {
		t.Fatalf("%v %v", src, err)
	}
}

func TestDefaultDataDir(t *testing.T) {
	t.Setenv("STATE_DIRECTORY", "/var/lib/infomat-test")
	if got := DefaultDataDir(); got != "/var/lib/infomat-test" {
		t.Fatalf("with StateDirectory: %q", got)
	}
}

func TestIdleTimeoutSetting(t *testing.T) {
	st := openStore(t)
	if got := IdleTimeout(st); got != idle.DefaultTimeout {
		t.Fatalf("unset: %v", got)
	}
	if err := st.SetSetting(SettingIdleTimeout, "2m"); err != nil {
		t.Fatal(err)
	}
	if got := IdleTimeout(st); got != 2*time.Minute {
		t.Fatalf("set: %v", got)
	}
	// A value edited into the store by hand that is out of range is ignored, not obeyed.
	st.SetSetting(SettingIdleTimeout, "1s")
	if got := IdleTimeout(st); got != idle.DefaultTimeout {
		t.Fatalf("out of range: %v", got)
	}
	s, _ := LookupSetting(SettingIdleTimeout)
	for _, bad := range []string{"abc", "5s", "3h"} {
		if s.Check(bad) == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestDiskState(t *testing.T) {
	free, problem := DiskState(t.TempDir())
	if free == 0 && problem == "" {
		t.Fatal("no free space and no problem reported")
	}
	if _, problem := DiskState("/no/such/dir"); problem == "" {
		t.Fatal("a missing directory is not reported")
	}
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// A provisioned kiosk never shows the embedded sample: with no content of its own (first
// download failed, store moved aside as corrupt, stored bundle invalid) it is out of service.
func TestProvisionedKioskNeverShowsEmbedded(t *testing.T) {
	provisioned := Policy{Provisioned: true}
	st := openStore(t)
	if b, src, err := LoadContent(st, "", provisioned, quietLog()); !errors.Is(err, ErrOutOfService) || b != nil {
		t.Fatalf("empty store: %v %v %v, want ErrOutOfService", b != nil, src, err)
	}
	if err := st.PutContent("x", "test", map[string][]byte{"gmina.yaml": []byte("nazwa: [")}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadContent(st, "", provisioned, quietLog()); !errors.Is(err, ErrOutOfService) {
		t.Fatalf("invalid stored content: %v, want ErrOutOfService", err)
	}
	// Not provisioned: the sample is still the demo.
	if _, src, err := LoadContent(st, "", Policy{}, quietLog()); err != nil || src != FromEmbedded {
		t.Fatalf("not provisioned: %v %v, want embedded", src, err)
	}
}

// With the active bundle unreadable the previous good one is shown.
func TestInvalidActiveContentFallsBackToPrevious(t *testing.T) {
	st := openStore(t)
	dir := contentDir(t)
	edit(t, filepath.Join(dir, "gmina.yaml"), "nazwa: Gmina Przykładowa", "nazwa: Gmina Testowa")
	if _, _, err := LoadContent(st, dir, Policy{}, quietLog()); err != nil {
		t.Fatal(err)
	}
	if err := st.ConfirmContent(); err != nil {
		t.Fatal(err)
	}
	if err := st.PutContent("x", "broken", map[string][]byte{"gmina.yaml": []byte("nazwa: [")}); err != nil {
		t.Fatal(err)
	}
	b, src, err := LoadContent(st, "", Policy{Provisioned: true}, quietLog())
	if err != nil || src != FromPrevious || b.Municipality.Name != "Gmina Testowa" {
		t.Fatalf("%v %v, want the previous bundle", src, err)
	}
}

// The office details of content shown are remembered for the out-of-service screen; the
// sample's never are.
func TestOfficeRemembered(t *testing.T) {
	st := openStore(t)
	if _, _, err := LoadContent(st, "", Policy{}, quietLog()); err != nil {
		t.Fatal(err)
	}
	if o, ok := RememberedOffice(st); ok {
		t.Fatalf("the sample's office was remembered: %+v", o)
	}
	dir := contentDir(t)
	edit(t, filepath.Join(dir, "gmina.yaml"), "nazwa: Gmina Przykładowa", "nazwa: Gmina Testowa")
	other, _ := age.GenerateX25519Identity()
	edit(t, filepath.Join(dir, "gmina.yaml"), SampleKey(), other.Recipient().String())
	if _, _, err := LoadContent(st, dir, Policy{}, quietLog()); err != nil {
		t.Fatal(err)
	}
	o, ok := RememberedOffice(st)
	if !ok || o.Name != "Gmina Testowa" || o.City == "" || len(o.Hours) == 0 {
		t.Fatalf("remembered office = %+v, %v", o, ok)
	}
}

// A folder whose bundle needs more memory than the budget is not activated.
func TestFolderOverMemoryBudgetIsRejected(t *testing.T) {
	st := openStore(t)
	var logs bytes.Buffer
	_, src, err := LoadContent(st, contentDir(t), Policy{MemoryBudget: 1}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil || src != FromEmbedded {
		t.Fatalf("%v %v, want the embedded content kept", src, err)
	}
	if _, _, err := st.ActiveContent(); !errors.Is(err, store.ErrNoContent) {
		t.Fatalf("over-budget folder was stored: %v", err)
	}
	if !strings.Contains(logs.String(), "content_memory_mb") {
		t.Errorf("log does not name the setting:\n%s", logs.String())
	}
	if _, err := LoadWithin(assets.DefaultContent(), 1); !errors.Is(err, ErrOverBudget) {
		t.Errorf("LoadWithin(1 byte) = %v, want ErrOverBudget", err)
	}
	if _, err := LoadWithin(assets.DefaultContent(), DefaultContentMemoryMB<<20); err != nil {
		t.Errorf("the sample does not load within the default budget: %v", err)
	}
	if got := ContentMemoryBudget(st); got != DefaultContentMemoryMB<<20 {
		t.Errorf("default budget = %d", got)
	}
	if err := st.SetSetting(SettingContentMemory, "1024"); err != nil {
		t.Fatal(err)
	}
	if got := ContentMemoryBudget(st); got != 1024<<20 {
		t.Errorf("budget after setting 1024 = %d", got)
	}
}

// The office details survive the store being moved aside as corrupt: the data directory
// keeps a copy.
func TestOfficeSurvivesANewStore(t *testing.T) {
	dataDir := t.TempDir()
	dir := contentDir(t)
	edit(t, filepath.Join(dir, "gmina.yaml"), "nazwa: Gmina Przykładowa", "nazwa: Gmina Testowa")
	other, _ := age.GenerateX25519Identity()
	edit(t, filepath.Join(dir, "gmina.yaml"), SampleKey(), other.Recipient().String())
	if _, _, err := LoadContent(WithOfficeFile(openStore(t), dataDir), dir, Policy{}, quietLog()); err != nil {
		t.Fatal(err)
	}
	fresh := WithOfficeFile(openStore(t), dataDir) // the old store is gone
	if _, _, err := LoadContent(fresh, "", Policy{Provisioned: true}, quietLog()); !errors.Is(err, ErrOutOfService) {
		t.Fatalf("fresh store: %v, want out of service", err)
	}
	if o, ok := RememberedOffice(fresh); !ok || o.Name != "Gmina Testowa" {
		t.Fatalf("office after a fresh store = %+v, %v", o, ok)
	}
}
