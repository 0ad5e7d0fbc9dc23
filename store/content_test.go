package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	bolt "go.etcd.io/bbolt"
)

func sha(b string) string {
	s := sha256.Sum256([]byte(b))
	return hex.EncodeToString(s[:])
}

func bundle(m map[string]string) map[string][]byte {
	out := make(map[string][]byte, len(m))
	for k, v := range m {
		out[k] = []byte(v)
	}
	return out
}

func blobKeys(t *testing.T, s *Store) []string {
	t.Helper()
	var keys []string
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bucketBlobs)).ForEach(func(k, _ []byte) error {
			keys = append(keys, string(k))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

var sample = map[string]string{
	"procedures/dowod.yaml":    "title: Dowód osobisty\n",
	"procedures/meldunek.yaml": "title: Meldunek\n",
	"bip/menu.yaml":            "items: []\n",
	"bip/sub/deep/page.md":     "# Strona\n",
	"images/logo.png":          "\x89PNG fake",
	"images/copy.png":          "\x89PNG fake", // same bytes: one blob
	"index.md":                 "# Witamy\n",
	"empty.txt":                "",
}

func TestContentRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	if _, _, err := s.ActiveContent(); !errors.Is(err, ErrNoContent) {
		t.Fatalf("empty store: %v, want ErrNoContent", err)
	}
	if err := s.PutContent("2024.1", "Gmina Testowo", bundle(sample)); err != nil {
		t.Fatal(err)
	}
	// Survives reopen.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openT(t, dir)

	fsys, info, err := s.ActiveContent()
	if err != nil {
		t.Fatal(err)
	}
	var wantBytes int64
	for _, v := range sample {
		wantBytes += int64(len(v))
	}
	if info.Version != "2024.1" || info.Label != "Gmina Testowo" || info.Files != len(sample) || info.Bytes != wantBytes || info.ActivatedAt.IsZero() {
		t.Errorf("info = %+v", info)
	}

	var expected []string
	for p := range sample {
		expected = append(expected, p)
	}
	if err := fstest.TestFS(fsys, expected...); err != nil {
		t.Fatal(err)
	}

	var walked []string
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			walked = append(walked, p)
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			if string(b) != sample[p] {
				t.Errorf("%s = %q, want %q", p, b, sample[p])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(expected)
	if strings.Join(walked, ",") != strings.Join(expected, ",") {
		t.Errorf("walked %v, want %v", walked, expected)
	}

	entries, err := fs.ReadDir(fsys, "procedures")
	if err != nil || len(entries) != 2 || entries[0].Name() != "dowod.yaml" {
		t.Errorf("ReadDir(procedures) = %v, %v", entries, err)
	}
	if _, err := fsys.Open("../etc/passwd"); !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("Open(../etc/passwd) = %v, want ErrInvalid", err)
	}
	if _, err := fsys.Open("nope.yaml"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open(nope.yaml) = %v, want ErrNotExist", err)
	}

	// Returned data must not alias the FS.
	b, _ := fs.ReadFile(fsys, "index.md")
	b[0] = 'X'
	if b2, _ := fs.ReadFile(fsys, "index.md"); b2[0] != '#' {
		t.Error("ReadFile result aliases the FS")
	}

	// 7 distinct contents (logo and copy share a blob).
	if got := len(blobKeys(t, s)); got != len(sample)-1 {
		t.Errorf("%d blobs, want %d", got, len(sample)-1)
	}
	if ok, err := s.HasBlob(sha("# Witamy\n")); err != nil || !ok {
		t.Errorf("HasBlob(index.md) = %v, %v", ok, err)
	}
	if ok, _ := s.HasBlob(sha("not stored")); ok {
		t.Error("HasBlob(unknown) = true")
	}
}

func TestReplacingContentRemovesUnreferencedBlobs(t *testing.T) {
	s := openT(t, t.TempDir())
	if err := s.PutContent("1", "one", bundle(map[string]string{"a.txt": "keep", "b.txt": "old"})); err != nil {
		t.Fatal(err)
	}
	if err := s.PutContent("2", "two", bundle(map[string]string{"a.txt": "keep", "c/d.txt": "new"})); err != nil {
		t.Fatal(err)
	}
	got := blobKeys(t, s)
	want := []string{sha("keep"), sha("new")}
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("blobs = %v, want %v", got, want)
	}
	if ok, _ := s.HasBlob(sha("old")); ok {
		t.Error("old blob still present")
	}
	fsys, info, err := s.ActiveContent()
	if err != nil {
		t.Fatal(err)
	}
	if info.Version != "2" {
		t.Errorf("version %q", info.Version)
	}
	if err := fstest.TestFS(fsys, "a.txt", "c/d.txt"); err != nil {
		t.Error(err)
	}
	if _, err := fs.Stat(fsys, "b.txt"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("b.txt still served: %v", err)
	}
}

func TestPutContentRejectsBadBundles(t *testing.T) {
	s := openT(t, t.TempDir())
	if err := s.PutContent("1", "ok", bundle(map[string]string{"a.txt": "x"})); err != nil {
		t.Fatal(err)
	}
	bad := []map[string]string{
		{},
		{"../x": "1"},
		{"/abs": "1"},
		{"a//b": "1"},
		{"": "1"},
		{".": "1"},
		{`dir\file.txt`: "1"},
		{"a": "1", "a/b": "2"}, // a is both file and directory
	}
	for _, b := range bad {
		if err := s.PutContent("2", "bad", bundle(b)); err == nil {
			t.Errorf("PutContent(%v) accepted", b)
		}
	}
	// Nothing changed.
	if _, info, err := s.ActiveContent(); err != nil || info.Version != "1" {
		t.Errorf("after rejected puts: %+v, %v", info, err)
	}
}

func TestBlobCorruptionIsDetected(t *testing.T) {
	s := openT(t, t.TempDir())
	if err := s.PutContent("1", "x", bundle(sample)); err != nil {
		t.Fatal(err)
	}
	// Flip the stored bytes of bip/menu.yaml's blob, keeping its key.
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketBlobs))
		return b.Put([]byte(sha("items: []\n")), []byte("items: [tampered]\n"))
	})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = s.ActiveContent()
	if err == nil {
		t.Fatal("tampered blob not detected")
	}
	if !errors.Is(err, ErrCorruptContent) || !strings.Contains(err.Error(), "bip/menu.yaml") {
		t.Errorf("err = %v; want ErrCorruptContent naming bip/menu.yaml", err)
	}

	// A missing blob is corruption too (undo the tamper so this is the
	// only problem).
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketBlobs))
		if err := b.Put([]byte(sha("items: []\n")), []byte("items: []\n")); err != nil {
			return err
		}
		return b.Delete([]byte(sha("# Strona\n")))
	})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = s.ActiveContent()
	if !errors.Is(err, ErrCorruptContent) || !strings.Contains(err.Error(), "bip/sub/deep/page.md") {
		t.Errorf("err = %v; want ErrCorruptContent naming bip/sub/deep/page.md", err)
	}

	// Putting the same bundle again repairs both blobs.
	if err := s.PutContent("1", "x", bundle(sample)); err != nil {
		t.Fatal(err)
	}
	fsys, _, err := s.ActiveContent()
	if err != nil {
		t.Fatalf("after re-put: %v", err)
	}
	if b, _ := fs.ReadFile(fsys, "bip/menu.yaml"); string(b) != "items: []\n" {
		t.Errorf("bip/menu.yaml = %q", b)
	}
}
