package store

import (
	"errors"
	"io/fs"
	"slices"
	"testing"
)

func hashes(files map[string]string) map[string]string {
	out := make(map[string]string, len(files))
	for p, data := range files {
		out[p] = sha(data)
	}
	return out
}

func stagedKeys(t *testing.T, s *Store) int {
	t.Helper()
	n, _, err := s.StagedBlobs()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestStageAndActivateBlobs(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	if v, err := s.PortalVersion(); err != nil || v != 0 {
		t.Fatalf("PortalVersion on empty store = %d, %v", v, err)
	}
	old := map[string]string{"a.md": "old a", "shared.md": "shared"}
	if err := s.PutContent("v0", "old", bundle(old)); err != nil {
		t.Fatal(err)
	}

	next := map[string]string{"a.md": "new a", "shared.md": "shared", "b/c.md": "new c", "b/copy.md": "new c"}
	files := hashes(next)
	missing, err := s.MissingBlobs([]string{sha("new a"), sha("shared"), sha("new c"), sha("new c")})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{sha("new a"), sha("new c")}; !slices.Equal(missing, want) {
		t.Fatalf("MissingBlobs = %v, want %v", missing, want)
	}
	// A blob whose bytes don't match its key is refused, and nothing of the batch is written.
	err = s.StageBlobs(map[string][]byte{sha("new a"): []byte("new a"), sha("new c"): []byte("evil")})
	if err == nil || stagedKeys(t, s) != 0 {
		t.Fatalf("StageBlobs with a bad blob: %v, %d staged", err, stagedKeys(t, s))
	}
	if err := s.StageBlobs(map[string][]byte{sha("new a"): []byte("new a")}); err != nil {
		t.Fatal(err)
	}
	// Incomplete: activation refuses, the old bundle stays.
	if _, err := s.BlobFS(files); !errors.Is(err, ErrMissingBlob) {
		t.Fatalf("BlobFS with a missing blob: %v", err)
	}
	if err := s.ActivateBlobs("v1", "new", 7, files); !errors.Is(err, ErrMissingBlob) {
		t.Fatalf("ActivateBlobs with a missing blob: %v", err)
	}
	fsys, info, err := s.ActiveContent()
	if err != nil || info.Version != "v0" {
		t.Fatalf("after refused activation: %v, %+v", err, info)
	}
	if got, _ := fs.ReadFile(fsys, "a.md"); string(got) != "old a" {
		t.Fatalf("old content changed: %q", got)
	}

	// Staging survives a reopen: an interrupted pull resumes.
	_ = s.Close()
	s = openT(t, dir)
	if missing, _ := s.MissingBlobs([]string{sha("new a"), sha("new c")}); !slices.Equal(missing, []string{sha("new c")}) {
		t.Fatalf("after reopen MissingBlobs = %v, want only new c", missing)
	}
	if err := s.StageBlobs(map[string][]byte{sha("new c"): []byte("new c"), sha("garbage"): []byte("garbage")}); err != nil {
		t.Fatal(err)
	}
	staged, err := s.BlobFS(files)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := fs.ReadFile(staged, "b/copy.md"); string(got) != "new c" {
		t.Fatalf("BlobFS b/copy.md = %q", got)
	}
	if err := s.ActivateBlobs("v1", "new", 7, files); err != nil {
		t.Fatal(err)
	}
	fsys, info, err = s.ActiveContent()
	if err != nil || info.Version != "v1" || info.Label != "new" || info.Files != 4 {
		t.Fatalf("after activation: %v, %+v", err, info)
	}
	for p, want := range next {
		if got, _ := fs.ReadFile(fsys, p); string(got) != want {
			t.Errorf("%s = %q, want %q", p, got, want)
		}
	}
	if got, want := len(blobKeys(t, s)), 3; got != want {
		t.Errorf("%d blobs stored, want %d (old a deleted)", got, want)
	}
	if n := stagedKeys(t, s); n != 0 {
		t.Errorf("%d blobs left in staging", n)
	}
	if v, err := s.PortalVersion(); err != nil || v != 7 {
		t.Errorf("PortalVersion = %d, %v", v, err)
	}
	if af, err := s.ActiveFiles(); err != nil || af["a.md"] != sha("new a") {
		t.Errorf("ActiveFiles = %v, %v", af, err)
	}

	// A technician's folder (PutContent) keeps the portal version: no rollback through it.
	if err := s.PutContent("v2", "folder", bundle(old)); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.PortalVersion(); v != 7 {
		t.Errorf("PortalVersion after PutContent = %d, want 7", v)
	}
	if err := s.ActivateBlobs("v1", "new", 6, files); !errors.Is(err, ErrPortalRollback) {
		t.Errorf("older portal version: %v, want ErrPortalRollback", err)
	}
	if _, info, _ := s.ActiveContent(); info.Version != "v2" {
		t.Errorf("refused activation changed content to %s", info.Version)
	}
}

func TestActivateBlobsRejectsBadPaths(t *testing.T) {
	s := openT(t, t.TempDir())
	if err := s.StageBlobs(map[string][]byte{sha("x"): []byte("x")}); err != nil {
		t.Fatal(err)
	}
	for _, files := range []map[string]string{
		{},
		{"../etc/passwd": sha("x")},
		{"a": sha("x"), "a/b": sha("x")},
	} {
		if err := s.ActivateBlobs("v", "l", 1, files); err == nil {
			t.Errorf("ActivateBlobs(%v) accepted", files)
		}
	}
	if _, err := s.BlobFS(map[string]string{"/abs": sha("x")}); err == nil {
		t.Error("BlobFS accepted an absolute path")
	}
	if _, _, err := s.ActiveContent(); !errors.Is(err, ErrNoContent) {
		t.Errorf("content after refused activations: %v", err)
	}
}
