package loadgen

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// kind is a kind of request a kiosk makes.
type kind int

const (
	kindHeartbeat  kind = iota // POST heartbeat
	kindSubmission             // PUT submission, first sends and duplicate retries
	kindPoll                   // GET manifest (mostly 304)
	kindBlob                   // GET blob, after a manifest changed
	numKinds
)

var kindNames = [numKinds]string{"heartbeat", "submission", "poll", "blob"}

// KindResult is what one kind of request measured in the measured window.
type KindResult struct {
	Count     int           `json:"count"`  // answered
	Errors    int           `json:"errors"` // failed (transport error or an unexpected status)
	PerSecond float64       `json:"per_second"`
	P50       time.Duration `json:"p50_ns"`
	P99       time.Duration `json:"p99_ns"`
	Max       time.Duration `json:"max_ns"`
}

// recorder collects every request's outcome. Latencies are kept whole, not in a histogram:
// even 10,000 kiosks for ten minutes make a few hundred thousand of them, a few megabytes.
type recorder struct {
	// from and until bound the measured window by when a request began; both zero until
	// the kiosks start, so enrolment and the setup's first poll are never measured. Set
	// before the kiosks' goroutines start and not changed after.
	from, until time.Time

	sent [numKinds]atomic.Int64 // every request, measured or not, for the progress lines

	mu     sync.Mutex
	lat    [numKinds][]time.Duration
	errs   [numKinds]int
	total  int      // errors, measured or not
	sample []string // the first few errors' text
}

// measured reports whether a request that began at t falls in the measured window.
func (r *recorder) measured(t time.Time) bool {
	return !r.from.IsZero() && !t.Before(r.from) && t.Before(r.until)
}

// done records one request that began at began; err is its failure, if any.
func (r *recorder) done(k kind, began time.Time, err error) {
	d := time.Since(began)
	r.sent[k].Add(1)
	in := r.measured(began)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.total++
		if in {
			r.errs[k]++
		}
		if len(r.sample) < 5 {
			r.sample = append(r.sample, err.Error())
		}
		return
	}
	if in {
		r.lat[k] = append(r.lat[k], d)
	}
}

// sentSoFar is every request made so far, per kind.
func (r *recorder) sentSoFar() (all int64, per [numKinds]int64) {
	for k := range per {
		per[k] = r.sent[k].Load()
		all += per[k]
	}
	return all, per
}

// result summarises one kind over a window of length window.
func (r *recorder) result(k kind, window time.Duration) KindResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	lat := r.lat[k]
	slices.Sort(lat)
	kr := KindResult{Count: len(lat), Errors: r.errs[k]}
	if window > 0 {
		kr.PerSecond = float64(len(lat)) / window.Seconds()
	}
	if len(lat) > 0 {
		kr.P50, kr.P99, kr.Max = percentile(lat, 0.50), percentile(lat, 0.99), lat[len(lat)-1]
	}
	return kr
}

// percentile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p))]
}
