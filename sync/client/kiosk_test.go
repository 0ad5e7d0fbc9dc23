package client

import (
	"context"
	"encoding/pem"
	"fmt"
	"io/fs"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"infomat/assets"
	"infomat/outbox"
	"infomat/store"
)

// embedded returns the embedded bundle's files.
func embedded(t testing.TB) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	fsys := assets.DefaultContent()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		files[p] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// kiosk is a store and outbox in a temporary directory.
type kiosk struct {
	dir string
	st  *store.Store
	ob  *outbox.Outbox
	to  age.Recipient
}

func newKiosk(t *testing.T) *kiosk {
	t.Helper()
	k := &kiosk{dir: t.TempDir()}
	k.open(t)
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	k.to = id.Recipient()
	return k
}

func (k *kiosk) open(t *testing.T) {
	t.Helper()
	st, _, err := store.Open(context.Background(), k.dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	ob, err := outbox.Open(st.Bolt())
	if err != nil {
		t.Fatal(err)
	}
	k.st, k.ob = st, ob
}

func (k *kiosk) enqueue(t *testing.T, n int) []outbox.Item {
	t.Helper()
	var items []outbox.Item
	for i := range n {
		it, err := k.ob.Enqueue(context.Background(), outbox.Meta{Procedure: "zameldowanie", Office: "uog"},
			"PRZ", []byte(fmt.Sprintf(`{"imie":"Jan %d"}`, i)), k.to)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, it)
	}
	return items
}

// fakeClock is a manual clock for Run.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
	afters  int
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Now()} }

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) After(d time.Duration) <-chan time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.afters++
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- f.now
		return ch
	}
	f.waiters = append(f.waiters, waiter{f.now.Add(d), ch})
	return ch
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	keep := f.waiters[:0]
	for _, w := range f.waiters {
		if !w.at.After(f.now) {
			w.ch <- f.now
		} else {
			keep = append(keep, w)
		}
	}
	f.waiters = keep
}

func (f *fakeClock) Afters() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.afters
}

// eventually polls cond for up to 10 s of real time.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func certPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
