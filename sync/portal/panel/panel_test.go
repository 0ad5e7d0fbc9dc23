package panel_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"infomat/sync/portal"
	"infomat/sync/portal/panel"
	"infomat/sync/portal/totp"
)

// cheap argon2 costs keep the tests fast; the parameters travel with each hash.
var cheap = portal.Argon2Params{Time: 1, Memory: 1 << 10, Threads: 1}

// clock is the fake time of a test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	t     testing.TB
	st    *portal.Bolt
	clock *clock
	srv   *httptest.Server
}

func newEnv(t testing.TB) *env {
	t.Helper()
	st, err := portal.OpenBolt(t.Context(), t.TempDir(), portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ck := &clock{t: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)}
	h, err := panel.New(st, panel.Options{Now: ck.Now, Argon2: cheap})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(panel.Prefix, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &env{t: t, st: st, clock: ck, srv: srv}
}

// addUser makes a user with a known one-time password.
func (e *env) addUser(muni, login, name string, roles ...portal.Role) string {
	e.t.Helper()
	pw, err := portal.AddUser(e.t.Context(), e.st, portal.User{Municipality: muni, Login: login, Name: name, Roles: roles}, "", e.clock.Now(), portal.AccountOptions{Argon2: cheap})
	if err != nil {
		e.t.Fatal(err)
	}
	return pw
}

// browser is a client with its own cookies that does not follow redirects.
type browser struct {
	e    *env
	c    *http.Client
	body string // the last page
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// get fetches a path and returns the status and the Location of a redirect.
func (b *browser) get(path string) (int, string) {
	b.e.t.Helper()
	return b.do(http.MethodGet, path, nil, nil)
}

func (b *browser) post(path string, form url.Values, hdr http.Header) (int, string) {
	b.e.t.Helper()
	return b.do(http.MethodPost, path, form, hdr)
}

func (b *browser) do(method, path string, form url.Values, hdr http.Header) (int, string) {
	b.e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.e.srv.URL+path, body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	b.body = string(raw)
	return resp.StatusCode, resp.Header.Get("Location")
}

var (
	csrfRE   = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	preRE    = regexp.MustCompile(`name="pre" value="([^"]+)"`)
	secretRE = regexp.MustCompile(`id="totp-secret">([^<]+)<`)
	oneRE    = regexp.MustCompile(`id="onetime-password">([^<]+)<`)
)

func find(t testing.TB, re *regexp.Regexp, body string) string {
	t.Helper()
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("%s not on the page:\n%s", re, body)
	}
	return m[1]
}

// csrf is the token on the last page.
func (b *browser) csrf() string { b.e.t.Helper(); return find(b.e.t, csrfRE, b.body) }

func (b *browser) session() string {
	u, _ := url.Parse(b.e.srv.URL + panel.Prefix)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "infomat_panel" {
			return c.Value
		}
	}
	return ""
}

// password posts the login form.
func (b *browser) password(muni, login, pw string) (int, string) {
	b.e.t.Helper()
	b.get("/panel/login")
	pre := find(b.e.t, preRE, b.body)
	return b.post("/panel/login", url.Values{"pre": {pre}, "municipality": {muni}, "login": {login}, "password": {pw}}, nil)
}

const newPassword = "nowe-hasło-do-panelu"

// login goes through every step to a full session and returns the password to use next.
func (b *browser) login(muni, login, pw string) string {
	t := b.e.t
	t.Helper()
	st, loc := b.password(muni, login, pw)
	for range 4 {
		if st != http.StatusSeeOther {
			t.Fatalf("login step: %d %s\n%s", st, loc, b.body)
		}
		switch loc {
		case "/panel/":
			return pw
		case "/panel/enrol":
			b.get(loc)
			secret, err := totp.Decode(find(t, secretRE, b.body))
			if err != nil {
				t.Fatal(err)
			}
			b.e.clock.Add(totp.Step)
			st, loc = b.post(loc, url.Values{"csrf": {b.csrf()}, "code": {totp.Code(secret, b.e.clock.Now())}}, nil)
		case "/panel/totp":
			b.get(loc)
			u, _ := b.e.st.User(t.Context(), muni, login)
			b.e.clock.Add(totp.Step)
			st, loc = b.post(loc, url.Values{"csrf": {b.csrf()}, "code": {totp.Code(u.TOTPSecret, b.e.clock.Now())}}, nil)
		case "/panel/password":
			b.get(loc)
			pw = newPassword
			st, loc = b.post(loc, url.Values{"csrf": {b.csrf()}, "password": {pw}, "again": {pw}}, nil)
		default:
			t.Fatalf("login went to %s", loc)
		}
	}
	t.Fatal("login did not finish")
	return ""
}

