package soak

import (
	"bytes"
	"image/png"
	"strings"
	"testing"
)

// The plot once looped for ever on a steep line; every slope and the CSV round trip.
func TestPlotAndCSV(t *testing.T) {
	var csv strings.Builder
	csv.WriteString(CSVHeader + "\n")
	for i, mb := range []uint64{20, 300, 21, 22, 150, 0, 23} {
		csv.WriteString(CSVLine(Sample{Actions: i * 1000, Settled: i%2 == 0, HeapAlloc: mb << 20, HeapInuse: mb << 20, RSS: (mb + 80) << 20}) + "\n")
	}
	samples, err := ReadCSV(strings.NewReader(csv.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != 7 || MB(samples[1].HeapAlloc) != 300 || !samples[2].Settled {
		t.Fatalf("read back %+v", samples)
	}
	var b bytes.Buffer
	if err := Plot(&b, "test", samples); err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(&b); err != nil {
		t.Fatal(err)
	}
}
