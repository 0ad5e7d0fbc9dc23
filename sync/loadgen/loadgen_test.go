package loadgen

import (
	"testing"
	"time"
)

func TestLoadSmall(t *testing.T) {
	res, err := Run(t.Context(), Config{Kiosks: 20, Duration: 700 * time.Millisecond, Think: 5 * time.Millisecond, DupRate: 0.3, Ciphertext: 512})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() || res.Unique == 0 || res.Duplicates == 0 || res.Heartbeats == 0 || res.Stored != res.Unique {
		t.Fatalf("%+v", res)
	}
}
