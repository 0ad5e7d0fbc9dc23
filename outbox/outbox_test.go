package outbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"

	"infomat/store"
)

// openTest opens a real store in dir and its outbox; the store is closed at
// the end of the test unless the test closes it first.
func openTest(t testing.TB, dir string) (*store.Store, *Outbox) {
	t.Helper()
	st, rec, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if rec != nil {
		t.Fatalf("unexpected recovery: %v", rec)
	}
	t.Cleanup(func() { _ = st.Close() })
	o, err := Open(st.Bolt())
	if err != nil {
		t.Fatal(err)
	}
	return st, o
}

func newIdentity(t testing.TB) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func decrypt(t testing.TB, ct []byte, id age.Identity) []byte {
	t.Helper()
	r, err := age.Decrypt(bytes.NewReader(ct), id)
	if err != nil {
		t.Fatalf("decrypt: %v", err)
	}
	pt, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decrypt: %v", err)
	}
	return pt
}

// fakeClock is a settable clock for Updated and the default Created.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func TestRoundTrip(t *testing.T) {
	_, o := openTest(t, t.TempDir())
	clock := &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	o.now = clock.now
	ident := newIdentity(t)
	ctx := context.Background()

	var items []Item
	for i := range 5 {
		answers := []byte(fmt.Sprintf(`{"n":%d,"imie":"Zażółć"}`, i))
		meta := Meta{Procedure: "dowod-osobisty", Office: "UM Przykładowo", ContentVersion: "2026.03.01"}
		if i == 3 {
			// An explicit Created earlier than the others: order is still
			// enqueue order, Oldest is the earliest Created.
			meta.Created = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		}
		it, err := o.Enqueue(ctx, meta, "prz", answers, ident.Recipient())
		if err != nil {
			t.Fatal(err)
		}
		if len(it.ID) != 32 || strings.ToLower(it.ID) != it.ID {
			t.Fatalf("ID %q: want 32 lower-case hex digits", it.ID)
		}
		if !strings.HasPrefix(it.Ref, "PRZ-") || !ValidRef(it.Ref) {
			t.Fatalf("Ref %q", it.Ref)
		}
		if it.State != Queued || it.Attempts != 0 || it.Receipt != nil || it.Updated.IsZero() || it.Created.IsZero() {
			t.Fatalf("fresh item %+v", it)
		}
		if bytes.Contains(it.Ciphertext, answers) {
			t.Fatal("ciphertext contains the answers")
		}
		if got := decrypt(t, it.Ciphertext, ident); !bytes.Equal(got, answers) {
			t.Fatalf("decrypted %q, want %q", got, answers)
		}

		got, err := o.Get(it.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !itemsEqual(got, it) {
			t.Fatalf("Get = %+v, want %+v", got, it)
		}
		byRef, err := o.ByRef(strings.ToLower(strings.ReplaceAll(it.Ref, "-", "")))
		if err != nil {
			t.Fatal(err)
		}
		if !itemsEqual(byRef, it) {
			t.Fatalf("ByRef = %+v, want %+v", byRef, it)
		}
		items = append(items, it)
	}

	// Pending: oldest (first enqueued) first, limit honoured.
	pend, err := o.Pending(0)
	if err != nil {
		t.Fatal(err)
	}
	if ids(pend) != ids(items) {
		t.Fatalf("Pending order %v, want %v", ids(pend), ids(items))
	}
	if pend, _ := o.Pending(2); ids(pend) != ids(items[:2]) {
		t.Fatalf("Pending(2) = %v", ids(pend))
	}
	st := mustStats(t, o)
	if st.Queued != 5 || st.Sending+st.Delivered+st.Purged != 0 || !st.Oldest.Equal(items[3].Created) {
		t.Fatalf("stats %+v", st)
	}

	// queued → sending → (failed) queued → sending → delivered → purged
	a := items[0]
	must(t, o.MarkSending(a.ID))
	must(t, o.MarkSending(a.ID)) // again, as after a crash mid-send
	must(t, o.MarkFailed(a.ID, "portal: 503 Service Unavailable"))
	if it := mustGet(t, o, a.ID); it.State != Queued || it.Attempts != 1 || it.LastError != "portal: 503 Service Unavailable" {
		t.Fatalf("after MarkFailed: %+v", it)
	}
	must(t, o.MarkSending(a.ID))
	if it := mustGet(t, o, a.ID); it.State != Sending || !it.Updated.After(a.Updated) {
		t.Fatalf("after MarkSending: %+v", it)
	}
	// A crash now leaves it "sending": still pending, still first.
	if pend, _ := o.Pending(1); len(pend) != 1 || pend[0].ID != a.ID || pend[0].State != Sending {
		t.Fatalf("Pending(1) = %+v", pend)
	}
	if st := mustStats(t, o); st.Queued != 4 || st.Sending != 1 {
		t.Fatalf("stats %+v", st)
	}
	rc := Receipt{PortalRef: "EP/2026/000123", At: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	must(t, o.MarkDelivered(a.ID, rc))
	must(t, o.MarkDelivered(a.ID, rc)) // idempotent
	if err := o.MarkDelivered(a.ID, Receipt{PortalRef: "EP/2026/999999", At: rc.At}); !errors.Is(err, ErrReceiptMismatch) {
		t.Fatalf("MarkDelivered with another receipt: %v", err)
	}
	got := mustGet(t, o, a.ID)
	if got.State != Delivered || got.Receipt == nil || !got.Receipt.equal(rc) || got.Ciphertext == nil {
		t.Fatalf("delivered: %+v", got)
	}
	if pend, _ := o.Pending(0); ids(pend) != ids(items[1:]) {
		t.Fatalf("delivered item still pending: %v", ids(pend))
	}
	must(t, o.Purge(a.ID))
	must(t, o.Purge(a.ID)) // idempotent
	got = mustGet(t, o, a.ID)
	if got.State != Purged || got.Ciphertext != nil || got.Ref != a.Ref || got.Receipt == nil || !got.Receipt.equal(rc) ||
		got.Procedure != a.Procedure || !got.Created.Equal(a.Created) || got.Attempts != 1 {
		t.Fatalf("purged: %+v", got)
	}
	if byRef, err := o.ByRef(a.Ref); err != nil || byRef.ID != a.ID {
		t.Fatalf("ByRef after purge: %+v, %v", byRef, err)
	}

	// Invalid transitions.
	b := items[1]
	for name, err := range map[string]error{
		"purge queued":            o.Purge(b.ID),
		"deliver purged":          o.MarkDelivered(a.ID, rc),
		"send purged":             o.MarkSending(a.ID),
		"fail purged":             o.MarkFailed(a.ID, "x"),
		"deliver without portref": o.MarkDelivered(b.ID, Receipt{}),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		} else if name != "deliver without portref" && !errors.Is(err, ErrInvalidTransition) {
			t.Errorf("%s: %v, want ErrInvalidTransition", name, err)
		}
	}
	must(t, o.MarkDelivered(b.ID, rc)) // straight from queued
	for name, err := range map[string]error{
		"send delivered": o.MarkSending(b.ID),
		"fail delivered": o.MarkFailed(b.ID, "x"),
	} {
		if !errors.Is(err, ErrInvalidTransition) {
			t.Errorf("%s: %v, want ErrInvalidTransition", name, err)
		}
	}
	if it := mustGet(t, o, b.ID); it.State != Delivered || it.Ciphertext == nil {
		t.Fatalf("refused transitions changed the item: %+v", it)
	}

	st = mustStats(t, o)
	if !statsEqual(st, Stats{Queued: 3, Delivered: 1, Purged: 1, Oldest: items[3].Created}) {
		t.Fatalf("stats %+v", st)
	}
	for _, it := range items[2:] {
		must(t, o.MarkDelivered(it.ID, rc))
	}
	if st := mustStats(t, o); !statsEqual(st, Stats{Delivered: 4, Purged: 1}) {
		t.Fatalf("stats with nothing pending %+v", st)
	}

	// Not found.
	for _, id := range []string{"", "xyz", strings.Repeat("0", 32), a.ID[:30]} {
		if _, err := o.Get(id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%q): %v", id, err)
		}
		if err := o.MarkSending(id); !errors.Is(err, ErrNotFound) {
			t.Errorf("MarkSending(%q): %v", id, err)
		}
	}
	for _, ref := range []string{"", "PRZ-2222-22", mustRef(t, "PRZ")} {
		if _, err := o.ByRef(ref); !errors.Is(err, ErrNotFound) {
			t.Errorf("ByRef(%q): %v", ref, err)
		}
	}
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	ident := newIdentity(t)
	st, o := openTest(t, dir)
	it, err := o.Enqueue(context.Background(), Meta{Procedure: "p"}, "AB", []byte("x"), ident.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	must(t, o.MarkSending(it.ID))
	must(t, st.Close())

	_, o2 := openTest(t, dir)
	pend, err := o2.Pending(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(pend) != 1 || pend[0].ID != it.ID || pend[0].State != Sending {
		t.Fatalf("after reopen: %+v", pend)
	}
	if _, err := Open(nil); err == nil {
		t.Fatal("Open(nil) succeeded")
	}
}

func TestEnqueueRefusesAndWritesNothing(t *testing.T) {
	_, o := openTest(t, t.TempDir())
	rcpt := newIdentity(t).Recipient()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := o.Enqueue(ctx, Meta{}, "AB", []byte("x"), rcpt); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled ctx: %v", err)
	}
	if _, err := o.Enqueue(context.Background(), Meta{}, "A1", []byte("x"), rcpt); !errors.Is(err, ErrBadPrefix) {
		t.Fatalf("bad prefix: %v", err)
	}
	if _, err := o.Enqueue(context.Background(), Meta{}, "AB", nil, rcpt); err == nil {
		t.Fatal("empty answers accepted")
	}
	if _, err := o.Enqueue(context.Background(), Meta{}, "AB", []byte("x"), nil); err == nil {
		t.Fatal("nil recipient accepted")
	}
	// A failing random source inside the transaction rolls it back.
	o.rand = bytes.NewReader(make([]byte, 20))
	if _, err := o.Enqueue(context.Background(), Meta{}, "AB", []byte("x"), rcpt); err == nil {
		t.Fatal("short random source accepted")
	}
	if st := mustStats(t, o); !statsEqual(st, Stats{}) {
		t.Fatalf("something was written: %+v", st)
	}
	if pend, _ := o.Pending(0); len(pend) != 0 {
		t.Fatalf("something was written: %+v", pend)
	}
}

