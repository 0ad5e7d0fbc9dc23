package app

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"infomat/kiosk"
	"infomat/outbox"
	"infomat/store"
)

// A resident's PESEL and name, once submitted through the screens, are nowhere to be read:
// not in the store file, not in the log, not in any temporary file, not on screen.
func TestSubmittedPersonalDataLeavesNoTrace(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	data := filepath.Join(tmp, "data")
	st, _, err := store.Open(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	ob, err := outbox.Open(st.Bolt())
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	h := newHarness(t)
	h.ui.d.Submit = &kiosk.Submitter{Outbox: ob, Content: h.ui.d.Content, Log: slog.New(slog.NewTextHandler(&logs, nil))}

	h.openForm()
	h.fillHappyPath()
	h.tap("Wszystko się zgadza — dalej")
	h.tap("☐ Przeczytałem informację o ochronie danych i chcę wysłać wniosek")
	h.tap("Wyślij wniosek")
	h.mustSee("Twój numer zgłoszenia")
	h.mustNotSee("44051401359")
	h.mustNotSee("Zażółć")
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	secrets := []string{"44051401359", "Zażółć", "Gęślą", "ul. Polna 5"}
	err = filepath.WalkDir(tmp, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%q readable in %s", s, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(data, store.FileName)); err != nil {
		t.Fatalf("the store file was not where the walk looked: %v", err)
	}
	for _, s := range secrets {
		if strings.Contains(logs.String(), s) {
			t.Errorf("%q in the log", s)
		}
	}
}
