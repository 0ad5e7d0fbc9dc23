package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"infomat/sync/loadgen"
)

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(t.Context(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestLoadgenCommand(t *testing.T) {
	code, out, errOut := runCmd(t, "--kiosks", "10", "--duration", "500ms", "--think", "10ms")
	if code != 0 || !strings.Contains(out, "check:       OK") || !strings.Contains(out, "heartbeat") {
		t.Fatalf("loadgen: %d\n%s%s", code, out, errOut)
	}
}

func TestLoadgenCommandModel(t *testing.T) {
	code, out, errOut := runCmd(t, "--kiosks", "10", "--duration", "1s", "--beat", "100ms", "--poll", "200ms",
		"--submit-rate", "7200", "--seed", "3", "--json")
	if code != 0 {
		t.Fatalf("loadgen: %d\n%s%s", code, out, errOut)
	}
	var res loadgen.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Mode != "model" || res.Seed != 3 || res.Heartbeats.Count == 0 || res.Polls.Count == 0 || res.Unique == 0 || res.Stored != res.Unique {
		t.Fatalf("%+v", res)
	}
}

func TestLoadgenCommandRefuses(t *testing.T) {
	for _, args := range [][]string{
		{"--url", "http://127.0.0.1:1"},                                      // no tokens
		{"--url", "http://127.0.0.1:1", "--tokens", "x", "--instances", "2"}, // own-portal flag
		{"stray"},
	} {
		if code, _, _ := runCmd(t, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}