func TestAdminLoginIsForcedThroughTOTPAndNewPassword(t *testing.T) {
	e := newEnv(t)
	pw := e.addUser("gmina-a", "admin", "Anna Admin", portal.RoleAdmin)
	b := e.browser()
	planted := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	u, _ := url.Parse(e.srv.URL + panel.Prefix)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "infomat_panel", Value: planted, Path: "/panel/"}})

	if st, loc := b.get("/panel/"); st != http.StatusSeeOther || loc != "/panel/login" {
		t.Fatalf("home without a session: %d %s", st, loc)
	}
	if st, loc := b.password("gmina-a", "admin", pw); st != http.StatusSeeOther || loc != "/panel/enrol" {
		t.Fatalf("admin without TOTP after the password: %d %s, want the enrolment", st, loc)
	}
	s1 := b.session()
	if s1 == "" || s1 == planted {
		t.Fatalf("session ID after the password: %q (planted %q)", s1, planted)
	}
	// Owing the second factor, nothing else opens.
	for _, p := range []string{"/panel/", "/panel/users", "/panel/audit", "/panel/password"} {
		if st, loc := b.get(p); st != http.StatusSeeOther || (loc != "/panel/enrol" && loc != "/panel/login") {
			t.Fatalf("%s before the second factor: %d %s", p, st, loc)
		}
	}
	b.get("/panel/enrol")
	secret, err := totp.Decode(find(t, secretRE, b.body))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.body, `src="data:image/png;base64,`) || !strings.Contains(b.body, "otpauth://totp/Infomat:admin@gmina-a?") {
		t.Fatalf("enrolment page lacks the QR code or the otpauth URI:\n%s", b.body)
	}
	csrf := b.csrf()
	if st, _ := b.post("/panel/enrol", url.Values{"csrf": {csrf}, "code": {"000000"}}, nil); st != http.StatusUnauthorized {
		t.Fatalf("wrong enrolment code: %d", st)
	}
	st, loc := b.post("/panel/enrol", url.Values{"csrf": {csrf}, "code": {totp.Code(secret, e.clock.Now())}}, nil)
	if st != http.StatusSeeOther || loc != "/panel/password" {
		t.Fatalf("after enrolment: %d %s, want the password change", st, loc)
	}
	s2 := b.session()
	if s2 == s1 {
		t.Fatal("the session ID did not change with the second factor")
	}
	b.get("/panel/password")
	if st, _ := b.post("/panel/password", url.Values{"csrf": {b.csrf()}, "password": {"krótkie"}, "again": {"krótkie"}}, nil); st != http.StatusBadRequest {
		t.Fatalf("short password: %d", st)
	}
	if st, loc := b.post("/panel/password", url.Values{"csrf": {b.csrf()}, "password": {newPassword}, "again": {newPassword}}, nil); st != http.StatusSeeOther || loc != "/panel/" {
		t.Fatalf("after the new password: %d %s", st, loc)
	}
	if b.session() == s2 {
		t.Fatal("the session ID did not change with the new password")
	}
	if st, _ := b.get("/panel/"); st != http.StatusOK || !strings.Contains(b.body, `href="/panel/users"`) || !strings.Contains(b.body, "gmina-a") {
		t.Fatalf("home: %d\n%s", st, b.body)
	}
	// The next login asks for the code of the enrolled authenticator, and the new password.
	b2 := e.browser()
	if st, loc := b2.password("gmina-a", "admin", pw); st != http.StatusUnauthorized || loc != "" {
		t.Fatalf("the one-time password still works: %d %s", st, loc)
	}
	if st, loc := b2.password("gmina-a", "admin", newPassword); st != http.StatusSeeOther || loc != "/panel/totp" {
		t.Fatalf("second login: %d %s, want the TOTP step", st, loc)
	}
	b2.get("/panel/totp")
	// The code used for the enrolment is spent; the next step's is good.
	if st, _ := b2.post("/panel/totp", url.Values{"csrf": {b2.csrf()}, "code": {totp.Code(secret, e.clock.Now())}}, nil); st != http.StatusUnauthorized {
		t.Fatalf("replayed TOTP code: %d", st)
	}
	e.clock.Add(totp.Step)
	if st, loc := b2.post("/panel/totp", url.Values{"csrf": {b2.csrf()}, "code": {totp.Code(secret, e.clock.Now())}}, nil); st != http.StatusSeeOther || loc != "/panel/" {
		t.Fatalf("TOTP step: %d %s", st, loc)
	}
	es, _ := e.st.Audit(t.Context(), "gmina-a", 0)
	var got []string
	for _, x := range es {
		got = append(got, x.Action)
	}
	joined := " " + strings.Join(got, " ") + " "
	for _, a := range []string{"user.add", "totp.enrol", "password.change", "login", "login.fail"} {
		if !strings.Contains(joined, " "+a+" ") {
			t.Errorf("audit %v lacks %s", got, a)
		}
	}
}

