// Package loadgen is a load generator for an Infomat portal: simulated kiosks enrol, send
// heartbeats and submissions (with duplicate retries) over the real protocol, and the run
// checks that every unique submission was stored once and every retry got the same receipt.
// It is a development tool (cmd/infomat-loadgen), kept out of the portal package and binary.
package loadgen

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"infomat/outbox"
	"infomat/sync/portal"
	"infomat/sync/protocol"
)

// Config configures Run.
type Config struct {
	// URL of a running portal; empty starts one on loopback with a temporary data directory.
	URL string
	// Tokens enrol the simulated kiosks on a portal given by URL (one each).
	Tokens []string
	// Client talks to URL (e.g. one trusting its certificate); default a plain client.
	Client *http.Client

	Kiosks     int           // simulated kiosks
	Duration   time.Duration // how long they send
	Think      time.Duration // each kiosk's pause between requests (jittered ±50%)
	Ciphertext int           // bytes of random "ciphertext" per submission
	DupRate    float64       // share of submissions sent twice (a retry after a lost receipt)
	Log        io.Writer     // progress lines; nil for none
}

// Result is what Run measured.
type Result struct {
	Kiosks      int           `json:"kiosks"`
	Elapsed     time.Duration `json:"elapsed_ns"`
	Unique      int           `json:"unique_submissions"`
	Duplicates  int           `json:"duplicate_puts"`
	Heartbeats  int           `json:"heartbeats"`
	Errors      int           `json:"errors"`
	PerSecond   float64       `json:"submissions_per_second"`
	SubmitP50   time.Duration `json:"submit_p50_ns"`
	SubmitP99   time.Duration `json:"submit_p99_ns"`
	BeatP50     time.Duration `json:"heartbeat_p50_ns"`
	BeatP99     time.Duration `json:"heartbeat_p99_ns"`
	EnrollTime  time.Duration `json:"enroll_ns"`
	Stored      int           `json:"stored"` // -1 when the portal's store is not reachable (URL given)
	Problems    []string      `json:"problems,omitempty"`
	FirstErrors []string      `json:"first_errors,omitempty"`
}

// OK reports whether the run found no inconsistency.
func (r Result) OK() bool { return len(r.Problems) == 0 }

// Municipality is the one the simulated kiosks enrol for (tokens for a running portal are
// made for it).
const Municipality = "loadgen"

