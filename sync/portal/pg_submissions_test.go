package portal_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"infomat/sync/portal"
)

// Two portal instances are two OpenPostgres handles, each with its own pool, on one
// database: nothing in one process can order what the other does, only the database.

func pgRecord(n int, ciphertext string) portal.Record {
	return portal.Record{
		ID: fmt.Sprintf("%032x", n), Ref: fmt.Sprintf("PRZ-%d", n), Procedure: "zameldowanie", Office: "ug",
		ContentVersion: "v1", Created: pgT0.Add(-time.Minute), Ciphertext: []byte(ciphertext),
		Device: "k-0000000000000001", Municipality: "przykladowa", Received: pgT0,
	}
}

type putResult struct {
	rec     portal.Record
	created bool
	err     error
}

// putAtOnce stores each record through its instance, all released at the same moment.
func putAtOnce(t *testing.T, sts []portal.Storage, recs []portal.Record) []putResult {
	t.Helper()
	out := make([]putResult, len(recs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range recs {
		wg.Go(func() {
			<-start
			r, c, err := sts[i].PutSubmission(t.Context(), recs[i], nil)
			out[i] = putResult{r, c, err}
		})
	}
	close(start)
	wg.Wait()
	return out
}

// checkUsage compares the device's quota row with the sum it stands for.
func checkUsage(t *testing.T, st *portal.Postgres, device string) {
	t.Helper()
	var want int64
	err := st.Pool().QueryRow(t.Context(), `SELECT coalesce(sum(size), 0) FROM submissions
		WHERE device = $1 AND exported IS NULL AND quarantined IS NULL`, device).Scan(&want)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := st.PendingBytes(t.Context(), device); err != nil || got != want {
		t.Fatalf("PendingBytes %d, %v; the pending submissions hold %d", got, err, want)
	}
}

// The same submission PUT to both instances at once, round after round, is stored once and
// both get its receipt; the repeat draws no portal reference, so the references have no gaps.
func TestPostgresSubmissionSameFromTwoInstances(t *testing.T) {
	pair := twoInstances(t)
	a, b := pair[0], pair[1]
	const rounds = 100
	for i := range rounds {
		rec := pgRecord(i, fmt.Sprint("ciphertext-", i))
		res := putAtOnce(t, []portal.Storage{a, b, a, b}, []portal.Record{rec, rec, rec, rec})
		created := 0
		for _, r := range res {
			if r.err != nil {
				t.Fatalf("round %d: %v", i, r.err)
			}
			if r.created {
				created++
			}
			if r.rec.Receipt() != res[0].rec.Receipt() {
				t.Fatalf("round %d: receipts differ: %+v and %+v", i, r.rec.Receipt(), res[0].rec.Receipt())
			}
		}
		if want := fmt.Sprintf("2026/%06d", i+1); created != 1 || res[0].rec.PortalRef != want {
			t.Fatalf("round %d: created %d times, reference %s; want once, %s", i, created, res[0].rec.PortalRef, want)
		}
	}
	for _, st := range []*portal.Postgres{a, b} {
		if n, err := st.CountSubmissions(t.Context(), ""); err != nil || n != rounds {
			t.Fatalf("%d stored, %v; want %d", n, err, rounds)
		}
	}
	checkUsage(t, a, pgRecord(0, "").Device)
}

// Different submissions PUT to both instances at once take the references 1…N, each once.
func TestPostgresSubmissionRefsAcrossInstances(t *testing.T) {
	pair := twoInstances(t)
	a, b := pair[0], pair[1]
	const n = 200
	sts, recs := make([]portal.Storage, n), make([]portal.Record, n)
	for i := range n {
		sts[i], recs[i] = []portal.Storage{a, b}[i%2], pgRecord(i, fmt.Sprint("c", i))
	}
	var refs []string
	for _, r := range putAtOnce(t, sts, recs) {
		if r.err != nil || !r.created {
			t.Fatalf("put: created %v, %v", r.created, r.err)
		}
		refs = append(refs, r.rec.PortalRef)
	}
	slices.Sort(refs)
	for i, ref := range refs {
		if want := fmt.Sprintf("2026/%06d", i+1); ref != want {
			t.Fatalf("references %q…: %s at %d, want %s (no gaps, no duplicates)", refs[:i], ref, i, want)
		}
	}
	all, err := b.Submissions(t.Context(), "przykladowa", true)
	if err != nil || len(all) != n {
		t.Fatalf("Submissions: %d, %v; want %d", len(all), err, n)
	}
	checkUsage(t, b, recs[0].Device)
}

// The same ID with other content is refused, whether the instances race or not, and the
// refused PUT leaves no trace: neither a reference nor quota.
func TestPostgresSubmissionConflictAcrossInstances(t *testing.T) {
	pair := twoInstances(t)
	a, b := pair[0], pair[1]
	ctx := t.Context()
	first, _, err := a.PutSubmission(ctx, pgRecord(1, "original"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.PutSubmission(ctx, pgRecord(1, "forged"), nil); !errors.Is(err, portal.ErrConflict) {
		t.Fatalf("same ID, other ciphertext on the other instance: %v, want ErrConflict", err)
	}
	for i := 2; i < 52; i++ {
		res := putAtOnce(t, []portal.Storage{a, b}, []portal.Record{pgRecord(i, "one"), pgRecord(i, "other")})
		var won []putResult
		for _, r := range res {
			switch {
			case r.err == nil && r.created:
				won = append(won, r)
			case !errors.Is(r.err, portal.ErrConflict):
				t.Fatalf("ID %d: created %v, %v; want one stored, the other ErrConflict", i, r.created, r.err)
			}
		}
		if len(won) != 1 {
			t.Fatalf("ID %d: stored %d times", i, len(won))
		}
		got, err := b.Submission(ctx, "przykladowa", won[0].rec.ID)
		if err != nil || got.PortalRef != fmt.Sprintf("2026/%06d", i) || got.Receipt() != won[0].rec.Receipt() {
			t.Fatalf("ID %d: stored %+v, %v; want the winner's %+v", i, got.Receipt(), err, won[0].rec.Receipt())
		}
	}
	if got, err := a.Submission(ctx, "przykladowa", first.ID); err != nil || string(got.Ciphertext) != "original" {
		t.Fatalf("first submission after conflicts: %q, %v", got.Ciphertext, err)
	}
	checkUsage(t, a, first.Device)
}

// Export, quarantine and release from either instance keep the quota row equal to what it
// counts, also when both export overlapping sets at once.
func TestPostgresSubmissionQuotaAcrossInstances(t *testing.T) {
	pair := twoInstances(t)
	a, b := pair[0], pair[1]
	ctx := t.Context()
	const n = 40
	var ids []string
	for i := range n {
		rec := pgRecord(i, fmt.Sprint("ciphertext of ", i))
		rec.Device = fmt.Sprintf("k-%016x", i%3)
		if _, _, err := a.PutSubmission(ctx, rec, nil); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, rec.ID)
	}
	if err := b.Quarantine(ctx, ids[0], "nie odszyfrowuje się", pgT0); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, st := range []*portal.Postgres{a, b} {
		wg.Go(func() { errs[i] = st.MarkExported(ctx, ids[i*10:n-10+i*10], pgT0.Add(time.Duration(i)*time.Hour)) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if err := a.Release(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	for d := range 3 {
		checkUsage(t, b, fmt.Sprintf("k-%016x", d))
	}
	pending, err := b.Submissions(ctx, "przykladowa", false)
	if err != nil || len(pending) != 0 {
		t.Fatalf("pending after both exports: %d, %v", len(pending), err)
	}
}
