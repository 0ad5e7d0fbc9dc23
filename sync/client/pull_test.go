package client

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand"
	"strings"
	"testing"
	"time"

	"infomat/content"
	"infomat/store"
	"infomat/sync/protocol"
)

const card = "procedury/zameldowanie-pobyt-staly.yaml"

func uniqueBlobs(files map[string][]byte) (n int, size int64) {
	seen := map[string]bool{}
	for _, data := range files {
		if !seen[string(data)] {
			seen[string(data)] = true
			n++
			size += int64(len(data))
		}
	}
	return n, size
}

// active returns what the kiosk would show: the store's bundle, validated.
func active(t *testing.T, st *store.Store) (*content.Bundle, store.ContentInfo, uint64) {
	t.Helper()
	fsys, info, err := st.ActiveContent()
	if err != nil {
		t.Fatalf("active content: %v", err)
	}
	b, err := content.Load(fsys)
	if err != nil {
		t.Fatalf("active content invalid: %v", err)
	}
	v, err := st.PortalVersion()
	if err != nil {
		t.Fatal(err)
	}
	return b, info, v
}

func TestPullFreshSameAndOneFileChanged(t *testing.T) {
	p := newPortal(t)
	k := newKiosk(t)
	c := p.client(t)
	ctx := context.Background()

	updated, v, err := c.Pull(ctx, k.st, time.Now(), nil)
	if err != nil || updated || v != 0 {
		t.Fatalf("pull with nothing published = %v, %d, %v", updated, v, err)
	}

	files := embedded(t)
	p.publish(t, 1, files, nil)
	updated, v, err = c.Pull(ctx, k.st, time.Now(), nil)
	if err != nil || !updated || v != 1 {
		t.Fatalf("fresh pull = %v, %d, %v", updated, v, err)
	}
	wantN, wantBytes := uniqueBlobs(files)
	if n, bytes, _ := p.traffic(); n != wantN || bytes != wantBytes {
		t.Errorf("fresh pull downloaded %d blobs, %d bytes; want %d, %d", n, bytes, wantN, wantBytes)
	}
	b, info, pv := active(t, k.st)
	if pv != 1 || !strings.HasPrefix(info.Label, "portal v1") || b.Municipality.Name != "Gmina Przykładowa" {
		t.Errorf("active: version %d, label %q, municipality %q", pv, info.Label, b.Municipality.Name)
	}
	if c.Status().ContentVersion != 1 {
		t.Errorf("Status().ContentVersion = %d", c.Status().ContentVersion)
	}

	updated, v, err = c.Pull(ctx, k.st, time.Now(), nil)
	if err != nil || updated || v != 1 {
		t.Fatalf("same manifest again = %v, %d, %v", updated, v, err)
	}
	if n, bytes, mbytes := p.traffic(); n != 0 || bytes != 0 || mbytes != 0 {
		t.Errorf("same manifest downloaded %d blobs, %d bytes, manifest %d bytes (If-None-Match)", n, bytes, mbytes)
	}
	// Without ETag support (a fresh client) the same manifest still downloads no blob.
	if updated, _, err := p.client(t).Pull(ctx, k.st, time.Now(), nil); err != nil || updated {
		t.Fatalf("same manifest, fresh client = %v, %v", updated, err)
	}
	if n, _, mbytes := p.traffic(); n != 0 || mbytes == 0 {
		t.Errorf("fresh client: %d blobs, manifest %d bytes", n, mbytes)
	}

	changed := maps.Clone(files)
	changed[card] = []byte(strings.Replace(string(files[card]), "nazwa: Zameldowanie na pobyt stały", "nazwa: Zameldowanie na pobyt stały (nowe godziny)", 1))
	p.publish(t, 2, changed, nil)
	updated, v, err = c.Pull(ctx, k.st, time.Now(), nil)
	if err != nil || !updated || v != 2 {
		t.Fatalf("one file changed = %v, %d, %v", updated, v, err)
	}
	if n, bytes, _ := p.traffic(); n != 1 || bytes != int64(len(changed[card])) {
		t.Errorf("one file changed: downloaded %d blobs, %d bytes; want 1, %d", n, bytes, len(changed[card]))
	}
	b, _, _ = active(t, k.st)
	found := false
	for _, pr := range b.Procedures {
		found = found || strings.Contains(pr.Title, "nowe godziny")
	}
	if !found {
		t.Error("the changed card is not in the active bundle")
	}
	if n, _, _ := k.st.StagedBlobs(); n != 0 {
		t.Errorf("%d blobs left in staging", n)
	}
}

