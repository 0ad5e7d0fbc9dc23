package panel_test

import (
	"bytes"
	"encoding/base64"
	"html"
	"image/png"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"

	"infomat/sync/client"
	"infomat/sync/portal"
	"infomat/sync/portal/panel"
	"infomat/sync/protocol"
)

// newFleetEnv is newEnv over TLS with the kiosk API beside the panel, as serve mounts them,
// and the panel given the pin of the test server's certificate; the API shares the fake clock.
func newFleetEnv(t *testing.T, opts panel.Options) (*env, string) {
	t.Helper()
	st, err := portal.OpenBolt(t.Context(), t.TempDir(), portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ck := &clock{t: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)}
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pin := protocol.CertPin(srv.Certificate())
	opts.Now, opts.Argon2 = ck.Now, cheap
	if opts.CertPin == "" {
		opts.CertPin = pin
	}
	h, err := panel.New(st, opts)
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle(panel.Prefix, h)
	mux.Handle("/", portal.NewServer(st, portal.ServerOptions{Now: ck.Now, Log: slog.New(slog.DiscardHandler)}))
	return &env{t: t, st: st, clock: ck, srv: srv}, pin
}

// tlsBrowser is a browser that trusts the test server's certificate.
func (e *env) tlsBrowser() *browser {
	b := e.browser()
	b.c.Transport = e.srv.Client().Transport
	return b
}

