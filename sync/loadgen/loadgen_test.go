package loadgen

import (
	"context"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"infomat/assets"
	"infomat/sync/portal"
	"infomat/sync/portal/pgtest"
	"infomat/sync/protocol"
)

// TestMain stops the private PostgreSQL the tests started when the test command gave none.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// runEnough runs cfg until the run has done what the test is about (enough): a run is time-
// bound, and on a slow machine (-race, a busy CI) a short one may end before, say, any retry or
// any republish happened. Each retry doubles the duration, three at most; every run must be
// consistent.
func runEnough(t *testing.T, cfg Config, enough func(Result) bool) Result {
	t.Helper()
	for try := 0; ; try++ {
		res, err := Run(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !res.OK() || res.Stored >= 0 && res.Stored != res.Unique {
			t.Fatalf("%+v", res)
		}
		if enough(res) || try == 3 {
			return res
		}
		t.Logf("%s was too short on this machine: %+v; again for twice as long", cfg.Duration, res)
		cfg.Duration *= 2
	}
}

func TestLoadSmall(t *testing.T) {
	res := runEnough(t, Config{Kiosks: 20, Duration: 700 * time.Millisecond, Think: 5 * time.Millisecond, DupRate: 0.3, Ciphertext: 512},
		func(r Result) bool { return r.Duplicates > 0 })
	if !res.OK() || res.Unique == 0 || res.Duplicates == 0 || res.Heartbeats.Count == 0 || res.Stored != res.Unique {
		t.Fatalf("%+v", res)
	}
}

// checkRun checks what a model run must give however busy the machine is: no inconsistency,
// every kind of request sent, no errors, ordered latencies. The rates themselves depend on
// how fast the portal answers (a kiosk sends one request at a time), so they are checked
// on the schedule, without the network (TestScheduleRates).
func checkRun(t *testing.T, cfg Config, res Result) {
	t.Helper()
	t.Logf("%.1fs, %d published: heartbeat %+v, submission %+v (%d unique, %d retries), poll %+v, blob %+v",
		res.Elapsed.Seconds(), res.Published, res.Heartbeats, res.Submissions, res.Unique, res.Duplicates, res.Polls, res.Blobs)
	if !res.OK() {
		t.Fatalf("problems: %q", res.Problems)
	}
	if res.Heartbeats.Count == 0 || res.Polls.Count == 0 || (cfg.SubmitRate > 0 && res.Unique == 0) {
		t.Errorf("a kind of request was never sent: %+v", res)
	}
	if res.Duplicates > res.Submissions.Count {
		t.Errorf("%d duplicate retries of %d submission requests", res.Duplicates, res.Submissions.Count)
	}
	if e := res.Heartbeats.Errors + res.Submissions.Errors + res.Polls.Errors + res.Blobs.Errors; e > 0 {
		t.Errorf("%d errors: %q", e, res.FirstErrors)
	}
	if res.Heartbeats.P50 <= 0 || res.Heartbeats.P99 < res.Heartbeats.P50 || res.Heartbeats.Max < res.Heartbeats.P99 {
		t.Errorf("heartbeat latencies %+v", res.Heartbeats)
	}
}

// The schedule's randomness has the rates the model promises: first beats and polls spread
// evenly over their interval, submissions a Poisson process of the configured rate. Seeded,
// so the figures are the same on every run.
func TestScheduleRates(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(1, 2))
	const n = 20000
	var phase, gaps time.Duration
	for range n {
		p := uniform(rng, time.Minute)
		if p < 0 || p >= time.Minute {
			t.Fatalf("phase %s outside [0, 1m)", p)
		}
		phase += p
		gaps += exponential(rng, 4.0/3600) // 4 an hour
	}
	if mean := phase / n; mean < 29*time.Second || mean > 31*time.Second {
		t.Errorf("mean phase %s, want 30 s (evenly spread)", mean)
	}
	if mean := gaps / n; mean < 14*time.Minute+20*time.Second || mean > 15*time.Minute+40*time.Second {
		t.Errorf("mean gap between submissions %s, want 15 min (4 an hour)", mean)
	}
}

