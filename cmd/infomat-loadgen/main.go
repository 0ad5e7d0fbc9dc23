// Command infomat-loadgen measures an Infomat portal under load: simulated kiosks enrol and
// then talk to it over the real protocol, and the run checks that every unique submission
// was stored once and every retry got the same receipt.
//
//	infomat-loadgen [--kiosks 1000] [--duration 20s] [--warmup 0] [--beat 1m] [--poll 5m]
//	                [--submit-rate 4] [--dup 0.1] [--seed 1] [--ciphertext 2048]
//	                [--db bolt:|postgres://…] [--instances 1] [--publish] [--republish 0] [--json]
//	infomat-loadgen --url URL [--url URL…] --tokens FILE …
//	infomat-loadgen --think 1s …
//
// By default each kiosk does what the kiosk's sync client does: a heartbeat every --beat, a
// manifest poll every --poll (fetching the changed blobs after a publish), and submissions
// as a Poisson process of --submit-rate an hour (the busy hour of a busy town hall: about 30
// forms a day in 8 opening hours), each also polling at once, --dup of them sent twice.
// Kiosks start at random points of their intervals. --think selects the older closed-loop
// mode instead: each kiosk sends as fast as a pause of --think (±50%) allows.
//
// Without --url it starts its own portal on loopback (no rate limits or quotas) on --db:
// bbolt in a temporary directory by default, or a PostgreSQL database, where --instances N
// starts N servers, each with its own connection pool, the kiosks spread over them. It
// publishes the embedded sample content for the polls (--publish=false: none) and, with
// --republish D, a changed version every D.
//
// With --url (repeatable: kiosk i talks to the i-th URL mod their number, as behind a load
// balancer with sticky connections) it loads running portals: make the tokens with
// `infomat-portal token create --municipality loadgen --count N`, publish content for
// municipality loadgen if the polls should find some, and start the portals with
// `--submit-rate -1 --device-quota -1` unless the limits are what you want to measure.
//
// Progress goes to stderr every 10 s; the results, per kind of request, to stdout.
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
	"text/tabwriter"
	"time"

	"infomat/sync/loadgen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// urlList is a flag that may be given more than once.
type urlList []string

func (u *urlList) String() string     { return strings.Join(*u, " ") }
func (u *urlList) Set(s string) error { *u = append(*u, s); return nil }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("infomat-loadgen", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var urls urlList
	fl.Var(&urls, "url", "base URL of a running portal instance (repeatable); default: start one on loopback")
	tokens := fl.String("tokens", "", "file of enrolment tokens, one per line (with --url)")
	db := fl.String("db", "", "own portal's store: bolt:DIR or postgres://…; default bbolt in a temporary directory")
	instances := fl.Int("instances", 1, "own portal servers, each with its own store handle (more than one: PostgreSQL)")
	publish := fl.Bool("publish", true, "publish the sample content on the own portal before the run")
	republish := fl.Duration("republish", 0, "publish a changed version this often during the run (own portal; 0: never)")
	kiosks := fl.Int("kiosks", 1000, "simulated kiosks")
	duration := fl.Duration("duration", 20*time.Second, "how long is measured")
	warmup := fl.Duration("warmup", 0, "how long the kiosks run before the measuring starts")
	beat := fl.Duration("beat", loadgen.DefaultBeat, "heartbeat interval")
	poll := fl.Duration("poll", loadgen.DefaultPoll, "manifest poll interval")
	rate := fl.Float64("submit-rate", loadgen.DefaultSubmitRate, "submissions a kiosk an hour (Poisson; 0: none)")
	seed := fl.Uint64("seed", 1, "seed of the schedule (phases, arrivals, retries)")
	think := fl.Duration("think", 0, "closed-loop mode: each kiosk's pause between requests (±50%) instead of the model")
	size := fl.Int("ciphertext", 2048, "bytes of ciphertext per submission")
	dup := fl.Float64("dup", 0.1, "share of submissions sent again (retries)")
	asJSON := fl.Bool("json", false, "print the result as JSON")
	if err := fl.Parse(args); err != nil || fl.NArg() != 0 {
		return 2
	}
	if *rate == 0 {
		*rate = -1 // Config's zero is the default rate
	}
	cfg := loadgen.Config{URLs: urls, DB: *db, Instances: *instances, NoPublish: !*publish, Republish: *republish,
		Kiosks: *kiosks, Duration: *duration, Warmup: *warmup, Think: *think,
		Beat: *beat, Poll: *poll, SubmitRate: *rate, Seed: *seed,
		Ciphertext: *size, DupRate: *dup, Log: stderr}
	if len(urls) > 0 {
		if *tokens == "" {
			fmt.Fprintln(stderr, "infomat-loadgen: --url needs --tokens FILE (infomat-portal token create --municipality "+loadgen.Municipality+" --count N)")
			return 2
		}
		if *db != "" || *instances != 1 || *republish != 0 {
			fmt.Fprintln(stderr, "infomat-loadgen: --db, --instances and --republish are for the own portal, not with --url")
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
		summary(stdout, res)
	}
	if !res.OK() {
		for _, p := range res.Problems {
			fmt.Fprintln(stderr, "PROBLEM:", p)
		}
		return 1
	}
	if !*asJSON {
		fmt.Fprintln(stdout, "check:       OK — every unique submission stored once, retries got the same receipt")
	}
	return 0
}

func summary(w io.Writer, res loadgen.Result) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
	if res.Mode == "model" {
		fmt.Fprintf(w, "model:       heartbeat every %s, poll every %s, %.1f submissions/kiosk/h, dup %.2f, seed %d\n",
			res.BeatEvery, res.PollEvery, res.SubmitRate, res.DupRate, res.Seed)
	} else {
		fmt.Fprintf(w, "mode:        think (closed loop), dup %.2f\n", res.DupRate)
	}
	fmt.Fprintf(w, "portals:     %s\n", strings.Join(res.Portals, " "))
	if res.Store != "" {
		fmt.Fprintf(w, "store:       %s\n", res.Store)
	}
	fmt.Fprintf(w, "kiosks:      %d (setup %s, enrolled in %s)\n", res.Kiosks, res.SetupTime.Round(time.Millisecond), res.EnrollTime.Round(time.Millisecond))
	fmt.Fprintf(w, "measured:    %s, %d requests, %.1f/s\n\n", res.Elapsed.Round(time.Millisecond), res.Requests, res.PerSecond)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "request\tcount\terrors\tper s\tp50\tp99\tmax\t")
	for _, k := range []struct {
		name string
		r    loadgen.KindResult
	}{{"heartbeat", res.Heartbeats}, {"submission", res.Submissions}, {"poll", res.Polls}, {"blob", res.Blobs}} {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%s\t%s\t%s\t\n", k.name, k.r.Count, k.r.Errors, k.r.PerSecond, ms(k.r.P50), ms(k.r.P99), ms(k.r.Max))
	}
	tw.Flush()
	fmt.Fprintln(w)
	fmt.Fprintf(w, "submissions: %d unique, %d duplicate retries", res.Unique, res.Duplicates)
	if res.Stored >= 0 {
		fmt.Fprintf(w, "; the portal stores %d", res.Stored)
	}
	fmt.Fprintln(w)
	if res.Published > 0 {
		fmt.Fprintf(w, "published:   %d versions during the run\n", res.Published)
	}
	fmt.Fprintf(w, "errors:      %d (retried)\n", res.Errors)
	for _, e := range res.FirstErrors {
		fmt.Fprintln(w, "  e.g.", e)
	}
}
