// Command infomat-soak walks a simulated resident through the kiosk's UI (headless, on
// fyne/v2/test) for many actions with an accelerated idle clock, and writes memory over
// actions as CSV and a PNG plot. A simulated week of a busy kiosk:
//
//	go run ./cmd/infomat-soak --actions 50000 --csv week.csv --plot week.png
//
// With --xvfb it walks the real kiosk binary instead (--bin, or built here with -tags
// e2etargets) under Xvfb, tapping with xdotool and sampling the kiosk's resident set from
// /proc/PID/smaps_rollup: about two actions a second, taps only (xvfb.go).
//
// It is a test tool (package soak); the kiosk binary does not contain it.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"infomat/soak"

	// Before Fyne's init reads the locale: see the package's comment.
	_ "clocale"
)

func main() {
	log.SetFlags(log.Ltime)
	log.SetPrefix("infomat-soak: ")
	actions := flag.Int("actions", 50000, "resident actions in all")
	seed := flag.Uint64("seed", 17, "the resident's random seed")
	every := flag.Int("sample", 250, "actions between two samples")
	settle := flag.Int("settle", 2500, "actions between two settled samples (10 s each: the renderer cache emptied first); 0: only the last")
	update := flag.Int("update", 1000, "actions between two content updates; 0: none")
	csvPath := flag.String("csv", "", "write the samples to this CSV file")
	plotPath := flag.String("plot", "", "draw the samples into this PNG file")
	xvfb := flag.Bool("xvfb", false, "walk the real kiosk binary under Xvfb with xdotool (needs Xvfb, xdotool, xdpyinfo)")
	bin := flag.String("bin", "", "with --xvfb: the kiosk binary, built with -tags e2etargets; empty: build it")
	replot := flag.String("replot", "", "only draw --plot from this CSV of an earlier (or running) walk")
	flag.Parse()
	if *replot != "" {
		f, err := os.Open(*replot)
		if err != nil {
			log.Fatal(err)
		}
		samples, err := soak.ReadCSV(f)
		f.Close()
		if err != nil {
			log.Fatalf("%s: %v", *replot, err)
		}
		if len(samples) == 0 {
			log.Fatalf("%s: no samples", *replot)
		}
		last := samples[len(samples)-1]
		writePlot(*plotPath, fmt.Sprintf("infomat soak (headless UI): %d resident actions, %.0f simulated hours",
			last.Actions, last.Simulated.Hours()), samples)
		return
	}
	if !*xvfb {
		if err := soak.Reexec(); err != nil {
			log.Fatalf("set FYNE_CACHE: %v", err)
		}
	}

	var csv *bufio.Writer
	if *csvPath != "" {
		f, err := os.Create(*csvPath)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		csv = bufio.NewWriter(f)
		fmt.Fprintln(csv, soak.CSVHeader)
	}
	start := time.Now()
	if *xvfb {
		samples, err := runXvfb(*bin, *actions, *every, *seed, func(s soak.Sample) {
			log.Printf("%6d actions  kiosk rss %6.1f MB  (%.1f actions/s)", s.Actions, soak.MB(s.RSS),
				float64(s.Actions)/max(s.Elapsed.Seconds(), 1e-3))
			if csv != nil {
				fmt.Fprintln(csv, soak.CSVLine(s))
				csv.Flush()
			}
		})
		if err != nil {
			log.Print(err) // what was sampled is still worth a plot
		}
		writePlot(*plotPath, fmt.Sprintf("infomat under Xvfb: %d taps, seed %d", *actions, *seed), samples)
		if err != nil {
			os.Exit(1)
		}
		return
	}
	res, err := soak.Run(soak.Config{
		Actions: *actions, Seed: *seed, SampleEvery: *every, UpdateEvery: *update,
		Settle: func(n int) bool {
			return n == *actions || n > 0 && *settle > 0 && n%*settle == 0
		},
		Sample: func(s soak.Sample) {
			log.Printf("%6d actions  heap %6.1f MB  rss %6.1f MB  goroutines %d  (%.0f actions/s%s)",
				s.Actions, soak.MB(s.HeapAlloc), soak.MB(s.RSS), s.Goroutines,
				float64(s.Actions)/max(s.Elapsed.Seconds(), 1e-3), map[bool]string{true: ", settled"}[s.Settled])
			if csv != nil {
				fmt.Fprintln(csv, soak.CSVLine(s))
				csv.Flush() // a long run can be read, and plotted, while it goes
			}
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	if csv != nil {
		if err := csv.Flush(); err != nil {
			log.Fatal(err)
		}
	}
	log.Printf("done: %d actions in %s; %v; %d content updates", *actions, time.Since(start).Round(time.Second), res.Done, res.Updates)
	writePlot(*plotPath, fmt.Sprintf("infomat soak (headless UI): %d resident actions, seed %d, %.0f simulated hours",
		*actions, *seed, res.Samples[len(res.Samples)-1].Simulated.Hours()), res.Samples)
}

// writePlot draws samples into path, when one is given.
func writePlot(path, title string, samples []soak.Sample) {
	if path == "" || len(samples) == 0 {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	if err := soak.Plot(f, title, samples); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
