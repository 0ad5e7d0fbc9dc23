package outbox

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"

	"infomat/store"
)

// The power-cut test re-executes the test binary as a child (the os/exec
// helper-process pattern) that enqueues submissions in a loop; the parent
// SIGKILLs it at a random moment, many times over the same data directory,
// and then checks that everything the child reported is there, once.
//
// SIGKILL stops the process between any two instructions, including in the
// middle of a bbolt commit, but the kernel's page cache survives it: this
// proves the store is consistent and complete after a crash at any point of
// the write path. That written pages also reach the platter is bbolt's
// fdatasync on commit, which SIGKILL cannot exercise.
const (
	envPowerCutDir       = "INFOMAT_OUTBOX_POWERCUT_DIR"
	envPowerCutRecipient = "INFOMAT_OUTBOX_POWERCUT_RECIPIENT"
)

func TestMain(m *testing.M) {
	if os.Getenv(envPowerCutDir) != "" {
		os.Exit(powerCutChild())
	}
	os.Exit(m.Run())
}

// powerCutAnswers are the answers of the child's n-th submission.
func powerCutAnswers(pid, n int) []byte {
	return fmt.Appendf(nil, `{"pesel":%q,"imie":%q,"pid":%d,"n":%d}`, testPESEL, testName, pid, n)
}

// powerCutChild opens the store and enqueues until killed. It prints a line
// only after the call it reports has returned nil:
//
//	ok <id> <ref> <n>       Enqueue of the n-th submission
//	st <id> <state>         MarkSending / MarkDelivered / Purge
//	recovery <text>         store.Open moved a corrupt file aside (a failure,
//	                        unless the file was empty and nothing was
//	                        confirmed yet)
//	err <text>              anything else (a failure)
func powerCutChild() int {
	fail := func(format string, a ...any) int {
		fmt.Printf("err "+format+"\n", a...)
		return 3
	}
	rcpt, err := age.ParseX25519Recipient(os.Getenv(envPowerCutRecipient))
	if err != nil {
		return fail("recipient: %v", err)
	}
	ctx := context.Background()
	st, rec, err := store.Open(ctx, os.Getenv(envPowerCutDir))
	if err != nil {
		return fail("%v", err)
	}
	if rec != nil {
		fmt.Printf("recovery %s\n", rec)
	}
	o, err := Open(st.Bolt())
	if err != nil {
		return fail("%v", err)
	}
	pid := os.Getpid()
	for n := 0; ; n++ {
		it, err := o.Enqueue(ctx, Meta{Procedure: "powercut", Office: "test"}, "PC", powerCutAnswers(pid, n), rcpt)
		if err != nil {
			return fail("%v", err)
		}
		fmt.Printf("ok %s %s %d\n", it.ID, it.Ref, n)
		// Move some items along, so crashes also land in transitions.
		steps := []State{}
		switch n % 4 {
		case 1:
			steps = []State{Sending}
		case 2:
			steps = []State{Sending, Delivered}
		case 3:
			steps = []State{Delivered, Purged}
		}
		for _, s := range steps {
			switch s {
			case Sending:
				err = o.MarkSending(it.ID)
			case Delivered:
				err = o.MarkDelivered(it.ID, Receipt{PortalRef: "P-" + it.Ref, At: it.Created})
			case Purged:
				err = o.Purge(it.ID)
			}
			if err != nil {
				return fail("%v", err)
			}
			fmt.Printf("st %s %s\n", it.ID, s)
		}
	}
}

var stateRank = map[State]int{Queued: 0, Sending: 1, Delivered: 2, Purged: 3}

type reported struct {
	ref   string
	pid   int
	n     int
	state State // furthest state the child reported
	round int
}