func TestClerkSeesNoUsers(t *testing.T) {
	e := newEnv(t)
	pw := e.addUser("gmina-a", "urzednik", "Jan Urzędnik", portal.RoleClerk)
	b := e.browser()
	b.login("gmina-a", "urzednik", pw)
	if st, _ := b.get("/panel/"); st != http.StatusOK || strings.Contains(b.body, "/panel/users") || !strings.Contains(b.body, "Skrzynka wniosków") {
		t.Fatalf("clerk's home: %d\n%s", st, b.body)
	}
	for _, p := range []string{"/panel/users", "/panel/audit", "/panel/audit.csv", "/panel/users/urzednik", "/panel/municipalities"} {
		if st, _ := b.get(p); st != http.StatusForbidden {
			t.Errorf("clerk GET %s: %d, want 403", p, st)
		}
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t)
	pw := e.addUser("gmina-a", "admin", "Anna", portal.RoleAdmin)
	b := e.browser()
	b.login("gmina-a", "admin", pw)
	b.get("/panel/users")
	csrf := b.csrf()
	add := func(token string, hdr http.Header) int {
		st, _ := b.post("/panel/users", url.Values{"csrf": {token}, "login": {"x"}, "name": {"X"}, "role": {"clerk"}}, hdr)
		return st
	}
	if st := add("", nil); st != http.StatusForbidden {
		t.Errorf("no token: %d", st)
	}
	other := e.browser()
	other.login("gmina-a", "admin", newPassword)
	other.get("/panel/users")
	if st := add(other.csrf(), nil); st != http.StatusForbidden {
		t.Errorf("another session's token: %d", st)
	}
	if st := add(csrf, http.Header{"Origin": {"https://evil.example"}}); st != http.StatusForbidden {
		t.Errorf("foreign Origin: %d", st)
	}
	if st := add(csrf, http.Header{"Sec-Fetch-Site": {"cross-site"}}); st != http.StatusForbidden {
		t.Errorf("cross-site fetch: %d", st)
	}
	if _, err := e.st.User(t.Context(), "gmina-a", "x"); err == nil {
		t.Fatal("a refused POST created the user")
	}
	u, _ := url.Parse(e.srv.URL)
	if st := add(csrf, http.Header{"Origin": {u.Scheme + "://" + u.Host}, "Sec-Fetch-Site": {"same-origin"}}); st != http.StatusOK {
		t.Errorf("the panel's own form: %d\n%s", st, b.body)
	}
	// Logging out needs the token too, and the login form its double-submit cookie.
	if st, _ := b.post("/panel/logout", url.Values{}, nil); st != http.StatusForbidden {
		t.Errorf("logout without a token: %d", st)
	}
	fresh := e.browser()
	if st, _ := fresh.post("/panel/login", url.Values{"pre": {"forged"}, "municipality": {"gmina-a"}, "login": {"admin"}, "password": {newPassword}}, nil); st != http.StatusForbidden {
		t.Errorf("login without the pre-login cookie: %d", st)
	}
}

