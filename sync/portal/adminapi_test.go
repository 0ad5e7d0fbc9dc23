package portal

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"infomat/content"
	"infomat/sync/protocol"
)

// adminFixture serves the admin API of a fixture's store on DIR/admin.sock.
func adminFixture(t *testing.T, f *fixture) (dir string, c *AdminClient) {
	t.Helper()
	dir = filepath.Dir(f.st.Path())
	ln, err := ListenAdmin(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: NewAdminHandler(f.st, AdminOptions{Log: slog.New(slog.NewTextHandler(f.logs, nil)), Now: f.clock.Now})}
	done := make(chan struct{})
	go func() { _ = srv.Serve(ln); close(done) }()
	t.Cleanup(func() { _ = srv.Close(); <-done })
	c, err = DialAdmin(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return dir, c
}

func TestAdminSocketFile(t *testing.T) {
	dir := t.TempDir()
	// A socket left behind by a portal that crashed is replaced.
	stale, err := net.Listen("unix", AdminSocketPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close()
	if _, err := DialAdmin(t.Context(), dir); err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("stale socket: %v", err)
	}
	ln, err := ListenAdmin(dir)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(AdminSocketPath(dir))
	if err != nil || fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket file: %v %v", fi.Mode(), err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("left in the data directory: %v", ents)
	}
	go func() { _ = http.Serve(ln, NewAdminHandler(nil, AdminOptions{})) }()
	c, err := DialAdmin(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	ln.Close()
	if _, err := os.Lstat(AdminSocketPath(dir)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("socket not removed on close: %v", err)
	}
	if _, err := DialAdmin(t.Context(), dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("no socket: %v", err)
	}
}

func TestAdminOperations(t *testing.T) {
	f := newFixture(t)
	_, c := adminFixture(t, f)
	ctx := t.Context()

	toks, exp, err := c.CreateTokens(ctx, "przykladowa", TokenOptions{TTL: time.Hour, Count: 3, NewMunicipality: true})
	if err != nil || len(toks) != 3 || !exp.Equal(f.clock.Now().Add(time.Hour)) {
		t.Fatalf("tokens: %v %v %v", toks, exp, err)
	}
	if _, _, err := c.CreateTokens(ctx, "Zła Gmina", TokenOptions{TTL: time.Hour, Count: 1}); err == nil || err.Error() != ErrBadMunicipal.Error() {
		t.Fatalf("bad municipality: %v", err)
	}
	// A mistyped municipality is refused, not created, and the message names the right one.
	if got, _, err := c.CreateTokens(ctx, "przykladwa", TokenOptions{TTL: time.Hour, Count: 1}); err == nil || len(got) != 0 ||
		!strings.Contains(err.Error(), `gminy "przykladwa" nie ma w portalu (czy chodziło o "przykladowa"?)`) || !strings.Contains(err.Error(), "--new-municipality") {
		t.Fatalf("unknown municipality: %v %v", got, err)
	}
	if _, err := c.PublicKey(ctx, "przykladwa", false); err == nil {
		t.Fatal("key show made an unknown municipality")
	}
	if ms, _ := f.st.KeyMunicipalities(ctx); strings.Contains(strings.Join(ms, ","), "przykladwa") {
		t.Fatalf("the typo has a key: %v", ms)
	}
	key, err := c.PublicKey(ctx, "przykladowa", false)
	priv, _ := f.st.SigningKey(ctx, "przykladowa")
	if err != nil || key != PublicKeyString(priv) {
		t.Fatalf("key: %q %v", key, err)
	}
	body, _ := json.Marshal(protocol.EnrollRequest{Token: toks[0], Hostname: "kiosk1"})
	if resp, data := f.do(http.MethodPost, protocol.PathEnroll, "", body, nil); resp.StatusCode != 200 {
		t.Fatalf("a token from the admin API does not enrol: %d %s", resp.StatusCode, data)
	}

	// Publish: the same validation as on the folder, the same problems.
	dir := copyContent(t)
	card := filepath.Join(dir, "procedury", "zameldowanie-pobyt-staly.yaml")
	orig, _ := os.ReadFile(card)
	_ = os.WriteFile(card, bytes.Replace(orig, []byte("kategoria: meldunek"), []byte("kategoria: brak"), 1), 0o644)
	_, want := content.Load(os.DirFS(dir))
	_, err = c.Publish(ctx, "przykladowa", os.DirFS(dir), PublishOptions{})
	var ps content.Problems
	if !errors.As(err, &ps) || want == nil || err.Error() != want.Error() {
		t.Fatalf("broken bundle over the socket: %v\nwant %v", err, want)
	}
	_ = os.WriteFile(card, orig, 0o644)
	// An empty folder stays in the bundle (as a directory of os.DirFS would).
	_ = os.MkdirAll(filepath.Join(dir, "pusty"), 0o755)
	res, err := c.Publish(ctx, "przykladowa", os.DirFS(dir), PublishOptions{Label: "marzec", Expires: 48 * time.Hour})
	if err != nil || res.Version != 1 || res.Label != "marzec" || res.PublicKey != key || !res.Expires.Equal(f.clock.Now().Add(48*time.Hour)) {
		t.Fatalf("publish: %+v %v", res, err)
	}
	// The same bundle published directly stores no new blobs: the socket sent the same bytes.
	direct, err := Publish(ctx, f.st, "przykladowa", os.DirFS(dir), PublishOptions{})
	if err != nil || direct.Version != 2 || direct.NewBlobs != 0 || direct.Files != res.Files || direct.Label != mustVersion(t, os.DirFS(dir)) {
		t.Fatalf("direct republish: %+v %v", direct, err)
	}

	// Export: decrypted on the portal, marked only when the client confirms.
	cr := f.enroll("przykladowa")
	id, _ := age.GenerateX25519Identity()
	keyFile := []byte("# public key: " + id.Recipient().String() + "\n" + id.String() + "\n")
	sub := protocol.Submission{ID: newID(), Ref: testRef(t, 1), Procedure: "zameldowanie", Created: f.clock.Now(),
		Ciphertext: encrypt(t, id.Recipient(), []byte(`{"procedure":"zameldowanie"}`))}
	if resp, data := putSub(f, cr, sub); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, data)
	}
	wrong, _ := age.GenerateX25519Identity()
	var out bytes.Buffer
	if _, err := c.Export(ctx, "przykladowa", []byte(wrong.String()), false, &out); err == nil || !strings.Contains(err.Error(), "do not decrypt") || out.Len() != 0 {
		t.Fatalf("wrong identity: %v %q", err, out.String())
	}
	if _, err := c.Export(ctx, "przykladowa", []byte("nonsense"), false, &out); err == nil || !strings.Contains(err.Error(), "read age identity") {
		t.Fatalf("bad identity file: %v", err)
	}
	// The output cannot be written: nothing is marked.
	if _, err := c.Export(ctx, "przykladowa", keyFile, false, &failingWriter{}); err == nil {
		t.Fatal("export to a failing writer succeeded")
	}
	// The client asks for the export and goes away without confirming: nothing is marked.
	raw, _ := json.Marshal(exportRequest{Municipality: "przykladowa", Identity: string(keyFile)})
	var half exportResponse
	if err := c.do(ctx, http.MethodPost, "export", nil, "", json.RawMessage(raw), &half); err != nil || half.Count != 1 {
		t.Fatalf("export step 1: %+v %v", half, err)
	}
	if recs, _ := f.st.Submissions(ctx, "przykladowa", false); len(recs) != 1 {
		t.Fatalf("marked before the client confirmed: %d pending", len(recs))
	}
	// The bytes are exactly what Export writes.
	ids, _ := ParseIdentities(bytes.NewReader(keyFile))
	var directOut bytes.Buffer
	if _, err := Export(ctx, &deferMark{SubmissionStore: f.st}, "przykladowa", ids, false, &directOut, f.clock.Now()); err != nil || !bytes.Equal(directOut.Bytes(), half.Export) {
		t.Fatalf("export bytes differ: %v\n%s\n%s", err, directOut.Bytes(), half.Export)
	}
	xres, err := c.Export(ctx, "przykladowa", keyFile, false, &out)
	n := xres.Count
	if err != nil || n != 1 || !bytes.Equal(out.Bytes(), directOut.Bytes()) {
		t.Fatalf("export: %d %v %s", n, err, out.String())
	}
	out.Reset()
	if res, err := c.Export(ctx, "przykladowa", keyFile, false, &out); err != nil || res.Count != 0 || strings.TrimSpace(out.String()) != "[]" {
		t.Fatalf("second export: %d %v %s", res.Count, err, out.String())
	}
	out.Reset()
	if res, err := c.Export(ctx, "przykladowa", keyFile, true, &out); err != nil || res.Count != 1 {
		t.Fatalf("export --all: %d %v %s", n, err, out.String())
	}

	// Devices, fleet, revocation.
	devs, err := c.Devices(ctx)
	if err != nil || len(devs) != 2 || devs[0].SecretHash != nil {
		t.Fatalf("devices: %+v %v", devs, err)
	}
	at := f.clock.Now().Add(time.Hour)
	rows, err := c.Fleet(ctx, "przykladowa", at)
	directRows, _ := Fleet(ctx, f.st, "przykladowa", at)
	a, _ := json.Marshal(rows)
	b, _ := json.Marshal(directRows)
	if err != nil || len(rows) != 2 || !bytes.Equal(a, b) {
		t.Fatalf("fleet: %v\n%s\n%s", err, a, b)
	}
	if err := c.Revoke(ctx, cr.DeviceID); err != nil {
		t.Fatal(err)
	}
	if err := c.Revoke(ctx, "k-nope"); err == nil || !strings.Contains(err.Error(), `device "k-nope": not found`) {
		t.Fatalf("revoke unknown: %v", err)
	}
	resp, data := f.do(http.MethodGet, protocol.PathManifest, cr.auth(), nil, nil)
	wantErr(t, resp, data, http.StatusForbidden, protocol.CodeRevoked)
}

