package loadgen

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"time"

	"infomat/outbox"
	"infomat/sync/protocol"
)

// maxManifest bounds a manifest's answer, as the kiosk's client does.
const maxManifest = 64 << 20

// kiosk is one simulated kiosk. Only its own goroutine touches it while the kiosks run. It
// keeps no HTTP client of its own and no content: what it knows of the published content is
// a version number and an ETag (the catalog has the rest), so 10,000 of them fit easily.
type kiosk struct {
	r    *runner
	url  string // its portal instance
	auth string
	rng  *mrand.Rand

	version uint64 // content version installed
	etag    string // of the manifest last handled, for If-None-Match

	queue     []*protocol.Submission // filed, not yet acknowledged: the outbox
	pushFails int
	started   time.Time // for the heartbeat's uptime

	acked    []ack
	last     *delivered // think mode: the latest delivered submission, for a duplicate retry
	dups     int
	problems []string
}

type ack struct{ id, ref string }

type delivered struct {
	id   string
	body []byte
	rc   protocol.Receipt
}

func (k *kiosk) problem(format string, a ...any) {
	if len(k.problems) < 10 {
		k.problems = append(k.problems, fmt.Sprintf(format, a...))
	}
}

// enroll trades a token for credentials on the kiosk's instance and returns the signing key
// the portal gave.
func (k *kiosk) enroll(ctx context.Context, token, hostname string) (string, error) {
	body, err := json.Marshal(protocol.EnrollRequest{Token: token, Hostname: hostname, AppVersion: "loadgen"})
	if err != nil {
		return "", err
	}
	resp, data, err := k.r.do(ctx, http.MethodPost, k.url+protocol.PathEnroll, "", body, "", 1<<20)
	if err == nil && resp.StatusCode/100 != 2 {
		err = statusError(resp, data)
	}
	if err != nil {
		return "", fmt.Errorf("enrol %s: %w", hostname, err)
	}
	var er protocol.EnrollResponse
	if err := json.Unmarshal(data, &er); err != nil {
		return "", fmt.Errorf("enrol %s: %w", hostname, err)
	}
	k.auth = "Bearer " + er.DeviceID + ":" + er.Secret
	return er.SigningKey, nil
}

