package panel_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"infomat/sync/portal"
	"infomat/sync/portal/browsertest"
	"infomat/sync/portal/panel"
	"infomat/sync/portal/totp"
)

// TestBrowserAdminAddsClerk drives headless chromium through the real handler on loopback:
// the first administrator logs in with a one-time password, is forced through the TOTP
// enrolment (the code computed here from the secret the page shows) and a new password,
// adds a clerk, logs out; the clerk logs in and finds no Użytkownicy. Every page is saved at
// 1280×800.
func TestBrowserAdminAddsClerk(t *testing.T) {
	st, err := portal.OpenBolt(t.Context(), t.TempDir(), portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h, err := panel.New(st, panel.Options{Argon2: cheap, Log: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(panel.Prefix, h)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	adminPW, err := portal.AddUser(t.Context(), st, portal.User{Municipality: "przykladowa", Login: "admin", Name: "Anna Administratorka", Roles: []portal.Role{portal.RoleAdmin}}, "", time.Now(), portal.AccountOptions{Argon2: cheap})
	if err != nil {
		t.Fatal(err)
	}
	out := browsertest.Output(t, "panel")

	tab := browsertest.Start(t, out)
	ctx := tab.Ctx
	do, text, shot := tab.Do, tab.Text, tab.Shot
	login := func(muni, user, pw string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(
			chromedp.WaitVisible(chromedp.ID("login-form")),
			browsertest.SendKeys(chromedp.ID("municipality"), muni),
			browsertest.SendKeys(chromedp.ID("login"), user),
			browsertest.SendKeys(chromedp.ID("password"), pw),
			chromedp.Click(chromedp.ID("login-submit")),
		)
	}
	setPassword := func(pw string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(
			chromedp.WaitVisible(chromedp.ID("password-form")),
			browsertest.SendKeys(chromedp.ID("new-password"), pw),
			browsertest.SendKeys(chromedp.ID("again"), pw),
			chromedp.Click(chromedp.ID("password-submit")),
		)
	}
	newPW := "Bardzo-tajne-hasło-2026"

	do("open the panel", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(srv.URL+"/panel/"), chromedp.WaitVisible(chromedp.ID("login-form")))
	shot("01-login")
	if at, _ := chromedp.Run(ctx, chromedp.Location()); at != srv.URL+"/panel/login" {
		t.Fatalf("the panel without a session is at %s", at)
	}
	do("admin's password", login("przykladowa", "admin", adminPW), chromedp.WaitVisible(chromedp.ID("totp-secret")))
	shot("02-enrol")
	secret := text("#totp-secret")
	key, err := totp.Decode(secret)
	if err != nil {
		t.Fatalf("secret %q: %v", secret, err)
	}
	do("enrolment", browsertest.SendKeys(chromedp.ID("code"), totp.Code(key, time.Now())), chromedp.Click(chromedp.ID("enrol-submit")),
		chromedp.WaitVisible(chromedp.ID("password-form")))
	shot("03-password")
	do("new password", setPassword(newPW), chromedp.WaitVisible(chromedp.ID("sections")))
	shot("04-home-admin")
	if home := text("main"); !strings.Contains(home, "Użytkownicy") || !strings.Contains(home, "przykladowa") {
		t.Fatalf("admin's home:\n%s", home)
	}
	do("users", chromedp.Click(chromedp.CSS(`nav a[href="/panel/users"]`)), chromedp.WaitVisible(chromedp.ID("add-user")))
	shot("05-users")
	do("add a clerk",
		browsertest.SendKeys(chromedp.ID("new-login"), "urzednik"),
		browsertest.SendKeys(chromedp.ID("new-name"), `Jan Urzędnik <script>alert(1)</script>`),
		chromedp.Click(chromedp.ID("role-clerk")),
		chromedp.Click(chromedp.ID("add-user-submit")), chromedp.WaitVisible(chromedp.ID("onetime-password")))
	shot("06-onetime")
	pw := text("#onetime-password")
	do("the clerk in the list", chromedp.Navigate(srv.URL+"/panel/users"), chromedp.WaitVisible(chromedp.ID("users")))
	shot("07-users-with-clerk")
	if names := text("#users"); !strings.Contains(names, "Jan Urzędnik <script>alert(1)</script>") {
		t.Fatalf("the clerk's name is not shown as text:\n%s", names)
	}
	do("the clerk's page", chromedp.Navigate(srv.URL+"/panel/users/urzednik"), chromedp.WaitVisible(chromedp.ID("reset-user")))
	shot("08-user")
	do("audit log", chromedp.Navigate(srv.URL+"/panel/audit"), chromedp.WaitVisible(chromedp.ID("audit")))
	shot("09-audit")
	do("log out", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-form")))

	do("clerk logs in", login("przykladowa", "urzednik", pw), setPassword(newPW), chromedp.WaitVisible(chromedp.ID("sections")))
	shot("10-home-clerk")
	clerkHome := text("body")
	links, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('a[href="/panel/users"]').length`))
	if err != nil || links != 0 || strings.Contains(clerkHome, "Użytkownicy") || !strings.Contains(clerkHome, "Skrzynka wniosków") {
		t.Fatalf("clerk's home (%d links to users, %v):\n%s", links, err, clerkHome)
	}
	do("clerk cannot open users", chromedp.Navigate(srv.URL+"/panel/users"), chromedp.WaitVisible(chromedp.ID("flash")))
	shot("11-forbidden")
	do("English", chromedp.Navigate(srv.URL+"/panel/lang/en"), chromedp.WaitVisible(chromedp.ID("sections")))
	shot("12-home-clerk-en")
	do("clerk logs out", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-form")))

	// The admin's next login asks for a code from the enrolled authenticator. The code of the
	// next step is taken (one step of skew): the enrolment's own step cannot be used again.
	do("admin's second login", chromedp.Navigate(srv.URL+"/panel/lang/pl"), login("przykladowa", "admin", newPW), chromedp.WaitVisible(chromedp.ID("totp-form")))
	shot("13-totp")
	do("admin's code", browsertest.SendKeys(chromedp.ID("code"), totp.Code(key, time.Now().Add(totp.Step))), chromedp.Click(chromedp.ID("totp-submit")),
		chromedp.WaitVisible(chromedp.ID("sections")))
}
