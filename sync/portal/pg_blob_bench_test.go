package portal_test

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"infomat/sync/portal"
	"infomat/sync/portal/pgtest"
)

// BenchmarkBlob puts blobs into each backend and reads them back as the server does
// (OpenBlob, 32 KiB reads) and whole (Blob), reporting MB/s of each: the figure behind
// keeping attachments in PostgreSQL rather than in an object store.
//
//	go test -run '^$' -bench Blob -benchtime 5x ./sync/portal/
//
// The test cluster pgtest starts runs with fsync off, bbolt always syncs: point
// INFOMAT_TEST_POSTGRES at a server with production settings for a fair put figure.
func BenchmarkBlob(b *testing.B) {
	backends := benchBackends
	for _, size := range []int{64 << 10, 1 << 20, 16 << 20} {
		for _, be := range backends {
			b.Run(fmt.Sprintf("%s/%dKiB", be.name, size>>10), func(b *testing.B) {
				st := be.open(b)
				defer st.Close()
				benchBlob(b, st, size)
			})
		}
	}
}

func benchBlob(b *testing.B, st portal.Storage, size int) {
	ctx := b.Context()
	data := make([]byte, size)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range data {
		data[i] = byte(rng.Uint32()) // incompressible, like the PDFs and pictures that are big
	}
	buf := make([]byte, 32<<10) // what io.Copy reads with, as http.ServeContent does
	var put, stream, whole time.Duration
	b.ResetTimer()
	for i := range b.N {
		binary.BigEndian.PutUint64(data, uint64(i)) // a new blob each time
		sum := sha256.Sum256(data)
		sha := hex.EncodeToString(sum[:])

		start := time.Now()
		if isNew, err := st.PutBlob(ctx, sha, data); err != nil || !isNew {
			b.Fatalf("PutBlob: %v, %v", isNew, err)
		}
		put += time.Since(start)

		if err := st.AddManifest(ctx, "przykladowa", uint64(i+1), []string{sha}, signedAs("bench", uint64(i+1))); err != nil {
			b.Fatal(err)
		}

		start = time.Now()
		r, _, err := st.OpenBlob(ctx, "przykladowa", sha)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.CopyBuffer(struct{ io.Writer }{io.Discard}, r, buf) // not io.Discard's own ReadFrom
		if err != nil || n != int64(size) {
			b.Fatalf("OpenBlob read %d bytes, %v", n, err)
		}
		stream += time.Since(start)

		start = time.Now()
		if got, err := st.Blob(ctx, "przykladowa", sha); err != nil || len(got) != size {
			b.Fatalf("Blob: %d bytes, %v", len(got), err)
		}
		whole += time.Since(start)
	}
	mb := float64(size) * float64(b.N) / 1e6
	b.ReportMetric(mb/put.Seconds(), "put-MB/s")
	b.ReportMetric(mb/stream.Seconds(), "stream-MB/s")
	b.ReportMetric(mb/whole.Seconds(), "whole-MB/s")
}

// benchBackends opens each backend for a benchmark that compares them in one run.
var benchBackends = []struct {
	name string
	open func(b *testing.B) portal.Storage
}{
	{"bolt", func(b *testing.B) portal.Storage {
		st, err := portal.OpenBolt(b.Context(), b.TempDir(), portal.BoltOptions{})
		if err != nil {
			b.Fatal(err)
		}
		return st
	}},
	{"postgres", func(b *testing.B) portal.Storage {
		st, err := portal.OpenPostgres(b.Context(), pgtest.DB(b))
		if err != nil {
			b.Fatal(err)
		}
		return st
	}},
}
