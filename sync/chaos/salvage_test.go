package chaos

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	kioskpkg "infomat/kiosk"
	"infomat/outbox"
	"infomat/store"
	"infomat/sync/client"
)

// TestSalvageCorruptStore: 10 submissions queued on a provisioned kiosk, the store file
// damaged, the kiosk restarted. store.Open moves the file aside; the salvage copies the
// queued submissions into the fresh store, and a push delivers all 10 to a real portal,
// each once. Salvaging again (another restart) changes nothing.
func TestSalvageCorruptStore(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, path string, ids [][]byte)
		scan   bool // bbolt cannot open the file: the page scan must find them
	}{
		{name: "freelist page zeroed", damage: zeroFreelist},
		{name: "pages in the middle zeroed", damage: zeroMiddlePages},
		{name: "both meta pages zeroed", damage: zeroMetaPages, scan: true},
		{name: "garbage over the middle", damage: garbageMiddle},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testSalvage(t, tc.damage, tc.scan, tc.name == "freelist page zeroed")
		})
	}
}

func testSalvage(t *testing.T, damage func(*testing.T, string, [][]byte), scan, content bool) {
	const total = 10
	ctx := context.Background()
	pe := newPortal(t)
	dir := t.TempDir()
	k := openKiosk(t, dir)
	c, err := client.New(pe.enroll(t, pe.srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// A provisioned kiosk: content installed from the portal.
	pe.publish(t, embedded(t))
	if _, _, err := c.Pull(ctx, k.st, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	id := newIdentity(t)
	want := map[string]string{} // ID → ref
	var rawIDs [][]byte
	for i := range total {
		plain := fmt.Appendf(nil, `{"nazwisko":"Kowalski-%02d"}`, i)
		it, err := k.ob.Enqueue(ctx, outbox.Meta{Procedure: "zameldowanie-pobyt-staly", Office: "ug"}, "PRZ", plain, id.Recipient())
		if err != nil {
			t.Fatal(err)
		}
		want[it.ID] = it.Ref
		raw, _ := hex.DecodeString(it.ID)
		rawIDs = append(rawIDs, raw)
	}
	if err := k.st.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, store.FileName)
	damage(t, path, rawIDs)

	// Restart.
	st, rec, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if rec == nil {
		t.Fatal("the damage was not detected: the store was not moved aside")
	}
	ob, err := outbox.Open(st.Bolt())
	if err != nil {
		t.Fatal(err)
	}
	tot, err := kioskpkg.SalvageAside(ctx, dir, st, ob, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tot.Salvaged != total || tot.Unrecoverable != 0 {
		t.Fatalf("salvaged %d, unrecoverable %d; want %d, 0", tot.Salvaged, tot.Unrecoverable, total)
	}
	// Again, as on the next start: nothing doubles.
	if tot, err = kioskpkg.SalvageAside(ctx, dir, st, ob, nil); err != nil || tot.Salvaged != total {
		t.Fatalf("second salvage: %+v, %v", tot, err)
	}
	s, _ := ob.Stats()
	if s.Queued != total {
		t.Fatalf("queued after salvaging twice: %d, want %d", s.Queued, total)
	}
	if content {
		// The content of the provisioned kiosk came along, hash-checked.
		if v, _ := st.PortalVersion(); v == 0 {
			t.Error("portal version not salvaged")
		}
		if _, _, err := st.ActiveContent(); err != nil {
			t.Errorf("active content not salvaged: %v", err)
		}
	}

	pushUntilEmpty(t, c, ob)
	recs, err := pe.st.Submissions(ctx, muni, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != total {
		t.Fatalf("portal holds %d submissions, want %d", len(recs), total)
	}
	for _, r := range recs {
		if want[r.ID] != r.Ref {
			t.Errorf("portal holds %s as %q, want %q", r.ID, r.Ref, want[r.ID])
		}
		delete(want, r.ID)
	}
	if len(want) != 0 {
		t.Errorf("not delivered: %v", want)
	}

	// The new store fails too. Its successor must not salvage the first aside file again
	// (its submissions were delivered), nor the delivered ones from the second.
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	zeroMetaPages(t, path, nil)
	st3, rec, err := store.Open(ctx, dir)
	if err != nil || rec == nil {
		t.Fatalf("second corruption: %v, %v", rec, err)
	}
	defer st3.Close()
	ob3, err := outbox.Open(st3.Bolt())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kioskpkg.SalvageAside(ctx, dir, st3, ob3, nil); err != nil {
		t.Fatal(err)
	}
	if s, _ := ob3.Stats(); s.Queued != 0 {
		t.Fatalf("after the second corruption %d delivered submissions are queued again", s.Queued)
	}
}

// TestSalvageCountsUnrecoverable: the pages holding some submissions' ciphertext are
// destroyed; the rest are delivered and the lost ones counted, never silently dropped.
func TestSalvageCountsUnrecoverable(t *testing.T) {
	const total = 10
	ctx := context.Background()
	dir := t.TempDir()
	k := openKiosk(t, dir)
	id := newIdentity(t)
	var items []outbox.Item
	for i := range total {
		it, err := k.ob.Enqueue(ctx, outbox.Meta{Procedure: "p"}, "PRZ", fmt.Appendf(nil, "answers %d", i), id.Recipient())
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, it)
	}
	_ = k.st.Close()
	path := filepath.Join(dir, store.FileName)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Zero the page that holds the 5th submission's ciphertext.
	at := bytes.Index(data, items[4].Ciphertext)
	if at < 0 {
		t.Fatal("ciphertext not found in the file")
	}
	const page = 4096
	start := at / page * page
	lost := 0
	for _, it := range items {
		if i := bytes.Index(data, it.Ciphertext); i >= start && i < start+page {
			lost++
		}
	}
	clear(data[start+16 : start+page]) // keep the page header: a leaf page with garbage
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	st, rec, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if rec == nil {
		t.Fatal("damage not detected")
	}
	ob, err := outbox.Open(st.Bolt())
	if err != nil {
		t.Fatal(err)
	}
	tot, err := kioskpkg.SalvageAside(ctx, dir, st, ob, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tot.Salvaged != total-lost || tot.Unrecoverable != lost {
		t.Fatalf("salvaged %d, unrecoverable %d; want %d, %d", tot.Salvaged, tot.Unrecoverable, total-lost, lost)
	}
	if s, _ := ob.Stats(); s.Queued != total-lost {
		t.Fatalf("queued %d, want %d", s.Queued, total-lost)
	}
}

// zeroMiddlePages zeroes three pages in the middle of the file that hold none of the
// submissions' IDs (content blobs, freelist, branch pages).
func zeroMiddlePages(t *testing.T, path string, ids [][]byte) {
	t.Helper()
	editFile(t, path, func(data []byte) {
		const page = 4096
		n := 0
		for p := len(data) / page / 2; p*page < len(data) && n < 3; p++ {
			pg := data[p*page : (p+1)*page]
			if holdsAny(pg, ids) {
				continue
			}
			clear(pg)
			n++
		}
		if n < 3 {
			t.Fatalf("only %d pages to damage", n)
		}
	})
}

// garbageMiddle overwrites 8 KiB in the middle of the file with a fixed pattern, whatever
// it holds: records destroyed there are found again in the pages the scan reads.
func garbageMiddle(t *testing.T, path string, ids [][]byte) {
	t.Helper()
	editFile(t, path, func(data []byte) {
		mid := len(data) / 2 / 4096 * 4096
		for i := mid; i < mid+8192 && i < len(data); i++ {
			data[i] = byte(i*7 + 3)
		}
		if holdsAny(data[mid:mid+8192], ids) {
			t.Log("the garbage hit outbox data")
		}
	})
}

// zeroFreelist zeroes the freelist page the newer meta page names: all data is intact.
func zeroFreelist(t *testing.T, path string, _ [][]byte) {
	t.Helper()
	editFile(t, path, func(data []byte) {
		// meta: 16-byte page header, magic, version, page size, flags (4 bytes each),
		// root bucket (16), freelist pgid (8), high-water pgid (8), txid (8).
		meta := func(p int) (free, txid uint64) {
			m := data[p*4096+16:]
			return binary.LittleEndian.Uint64(m[32:]), binary.LittleEndian.Uint64(m[48:])
		}
		f0, t0 := meta(0)
		f1, t1 := meta(1)
		free := f0
		if t1 > t0 {
			free = f1
		}
		clear(data[free*4096 : (free+1)*4096])
	})
}

func zeroMetaPages(t *testing.T, path string, _ [][]byte) {
	t.Helper()
	editFile(t, path, func(data []byte) { clear(data[:2*4096]) })
}

func holdsAny(b []byte, ids [][]byte) bool {
	for _, id := range ids {
		if bytes.Contains(b, id) {
			return true
		}
	}
	return false
}

func editFile(t *testing.T, path string, fn func([]byte)) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fn(data)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestSalvageInlineBuckets: with only a couple of submissions the outbox's nested buckets
// are small enough for bbolt to store inline in their parent's page. With both meta pages
// gone bbolt cannot open the file, and the page scan must find them there too.
func TestSalvageInlineBuckets(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	k := openKiosk(t, dir)
	id := newIdentity(t)
	for i := range 2 {
		if _, err := k.ob.Enqueue(ctx, outbox.Meta{Procedure: "p"}, "PRZ", fmt.Appendf(nil, "a%d", i), id.Recipient()); err != nil {
			t.Fatal(err)
		}
	}
	_ = k.st.Close()
	zeroMetaPages(t, filepath.Join(dir, store.FileName), nil)
	st, rec, err := store.Open(ctx, dir)
	if err != nil || rec == nil {
		t.Fatalf("damage: %v, %v", rec, err)
	}
	defer st.Close()
	ob, err := outbox.Open(st.Bolt())
	if err != nil {
		t.Fatal(err)
	}
	tot, err := kioskpkg.SalvageAside(ctx, dir, st, ob, nil)
	if err != nil || tot.Salvaged != 2 || tot.Unrecoverable != 0 {
		t.Fatalf("salvage: %+v, %v", tot, err)
	}
}
