package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"infomat/assets"
	"infomat/content"
)

// checkDir runs `infomat content check` with a deadline: a FIFO used to hang it forever.
func checkDir(t *testing.T, args ...string) (int, string) {
	t.Helper()
	type result struct {
		code int
		out  string
	}
	done := make(chan result, 1)
	go func() {
		var out, errOut bytes.Buffer
		code := contentCmd(append([]string{"check"}, args...), &out, &errOut)
		done <- result{code, out.String() + errOut.String()}
	}()
	select {
	case r := <-done:
		return r.code, r.out
	case <-time.After(time.Minute):
		t.Fatal("content check hung for a minute")
		return 0, ""
	}
}

func sampleDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tresc")
	if err := os.CopyFS(dir, assets.DefaultContent()); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestContentCheckRefusesSymlinksAndPipes(t *testing.T) {
	dir := sampleDir(t)
	secret := filepath.Join(t.TempDir(), "shadow")
	os.WriteFile(secret, []byte("root:$6$tajne"), 0o600)
	if err := os.Symlink(secret, filepath.Join(dir, "pliki", "shadow.txt")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "bip", "potok.md"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := checkDir(t, dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, out)
	}
	for _, want := range []string{"pliki/shadow.txt: dowiązanie symboliczne", "bip/potok.md: potok nazwany (FIFO)"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}

func TestContentCheckSizeLimits(t *testing.T) {
	dir := sampleDir(t)
	page := filepath.Join(dir, "bip", "duza.md")
	data := []byte("---\ntytul: Duża\nmenu: uchwaly\nmetryczka:\n  wytworzyl: Rada\n  data_wytworzenia: 2025-03-27\n" +
		"  opublikowal: Jan\n  data_publikacji: 2025-03-31\n---\n" + strings.Repeat("Ala ma kota. ", 5<<20/13))
	if err := os.WriteFile(page, data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := checkDir(t, dir)
	if code != 1 || !strings.Contains(out, "bip/duza.md: plik ma 5,0 MiB, a strona lub plik YAML może mieć najwyżej 2 MiB") {
		t.Fatalf("exit %d, want 1 and the page refused:\n%s", code, out)
	}
	// A municipality that needs bigger pages raises the limit.
	code, out = checkDir(t, "--max-page", "8MiB", dir)
	if strings.Contains(out, "plik ma") {
		t.Fatalf("raised limit still refuses the page (exit %d):\n%s", code, out)
	}
	code, out = checkDir(t, "--max-page", "dużo", dir)
	if code != 2 {
		t.Fatalf("bad size: exit %d:\n%s", code, out)
	}
}

func TestContentCheckSummarisesUntranslatedContent(t *testing.T) {
	dir := sampleDir(t)
	// Start from Polish only, whatever translations the sample ships.
	for _, pattern := range []string{"*.??.yaml", "*/*.??.yaml", "bip/*/*.??.md", "bip/*.??.md"} {
		m, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, f := range m {
			os.Remove(f)
		}
	}
	card := "nazwa: Leaving your address\nw_skrocie: Tell the office you moved out.\n"
	if err := os.WriteFile(filepath.Join(dir, "procedury", "wymeldowanie.en.yaml"), []byte(card), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := checkDir(t, dir)
	if code != 0 {
		t.Fatalf("exit %d, want 0: untranslated content is a warning:\n%s", code, out)
	}
	var total int
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "OK:") {
			fmt.Sscanf(strings.SplitN(l, "— ", 2)[1], "%d", &total)
		}
	}
	for _, want := range []string{
		fmt.Sprintf("uwaga: en: %d z %d kart bez tłumaczenia", total-1, total),
		fmt.Sprintf("uwaga: uk: %d z %d kart bez tłumaczenia", total, total),
		"przetłumaczone częściowo: 1 karta, 0 formularzy",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "wymeldowanie.en") && !strings.Contains(out, "uwaga:") {
		t.Errorf("the translation was read as a card:\n%s", out)
	}
}

func TestCoverageLinePlurals(t *testing.T) {
	c := content.Coverage{Lang: "en", TotalProcedures: 1, TotalForms: 22, Forms: 20, TotalCategories: 5, Categories: 5,
		TotalPages: 2, Pages: 1, ProceduresPartial: 3, FormsPartial: 1}
	want := "en: 1 z 1 karty bez tłumaczenia, 2 z 22 formularzy, 0 z 5 kategorii, 1 z 2 stron BIP; przetłumaczone częściowo: 3 karty, 1 formularz (brakujące teksty po polsku)"
	if got := coverageLine(c); got != want {
		t.Fatalf("coverageLine:\n got %s\nwant %s", got, want)
	}
}
