package boltfile

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

const (
	bMeta = "meta"
	bData = "data"
)

var testSchema = Schema{Buckets: []string{bMeta, bData}, Meta: bMeta, Version: 1}

// kiosk and portal are the two policies as the store and the portal use them.
var (
	kiosk  = Options{OnCorrupt: MoveAside, Schema: &testSchema}
	portal = Options{OnCorrupt: Refuse, Schema: &testSchema}
)

func openT(t *testing.T, path string, opts Options) *bolt.DB {
	t.Helper()
	db, rec, err := Open(context.Background(), path, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	if rec != nil {
		t.Fatalf("Open(%s): unexpected recovery: %v", path, rec)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func put(t *testing.T, db *bolt.DB, k, v string) {
	t.Helper()
	if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte(bData)).Put([]byte(k), []byte(v)) }); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, db *bolt.DB, k string) (string, bool) {
	t.Helper()
	var v []byte
	if err := db.View(func(tx *bolt.Tx) error {
		v = tx.Bucket([]byte(bData)).Get([]byte(k))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return string(v), v != nil
}

func TestOpenCreatesDirAndFileWithPermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "infomat")
	path := filepath.Join(dir, "x.db")
	db := openT(t, path, kiosk)
	put(t, db, "k", "v")
	if runtime.GOOS == "windows" {
		return // no POSIX modes
	}
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", p, got, want)
		}
	}
}

func assertLocked(t *testing.T, err error, elapsed time.Duration) {
	t.Helper()
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("err = %v, want ErrLocked", err)
	}
	// ~2 s by design; 5 s is only a sanity bound for slow CI.
	if elapsed > 5*time.Second {
		t.Errorf("ErrLocked after %v", elapsed)
	}
	t.Logf("locked after %v: %v", elapsed, err)
}

func TestSecondOpenInProcessIsLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	openT(t, path, kiosk)
	for _, opts := range []Options{kiosk, portal, {ReadOnly: true}} {
		start := time.Now()
		db, _, err := Open(context.Background(), path, opts)
		if err == nil {
			_ = db.Close()
			t.Fatalf("second Open %+v succeeded", opts)
		}
		assertLocked(t, err, time.Since(start))
	}
}

const helperEnv = "INFOMAT_BOLTFILE_HELPER_PATH"

// TestHelperHoldLock is not a test: it is the child process of TestSecondProcessIsLocked.
// It opens the file, prints LOCKED and holds the lock until its stdin is closed.
func TestHelperHoldLock(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("helper process for TestSecondProcessIsLocked")
	}
	db, _, err := Open(context.Background(), path, kiosk)
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(2)
	}
	fmt.Println("LOCKED")
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = db.Close()
	os.Exit(0)
}

func TestSecondProcessIsLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldLock$")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
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
	db, _, err := Open(context.Background(), path, kiosk)
	elapsed := time.Since(start)
	if err == nil {
		_ = db.Close()
		t.Fatal("Open succeeded while another process holds the file")
	}
	assertLocked(t, err, elapsed)

	// Once the other process exits, the file opens normally.
	_ = stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper: %v", err)
	}
	openT(t, path, kiosk)
}

func TestOpenCancelledContextReturnsPromptly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "x.db")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	db, _, err := Open(ctx, path, kiosk)
	if err == nil {
		_ = db.Close()
		t.Fatal("Open succeeded with cancelled ctx")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open with a cancelled ctx created the directory: %v", err)
	}
}

func TestOpenContextDeadlineWhileLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	openT(t, path, kiosk)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	db, _, err := Open(ctx, path, Options{OnCorrupt: MoveAside, LockTimeout: time.Hour})
	if err == nil {
		_ = db.Close()
		t.Fatal("Open succeeded on a locked file")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want DeadlineExceeded", err)
	}
	// The lock timeout is an hour: only ctx can have ended the wait.
	if d := time.Since(start); d > time.Minute {
		t.Errorf("took %v, ctx deadline was 300ms", d)
	}
}

// validDBBytes returns the bytes of a sound file with ~2 MB of data in it.
func validDBBytes(t *testing.T) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "valid.db")
	db, _, err := Open(context.Background(), path, kiosk)
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewChaCha8([32]byte{1}))
	for i := range 40 {
		b := make([]byte, 50_000)
		for j := range b {
			b[j] = byte(rnd.Uint32())
		}
		put(t, db, fmt.Sprintf("img/%02d.png", i), string(b))
	}
	put(t, db, "language", "pl")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func garbage(n int) []byte {
	rnd := rand.New(rand.NewChaCha8([32]byte{2}))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rnd.Uint32())
	}
	return b
}