// scriptReader returns its chunks one Read at a time, then reads from rest.
type scriptReader struct {
	chunks [][]byte
	rest   io.Reader
}

func (r *scriptReader) Read(p []byte) (int, error) {
	if len(r.chunks) == 0 {
		return r.rest.Read(p)
	}
	n := copy(p, r.chunks[0])
	if n < len(r.chunks[0]) {
		r.chunks[0] = r.chunks[0][n:]
	} else {
		r.chunks = r.chunks[1:]
	}
	return n, nil
}

// sevens is a broken random source: 7, 7, 7, ...
type sevens struct{}

func (sevens) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 7
	}
	return len(p), nil
}

func TestRefCollisionRetried(t *testing.T) {
	_, o := openTest(t, t.TempDir())
	rcpt := newIdentity(t).Recipient()
	// Enqueue reads 16 bytes for the ID, then 16 per reference attempt.
	block := bytes.Repeat([]byte{7}, 16)
	fresh := make([]byte, 16)
	must(t, readRand(fresh))
	o.rand = &scriptReader{chunks: [][]byte{block, block}, rest: bytes.NewReader(nil)}
	first, err := o.Enqueue(context.Background(), Meta{}, "AB", []byte("x"), rcpt)
	if err != nil {
		t.Fatal(err)
	}
	// Second: the same ID (retried), a fresh one, the same reference
	// (retried), then a fresh reference from crypto/rand.
	script := &scriptReader{chunks: [][]byte{block, fresh, block}, rest: randReader}
	o.rand = script
	second, err := o.Enqueue(context.Background(), Meta{}, "AB", []byte("y"), rcpt)
	if err != nil {
		t.Fatal(err)
	}
	if len(script.chunks) != 0 {
		t.Fatalf("script not consumed: %d chunks left", len(script.chunks))
	}
	if second.ID == first.ID || second.Ref == first.Ref {
		t.Fatalf("collision not retried: %s/%s vs %s/%s", first.ID, first.Ref, second.ID, second.Ref)
	}
	t.Logf("first %s, second %s", first.Ref, second.Ref)
	// A source that only ever repeats gives up instead of looping.
	o.rand = sevens{}
	if _, err := o.Enqueue(context.Background(), Meta{}, "AB", []byte("z"), rcpt); err == nil {
		t.Fatal("endless collisions accepted")
	}
	if st := mustStats(t, o); st.Queued != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestConcurrentEnqueue(t *testing.T) {
	_, o := openTest(t, t.TempDir())
	ident := newIdentity(t)
	const workers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				it, err := o.Enqueue(context.Background(), Meta{Procedure: "p"}, "CC", fmt.Appendf(nil, "%d/%d", w, i), ident.Recipient())
				if err != nil {
					errs <- err
					return
				}
				if err := o.MarkSending(it.ID); err != nil {
					errs <- err
				}
				if _, err := o.Stats(); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	pend, err := o.Pending(0)
	if err != nil {
		t.Fatal(err)
	}
	refs := map[string]bool{}
	for _, it := range pend {
		if refs[it.Ref] {
			t.Fatalf("duplicate ref %s", it.Ref)
		}
		refs[it.Ref] = true
	}
	if st := mustStats(t, o); len(pend) != workers*each || st.Sending != workers*each {
		t.Fatalf("%d pending, stats %+v", len(pend), st)
	}
}

const (
	testPESEL = "44051401359"
	testName  = "Zażółć Gęślą"
)

// TestPrivacyOnDisk: answers with a PESEL and a Polish name never reach the
// file in any readable form, nor does a failure reason that quotes the PESEL
// or an e-mail address (the safety net can't recognise names: callers must
// not put them in reasons).
func TestPrivacyOnDisk(t *testing.T) {
	dir := t.TempDir()
	st, o := openTest(t, dir)
	ident := newIdentity(t)
	answers, err := json.Marshal(map[string]string{"pesel": testPESEL, "imie_nazwisko": testName, "adres": "ul. Długa 1"})
	if err != nil {
		t.Fatal(err)
	}
	var last Item
	for i := range 20 {
		it, err := o.Enqueue(context.Background(), Meta{Procedure: "zameldowanie", Office: "USC"}, "ZAM", answers, ident.Recipient())
		if err != nil {
			t.Fatal(err)
		}
		switch i % 4 {
		case 1:
			must(t, o.MarkFailed(it.ID, "portal rejected PESEL "+testPESEL+" <jan@example.pl>"))
		case 2:
			must(t, o.MarkDelivered(it.ID, Receipt{PortalRef: "R-1", At: time.Now()}))
		case 3:
			must(t, o.MarkDelivered(it.ID, Receipt{PortalRef: "R-2", At: time.Now()}))
			must(t, o.Purge(it.ID))
		}
		last = it
	}
	// The sanitised reason keeps no PESEL or e-mail.
	failed := mustGet(t, o, mustPendingWithError(t, o).ID)
	if strings.Contains(failed.LastError, testPESEL) || strings.Contains(failed.LastError, "@") {
		t.Fatalf("LastError keeps personal data: %q", failed.LastError)
	}
	t.Logf("sanitised LastError: %q", failed.LastError)
	if it := mustGet(t, o, last.ID); it.State != Purged || it.Ciphertext != nil {
		t.Fatalf("last item should be purged: %+v", it)
	}
	must(t, st.Close())

	raw, err := os.ReadFile(filepath.Join(dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	escapedName, _ := json.Marshal(testName) // "Za\u017c..." if an encoder escaped it
	for _, needle := range []string{
		testPESEL, testName, "Zażółć", "Gęślą", "Zazolc", "Gesla", "Długa",
		strings.Trim(string(escapedName), `"`), `Za\u017c`, "440514", "01359",
	} {
		if bytes.Contains(raw, []byte(needle)) {
			t.Errorf("%s contains %q", store.FileName, needle)
		}
	}
	// Positive control: plain metadata is found, so the scan does see the
	// file's contents.
	if !bytes.Contains(raw, []byte("zameldowanie")) {
		t.Fatalf("%s lacks the plain metadata; is the scan reading the right file?", store.FileName)
	}
	// The PESEL digits interleaved with anything (e.g. UTF-16): no byte
	// sequence with the PESEL digits at every 1st..4th position either.
	for stride := 1; stride <= 4; stride++ {
		if containsStrided(raw, []byte(testPESEL), stride) {
			t.Errorf("%s contains the PESEL digits at stride %d", store.FileName, stride)
		}
	}
	t.Logf("%s: %d bytes, no trace of the answers", store.FileName, len(raw))
}

// containsStrided reports whether needle appears in hay with its bytes
// stride apart.
func containsStrided(hay, needle []byte, stride int) bool {
	span := (len(needle)-1)*stride + 1
	for i := 0; i+span <= len(hay); i++ {
		ok := true
		for j, c := range needle {
			if hay[i+j*stride] != c {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func mustPendingWithError(t *testing.T, o *Outbox) Item {
	t.Helper()
	pend, err := o.Pending(0)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range pend {
		if it.LastError != "" {
			return it
		}
	}
	t.Fatal("no failed item pending")
	return Item{}
}

func TestSanitizeReason(t *testing.T) {
	for in, want := range map[string]string{
		"portal: 503 Service Unavailable":              "portal: 503 Service Unavailable",
		"bad pesel 44051401359 here":                   "bad pesel … here",
		"nip=8567346215;":                              "nip=…;",
		"tel 123456789 or 12345678":                    "tel … or 12345678",
		"mail jan.kowalski@example.pl failed":          "mail … failed",
		"line1\nline2\ttab\x00nul":                     "line1 line2 tab nul",
		"konto PL61109010140000071219812874 odrzucone": "konto PL… odrzucone",
		"\xff\xfe bad utf8":                            "? bad utf8",
	} {
		if got := sanitizeReason(in); got != want {
			t.Errorf("sanitizeReason(%q) = %q, want %q", in, got, want)
		}
	}
	long := sanitizeReason(strings.Repeat("ż", 500))
	if len(long) > maxReasonLen || !strings.HasPrefix(long, "żż") || !utf8.ValidString(long) {
		t.Errorf("long reason: %d bytes", len(long))
	}
}

// The outbox adds exactly one top-level bucket to the store's own.
func TestOwnBucketsOnly(t *testing.T) {
	topLevel := func(db *bolt.DB) map[string]bool {
		names := map[string]bool{}
		err := db.View(func(tx *bolt.Tx) error {
			return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
				names[string(name)] = true
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	plain, _, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	storeOwn := topLevel(plain.Bolt())
	plain.Close()

	st, o := openTest(t, t.TempDir())
	if _, err := o.Enqueue(context.Background(), Meta{}, "AB", []byte("x"), newIdentity(t).Recipient()); err != nil {
		t.Fatal(err)
	}
	var added []string
	for name := range topLevel(st.Bolt()) {
		if !storeOwn[name] {
			added = append(added, name)
		}
	}
	if len(added) != 1 || added[0] != "outbox" {
		t.Fatalf("the outbox added buckets %v, want just outbox", added)
	}
}

// helpers

var randReader = rand.Reader

func readRand(p []byte) error {
	_, err := io.ReadFull(randReader, p)
	return err
}

func statsEqual(a, b Stats) bool {
	oa, ob := a.Oldest, b.Oldest
	a.Oldest, b.Oldest = time.Time{}, time.Time{}
	return a == b && oa.Equal(ob)
}

func itemsEqual(a, b Item) bool {
	ra, rb := a.Receipt, b.Receipt
	a.Receipt, b.Receipt = nil, nil
	ca, cb := a.Created, b.Created
	ua, ub := a.Updated, b.Updated
	a.Created, b.Created, a.Updated, b.Updated = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	cta, ctb := a.Ciphertext, b.Ciphertext
	a.Ciphertext, b.Ciphertext = nil, nil
	return fmt.Sprint(a) == fmt.Sprint(b) && ca.Equal(cb) && ua.Equal(ub) && bytes.Equal(cta, ctb) &&
		(ra == nil) == (rb == nil) && (ra == nil || ra.equal(*rb))
}

func ids(items []Item) string {
	var s []string
	for _, it := range items {
		s = append(s, it.Ref)
	}
	return strings.Join(s, " ")
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustGet(t testing.TB, o *Outbox, id string) Item {
	t.Helper()
	it, err := o.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func mustStats(t testing.TB, o *Outbox) Stats {
	t.Helper()
	s, err := o.Stats()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustRef(t testing.TB, prefix string) string {
	t.Helper()
	r, err := NewRef(prefix, randReader)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A crash between MarkDelivered and Purge leaves the ciphertext behind; PurgeDelivered
// finishes the job and touches nothing else.
func TestPurgeDeliveredFinishesInterruptedPurges(t *testing.T) {
	_, o := openTest(t, t.TempDir())
	id := newIdentity(t)
	var items []Item
	for range 3 {
		it, err := o.Enqueue(context.Background(), Meta{Procedure: "p"}, "AB", []byte("answers"), id.Recipient())
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, it)
	}
	for _, it := range items[:2] {
		if err := o.MarkSending(it.ID); err != nil {
			t.Fatal(err)
		}
		if err := o.MarkDelivered(it.ID, Receipt{PortalRef: "2026/1", At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if err := o.Purge(items[1].ID); err != nil {
		t.Fatal(err)
	}
	n, err := o.PurgeDelivered()
	if err != nil || n != 1 {
		t.Fatalf("purged %d, %v; want 1", n, err)
	}
	got, _ := o.Get(items[0].ID)
	if got.State != Purged || got.Ciphertext != nil || got.Receipt == nil {
		t.Fatalf("delivered item after PurgeDelivered: %+v", got)
	}
	if queued, _ := o.Get(items[2].ID); queued.State != Queued || queued.Ciphertext == nil {
		t.Fatalf("a queued item was touched: %+v", queued)
	}
	st, _ := o.Stats()
	if st.Delivered != 0 || st.Purged != 2 || st.Queued != 1 {
		t.Fatalf("stats %+v", st)
	}
	if n, _ := o.PurgeDelivered(); n != 0 {
		t.Fatalf("second pass purged %d", n)
	}
}

// TestStatsNeverNegative: the state counters are a cache; when they disagree with the items
// (a store rebuilt or salvaged without them, a bit flip), Stats still reports what is queued
// and never a negative count (the heartbeat's "queued" was -1).
func TestStatsNeverNegative(t *testing.T) {
	_, o := openTest(t, t.TempDir())
	ident := newIdentity(t)
	var ids []string
	for i := range 3 {
		it, err := o.Enqueue(context.Background(), Meta{Procedure: "p"}, "prz", []byte(fmt.Sprint(i)), ident.Recipient())
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, it.ID)
	}
	// Lose the counters, as a salvaged store would.
	err := o.db.Update(func(tx *bolt.Tx) error {
		b, err := open(tx)
		if err != nil {
			return err
		}
		for _, s := range []State{Queued, Sending, Delivered, Purged} {
			if err := b.counts.Delete([]byte(s)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.MarkSending(ids[0]); err != nil {
		t.Fatal(err)
	}
	if err := o.MarkSending(ids[1]); err != nil {
		t.Fatal(err)
	}
	if err := o.MarkDelivered(ids[1], Receipt{PortalRef: "2026/1"}); err != nil {
		t.Fatal(err)
	}
	if err := o.Purge(ids[1]); err != nil {
		t.Fatal(err)
	}
	s, err := o.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if s.Queued != 1 || s.Sending != 1 || s.Delivered < 0 || s.Purged < 0 {
		t.Fatalf("stats %+v, want 1 queued, 1 sending, nothing negative", s)
	}
}
