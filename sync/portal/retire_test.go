package portal

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"infomat/sync/protocol"
)

// A device retiring itself (re-provisioning) is revoked: its credentials authenticate
// nothing afterwards. Without them it cannot retire anything, and a label it enrols with is
// the device's, a token's label the fallback.
func TestRetireAndLabel(t *testing.T) {
	f := newFixture(t)
	c := f.enroll("przykladowa")
	if resp, data := f.do(http.MethodPost, protocol.PathRetire, "", nil, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("retire without credentials: %d %s", resp.StatusCode, data)
	}
	if resp, data := f.do(http.MethodPost, protocol.PathRetire, c.auth(), nil, nil); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("retire: %d %s", resp.StatusCode, data)
	}
	if resp, _ := f.do(http.MethodGet, protocol.PathManifest, c.auth(), nil, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a retired device still authenticates: %d", resp.StatusCode)
	}
	if d, err := f.st.Device(t.Context(), c.DeviceID); err != nil || !d.IsRevoked() {
		t.Fatalf("device after retire: %+v %v", d, err)
	}

	toks, err := CreateTokens(t.Context(), f.st, "przykladowa", TokenOptions{TTL: time.Hour, Count: 2, Label: "Urząd, hol"}, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"Biblioteka, parter", "Urząd, hol"} {
		req := protocol.EnrollRequest{Token: toks[i], Hostname: "k"}
		if i == 0 {
			req.Label = want
		}
		body, _ := json.Marshal(req)
		resp, data := f.do(http.MethodPost, protocol.PathEnroll, "", body, nil)
		var er protocol.EnrollResponse
		if resp.StatusCode != 200 || json.Unmarshal(data, &er) != nil {
			t.Fatalf("enrol: %d %s", resp.StatusCode, data)
		}
		if d, _ := f.st.Device(t.Context(), er.DeviceID); d.Label != want {
			t.Errorf("label %q, want %q", d.Label, want)
		}
	}
}
