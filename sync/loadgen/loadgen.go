// Package loadgen is a load generator for an Infomat portal: simulated kiosks enrol and then
// talk to the portal over the real protocol, and the run checks that every unique
// submission was stored once and every retry got the same receipt.
//
// By default the kiosks follow a traffic model of what a kiosk's sync client
// (infomat/sync/client) sends: a heartbeat every Beat (1 min), a manifest poll every Poll
// (5 min; mostly a 304, and after a publish the changed index shards and files), and
// submissions as a Poisson process of SubmitRate a kiosk an hour, each pushed at once and
// some sent twice (a retry after a lost receipt). Every kiosk starts at a random point of
// its intervals, so the fleet's load is even from the start. Config.Think selects the older
// closed-loop mode instead: each kiosk sends as fast as a fixed pause allows.
//
// The kiosks talk to running portals (Config.URLs, several as behind a load balancer with
// sticky connections: kiosk i to URLs[i mod n]), or Run starts its own: Instances servers
// on loopback, each with its own handle on the store Config.DB (bbolt in a temporary
// directory by default; PostgreSQL for more than one), publishes the embedded sample
// content so that polls get a real manifest, and can publish changes during the run.
//
// Results are per kind of request (count, errors, p50, p99, max) over the measured window,
// which starts once every kiosk is enrolled and its schedule has begun. It is a development
// tool (cmd/infomat-loadgen), kept out of the portal package and binary.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of the traffic model.
const (
	// DefaultBeat and DefaultPoll are the kiosk client's own intervals (client.RunDeps).
	DefaultBeat = time.Minute
	DefaultPoll = 5 * time.Minute
	// DefaultSubmitRate is submissions a kiosk an hour. A busy town-hall kiosk files about
	// 30 forms a day, nearly all in some 8 opening hours: about 4 an hour. The portal must
	// carry that busy hour, and every kiosk in Poland has it at once (one time zone, the
	// same opening hours), so the model sends the busy-hour rate, not the day's average.
	DefaultSubmitRate = 4.0
)

// Config configures Run.
type Config struct {
	// URLs of running portal instances; kiosk i talks to URLs[i%len(URLs)]. Empty: Run
	// starts its own (DB, Instances).
	URLs []string
	// Tokens enrol the simulated kiosks on the portals given by URLs (one each).
	Tokens []string
	// Client talks to the portals (e.g. one trusting their certificate); default one client
	// for all kiosks with a shared pool of connections.
	Client *http.Client

	// DB is the store of Run's own portal: "" for bbolt in a temporary directory,
	// "bolt:DIR", or a postgres:// URL (see portal.Open).
	DB string
	// Instances is how many portal servers Run starts, each with its own store handle (its
	// own connection pool) on its own listener; more than one needs PostgreSQL. Default 1.
	Instances int
	// NoPublish leaves Run's own portal without content, so polls get 404.
	NoPublish bool
	// Republish publishes the content again, with one file changed, this often during the
	// run (Run's own portal only), so kiosks fetch the changed blobs. 0: never.
	Republish time.Duration

	Kiosks   int           // simulated kiosks
	Duration time.Duration // the measured window
	Warmup   time.Duration // before the measured window: the kiosks run, nothing is measured

	// Think, when positive, selects the closed-loop mode: each kiosk pauses Think (±50%)
	// between requests, with a heartbeat every fifth request and submissions otherwise.
	Think time.Duration

	// The traffic model (Think zero). Zero Beat, Poll or SubmitRate take the defaults; a
	// negative SubmitRate sends no submissions.
	Beat       time.Duration // heartbeat interval
	Poll       time.Duration // manifest poll interval
	SubmitRate float64       // submissions a kiosk an hour, a Poisson process
	// Seed makes the schedule reproducible: the phases, arrivals and duplicate retries (not
	// the random IDs and ciphertext, which must differ between runs).
	Seed uint64

	Ciphertext int     // bytes of random "ciphertext" per submission; default 2048
	DupRate    float64 // share of submissions sent twice (a retry after a lost receipt)

	Log      io.Writer     // progress lines; nil for none
	Progress time.Duration // between progress lines; default 10 s
}

