package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"infomat/outbox"
	"infomat/sync/portal"
	"infomat/sync/portal/panel"
	"infomat/sync/portal/pgtest"
	"infomat/sync/portal/totp"
	"infomat/sync/protocol"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// instance runs `serve --db db` with its own data directory on loopback and returns its base
// URL; it stops when the test ends.
func instance(t *testing.T, db, data string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan int, 1)
	var logs bytes.Buffer
	go func() {
		done <- serveCmd(ctx, []string{"--data", data, "--db", db, "--addr", "127.0.0.1:0", "--reimport", "0"}, io.Discard, &logs, ready)
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("instance exited %d: %s", code, logs.String())
		}
	})
	select {
	case addr := <-ready:
		return "http://" + addr
	case code := <-done:
		t.Fatalf("serve exited %d: %s", code, logs.String())
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not start")
	}
	return ""
}

// TestTwoInstancesOnePostgres runs two `serve` processes' worth of portal (each its own
// connection pool, data directory and listener) on one PostgreSQL database and does at both
// at once what must happen once: an enrolment token used at both, the same submission PUT to
// both, two publishes and two re-signings; and a panel session opened on one instance is
// honoured, and ended, on the other.
func TestTwoInstancesOnePostgres(t *testing.T) {
	db := pgtest.DB(t)
	if code, out, errOut := runCmd(t, "check", "--data", t.TempDir(), "--db", db); code != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("check: %s%s", out, errOut)
	}
	dirs := []string{filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// One panel.key, copied to both instances as the guide says: it seals the users' TOTP
	// secrets, which either instance must read.
	key, err := panel.LoadKey(dirs[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dirs[1], "panel.key"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	urls := []string{instance(t, db, dirs[0]), instance(t, db, dirs[1])}
	hc := &http.Client{Timeout: 10 * time.Second}

	t.Run("TokenUsedOnce", func(t *testing.T) {
		for round := range 10 {
			code, out, errOut := runCmd(t, "token", "create", "--plain", "--new-municipality", "--data", dirs[0], "--db", db, "--municipality", "przykladowa")
			if code != 0 {
				t.Fatal(errOut)
			}
			tok := strings.TrimSpace(out)
			statuses := make([]int, 2)
			var wg sync.WaitGroup
			for i, u := range urls {
				wg.Go(func() {
					body, _ := json.Marshal(protocol.EnrollRequest{Token: tok, Hostname: fmt.Sprintf("k%d-%d", round, i)})
					resp, err := hc.Post(u+protocol.PathEnroll, protocol.ContentTypeJSON, bytes.NewReader(body))
					if err != nil {
						t.Error(err)
						return
					}
					resp.Body.Close()
					statuses[i] = resp.StatusCode
				})
			}
			wg.Wait()
			if ok := (statuses[0] == 200) != (statuses[1] == 200); !ok {
				t.Fatalf("round %d: one token enrolled at two instances: statuses %v", round, statuses)
			}
		}
	})

	// A device for the rest.
	code, out, errOut := runCmd(t, "token", "create", "--plain", "--new-municipality", "--data", dirs[0], "--db", db, "--municipality", "przykladowa")
	if code != 0 {
		t.Fatal(errOut)
	}
	body, _ := json.Marshal(protocol.EnrollRequest{Token: strings.TrimSpace(out), Hostname: "kiosk"})
	resp, err := hc.Post(urls[1]+protocol.PathEnroll, protocol.ContentTypeJSON, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var dev protocol.EnrollResponse
	_ = json.NewDecoder(resp.Body).Decode(&dev)
	resp.Body.Close()
	bearer := "Bearer " + dev.DeviceID + ":" + dev.Secret

	t.Run("SubmissionStoredOnce", func(t *testing.T) {
		for round := range 20 {
			id := make([]byte, 16)
			rand.Read(id)
			ref, err := outbox.NewRef("PRZ", rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			sub, _ := json.Marshal(protocol.Submission{ID: hex.EncodeToString(id), Ref: ref, Procedure: "p", Office: "ug",
				ContentVersion: "1", Created: time.Now(), Ciphertext: []byte("age ciphertext " + ref)})
			receipts := make([]protocol.Receipt, 2)
			var wg sync.WaitGroup
			for i, u := range urls {
				wg.Go(func() {
					req, _ := http.NewRequest(http.MethodPut, u+protocol.PathSubmission+hex.EncodeToString(id), bytes.NewReader(sub))
					req.Header.Set("Authorization", bearer)
					req.Header.Set("Content-Type", protocol.ContentTypeJSON)
					resp, err := hc.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					defer resp.Body.Close()
					if resp.StatusCode != 200 && resp.StatusCode != 201 {
						raw, _ := io.ReadAll(resp.Body)
						t.Errorf("PUT at instance %d: %d %s", i, resp.StatusCode, raw)
						return
					}
					_ = json.NewDecoder(resp.Body).Decode(&receipts[i])
				})
			}
			wg.Wait()
			if receipts[0].PortalRef == "" || receipts[0] != receipts[1] {
				t.Fatalf("round %d: the same submission got receipts %+v and %+v", round, receipts[0], receipts[1])
			}
		}
		st, err := portal.OpenPostgres(t.Context(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if n, _ := st.CountSubmissions(t.Context(), "przykladowa"); n != 20 {
			t.Fatalf("20 submissions PUT twice each: the database holds %d", n)
		}
	})

	t.Run("PublishAndResignAtOnce", func(t *testing.T) {
		content := t.TempDir()
		if err := os.CopyFS(content, os.DirFS("../../assets/content")); err != nil {
			t.Fatal(err)
		}
		codes := make([]int, 2)
		outs := make([]string, 2)
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Go(func() {
				var o, e bytes.Buffer
				codes[i] = run(context.Background(), []string{"publish", "--new-municipality", "--data", dirs[i], "--db", db, "--municipality", "przykladowa", content}, &o, &e)
				outs[i] = o.String() + e.String()
			})
		}
		wg.Wait()
		if codes[0] != 0 || codes[1] != 0 {
			t.Fatalf("two publishes at once: %v\n%s\n%s", codes, outs[0], outs[1])
		}
		a, b := portal.OpenPostgres(t.Context(), db)
		if b != nil {
			t.Fatal(b)
		}
		defer a.Close()
		ms, err := a.Manifests(t.Context(), "przykladowa")
		if err != nil || len(ms) != 2 || ms[0].Version+1 != ms[1].Version {
			t.Fatalf("after two publishes at once: %d manifests (%v), want two consecutive versions", len(ms), err)
		}
		// Both instances re-sign hourly; at once, the latest stays the latest and valid.
		var rerr [2]error
		for i := range 2 {
			wg.Go(func() {
				h, err := portal.OpenPostgres(context.Background(), db)
				if err != nil {
					rerr[i] = err
					return
				}
				defer h.Close()
				_, rerr[i] = portal.RenewManifests(context.Background(), h, time.Now().Add(29*24*time.Hour))
			})
		}
		wg.Wait()
		if rerr[0] != nil || rerr[1] != nil {
			t.Fatalf("re-signing at once: %v, %v", rerr[0], rerr[1])
		}
		latest, err := a.LatestManifest(t.Context(), "przykladowa")
		if err != nil || latest.Version != ms[1].Version {
			t.Fatalf("latest after re-signing: %d, %v; want %d", latest.Version, err, ms[1].Version)
		}
	})

	t.Run("PanelSessionAcrossInstances", func(t *testing.T) {
		stdinReader = strings.NewReader("haslo-jednorazowe-1\n")
		defer func() { stdinReader = os.Stdin }()
		if code, _, errOut := runCmd(t, "user", "add", "--data", dirs[0], "--db", db, "--municipality", "przykladowa",
			"--login", "anna", "--name", "Anna Nowak", "--roles", "admin", "--password-stdin"); code != 0 {
			t.Fatal(errOut)
		}
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		panelLogin(t, c, urls[0], "przykladowa", "anna", "haslo-jednorazowe-1")
		// The cookie (Go's jar, like a browser, ignores the port) now goes to instance B.
		page := get(t, c, urls[1]+"/panel/")
		if page.code != 200 || !strings.Contains(page.body, "Anna Nowak") {
			t.Fatalf("instance B did not know the session from A: %d\n%s", page.code, page.body)
		}
		csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page.body)
		if csrf == nil {
			t.Fatal("no CSRF token on the panel page")
		}
		if r := post(t, c, urls[1]+"/panel/logout", url.Values{"csrf": {csrf[1]}}); r.code != http.StatusSeeOther {
			t.Fatalf("logout at B: %d", r.code)
		}
		jar.SetCookies(mustURL(urls[0]), jar.Cookies(mustURL(urls[1])))
		if r := get(t, c, urls[0]+"/panel/"); r.code != http.StatusSeeOther || !strings.Contains(r.loc, "login") {
			t.Fatalf("instance A still serves the session B ended: %d %s", r.code, r.loc)
		}
	})
}

type page struct {
	code      int
	loc, body string
}

func do(t *testing.T, c *http.Client, req *http.Request) page {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return page{resp.StatusCode, resp.Header.Get("Location"), string(raw)}
}

func get(t *testing.T, c *http.Client, u string) page {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return do(t, c, req)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) page {
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, c, req)
}

func mustURL(s string) *url.URL { u, _ := url.Parse(s); return u }

// panelLogin goes through the panel's first login as a user would: the one-time password,
// a new password, and the authenticator's enrolment (the secret read off the page).
func panelLogin(t *testing.T, c *http.Client, base, muni, login, pw string) {
	t.Helper()
	find := func(re, body string) string {
		m := regexp.MustCompile(re).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("%s not on the page:\n%s", re, body)
		}
		return m[1]
	}
	p := get(t, c, base+"/panel/login")
	r := post(t, c, base+"/panel/login", url.Values{"pre": {find(`name="pre" value="([^"]+)"`, p.body)},
		"municipality": {muni}, "login": {login}, "password": {pw}})
	for range 4 {
		if r.code != http.StatusSeeOther {
			t.Fatalf("login step: %d\n%s", r.code, r.body)
		}
		switch r.loc {
		case "/panel/":
			return
		case "/panel/password":
			p = get(t, c, base+r.loc)
			r = post(t, c, base+r.loc, url.Values{"csrf": {find(`name="csrf" value="([^"]+)"`, p.body)},
				"password": {"nowe-haslo-panelu-42"}, "again": {"nowe-haslo-panelu-42"}})
		case "/panel/enrol":
			p = get(t, c, base+r.loc)
			secret, err := totp.Decode(find(`id="totp-secret">([^<]+)<`, p.body))
			if err != nil {
				t.Fatal(err)
			}
			r = post(t, c, base+r.loc, url.Values{"csrf": {find(`name="csrf" value="([^"]+)"`, p.body)},
				"code": {totp.Code(secret, time.Now())}})
		default:
			t.Fatalf("login went to %s", r.loc)
		}
	}
	t.Fatal("login did not finish")
}

// On PostgreSQL too, user add and dues import create a municipality only with
// --new-municipality, and a typo is refused by them and by dues card and status, naming the
// municipality meant; nothing is stored under the mistyped name.
func TestMunicipalityTypoPostgres(t *testing.T) {
	db := pgtest.DB(t)
	data := t.TempDir()
	pg := func(args ...string) (int, string, string) {
		t.Helper()
		return runCmd(t, append(args, "--data", data, "--db", db)...)
	}
	if code, out, errOut := pg("user", "add", "--municipality", "przykladowa", "--login", "anna", "--roles", "admin"); code != 1 || out != "" ||
		!strings.Contains(errOut, `gminy "przykladowa" nie ma w portalu`) || !strings.Contains(errOut, "--new-municipality") {
		t.Fatalf("user add, no municipality yet: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := pg("user", "add", "--municipality", "przykladowa", "--login", "anna", "--roles", "admin", "--new-municipality"); code != 0 {
		t.Fatalf("user add --new-municipality: %s", errOut)
	}
	if code, _, errOut := pg("user", "add", "--municipality", "przykladwoa", "--login", "jan", "--roles", "clerk"); code != 1 ||
		!strings.Contains(errOut, `(czy chodziło o "przykladowa"?)`) {
		t.Fatalf("user add, a typo: %d %q", code, errOut)
	}
	if code, _, errOut := pg("dues", "import", "--municipality", "przykladwa", "--as-of", "2026-12-01", duesFixture); code != 1 ||
		!strings.Contains(errOut, `(czy chodziło o "przykladowa"?)`) || !strings.Contains(errOut, "--new-municipality") {
		t.Fatalf("dues import, a typo: %d %q", code, errOut)
	}
	for _, args := range [][]string{{"card", "--card", "1", "--taxpayer", "P-000202"}, {"status"}} {
		code, _, errOut := pg(append(append([]string{"dues"}, args...), "--municipality", "przykladwa")...)
		if code != 1 || !strings.Contains(errOut, `(czy chodziło o "przykladowa"?)`) || strings.Contains(errOut, "--new-municipality") {
			t.Errorf("dues %s, a typo: %d %q", args[0], code, errOut)
		}
	}
	if code, _, errOut := pg("dues", "import", "--municipality", "nowa-gmina", "--as-of", "2026-12-01", "--new-municipality", duesFixture); code != 0 {
		t.Fatalf("dues import --new-municipality: %s", errOut)
	}
	// The import made the municipality: token create knows it without the flag.
	if code, out, errOut := pg("token", "create", "--plain", "--municipality", "nowa-gmina"); code != 0 || len(strings.TrimSpace(out)) != 64 {
		t.Fatalf("token create after the import: %d %q %q", code, out, errOut)
	}
	st, err := portal.OpenPostgres(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	known, err := portal.KnownMunicipalities(t.Context(), st)
	if err != nil || strings.Join(known, " ") != "nowa-gmina przykladowa" {
		t.Errorf("municipalities: %q, %v", known, err)
	}
	if _, err := st.DuesStatus(t.Context(), "przykladwa"); !errors.Is(err, portal.ErrNotFound) {
		t.Errorf("dues under the typo: %v", err)
	}
}