// enrol puts a device of muni in the store, as the API's enrolment does.
func (e *env) enrol(muni, id, hostname string) portal.Device {
	e.t.Helper()
	tok, err := portal.CreateToken(e.t.Context(), e.st, muni, time.Hour, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	d, err := e.st.Enroll(e.t.Context(), portal.HashToken(tok), portal.Device{ID: id, Hostname: hostname, AppVersion: "1.0.0", Enrolled: e.clock.Now()}, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

func (e *env) beat(id string, ago time.Duration, hb protocol.Heartbeat) {
	e.t.Helper()
	if err := e.st.PutHeartbeat(e.t.Context(), id, portal.Beat{Received: e.clock.Now().Add(-ago), Heartbeat: hb}); err != nil {
		e.t.Fatal(err)
	}
}

// The administrator's list shows the municipality's devices and nothing of another's; what
// devices report (host names, printer names, content labels) is text, never markup.
func TestFleetListIsScopedAndInert(t *testing.T) {
	e := newEnv(t)
	pwA := e.addUser("gmina-a", "admin", "Anna z A", portal.RoleAdmin)
	pwB := e.addUser("gmina-b", "admin", "Admin z B", portal.RoleAdmin)
	pwClerk := e.addUser("gmina-a", "urzednik", "Jan", portal.RoleClerk)
	e.enrol("gmina-a", "k-a1", "kiosk-urzad")
	e.enrol("gmina-a", "k-a2", `<script>alert(1)</script>`)
	e.enrol("gmina-a", "k-a3", "kiosk-nowy")
	e.enrol("gmina-b", "k-b1", "kiosk-gminy-b")
	e.beat("k-a1", 12*time.Minute, protocol.Heartbeat{ContentVersion: 3, ContentLabel: "wiosna", Queued: 4,
		Printer: "TM-T20", PrinterOK: true, PaperOut: true, Reader: "rdm6300", ReaderOK: true, AppVersion: "1.2.3", ClockSuspect: true})
	e.beat("k-a2", 30*time.Second, protocol.Heartbeat{ContentVersion: 3, ContentLabel: `<img src=x onerror=alert(2)>`,
		Printer: `<b onmouseover="x()">drukarka</b>`, PrinterOK: false, AppVersion: `"><svg onload=alert(3)>`})
	e.beat("k-b1", time.Minute, protocol.Heartbeat{ContentVersion: 1, Printer: "TM-B", PrinterOK: true})

	b := e.browser()
	b.login("gmina-a", "admin", pwA)
	if st, _ := b.get("/panel/"); st != http.StatusOK || !strings.Contains(b.body, `href="/panel/fleet"`) {
		t.Fatalf("admin's home has no link to the fleet: %d", st)
	}
	if st, _ := b.get("/panel/fleet"); st != http.StatusOK {
		t.Fatalf("fleet: %d\n%s", st, b.body)
	}
	page := b.body
	for _, want := range []string{
		"kiosk-urzad", "k-a1", "kiosk-nowy", "12 min temu", "2026-03-10 09:48", // 08:48 UTC in Warsaw
		"TM-T20", "brak papieru", "zegar niewiarygodny", "v3", "wiosna", "1.2.3", "rdm6300",
		"nigdy się nie zgłosił", // k-a3's problem, in the portal's Polish
		"Urządzeń: 3, z problemami: 3.",
		"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(2)&gt;", "&lt;b onmouseover=&#34;x()&#34;&gt;drukarka&lt;/b&gt;",
		"drukarka nie działa",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the fleet page lacks %q", want)
		}
	}
	for _, bad := range []string{"kiosk-gminy-b", "k-b1", "TM-B", "<script>alert", "<img src=x", "<b onmouseover", "<svg"} {
		if strings.Contains(page, bad) {
			t.Errorf("the fleet page has %q", bad)
		}
	}
	if st, _ := b.get("/panel/fleet/k-a2"); st != http.StatusOK || strings.Contains(b.body, "<script>alert") || !strings.Contains(b.body, "&lt;script&gt;alert(1)") {
		t.Fatalf("device page of the scripted host name: %d", st)
	}

	// Gmina B's device by URL: the same 404 as a device that does not exist.
	st, _ := b.get("/panel/fleet/k-nie-ma")
	unknown := b.body
	if st != http.StatusNotFound {
		t.Fatalf("unknown device: %d", st)
	}
	if st, _ := b.get("/panel/fleet/k-b1"); st != http.StatusNotFound || b.body != unknown || strings.Contains(b.body, "kiosk-gminy-b") {
		t.Fatalf("gmina B's device from gmina A: %d\n%s", st, b.body)
	}

	// English: the frame is translated, the problems stay in the portal's Polish.
	b.get("/panel/lang/en")
	b.get("/panel/fleet")
	for _, want := range []string{"Last heartbeat", "12 min ago", "out of paper", "brak papieru", `lang="pl"`, "Devices: 3, with problems: 3."} {
		if !strings.Contains(b.body, want) {
			t.Errorf("the English fleet page lacks %q", want)
		}
	}

	bb := e.browser()
	bb.login("gmina-b", "admin", pwB)
	bb.get("/panel/fleet")
	if !strings.Contains(bb.body, "kiosk-gminy-b") || strings.Contains(bb.body, "kiosk-urzad") || strings.Contains(bb.body, "k-a1") {
		t.Fatalf("gmina B's fleet:\n%s", bb.body)
	}

	// A clerk has no fleet: no link, and the page is forbidden.
	c := e.browser()
	c.login("gmina-a", "urzednik", pwClerk)
	if c.get("/panel/"); strings.Contains(c.body, `href="/panel/fleet"`) {
		t.Fatal("the clerk's home links to the fleet")
	}
	for _, p := range []string{"/panel/fleet", "/panel/fleet/k-a1"} {
		if st, _ := c.get(p); st != http.StatusForbidden || strings.Contains(c.body, "kiosk-urzad") {
			t.Errorf("clerk GET %s: %d", p, st)
		}
	}
}

// Revoking needs the session's CSRF token, the administrator of the device's municipality
// and the confirmation box; it is audited.
func TestRevokeDevice(t *testing.T) {
	e := newEnv(t)
	pwA := e.addUser("gmina-a", "admin", "Anna z A", portal.RoleAdmin)
	pwB := e.addUser("gmina-b", "admin", "Admin z B", portal.RoleAdmin)
	e.enrol("gmina-a", "k-a1", "kiosk-urzad")
	e.beat("k-a1", time.Minute, protocol.Heartbeat{Queued: 2})
	revoked := func() bool {
		d, err := e.st.Device(t.Context(), "k-a1")
		if err != nil {
			t.Fatal(err)
		}
		return d.IsRevoked()
	}

	bb := e.browser()
	bb.login("gmina-b", "admin", pwB)
	bb.get("/panel/fleet")
	if st, _ := bb.post("/panel/fleet/k-a1/revoke", url.Values{"csrf": {bb.csrf()}, "confirm": {"1"}}, nil); st != http.StatusNotFound || revoked() {
		t.Fatalf("gmina B revoking A's device: %d, revoked %v", st, revoked())
	}

	b := e.browser()
	b.login("gmina-a", "admin", pwA)
	b.get("/panel/fleet/k-a1")
	csrf := b.csrf()
	for _, p := range []string{`id="revoke-confirm"`, "niewysłane wnioski (2)", "Potwierdzam odwołanie urządzenia kiosk-urzad."} {
		if !strings.Contains(b.body, p) {
			t.Errorf("the device page lacks %q", p)
		}
	}
	for name, form := range map[string]url.Values{
		"no token":    {"confirm": {"1"}},
		"wrong token": {"confirm": {"1"}, "csrf": {bb.csrf()}},
	} {
		if st, _ := b.post("/panel/fleet/k-a1/revoke", form, nil); st != http.StatusForbidden || revoked() {
			t.Fatalf("%s: %d, revoked %v", name, st, revoked())
		}
	}
	if st, _ := b.post("/panel/fleet/k-a1/revoke", url.Values{"csrf": {csrf}}, http.Header{"Origin": {"https://evil.example"}}); st != http.StatusForbidden || revoked() {
		t.Fatalf("cross-origin: %d", st)
	}
	if st, _ := b.post("/panel/fleet/k-a1/revoke", url.Values{"csrf": {csrf}}, nil); st != http.StatusBadRequest || revoked() || !strings.Contains(b.body, "Zaznacz potwierdzenie") {
		t.Fatalf("unconfirmed: %d, revoked %v", st, revoked())
	}
	if st, loc := b.post("/panel/fleet/k-a1/revoke", url.Values{"csrf": {csrf}, "confirm": {"1"}}, nil); st != http.StatusSeeOther || loc != "/panel/fleet/k-a1" || !revoked() {
		t.Fatalf("confirmed: %d %s, revoked %v", st, loc, revoked())
	}
	b.get("/panel/fleet/k-a1")
	if !strings.Contains(b.body, "odwołane 2026-03-10 10:") || strings.Contains(b.body, `id="revoke-device"`) {
		t.Fatalf("the revoked device's page:\n%s", b.body)
	}
	es, err := e.st.Audit(t.Context(), "gmina-a", 10)
	if err != nil {
		t.Fatal(err)
	}
	if es[0].Action != "device.revoke" || es[0].Target != "k-a1" || es[0].Actor != "admin" || es[0].Detail != "hostname=kiosk-urzad" {
		t.Fatalf("audit: %+v", es[0])
	}
	if es, _ := e.st.Audit(t.Context(), "gmina-b", 10); len(es) > 0 && es[0].Action == "device.revoke" {
		t.Fatal("gmina B's log has the revocation")
	}
}

var (
	commandRE = regexp.MustCompile(`id="provision-command">([^<]+)<`)
	qrRE      = regexp.MustCompile(`src="data:image/png;base64,([^"]+)"[^>]*id="token-qr"`)
)

// The token page's command enrols a kiosk for real: over TLS with the certificate's key
// pinned and no CA, at the address the panel was opened at; its QR code says the same.
func TestEnrolTokenEnrols(t *testing.T) {
	e, pin := newFleetEnv(t, panel.Options{})
	pw := e.addUser("gmina-a", "admin", "Anna z A", portal.RoleAdmin)
	b := e.tlsBrowser()
	b.login("gmina-a", "admin", pw)
	b.get("/panel/fleet")
	csrf := b.csrf()
	if !strings.Contains(b.body, `id="token-form"`) || !strings.Contains(b.body, `value="72h" id="ttl-72h" checked`) {
		t.Fatalf("no token form:\n%s", b.body)
	}
	if st, _ := b.post("/panel/fleet/token", url.Values{"ttl": {"72h"}}, nil); st != http.StatusForbidden {
		t.Fatalf("token without CSRF: %d", st)
	}
	if st, _ := b.post("/panel/fleet/token", url.Values{"csrf": {csrf}, "ttl": {"8760h"}}, nil); st != http.StatusBadRequest {
		t.Fatalf("a year's token: %d", st)
	}
	if st, _ := b.post("/panel/fleet/token", url.Values{"csrf": {csrf}, "ttl": {"72h"}}, nil); st != http.StatusOK {
		t.Fatalf("token: %d\n%s", st, b.body)
	}
	page := b.body
	cmd := html.UnescapeString(find(t, commandRE, page))
	f := strings.Fields(cmd)
	if len(f) != 8 || f[0] != "infomat" || f[1] != "provision" || f[2] != "--portal" || f[4] != "--token" || f[6] != "--pin" {
		t.Fatalf("command %q", cmd)
	}
	portalURL, token, gotPin := f[3], f[5], f[7]
	if portalURL != e.srv.URL || gotPin != pin || !strings.HasPrefix(e.srv.URL, "https://127.0.0.1:") {
		t.Fatalf("command %q: want portal %s, pin %s", cmd, e.srv.URL, pin)
	}
	for _, want := range []string{`id="token-value" class="wrap">` + token + "<", "2026-03-13 10:00", `id="token-pin" class="wrap">` + pin} {
		if !strings.Contains(page, want) {
			t.Errorf("the token page lacks %q", want)
		}
	}
	// The QR code holds the same command.
	if got := decodeQR(t, find(t, qrRE, page)); got != cmd {
		t.Fatalf("QR %q, command %q", got, cmd)
	}

	// The kiosk's side, as `infomat provision --pin` runs it.
	creds, err := client.EnrollWith(t.Context(), portalURL, token, client.Trust{CertPin: gotPin})
	if err != nil {
		t.Fatalf("enrol with the page's command: %v", err)
	}
	if creds.Municipality != "gmina-a" || creds.CertPin != pin {
		t.Fatalf("credentials: %s, pin %s", creds.Municipality, creds.CertPin)
	}
	if _, err := client.EnrollWith(t.Context(), portalURL, token, client.Trust{CertPin: gotPin}); err == nil {
		t.Fatal("the token enrolled twice")
	}
	b.get("/panel/fleet")
	if !strings.Contains(b.body, creds.DeviceID) || !strings.Contains(b.body, "Urządzeń: 1,") {
		t.Fatalf("the new device is not in the list:\n%s", b.body)
	}
	es, _ := e.st.Audit(t.Context(), "gmina-a", 5)
	if len(es) == 0 || es[0].Action != "device.token" || !strings.HasPrefix(es[0].Detail, "expires=2026-03-13T09:00:") || strings.Contains(es[0].Detail+es[0].Target, token) {
		t.Fatalf("audit: %+v", es)
	}
}

func decodeQR(t *testing.T, b64 string) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(html.UnescapeString(b64))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gzqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("decode the QR code: %v", err)
	}
	return res.GetText()
}

