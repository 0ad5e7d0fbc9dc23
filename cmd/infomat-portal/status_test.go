package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"infomat/outbox"
	"infomat/sync/portal"
)

// The status command on a store no serve holds: it finds the submission by the reference as
// a resident reads it, refuses what the tracking page could not show, and asks which one
// when kiosks of two municipalities drew the same reference.
func TestStatusCommandOnTheStore(t *testing.T) {
	data := t.TempDir()
	st, err := portal.OpenBolt(context.Background(), data, portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := outbox.NewRef("PRZ", bytes.NewReader(bytes.Repeat([]byte{5}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)
	for i, m := range []string{"przykladowa", "inna"} {
		rec := portal.Record{ID: strings.Repeat(string(rune('a'+i)), 32), Ref: ref, Procedure: "wymeldowanie", Ciphertext: []byte("x"),
			Device: "k-000000000000000" + string(rune('1'+i)), Municipality: m, Created: at, Received: at}
		if _, _, err := st.PutSubmission(context.Background(), rec, nil); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	code, _, errOut := runCmd(t, "status", "set", ref, "w-realizacji", "--data", data)
	if code != 1 || !strings.Contains(errOut, "names 2 submissions") || !strings.Contains(errOut, strings.Repeat("a", 32)) {
		t.Fatalf("an ambiguous reference: %d %s", code, errOut)
	}
	if code, _, errOut := runCmd(t, "status", "set", ref, "przekazany", "--municipality", "przykladowa", "--data", data); code != 2 || !strings.Contains(errOut, "needs where it went") {
		t.Fatalf("forwarded without --to: %d %s", code, errOut)
	}
	if code, _, errOut := runCmd(t, "status", "set", ref, "odrzucony", "--note", strings.Repeat("ą", 501), "--municipality", "przykladowa", "--data", data); code != 2 || !strings.Contains(errOut, "500") {
		t.Fatalf("a note too long: %d %s", code, errOut)
	}
	code, out, errOut := runCmd(t, "status", "set", strings.ReplaceAll(ref, "-", " "), "przekazany", "--to", "Starostwo Powiatowe", "--note", "Sprawę prowadzi starostwo.", "--municipality", "przykladowa", "--data", data)
	if code != 0 || !strings.Contains(out, "przekazany do: Starostwo Powiatowe (cli)") || !strings.Contains(out, "Sprawę prowadzi starostwo.") {
		t.Fatalf("status set: %d\n%s%s", code, out, errOut)
	}
	t.Logf("status set prints:\n%s", out)
	code, out, _ = runCmd(t, "status", "show", ref, "--id", strings.Repeat("b", 32), "--json", "--data", data)
	var rep portal.StatusReport
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.Municipality != "inna" || rep.Current.Code != portal.StatusReceived || len(rep.History) != 0 {
		t.Fatalf("the other municipality's, untouched: %d %s", code, out)
	}
	if code, _, _ := runCmd(t, "status", "show", ref, "--note", "x", "--data", data); code != 2 {
		t.Errorf("show with --note: %d", code)
	}
}
