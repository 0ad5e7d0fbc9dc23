package store

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
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

const helperEnv = "INFOMAT_STORE_HELPER_DIR"

// TestHelperHoldLock is not a test: it is the child process of
// TestSecondProcessIsLocked. It opens the store, prints LOCKED and holds the
// lock until its stdin is closed.
func TestHelperHoldLock(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		t.Skip("helper process for TestSecondProcessIsLocked")
	}
	s, _, err := Open(context.Background(), dir)
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(2)
	}
	fmt.Println("LOCKED")
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = s.Close()
	os.Exit(0)
}

func TestSecondProcessIsLocked(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldLock$")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	}()

	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if l := sc.Text(); l == "LOCKED" || strings.HasPrefix(l, "ERROR") {
				ready <- l
				break
			}
		}
		close(ready)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case l := <-ready:
		if l != "LOCKED" {
			t.Fatalf("helper: %q", l)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("helper did not take the lock")
	}

	start := time.Now()
	s, _, err := Open(context.Background(), dir)
	elapsed := time.Since(start)
	if err == nil {
		_ = s.Close()
		t.Fatal("Open succeeded while another process holds the store")
	}
	assertLocked(t, err, dir, elapsed)

	// Once the other process exits, the store opens normally.
	_ = stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper: %v", err)
	}
	openT(t, dir)
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

func TestOpenContextDeadlineWhileLocked(t *testing.T) {
	dir := t.TempDir()
	openT(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	s, _, err := Open(ctx, dir)
	if err == nil {
		_ = s.Close()
		t.Fatal("Open succeeded on a locked store")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Errorf("took %v, ctx deadline was 300ms", d)
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

func TestCorruptFileIsMovedAside(t *testing.T) {
	cases := []corruptCase{
		{"garbage", func(t *testing.T, dir string) []byte {
			b := make([]byte, 64<<10)
			_, _ = rand.Read(b)
			return b
		}},
		{"small garbage", func(t *testing.T, dir string) []byte {
			return []byte("this is not a bbolt database\n")
		}},
		{"truncated", func(t *testing.T, dir string) []byte {
			b := validDBBytes(t, dir)
			return b[:len(b)/2]
		}},
		{"truncated to meta pages", func(t *testing.T, dir string) []byte {
			b := validDBBytes(t, dir)
			return b[:4*4096]
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

func TestCorruptAsideNeverOverwritten(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	var asides []string
	for i := range 3 {
		orig := []byte(fmt.Sprintf("garbage %d", i))
		if err := os.WriteFile(path, orig, 0o600); err != nil {
			t.Fatal(err)
		}
		s, rec, err := Open(context.Background(), dir)
		if err != nil || rec == nil {
			t.Fatalf("Open: rec=%v err=%v", rec, err)
		}
		_ = s.Close()
		asides = append(asides, rec.AsidePath)
	}
	for i, p := range asides {
		b, err := os.ReadFile(p)
		if err != nil || string(b) != fmt.Sprintf("garbage %d", i) {
			t.Errorf("aside %s = %q, %v", p, b, err)
		}
	}
}

func TestIntegrityCheckFailureIsMovedAside(t *testing.T) {
	dir := t.TempDir()
	orig := validDBBytes(t, dir)
	// Break the root page of the root bucket without touching the (checksummed) meta
	// pages: bbolt opens the file, and tx.Check always reaches that page, so it must
	// reject it. (Breaking the first B-tree page found could hit a freed page that
	// Check never visits, and the test used to skip then.)
	bad := bytes.Clone(orig)
	pageSize, root := activeRoot(t, bad)
	off := int(root) * pageSize
	if root < 2 || off+pageSize > len(bad) {
		t.Fatalf("root page %d outside the %d-byte file (page size %d)", root, len(bad), pageSize)
	}
	// page header: id uint64, flags uint16; 0x01 branch, 0x02 leaf
	if f := bad[off+8]; f != 0x01 && f != 0x02 {
		t.Fatalf("root page %d has flags %#x, want a branch or leaf page", root, f)
	}
	bad[off+8] = 0x7f // invalid page type
	if err := os.WriteFile(filepath.Join(dir, FileName), bad, 0o600); err != nil {
		t.Fatal(err)
	}
	s, rec, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if rec == nil {
		t.Fatal("a store with a broken root page opened as healthy: the integrity check missed it")
	}
	t.Logf("recovery: %v", rec)
	aside, _ := os.ReadFile(rec.AsidePath)
	if !bytes.Equal(aside, bad) {
		t.Error("aside file differs from the original")
	}
}

// activeRoot reads a bbolt file's page size and the root bucket's root page from the
// meta page with the higher transaction id (bbolt v1 layout, little-endian: page header
// of 16 bytes, then magic, version, page size, flags, root bucket {root, sequence},
// freelist, high-water page, txid).
func activeRoot(t *testing.T, db []byte) (pageSize int, root uint64) {
	t.Helper()
	le := func(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }
	le32 := func(b []byte) int { return int(binary.LittleEndian.Uint32(b)) }
	if len(db) < 100 || le32(db[16:]) != 0xED0CDAED {
		t.Fatalf("not a bbolt file (%d bytes)", len(db))
	}
	pageSize = le32(db[24:])
	bestTx := uint64(0)
	for _, m := range []int{0, pageSize} {
		if m+80 > len(db) || le32(db[m+16:]) != 0xED0CDAED {
			continue
		}
		if tx := le(db[m+64:]); root == 0 || tx > bestTx {
			bestTx, root = tx, le(db[m+32:])
		}
	}
	return pageSize, root
}

// permChildEnv names the store directory when the test binary runs
// TestPermissionDeniedIsErrorNotMovedAside's check as an unprivileged child.
const permChildEnv = "INFOMAT_STORE_PERMISSION_DIR"

// An unreadable store file is an error naming the file, never "corrupt": it is not moved
// aside. Root reads any file, so as root (CI) the check runs in a child process as nobody,
// on a file only root may read, in a directory nobody owns (so moving the file aside would
// be possible and must still not happen).
func TestPermissionDeniedIsErrorNotMovedAside(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("chmod 000 doesn't deny access on Windows")
	}
	if dir := os.Getenv(permChildEnv); dir != "" {
		permissionDenied(t, dir)
		return
	}
	dir := t.TempDir()
	s := openT(t, dir)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, FileName)
	if os.Geteuid() != 0 {
		if err := os.Chmod(path, 0); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Chmod(path, 0o600) })
		permissionDenied(t, dir)
		return
	}

	runAsNobody(t, dir)
}

// permissionDenied opens the store in dir, whose file the process cannot read.
func permissionDenied(t *testing.T, dir string) {
	t.Helper()
	path := filepath.Join(dir, FileName)
	if _, err := os.ReadFile(path); err == nil {
		t.Fatalf("uid %d can read %s: the test proves nothing", os.Geteuid(), path)
	}
	s2, rec, err := Open(context.Background(), dir)
	if err == nil {
		_ = s2.Close()
		t.Fatal("Open succeeded on an unreadable file")
	}
	if rec != nil {
		t.Errorf("unexpected recovery %v", rec)
	}
	if !errors.Is(err, os.ErrPermission) || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %v; want permission error naming %s", err, path)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != FileName {
		t.Errorf("directory changed: %v", entries)
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