func TestMunicipalitiesAreIsolated(t *testing.T) {
	e := newEnv(t)
	pwA := e.addUser("gmina-a", "admin", "Anna z A", portal.RoleAdmin)
	e.addUser("gmina-b", "bob", "Bob z B", portal.RoleClerk)
	e.addUser("gmina-b", "admin", "Admin z B", portal.RoleAdmin)
	b := e.browser()
	b.login("gmina-a", "admin", pwA)
	b.get("/panel/users")
	csrf := b.csrf()
	if strings.Contains(b.body, "Bob z B") || strings.Contains(b.body, "Admin z B") {
		t.Fatal("gmina A's user list shows gmina B's users")
	}
	for _, p := range []string{"/panel/users/bob", "/panel/users/bob/", "/panel/users/..%2fgmina-b%2fbob", "/panel/users/gmina-b%00bob"} {
		if st, _ := b.get(p); st == http.StatusOK || strings.Contains(b.body, "Bob z B") {
			t.Errorf("GET %s: %d", p, st)
		}
	}
	for _, p := range []string{"/panel/users/bob/reset", "/panel/users/bob/disable"} {
		if st, _ := b.post(p, url.Values{"csrf": {csrf}, "totp": {"1"}}, nil); st != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", p, st)
		}
	}
	bob, _ := e.st.User(t.Context(), "gmina-b", "bob")
	if bob.Disabled || !bob.MustChangePassword {
		t.Fatalf("gmina B's bob changed: %+v", bob.Public())
	}
	// gmina A's "admin" is not gmina B's "admin": acting on the same login touches A's own.
	if st, _ := b.get("/panel/users/admin"); st != http.StatusOK || !strings.Contains(b.body, "Anna z A") {
		t.Fatalf("own account page: %d", st)
	}
	b.get("/panel/audit")
	if strings.Contains(b.body, "bob") {
		t.Fatal("gmina A's audit shows gmina B's events")
	}
	b.get("/panel/audit.csv")
	if strings.Contains(b.body, "bob") || !strings.Contains(b.body, "user.add") {
		t.Fatalf("gmina A's CSV:\n%s", b.body)
	}
	// Adding a user named like B's creates A's own.
	b.get("/panel/users")
	if st, _ := b.post("/panel/users", url.Values{"csrf": {b.csrf()}, "login": {"bob"}, "name": {"Bob z A"}, "role": {"clerk"}}, nil); st != http.StatusOK {
		t.Fatalf("add bob to A: %d", st)
	}
	if bob, _ := e.st.User(t.Context(), "gmina-b", "bob"); bob.Name != "Bob z B" {
		t.Fatal("adding A's bob touched B's")
	}
}

func TestHTMLInNamesIsInert(t *testing.T) {
	e := newEnv(t)
	pw := e.addUser("gmina-a", "admin", `<script>alert(1)</script><b onmouseover="x()">Anna</b>`, portal.RoleAdmin)
	e.addUser("gmina-a", "evil", `"><img src=x onerror=alert(2)>`, portal.RoleClerk)
	b := e.browser()
	b.login("gmina-a", "admin", pw)
	for _, p := range []string{"/panel/", "/panel/users", "/panel/users/evil", "/panel/users/admin"} {
		b.get(p)
		for _, bad := range []string{"<script>alert", "<b onmouseover", "<img src=x"} {
			if strings.Contains(b.body, bad) {
				t.Errorf("%s renders %q as markup", p, bad)
			}
		}
	}
	b.get("/panel/users")
	if !strings.Contains(b.body, "&lt;script&gt;alert(1)&lt;/script&gt;") || !strings.Contains(b.body, "&lt;img src=x onerror=alert(2)&gt;") {
		t.Fatalf("names not shown escaped:\n%s", b.body)
	}
}

func TestSecurityHeadersAndCookies(t *testing.T) {
	e := newEnv(t)
	pw := e.addUser("gmina-a", "jan", "Jan", portal.RoleClerk)
	b := e.browser()
	resp, err := http.Get(e.srv.URL + "/panel/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	h := resp.Header
	csp := h.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	for k, v := range map[string]string{"X-Frame-Options": "DENY", "Referrer-Policy": "same-origin", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"} {
		if h.Get(k) != v {
			t.Errorf("%s: %q, want %q", k, h.Get(k), v)
		}
	}
	b.password("gmina-a", "jan", pw)
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/panel/login", nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/panel/" {
			t.Errorf("cookie %s: %+v", c.Name, c)
		}
		if c.Secure {
			t.Errorf("cookie %s Secure on plain loopback HTTP: the browser would drop it", c.Name)
		}
	}
	// Over TLS every cookie is Secure.
	st, _ := portal.OpenBolt(t.Context(), t.TempDir(), portal.BoltOptions{})
	defer st.Close()
	hd, _ := panel.New(st, panel.Options{Argon2: cheap})
	tls := httptest.NewTLSServer(hd)
	defer tls.Close()
	resp, err = tls.Client().Get(tls.URL + "/panel/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if cs := resp.Cookies(); len(cs) == 0 || !cs[0].Secure || resp.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("over TLS: cookies %+v, HSTS %q", cs, resp.Header.Get("Strict-Transport-Security"))
	}
}