func TestPullRefusesBadManifests(t *testing.T) {
	p := newPortal(t)
	k := newKiosk(t)
	c := p.client(t)
	ctx := context.Background()
	files := embedded(t)
	p.publish(t, 5, files, nil)
	if _, _, err := c.Pull(ctx, k.st, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	p.traffic()
	before, _ := k.st.ActiveFiles()

	other := maps.Clone(files)
	other["bip/nowa.md"] = []byte("---\ntytul: x\n---\nx")
	_, otherKey, _ := ed25519.GenerateKey(nil)

	cases := []struct {
		name string
		sm   func() protocol.SignedManifest
		want error
	}{
		{"payload byte flipped", func() protocol.SignedManifest {
			sm := p.sign(t, 6, other, nil)
			raw, _ := base64.StdEncoding.DecodeString(sm.Payload)
			raw[len(raw)/2] ^= 1
			sm.Payload = base64.StdEncoding.EncodeToString(raw)
			return sm
		}, protocol.ErrBadSignature},
		{"wrong key", func() protocol.SignedManifest {
			sm := p.sign(t, 6, other, nil)
			var m protocol.Manifest
			raw, _ := base64.StdEncoding.DecodeString(sm.Payload)
			_ = json.Unmarshal(raw, &m)
			forged, _ := protocol.Sign(m, otherKey)
			return forged
		}, protocol.ErrBadSignature},
		{"older version replayed", func() protocol.SignedManifest {
			return p.sign(t, 4, other, nil)
		}, protocol.ErrRollback},
		{"expired", func() protocol.SignedManifest {
			return p.sign(t, 6, other, func(m *protocol.Manifest) { m.Expires = time.Now().Add(-time.Minute) })
		}, protocol.ErrExpired},
		{"other municipality", func() protocol.SignedManifest {
			return p.sign(t, 6, other, func(m *protocol.Manifest) { m.Municipality = "gmina-sasiednia" })
		}, protocol.ErrWrongPlace},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p.serveManifest(t, tc.sm())
			updated, v, err := c.Pull(ctx, k.st, time.Now(), nil)
			if !errors.Is(err, tc.want) || updated || v != 5 {
				t.Fatalf("Pull = %v, %d, %v; want %v", updated, v, err, tc.want)
			}
			if n, _, _ := p.traffic(); n != 0 {
				t.Errorf("%d blobs downloaded for a refused manifest", n)
			}
			if n, _, _ := k.st.StagedBlobs(); n != 0 {
				t.Errorf("%d blobs staged for a refused manifest", n)
			}
			after, _ := k.st.ActiveFiles()
			if !maps.Equal(before, after) {
				t.Error("active content changed")
			}
			if _, _, pv := active(t, k.st); pv != 5 {
				t.Errorf("portal version %d, want 5", pv)
			}
		})
	}
}