// Result is what Run measured.
type Result struct {
	Mode       string        `json:"mode"` // "model" or "think"
	Kiosks     int           `json:"kiosks"`
	Portals    []string      `json:"portals"`
	Store      string        `json:"store,omitempty"` // Run's own portal's store
	BeatEvery  time.Duration `json:"beat_ns,omitempty"`
	PollEvery  time.Duration `json:"poll_ns,omitempty"`
	SubmitRate float64       `json:"submit_rate_per_hour,omitempty"`
	DupRate    float64       `json:"dup_rate"`
	Seed       uint64        `json:"seed"`

	SetupTime  time.Duration `json:"setup_ns"`  // starting the portals, tokens, publishing
	EnrollTime time.Duration `json:"enroll_ns"` // enrolling every kiosk over HTTP
	Elapsed    time.Duration `json:"elapsed_ns"`

	Requests    int        `json:"requests"` // answered in the measured window, all kinds
	PerSecond   float64    `json:"requests_per_second"`
	Heartbeats  KindResult `json:"heartbeat"`
	Submissions KindResult `json:"submission"` // first sends and duplicate retries
	Polls       KindResult `json:"poll"`
	Blobs       KindResult `json:"blob"`

	Unique      int      `json:"unique_submissions"` // over the whole run, drain included
	Duplicates  int      `json:"duplicate_puts"`
	Published   int      `json:"published"` // versions published during the run
	Stored      int      `json:"stored"`    // -1 when the portal's store is not Run's
	Errors      int      `json:"errors"`    // failed requests, the whole run (retried)
	Problems    []string `json:"problems,omitempty"`
	FirstErrors []string `json:"first_errors,omitempty"`
}

// OK reports whether the run found no inconsistency.
func (r Result) OK() bool { return len(r.Problems) == 0 }

// Municipality is the one the simulated kiosks enrol for (tokens for a running portal are
// made for it, and content published for it).
const Municipality = "loadgen"

// runner is what the kiosks share.
type runner struct {
	cfg    *Config
	client *http.Client
	rec    *recorder
	cat    *catalog
}