func TestAccountLockoutAndIPThrottle(t *testing.T) {
	e := newEnv(t)
	pw := e.addUser("gmina-a", "jan", "Jan", portal.RoleClerk)
	b := e.browser()
	for i := range panel.DefaultThrottle.AccountFailures {
		if st, _ := b.password("gmina-a", "jan", "złe hasło"); st != http.StatusUnauthorized {
			t.Fatalf("wrong password #%d: %d", i+1, st)
		}
	}
	if st, _ := b.password("gmina-a", "jan", pw); st != http.StatusTooManyRequests || !strings.Contains(b.body, "zablokowane") {
		t.Fatalf("right password on a locked account: %d", st)
	}
	e.clock.Add(panel.DefaultThrottle.AccountLock - time.Second)
	if st, _ := b.password("gmina-a", "jan", pw); st != http.StatusTooManyRequests {
		t.Fatalf("a second before the lock ends: %d", st)
	}
	e.clock.Add(time.Second)
	if st, loc := b.password("gmina-a", "jan", pw); st != http.StatusSeeOther || loc != "/panel/password" {
		t.Fatalf("after the lock: %d %s", st, loc)
	}
	es, _ := e.st.Audit(t.Context(), "gmina-a", 0)
	var lockouts int
	for _, x := range es {
		if x.Action == "login.lockout" {
			lockouts++
		}
	}
	if lockouts != 1 {
		t.Fatalf("%d lockouts audited", lockouts)
	}

	// A sprayer: one address, many logins that do not exist, then a real one is refused too.
	e.clock.Add(time.Hour)
	for i := range panel.DefaultThrottle.IPFailures {
		if st, _ := b.password("gmina-a", "nobody"+string(rune('a'+i)), "x"); st != http.StatusUnauthorized {
			t.Fatalf("unknown login #%d: %d", i, st)
		}
	}
	if st, _ := b.password("gmina-a", "jan", pw); st != http.StatusTooManyRequests {
		t.Fatalf("right password from a blocked address: %d", st)
	}
	e.clock.Add(panel.DefaultThrottle.IPWindow)
	if st, _ := b.password("gmina-a", "jan", pw); st != http.StatusSeeOther {
		t.Fatalf("after the address's window: %d", st)
	}
}

func TestTOTPFailuresLockTheAccount(t *testing.T) {
	e := newEnv(t)
	pw := e.addUser("gmina-a", "admin", "Anna", portal.RoleAdmin)
	b := e.browser()
	pw = b.login("gmina-a", "admin", pw)
	b2 := e.browser()
	b2.password("gmina-a", "admin", pw)
	b2.get("/panel/totp")
	csrf := b2.csrf()
	for range panel.DefaultThrottle.AccountFailures - 1 {
		if st, _ := b2.post("/panel/totp", url.Values{"csrf": {csrf}, "code": {"000000"}}, nil); st != http.StatusUnauthorized {
			t.Fatalf("wrong code: %d", st)
		}
	}
	if st, _ := b2.post("/panel/totp", url.Values{"csrf": {csrf}, "code": {"000000"}}, nil); st != http.StatusTooManyRequests {
		t.Fatalf("the last wrong code: %d, want the lockout", st)
	}
	if st, _ := b2.get("/panel/totp"); st != http.StatusSeeOther {
		t.Fatalf("the session survived the lockout: %d", st)
	}
}

func TestSessionTimeouts(t *testing.T) {
	e := newEnv(t)
	pw := e.addUser("gmina-a", "jan", "Jan", portal.RoleClerk)
	b := e.browser()
	b.login("gmina-a", "jan", pw)
	e.clock.Add(29 * time.Minute)
	if st, _ := b.get("/panel/"); st != http.StatusOK {
		t.Fatalf("after 29 idle minutes: %d", st)
	}
	e.clock.Add(30 * time.Minute)
	if st, loc := b.get("/panel/"); st != http.StatusSeeOther || loc != "/panel/login" {
		t.Fatalf("after 30 idle minutes: %d %s", st, loc)
	}
	// Busy all day: the absolute timeout ends it after 12 hours anyway.
	b.login("gmina-a", "jan", newPassword)
	for range 12*60/20 - 1 {
		e.clock.Add(20 * time.Minute)
		if st, _ := b.get("/panel/"); st != http.StatusOK {
			t.Fatalf("active session ended early at %v", e.clock.Now())
		}
	}
	e.clock.Add(20 * time.Minute)
	if st, loc := b.get("/panel/"); st != http.StatusSeeOther || loc != "/panel/login" {
		t.Fatalf("after 12 hours: %d %s", st, loc)
	}
}

