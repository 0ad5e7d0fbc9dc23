package outbox

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchmarkEnqueue measures Enqueue end to end on a real bbolt file in
// b.TempDir(): age encryption, the write transaction and bbolt's fdatasync
// on commit. Besides ns/op it reports the p50 and p99 of the per-call
// latency in microseconds: the time a resident waits between "Wyślij" and
// the confirmation.
func BenchmarkEnqueue(b *testing.B) {
	_, o := openTest(b, b.TempDir())
	rcpt := newIdentity(b).Recipient()
	// A typical form: a handful of answers, about 1 KB of JSON.
	answers, err := json.Marshal(map[string]string{
		"pesel": testPESEL, "imie_nazwisko": testName, "adres": "ul. Długa 1/2, 00-001 Przykładowo",
		"telefon": "+48 600 000 000", "email": "jan@example.pl", "tresc": strings.Repeat("Awaria latarni. ", 50),
	})
	if err != nil {
		b.Fatal(err)
	}
	meta := Meta{Procedure: "zgloszenie-awarii", Office: "UM Przykładowo", ContentVersion: "2026.03.01"}
	ctx := context.Background()
	var lat []time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := o.Enqueue(ctx, meta, "ZGL", answers, rcpt); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	reportLatency(b, lat)
	b.ReportMetric(float64(len(answers)), "answer-bytes")
}

// BenchmarkDiskSyncBaseline is what the disk alone costs for one bbolt
// commit: write a 4 KiB page and fdatasync, twice (bbolt syncs the data
// pages, then the meta page). Compare its percentiles with
// BenchmarkEnqueue's to see how much of the latency is the device.
func BenchmarkDiskSyncBaseline(b *testing.B) {
	f, err := os.OpenFile(filepath.Join(b.TempDir(), "sync"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	page := make([]byte, 4096)
	var lat []time.Duration
	var off int64
	for b.Loop() {
		t0 := time.Now()
		for range 2 {
			if _, err := f.WriteAt(page, off); err != nil {
				b.Fatal(err)
			}
			off = (off + 4096) % (1 << 22)
			if err := f.Sync(); err != nil {
				b.Fatal(err)
			}
		}
		lat = append(lat, time.Since(t0))
	}
	reportLatency(b, lat)
}

// reportLatency reports the p50 and p99 of per-op latencies in µs.
func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[int(p*float64(len(lat)-1))].Nanoseconds()) / 1e3
	}
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}