// model sends what a kiosk's sync client sends (sync/client.Run): a heartbeat every Beat,
// a manifest poll every Poll, and each submission as it is filed, which also polls at once
// (a queued form kicks both push and pull). The first heartbeat and poll come at a random
// point of their interval so that the fleet's requests spread evenly.
func (k *kiosk) model(ctx context.Context) {
	cfg := k.r.cfg
	now := time.Now()
	k.started = now
	nextBeat := now.Add(uniform(k.rng, cfg.Beat))
	nextPoll := now.Add(uniform(k.rng, cfg.Poll))
	perSecond := cfg.SubmitRate / 3600
	var nextSubmit, nextPush time.Time // zero: none due
	if perSecond > 0 {
		nextSubmit = now.Add(exponential(k.rng, perSecond))
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		due := nextBeat
		for _, t := range []time.Time{nextPoll, nextSubmit, nextPush} {
			if !t.IsZero() && t.Before(due) {
				due = t
			}
		}
		timer.Reset(time.Until(due))
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		now := time.Now()
		if !nextSubmit.IsZero() && !now.Before(nextSubmit) {
			k.queue = append(k.queue, k.newSubmission())
			nextSubmit = now.Add(exponential(k.rng, perSecond))
			nextPush, nextPoll = now, now
		}
		if !nextPush.IsZero() && !now.Before(nextPush) {
			if k.push(ctx) {
				nextPush, k.pushFails = time.Time{}, 0
			} else {
				k.pushFails++
				nextPush = time.Now().Add(backoff(k.rng, k.pushFails))
			}
		}
		// The next heartbeat and poll are due an interval after this one began, so the rate
		// holds whatever the latency; one that takes longer than the interval is followed
		// at once by the next, never by several.
		if !now.Before(nextPoll) {
			began := time.Now()
			k.poll(ctx)
			nextPoll = began.Add(cfg.Poll)
		}
		if !now.Before(nextBeat) {
			began := time.Now()
			k.heartbeat(ctx)
			nextBeat = began.Add(cfg.Beat)
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// think is the closed-loop mode: the kiosk sends one request after another with a pause of
// Think (±50%) between them: every fifth a heartbeat, the others a new submission or, at
// DupRate, the latest one again.
func (k *kiosk) think(ctx context.Context) {
	cfg := k.r.cfg
	k.started = time.Now()
	if !sleep(ctx, uniform(k.rng, cfg.Think)) { // kiosks don't all start in the same millisecond
		return
	}
	for i := 0; ctx.Err() == nil; i++ {
		switch {
		case i%5 == 0:
			k.heartbeat(ctx)
		case k.last != nil && k.rng.Float64() < cfg.DupRate:
			k.retry(ctx, k.last)
		default:
			if len(k.queue) == 0 {
				k.queue = append(k.queue, k.newSubmission())
			}
			k.push(ctx)
		}
		if !sleep(ctx, cfg.Think/2+uniform(k.rng, cfg.Think+1)) {
			return
		}
	}
}

// drain delivers what is still queued after the run, as a kiosk keeps trying.
func (k *kiosk) drain(ctx context.Context) {
	for len(k.queue) > 0 && !k.push(ctx) {
		if !sleep(ctx, 100*time.Millisecond) {
			return
		}
	}
}

func (k *kiosk) heartbeat(ctx context.Context) {
	// Sized and filled as the kiosk's own (kiosk.heartbeat).
	hb := protocol.Heartbeat{ContentVersion: k.version, ContentLabel: "loadgen", Queued: len(k.queue),
		Printer: "sim", PrinterOK: true, Reader: "sim", ReaderOK: true, DiskFree: 20 << 30,
		Uptime: time.Since(k.started).Seconds(), AppVersion: "loadgen", Sent: time.Now().UTC()}
	if len(k.queue) > 0 {
		hb.Oldest = k.queue[0].Created
	}
	body, err := json.Marshal(hb)
	if err != nil {
		panic(err) // a Heartbeat always encodes
	}
	began := time.Now()
	resp, data, err := k.r.do(ctx, http.MethodPost, k.url+protocol.PathHeartbeat, k.auth, body, "", 1<<16)
	if err == nil && resp.StatusCode/100 != 2 {
		err = statusError(resp, data)
	}
	k.r.done(ctx, kindHeartbeat, began, err)
}

// newSubmission files a form: random ciphertext of Ciphertext bytes under a new ID.
func (k *kiosk) newSubmission() *protocol.Submission {
	ct := make([]byte, k.r.cfg.Ciphertext)
	_, _ = rand.Read(ct)
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	ref, err := outbox.NewRef("SIM", rand.Reader)
	if err != nil {
		panic(err) // a constant, valid prefix
	}
	return &protocol.Submission{ID: hex.EncodeToString(id), Ref: ref, Procedure: "sim", Office: "sim",
		ContentVersion: "loadgen", Created: time.Now().UTC(), Ciphertext: ct}
}

// push delivers the queue in order and reports whether it emptied it. In the model a
// delivered submission is sent again at DupRate at once: a kiosk that lost the receipt
// sends the same PUT on its next push, a second or so later.
func (k *kiosk) push(ctx context.Context) bool {
	for len(k.queue) > 0 {
		s := k.queue[0]
		body, err := json.Marshal(s)
		if err != nil {
			panic(err) // a Submission always encodes
		}
		began := time.Now()
		var rc protocol.Receipt
		err = k.r.call(ctx, http.MethodPut, k.url+protocol.PathSubmission+s.ID, k.auth, body, &rc)
		k.r.done(ctx, kindSubmission, began, err)
		if err != nil {
			return false
		}
		sum := sha256.Sum256(s.Ciphertext)
		if rc.ID != s.ID || rc.PortalRef == "" || rc.CiphertextSHA256 != hex.EncodeToString(sum[:]) {
			k.problem("bad receipt for %s: %+v", s.ID, rc)
		}
		k.acked = append(k.acked, ack{s.ID, rc.PortalRef})
		k.queue[0] = nil
		k.queue = k.queue[1:]
		d := &delivered{id: s.ID, body: body, rc: rc}
		if k.r.cfg.Think > 0 {
			k.last = d
		} else if k.rng.Float64() < k.r.cfg.DupRate {
			k.retry(ctx, d)
		}
	}
	return true
}

// retry sends a delivered submission again, as a kiosk that lost the receipt does; the
// portal must answer with the same receipt.
func (k *kiosk) retry(ctx context.Context, d *delivered) {
	began := time.Now()
	var rc protocol.Receipt
	err := k.r.call(ctx, http.MethodPut, k.url+protocol.PathSubmission+d.id, k.auth, d.body, &rc)
	k.r.done(ctx, kindSubmission, began, err)
	if err != nil {
		return
	}
	k.dups++
	if !rc.Received.Equal(d.rc.Received) || rc.PortalRef != d.rc.PortalRef || rc.ID != d.rc.ID {
		k.problem("retry of %s got %+v, first receipt %+v", d.id, rc, d.rc)
	}
}

// poll asks for the manifest as the kiosk's client does (If-None-Match with the ETag of the
// one it handled last) and, when a newer version is published, fetches the index shards
// and files its installed version lacks. It reports whether the kiosk is now up to date.
func (k *kiosk) poll(ctx context.Context) bool {
	began := time.Now()
	resp, data, err := k.r.do(ctx, http.MethodGet, k.url+protocol.PathManifest, k.auth, nil, k.etag, maxManifest)
	if err == nil {
		switch {
		case resp.StatusCode == http.StatusNotModified && k.etag != "", resp.StatusCode == http.StatusNotFound:
			k.r.done(ctx, kindPoll, began, nil)
			return true
		case resp.StatusCode/100 != 2:
			err = statusError(resp, data)
		}
	}
	k.r.done(ctx, kindPoll, began, err)
	if err != nil {
		return false
	}
	var sm protocol.SignedManifest
	if err := json.Unmarshal(data, &sm); err != nil {
		k.problem("manifest: %v", err)
		return false
	}
	m, err := k.r.cat.manifest(sm)
	if err != nil {
		k.problem("manifest refused: %v", err)
		return false
	}
	etag := resp.Header.Get("ETag")
	switch {
	case m.Version == k.version:
		k.etag = etag
		return true
	case m.Version < k.version:
		k.problem("manifest version %d after version %d", m.Version, k.version)
		return false
	}
	have := k.r.cat.blobs(k.version)
	for _, s := range m.Index {
		if _, ok := have[s.SHA256]; ok {
			continue
		}
		data, ok := k.blob(ctx, s)
		if !ok {
			return false
		}
		if err := k.r.cat.addShard(s.SHA256, data); err != nil {
			k.problem("%v", err)
			return false
		}
	}
	files, err := k.r.cat.files(m)
	if err != nil {
		k.problem("%v", err)
		return false
	}
	for _, f := range files {
		if _, ok := have[f.SHA256]; ok {
			continue
		}
		if _, ok := k.blob(ctx, f); !ok {
			return false // the next poll tries again
		}
	}
	k.version, k.etag = m.Version, etag
	return true
}

// blob fetches one blob and checks it against the manifest, as the kiosk does.
func (k *kiosk) blob(ctx context.Context, f protocol.File) ([]byte, bool) {
	began := time.Now()
	resp, data, err := k.r.do(ctx, http.MethodGet, k.url+protocol.PathBlob+f.SHA256, k.auth, nil, "", f.Size+1)
	if err == nil && resp.StatusCode/100 != 2 {
		err = statusError(resp, data)
	}
	k.r.done(ctx, kindBlob, began, err)
	if err != nil {
		return nil, false
	}
	if sum := sha256.Sum256(data); int64(len(data)) != f.Size || hex.EncodeToString(sum[:]) != f.SHA256 {
		k.problem("blob %s: %d bytes that do not match the manifest", f.SHA256, len(data))
		return nil, false
	}
	return data, true
}

// do makes one request and reads at most limit bytes of the answer. ifNoneMatch, when not
// empty, is sent as If-None-Match.
func (r *runner) do(ctx context.Context, method, url, auth string, body []byte, ifNoneMatch string, limit int64) (*http.Response, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", protocol.ContentTypeJSON)
	}
	req.Header.Set("Accept", protocol.ContentTypeJSON)
	if auth != "" {
		req.Header.Set(protocol.HeaderDevice, auth)
	}
	if ifNoneMatch != "" {
		req.Header.Set("If-None-Match", ifNoneMatch)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return resp, nil, fmt.Errorf("%s %s: %w", method, url, err)
	}
	return resp, data, nil
}

// call makes one request expecting a 2xx JSON answer decoded into out.
func (r *runner) call(ctx context.Context, method, url, auth string, body []byte, out any) error {
	resp, data, err := r.do(ctx, method, url, auth, body, "", protocol.MaxBody)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return statusError(resp, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decode: %w", method, resp.Request.URL, err)
	}
	return nil
}

// statusError describes an unexpected answer with the protocol.Error it carries.
func statusError(resp *http.Response, data []byte) error {
	var pe protocol.Error
	_ = json.Unmarshal(data, &pe)
	return fmt.Errorf("%s %s: %d %s: %s", resp.Request.Method, resp.Request.URL, resp.StatusCode, pe.Code, pe.Message)
}

// done records a request unless it failed because the run ended.
func (r *runner) done(ctx context.Context, k kind, began time.Time, err error) {
	if err != nil && ctx.Err() != nil {
		return
	}
	r.rec.done(k, began, err)
}

// uniform is a random duration in [0, d).
func uniform(rng *mrand.Rand, d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(rng.Int64N(int64(d)))
}

// exponential is the wait to the next event of a Poisson process of perSecond events a
// second.
func exponential(rng *mrand.Rand, perSecond float64) time.Duration {
	return time.Duration(rng.ExpFloat64() / perSecond * float64(time.Second))
}

// backoff is the kiosk client's wait after the n-th failed push in a row: full jitter
// between 0 and min(5 min, 1 s·2ⁿ⁻¹).
func backoff(rng *mrand.Rand, n int) time.Duration {
	ceil := 5 * time.Minute
	if n <= 9 {
		ceil = min(ceil, time.Second<<(n-1))
	}
	return uniform(rng, ceil+1)
}

// sleep waits d and reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// decodeKey decodes the base64 signing key enrolment gives.
func decodeKey(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	return key, nil
}