func TestPowerCut(t *testing.T) {
	const rounds = 200
	dir := t.TempDir()
	ident := newIdentity(t)
	seed := uint64(time.Now().UnixNano())
	rng := mrand.New(mrand.NewPCG(seed, 0x1f0))
	t.Logf("seed %d", seed)

	seen := map[string]*reported{}
	var totalOK, timerKills, lineKills, killedBeforeOK, emptyRecoveries int
	start := time.Now()
	for round := range rounds {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(),
			envPowerCutDir+"="+dir,
			envPowerCutRecipient+"="+ident.Recipient().String(),
		)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pid := cmd.Process.Pid
		var once sync.Once
		kill := func() { once.Do(func() { _ = cmd.Process.Kill() }) } // SIGKILL
		// Half the rounds: kill 0–60 ms after start (anywhere from process
		// start-up and store.Open to the middle of the loop). The other
		// half: kill right after the k-th confirmation, i.e. during the
		// next write.
		killAfter := 0
		if round%2 == 0 {
			timerKills++
			time.AfterFunc(time.Duration(rng.Int64N(int64(60*time.Millisecond))), kill)
		} else {
			lineKills++
			killAfter = 1 + rng.IntN(8)
		}
		safety := time.AfterFunc(20*time.Second, kill)

		oks := 0
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			switch {
			case len(f) == 4 && f[0] == "ok":
				n, _ := strconv.Atoi(f[3])
				if prev, dup := seen[f[1]]; dup {
					t.Fatalf("round %d: id %s reported twice (first in round %d)", round, f[1], prev.round)
				}
				seen[f[1]] = &reported{ref: f[2], pid: pid, n: n, state: Queued, round: round}
				oks++
				totalOK++
				if oks == killAfter {
					kill()
				}
			case len(f) == 3 && f[0] == "st":
				r := seen[f[1]]
				if r == nil {
					t.Fatalf("round %d: state line for unknown id: %q", round, sc.Text())
				}
				r.state = State(f[2])
			case f[0] == "recovery" && totalOK == 0 && strings.Contains(sc.Text(), "zero length"):
				// A kill during the very first store.Open, between
				// creating infomat.db and bbolt initialising it, leaves a
				// zero-length file, which the next store.Open reports
				// (package store's behaviour). Nothing can be lost then:
				// nothing was confirmed yet.
				emptyRecoveries++
			default:
				kill()
				t.Fatalf("round %d: child says %q\nstderr: %s", round, sc.Text(), stderr.String())
			}
		}
		err = cmd.Wait()
		safety.Stop()
		if err == nil || !strings.Contains(err.Error(), "killed") {
			t.Fatalf("round %d: child was not killed: %v\nstderr: %s", round, err, stderr.String())
		}
		if oks == 0 {
			killedBeforeOK++
		}
	}
	elapsed := time.Since(start)
	t.Logf("%d rounds in %v (%d timer kills, %d kills after k-th confirmation, %d before any confirmation); %d confirmed submissions",
		rounds, elapsed.Round(time.Millisecond), timerKills, lineKills, killedBeforeOK, totalOK)
	if emptyRecoveries > 0 {
		t.Logf("%d store.Open recoveries of a zero-length file left by a kill during the first Open, before any submission", emptyRecoveries)
	}
	if totalOK < rounds {
		t.Fatalf("only %d confirmations in %d rounds: the rounds are too short to test anything", totalOK, rounds)
	}

	verifyAfterCrashes(t, dir, ident, seen)
}