func TestPullRefusesTamperedBlob(t *testing.T) {
	p := newPortal(t)
	k := newKiosk(t)
	c := p.client(t)
	ctx := context.Background()
	files := embedded(t)
	p.publish(t, 1, files, nil)
	if _, _, err := c.Pull(ctx, k.st, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	before, _ := k.st.ActiveFiles()
	changed := maps.Clone(files)
	changed[card] = append(changed[card], "\n# zmiana\n"...)
	p.publish(t, 2, changed, nil)
	p.blobFault = func(int, string) string { return "tamper" }
	updated, v, err := c.Pull(ctx, k.st, time.Now(), nil)
	if !errors.Is(err, ErrBadBlob) || updated || v != 1 {
		t.Fatalf("Pull = %v, %d, %v; want ErrBadBlob", updated, v, err)
	}
	if after, _ := k.st.ActiveFiles(); !maps.Equal(before, after) {
		t.Error("active content changed")
	}
	if n, _, _ := k.st.StagedBlobs(); n != 0 {
		t.Errorf("tampered blob staged (%d)", n)
	}
	active(t, k.st)
}

func TestPullResumesAfterInterruption(t *testing.T) {
	p := newPortal(t)
	k := newKiosk(t)
	c := p.client(t)
	ctx := context.Background()
	files := embedded(t)
	total, _ := uniqueBlobs(files)
	const served = 20
	p.publish(t, 1, files, nil)
	p.blobFault = func(n int, _ string) string {
		if n > served {
			return "drop"
		}
		return ""
	}
	if updated, _, err := c.Pull(ctx, k.st, time.Now(), nil); err == nil || updated {
		t.Fatalf("interrupted pull = %v, %v", updated, err)
	}
	if _, _, err := k.st.ActiveContent(); !errors.Is(err, store.ErrNoContent) {
		t.Errorf("content after an interrupted pull: %v", err)
	}
	if n, _, _ := k.st.StagedBlobs(); n != served {
		t.Errorf("%d blobs staged, want %d", n, served)
	}
	p.traffic()
	// Power cut: reopen the store.
	_ = k.st.Close()
	k.open(t)
	p.blobFault = nil
	updated, v, err := c.Pull(ctx, k.st, time.Now(), nil)
	if err != nil || !updated || v != 1 {
		t.Fatalf("resumed pull = %v, %d, %v", updated, v, err)
	}
	if n, _, _ := p.traffic(); n != total-served {
		t.Errorf("resumed pull downloaded %d blobs, want %d", n, total-served)
	}
	active(t, k.st)
}

func TestPullRefusesInvalidBundle(t *testing.T) {
	p := newPortal(t)
	k := newKiosk(t)
	c := p.client(t)
	ctx := context.Background()
	files := embedded(t)
	p.publish(t, 1, files, nil)
	if _, _, err := c.Pull(ctx, k.st, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	before, _ := k.st.ActiveFiles()
	broken := maps.Clone(files)
	delete(broken, content.MunicipalityFile)
	broken[card] = []byte("nazwa: [unterminated\n")
	p.publish(t, 2, broken, nil)
	var lines []string
	updated, v, err := c.Pull(ctx, k.st, time.Now(), func(s string) { lines = append(lines, s) })
	if !errors.Is(err, ErrBadBundle) || updated || v != 1 {
		t.Fatalf("Pull = %v, %d, %v; want ErrBadBundle", updated, v, err)
	}
	if after, _ := k.st.ActiveFiles(); !maps.Equal(before, after) {
		t.Error("active content changed")
	}
	_, _, pv := active(t, k.st)
	if pv != 1 {
		t.Errorf("portal version %d", pv)
	}
	// The same bad bundle again: refused without downloading or validating again.
	p.traffic()
	if _, _, err := c.Pull(ctx, k.st, time.Now(), nil); !errors.Is(err, ErrBadBundle) {
		t.Errorf("second pull: %v", err)
	}
	if n, _, _ := p.traffic(); n != 0 {
		t.Errorf("second pull downloaded %d blobs", n)
	}
	// A fixed bundle gets through.
	p.publish(t, 3, files, nil)
	if updated, v, err := c.Pull(ctx, k.st, time.Now(), nil); err != nil || !updated || v != 3 {
		t.Errorf("fixed bundle = %v, %d, %v", updated, v, err)
	}
}

var words = strings.Fields(`wniosek zaświadczenie decyzja opłata podatek nieruchomość gmina urząd
mieszkaniec dowód osobisty meldunek pobyt stały czasowy akt urodzenia małżeństwa zgonu odpis
deklaracja odpady komunalne harmonogram zezwolenie budowa działka numer porządkowy drzewo`)

// bigBundle is the embedded bundle grown to 5,000 procedure cards, as content/bench_test.go
// grows it.
func bigBundle(t *testing.T) map[string][]byte {
	files := embedded(t)
	tmpl := string(files[card])
	r := rand.New(rand.NewSource(1))
	for i := range 5000 {
		w := make([]string, 5)
		for j := range w {
			w[j] = words[r.Intn(len(words))]
		}
		c := strings.Replace(tmpl, "nazwa: Zameldowanie na pobyt stały", "nazwa: "+strings.Join(w, " "), 1)
		c = strings.Replace(c, "symbol: SO-1", fmt.Sprintf("symbol: GEN-%d", i), 1)
		files[fmt.Sprintf("procedury/gen-%05d.yaml", i)] = []byte(c)
	}
	return files
}

// TestContentDelta measures what one changed card costs a kiosk with a 5,000-card bundle.
func TestContentDelta(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 5,000-card bundle")
	}
	p := newPortal(t)
	k := newKiosk(t)
	c := p.client(t)
	ctx := context.Background()
	files := bigBundle(t)
	p.publish(t, 1, files, nil)
	if _, _, err := c.Pull(ctx, k.st, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	fullN, fullBytes, fullManifest := p.traffic()

	changed := maps.Clone(files)
	one := "procedury/gen-02500.yaml"
	changed[one] = []byte(strings.Replace(string(files[one]), "symbol: GEN-2500", "symbol: GEN-2500-ZM", 1))
	p.publish(t, 2, changed, nil)
	if updated, _, err := c.Pull(ctx, k.st, time.Now(), nil); err != nil || !updated {
		t.Fatalf("delta pull = %v, %v", updated, err)
	}
	n, bytes, manifest := p.traffic()
	if n != 1 || bytes != int64(len(changed[one])) {
		t.Fatalf("delta pull downloaded %d blobs, %d bytes", n, bytes)
	}
	full := fullBytes + fullManifest
	delta := bytes + manifest
	t.Logf("content delta, one card changed in %d files: blobs %d B + manifest %d B = %d B of a full pull of %d B (%d blobs %d B + manifest %d B): %.2f%% (blobs alone %.4f%%)",
		len(files), bytes, manifest, delta, full, fullN, fullBytes, fullManifest,
		100*float64(delta)/float64(full), 100*float64(bytes)/float64(fullBytes))
}
