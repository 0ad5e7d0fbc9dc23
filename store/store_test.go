package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func openT(t *testing.T, dir string) *Store {
	t.Helper()
	s, rec, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	if rec != nil {
		t.Fatalf("Open(%s): unexpected recovery: %v", dir, rec)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestOpenCreatesDirAndFileWithPermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "infomat")
	s := openT(t, dir)
	if want := filepath.Join(dir, FileName); s.Path() != want {
		t.Errorf("Path() = %q, want %q", s.Path(), want)
	}
	if runtime.GOOS == "windows" {
		return // no POSIX modes
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, s.Path(): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", path, got, want)
		}
	}
}

func TestSettingsRoundTripAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	s, _, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Setting("language"); err != nil || ok {
		t.Fatalf("unset Setting: ok=%v err=%v", ok, err)
	}
	for k, v := range map[string]string{"language": "pl", "idle_timeout": "90s", "empty": ""} {
		if err := s.SetSetting(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetSetting("language", "uk"); err != nil { // overwrite
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openT(t, dir)
	for k, want := range map[string]string{"language": "uk", "idle_timeout": "90s", "empty": ""} {
		got, ok, err := s.Setting(k)
		if err != nil || !ok || got != want {
			t.Errorf("Setting(%q) = %q, %v, %v; want %q, true, nil", k, got, ok, err, want)
		}
	}
}

func TestSecondOpenInProcessIsLocked(t *testing.T) {
	dir := t.TempDir()
	openT(t, dir)

	start := time.Now()
	s2, _, err := Open(context.Background(), dir)
	elapsed := time.Since(start)
	if err == nil {
		_ = s2.Close()
		t.Fatal("second Open succeeded")
	}
	assertLocked(t, err, dir, elapsed)
}

func assertLocked(t *testing.T, err error, dir string, elapsed time.Duration) {
	t.Helper()
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("err = %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "another Infomat") {
		t.Errorf("error %q should name %s and say another Infomat uses it", err, dir)
	}
	// ~2 s by design; 5 s is only a sanity bound for slow CI.
	if elapsed > 5*time.Second {
		t.Errorf("ErrLocked after %v", elapsed)
	}
	t.Logf("locked after %v: %v", elapsed, err)
}

func TestOpenCancelledContextReturnsPromptly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	s, _, err := Open(ctx, dir)
	if err == nil {
		_ = s.Close()
		t.Fatal("Open succeeded with cancelled ctx")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("took %v", d)
	}
}

// corruptCase writes a bad infomat.db and returns its bytes.
type corruptCase struct {
	name  string
	write func(t *testing.T, dir string) []byte
}

func validDBBytes(t *testing.T, dir string) []byte {
	t.Helper()
	s, _, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for i := range 40 {
		b := make([]byte, 50_000)
		_, _ = rand.Read(b)
		files[fmt.Sprintf("img/%02d.png", i)] = b
	}
	if err := s.PutContent("v1", "test", files); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSetting("language", "pl"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The store moves a corrupt infomat.db aside (boltfile.MoveAside) and works on a fresh one.
// The full set of damaged files, and the other policies, are boltfile's tests.
func TestCorruptFileIsMovedAside(t *testing.T) {
	cases := []corruptCase{
		{"garbage", func(t *testing.T, dir string) []byte {
			b := make([]byte, 64<<10)
			_, _ = rand.Read(b)
			return b
		}},
		{"truncated", func(t *testing.T, dir string) []byte {
			b := validDBBytes(t, dir)
			return b[:len(b)/2]
		}},
		{"zero length", func(t *testing.T, dir string) []byte {
			return []byte{}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			orig := tc.write(t, dir)
			path := filepath.Join(dir, FileName)
			if err := os.WriteFile(path, orig, 0o600); err != nil {
				t.Fatal(err)
			}

			s, rec, err := Open(context.Background(), dir)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			if rec == nil {
				t.Fatal("no Recovery reported")
			}
			t.Logf("recovery: %v", rec)
			if rec.Cause == nil {
				t.Error("Recovery.Cause is nil")
			}
			wantPrefix := path + ".corrupt-" + time.Now().Format("20060102")
			if !strings.HasPrefix(rec.AsidePath, wantPrefix) {
				t.Errorf("AsidePath = %q, want prefix %q", rec.AsidePath, wantPrefix)
			}
			aside, err := os.ReadFile(rec.AsidePath)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(aside, orig) {
				t.Errorf("aside file has %d bytes, original had %d; contents differ", len(aside), len(orig))
			}

			// The fresh store works and is empty.
			if _, ok, err := s.Setting("language"); err != nil || ok {
				t.Errorf("fresh store Setting: ok=%v err=%v", ok, err)
			}
			if err := s.SetSetting("language", "en"); err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.ActiveContent(); !errors.Is(err, ErrNoContent) {
				t.Errorf("ActiveContent on fresh store: %v", err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			// And reopening it is clean.
			s = openT(t, dir)
			if v, _, _ := s.Setting("language"); v != "en" {
				t.Errorf("after reopen language = %q", v)
			}
		})
	}
}

func TestNewerSchemaIsRefusedNotMovedAside(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bucketMeta)).Put([]byte(keySchemaVersion), []byte("99"))
	}); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	s2, rec, err := Open(context.Background(), dir)
	if err == nil {
		_ = s2.Close()
		t.Fatal("Open accepted schema 99")
	}
	if rec != nil {
		t.Errorf("unexpected recovery %v", rec)
	}
	t.Log(err)
}
