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
	h.ui.d.Submit = &kiosk.Submitter{Outbox: ob, Content: h.ui.d.Content, Log: slog.New(slog.NewTextHandler(&logs, nil)), Demo: true}

	h.openForm()
	h.fillHappyPath()
	h.tap("Wszystko się zgadza — dalej")
	h.tap("☐ Znam informację o ochronie danych i chcę wysłać wniosek")
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

// When the store cannot be written (here: closed under the kiosk, as after a disk fault) the
// resident gets the plain message and no reference number, and the answers stay for a retry.
func TestRealStoreFailureShowsNoReference(t *testing.T) {
	st, _, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ob, err := outbox.Open(st.Bolt())
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t)
	h.ui.d.Submit = &kiosk.Submitter{Outbox: ob, Content: h.ui.d.Content, Demo: true}
	h.openForm()
	h.fillHappyPath()
	h.tap("Wszystko się zgadza — dalej")
	h.tap("☐ Znam informację o ochronie danych i chcę wysłać wniosek")
	st.Close()
	h.tap("Wyślij wniosek")
	h.mustSee("Nie udało się zapisać wniosku — prosimy spróbować ponownie lub zgłosić się do urzędu")
	h.mustNotSee("Twój numer zgłoszenia")
	if h.ui.form == nil || h.ui.form.answers["pesel"] != "44051401359" {
		t.Fatal("the answers were lost with the failed write")
	}
}