// Run enrols cfg.Kiosks simulated kiosks, lets each send heartbeats and submissions (with
// some duplicate retries) for cfg.Duration, retries what failed until acknowledged, and checks
// that every unique submission got its own portal reference, every retry the same receipt,
// and (with its own portal) that the store holds exactly the unique submissions.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Kiosks <= 0 || cfg.Duration <= 0 {
		return Result{}, errors.New("loadgen: kiosks and duration must be positive")
	}
	if cfg.Ciphertext <= 0 {
		cfg.Ciphertext = 2048
	}
	logf := func(format string, a ...any) {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, format+"\n", a...)
		}
	}
	var st *portal.Bolt // its own portal's store, to count what was stored
	if cfg.URL == "" {
		dir, err := os.MkdirTemp("", "infomat-loadgen-")
		if err != nil {
			return Result{}, err
		}
		defer os.RemoveAll(dir)
		b, err := portal.OpenBolt(ctx, dir, portal.BoltOptions{})
		if err != nil {
			return Result{}, err
		}
		defer b.Close()
		st = b
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return Result{}, err
		}
		srv := &http.Server{Handler: portal.NewServer(b, portal.ServerOptions{Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
			Limits: portal.Limits{SubmitRate: -1, DeviceQuota: -1}}),
			ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln)
		defer srv.Close()
		cfg.URL = "http://" + ln.Addr().String()
		logf("portal on %s (data %s)", cfg.URL, dir)
		for range cfg.Kiosks {
			tok, err := portal.CreateToken(ctx, st, Municipality, time.Hour, time.Now())
			if err != nil {
				return Result{}, err
			}
			cfg.Tokens = append(cfg.Tokens, tok)
		}
	}
	if len(cfg.Tokens) < cfg.Kiosks {
		return Result{}, fmt.Errorf("loadgen: %d kiosks need %d enrolment tokens, have %d", cfg.Kiosks, cfg.Kiosks, len(cfg.Tokens))
	}
	cfg.URL = strings.TrimRight(cfg.URL, "/")
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			MaxIdleConns: cfg.Kiosks + 10, MaxIdleConnsPerHost: cfg.Kiosks + 10, IdleConnTimeout: time.Minute,
		}}
	}
	res := Result{Kiosks: cfg.Kiosks, Stored: -1}
	var errCount atomic.Int64
	var errMu sync.Mutex
	noteErr := func(err error) {
		errCount.Add(1)
		errMu.Lock()
		if len(res.FirstErrors) < 5 {
			res.FirstErrors = append(res.FirstErrors, err.Error())
		}
		errMu.Unlock()
	}

	// Enrol, 64 at a time.
	start := time.Now()
	kiosks := make([]*simKiosk, cfg.Kiosks)
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	var enrolErr atomic.Value
	for i := range kiosks {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			var er protocol.EnrollResponse
			body, _ := json.Marshal(protocol.EnrollRequest{Token: cfg.Tokens[i], Hostname: fmt.Sprintf("sim-%04d", i), AppVersion: "loadgen"})
			if _, err := call(ctx, cfg.Client, http.MethodPost, cfg.URL+protocol.PathEnroll, "", body, &er); err != nil {
				enrolErr.Store(err)
				return
			}
			kiosks[i] = &simKiosk{cfg: &cfg, auth: "Bearer " + er.DeviceID + ":" + er.Secret, acked: map[string]protocol.Receipt{}}
		})
	}
	wg.Wait()
	if err, _ := enrolErr.Load().(error); err != nil {
		return res, fmt.Errorf("loadgen: enrol: %w", err)
	}
	res.EnrollTime = time.Since(start)
	logf("enrolled %d kiosks in %s", cfg.Kiosks, res.EnrollTime.Round(time.Millisecond))

	// Run.
	start = time.Now()
	runCtx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	for _, k := range kiosks {
		wg.Go(func() { k.run(runCtx, noteErr) })
	}
	wg.Wait()
	res.Elapsed = time.Since(start)

	// Drain: a kiosk keeps what was not acknowledged and sends it again.
	drainCtx, cancelDrain := context.WithTimeout(ctx, 60*time.Second)
	defer cancelDrain()
	for _, k := range kiosks {
		wg.Go(func() { k.drain(drainCtx, noteErr) })
	}
	wg.Wait()

	// Check.
	refs := map[string]string{}
	var subLat, beatLat []time.Duration
	for _, k := range kiosks {
		res.Unique += len(k.acked)
		res.Duplicates += k.dups
		res.Heartbeats += k.beats
		subLat = append(subLat, k.subLat...)
		beatLat = append(beatLat, k.beatLat...)
		res.Problems = append(res.Problems, k.problems...)
		if k.pending != nil {
			res.Problems = append(res.Problems, "submission "+k.pending.ID+" never acknowledged")
		}
		for id, rc := range k.acked {
			if other, dup := refs[rc.PortalRef]; dup {
				res.Problems = append(res.Problems, fmt.Sprintf("portal reference %s given to %s and %s", rc.PortalRef, other, id))
			}
			refs[rc.PortalRef] = id
		}
	}
	res.Errors = int(errCount.Load())
	res.PerSecond = float64(res.Unique) / res.Elapsed.Seconds()
	res.SubmitP50, res.SubmitP99 = percentile(subLat, 0.50), percentile(subLat, 0.99)
	res.BeatP50, res.BeatP99 = percentile(beatLat, 0.50), percentile(beatLat, 0.99)
	if st != nil {
		n, err := st.CountSubmissions(ctx, Municipality)
		if err != nil {
			return res, err
		}
		res.Stored = n
		if n != res.Unique {
			res.Problems = append(res.Problems, fmt.Sprintf("portal stores %d submissions, kiosks sent %d unique", n, res.Unique))
		}
	}
	return res, nil
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

type simKiosk struct {
	cfg      *Config
	auth     string
	acked    map[string]protocol.Receipt
	sent     map[string][]byte // body of each acknowledged submission, for duplicate retries
	last     string
	pending  *protocol.Submission // sent without a receipt: goes again next
	dups     int
	beats    int
	subLat   []time.Duration
	beatLat  []time.Duration
	problems []string
}