// Run enrols cfg.Kiosks simulated kiosks, lets them talk to the portal for cfg.Warmup and
// cfg.Duration, delivers what was still queued, and checks that every unique submission
// got its own portal reference, every retry the same receipt, and (with its own portal)
// that the store holds exactly the unique submissions.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Kiosks <= 0 || cfg.Duration <= 0 {
		return Result{}, errors.New("loadgen: kiosks and duration must be positive")
	}
	if cfg.Ciphertext <= 0 {
		cfg.Ciphertext = 2048
	}
	if cfg.Beat <= 0 {
		cfg.Beat = DefaultBeat
	}
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.SubmitRate == 0 {
		cfg.SubmitRate = DefaultSubmitRate
	}
	if cfg.Progress <= 0 {
		cfg.Progress = 10 * time.Second
	}
	logf := func(format string, a ...any) {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, format+"\n", a...)
		}
	}
	res := Result{Mode: "model", Kiosks: cfg.Kiosks, BeatEvery: cfg.Beat, PollEvery: cfg.Poll, SubmitRate: max(cfg.SubmitRate, 0),
		DupRate: cfg.DupRate, Seed: cfg.Seed, Stored: -1}
	if cfg.Think > 0 {
		res.Mode, res.BeatEvery, res.PollEvery, res.SubmitRate = "think", 0, 0, 0
	}

	// The portals.
	start := time.Now()
	var own *ownPortals
	storedBefore := 0
	if len(cfg.URLs) == 0 {
		var err error
		if own, err = startPortals(ctx, &cfg); err != nil {
			return res, err
		}
		defer own.close()
		cfg.URLs = own.urls
		res.Store = own.String()
		logf("%d portal instance(s) on %s, store %s", len(own.urls), strings.Join(own.urls, " "), res.Store)
		var made atomic.Int64
		stop := every(cfg.Progress, func() { logf("tokens %d/%d", made.Load(), cfg.Kiosks) })
		cfg.Tokens, err = own.tokens(ctx, cfg.Kiosks, &made)
		stop()
		if err != nil {
			return res, err
		}
		logf("%d tokens made in %s", cfg.Kiosks, time.Since(start).Round(time.Millisecond))
		if cfg.Think <= 0 && !cfg.NoPublish {
			p, err := own.publish(ctx, 0)
			if err != nil {
				return res, err
			}
			logf("published version %d: %d files, %d bytes", p.Version, p.Files, p.Bytes)
		}
		if storedBefore, err = own.count(ctx); err != nil {
			return res, err
		}
	}
	urls := make([]string, len(cfg.URLs))
	for i, u := range cfg.URLs {
		urls[i] = strings.TrimRight(u, "/")
	}
	cfg.URLs, res.Portals = urls, urls
	if len(cfg.Tokens) < cfg.Kiosks {
		return res, fmt.Errorf("loadgen: %d kiosks need %d enrolment tokens, have %d", cfg.Kiosks, cfg.Kiosks, len(cfg.Tokens))
	}
	r := &runner{cfg: &cfg, client: cfg.Client, rec: &recorder{}}
	if r.client == nil {
		// One pool for all kiosks: a client each would cost 10,000 pools. Enough idle
		// connections per host that a burst does not end in closing and redialling.
		perHost := cfg.Kiosks/len(cfg.URLs) + 64
		tr := &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        perHost * len(cfg.URLs),
			MaxIdleConnsPerHost: perHost,
			IdleConnTimeout:     90 * time.Second,
		}
		defer tr.CloseIdleConnections()
		r.client = &http.Client{Timeout: time.Minute, Transport: tr}
	}
	res.SetupTime = time.Since(start)

	// Enrol, a bounded number at a time.
	start = time.Now()
	kiosks, err := r.enroll(ctx, logf)
	if err != nil {
		return res, err
	}
	res.EnrollTime = time.Since(start)
	logf("enrolled %d kiosks in %s", cfg.Kiosks, res.EnrollTime.Round(time.Millisecond))

	// Every kiosk starts with the content published now, as a fleet in service has it:
	// one kiosk fetches it (not measured) and the others take its version and ETag.
	if cfg.Think <= 0 {
		k0 := kiosks[0]
		if !k0.poll(ctx) {
			why := "failed"
			if len(k0.problems) > 0 {
				why = k0.problems[0]
			} else if len(r.rec.sample) > 0 {
				why = r.rec.sample[len(r.rec.sample)-1]
			}
			return res, fmt.Errorf("loadgen: first poll: %s", why)
		}
		for _, k := range kiosks[1:] {
			k.version, k.etag = k0.version, k0.etag
		}
		logf("content version %d installed on every kiosk", k0.version)
	}

	// Run. The measured window starts after the warm-up; requests made so far were setup.
	for k := range r.rec.sent {
		r.rec.sent[k].Store(0)
	}
	t0 := time.Now()
	r.rec.from = t0.Add(cfg.Warmup)
	r.rec.until = r.rec.from.Add(cfg.Duration)
	runCtx, cancel := context.WithDeadline(ctx, r.rec.until)
	defer cancel()
	stop := every(cfg.Progress, func() {
		all, per := r.rec.sentSoFar()
		logf("%s: %d requests (heartbeat %d, submission %d, poll %d, blob %d)", time.Since(t0).Round(time.Second),
			all, per[kindHeartbeat], per[kindSubmission], per[kindPoll], per[kindBlob])
	})
	var wg sync.WaitGroup
	var republishErr error
	if own != nil && cfg.Republish > 0 && cfg.Think <= 0 {
		wg.Go(func() {
			for rev := 1; sleep(runCtx, cfg.Republish); rev++ {
				p, err := own.publish(runCtx, rev)
				if err != nil {
					if runCtx.Err() == nil {
						republishErr = err
					}
					return
				}
				res.Published++
				logf("published version %d", p.Version)
			}
		})
	}
	for _, k := range kiosks {
		if cfg.Think > 0 {
			wg.Go(func() { k.think(runCtx) })
		} else {
			wg.Go(func() { k.model(runCtx) })
		}
	}
	wg.Wait()
	stop()
	res.Elapsed = min(time.Since(r.rec.from), cfg.Duration)

	// Drain: a kiosk keeps what was not acknowledged and sends it again.
	drainCtx, cancelDrain := context.WithTimeout(ctx, time.Minute)
	defer cancelDrain()
	for _, k := range kiosks {
		wg.Go(func() { k.drain(drainCtx) })
	}
	wg.Wait()

	// Check.
	if republishErr != nil {
		res.Problems = append(res.Problems, republishErr.Error())
	}
	refs := map[string]string{}
	for _, k := range kiosks {
		res.Unique += len(k.acked)
		res.Duplicates += k.dups
		res.Problems = append(res.Problems, k.problems...)
		for _, s := range k.queue {
			res.Problems = append(res.Problems, "submission "+s.ID+" never acknowledged")
		}
		for _, a := range k.acked {
			if other, dup := refs[a.ref]; dup {
				res.Problems = append(res.Problems, fmt.Sprintf("portal reference %s given to %s and %s", a.ref, other, a.id))
			}
			refs[a.ref] = a.id
		}
	}
	res.Heartbeats = r.rec.result(kindHeartbeat, res.Elapsed)
	res.Submissions = r.rec.result(kindSubmission, res.Elapsed)
	res.Polls = r.rec.result(kindPoll, res.Elapsed)
	res.Blobs = r.rec.result(kindBlob, res.Elapsed)
	res.Requests = res.Heartbeats.Count + res.Submissions.Count + res.Polls.Count + res.Blobs.Count
	if res.Elapsed > 0 {
		res.PerSecond = float64(res.Requests) / res.Elapsed.Seconds()
	}
	res.Errors, res.FirstErrors = r.rec.total, r.rec.sample
	if own != nil {
		n, err := own.count(ctx)
		if err != nil {
			return res, err
		}
		res.Stored = n - storedBefore
		if res.Stored != res.Unique {
			res.Problems = append(res.Problems, fmt.Sprintf("portal stores %d new submissions, kiosks sent %d unique", res.Stored, res.Unique))
		}
	}
	return res, nil
}