func TestAdminManagesUsers(t *testing.T) {
	e := newEnv(t)
	pw := e.addUser("gmina-a", "admin", "Anna", portal.RoleAdmin)
	b := e.browser()
	b.login("gmina-a", "admin", pw)
	b.get("/panel/users")
	if st, _ := b.post("/panel/users", url.Values{"csrf": {b.csrf()}, "login": {"jan"}, "name": {"Jan Kowalski"}, "role": {"clerk", "moderator"}}, nil); st != http.StatusOK {
		t.Fatalf("add: %d", st)
	}
	janPW := find(t, oneRE, b.body)
	jan, err := e.st.User(t.Context(), "gmina-a", "jan")
	if err != nil || !jan.Has(portal.RoleClerk) || !jan.Has(portal.RoleModerator) || jan.Has(portal.RoleAdmin) {
		t.Fatalf("added: %+v, %v", jan.Public(), err)
	}
	if st, _ := b.post("/panel/users", url.Values{"csrf": {b.csrf()}, "login": {"op"}, "name": {"X"}, "role": {"operator"}}, nil); st != http.StatusBadRequest {
		t.Fatalf("an admin gave the operator role: %d", st)
	}
	jb := e.browser()
	jb.login("gmina-a", "jan", janPW)
	b.get("/panel/users/jan")
	if st, loc := b.post("/panel/users/jan/disable", url.Values{"csrf": {b.csrf()}}, nil); st != http.StatusSeeOther || loc != "/panel/users/jan" {
		t.Fatalf("disable: %d %s", st, loc)
	}
	if st, _ := jb.get("/panel/"); st != http.StatusSeeOther {
		t.Fatal("a disabled user's session goes on")
	}
	if st, _ := jb.password("gmina-a", "jan", newPassword); st != http.StatusForbidden {
		t.Fatalf("disabled login: %d", st)
	}
	b.get("/panel/users/jan")
	b.post("/panel/users/jan/enable", url.Values{"csrf": {b.csrf()}}, nil)
	b.get("/panel/users/jan")
	if st, _ := b.post("/panel/users/jan/reset", url.Values{"csrf": {b.csrf()}}, nil); st != http.StatusOK {
		t.Fatalf("reset: %d", st)
	}
	if st, loc := jb.password("gmina-a", "jan", find(t, oneRE, b.body)); st != http.StatusSeeOther || loc != "/panel/password" {
		t.Fatalf("login with the reset password: %d %s", st, loc)
	}
	b.get("/panel/users/admin")
	if st, _ := b.post("/panel/users/admin/disable", url.Values{"csrf": {b.csrf()}}, nil); st != http.StatusBadRequest {
		t.Fatalf("self-disable: %d", st)
	}
	b.get("/panel/audit.csv")
	for _, want := range []string{"user.add", "user.disable", "user.enable", "user.reset"} {
		if !strings.Contains(b.body, want) {
			t.Errorf("CSV lacks %s:\n%s", want, b.body)
		}
	}
	if strings.Contains(b.body, janPW) {
		t.Fatal("a password is in the audit log")
	}
}

func TestOperatorCreatesMunicipality(t *testing.T) {
	e := newEnv(t)
	pw := e.addUser(portal.OperatorMunicipality, "root", "Operator", portal.RoleOperator)
	b := e.browser()
	b.login("", "root", pw)
	b.get("/panel/municipalities")
	if st, _ := b.post("/panel/municipalities", url.Values{"csrf": {b.csrf()}, "municipality": {"nowa"}, "login": {"admin"}, "name": {"Admin Nowej"}}, nil); st != http.StatusOK {
		t.Fatalf("add municipality: %d\n%s", st, b.body)
	}
	adminPW := find(t, oneRE, b.body)
	a := e.browser()
	a.login("nowa", "admin", adminPW)
	if st, _ := a.get("/panel/users"); st != http.StatusOK || !strings.Contains(a.body, "Admin Nowej") {
		t.Fatalf("new municipality's admin: %d", st)
	}
	// The operator has no municipality's users: a municipality admin cannot see operators.
	if strings.Contains(a.body, "root") {
		t.Fatal("operator listed among the municipality's users")
	}
}

