package panel_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"infomat/sync/portal"
	"infomat/sync/portal/browsertest"
	"infomat/sync/portal/panel"
	"infomat/sync/portal/totp"
)

// TestBrowserAccessibility checks with axe-core (WCAG 2.1 AA; serious or critical fails) the
// panel's pages that TestBrowserAdminAddsClerk, which checks every page it photographs, does
// not reach: the portal operator's way in with a wrong password, a wrong code and passwords
// that differ (each page with its error shown), the operator's home, the municipalities page
// and the one-time password of a new municipality, the not-found page, the same in English,
// and the pages on a phone (390×844). Screenshots go to test-output/panel/a11y-*.png.
func TestBrowserAccessibility(t *testing.T) {
	st, err := portal.OpenBolt(t.Context(), t.TempDir(), portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h, err := panel.New(st, panel.Options{Argon2: cheap, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(panel.Prefix, h)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	opPW, err := portal.AddUser(t.Context(), st, portal.User{Municipality: portal.OperatorMunicipality, Login: "operator",
		Name: "Olga Operatorka", Roles: []portal.Role{portal.RoleOperator}}, "", time.Now(), portal.AccountOptions{Argon2: cheap})
	if err != nil {
		t.Fatal(err)
	}
	out := browsertest.Output(t, "panel")

	tab := browsertest.Start(t, out)
	ctx := tab.Ctx
	do := tab.Do
	check := func(name string) { t.Helper(); tab.Shot("a11y-" + name) }
	// fill replaces a field's value, as a user would type it.
	fill := func(id, value string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(
			chromedp.Evaluate[chromedp.Void](`document.getElementById(`+strconv.Quote(id)+`).value = ""`),
			browsertest.SendKeys(chromedp.ID(id), value),
		)
	}
	login := func(pw string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(
			chromedp.WaitVisible(chromedp.ID("login-form")),
			// The operator's municipality is none: the field stays empty.
			fill("login", "operator"),
			fill("password", pw),
			chromedp.Click(chromedp.ID("login-submit")),
		)
	}
	errorShown := chromedp.WaitVisible(chromedp.CSS(".error, #flash"))

	do("open the panel", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(srv.URL+"/panel/login"))
	do("wrong password", login("nie-to-hasło"), errorShown)
	check("login-error")
	do("operator's password", login(opPW), chromedp.WaitVisible(chromedp.ID("totp-secret")))
	secret, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("totp-secret")))
	if err != nil {
		t.Fatal(err)
	}
	key, err := totp.Decode(secret)
	if err != nil {
		t.Fatalf("secret %q: %v", secret, err)
	}
	wrong := "000000"
	if totp.Code(key, time.Now()) == wrong {
		wrong = "111111"
	}
	do("wrong code", browsertest.SendKeys(chromedp.ID("code"), wrong), chromedp.Click(chromedp.ID("enrol-submit")), errorShown)
	check("enrol-error")
	do("enrolment", fill("code", totp.Code(key, time.Now())), chromedp.Click(chromedp.ID("enrol-submit")),
		chromedp.WaitVisible(chromedp.ID("password-form")))
	do("passwords that differ", browsertest.SendKeys(chromedp.ID("new-password"), "Bardzo-tajne-hasło-2026"),
		browsertest.SendKeys(chromedp.ID("again"), "Bardzo-tajne-hasło-2027"), chromedp.Click(chromedp.ID("password-submit")), errorShown)
	check("password-error")
	do("new password", fill("new-password", "Bardzo-tajne-hasło-2026"),
		fill("again", "Bardzo-tajne-hasło-2026"), chromedp.Click(chromedp.ID("password-submit")),
		chromedp.WaitVisible(chromedp.ID("sections")))
	check("home-operator")
	do("municipalities", chromedp.Click(chromedp.CSS(`nav a[href="/panel/municipalities"]`)), chromedp.WaitVisible(chromedp.ID("add-municipality")))
	check("municipalities")
	do("add a municipality", browsertest.SendKeys(chromedp.ID("m-id"), "nowa"), browsertest.SendKeys(chromedp.ID("m-login"), "admin"),
		browsertest.SendKeys(chromedp.ID("m-name"), "Adam Administrator"), chromedp.Click(chromedp.ID("add-municipality-submit")),
		chromedp.WaitVisible(chromedp.ID("onetime-password")))
	check("onetime-municipality")
	do("a page that is not there", chromedp.Navigate(srv.URL+"/panel/nie-ma-takiej"), chromedp.WaitVisible(chromedp.ID("flash")))
	check("notfound")
	do("English", chromedp.Navigate(srv.URL+"/panel/lang/en"), chromedp.WaitVisible(chromedp.ID("sections")))
	check("home-operator-en")
	do("municipalities in English", chromedp.Navigate(srv.URL+"/panel/municipalities"), chromedp.WaitVisible(chromedp.ID("municipalities")))
	check("municipalities-en")

	// On a phone: the panel is for desks, but an administrator may look at it on the way.
	do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch),
		chromedp.Navigate(srv.URL+"/panel/municipalities"), chromedp.WaitVisible(chromedp.ID("municipalities")))
	check("municipalities-phone")
	do("log out on the phone", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-form")))
	check("login-phone")
}