// enrollParallel bounds the enrolments under way at once: enough to keep a portal's store
// busy (bbolt batches concurrent enrolments into one transaction), few enough not to open
// thousands of connections at once.
const enrollParallel = 64

// enroll enrols every kiosk on its instance and makes the shared catalog from the signing
// key the portal gave.
func (r *runner) enroll(ctx context.Context, logf func(string, ...any)) ([]*kiosk, error) {
	cfg := r.cfg
	kiosks := make([]*kiosk, cfg.Kiosks)
	var enrolled atomic.Int64
	stop := every(cfg.Progress, func() { logf("enrolled %d/%d", enrolled.Load(), cfg.Kiosks) })
	defer stop()
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
		key      string
		next     atomic.Int64
	)
	for range min(enrollParallel, cfg.Kiosks) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < cfg.Kiosks; i = int(next.Add(1) - 1) {
				k := &kiosk{r: r, url: cfg.URLs[i%len(cfg.URLs)], rng: mrand.New(mrand.NewPCG(cfg.Seed, uint64(i)))}
				pub, err := k.enroll(ctx, cfg.Tokens[i], fmt.Sprintf("sim-%05d", i))
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				if i == 0 {
					key = pub
				}
				kiosks[i] = k
				enrolled.Add(1)
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, fmt.Errorf("loadgen: %w", firstErr)
	}
	pub, err := decodeKey(key)
	if err != nil {
		return nil, fmt.Errorf("loadgen: enrolment: %w", err)
	}
	r.cat = newCatalog(pub)
	return kiosks, nil
}

// every calls fn every d until stop is called.
func every(d time.Duration, fn func()) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fn()
			}
		}
	})
	return func() { close(done); wg.Wait() }
}
