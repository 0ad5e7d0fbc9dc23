package storagetest

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"infomat/outbox"
	"infomat/sync/portal"
)

// kioskRef is a valid kiosk reference drawn from seed (the same seed, the same reference).
func kioskRef(t *testing.T, prefix string, seed byte) string {
	t.Helper()
	ref, err := outbox.NewRef(prefix, bytes.NewReader(bytes.Repeat([]byte{seed}, 64)))
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func statuses(t *testing.T, open func(*testing.T) portal.Storage) {
	t.Run("DefaultIsReceived", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		rec := put(t, st, record(1, muni, 1, "c1", t0), nil)
		s, err := st.StatusOf(ctx, muni, rec.ID)
		if err != nil || s.Code != portal.StatusReceived || !s.At.Equal(t0) || s.By != "" || s.Note != "" {
			t.Fatalf("StatusOf a submission never changed: %+v, %v; want received at its arrival", s, err)
		}
		if h, err := st.StatusHistory(ctx, muni, rec.ID); err != nil || len(h) != 0 {
			t.Fatalf("StatusHistory of a submission never changed: %+v, %v", h, err)
		}
	})
	t.Run("SetKeepsEveryChange", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		rec := put(t, st, record(1, muni, 1, "c1", t0), nil)
		want := []portal.Status{
			{Code: portal.StatusInProgress, Note: "Sprawdzamy dokumenty.\nProsimy o cierpliwość — żółć.", By: "anowak", At: t0.Add(time.Hour)},
			{Code: portal.StatusForwarded, To: "Starostwo Powiatowe w Przykładowie", By: "cli", At: t0.Add(2 * time.Hour)},
			{Code: portal.StatusSettled, Note: strings.Repeat("ż", portal.MaxStatusNote), By: "anowak", At: t0.Add(3 * time.Hour)},
		}
		for i, s := range want {
			if err := st.SetStatus(ctx, muni, rec.ID, s); err != nil {
				t.Fatalf("SetStatus %d: %v", i, err)
			}
			cur, err := st.StatusOf(ctx, muni, rec.ID)
			if err != nil || !sameStatus(cur, s) {
				t.Fatalf("StatusOf after change %d: %+v, %v; want %+v", i, cur, err, s)
			}
		}
		got, err := st.StatusHistory(ctx, muni, rec.ID)
		if err != nil || len(got) != len(want) {
			t.Fatalf("StatusHistory: %d entries, %v; want %d", len(got), err, len(want))
		}
		for i := range want {
			if !sameStatus(got[i], want[i]) {
				t.Errorf("history[%d] = %+v, want %+v", i, got[i], want[i])
			}
		}
		// Another submission's history is its own.
		other := put(t, st, record(2, muni, 1, "c2", t0), nil)
		if h, _ := st.StatusHistory(ctx, muni, other.ID); len(h) != 0 {
			t.Errorf("another submission has %d statuses", len(h))
		}
	})
	t.Run("OnlyTheOwnMunicipality", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		rec := put(t, st, record(1, muni, 1, "c1", t0), nil)
		s := portal.Status{Code: portal.StatusRejected, By: "intruz", At: t0}
		for name, err := range map[string]error{
			"SetStatus other":     st.SetStatus(ctx, "inna", rec.ID, s),
			"SetStatus unknown":   st.SetStatus(ctx, muni, submissionID(99), s),
			"StatusOf other":      second(st.StatusOf(ctx, "inna", rec.ID)),
			"StatusOf unknown":    second(st.StatusOf(ctx, muni, submissionID(99))),
			"StatusHistory other": second(st.StatusHistory(ctx, "inna", rec.ID)),
		} {
			if !errors.Is(err, portal.ErrNotFound) {
				t.Errorf("%s: %v, want ErrNotFound", name, err)
			}
		}
		if cur, _ := st.StatusOf(ctx, muni, rec.ID); cur.Code != portal.StatusReceived {
			t.Errorf("another municipality changed the status: %+v", cur)
		}
	})
	t.Run("InvalidStatusIsRefused", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		rec := put(t, st, record(1, muni, 1, "c1", t0), nil)
		ok := portal.Status{Code: portal.StatusSettled, By: "cli", At: t0}
		bad := map[string]func(*portal.Status){
			"unknown code":        func(s *portal.Status) { s.Code = "zalatwiony" },
			"forwarded nowhere":   func(s *portal.Status) { s.Code = portal.StatusForwarded },
			"destination unasked": func(s *portal.Status) { s.To = "gdzieś" },
			"note too long":       func(s *portal.Status) { s.Note = strings.Repeat("a", portal.MaxStatusNote+1) },
			"no author":           func(s *portal.Status) { s.By = "" },
			"no time":             func(s *portal.Status) { s.At = time.Time{} },
			"escape in note":      func(s *portal.Status) { s.Note = "\x1b[2J" },
			"bidi in author":      func(s *portal.Status) { s.By = "cli\u202e" },
		}
		for name, change := range bad {
			s := ok
			change(&s)
			if err := st.SetStatus(ctx, muni, rec.ID, s); !errors.Is(err, portal.ErrBadStatus) {
				t.Errorf("%s: %v, want ErrBadStatus", name, err)
			}
		}
		if h, _ := st.StatusHistory(ctx, muni, rec.ID); len(h) != 0 {
			t.Errorf("refused statuses were stored: %+v", h)
		}
	})
	t.Run("SubmissionsByRef", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		refA, refB := kioskRef(t, "PRZ", 7), kioskRef(t, "PRZ", 9)
		mk := func(id int, m string, device int, ref string, at time.Time) portal.Record {
			r := record(id, m, device, strings.Repeat("x", 100+id), at)
			r.Ref = ref
			return r
		}
		// Two kiosks of one municipality drew the same reference; another municipality too.
		a1 := put(t, st, mk(5, muni, 1, refA, t0), nil)
		put(t, st, mk(3, muni, 1, refB, t0.Add(time.Minute)), nil)
		a2 := put(t, st, mk(4, muni, 2, refA, t0.Add(2*time.Minute)), nil)
		other := put(t, st, mk(1, "inna", 3, refA, t0.Add(3*time.Minute)), nil)

		got, err := st.SubmissionsByRef(ctx, muni, refA)
		if err != nil || !slices.Equal(ids(got), []string{a1.ID, a2.ID}) {
			t.Fatalf("SubmissionsByRef(%s, %s) = %v, %v; want %v in arrival order", muni, refA, ids(got), err, []string{a1.ID, a2.ID})
		}
		if got[0].Ciphertext != nil || got[0].CiphertextSize != 105 || got[0].Ref != refA || got[0].Procedure != "zameldowanie" ||
			!got[0].Received.Equal(t0) || got[0].PortalRef == "" || got[0].Municipality != muni {
			t.Errorf("found record: %+v; want its metadata and CiphertextSize 105, no ciphertext", got[0])
		}
		// As a resident types it: lower case, spaces.
		typed := strings.ToLower(strings.ReplaceAll(refB, "-", " "))
		if got, err := st.SubmissionsByRef(ctx, muni, typed); err != nil || len(got) != 1 || got[0].Ref != refB {
			t.Errorf("SubmissionsByRef(%q) = %v, %v; want the one with %s", typed, ids(got), err, refB)
		}
		all, err := st.SubmissionsByRef(ctx, "", refA)
		if err != nil || len(all) != 3 || !slices.Contains(ids(all), other.ID) {
			t.Errorf("SubmissionsByRef over all municipalities: %v, %v; want 3", ids(all), err)
		}
		if got, err := st.SubmissionsByRef(ctx, "inna", refB); err != nil || len(got) != 0 {
			t.Errorf("another municipality's reference: %v, %v; want none", ids(got), err)
		}
		unknown := kioskRef(t, "PRZ", 200)
		if got, err := st.SubmissionsByRef(ctx, muni, unknown); err != nil || len(got) != 0 {
			t.Errorf("unknown reference: %v, %v; want none and no error", ids(got), err)
		}
		// A reference that is a prefix of another's finds only its own.
		if got, _ := st.SubmissionsByRef(ctx, muni, refA[:len(refA)-1]); len(got) != 0 {
			t.Errorf("a reference's prefix found %v", ids(got))
		}
		// Storing the same submission again does not index it twice.
		if _, created, err := st.PutSubmission(ctx, mk(5, muni, 1, refA, t0), nil); err != nil || created {
			t.Fatalf("repeated PutSubmission: %v, %v", created, err)
		}
		if got, _ := st.SubmissionsByRef(ctx, muni, refA); len(got) != 2 {
			t.Errorf("after a repeated put: %v", ids(got))
		}
	})
	t.Run("CancelledContext", func(t *testing.T) {
		st := open(t)
		rec := put(t, st, record(1, muni, 1, "c1", t0), nil)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		for name, err := range map[string]error{
			"SetStatus":        st.SetStatus(ctx, muni, rec.ID, portal.Status{Code: portal.StatusSettled, By: "cli", At: t0}),
			"StatusOf":         second(st.StatusOf(ctx, muni, rec.ID)),
			"StatusHistory":    second(st.StatusHistory(ctx, muni, rec.ID)),
			"SubmissionsByRef": second(st.SubmissionsByRef(ctx, muni, rec.Ref)),
		} {
			if !errors.Is(err, context.Canceled) {
				t.Errorf("%s with a cancelled context: %v, want context.Canceled", name, err)
			}
		}
		if h, _ := st.StatusHistory(t.Context(), muni, rec.ID); len(h) != 0 {
			t.Errorf("a status was stored with a cancelled context")
		}
	})
}

func sameStatus(a, b portal.Status) bool {
	return a.Code == b.Code && a.To == b.To && a.Note == b.Note && a.By == b.By && a.At.Equal(b.At)
}