// A new municipality one or two letters off one the portal has (with accounts or only a
// key) is likelier a typo: the form asks to confirm and creates nothing until it is; a
// municipality that has a key but no accounts yet gets its first administrator unasked.
func TestOperatorConfirmsNearMunicipality(t *testing.T) {
	e := newEnv(t)
	pw := e.addUser(portal.OperatorMunicipality, "root", "Operator", portal.RoleOperator)
	e.addUser("przykladowa", "admin", "Anna", portal.RoleAdmin)
	if _, err := e.st.SigningKey(t.Context(), "inna-gmina"); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.login("", "root", pw)
	add := func(muni string, confirm bool) int {
		t.Helper()
		b.get("/panel/municipalities")
		form := url.Values{"csrf": {b.csrf()}, "municipality": {muni}, "login": {"admin"}, "name": {"Admin"}}
		if confirm {
			form.Set("confirm-new", "1")
		}
		st, _ := b.post("/panel/municipalities", form, nil)
		return st
	}
	for _, c := range []struct{ muni, near string }{{"przykladwa", "przykladowa"}, {"inna-gmin", "inna-gmina"}} {
		if st := add(c.muni, false); st != http.StatusBadRequest || !strings.Contains(b.body, "podobnym identyfikatorze: "+c.near+".") ||
			!strings.Contains(b.body, `id="m-confirm"`) || !strings.Contains(b.body, `value="`+c.muni+`"`) {
			t.Fatalf("%s: %d\n%s", c.muni, st, b.body)
		}
		if us, _ := e.st.Users(t.Context(), c.muni); len(us) != 0 {
			t.Fatalf("%s: created before the confirmation: %v", c.muni, us)
		}
	}
	if st := add("przykladwa", true); st != http.StatusOK {
		t.Fatalf("confirmed: %d\n%s", st, b.body)
	}
	if us, _ := e.st.Users(t.Context(), "przykladwa"); len(us) != 1 {
		t.Fatalf("confirmed, users: %v", us)
	}
	// Known by its key: not new, no question.
	if st := add("inna-gmina", false); st != http.StatusOK {
		t.Fatalf("a municipality with a key only: %d\n%s", st, b.body)
	}
	// Far from every known name: no question either.
	if st := add("zupelnie-nowa", false); st != http.StatusOK || strings.Contains(b.body, "m-confirm") {
		t.Fatalf("a new name: %d\n%s", st, b.body)
	}
}

