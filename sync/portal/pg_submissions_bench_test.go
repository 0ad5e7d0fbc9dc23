package portal_test

import (
	"crypto/rand"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"infomat/sync/portal"
)

// BenchmarkPutSubmission stores 2 KiB submissions from many goroutines at once (kiosks
// uploading to one portal), all of one municipality, so every put also takes its turn at
// the municipality's reference counter. The PostgreSQL of the tests runs with fsync off;
// bbolt syncs every batch.
func BenchmarkPutSubmission(b *testing.B) {
	for _, backend := range benchBackends {
		b.Run(backend.name, func(b *testing.B) {
			st := backend.open(b)
			defer st.Close()
			ciphertext := make([]byte, 2<<10)
			rand.Read(ciphertext)
			received := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
			var seq atomic.Int64
			b.SetParallelism(4) // 4 per CPU: requests wait on the store, not on the CPU
			b.SetBytes(int64(len(ciphertext)))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					n := seq.Add(1)
					rec := portal.Record{ID: fmt.Sprintf("%032x", n), Ref: fmt.Sprint("PRZ-", n), Procedure: "zameldowanie",
						Office: "ug", ContentVersion: "v1", Created: received, Ciphertext: ciphertext,
						Device: fmt.Sprintf("k-%016x", n%16), Municipality: "przykladowa", Received: received}
					if _, created, err := st.PutSubmission(b.Context(), rec, nil); err != nil || !created {
						b.Errorf("PutSubmission: created %v, %v", created, err)
						return
					}
				}
			})
		})
	}
}
