package panel_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"infomat/sync/client"
	"infomat/sync/portal"
	"infomat/sync/portal/browsertest"
	"infomat/sync/portal/panel"
	"infomat/sync/portal/totp"
	"infomat/sync/protocol"
)

// TestBrowserFleet drives headless chromium through the fleet pages over TLS, as serve runs
// them: an administrator (TOTP already enrolled) opens Urządzenia, where a device's host name
// is a script tag shown as text, creates an enrolment token whose command a kiosk then really
// enrols with, and revokes a device through the confirmation box. Pages are saved at
// 1280×800 in test-output/panel/ (fleet.png, enrol-token.png, fleet-device.png).
func TestBrowserFleet(t *testing.T) {
	ctx0 := t.Context()
	st, err := portal.OpenBolt(ctx0, t.TempDir(), portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	log := slog.New(slog.NewTextHandler(t.Output(), nil))
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	srv.StartTLS()
	defer srv.Close()
	pin := protocol.CertPin(srv.Certificate())
	h, err := panel.New(st, panel.Options{Argon2: cheap, Log: log, CertPin: pin})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle(panel.Prefix, h)
	mux.Handle("/", portal.NewServer(st, portal.ServerOptions{Log: log}))

	const muni, login, pw = "przykladowa", "admin", "Bardzo-tajne-hasło-2026"
	now := time.Now()
	if _, err := portal.AddUser(ctx0, st, portal.User{Municipality: muni, Login: login, Name: "Anna Administratorka", Roles: []portal.Role{portal.RoleAdmin}}, pw, now, portal.AccountOptions{Argon2: cheap}); err != nil {
		t.Fatal(err)
	}
	secret, err := totp.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdateUser(ctx0, muni, login, func(u *portal.User) error {
		u.MustChangePassword, u.TOTPSecret, u.TOTPEnrolled = false, secret, true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	enrol := func(m, id, host string) {
		tok, err := portal.CreateToken(ctx0, st, m, time.Hour, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Enroll(ctx0, portal.HashToken(tok), portal.Device{ID: id, Hostname: host, AppVersion: "1.4.0", Enrolled: now.Add(-30 * 24 * time.Hour)}, now); err != nil {
			t.Fatal(err)
		}
	}
	beat := func(id string, ago time.Duration, hb protocol.Heartbeat) {
		if err := st.PutHeartbeat(ctx0, id, portal.Beat{Received: now.Add(-ago), Heartbeat: hb}); err != nil {
			t.Fatal(err)
		}
	}
	enrol(muni, "k-3f9a2c1d", "urzad-parter")
	enrol(muni, "k-77b0e4aa", "biblioteka")
	enrol(muni, "k-0c5d8e21", `<script>alert(1)</script>`)
	enrol(muni, "k-e1e1e1e1", "nowy-kiosk")
	enrol("sasiednia", "k-b0b0b0b0", "kiosk-sasiedniej-gminy")
	beat("k-3f9a2c1d", 40*time.Second, protocol.Heartbeat{ContentVersion: 7, ContentLabel: "2026-03 wiosna", Printer: "TM-T20III", PrinterOK: true, Reader: "RDM6300", ReaderOK: true, AppVersion: "1.4.1", DiskFree: 12e9})
	beat("k-77b0e4aa", 3*time.Minute, protocol.Heartbeat{ContentVersion: 7, ContentLabel: "2026-03 wiosna", Queued: 3, Printer: "TM-T20III", PrinterOK: true, PaperOut: true, AppVersion: "1.4.1"})
	beat("k-0c5d8e21", 26*time.Hour, protocol.Heartbeat{ContentVersion: 6, ContentLabel: `<img src=x onerror=alert(2)>`, Printer: `<b>drukarka</b>`, AppVersion: "1.4.0", ClockSuspect: true})
	out := browsertest.Output(t, "panel")

	tab := browsertest.Start(t, out, chromedp.Flag("ignore-certificate-errors", true) /* httptest's certificate, which the kiosk trusts by its pin */)
	ctx := tab.Ctx
	do, text, shot := tab.Do, tab.Text, tab.Shot

	do("log in", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(srv.URL+"/panel/"),
		chromedp.WaitVisible(chromedp.ID("login-form")),
		browsertest.SendKeys(chromedp.ID("municipality"), muni),
		browsertest.SendKeys(chromedp.ID("login"), login),
		browsertest.SendKeys(chromedp.ID("password"), pw),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("totp-form")))
	do("code", browsertest.SendKeys(chromedp.ID("code"), totp.Code(secret, time.Now())), chromedp.Click(chromedp.ID("totp-submit")),
		chromedp.WaitVisible(chromedp.ID("sections")))
	do("fleet", chromedp.Click(chromedp.CSS(`nav a[href="/panel/fleet"]`)), chromedp.WaitVisible(chromedp.ID("fleet")))
	shot("fleet")
	table := text("#fleet")
	for _, want := range []string{"urzad-parter", "biblioteka", "<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "<b>drukarka</b>",
		"brak papieru", "cisza od 26 h", "zegar niewiarygodny", "nigdy się nie zgłosił", " s temu"} {
		if !strings.Contains(table, want) {
			t.Errorf("the fleet table lacks %q:\n%s", want, table)
		}
	}
	if strings.Contains(table, "kiosk-sasiedniej-gminy") {
		t.Error("the fleet table shows another municipality's device")
	}
	// The markup from the devices made no elements.
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('main script, main img:not(#token-qr), main b').length`))
	if err != nil || n != 0 {
		t.Fatalf("%d elements from heartbeat fields (%v)", n, err)
	}

	do("token", chromedp.Click(chromedp.ID("token-submit")), chromedp.WaitVisible(chromedp.ID("provision-command")))
	shot("enrol-token")
	cmd := text("#provision-command")
	f := strings.Fields(cmd)
	if len(f) != 8 || f[3] != srv.URL || f[7] != pin {
		t.Fatalf("command %q (portal %s, pin %s)", cmd, srv.URL, pin)
	}
	if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('token-qr').naturalWidth > 0`)); err != nil || !ok {
		t.Fatalf("the QR image did not load (%v)", err)
	}
	creds, err := client.EnrollWith(ctx0, f[3], f[5], client.Trust{CertPin: f[7]})
	if err != nil || creds.Municipality != muni {
		t.Fatalf("enrol with the command the browser shows: %v", err)
	}

	do("a device", chromedp.Navigate(srv.URL+"/panel/fleet/k-77b0e4aa"), chromedp.WaitVisible(chromedp.ID("revoke-device")))
	shot("fleet-device")
	do("revoke", chromedp.Click(chromedp.ID("revoke-confirm")), chromedp.Click(chromedp.ID("revoke-submit")),
		chromedp.WaitVisible(chromedp.CSS("#device-state .bad")))
	if s := text("#device-state"); !strings.HasPrefix(s, "odwołane") {
		t.Fatalf("state after revoking: %q", s)
	}
	if d, err := st.Device(ctx0, "k-77b0e4aa"); err != nil || !d.IsRevoked() {
		t.Fatalf("not revoked: %v", err)
	}
}