// Without a pin (TLS ends at a proxy) the command has none and says so; a configured public
// URL is used as given; a bad one or a bad pin stops New.
func TestEnrolTokenOptions(t *testing.T) {
	e := newEnvWith(t, panel.Options{PortalURL: "https://wnioski.gmina-a.example.pl:8443/"})
	pw := e.addUser("gmina-a", "admin", "Anna z A", portal.RoleAdmin)
	b := e.browser()
	b.login("gmina-a", "admin", pw)
	b.get("/panel/fleet")
	if !strings.Contains(b.body, "polecenie nie przypina klucza") {
		t.Error("the form does not say the command will pin no key")
	}
	if st, _ := b.post("/panel/fleet/token", url.Values{"csrf": {b.csrf()}, "ttl": {"24h"}}, nil); st != http.StatusOK {
		t.Fatalf("token: %d", st)
	}
	cmd := html.UnescapeString(find(t, commandRE, b.body))
	if !regexp.MustCompile(`^infomat provision --portal https://wnioski\.gmina-a\.example\.pl:8443 --token [0-9a-f]{64}$`).MatchString(cmd) {
		t.Fatalf("command %q", cmd)
	}
	if !strings.Contains(b.body, "2026-03-11 10:00") {
		t.Error("the 24 h token's expiry is not shown")
	}
	st, _ := portal.OpenBolt(t.Context(), t.TempDir(), portal.BoltOptions{})
	defer st.Close()
	for _, o := range []panel.Options{{PortalURL: "https://x y"}, {PortalURL: "ftp://portal"}, {PortalURL: "https://portal/;rm -rf"}, {CertPin: "sha256:12"}} {
		if _, err := panel.New(st, o); err == nil {
			t.Errorf("New took %+v", o)
		}
	}
}

// newEnvWith is newEnv with options.
func newEnvWith(t *testing.T, opts panel.Options) *env {
	t.Helper()
	st, err := portal.OpenBolt(t.Context(), t.TempDir(), portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ck := &clock{t: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)}
	opts.Now, opts.Argon2 = ck.Now, cheap
	h, err := panel.New(st, opts)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(panel.Prefix, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &env{t: t, st: st, clock: ck, srv: srv}
}
