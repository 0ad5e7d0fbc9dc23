package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"infomat/assets"
)

// TestCommandsUnderCLocale runs the built binary's technician commands in the C locale of a
// minimal Debian install, where Fyne's lang package used to log "Fyne error: Error parsing
// user locale C" before main (package clocale).
func TestCommandsUnderCLocale(t *testing.T) {
	bin := kioskBinary(t)
	tmp := t.TempDir()
	tresc := filepath.Join(tmp, "tresc")
	if err := os.CopyFS(tresc, assets.DefaultContent()); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LANG") && !strings.HasPrefix(kv, "LC_") {
			env = append(env, kv)
		}
	}
	for _, lang := range []string{"C.UTF-8", "C", ""} {
		for _, args := range [][]string{
			{"version"},
			{"settings", "--data", filepath.Join(tmp, "data")},
			{"content", "check", tresc},
		} {
			cmd := exec.Command(bin, args...)
			cmd.Env = append(env, "LANG="+lang)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				t.Errorf("LANG=%s infomat %s: %v\n%s", lang, strings.Join(args, " "), err, stderr.String())
				continue
			}
			if stderr.Len() > 0 {
				t.Errorf("LANG=%s infomat %s wrote to stderr:\n%s", lang, strings.Join(args, " "), stderr.String())
			}
		}
	}
}