// The traffic model at small scale, fast: 50 kiosks beating every 200 ms, polling every
// 500 ms and filing a submission a second each.
func TestModel(t *testing.T) {
	cfg := Config{Kiosks: 50, Duration: 2 * time.Second, Beat: 200 * time.Millisecond, Poll: 500 * time.Millisecond,
		SubmitRate: 3600, DupRate: 0.2, Ciphertext: 256, Seed: 7}
	res, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	checkRun(t, cfg, res)
	if res.Mode != "model" || res.Stored != res.Unique || len(res.Portals) != 1 || res.Blobs.Count != 0 {
		t.Errorf("%+v", res)
	}
}

// Content published during the run: kiosks fetch what changed, and only that.
func TestModelRepublish(t *testing.T) {
	cfg := Config{Kiosks: 10, Duration: 2 * time.Second, Beat: time.Second, Poll: 100 * time.Millisecond,
		SubmitRate: -1, Republish: 200 * time.Millisecond}
	res := runEnough(t, cfg, func(r Result) bool { return r.Published > 0 && r.Blobs.Count > 0 })
	t.Logf("%d published, poll %+v, blob %+v", res.Published, res.Polls, res.Blobs)
	if !res.OK() || res.Unique != 0 {
		t.Fatalf("%+v", res)
	}
	// Each new version changes one file and the index shard listing it.
	if res.Published < 1 || res.Blobs.Count == 0 || res.Blobs.Count > 2*res.Published*cfg.Kiosks || res.Blobs.Errors != 0 {
		t.Errorf("%d versions published, blobs %+v", res.Published, res.Blobs)
	}
}

// Several --url: two portal servers on one store, each kiosk sticking to its own.
func TestTwoURLs(t *testing.T) {
	ctx := context.Background()
	st, err := portal.OpenBolt(ctx, t.TempDir(), portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var urls []string
	var hits [2]atomic.Int64
	for i := range hits {
		api := portal.NewServer(st, portal.ServerOptions{Limits: portal.Limits{SubmitRate: -1, DeviceQuota: -1}})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == protocol.PathHeartbeat {
				hits[i].Add(1)
			}
			api.ServeHTTP(w, r)
		}))
		defer srv.Close()
		urls = append(urls, srv.URL+"/") // a trailing slash is trimmed
	}
	cfg := Config{URLs: urls, Kiosks: 20, Duration: time.Second, Beat: 100 * time.Millisecond, Poll: 300 * time.Millisecond,
		SubmitRate: 3600, DupRate: 0.3, Ciphertext: 256}
	for range cfg.Kiosks {
		tok, err := portal.CreateToken(ctx, st, Municipality, time.Hour, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		cfg.Tokens = append(cfg.Tokens, tok)
	}
	if _, err := portal.Publish(ctx, st, Municipality, assets.DefaultContent(), portal.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	checkRun(t, cfg, res)
	if res.Stored != -1 || res.Blobs.Count != 0 || strings.HasSuffix(res.Portals[0], "/") {
		t.Errorf("%+v", res)
	}
	n, err := st.CountSubmissions(ctx, Municipality)
	if err != nil || n != res.Unique {
		t.Errorf("store holds %d submissions (%v), kiosks sent %d unique", n, err, res.Unique)
	}
	a, b := hits[0].Load(), hits[1].Load()
	if a < b/2 || b < a/2 {
		t.Errorf("instances got %d and %d heartbeats: not round-robin", a, b)
	}
}

func TestInstancesNeedPostgres(t *testing.T) {
	_, err := Run(t.Context(), Config{Kiosks: 1, Duration: time.Second, Instances: 2})
	if err == nil || !strings.Contains(err.Error(), "PostgreSQL") {
		t.Fatalf("two instances on bbolt: %v", err)
	}
}

// Two portal instances, each with its own connection pool, on one PostgreSQL database.
func TestLoadgenPostgresTwoInstances(t *testing.T) {
	cfg := Config{DB: pgtest.DB(t), Instances: 2, Kiosks: 20, Duration: 1500 * time.Millisecond,
		Beat: 100 * time.Millisecond, Poll: 300 * time.Millisecond, SubmitRate: 3600, DupRate: 0.2, Ciphertext: 256,
		Republish: 500 * time.Millisecond}
	res := runEnough(t, cfg, func(r Result) bool { return r.Published > 0 && r.Blobs.Count > 0 })
	checkRun(t, cfg, res)
	if len(res.Portals) != 2 || res.Stored != res.Unique || res.Published < 1 || res.Blobs.Count == 0 {
		t.Errorf("%+v", res)
	}
}