func TestAdminBundleTarChecked(t *testing.T) {
	f := newFixture(t)
	_, c := adminFixture(t, f)
	for name, body := range map[string][]byte{
		"not a tar": []byte("hello"),
		"escape":    tarOf(t, "../etc/passwd", "x"),
		"absolute":  tarOf(t, "/etc/passwd", "x"),
		"twice":     tarOf(t, "a.yaml", "x", "a.yaml", "y"),
	} {
		var out PublishResult
		err := c.do(t.Context(), http.MethodPost, "publish", map[string][]string{"municipality": {"przykladowa"}}, "application/x-tar", body, &out)
		if err == nil || !strings.Contains(err.Error(), "read bundle") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := f.st.LatestManifest(t.Context(), "przykladowa"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("something was published: %v", err)
	}
}

func tarOf(t *testing.T, nameData ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for i := 0; i < len(nameData); i += 2 {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: nameData[i], Mode: 0o644, Size: int64(len(nameData[i+1]))}); err != nil {
			t.Fatal(err)
		}
		_, _ = tw.Write([]byte(nameData[i+1]))
	}
	_ = tw.Close()
	return buf.Bytes()
}

var _ io.Writer = (*failingWriter)(nil)

func TestAdminUnknownEndpoint(t *testing.T) {
	f := newFixture(t)
	_, c := adminFixture(t, f)
	var out struct{}
	err := c.do(context.Background(), http.MethodGet, "nope", nil, "", nil, &out)
	var re *remoteError
	if !errors.As(err, &re) || re.status != http.StatusNotFound {
		t.Fatalf("unknown endpoint: %v", err)
	}
}

func mustVersion(t *testing.T, fsys fs.FS) string {
	t.Helper()
	v, err := content.Version(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
