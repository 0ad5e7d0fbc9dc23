package kiosk

import (
	"bytes"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A content folder given with --content that holds a symlink or a FIFO is refused as a whole:
// the symlink's target never reaches the store (it used to be copied in), and a FIFO never
// blocks the start (it used to hang it).
func TestFolderWithSymlinkOrFIFOIsRefused(t *testing.T) {
	st := openStore(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	dir := contentDir(t)
	b, src, err := LoadContent(st, dir, Policy{}, log)
	if err != nil || src != FromFolder {
		t.Fatalf("good folder: %v %v", src, err)
	}
	good := b.Version

	secret := filepath.Join(t.TempDir(), "shadow")
	if err := os.WriteFile(secret, []byte("root:$6$tajne"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(dir, "pliki", "shadow.txt")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "bip", "potok.md"), 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		b, src, err = LoadContent(st, dir, Policy{}, log)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("LoadContent blocked on a FIFO for a minute")
	}
	if err != nil || src == FromFolder || b.Version != good {
		t.Fatalf("folder with a symlink: source %v, version %s (want the stored %s), err %v", src, b.Version, good, err)
	}
	fsys, _, err := st.ActiveContent()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Stat(fsys, "pliki/shadow.txt"); err == nil {
		t.Fatal("the symlink's target was stored")
	}
	out := logs.String()
	for _, want := range []string{"file=pliki/shadow.txt", "file=bip/potok.md"} {
		if !strings.Contains(out, want) {
			t.Errorf("log does not name %s:\n%s", want, out)
		}
	}
}
