package portal

import (
	"archive/tar"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"infomat/content"
	"infomat/sync/protocol"
)

// secretLink adds a symlink to a secret file outside the bundle, as a red-team run did with
// /etc/shadow and the live portal.db.
func secretLink(t *testing.T, dir string) {
	t.Helper()
	secret := filepath.Join(t.TempDir(), "shadow")
	if err := os.WriteFile(secret, []byte("root:$6$tajne-haslo"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(dir, "pliki", "shadow.txt")); err != nil {
		t.Fatal(err)
	}
}

// noSecretStored fails if any published manifest exists or the secret's bytes are a blob.
func noSecretStored(t *testing.T, f *fixture) {
	t.Helper()
	if _, err := f.st.LatestManifest(f.ctx, "przykladowa"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a manifest was stored: %v", err)
	}
	raw, _ := os.ReadFile(f.st.Path())
	if bytes.Contains(raw, []byte("tajne-haslo")) {
		t.Fatal("the symlink's target was stored as a blob")
	}
}

func TestPublishRefusesSymlink(t *testing.T) {
	f := newFixture(t)
	dir := copyContent(t)
	secretLink(t, dir)
	_, err := Publish(f.ctx, f.st, "przykladowa", os.DirFS(dir), PublishOptions{Now: f.clock.Now()})
	var ps content.Problems
	if !errors.As(err, &ps) || !strings.Contains(err.Error(), "pliki/shadow.txt: dowiązanie symboliczne") {
		t.Fatalf("publish with a symlink: %v", err)
	}
	noSecretStored(t, f)
}

func TestAdminPublishRefusesSymlink(t *testing.T) {
	f := newFixture(t)
	_, c := adminFixture(t, f)
	dir := copyContent(t)
	secretLink(t, dir)
	_, err := c.Publish(t.Context(), "przykladowa", os.DirFS(dir), PublishOptions{})
	if err == nil || !strings.Contains(err.Error(), "pliki/shadow.txt: dowiązanie symboliczne") {
		t.Fatalf("admin publish with a symlink: %v", err)
	}
	noSecretStored(t, f)

	// A tar made by another tool with a symlink entry is refused by the portal too.
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	_ = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: "pliki/shadow.txt", Linkname: "/etc/shadow"})
	_ = tw.Close()
	var out PublishResult
	err = c.do(t.Context(), http.MethodPost, "publish", map[string][]string{"municipality": {"przykladowa"}}, "application/x-tar", buf.Bytes(), &out)
	if err == nil || !strings.Contains(err.Error(), "only regular files and directories") {
		t.Fatalf("tar with a symlink entry: %v", err)
	}
}

func TestPublishSizeLimitsGoInTheManifest(t *testing.T) {
	f := newFixture(t)
	dir := copyContent(t)
	big := filepath.Join(dir, "pliki", "duzy.pdf")
	if err := os.WriteFile(big, make([]byte, 3<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	// Over the limit the municipality chose: refused before anything is stored.
	_, err := Publish(f.ctx, f.st, "przykladowa", os.DirFS(dir), PublishOptions{Now: f.clock.Now(), Limits: content.Limits{Attachment: 2 << 20}})
	if err == nil || !strings.Contains(err.Error(), "pliki/duzy.pdf: plik ma 3 MiB, a załącznik może mieć najwyżej 2 MiB") {
		t.Fatalf("over the limit: %v", err)
	}
	if _, err := f.st.LatestManifest(f.ctx, "przykladowa"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a manifest was stored: %v", err)
	}

	// Raised: published, and the signed manifest carries the limits for the kiosks.
	raised := content.Limits{Attachment: 4 << 20}
	if _, err := Publish(f.ctx, f.st, "przykladowa", os.DirFS(dir), PublishOptions{Now: f.clock.Now(), Limits: raised}); err != nil {
		t.Fatal(err)
	}
	if got := latestLimits(t, f); got != raised.Effective() {
		t.Fatalf("manifest limits %+v, want %+v", got, raised.Effective())
	}
	// The next publish without limits keeps the municipality's setting.
	if _, err := Publish(f.ctx, f.st, "przykladowa", os.DirFS(dir), PublishOptions{Now: f.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if got := latestLimits(t, f); got != raised.Effective() {
		t.Fatalf("republished limits %+v, want %+v", got, raised.Effective())
	}
	// Renewing before expiry signs the same manifest again: the limits stay with it.
	if r, err := RenewManifests(f.ctx, f.st, f.clock.Now().Add(365*24*time.Hour)); err != nil || len(r) != 1 {
		t.Fatalf("renew: %+v %v", r, err)
	}
	if got := latestLimits(t, f); got != raised.Effective() {
		t.Fatalf("renewed limits %+v, want %+v", got, raised.Effective())
	}
}

func latestLimits(t *testing.T, f *fixture) content.Limits {
	t.Helper()
	p, err := f.st.LatestManifest(f.ctx, "przykladowa")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(p.Signed.Payload)
	var m protocol.Manifest
	if err := json.Unmarshal(raw, &m); err != nil || m.Limits == nil {
		t.Fatalf("manifest %s: %v", raw, err)
	}
	return content.Limits(*m.Limits)
}
