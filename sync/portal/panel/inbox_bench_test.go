package panel_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"infomat/sync/portal"
)

// BenchmarkInboxPage100k is the inbox's server time with 100,000 submissions stored in one
// municipality (and 10,000 in another): the whole request through the panel's handler (session,
// store, template), for the first page, a deep page and each filter. It reports each
// query's p50 and p99 in ms; the target is a p99 under 50 ms.
//
//	go test ./sync/portal/panel -run '^$' -bench InboxPage100k -benchtime 200x
func BenchmarkInboxPage100k(b *testing.B) {
	e := newEnv(b)
	fillStart := time.Now()
	fill(b, e.st, "przykladowa", 100_000)
	fill(b, e.st, "inna", 10_000)
	b.Logf("stored 110,000 submissions in %s", time.Since(fillStart).Round(time.Millisecond))
	clerk := e.browser()
	clerk.login("przykladowa", "urzednik", e.addUser("przykladowa", "urzednik", "Jan", portal.RoleClerk))
	cookie := clerk.c.Jar.Cookies(mustURL(e.srv.URL + "/panel/"))
	h := e.srv.Config.Handler

	day := e.clock.Now().In(portal.DefaultLocation()).AddDate(0, 0, 20).Format(time.DateOnly)
	queries := []struct{ name, q string }{
		{"first", ""},
		{"page1000", "?page=1000"},
		{"last", "?page=2000"},
		{"procedure", "?procedure=dowod-osobisty"},
		{"status", "?status=settled"},
		{"device", "?device=k-0000000000000007"},
		{"day", "?from=" + day + "&to=" + day},
		{"nothing", "?procedure=nie-ma-takiej"},
	}
	times := make([][]time.Duration, len(queries))
	b.ResetTimer()
	for b.Loop() {
		for i, q := range queries {
			req := httptest.NewRequest(http.MethodGet, "/panel/inbox"+q.q, nil)
			for _, c := range cookie {
				req.AddCookie(c)
			}
			w := httptest.NewRecorder()
			start := time.Now()
			h.ServeHTTP(w, req)
			times[i] = append(times[i], time.Since(start))
			if w.Code != http.StatusOK {
				b.Fatalf("%s: %d\n%s", q.name, w.Code, w.Body)
			}
		}
	}
	b.StopTimer()
	for i, q := range queries {
		ts := times[i]
		slices.Sort(ts)
		p := func(f float64) float64 { return float64(ts[int(f*float64(len(ts)-1))].Microseconds()) / 1000 }
		b.ReportMetric(p(0.5), q.name+"-p50-ms")
		b.ReportMetric(p(0.99), q.name+"-p99-ms")
	}
}

// fill stores n submissions of a municipality an hour apart, through the store's own
// PutSubmission from several goroutines (bbolt batches them), with a seeded mix of
// procedures, devices and statuses.
func fill(b *testing.B, st *portal.Bolt, muni string, n int) {
	b.Helper()
	procs := []string{"zameldowanie", "dowod-osobisty", "wymeldowanie", "deklaracja-odpady", "zaswiadczenie"}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	const workers = 32
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			ct := make([]byte, 600)
			for i := w; i < n; i += workers {
				at := t0.Add(time.Duration(i) * time.Hour)
				rec := portal.Record{ID: fmt.Sprintf("%s-%026d", muni[:4], i), Ref: fmt.Sprintf("PRZ-%07d", i),
					Procedure: procs[rng.IntN(len(procs))], Office: "ug", ContentVersion: "v1", Created: at, Received: at,
					Ciphertext: ct, Device: fmt.Sprintf("k-%016d", rng.IntN(20)), Municipality: muni}
				if _, _, err := st.PutSubmission(b.Context(), rec, nil); err != nil {
					errs <- err
					return
				}
				if rng.IntN(50) == 0 { // SetStatus is one fsync each, not batched
					if err := st.SetStatus(b.Context(), muni, rec.ID, portal.Status{Code: portal.StatusSettled, By: "anowak", At: at}); err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