// Two logins racing with one code: only one passes.
func TestTOTPCodeIsGoodOnce(t *testing.T) {
	e := newEnv(t)
	pw := e.addUser("gmina-a", "admin", "Anna", portal.RoleAdmin)
	pw = e.browser().login("gmina-a", "admin", pw)
	bs := []*browser{e.browser(), e.browser()}
	csrf := make([]string, 2)
	for i, b := range bs {
		b.password("gmina-a", "admin", pw)
		b.get("/panel/totp")
		csrf[i] = b.csrf()
	}
	e.clock.Add(totp.Step)
	u, _ := e.st.User(t.Context(), "gmina-a", "admin")
	code := totp.Code(u.TOTPSecret, e.clock.Now())
	var wg sync.WaitGroup
	sts := make([]int, 2)
	for i, b := range bs {
		wg.Go(func() {
			var req *http.Request
			req, _ = http.NewRequest(http.MethodPost, e.srv.URL+"/panel/totp", strings.NewReader(url.Values{"csrf": {csrf[i]}, "code": {code}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := b.c.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			sts[i] = resp.StatusCode
		})
	}
	wg.Wait()
	if !(sts[0] == http.StatusSeeOther) != (sts[1] == http.StatusSeeOther) || (sts[0] != http.StatusUnauthorized && sts[1] != http.StatusUnauthorized) {
		t.Fatalf("racing logins with one code: %v, want one 303 and one 401", sts)
	}
}

// With a key, the store holds the TOTP secret sealed: not the one the page shows, and useless
// moved to another account or without the key.
func TestTOTPSecretSealedAtRest(t *testing.T) {
	dir := t.TempDir()
	key, err := panel.LoadKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := panel.LoadKey(dir); err != nil || string(again) != string(key) {
		t.Fatalf("LoadKey again: %v", err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, panel.KeyFile)); fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v", fi.Mode())
	}
	st, err := portal.OpenBolt(t.Context(), t.TempDir(), portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ck := &clock{t: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)}
	h, err := panel.New(st, panel.Options{Now: ck.Now, Argon2: cheap, SecretKey: key})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(panel.Prefix, h)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	e := &env{t: t, st: st, clock: ck, srv: srv}
	pw := e.addUser("gmina-a", "admin", "Anna", portal.RoleAdmin)
	b := e.browser()
	b.password("gmina-a", "admin", pw)
	b.get("/panel/enrol")
	shown := find(t, secretRE, b.body)
	secret, _ := totp.Decode(shown)
	u, _ := st.User(t.Context(), "gmina-a", "admin")
	if len(u.TOTPSecret) == 0 || strings.Contains(string(u.TOTPSecret), string(secret)) {
		t.Fatalf("stored secret %q is not sealed", u.TOTPSecret)
	}
	if st, loc := b.post("/panel/enrol", url.Values{"csrf": {b.csrf()}, "code": {totp.Code(secret, ck.Now())}}, nil); st != http.StatusSeeOther || loc != "/panel/password" {
		t.Fatalf("enrolment with a sealed secret: %d %s", st, loc)
	}
	// The sealed secret copied onto another admin does not open there.
	e.addUser("gmina-a", "mallory", "M", portal.RoleAdmin)
	if _, err := st.UpdateUser(t.Context(), "gmina-a", "mallory", func(m *portal.User) error {
		m.TOTPSecret, m.TOTPEnrolled, m.MustChangePassword = u.TOTPSecret, true, false
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	m := e.browser()
	hash, _ := portal.HashPassword("hasło-mallory-123", cheap)
	if _, err := st.UpdateUser(t.Context(), "gmina-a", "mallory", func(m *portal.User) error { m.Password = hash; return nil }); err != nil {
		t.Fatal(err)
	}
	if st, loc := m.password("gmina-a", "mallory", "hasło-mallory-123"); st != http.StatusSeeOther || loc != "/panel/totp" {
		t.Fatalf("mallory's password: %d %s", st, loc)
	}
	m.get("/panel/totp")
	ck.Add(totp.Step)
	if st, _ := m.post("/panel/totp", url.Values{"csrf": {m.csrf()}, "code": {totp.Code(secret, ck.Now())}}, nil); st != http.StatusInternalServerError {
		t.Fatalf("a sealed secret moved to another account: %d, want it not to open", st)
	}
}

// An administrator changes another user's roles: the user's sessions end, so a role gained
// is used only after a login with the second factor it demands; the log says so.
func TestAdminChangesRoles(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login("gmina-a", "admin", e.addUser("gmina-a", "admin", "Anna", portal.RoleAdmin))
	e.addUser("gmina-b", "obcy", "Obcy", portal.RoleClerk)
	jb := e.browser()
	janPW := jb.login("gmina-a", "jan", e.addUser("gmina-a", "jan", "Jan", portal.RoleClerk))

	b.get("/panel/users/jan")
	if !strings.Contains(b.body, `id="role-clerk" checked`) || strings.Contains(b.body, `id="role-admin" checked`) {
		t.Fatalf("the roles form does not show jan's roles:\n%s", b.body)
	}
	csrf := b.csrf()
	if st, loc := b.post("/panel/users/jan/roles", url.Values{"csrf": {csrf}, "role": {"clerk", "admin"}}, nil); st != http.StatusSeeOther || loc != "/panel/users/jan" {
		t.Fatalf("set roles: %d %s\n%s", st, loc, b.body)
	}
	jan, err := e.st.User(t.Context(), "gmina-a", "jan")
	if err != nil || !jan.Has(portal.RoleAdmin) || !jan.Has(portal.RoleClerk) || jan.Has(portal.RoleModerator) {
		t.Fatalf("stored roles: %v, %v", jan.Roles, err)
	}
	if st, _ := jb.get("/panel/users"); st != http.StatusSeeOther {
		t.Fatalf("jan's session went on after a role change: %d (an administrator without a second factor)", st)
	}
	if st, loc := jb.password("gmina-a", "jan", janPW); st != http.StatusSeeOther || loc != "/panel/enrol" {
		t.Fatalf("jan, now an administrator, logs in to %d %s; want the TOTP enrolment", st, loc)
	}
	for _, c := range []struct {
		path  string
		roles []string
		want  int
	}{
		{"/panel/users/jan/roles", nil, http.StatusBadRequest},
		{"/panel/users/jan/roles", []string{"operator"}, http.StatusBadRequest},
		{"/panel/users/admin/roles", []string{"clerk"}, http.StatusBadRequest}, // one's own
		{"/panel/users/obcy/roles", []string{"admin"}, http.StatusNotFound},    // another municipality's
	} {
		if st, _ := b.post(c.path, url.Values{"csrf": {csrf}, "role": c.roles}, nil); st != c.want {
			t.Errorf("POST %s roles %v: %d, want %d", c.path, c.roles, st, c.want)
		}
	}
	if st, _ := b.post("/panel/users/jan/roles", url.Values{"role": {"clerk"}}, nil); st != http.StatusForbidden {
		t.Errorf("set roles without the CSRF token: %d", st)
	}
	if u, _ := e.st.User(t.Context(), "gmina-b", "obcy"); u.Has(portal.RoleAdmin) {
		t.Error("gmina-a's administrator gave a role in gmina-b")
	}
	b.get("/panel/audit.csv")
	if !strings.Contains(b.body, "user.roles") || !strings.Contains(b.body, "admin,clerk") && !strings.Contains(b.body, "clerk,admin") {
		t.Errorf("the log lacks the role change:\n%s", b.body)
	}
}