func (k *simKiosk) run(ctx context.Context, noteErr func(error)) {
	rng := mrand.New(mrand.NewPCG(mrand.Uint64(), mrand.Uint64()))
	k.sent = map[string][]byte{}
	if k.cfg.Think > 0 { // kiosks don't all start in the same millisecond
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(rng.Int64N(int64(k.cfg.Think)))):
		}
	}
	for i := 0; ctx.Err() == nil; i++ {
		switch {
		case i%5 == 0:
			hb := protocol.Heartbeat{ContentVersion: 1, Queued: rng.IntN(3), Printer: "sim", PrinterOK: true, AppVersion: "loadgen", Sent: time.Now()}
			body, _ := json.Marshal(hb)
			t := time.Now()
			if _, err := call(ctx, k.cfg.Client, http.MethodPost, k.cfg.URL+protocol.PathHeartbeat, k.auth, body, nil); err != nil {
				if ctx.Err() == nil {
					noteErr(err)
				}
			} else {
				k.beatLat = append(k.beatLat, time.Since(t))
				k.beats++
			}
		case k.last != "" && rng.Float64() < k.cfg.DupRate:
			k.retry(ctx, noteErr)
		default:
			if k.pending == nil {
				ct := make([]byte, k.cfg.Ciphertext)
				_, _ = rand.Read(ct)
				id := make([]byte, 16)
				_, _ = rand.Read(id)
				ref, _ := outbox.NewRef("SIM", rand.Reader)
				k.pending = &protocol.Submission{ID: hex.EncodeToString(id), Ref: ref, Procedure: "sim", Office: "sim",
					ContentVersion: "loadgen", Created: time.Now(), Ciphertext: ct}
			}
			k.send(ctx, noteErr)
		}
		if k.cfg.Think > 0 {
			d := k.cfg.Think/2 + time.Duration(rng.Int64N(int64(k.cfg.Think)+1))
			select {
			case <-ctx.Done():
			case <-time.After(d):
			}
		}
	}
}

// send PUTs the pending submission once.
func (k *simKiosk) send(ctx context.Context, noteErr func(error)) {
	body, _ := json.Marshal(k.pending)
	var rc protocol.Receipt
	t := time.Now()
	if _, err := call(ctx, k.cfg.Client, http.MethodPut, k.cfg.URL+protocol.PathSubmission+k.pending.ID, k.auth, body, &rc); err != nil {
		if ctx.Err() == nil {
			noteErr(err)
		}
		return
	}
	k.subLat = append(k.subLat, time.Since(t))
	if rc.ID != k.pending.ID || rc.PortalRef == "" {
		k.problems = append(k.problems, fmt.Sprintf("bad receipt for %s: %+v", k.pending.ID, rc))
	}
	k.acked[k.pending.ID] = rc
	k.sent[k.pending.ID] = body
	k.last = k.pending.ID
	k.pending = nil
}

// retry sends the last acknowledged submission again, as a kiosk does that lost the receipt.
func (k *simKiosk) retry(ctx context.Context, noteErr func(error)) {
	var rc protocol.Receipt
	t := time.Now()
	if _, err := call(ctx, k.cfg.Client, http.MethodPut, k.cfg.URL+protocol.PathSubmission+k.last, k.auth, k.sent[k.last], &rc); err != nil {
		if ctx.Err() == nil {
			noteErr(err)
		}
		return
	}
	k.subLat = append(k.subLat, time.Since(t))
	k.dups++
	if want := k.acked[k.last]; !rc.Received.Equal(want.Received) || rc.PortalRef != want.PortalRef || rc.ID != want.ID {
		k.problems = append(k.problems, fmt.Sprintf("retry of %s got %+v, first receipt %+v", k.last, rc, want))
	}
}

func (k *simKiosk) drain(ctx context.Context, noteErr func(error)) {
	for k.pending != nil && ctx.Err() == nil {
		k.send(ctx, noteErr)
		if k.pending != nil {
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// call does one request; a non-2xx answer is an error carrying the protocol.Error.
func call(ctx context.Context, c *http.Client, method, url, auth string, body []byte, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", protocol.ContentTypeJSON)
	if auth != "" {
		req.Header.Set(protocol.HeaderDevice, auth)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, protocol.MaxBody))
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode/100 != 2 {
		var pe protocol.Error
		_ = json.Unmarshal(data, &pe)
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s: %s", method, url, resp.StatusCode, pe.Code, pe.Message)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: decode: %w", method, url, err)
		}
	}
	return resp.StatusCode, nil
}