// corruptCases are files that must count as corrupt; the comment says which check finds it.
var corruptCases = []struct {
	name  string
	bytes func(t *testing.T) []byte
}{
	{"garbage", func(*testing.T) []byte { return garbage(64 << 10) }},                              // ErrInvalid
	{"small garbage", func(*testing.T) []byte { return []byte("this is not a bbolt database\n") }}, // ErrInvalid
	// Shorter than two OS pages: bbolt's untyped "file size too small" (shortFile).
	{"short garbage", func(*testing.T) []byte { return garbage(5000) }},
	{"truncated to one page", func(t *testing.T) []byte { return validDBBytes(t)[:os.Getpagesize()] }},
	// The high-water mark test and tx.Check.
	{"truncated", func(t *testing.T) []byte { b := validDBBytes(t); return b[:len(b)/2] }},
	{"truncated to meta pages", func(t *testing.T) []byte { return validDBBytes(t)[:4*4096] }},
	{"damaged root page", damagedRoot},
}

func TestCorruptFileIsMovedAside(t *testing.T) {
	cases := append(corruptCases, struct {
		name  string
		bytes func(t *testing.T) []byte
	}{"zero length", func(*testing.T) []byte { return []byte{} }})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "infomat.db")
			orig := tc.bytes(t)
			if err := os.WriteFile(path, orig, 0o600); err != nil {
				t.Fatal(err)
			}

			db, rec, err := Open(context.Background(), path, kiosk)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer db.Close()
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

			// The fresh file works and is empty.
			if _, ok := get(t, db, "language"); ok {
				t.Error("fresh file has data")
			}
			put(t, db, "language", "en")
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			// And reopening it is clean.
			db = openT(t, path, kiosk)
			if v, _ := get(t, db, "language"); v != "en" {
				t.Errorf("after reopen language = %q", v)
			}
		})
	}
}

// The portal's policy: a corrupt file is refused and left exactly where and as it is.
func TestCorruptFileIsRefused(t *testing.T) {
	for _, tc := range corruptCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "portal.db")
			orig := tc.bytes(t)
			if err := os.WriteFile(path, orig, 0o600); err != nil {
				t.Fatal(err)
			}
			db, rec, err := Open(context.Background(), path, portal)
			if err == nil {
				_ = db.Close()
				t.Fatal("Open accepted a corrupt file")
			}
			var corrupt *CorruptError
			if !errors.Is(err, ErrCorrupt) || !errors.As(err, &corrupt) || rec != nil {
				t.Fatalf("err = %v, rec = %v; want a *CorruptError and no recovery", err, rec)
			}
			t.Log(err)
			if b, _ := os.ReadFile(path); !bytes.Equal(b, orig) {
				t.Error("the refused file was changed")
			}
			// The refusal released the lock, even where bbolt panicked after mapping the
			// file: a check in the same process can open it.
			ro, _, err := Open(context.Background(), path, Options{ReadOnly: true, LockTimeout: time.Millisecond})
			if errors.Is(err, ErrLocked) {
				t.Fatalf("the refused file is still locked: %v", err)
			}
			if err == nil {
				_ = ro.Close()
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("directory changed: %v", entries)
			}
		})
	}
}

// ReadOnly (for a check command) opens a file whose pages are damaged without judging it,
// leaves it unchanged, and Check then reports the damage; a truncated file is reported by
// the high-water mark test instead of crashing tx.Check.
func TestReadOnlyOpenAndCheck(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		bytes      func(t *testing.T) []byte
	}{
		{"damaged root page", "damaged page(s) or broken links", damagedRoot},
		{"truncated", "file is truncated", func(t *testing.T) []byte { b := validDBBytes(t); return b[:len(b)/2] }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "portal.db")
			orig := tc.bytes(t)
			if err := os.WriteFile(path, orig, 0o600); err != nil {
				t.Fatal(err)
			}
			db := openT(t, path, Options{ReadOnly: true, OnCorrupt: MoveAside})
			err := Check(db)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Check = %v; want ErrCorrupt with %q", err, tc.want)
			}
			t.Log(err)
			_ = db.Close()
			if b, _ := os.ReadFile(path); !bytes.Equal(b, orig) {
				t.Error("read-only open changed the file")
			}
		})
	}

	sound := filepath.Join(t.TempDir(), "sound.db")
	if err := os.WriteFile(sound, validDBBytes(t), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Check(openT(t, sound, Options{ReadOnly: true})); err != nil {
		t.Errorf("Check of a sound file: %v", err)
	}

	missing := filepath.Join(t.TempDir(), "none", "portal.db")
	if db, _, err := Open(context.Background(), missing, Options{ReadOnly: true}); err == nil || !errors.Is(err, os.ErrNotExist) {
		if db != nil {
			_ = db.Close()
		}
		t.Fatalf("read-only Open of a missing file: %v", err)
	}
	if _, err := os.Stat(filepath.Dir(missing)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("read-only Open created the directory: %v", err)
	}
}

func TestCorruptAsideNeverOverwritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "infomat.db")
	var asides []string
	for i := range 3 {
		if err := os.WriteFile(path, []byte(fmt.Sprintf("garbage %d", i)), 0o600); err != nil {
			t.Fatal(err)
		}
		db, rec, err := Open(context.Background(), path, kiosk)
		if err != nil || rec == nil {
			t.Fatalf("Open: rec=%v err=%v", rec, err)
		}
		_ = db.Close()
		asides = append(asides, rec.AsidePath)
	}
	for i, p := range asides {
		b, err := os.ReadFile(p)
		if err != nil || string(b) != fmt.Sprintf("garbage %d", i) {
			t.Errorf("aside %s = %q, %v", p, b, err)
		}
	}
}

// Another process moved the file aside and created a fresh one while Open waited for the
// old file's lock: Open must not return the file nobody will see again.
func TestFileReplacedWhileWaitingForLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "infomat.db")
	holder := openT(t, path, kiosk)
	put(t, holder, "which", "old")

	opened := make(chan struct{})
	var once sync.Once
	testHookOpened = func() { once.Do(func() { close(opened) }) }
	defer func() { testHookOpened = nil }()

	type result struct {
		db  *bolt.DB
		err error
	}
	done := make(chan result, 1)
	go func() {
		db, _, err := Open(context.Background(), path, Options{OnCorrupt: MoveAside, Schema: &testSchema, LockTimeout: time.Minute})
		done <- result{db, err}
	}()
	<-opened // the waiter has the old file open and is waiting for its lock

	if err := os.Rename(path, path+".old"); err != nil {
		t.Fatal(err)
	}
	fresh, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := fresh.Update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists([]byte(bData))
		if err != nil {
			return err
		}
		return bk.Put([]byte("which"), []byte("new"))
	}); err != nil {
		t.Fatal(err)
	}
	_ = fresh.Close()
	_ = holder.Close() // releases the old file's lock

	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	defer r.db.Close()
	if v, _ := get(t, r.db, "which"); v != "new" {
		t.Fatalf("Open returned the file that was replaced (which = %q)", v)
	}
}

func TestNewerSchemaIsRefusedNotMovedAside(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.db")
	db := openT(t, path, kiosk)
	if err := db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bMeta)).Put([]byte(VersionKey), []byte("99"))
	}); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	for _, opts := range []Options{kiosk, portal} {
		db2, rec, err := Open(context.Background(), path, opts)
		if err == nil {
			_ = db2.Close()
			t.Fatal("Open accepted schema 99")
		}
		if rec != nil || errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "newer than supported version 1") {
			t.Errorf("err = %v, rec = %v; want the newer-schema refusal", err, rec)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Errorf("directory changed: %v", entries)
		}
	}
}

func TestSchemaMigrateAndVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	var stored []int
	s := Schema{Buckets: []string{bMeta, bData}, Meta: bMeta, Version: 1,
		Migrate: func(tx *bolt.Tx, from int) error { stored = append(stored, from); return nil }}
	db := openT(t, path, Options{Schema: &s})
	_ = db.Close()
	s.Version = 2
	db = openT(t, path, Options{Schema: &s})
	var v string
	_ = db.View(func(tx *bolt.Tx) error { v = string(tx.Bucket([]byte(bMeta)).Get([]byte(VersionKey))); return nil })
	if fmt.Sprint(stored) != "[0 1]" || v != "2" {
		t.Errorf("migrations saw %v, version now %q; want [0 1] and 2", stored, v)
	}
}

