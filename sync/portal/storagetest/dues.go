package storagetest

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"infomat/sync/portal"
)

func duesSet(m, version string, taxpayers int) portal.DuesSet {
	s := portal.DuesSet{Municipality: m, Imported: t0, AsOf: t0.Add(-time.Hour), Expires: t0.Add(90 * 24 * time.Hour),
		Recipient: "Gmina Przykładowa", NIP: "9876543210", By: "anna", Taxpayers: taxpayers, Items: 2 * taxpayers, SumDue: 1000, SumPaid: 10}
	for i := range taxpayers {
		s.Entries = append(s.Entries, portal.DuesEntry{
			Taxpayer: hash(fmt.Sprint("taxpayer-", i)),
			Codes:    [][]byte{hash(fmt.Sprint(version, "-code-", i)), hash(fmt.Sprint(version, "-code2-", i))},
			Sealed:   []byte(fmt.Sprint(version, "-sealed-", i)),
		})
	}
	return s
}

func duesStore(t *testing.T, open func(*testing.T) portal.Storage) {
	t.Run("ReplaceAndRead", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		if _, err := st.DuesStatus(ctx, muni); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("DuesStatus before an import: %v, want ErrNotFound", err)
		}
		if _, _, err := st.DuesByCode(ctx, muni, hash("v1-code-0")); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("DuesByCode before an import: %v", err)
		}
		in := duesSet(muni, "v1", 3)
		if err := st.ReplaceDues(ctx, in); err != nil {
			t.Fatal(err)
		}
		s, err := st.DuesStatus(ctx, muni)
		if err != nil || s.Entries != nil || s.Taxpayers != 3 || s.Items != 6 || s.SumDue != 1000 || s.SumPaid != 10 ||
			!s.Imported.Equal(t0) || !s.AsOf.Equal(in.AsOf) || !s.Expires.Equal(in.Expires) || s.Recipient != in.Recipient ||
			s.NIP != in.NIP || s.By != "anna" {
			t.Fatalf("DuesStatus: %+v, %v", s, err)
		}
		for i := range 3 {
			tp, sealed, err := st.DuesByCode(ctx, muni, hash(fmt.Sprint("v1-code2-", i)))
			if err != nil || !bytes.Equal(tp, hash(fmt.Sprint("taxpayer-", i))) || string(sealed) != fmt.Sprint("v1-sealed-", i) {
				t.Fatalf("DuesByCode %d: %x %q %v", i, tp, sealed, err)
			}
			sealed, err = st.DuesByTaxpayer(ctx, muni, tp)
			if err != nil || string(sealed) != fmt.Sprint("v1-sealed-", i) {
				t.Fatalf("DuesByTaxpayer %d: %q %v", i, sealed, err)
			}
		}
		if _, _, err := st.DuesByCode(ctx, "inna", hash("v1-code-0")); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("another municipality's code: %v", err)
		}
		if _, err := st.DuesByTaxpayer(ctx, "inna", hash("taxpayer-0")); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("another municipality's taxpayer: %v", err)
		}
		if err := st.ReplaceDues(ctx, duesSet("Zła Gmina", "v1", 1)); !errors.Is(err, portal.ErrBadMunicipal) {
			t.Fatalf("bad municipality: %v", err)
		}
	})
	t.Run("ReplaceIsWhole", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		if err := st.ReplaceDues(ctx, duesSet("inna", "other", 1)); err != nil {
			t.Fatal(err)
		}
		if err := st.ReplaceDues(ctx, duesSet(muni, "v1", 20)); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		stop := make(chan struct{})
		errc := make(chan error, 4)
		for range 2 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					// A reader finds a code of one version with that version's record: v1's
					// codes lead to v1's records, v2's to v2's, never across.
					for _, v := range []string{"v1", "v2"} {
						_, sealed, err := st.DuesByCode(ctx, muni, hash(v+"-code-7"))
						if err == nil && string(sealed) != v+"-sealed-7" {
							errc <- fmt.Errorf("code of %s led to %q", v, sealed)
							return
						}
						if err != nil && !errors.Is(err, portal.ErrNotFound) {
							errc <- err
							return
						}
					}
				}
			})
		}
		for i := range 6 {
			v := []string{"v1", "v2"}[i%2]
			if err := st.ReplaceDues(ctx, duesSet(muni, v, 20-i)); err != nil {
				t.Fatal(err)
			}
		}
		close(stop)
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatal(err)
		}
		// The last replacement (v2, 15 taxpayers) is all there is.
		if _, _, err := st.DuesByCode(ctx, muni, hash("v1-code-0")); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("an old code survived the replacement: %v", err)
		}
		if _, err := st.DuesByTaxpayer(ctx, muni, hash("taxpayer-17")); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("an old taxpayer survived the replacement: %v", err)
		}
		if s, _ := st.DuesStatus(ctx, muni); s.Taxpayers != 15 {
			t.Fatalf("status after replacements: %+v", s)
		}
		if _, sealed, err := st.DuesByCode(ctx, "inna", hash("other-code-0")); err != nil || string(sealed) != "other-sealed-0" {
			t.Fatalf("another municipality's set changed: %q %v", sealed, err)
		}
	})
	t.Run("Cards", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		if _, err := st.DuesCard(ctx, muni, hash("card")); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("unknown card: %v", err)
		}
		c := portal.DuesCard{Municipality: muni, Card: hash("card"), Taxpayer: hash("taxpayer-0"), PINHash: "$argon2id$x", Registered: t0, By: "jan"}
		if err := st.PutDuesCard(ctx, c); err != nil {
			t.Fatal(err)
		}
		c.Taxpayer, c.PINHash, c.Registered = hash("taxpayer-1"), "$argon2id$y", t0.Add(time.Hour)
		if err := st.PutDuesCard(ctx, c); err != nil {
			t.Fatal(err)
		}
		got, err := st.DuesCard(ctx, muni, hash("card"))
		if err != nil || !bytes.Equal(got.Taxpayer, hash("taxpayer-1")) || got.PINHash != "$argon2id$y" || !got.Registered.Equal(t0.Add(time.Hour)) ||
			got.By != "jan" || got.Municipality != muni || !bytes.Equal(got.Card, hash("card")) {
			t.Fatalf("DuesCard after a re-registration: %+v, %v", got, err)
		}
		if _, err := st.DuesCard(ctx, "inna", hash("card")); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("another municipality's card: %v", err)
		}
	})
	t.Run("FailuresLockOut", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		lim := portal.DuesLimit{Max: 3, Window: time.Hour, Lock: 15 * time.Minute}
		if f, err := st.DuesFailures(ctx, "code:x"); err != nil || f.Count != 0 || !f.LockedUntil.IsZero() {
			t.Fatalf("no failures yet: %+v, %v", f, err)
		}
		for i := 1; i <= 2; i++ {
			f, err := st.RecordDuesFailure(ctx, "code:x", t0.Add(time.Duration(i)*time.Minute), lim)
			if err != nil || f.Count != i || !f.LockedUntil.IsZero() || f.Remaining(lim) != 3-i {
				t.Fatalf("failure %d: %+v, %v", i, f, err)
			}
		}
		f, err := st.RecordDuesFailure(ctx, "code:x", t0.Add(3*time.Minute), lim)
		if err != nil || !f.LockedUntil.Equal(t0.Add(18*time.Minute)) || f.Count != 0 {
			t.Fatalf("third failure: %+v, %v; want locked until +18m", f, err)
		}
		if got, _ := st.DuesFailures(ctx, "code:x"); !got.LockedUntil.Equal(f.LockedUntil) {
			t.Fatalf("DuesFailures: %+v", got)
		}
		if other, _ := st.DuesFailures(ctx, "code:y"); other.Count != 0 || !other.LockedUntil.IsZero() {
			t.Fatalf("another subject: %+v", other)
		}
		// A window that passed starts the count again.
		st.RecordDuesFailure(ctx, "card:z", t0, lim)
		if f, _ := st.RecordDuesFailure(ctx, "card:z", t0.Add(time.Hour), lim); f.Count != 1 {
			t.Fatalf("failure after the window: %+v", f)
		}
		if err := st.ResetDuesFailures(ctx, "card:z"); err != nil {
			t.Fatal(err)
		}
		if f, _ := st.DuesFailures(ctx, "card:z"); f.Count != 0 {
			t.Fatalf("after reset: %+v", f)
		}
	})
	t.Run("ConcurrentFailuresAllCount", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		lim := portal.DuesLimit{Max: 1000, Window: time.Hour, Lock: time.Minute}
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				if _, err := st.RecordDuesFailure(ctx, "kiosk:k-1", t0, lim); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if f, _ := st.DuesFailures(ctx, "kiosk:k-1"); f.Count != 20 {
			t.Fatalf("20 concurrent failures counted %d", f.Count)
		}
	})
	t.Run("Purge", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		old := duesSet(muni, "v1", 2)
		old.Expires = t0.Add(time.Hour)
		if err := st.ReplaceDues(ctx, old); err != nil {
			t.Fatal(err)
		}
		if err := st.ReplaceDues(ctx, duesSet("inna", "v1", 2)); err != nil {
			t.Fatal(err)
		}
		lim := portal.DuesLimit{Max: 5, Window: time.Hour, Lock: time.Minute}
		st.RecordDuesFailure(ctx, "code:old", t0, lim)
		st.RecordDuesFailure(ctx, "code:new", t0.Add(time.Hour), lim)
		if gone, err := st.PurgeDues(ctx, t0.Add(time.Hour-time.Second)); err != nil || len(gone) != 0 {
			t.Fatalf("purge before expiry: %v, %v", gone, err)
		}
		gone, err := st.PurgeDues(ctx, t0.Add(time.Hour))
		if err != nil || len(gone) != 1 || gone[0] != muni {
			t.Fatalf("purge at expiry: %v, %v", gone, err)
		}
		if _, err := st.DuesStatus(ctx, muni); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("status of a purged set: %v", err)
		}
		if _, _, err := st.DuesByCode(ctx, muni, hash("v1-code-0")); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("code of a purged set: %v", err)
		}
		if _, err := st.DuesByTaxpayer(ctx, muni, hash("taxpayer-0")); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("record of a purged set: %v", err)
		}
		if _, err := st.DuesStatus(ctx, "inna"); err != nil {
			t.Fatalf("a set within its retention was purged: %v", err)
		}
		if f, _ := st.DuesFailures(ctx, "code:old"); f.Count != 0 {
			t.Fatalf("a stale failure count survived: %+v", f)
		}
		if f, _ := st.DuesFailures(ctx, "code:new"); f.Count != 1 {
			t.Fatalf("a live failure count was purged: %+v", f)
		}
	})
}
