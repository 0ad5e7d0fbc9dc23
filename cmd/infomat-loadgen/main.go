// Command infomat-loadgen measures an Infomat portal under load: simulated kiosks enrol,
// send heartbeats and submissions (some twice, as a kiosk that lost a receipt does) for a
// while over the real protocol, and the run checks that every unique submission was stored
// once and every retry got the same receipt.
//
//	infomat-loadgen [--kiosks 1000] [--duration 20s] [--think 1s] [--ciphertext 2048] [--dup 0.1] [--json]
//	infomat-loadgen --url URL --tokens FILE ...
//
// Without --url it starts its own portal on loopback with a temporary data directory (and no
// rate limits or quotas). With --url it loads a running portal: make the tokens with
// `infomat-portal token create --municipality loadgen --count N`, and start that portal with
// `--submit-rate -1 --device-quota -1` unless the limits are what you want to measure.
//
// It is a development tool, not part of the portal's package: the load generator does not
// ship in infomat-portal.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"infomat/sync/loadgen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("infomat-loadgen", flag.ContinueOnError)
	fl.SetOutput(stderr)
	kiosks := fl.Int("kiosks", 1000, "simulated kiosks")
	duration := fl.Duration("duration", 20*time.Second, "how long they send")
	think := fl.Duration("think", time.Second, "each kiosk's pause between requests (±50%); 0 = as fast as possible")
	size := fl.Int("ciphertext", 2048, "bytes of ciphertext per submission")
	dup := fl.Float64("dup", 0.1, "share of submissions sent again (retries)")
	url := fl.String("url", "", "portal base URL; default: start one on loopback with a temporary data directory")
	tokens := fl.String("tokens", "", "file of enrolment tokens, one per line (with --url)")
	asJSON := fl.Bool("json", false, "print the result as JSON")
	if err := fl.Parse(args); err != nil || fl.NArg() != 0 {
		return 2
	}
	cfg := loadgen.Config{URL: *url, Kiosks: *kiosks, Duration: *duration, Think: *think, Ciphertext: *size, DupRate: *dup, Log: stderr}
	if *url != "" {
		if *tokens == "" {
			fmt.Fprintln(stderr, "infomat-loadgen: --url needs --tokens FILE (infomat-portal token create --municipality "+loadgen.Municipality+" --count N)")
			return 2
		}
		raw, err := os.ReadFile(*tokens)
		if err != nil {
			fmt.Fprintln(stderr, "infomat-loadgen:", err)
			return 1
		}
		cfg.Tokens = strings.Fields(string(raw))
	}
	res, err := loadgen.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "infomat-loadgen:", err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(res)
	} else {
		ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
		fmt.Fprintf(stdout, "kiosks:            %d (enrolled in %s)\n", res.Kiosks, res.EnrollTime.Round(time.Millisecond))
		fmt.Fprintf(stdout, "duration:          %s\n", res.Elapsed.Round(time.Millisecond))
		fmt.Fprintf(stdout, "submissions:       %d unique, %d duplicate retries, %.0f/s\n", res.Unique, res.Duplicates, res.PerSecond)
		fmt.Fprintf(stdout, "submission PUT:    p50 %s, p99 %s\n", ms(res.SubmitP50), ms(res.SubmitP99))
		fmt.Fprintf(stdout, "heartbeats:        %d, p50 %s, p99 %s\n", res.Heartbeats, ms(res.BeatP50), ms(res.BeatP99))
		fmt.Fprintf(stdout, "transport errors:  %d (retried)\n", res.Errors)
		for _, e := range res.FirstErrors {
			fmt.Fprintln(stdout, "  e.g.", e)
		}
		if res.Stored >= 0 {
			fmt.Fprintf(stdout, "portal stores:     %d submissions\n", res.Stored)
		}
	}
	if !res.OK() {
		for _, p := range res.Problems {
			fmt.Fprintln(stderr, "PROBLEM:", p)
		}
		return 1
	}
	fmt.Fprintln(stdout, "check:             OK — every unique submission stored once, retries got the same receipt")
	return 0
}
