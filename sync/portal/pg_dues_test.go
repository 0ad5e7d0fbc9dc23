package portal_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"infomat/sync/portal"
	"infomat/sync/protocol"
)

// Two instances sharing one database count a code's failures together: the lockout holds
// whichever instance the kiosk's requests reach, and so does a replacement.
func TestPostgresDuesLockoutAcrossInstances(t *testing.T) {
	sts := twoInstances(t)
	ctx := t.Context()
	keys, err := portal.NewDuesKeys(bytes.Repeat([]byte{9}, 32)) // both instances share panel.key
	if err != nil {
		t.Fatal(err)
	}
	var srvs [2]*httptest.Server
	for i, st := range sts {
		srvs[i] = httptest.NewServer(portal.NewServer(st, portal.ServerOptions{Log: slog.New(slog.DiscardHandler), DuesKeys: keys}))
		t.Cleanup(srvs[i].Close)
	}
	f, err := os.Open("../../testdata/dues/przykladowa.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := portal.ImportDues(ctx, sts[0], keys, "przykladowa", f, portal.DuesImportOptions{}, "cli", ""); err != nil {
		t.Fatal(err)
	}
	tok, err := portal.CreateToken(ctx, sts[0], "przykladowa", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(protocol.EnrollRequest{Token: tok, Hostname: "k", AppVersion: "1"})
	resp, err := http.Post(srvs[0].URL+protocol.PathEnroll, protocol.ContentTypeJSON, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var er protocol.EnrollResponse
	json.NewDecoder(resp.Body).Decode(&er)
	resp.Body.Close()
	auth := "Bearer " + er.DeviceID + ":" + er.Secret
	lookup := func(i int, code, pesel4 string) (int, protocol.DuesRefusal) {
		t.Helper()
		b, _ := json.Marshal(protocol.DuesRequest{Code: code, PESEL4: pesel4})
		req, _ := http.NewRequest(http.MethodPost, srvs[i].URL+protocol.PathDues, bytes.NewReader(b))
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r protocol.DuesRefusal
		json.NewDecoder(resp.Body).Decode(&r)
		return resp.StatusCode, r
	}
	if status, _ := lookup(1, "KX7M2PQ9RT", "7319"); status != 200 {
		t.Fatalf("lookup on the instance that did not import: %d", status)
	}
	for i := range 4 {
		status, r := lookup(i%2, "KX7M2PQ9RT", "0000")
		if status != 403 || r.Remaining != 4-i {
			t.Fatalf("failure %d on instance %d: %d %+v", i+1, i%2, status, r)
		}
	}
	if status, r := lookup(0, "KX7M2PQ9RT", "0000"); status != 429 || r.Code != protocol.CodeDuesLocked {
		t.Fatalf("fifth failure: %d %+v", status, r)
	}
	for i := range 2 {
		if status, _ := lookup(i, "KX7M2PQ9RT", "7319"); status != 429 {
			t.Fatalf("instance %d after the lockout: %d", i, status)
		}
	}
}