// damagedRoot breaks the root page of the root bucket of a sound file without touching the
// (checksummed) meta pages: bbolt opens the file, and tx.Check always reaches that page.
// (Breaking the first B-tree page found could hit a freed page that Check never visits.)
func damagedRoot(t *testing.T) []byte {
	bad := validDBBytes(t)
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
	return bad
}

// activeRoot reads a bbolt file's page size and the root bucket's root page from the
// meta page with the higher transaction id (bbolt v1 layout, little-endian: page header
// of 16 bytes, then magic, version, page size, flags, root bucket {root, sequence},
// freelist, high-water page, txid).
func activeRoot(t *testing.T, db []byte) (pageSize int, root uint64) {
	t.Helper()
	le := func(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }
	le32 := func(b []byte) int { return int(binary.LittleEndian.Uint32(b)) }
	if len(db) < 100 || le32(db[16:]) != metaMagic {
		t.Fatalf("not a bbolt file (%d bytes)", len(db))
	}
	pageSize = le32(db[24:])
	bestTx := uint64(0)
	for _, m := range []int{0, pageSize} {
		if m+80 > len(db) || le32(db[m+16:]) != metaMagic {
			continue
		}
		if tx := le(db[m+64:]); root == 0 || tx > bestTx {
			bestTx, root = tx, le(db[m+32:])
		}
	}
	return pageSize, root
}

// shortFile is the structural stand-in for bbolt's untyped "file size too small": it must
// say so for the files bbolt gives that error for, and for nothing bbolt opens.
func TestShortFile(t *testing.T) {
	dir := t.TempDir()
	valid := validDBBytes(t)
	for _, tc := range []struct {
		name  string
		bytes []byte
		short bool
	}{
		{"one valid page", valid[:os.Getpagesize()], true},
		{"short garbage", garbage(5000), true},
		{"empty", nil, false},
		{"sound", valid, false},
		{"two pages", valid[:2*os.Getpagesize()], false},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_"))
		if err := os.WriteFile(path, tc.bytes, 0o600); err != nil {
			t.Fatal(err)
		}
		fi, _ := os.Stat(path)
		got := shortFile(path, fi)
		if (got != nil) != tc.short {
			t.Errorf("%s: shortFile = %v, want short=%v", tc.name, got, tc.short)
		}
		// bbolt agrees: its error for exactly these files is the untyped one.
		db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
		if err == nil {
			_ = db.Close()
		}
		if tc.short && (err == nil || !strings.Contains(err.Error(), "file size too small")) {
			t.Errorf("%s: bbolt.Open = %v; the test file does not reach the case it is about", tc.name, err)
		}
	}
}

// permChildEnv names the directory when the test binary runs
// TestPermissionDeniedIsErrorNotMovedAside's check as an unprivileged child.
const permChildEnv = "INFOMAT_BOLTFILE_PERMISSION_DIR"

// testFile is the file name in the permission test's directory.
const testFile = "infomat.db"

// An unreadable file is an error naming the file, never "corrupt": it is not moved aside.
// Root reads any file, so as root (CI) the check runs in a child process as nobody, on a
// file only root may read, in a directory nobody owns (so moving the file aside would be
// possible and must still not happen).
func TestPermissionDeniedIsErrorNotMovedAside(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("chmod 000 doesn't deny access on Windows")
	}
	if dir := os.Getenv(permChildEnv); dir != "" {
		permissionDenied(t, dir)
		return
	}
	dir := t.TempDir()
	path := filepath.Join(dir, testFile)
	if err := openT(t, path, kiosk).Close(); err != nil {
		t.Fatal(err)
	}
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

// permissionDenied opens the file in dir, which the process cannot read, with both
// policies.
func permissionDenied(t *testing.T, dir string) {
	t.Helper()
	path := filepath.Join(dir, testFile)
	if _, err := os.ReadFile(path); err == nil {
		t.Fatalf("uid %d can read %s: the test proves nothing", os.Geteuid(), path)
	}
	for _, opts := range []Options{kiosk, portal, {ReadOnly: true}} {
		db, rec, err := Open(context.Background(), path, opts)
		if err == nil {
			_ = db.Close()
			t.Fatal("Open succeeded on an unreadable file")
		}
		if rec != nil {
			t.Errorf("unexpected recovery %v", rec)
		}
		if !errors.Is(err, os.ErrPermission) || errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) {
			t.Errorf("err = %v; want permission error naming %s", err, path)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != testFile {
		t.Errorf("directory changed: %v", entries)
	}
}
