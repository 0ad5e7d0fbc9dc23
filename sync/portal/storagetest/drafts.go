package storagetest

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"infomat/sync/portal"
)

func drafts(t *testing.T, open func(*testing.T) portal.Storage) {
	ctx := context.Background()
	t.Run("CreateUpdateDelete", func(t *testing.T) {
		st := open(t)
		if _, err := st.Draft(ctx, muni); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("Draft before any: %v, want ErrNotFound", err)
		}
		rev, err := st.UpdateDraft(ctx, muni, 0, map[string][]byte{
			"gmina.yaml": []byte("nazwa: A\n"), "bip/menu.yaml": []byte("[]\n"), "pliki/x.pdf": {0, 1, 2},
		}, "anna", t0)
		if err != nil || rev != 1 {
			t.Fatalf("create: rev %d, %v", rev, err)
		}
		rev, err = st.UpdateDraft(ctx, muni, 1, map[string][]byte{"gmina.yaml": []byte("nazwa: B\n"), "pliki/x.pdf": nil}, "jan", t0.Add(time.Minute))
		if err != nil || rev != 2 {
			t.Fatalf("update: rev %d, %v", rev, err)
		}
		d, err := st.Draft(ctx, muni)
		if err != nil {
			t.Fatal(err)
		}
		if d.Revision != 2 || d.UpdatedBy != "jan" || !d.Updated.Equal(t0.Add(time.Minute)) || len(d.Files) != 2 ||
			string(d.Files["gmina.yaml"]) != "nazwa: B\n" || string(d.Files["bip/menu.yaml"]) != "[]\n" {
			t.Fatalf("draft after update: %+v", d)
		}
		if _, err := st.Draft(ctx, "inna"); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("another municipality's draft: %v, want ErrNotFound", err)
		}
		if h, err := st.DraftHead(ctx, muni); err != nil || h.Revision != 2 || h.UpdatedBy != "jan" || h.Files != nil {
			t.Fatalf("DraftHead: %+v, %v", h, err)
		}
		if _, err := st.DraftHead(ctx, "inna"); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("another municipality's draft head: %v, want ErrNotFound", err)
		}
	})
	t.Run("StaleBaseChangesNothing", func(t *testing.T) {
		st := open(t)
		if _, err := st.UpdateDraft(ctx, muni, 0, map[string][]byte{"a.yaml": []byte("1")}, "anna", t0); err != nil {
			t.Fatal(err)
		}
		for _, base := range []uint64{0, 2} {
			_, err := st.UpdateDraft(ctx, muni, base, map[string][]byte{"a.yaml": []byte("2"), "b.yaml": []byte("x")}, "jan", t0)
			if !errors.Is(err, portal.ErrDraftChanged) {
				t.Fatalf("base %d: %v, want ErrDraftChanged", base, err)
			}
		}
		d, _ := st.Draft(ctx, muni)
		if d.Revision != 1 || len(d.Files) != 1 || string(d.Files["a.yaml"]) != "1" {
			t.Fatalf("a refused update wrote: %+v", d)
		}
		if _, err := st.UpdateDraft(ctx, muni, 1, map[string][]byte{"../etc/passwd": []byte("x")}, "jan", t0); err == nil {
			t.Fatal("a path outside the bundle was accepted")
		}
	})
	t.Run("ConcurrentEditorsOneWins", func(t *testing.T) {
		st := open(t)
		if _, err := st.UpdateDraft(ctx, muni, 0, map[string][]byte{"a.yaml": []byte("0")}, "anna", t0); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = st.UpdateDraft(ctx, muni, 1, map[string][]byte{"a.yaml": {byte('1' + i)}}, "x", t0)
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, portal.ErrDraftChanged):
				t.Fatal(err)
			}
		}
		if d, _ := st.Draft(ctx, muni); won != 1 || d.Revision != 2 {
			t.Fatalf("%d updates from the same base succeeded, revision %d; want exactly one", won, d.Revision)
		}
	})
	t.Run("ImportState", func(t *testing.T) {
		st := open(t)
		if s, err := st.ImportState(ctx, muni); err != nil || s != nil {
			t.Fatalf("empty import state: %q, %v", s, err)
		}
		if err := st.PutImportState(ctx, muni, []byte(`{"a":1}`)); err != nil {
			t.Fatal(err)
		}
		if s, err := st.ImportState(ctx, muni); err != nil || !bytes.Equal(s, []byte(`{"a":1}`)) {
			t.Fatalf("import state: %q, %v", s, err)
		}
		if s, _ := st.ImportState(ctx, "inna"); s != nil {
			t.Fatalf("another municipality's import state: %q", s)
		}
		if err := st.PutImportState(ctx, "abc", []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
		if ms, err := st.ImportingMunicipalities(ctx); err != nil || !slices.Equal(ms, []string{"abc", muni}) {
			t.Fatalf("ImportingMunicipalities: %q, %v", ms, err)
		}
	})
}
