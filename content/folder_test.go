package content_test

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"infomat/content"
)

// writeSample writes the embedded bundle to a temporary folder.
func writeSample(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for p, f := range sample(t) {
		name := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// readFolder runs ReadFolder with a deadline: a FIFO used to block the read forever.
func readFolder(t *testing.T, dir string, l content.Limits) (content.Folder, error) {
	t.Helper()
	type result struct {
		f   content.Folder
		err error
	}
	done := make(chan result, 1)
	go func() {
		f, err := content.ReadFolder(dir, l)
		done <- result{f, err}
	}()
	select {
	case r := <-done:
		return r.f, r.err
	case <-time.After(time.Minute):
		t.Fatal("ReadFolder blocked for a minute")
		return nil, nil
	}
}

func folderProblems(t *testing.T, err error) string {
	t.Helper()
	var ps content.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("want content.Problems, got %v", err)
	}
	return ps.Error()
}

func TestReadFolderReadsAValidBundle(t *testing.T) {
	dir := writeSample(t)
	f, err := readFolder(t, dir, content.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := content.Load(f.FS())
	if err != nil {
		t.Fatal(err)
	}
	want, _ := content.Version(sample(t))
	if b.Version != want {
		t.Errorf("version %s, want %s (same bytes as the embedded bundle)", b.Version, want)
	}
}

func TestReadFolderRefusesSpecialFiles(t *testing.T) {
	dir := writeSample(t)
	secret := filepath.Join(t.TempDir(), "shadow")
	if err := os.WriteFile(secret, []byte("root:$6$secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Symlink(secret, filepath.Join(dir, "pliki", "shadow.txt")))
	must(os.Symlink("/dev/zero", filepath.Join(dir, "pliki", "zero.pdf")))
	must(os.Symlink(filepath.Join(dir, "procedury"), filepath.Join(dir, "bip", "petla")))
	must(syscall.Mkfifo(filepath.Join(dir, "bip", "fifo.md"), 0o644))
	ln, err := net.Listen("unix", filepath.Join(dir, "gniazdo"))
	must(err)
	defer ln.Close()

	_, err = readFolder(t, dir, content.Limits{})
	got := folderProblems(t, err)
	for _, want := range []string{
		"pliki/shadow.txt: dowiązanie symboliczne (symlink)",
		"pliki/zero.pdf: dowiązanie symboliczne (symlink)",
		"bip/petla: dowiązanie symboliczne (symlink)",
		"bip/fifo.md: potok nazwany (FIFO)",
		"gniazdo: gniazdo (socket)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "secret") {
		t.Errorf("the symlink's target was read:\n%s", got)
	}
}

func TestReadFolderRefusesADeviceFile(t *testing.T) {
	// A device node cannot be made in a temporary folder without privileges, but /dev has
	// them: read /dev as if it were a content folder and look at one of its entries.
	_, err := readFolder(t, "/dev", content.Limits{Page: 1})
	got := folderProblems(t, err)
	if !strings.Contains(got, "null: plik urządzenia") {
		t.Errorf("/dev/null not refused as a device:\n%s", got)
	}
}

func TestReadFolderSizeLimits(t *testing.T) {
	dir := writeSample(t)
	page := filepath.Join(dir, "bip", "duza.md")
	// A 60 MB Markdown page: it used to pass and grow the kiosk to 3.6 GB.
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(60 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.WriteFile(filepath.Join(dir, "pliki", "duzy.pdf"), make([]byte, 3000), 0o644); err != nil {
		t.Fatal(err)
	}

	_, err = readFolder(t, dir, content.Limits{Attachment: 2000})
	got := folderProblems(t, err)
	for _, want := range []string{
		"bip/duza.md: plik ma 60 MiB, a strona lub plik YAML może mieć najwyżej 2 MiB",
		"pliki/duzy.pdf: plik ma 2,9 KiB, a załącznik może mieć najwyżej 2,0 KiB",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}

	// Raised limits let the same folder through the reader (the hard maximum still caps them).
	if err := os.Truncate(page, 3<<20); err != nil {
		t.Fatal(err)
	}
	if _, err := readFolder(t, dir, content.Limits{Page: 4 << 20}); err != nil {
		t.Errorf("raised page limit: %v", err)
	}
	_, err = readFolder(t, dir, content.Limits{Bundle: 1 << 20})
	if got := folderProblems(t, err); !strings.Contains(got, "(cała paczka): paczka ma ") {
		t.Errorf("bundle limit not applied:\n%s", got)
	}
}

func TestLimitsEffective(t *testing.T) {
	got := content.Limits{Page: 1 << 40, Attachment: 5}.Effective()
	want := content.Limits{Page: content.HardLimits.Page, Attachment: 5, Bundle: content.DefaultLimits.Bundle}
	if got != want {
		t.Errorf("Effective() = %+v, want %+v", got, want)
	}
}

func TestCheckSizes(t *testing.T) {
	ps := content.CheckSizes(map[string]int64{
		"gmina.yaml":     100,
		"bip/a.md":       3 << 20,
		"pliki/a.pdf":    3 << 20,
		"pliki/duzy.zip": 60 << 20,
	}, content.Limits{})
	got := ps.Error()
	if len(ps) != 2 || !strings.Contains(got, "bip/a.md:") || !strings.Contains(got, "pliki/duzy.zip:") {
		t.Errorf("CheckSizes:\n%s", got)
	}
}

// A content folder kept in git is read without its .git folder (a big pack file there would
// count against the page limit, and the history must not reach the kiosks).
func TestReadFolderSkipsHiddenFiles(t *testing.T) {
	dir := writeSample(t)
	if err := os.MkdirAll(filepath.Join(dir, ".git", "objects"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".git", "objects", "pack"), make([]byte, 3<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bip", ".strona.md.swp"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := readFolder(t, dir, content.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for p := range f {
		if strings.Contains(p, "/.") || strings.HasPrefix(p, ".") {
			t.Errorf("hidden file %s read", p)
		}
	}
}

// A writer of the clerk's folder swaps a listed subfolder for a symlink out of the folder
// between the listing and the reading of its files (review finding 3: publish shipped
// /etc/shadow): the walk keeps reading the folder it listed, nothing outside.
func TestReadFolderSubfolderSwappedAfterListing(t *testing.T) {
	dir, secret := t.TempDir(), t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(secret, "x.md"), []byte("TOP-SECRET"), 0o600))
	must(os.Mkdir(filepath.Join(dir, "a"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "a", "x.md"), []byte("harmless"), 0o644))
	defer content.SetAfterList(func(d string) {
		if d == "a" {
			must(os.Rename(filepath.Join(dir, "a"), filepath.Join(dir, ".a.real")))
			must(os.Symlink(secret, filepath.Join(dir, "a")))
		}
	})()
	f, err := readFolder(t, dir, content.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(f["a/x.md"]); got != "harmless" {
		t.Fatalf("a/x.md = %q, want the listed folder's file", got)
	}
}

// A listed file swapped for a symlink out of the folder is refused.
func TestReadFolderFileSwappedAfterListing(t *testing.T) {
	dir, secret := t.TempDir(), t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(secret, "x.md"), []byte("TOP-SECRET"), 0o600))
	must(os.WriteFile(filepath.Join(dir, "y.md"), []byte("harmless"), 0o644))
	defer content.SetAfterList(func(d string) {
		must(os.Remove(filepath.Join(dir, "y.md")))
		must(os.Symlink(filepath.Join(secret, "x.md"), filepath.Join(dir, "y.md")))
	})()
	_, err := readFolder(t, dir, content.Limits{})
	if got, want := folderProblems(t, err), "y.md: dowiązanie symboliczne (symlink)"; !strings.Contains(got, want) || strings.Contains(got, "TOP-SECRET") {
		t.Errorf("problems %q, want %q", got, want)
	}
}

// A subfolder swapped for a symlink to another folder inside the folder is refused too: the
// opened directory is not the one listed.
func TestReadFolderSwappedForInnerSymlink(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"a", "b"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, d, "x.md"), []byte(d), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	defer content.SetAfterList(func(d string) {
		if d == "." {
			os.Rename(filepath.Join(dir, "a"), filepath.Join(dir, ".a"))
			os.Symlink("b", filepath.Join(dir, "a"))
		}
	})()
	_, err := readFolder(t, dir, content.Limits{})
	if got := folderProblems(t, err); !strings.Contains(got, "a: dowiązanie symboliczne (symlink)") {
		t.Errorf("problems %q, want a refused as a symlink", got)
	}
}
