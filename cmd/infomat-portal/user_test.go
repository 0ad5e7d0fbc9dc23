package main

import (
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"infomat/sync/portal"
)

// The user command on the store directly and, with serve running, through the admin socket;
// the panel is served on the same listener as the kiosk API. user add creates a municipality
// only when told: a typo is refused, both ways, naming the municipality meant.
func TestUserCommand(t *testing.T) {
	data := t.TempDir()
	code, out, errOut := runCmd(t, "user", "add", "--data", data, "--municipality", "gmina-a", "--login", "anna", "--name", "Anna Nowak", "--roles", "admin,clerk")
	if code != 1 || out != "" || !strings.Contains(errOut, `gminy "gmina-a" nie ma w portalu`) || !strings.Contains(errOut, "--new-municipality") {
		t.Fatalf("user add for a municipality the portal lacks: %d %q %q", code, out, errOut)
	}
	code, out, errOut = runCmd(t, "user", "add", "--data", data, "--municipality", "gmina-a", "--login", "anna", "--name", "Anna Nowak", "--roles", "admin,clerk", "--new-municipality")
	pw := strings.TrimSpace(out)
	if code != 0 || len(pw) != 16 || !strings.Contains(errOut, "TOTP") {
		t.Fatalf("user add: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := runCmd(t, "user", "add", "--data", data, "--municipality", "gmina-a", "--login", "anna", "--name", "X", "--roles", "clerk"); code != 1 || !strings.Contains(errOut, "already exists") {
		t.Fatalf("second anna: %d %q", code, errOut)
	}
	if code, _, _ := runCmd(t, "user", "add", "--data", data, "--municipality", "gmina-a", "--login", "x", "--roles", "root"); code != 2 {
		t.Fatalf("unknown role: %d", code)
	}
	if code, out, _ := runCmd(t, "user", "add", "--data", data, "--operator", "--login", "root", "--name", "Operator"); code != 0 || len(strings.TrimSpace(out)) != 16 {
		t.Fatalf("operator: %d %q", code, out)
	}
	if code, _, errOut := runCmd(t, "user", "add", "--data", data, "--municipality", "gmina-aa", "--login", "ewa", "--roles", "clerk"); code != 1 ||
		!strings.Contains(errOut, `gminy "gmina-aa" nie ma w portalu (czy chodziło o "gmina-a"?)`) {
		t.Fatalf("a typo: %d %q", code, errOut)
	}
	if code, out, errOut := runCmd(t, "user", "list", "--data", data, "--municipality", "gmina-aa"); code != 1 || out != "" ||
		!strings.Contains(errOut, `(czy chodziło o "gmina-a"?)`) || strings.Contains(errOut, "--new-municipality") {
		t.Fatalf("user list for a typo: %d %q %q", code, out, errOut)
	}
	for _, args := range [][]string{{"reset", "--municipality", "gmina-a"}, {"add", "--operator"}} {
		if code, _, _ := runCmd(t, append(append([]string{"user"}, args...), "--data", data, "--login", "anna", "--new-municipality")...); code != 2 {
			t.Errorf("user %v --new-municipality: %d, want a usage error", args, code)
		}
	}

	addr, stop := startServe(t, data)
	defer stop()
	// Through the socket now: the serving portal holds the store.
	code, out, errOut = runCmd(t, "user", "reset", "--data", data, "--municipality", "gmina-a", "--login", "anna", "--clear-totp")
	if code != 0 || len(strings.TrimSpace(out)) != 16 || strings.TrimSpace(out) == pw || !strings.Contains(errOut, "drugi składnik usunięty") {
		t.Fatalf("user reset through the socket: %d %q %q", code, out, errOut)
	}
	stdinReader = strings.NewReader("własne-hasło-jednorazowe\n")
	defer func() { stdinReader = os.Stdin }()
	if code, out, errOut := runCmd(t, "user", "add", "--data", data, "--municipality", "gmina-a", "--login", "jan", "--name", "Jan", "--roles", "clerk", "--password-stdin"); code != 0 || out != "" {
		t.Fatalf("user add --password-stdin: %d %q %q", code, out, errOut)
	}
	code, out, errOut = runCmd(t, "user", "add", "--data", data, "--municipality", "gmina-b", "--login", "ewa", "--roles", "clerk")
	if code != 1 || out != "" || !strings.Contains(errOut, `gminy "gmina-b" nie ma w portalu (czy chodziło o "gmina-a"?)`) || !strings.Contains(errOut, "--new-municipality") {
		t.Fatalf("a typo through the socket: %d %q %q", code, out, errOut)
	}
	for _, sub := range []string{"reset", "disable", "list"} {
		code, out, errOut := runCmd(t, "user", sub, "--data", data, "--municipality", "gmina-b", "--login", "anna")
		if code != 1 || out != "" || !strings.Contains(errOut, `gminy "gmina-b" nie ma w portalu (czy chodziło o "gmina-a"?)`) || strings.Contains(errOut, "--new-municipality") {
			t.Errorf("user %s for a typo through the socket: %d %q %q", sub, code, out, errOut)
		}
	}
	if code, out, _ := runCmd(t, "user", "disable", "--data", data, "--municipality", "gmina-a", "--login", "jan"); code != 0 || !strings.Contains(out, "wyłączone") {
		t.Fatalf("user disable: %d %q", code, out)
	}
	code, out, _ = runCmd(t, "user", "list", "--data", data, "--municipality", "gmina-a")
	if code != 0 || !strings.Contains(out, "anna") || !strings.Contains(out, "admin,clerk") || !strings.Contains(out, "wyłączone") || strings.Contains(out, "root") {
		t.Fatalf("user list: %d\n%s", code, out)
	}
	resp, err := http.Get("http://" + addr + "/panel/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Logowanie") || resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("panel on serve's listener: %d\n%s", resp.StatusCode, body)
	}
	stop()
	st, err := portal.OpenBolt(t.Context(), data, portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	jan, err := st.User(t.Context(), "gmina-a", "jan")
	if ok, _ := portal.CheckPassword(jan.Password, "własne-hasło-jednorazowe"); err != nil || !ok || !jan.Disabled {
		t.Fatalf("jan: %+v, %v", jan.Public(), err)
	}
	if ms, err := st.AccountMunicipalities(t.Context()); err != nil || len(ms) != 1 || ms[0] != "gmina-a" {
		t.Errorf("municipalities with accounts: %q, %v; the refused names must not be there", ms, err)
	}
	es, _ := st.Audit(t.Context(), "gmina-a", 0)
	if len(es) != 4 || es[0].Action != "user.disable" || es[3].Action != "user.add" || es[0].Actor != "cli" {
		t.Fatalf("audit: %+v", es)
	}
}
