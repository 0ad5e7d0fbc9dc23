package client

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"infomat/sync/protocol"
)

// A signed manifest listing a file over the limits is refused before any blob is downloaded:
// the manifest's own limits when it has them, the defaults when not, and never more than the
// kiosk's hard maxima whatever the manifest says. A 60 MB page used to be installed and grow
// the kiosk to 3.6 GB.
func TestPullRefusesOversizedFilesBeforeDownload(t *testing.T) {
	p := newPortal(t)
	k := newKiosk(t)
	c := p.client(t)
	ctx := context.Background()
	files := embedded(t)
	p.publish(t, 1, files, nil)
	if _, _, err := c.Pull(ctx, k.st, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	p.traffic()
	before, _ := k.st.ActiveFiles()

	page := "bip/ogloszenia/duza.md"
	cases := []struct {
		name   string
		size   int
		limits *protocol.Limits
		want   string
	}{
		{"over the default page limit", 3 << 20, nil, page},
		// The limit stays above the sample's own attachments (a few KiB).
		{"over the manifest's attachment limit", 2 << 20, &protocol.Limits{Attachment: 1 << 20}, "pliki/duzy.pdf"},
		{"over the hard page maximum although the manifest allows it", 20 << 20, &protocol.Limits{Page: 1 << 30}, page},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			big := maps.Clone(files)
			big[tc.want] = make([]byte, tc.size)
			p.publish(t, uint64(2+i), big, func(m *protocol.Manifest) { m.Limits = tc.limits })
			updated, v, err := c.Pull(ctx, k.st, time.Now(), nil)
			if !errors.Is(err, ErrBadBundle) || !strings.Contains(err.Error(), tc.want+": plik ma") || updated || v != 1 {
				t.Fatalf("Pull = %v, %d, %v; want ErrBadBundle naming %s", updated, v, err, tc.want)
			}
			if n, _, _ := p.traffic(); n != 0 {
				t.Errorf("%d blobs downloaded for a refused manifest", n)
			}
			if after, _ := k.st.ActiveFiles(); !maps.Equal(before, after) {
				t.Error("active content changed")
			}
		})
	}

	// Within raised limits the same kind of file installs.
	ok := maps.Clone(files)
	ok["pliki/duzy.pdf"] = make([]byte, 3<<20)
	p.publish(t, 9, ok, func(m *protocol.Manifest) { m.Limits = &protocol.Limits{Attachment: 4 << 20} })
	if updated, _, err := c.Pull(ctx, k.st, time.Now(), nil); err != nil || !updated {
		t.Fatalf("within raised limits: %v %v", updated, err)
	}
}

// Manifest paths must be fs.ValidPath-clean: no "..", no leading "/", no empty or "." parts.
func TestPullRefusesUncleanPaths(t *testing.T) {
	p := newPortal(t)
	k := newKiosk(t)
	c := p.client(t)
	ctx := context.Background()
	files := embedded(t)
	for i, bad := range []string{"../etc/passwd", "/etc/shadow", "bip//x.md", "bip/./x.md", "bip/x.md/", "."} {
		t.Run(bad, func(t *testing.T) {
			withBad := maps.Clone(files)
			withBad[bad] = []byte("x")
			p.publish(t, uint64(i+1), withBad, nil)
			updated, _, err := c.Pull(ctx, k.st, time.Now(), nil)
			if !errors.Is(err, ErrBadBundle) || !strings.Contains(err.Error(), "bad path") || updated {
				t.Fatalf("Pull = %v, %v; want ErrBadBundle: bad path", updated, err)
			}
			if n, _, _ := p.traffic(); n != 0 {
				t.Errorf("%d blobs downloaded for a refused manifest", n)
			}
		})
	}
}

// The index shards are downloaded before the file sizes are known, so their total is bounded
// too (a 55,000-file bundle's index is about 8 MB).
func TestPullRefusesOversizedIndex(t *testing.T) {
	p := newPortal(t)
	k := newKiosk(t)
	c := p.client(t)
	sha := func(b byte) string { return strings.Repeat(string("0123456789abcdef"[b]), 64) }
	p.publish(t, 1, embedded(t), func(m *protocol.Manifest) {
		m.Index = []protocol.File{{SHA256: sha(1), Size: 40 << 20}, {SHA256: sha(2), Size: 40 << 20}}
	})
	updated, _, err := c.Pull(context.Background(), k.st, time.Now(), nil)
	if !errors.Is(err, ErrBadBundle) || updated {
		t.Fatalf("Pull = %v, %v; want ErrBadBundle", updated, err)
	}
	if n, _, _ := p.traffic(); n != 0 {
		t.Errorf("%d index shards downloaded", n)
	}
}
