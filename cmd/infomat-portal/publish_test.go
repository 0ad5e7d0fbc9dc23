package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"infomat/assets"
)

// A symlink in the content folder used to be followed: the portal published /etc/shadow (and
// its own portal.db) and kiosks downloaded them. A FIFO hung the command.
func TestPublishRefusesSymlinkAndFIFO(t *testing.T) {
	data := t.TempDir()
	dir := filepath.Join(t.TempDir(), "tresc")
	if err := os.CopyFS(dir, assets.DefaultContent()); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(data, "portal.db"), filepath.Join(dir, "pliki", "baza.pdf")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "bip", "potok.md"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, "publish", "--new-municipality", "--data", data, "--municipality", "przykladowa", dir)
	if code != 1 || !strings.Contains(out, "pliki/baza.pdf: dowiązanie symboliczne (symlink)") ||
		!strings.Contains(out, "bip/potok.md: potok nazwany (FIFO)") || !strings.Contains(out, "Nic nie opublikowano") {
		t.Fatalf("publish: exit %d\n%s%s", code, out, errOut)
	}
}

func TestPublishLimitFlags(t *testing.T) {
	data := t.TempDir()
	dir := filepath.Join(t.TempDir(), "tresc")
	if err := os.CopyFS(dir, assets.DefaultContent()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pliki", "duzy.pdf"), make([]byte, 3<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, "publish", "--new-municipality", "--data", data, "--municipality", "przykladowa", "--max-attachment", "2MiB", dir)
	if code != 1 || !strings.Contains(out, "pliki/duzy.pdf: plik ma 3 MiB, a załącznik może mieć najwyżej 2 MiB") {
		t.Fatalf("over the limit: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCmd(t, "publish", "--new-municipality", "--data", data, "--municipality", "przykladowa", "--max-page", "1GiB", dir)
	if code != 2 || !strings.Contains(errOut, "najwięcej, ile przyjmie kiosk") {
		t.Fatalf("over the hard limit: exit %d\n%s%s", code, out, errOut)
	}
}

// publish used to sign a bundle whose form `infomat content check` refuses: the kiosks then
// showed the card without its form. It refuses what the check refuses, and says which.
func TestPublishRefusesWhatContentCheckRefuses(t *testing.T) {
	data := t.TempDir()
	dir := filepath.Join(t.TempDir(), "tresc")
	if err := os.CopyFS(dir, assets.DefaultContent()); err != nil {
		t.Fatal(err)
	}
	form := filepath.Join(dir, "formularze", "karta-mieszkanca.yaml")
	raw, err := os.ReadFile(form)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(raw), "typ: pesel", "typ: peselx", 1)
	if broken == string(raw) {
		t.Fatal("the sample form has no PESEL field to break")
	}
	if err := os.WriteFile(form, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, "publish", "--new-municipality", "--data", data, "--municipality", "przykladowa", dir)
	if code != 1 || !strings.Contains(out, "formularze/karta-mieszkanca.yaml") || !strings.Contains(out, "Nic nie opublikowano") {
		t.Fatalf("publish of a bundle with a broken form: exit %d\n%s%s", code, out, errOut)
	}
	if err := os.WriteFile(form, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCmd(t, "publish", "--new-municipality", "--data", data, "--municipality", "przykladowa", dir)
	if code != 0 {
		t.Fatalf("publish of the repaired bundle: exit %d\n%s%s", code, out, errOut)
	}
}
