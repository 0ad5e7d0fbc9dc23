package storagetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"infomat/sync/portal"
)

func inbox(t *testing.T, open func(*testing.T) portal.Storage) {
	// Twelve submissions an hour apart, newest last: procedures alternate, devices in
	// threes; another municipality's in between.
	fill := func(t *testing.T, st portal.Storage) []portal.Record {
		var out []portal.Record
		for i := range 12 {
			r := record(i+1, muni, 1+i/4, fmt.Sprintf("c%d", i), t0.Add(time.Duration(i)*time.Hour))
			if i%2 == 1 {
				r.Procedure = "dowod"
			}
			out = append(out, put(t, st, r, nil))
			put(t, st, record(100+i, "inna", 9, "x", t0.Add(time.Duration(i)*time.Hour)), nil)
		}
		return out
	}
	entryIDs := func(p portal.InboxPage) []string {
		var out []string
		for _, e := range p.Entries {
			out = append(out, e.ID)
		}
		return out
	}
	t.Run("NewestFirstAndPaged", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		recs := fill(t, st)
		p, err := st.Inbox(ctx, muni, portal.InboxQuery{Limit: 5})
		if err != nil || p.Total != 12 {
			t.Fatalf("Inbox: total %d, %v; want 12", p.Total, err)
		}
		want := []string{recs[11].ID, recs[10].ID, recs[9].ID, recs[8].ID, recs[7].ID}
		if got := entryIDs(p); !slices.Equal(got, want) {
			t.Errorf("first page %v, want %v", got, want)
		}
		e := p.Entries[0]
		r := recs[11]
		if e.Ref != r.Ref || e.PortalRef != r.PortalRef || e.Procedure != r.Procedure || e.Device != r.Device ||
			!e.Received.Equal(r.Received) || !e.Created.Equal(r.Created) || e.Status != portal.StatusReceived || e.Size != len("c11") {
			t.Errorf("entry %+v does not describe %+v", e, r)
		}
		p, err = st.Inbox(ctx, muni, portal.InboxQuery{Offset: 10, Limit: 5})
		if got := entryIDs(p); err != nil || p.Total != 12 || !slices.Equal(got, []string{recs[1].ID, recs[0].ID}) {
			t.Errorf("last page: %v (total %d), %v", got, p.Total, err)
		}
		if p, _ := st.Inbox(ctx, muni, portal.InboxQuery{Limit: 10_000}); len(p.Entries) != 12 {
			t.Errorf("a huge limit: %d entries", len(p.Entries))
		}
		if p, err := st.Inbox(ctx, "nikt", portal.InboxQuery{}); err != nil || p.Total != 0 {
			t.Errorf("a municipality with nothing: %+v, %v", p, err)
		}
	})
	t.Run("Filters", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		recs := fill(t, st)
		if err := st.SetStatus(ctx, muni, recs[3].ID, portal.Status{Code: portal.StatusSettled, By: "anowak", At: t0}); err != nil {
			t.Fatal(err)
		}
		if err := st.SetStatus(ctx, muni, recs[5].ID, portal.Status{Code: portal.StatusInProgress, By: "anowak", At: t0}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name string
			q    portal.InboxQuery
			want []int
		}{
			{"procedure", portal.InboxQuery{Procedure: "dowod"}, []int{11, 9, 7, 5, 3, 1}},
			{"status", portal.InboxQuery{Status: portal.StatusSettled}, []int{3}},
			{"received", portal.InboxQuery{Status: portal.StatusReceived, Procedure: "dowod"}, []int{11, 9, 7, 1}},
			{"device", portal.InboxQuery{Device: deviceID(2)}, []int{7, 6, 5, 4}},
			{"dates", portal.InboxQuery{From: t0.Add(2 * time.Hour), To: t0.Add(5 * time.Hour)}, []int{4, 3, 2}},
			{"everything", portal.InboxQuery{Procedure: "dowod", Device: deviceID(2), Status: portal.StatusInProgress,
				From: t0, To: t0.Add(24 * time.Hour)}, []int{5}},
			{"unknown status", portal.InboxQuery{Status: "zgubiony"}, nil},
		} {
			p, err := st.Inbox(ctx, muni, c.q)
			var want []string
			for _, i := range c.want {
				want = append(want, recs[i].ID)
			}
			if got := entryIDs(p); err != nil || p.Total != len(want) || !slices.Equal(got, want) {
				t.Errorf("%s: %v (total %d), %v; want %v", c.name, got, p.Total, err, want)
			}
		}
		p, _ := st.Inbox(ctx, muni, portal.InboxQuery{Status: portal.StatusInProgress})
		if len(p.Entries) != 1 || p.Entries[0].Status != portal.StatusInProgress {
			t.Errorf("the entry does not carry its status: %+v", p.Entries)
		}
	})
	t.Run("SubmissionOnlyOfTheOwnMunicipality", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		recs := fill(t, st)
		r, err := st.Submission(ctx, muni, recs[2].ID)
		if err != nil || string(r.Ciphertext) != "c2" || r.PortalRef != recs[2].PortalRef {
			t.Fatalf("Submission: %+v, %v", r, err)
		}
		if r, err := st.Submission(ctx, "inna", recs[2].ID); !errors.Is(err, portal.ErrNotFound) || r.Ciphertext != nil {
			t.Errorf("another municipality's submission: %v (ciphertext %q), want ErrNotFound", err, r.Ciphertext)
		}
		if _, err := st.Submission(ctx, muni, submissionID(999)); !errors.Is(err, portal.ErrNotFound) {
			t.Errorf("unknown submission: %v, want ErrNotFound", err)
		}
	})
}
