package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"html"
	"image"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"

	"infomat/app"
	"infomat/assets"
	"infomat/content"
	"infomat/kiosk"
	"infomat/l10n"
	"infomat/outbox"
	"infomat/receipt"
	"infomat/store"
	"infomat/sync/client"
	"infomat/sync/portal"
)

// receiptQR reads the tracking QR code off the picture of the printed receipt, as a phone
// would: the first QR code on the paper, decoded from pixels.
func receiptQR(t *testing.T, doc receipt.Doc) string {
	t.Helper()
	img := receipt.RenderPNG(doc, receipt.Width80mm)
	for _, p := range receipt.Layout(doc, receipt.Width80mm) {
		if _, ok := p.Item.(receipt.QR); !ok || p.Err != nil {
			continue
		}
		crop := img.(interface {
			SubImage(image.Rectangle) image.Image
		}).SubImage(p.Code)
		bmp, err := gozxing.NewBinaryBitmapFromImage(crop)
		if err != nil {
			t.Fatal(err)
		}
		res, err := gzqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
		if err != nil {
			t.Fatalf("decode the receipt's QR code: %v", err)
		}
		return res.GetText()
	}
	t.Fatal("the receipt has no QR code")
	return ""
}

// TestE2ETrackingPageFromAReceipt: a resident files a form on a kiosk, takes the receipt,
// the kiosk pushes the submission to a real `serve` over the sync protocol, the resident
// scans the receipt's QR code and opens it on a phone; the office sets a status with
// `infomat-portal status set` and the page shows it.
func TestE2ETrackingPageFromAReceipt(t *testing.T) {
	ctx := t.Context()
	data := t.TempDir()
	b, err := content.Load(assets.DefaultContent())
	if err != nil {
		t.Fatal(err)
	}
	portalURL, err := url.Parse(b.Municipality.Portal)
	if err != nil || portalURL.Host == "" {
		t.Fatalf("the sample's portal address %q", b.Municipality.Portal)
	}
	certFile, keyFile, pool := selfSigned(t, t.TempDir(), portalURL.Hostname())

	sctx, stop := context.WithCancel(ctx)
	ready, done := make(chan string, 1), make(chan int, 1)
	var logs bytes.Buffer
	go func() {
		done <- serveCmd(sctx, []string{"--data", data, "--addr", "127.0.0.1:0", "--cert", certFile, "--key", keyFile}, io.Discard, &logs, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case code := <-done:
		t.Fatalf("serve exited %d: %s", code, logs.String())
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start")
	}
	defer func() {
		stop()
		if code := <-done; code != 0 {
			t.Errorf("serve exit %d", code)
		}
	}()

	// The municipality publishes its content and enrols a kiosk (through the admin socket).
	if code, _, errOut := runCmd(t, "publish", "--new-municipality", "--data", data, "--municipality", "przykladowa", "../../assets/content"); code != 0 {
		t.Fatalf("publish: %s", errOut)
	}
	code, out, errOut := runCmd(t, "token", "create", "--plain", "--new-municipality", "--data", data, "--municipality", "przykladowa")
	if code != 0 {
		t.Fatalf("token create: %s", errOut)
	}
	creds, err := client.Enroll(ctx, "https://"+addr, strings.TrimSpace(out), certFile)
	if err != nil {
		t.Fatal(err)
	}

	// The resident files a form on the kiosk and gets the receipt, as the kiosk makes them.
	kst, _, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer kst.Close()
	ob, err := outbox.Open(kst.Bolt())
	if err != nil {
		t.Fatal(err)
	}
	p, _ := b.Procedure("zameldowanie-pobyt-staly")
	sub := &kiosk.Submitter{Outbox: ob, Content: b, Demo: true, Log: slog.New(slog.DiscardHandler)}
	ref, at, err := sub.Submit(ctx, p, content.Answers{"imie": "Zażółć", "nazwisko": "Gęślą", "pesel": "44051401359",
		"adres": "ul. Polna 5", "kod": "99-150", "data_przeprowadzki": "01.11.2026", "tytul": "najem"})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := l10n.New(assets.Translations())
	if err != nil {
		t.Fatal(err)
	}
	doc := receipt.Submission(receipt.SubmissionInfo{
		Municipality: b.Municipality.Name, Procedure: p.Title, Ref: ref, Created: at,
		NextSteps: p.Form.NextSteps, TrackURL: app.TrackURL(b.Municipality.Portal, ref),
	}, tr.T)
	scanned := receiptQR(t, doc)
	if scanned != b.Municipality.Portal+"/sprawdz/"+ref {
		t.Fatalf("the receipt's QR code says %q", scanned)
	}

	// The phone resolves the portal's name to this portal and checks its certificate.
	phone := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
	open := func(u string) (int, string) {
		t.Helper()
		resp, err := phone.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		page := regexp.MustCompile(`(?s)<style>.*?</style>|<[^>]*>`).ReplaceAllString(string(body), " ")
		return resp.StatusCode, strings.Join(strings.Fields(html.UnescapeString(page)), " ")
	}

	// Before the kiosk has sent it, the page says so.
	if code, page := open(scanned); code != http.StatusNotFound || !strings.Contains(page, "gdy infomat prześle go do urzędu") {
		t.Fatalf("before the push: %d %s", code, page)
	}
	c, err := client.New(creds)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if sent, err := c.Push(ctx, ob, nil); err != nil || sent != 1 {
		t.Fatalf("push: %d, %v", sent, err)
	}

	code, page := open(scanned)
	day := at.In(portal.DefaultLocation()).Format("2") // the page shows the day in words, in Warsaw
	for _, want := range []string{"Gmina Przykładowa", "Status Twojej sprawy", "Numer sprawy: " + ref,
		"Sprawa " + p.Title, "Data złożenia " + day + " ", "Status Przyjęty"} {
		if code != http.StatusOK || !strings.Contains(page, want) {
			t.Fatalf("after the push: %d, page lacks %q:\n%s", code, want, page)
		}
	}
	if strings.Contains(page, "Zażółć") || strings.Contains(page, "44051401359") {
		t.Fatal("the page shows personal data")
	}

	// The office settles it with the operator's command, through the running portal.
	note := "Zameldowanie przyjęte.\nZaświadczenie odbierzesz w pokoju 12."
	if code, out, errOut := runCmd(t, "status", "set", "--data", data, strings.ToLower(ref), "załatwiony", "--note", note); code != 0 ||
		!strings.Contains(out, "status:") || !strings.Contains(out, "załatwiony (cli)") {
		t.Fatalf("status set: %d\n%s%s", code, out, errOut)
	}
	if code, page := open(scanned); code != http.StatusOK || !strings.Contains(page, "Status Załatwiony") ||
		!strings.Contains(page, "Informacja z urzędu Zameldowanie przyjęte. Zaświadczenie odbierzesz w pokoju 12.") {
		t.Fatalf("after status set: %d %s", code, page)
	}
	if code, page := open(scanned + "?lang=uk"); code != http.StatusOK || !strings.Contains(page, "Статус Вирішено") {
		t.Fatalf("in Ukrainian: %d %s", code, page)
	}
	if code, out, _ := runCmd(t, "status", "show", ref, "--data", data); code != 0 ||
		!strings.Contains(out, "przyjęty") || !strings.Contains(out, "załatwiony (cli)") || !strings.Contains(out, "pokoju 12") {
		t.Fatalf("status show: %d\n%s", code, out)
	}
	// The same reference asked of a host that is not this municipality's finds nothing.
	resp, err := phone.Get("https://127.0.0.1/sprawdz/" + ref)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("by IP address: %d", resp.StatusCode)
	}
}