// verifyAfterCrashes checks the directory the children left behind.
func verifyAfterCrashes(t *testing.T, dir string, ident *age.X25519Identity, seen map[string]*reported) {
	st, rec, err := store.Open(context.Background(), dir) // runs tx.Check itself
	if err != nil {
		t.Fatal(err)
	}
	if rec != nil {
		t.Fatalf("store needed recovery: %v", rec)
	}
	defer st.Close()
	o, err := Open(st.Bolt())
	if err != nil {
		t.Fatal(err)
	}

	// Integrity, and every index against the items, read raw.
	var items int
	inState := map[State]int{}
	err = st.Bolt().View(func(tx *bolt.Tx) error {
		var problems []error
		for cerr := range tx.Check() { // drain fully
			problems = append(problems, cerr)
		}
		if len(problems) > 0 {
			return fmt.Errorf("tx.Check: %w", errors.Join(problems...))
		}
		b, err := open(tx)
		if err != nil {
			return err
		}
		idCount := map[string]int{}
		refOwner := map[string]string{}
		err = b.items.ForEach(func(k, v []byte) error {
			items++
			var r record
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("item %x: %w", k, err)
			}
			inState[r.State]++
			if len(k) != keyLen || hex.EncodeToString(k[8:]) != r.ID {
				return fmt.Errorf("item %x: key does not match id %s", k, r.ID)
			}
			idCount[r.ID]++
			if other, dup := refOwner[r.Ref]; dup {
				return fmt.Errorf("ref %s used by %s and %s", r.Ref, other, r.ID)
			}
			refOwner[r.Ref] = r.ID
			if !ValidRef(r.Ref) {
				return fmt.Errorf("item %s: invalid ref %q", r.ID, r.Ref)
			}
			if got := b.ids.Get(k[8:]); !bytes.Equal(got, k) {
				return fmt.Errorf("item %s: ids index %x", r.ID, got)
			}
			if got := b.refs.Get([]byte(r.Ref)); !bytes.Equal(got, k[8:]) {
				return fmt.Errorf("item %s: refs index %x", r.ID, got)
			}
			pending := r.State == Queued || r.State == Sending
			if (b.queue.Get(k) != nil) != pending {
				return fmt.Errorf("item %s (%s): queue membership wrong", r.ID, r.State)
			}
			body := b.bodies.Get(k)
			if (body == nil) != (r.State == Purged) {
				return fmt.Errorf("item %s (%s): ciphertext present=%v", r.ID, r.State, body != nil)
			}
			if body != nil {
				if pt := decrypt(t, body, ident); !bytes.Contains(pt, []byte(testPESEL)) {
					return fmt.Errorf("item %s decrypts to unexpected %q", r.ID, pt)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for id, n := range idCount {
			if n != 1 {
				return fmt.Errorf("id %s stored %d times", id, n)
			}
		}
		for name, bk := range map[string]*bolt.Bucket{"ids": b.ids, "refs": b.refs, "bodies": b.bodies, "queue": b.queue} {
			n := bk.Stats().KeyN
			want := items
			switch name {
			case "bodies":
				want = items - inState[Purged]
			case "queue":
				want = inState[Queued] + inState[Sending]
			}
			if n != want {
				return fmt.Errorf("bucket %s has %d keys, want %d", name, n, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Counters survived every crash in step with the items.
	stats, err := o.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if stats.Queued != inState[Queued] || stats.Sending != inState[Sending] ||
		stats.Delivered != inState[Delivered] || stats.Purged != inState[Purged] {
		t.Fatalf("Stats %+v, items per state %v", stats, inState)
	}

	// Everything the children confirmed is there, with its ref, answers and
	// at least the state they reported.
	for id, r := range seen {
		it, err := o.Get(id)
		if err != nil {
			t.Fatalf("confirmed submission %s (%s, round %d) lost: %v", id, r.ref, r.round, err)
		}
		if it.Ref != r.ref {
			t.Fatalf("submission %s: ref %s, child reported %s", id, it.Ref, r.ref)
		}
		if stateRank[it.State] < stateRank[r.state] {
			t.Fatalf("submission %s: state %s, child reported %s", id, it.State, r.state)
		}
		if it.State != Purged {
			if pt := decrypt(t, it.Ciphertext, ident); !bytes.Equal(pt, powerCutAnswers(r.pid, r.n)) {
				t.Fatalf("submission %s decrypts to %q", id, pt)
			}
		}
	}
	t.Logf("%d items in the store (%d confirmed, %d committed but killed before the confirmation was printed); per state %v",
		items, len(seen), items-len(seen), inState)
	if items < len(seen) {
		t.Fatalf("fewer items than confirmations")
	}
	_ = st.Close()

	raw, err := os.ReadFile(filepath.Join(dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(testPESEL)) || bytes.Contains(raw, []byte(testName)) {
		t.Fatal("personal data in the file after the crashes")
	}
	bboltCLICheck(t, filepath.Join(dir, store.FileName))
}

// bboltCLICheck runs `bbolt check` when the command can be built from the
// module cache without touching go.mod or the network; tx.Check above is
// the same check, so its absence is only logged.
func bboltCLICheck(t *testing.T, file string) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Log("bbolt check: no go command; tx.Check only")
		return
	}
	bin := filepath.Join(t.TempDir(), "bbolt")
	build := exec.Command(goBin, "build", "-o", bin, "go.etcd.io/bbolt/cmd/bbolt")
	build.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOPROXY=off")
	if out, err := build.CombinedOutput(); err != nil {
		first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
		t.Logf("bbolt check: command not available from the module cache (%s); tx.Check only", first)
		return
	}
	out, err := exec.Command(bin, "check", file).CombinedOutput()
	if err != nil {
		t.Fatalf("bbolt check %s: %v\n%s", file, err, out)
	}
	t.Logf("bbolt check: %s", strings.TrimSpace(string(out)))
}
