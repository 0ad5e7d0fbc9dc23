package main

import (
	"bytes"
	"strings"
	"testing"
)

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(t.Context(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestLoadgenCommand(t *testing.T) {
	code, out, errOut := runCmd(t, "--kiosks", "10", "--duration", "500ms", "--think", "10ms")
	if code != 0 || !strings.Contains(out, "check:             OK") {
		t.Fatalf("loadgen: %d\n%s%s", code, out, errOut)
	}
}
