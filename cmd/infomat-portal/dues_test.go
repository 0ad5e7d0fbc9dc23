package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"infomat/sync/portal"
	"infomat/sync/protocol"
)

const duesFixture = "../../testdata/dues/przykladowa.csv"

// The dues commands on the store directly and, with serve running, through the admin socket;
// what they store is what a kiosk then finds through the API. Only import creates a
// municipality, and only when told; a typo is refused by each, naming the municipality meant.
func TestDuesCommand(t *testing.T) {
	data := t.TempDir()
	if code, out, errOut := runCmd(t, "dues", "status", "--data", data, "--municipality", "przykladowa"); code != 1 || out != "" ||
		!strings.Contains(errOut, `gminy "przykladowa" nie ma w portalu`) || strings.Contains(errOut, "--new-municipality") {
		t.Fatalf("status of a municipality the portal lacks: %d %q %q", code, out, errOut)
	}
	code, out, errOut := runCmd(t, "dues", "import", "--data", data, "--municipality", "przykladowa", "--as-of", "2026-12-01", duesFixture)
	if code != 1 || out != "" || !strings.Contains(errOut, `gminy "przykladowa" nie ma w portalu`) || !strings.Contains(errOut, "--new-municipality") {
		t.Fatalf("import for a municipality the portal lacks: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := runCmd(t, "key", "show", "--data", data, "--municipality", "inna", "--new-municipality"); code != 0 {
		t.Fatal(errOut)
	}
	if code, out, _ := runCmd(t, "dues", "status", "--data", data, "--municipality", "inna"); code != 0 || !strings.Contains(out, "nie ma zaimportowanych") {
		t.Fatalf("status before an import: %d %q", code, out)
	}
	if code, out, _ := runCmd(t, "dues", "card", "--data", data, "--municipality", "przykladowa", "--card", "1", "--taxpayer", "P-000202", "--new-municipality"); code != 2 {
		t.Fatalf("card --new-municipality: %d %q, want a usage error", code, out)
	}
	code, out, errOut = runCmd(t, "dues", "import", "--data", data, "--municipality", "przykladowa", "--as-of", "2026-12-01", "--new-municipality", duesFixture)
	if code != 0 || !strings.Contains(out, "4 podatników, 17 pozycji") || !strings.Contains(out, "stan na 2026-12-01") {
		t.Fatalf("dues import: %d %q %q", code, out, errOut)
	}
	code, out, errOut = runCmd(t, "dues", "card", "--data", data, "--municipality", "przykladowa", "--card", "0012345678", "--taxpayer", "P-000202")
	pin := strings.TrimSpace(out)
	if code != 0 || len(pin) != 6 || !portal.ValidDigits(pin) {
		t.Fatalf("dues card: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := runCmd(t, "dues", "card", "--data", data, "--municipality", "przykladowa", "--card", "1", "--taxpayer", "P-NIKT"); code != 1 || !strings.Contains(errOut, "nie ma w obecnym imporcie") {
		t.Fatalf("card for an unknown taxpayer: %d %q", code, errOut)
	}
	// The import created the municipality: the other commands know it now.
	if code, _, errOut := runCmd(t, "key", "show", "--data", data, "--municipality", "przykladowa"); code != 0 {
		t.Fatalf("key show after an import with --new-municipality: %d %q", code, errOut)
	}

	addr, stop := startServe(t, data)
	defer stop()
	// A file with an error, through the socket: refused, the problem named, nothing replaced.
	raw, _ := os.ReadFile(duesFixture)
	bad := filepath.Join(t.TempDir(), "zle.csv")
	os.WriteFile(bad, []byte(strings.Replace(string(raw), "2026-09-15", "2026-09-31", 1)), 0o600)
	code, _, errOut = runCmd(t, "dues", "import", "--data", data, "--municipality", "przykladowa", bad)
	if code != 1 || !strings.Contains(errOut, "wiersz 4, kolumna termin_platnosci") || strings.Contains(errOut, "Kowalski") {
		t.Fatalf("bad import: %d %q", code, errOut)
	}
	stdinReader = strings.NewReader("2468\n")
	defer func() { stdinReader = os.Stdin }()
	if code, out, errOut := runCmd(t, "dues", "card", "--data", data, "--municipality", "przykladowa", "--card", "0087654321", "--taxpayer", "P-000303", "--pin-stdin"); code != 0 || out != "" {
		t.Fatalf("card through the socket: %d %q %q", code, out, errOut)
	}
	if code, out, _ := runCmd(t, "dues", "status", "--data", data, "--municipality", "przykladowa"); code != 0 || !strings.Contains(out, "4 podatników, 17 pozycji") || !strings.Contains(out, "(cli)") {
		t.Fatalf("status through the socket: %d %q", code, out)
	}
	for _, args := range [][]string{
		{"import", duesFixture}, {"card", "--card", "1", "--taxpayer", "P-000202"}, {"status"},
	} {
		code, out, errOut := runCmd(t, append(append([]string{"dues"}, args...), "--data", data, "--municipality", "przykladwa")...)
		if code != 1 || out != "" || !strings.Contains(errOut, `gminy "przykladwa" nie ma w portalu (czy chodziło o "przykladowa"?)`) ||
			strings.Contains(errOut, "--new-municipality") != (args[0] == "import") {
			t.Errorf("dues %s for a typo, through the socket: %d %q %q", args[0], code, out, errOut)
		}
	}

	_, out, _ = runCmd(t, "token", "create", "--plain", "--new-municipality", "--data", data, "--municipality", "przykladowa")
	var er protocol.EnrollResponse
	base := "http://" + addr
	if st := apiCall(t, http.MethodPost, base+protocol.PathEnroll, "", protocol.EnrollRequest{Token: strings.TrimSpace(out), Hostname: "k1"}, &er); st != 200 {
		t.Fatalf("enrol: %d", st)
	}
	auth := "Bearer " + er.DeviceID + ":" + er.Secret
	for _, req := range []protocol.DuesRequest{
		{Card: "0012345678", PIN: pin}, {Card: "0087654321", PIN: "2468"}, {Code: "KX7M-2PQ9-RT", PESEL4: "7319"},
	} {
		var resp protocol.DuesResponse
		if st := apiCall(t, http.MethodPost, base+protocol.PathDues, auth, req, &resp); st != 200 || len(resp.Items) == 0 || resp.AsOf.Format("2006-01-02") != "2026-11-30" && resp.AsOf.Format("2006-01-02") != "2026-12-01" {
			t.Fatalf("lookup %+v: %d %+v", req, st, resp)
		}
	}
	if st := apiCall(t, http.MethodPost, base+protocol.PathDues, auth, protocol.DuesRequest{Card: "0012345678", PIN: "000000"}, nil); st != 403 {
		t.Fatalf("wrong PIN: %d", st)
	}
	stop()
	st, err := portal.OpenBolt(t.Context(), data, portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	es, _ := st.Audit(t.Context(), "przykladowa", 0)
	actions := map[string]int{}
	for _, e := range es {
		actions[e.Action]++
	}
	if actions["dues.import"] != 1 || actions["dues.card"] != 2 || actions["dues.lookup"] != 3 || actions["dues.refused"] != 1 {
		t.Fatalf("audit: %v", actions)
	}
}
