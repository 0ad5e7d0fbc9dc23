package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"infomat/assets"
	"infomat/kiosk/cardreader"
	"infomat/kiosk/printersim"
	"infomat/kiosk/serialport/ptytest"
)

func TestContentCheckCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tresc")
	if err := os.CopyFS(dir, assets.DefaultContent()); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := contentCmd([]string{"check", dir}, &out, &errOut); code != 0 {
		t.Fatalf("valid folder: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	// Valid, with a warning: the sample's submission key is published, so kiosks refuse its
	// forms outside --demo.
	if !strings.HasPrefix(out.String(), "uwaga: gmina.yaml: klucz_wnioskow: to publiczny klucz przykładowej gminy") ||
		!strings.Contains(out.String(), "\nOK: Gmina Przykładowa") {
		t.Fatalf("output: %s", out.String())
	}

	card := filepath.Join(dir, "procedury", "zameldowanie-pobyt-staly.yaml")
	data, _ := os.ReadFile(card)
	os.WriteFile(card, bytes.Replace(data, []byte("kategoria: meldunek"), []byte("kategoria: brak"), 1), 0o644)
	out.Reset()
	if code := contentCmd([]string{"check", dir}, &out, &errOut); code != 1 {
		t.Fatalf("broken folder: exit %d", code)
	}
	if !strings.Contains(out.String(), "procedury/zameldowanie-pobyt-staly.yaml: kategoria: nieznana kategoria") {
		t.Fatalf("output does not name file and field: %s", out.String())
	}
	if code := contentCmd([]string{"check", filepath.Join(dir, "nope")}, &out, &errOut); code != 2 {
		t.Fatalf("missing folder: exit %d", code)
	}
}

func TestSettingsCommand(t *testing.T) {
	data := t.TempDir()
	var out, errOut bytes.Buffer
	if code := settingsCmd([]string{"--data", data, "set", "idle_timeout", "2m"}, &out, &errOut); code != 0 {
		t.Fatalf("set: exit %d: %s", code, errOut.String())
	}
	out.Reset()
	if code := settingsCmd([]string{"--data", data}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "idle_timeout   2m") {
		t.Fatalf("list: exit %d: %q", code, out.String())
	}
	errOut.Reset()
	if code := settingsCmd([]string{"--data", data, "set", "idle_timeout", "5s"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "od 30s") {
		t.Fatalf("bad value: exit %d: %q", code, errOut.String())
	}
	if code := settingsCmd([]string{"--data", data, "set", "kolor", "x"}, &out, &errOut); code != 2 {
		t.Fatalf("unknown key: exit %d", code)
	}
}

// `infomat detect --save` on three ptys: the printer simulator, a reader sending frames, a
// silent port; the settings end up pointing at the right ones.
func TestDetectCommandSaves(t *testing.T) {
	silent, reader, printer := ptytest.New(t), ptytest.New(t), ptytest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go printersim.New(printer.Device, 384).Run(ctx)
	go func() {
		for ctx.Err() == nil {
			reader.Device.Write(cardreader.Frame(cardreader.KindMagstripe, "6011000990139424"))
			time.Sleep(300 * time.Millisecond)
		}
	}()
	data := t.TempDir()
	var out, errOut bytes.Buffer
	if code := detectCmd([]string{"--data", data, "--save", "--listen", "2s", silent.Name, printer.Name, reader.Name}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s%s", code, out.String(), errOut.String())
	}
	out.Reset()
	settingsCmd([]string{"--data", data}, &out, &errOut)
	for _, want := range []string{"printer_port   " + printer.Name, "reader_port    " + reader.Name, "reader_kind    magstripe"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("settings lack %q:\n%s", want, out.String())
		}
	}
}

// TestContentCheckSampleTraces: a copy of the sample under another name is valid, but the
// check lists what is left of the sample, the key among it, with the count first.
func TestContentCheckSampleTraces(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tresc")
	if err := os.CopyFS(dir, assets.DefaultContent()); err != nil {
		t.Fatal(err)
	}
	g := filepath.Join(dir, "gmina.yaml")
	data, _ := os.ReadFile(g)
	os.WriteFile(g, bytes.Replace(data, []byte("nazwa: Gmina Przykładowa"), []byte("nazwa: Gmina Nowa Wola"), 1), 0o644)
	var out, errOut bytes.Buffer
	if code := contentCmd([]string{"check", dir}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errOut.String())
	}
	s := out.String()
	// "zostało 390 miejsc" or "zostały 393 miejsca": the verb agrees with the count.
	if !strings.HasPrefix(s, "uwaga: w treści został") || strings.Count(s, "klucz_wnioskow: to publiczny klucz przykładowej gminy") != 1 ||
		!strings.Contains(s, "uwaga: gmina.yaml: adres.ulica: zostało tu z przykładowej gminy: „ul. Lipowa 12”") {
		t.Fatalf("output:\n%s", s)
	}
}
