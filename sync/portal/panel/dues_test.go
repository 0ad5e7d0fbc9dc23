package panel_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"infomat/sync/portal"
	"infomat/sync/portal/panel"
	"infomat/sync/protocol"
)

// newDuesEnv is newEnv with the portal's secret (panel.key), which the dues need, and the
// panel's log captured.
func newDuesEnv(t *testing.T, secret []byte) (*env, *bytes.Buffer) {
	t.Helper()
	st, err := portal.OpenBolt(t.Context(), t.TempDir(), portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ck := &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	logs := &bytes.Buffer{}
	h, err := panel.New(st, panel.Options{Now: ck.Now, Argon2: cheap, SecretKey: secret, Log: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(panel.Prefix, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &env{t: t, st: st, clock: ck, srv: srv}, logs
}

var pinRE = regexp.MustCompile(`id="dues-pin">([0-9]+)<`)

func TestDuesPage(t *testing.T) {
	secret := bytes.Repeat([]byte{5}, 32)
	e, logs := newDuesEnv(t, secret)
	pw := e.addUser("przykladowa", "anna", "Anna Admin", portal.RoleAdmin)
	b := e.browser()
	b.login("przykladowa", "anna", pw)
	if st, _ := b.get("/panel/dues"); st != 200 || !strings.Contains(b.body, "Nie ma zaimportowanych należności") || !strings.Contains(b.body, `href="/panel/dues"`) {
		t.Fatalf("dues page: %d\n%s", st, b.body)
	}
	csrf := b.csrf()
	fixture, err := os.ReadFile("../../../testdata/dues/przykladowa.csv")
	if err != nil {
		t.Fatal(err)
	}

	// A file with errors: the report, nothing imported.
	bad := strings.Replace(string(fixture), "2026-09-15", "2026-09-31", 1)
	bad = strings.Replace(bad, ";4530;", ";45;", 1)
	if st := b.postFile("/panel/dues/import", url.Values{"csrf": {csrf}, "retention": {"90"}}, "file", "eksport.csv", []byte(bad)); st != 422 ||
		!strings.Contains(b.body, "Wiersz 4") || !strings.Contains(b.body, "termin_platnosci") || !strings.Contains(b.body, "Wiersz 15") ||
		!strings.Contains(b.body, "Nie ma zaimportowanych należności") {
		t.Fatalf("bad file: %d\n%s", st, b.body)
	}
	// Without the token: refused.
	if st := b.postFile("/panel/dues/import", url.Values{"retention": {"90"}}, "file", "eksport.csv", fixture); st != http.StatusForbidden {
		t.Fatalf("import without the CSRF token: %d", st)
	}
	if st := b.postFile("/panel/dues/import", url.Values{"csrf": {csrf}, "retention": {"30"}, "asof": {"2026-11-30"}}, "file", "eksport.csv", fixture); st != 200 ||
		!strings.Contains(b.body, "4 podatników, 17 pozycji") || !strings.Contains(b.body, "2026-11-30") || !strings.Contains(b.body, "2026-12-31") {
		t.Fatalf("import: %d\n%s", st, b.body)
	}
	for _, s := range []string{"Kowalski", "KX7M", "33102040275774637064330445"} {
		if strings.Contains(b.body, s) {
			t.Fatalf("the page shows %q", s)
		}
	}

	// A card with a generated PIN, shown once.
	if st, _ := b.post("/panel/dues/card", url.Values{"csrf": {csrf}, "card": {"0012345678"}, "taxpayer": {"P-000202"}}, nil); st != 200 {
		t.Fatalf("card: %d\n%s", st, b.body)
	}
	pin := find(t, pinRE, b.body)
	if len(pin) != 6 {
		t.Fatalf("PIN %q", pin)
	}
	if st, _ := b.get("/panel/dues"); st != 200 || strings.Contains(b.body, pin) {
		t.Fatal("the PIN is shown again")
	}
	if st, _ := b.post("/panel/dues/card", url.Values{"csrf": {csrf}, "card": {"0099"}, "taxpayer": {"P-NIKT"}}, nil); st != 422 ||
		!strings.Contains(b.body, "nie ma w obecnym imporcie") || !strings.Contains(b.body, `value="P-NIKT"`) {
		t.Fatalf("card for an unknown taxpayer: %d\n%s", st, b.body)
	}
	if st, _ := b.post("/panel/dues/card", url.Values{"csrf": {csrf}, "card": {"0099"}, "taxpayer": {"P-000101"}, "pin": {"12"}}, nil); st != 422 {
		t.Fatalf("a two-digit PIN: %d", st)
	}

	// The kiosk API over the same store and secret finds the card with that PIN.
	keys, err := portal.NewDuesKeys(secret)
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(portal.NewServer(e.st, portal.ServerOptions{DuesKeys: keys, Now: e.clock.Now}))
	defer api.Close()
	tok, _ := portal.CreateToken(t.Context(), e.st, "przykladowa", time.Hour, e.clock.Now())
	body, _ := json.Marshal(protocol.EnrollRequest{Token: tok, Hostname: "k"})
	resp, err := http.Post(api.URL+protocol.PathEnroll, protocol.ContentTypeJSON, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var er protocol.EnrollResponse
	json.NewDecoder(resp.Body).Decode(&er)
	resp.Body.Close()
	body, _ = json.Marshal(protocol.DuesRequest{Card: "0012345678", PIN: pin})
	req, _ := http.NewRequest(http.MethodPost, api.URL+protocol.PathDues, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+er.DeviceID+":"+er.Secret)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var dr protocol.DuesResponse
	json.NewDecoder(resp.Body).Decode(&dr)
	resp.Body.Close()
	if resp.StatusCode != 200 || dr.Name != "A*** N****-W********" || len(dr.Items) != 7 {
		t.Fatalf("lookup with the panel's card: %d %+v", resp.StatusCode, dr)
	}

	es, _ := e.st.Audit(t.Context(), "przykladowa", 0)
	actions := map[string]int{}
	for _, a := range es {
		actions[a.Action]++
	}
	if actions["dues.import"] != 1 || actions["dues.import.refused"] != 1 || actions["dues.card"] != 1 || actions["dues.lookup"] != 1 {
		t.Fatalf("audit: %v", actions)
	}
	for _, s := range []string{"Kowalski", "KX7M", "33102040275774637064330445", "P-000202", "0012345678", pin} {
		if strings.Contains(logs.String(), s) {
			t.Fatalf("the panel logged %q", s)
		}
	}

	// A clerk does not get the page.
	cpw := e.addUser("przykladowa", "jan", "Jan Urzędnik", portal.RoleClerk)
	cb := e.browser()
	cb.login("przykladowa", "jan", cpw)
	if st, _ := cb.get("/panel/dues"); st != http.StatusForbidden {
		t.Fatalf("clerk: %d", st)
	}
}
