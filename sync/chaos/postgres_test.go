package chaos

import (
	"context"
	"errors"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"infomat/store"
	"infomat/sync/client"
	"infomat/sync/portal"
	"infomat/sync/portal/pgtest"
)

// roundRobin is the load balancer in front of several portal instances: each request goes
// to the next instance. A killed instance's requests wait in its socket's backlog until the next
// incarnation takes them (see portalSocket); one that fails answers 502, as nginx does without a retry.
type roundRobin struct {
	targets []*url.URL
	next    atomic.Uint64
}

func (rr *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u := rr.targets[rr.next.Add(1)%uint64(len(rr.targets))]
	p := httputil.NewSingleHostReverseProxy(u)
	p.ErrorLog = nil
	p.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusBadGateway) }
	p.ServeHTTP(w, r)
}

// TestSIGKILLPostgres is TestSIGKILL for a portal of two instances on one PostgreSQL
// database behind a round-robin balancer: in every round a kiosk process (enqueueing and
// pushing) is killed, in about a third of them one of the instances too, and in some the
// database server itself is killed (SIGKILL, then restarted) or restarted while the load
// goes on. Afterwards every submission the kiosk confirmed is in the database exactly once,
// with portal references without a gap, the kiosk's receipts match, and each decrypts to
// what was typed.
func TestSIGKILLPostgres(t *testing.T) {
	rounds := chaosRounds(60, 20)
	ctx := context.Background()
	rng := mrand.New(mrand.NewPCG(uint64(seed(t)), 11))
	cluster, err := pgtest.StartCluster()
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Stop()
	db, err := pgtest.CreateDB(ctx, cluster.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	kioskDir := filepath.Join(tmp, "kiosk")
	logf, err := os.Create(filepath.Join(tmp, "children.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	id := newIdentity(t)

	// Two instances, each on its own socket and with its own data directory, one database.
	socks := []*portalSocket{listenPortal(t), listenPortal(t)}
	rr := &roundRobin{}
	for _, s := range socks {
		rr.targets = append(rr.targets, &url.URL{Scheme: "http", Host: s.addr})
	}
	lb := &http.Server{Handler: rr, ReadHeaderTimeout: 5 * time.Second}
	lbLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go lb.Serve(lbLn)
	defer lb.Close()
	lbURL := "http://" + lbLn.Addr().String()

	st, err := portal.OpenPostgres(ctx, db) // also applies the schema before the instances start
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tok, err := portal.CreateToken(ctx, st, muni, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	instances := make([]*proc, len(socks))
	startInstance := func(i int) {
		p := startWith(t, logf, socks[i], "CHAOS_ROLE=portal", "CHAOS_DB="+db,
			"CHAOS_DIR="+filepath.Join(tmp, "portal"+strconv.Itoa(i)))
		p.waitReady(t, "portal instance")
		instances[i] = p
	}
	for i := range instances {
		startInstance(i)
	}
	creds, err := client.Enroll(ctx, lbURL, tok, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := client.SaveCredentials(kioskDir, creds); err != nil {
		t.Fatal(err)
	}

	reported := map[string][]byte{}
	var instanceKills, dbKills, dbRestarts, notReady int
	began := time.Now()
	for r := range rounds {
		for i, p := range instances {
			if p == nil {
				startInstance(i)
			}
		}
		k := start(t, logf, "CHAOS_ROLE=kiosk", "CHAOS_DIR="+kioskDir, "CHAOS_N=3",
			"CHAOS_ROUND="+strconv.Itoa(r), "CHAOS_RECIPIENT="+id.Recipient().String())
		if rng.IntN(10) > 0 {
			k.waitReady(t, "kiosk")
		} else {
			notReady++
		}
		// The database: in one round of ten killed outright and started again, in another
		// restarted (connections cut), while the kiosk pushes through both instances.
		switch rng.IntN(10) {
		case 0:
			time.Sleep(time.Duration(rng.IntN(30)) * time.Millisecond)
			cluster.Kill()
			time.Sleep(time.Duration(rng.IntN(50)) * time.Millisecond)
			if err := cluster.Start(); err != nil {
				t.Fatalf("round %d: restart the database after SIGKILL: %v", r, err)
			}
			dbKills++
		case 1:
			time.Sleep(time.Duration(rng.IntN(30)) * time.Millisecond)
			if err := cluster.Restart(); err != nil {
				t.Fatalf("round %d: restart the database: %v", r, err)
			}
			dbRestarts++
		}
		time.Sleep(time.Duration(rng.IntN(60)) * time.Millisecond)
		if rng.IntN(3) == 0 {
			i := rng.IntN(len(instances))
			instances[i].kill()
			instances[i] = nil
			instanceKills++
		}
		time.Sleep(time.Duration(rng.IntN(20)) * time.Millisecond)
		k.kill()
		if err := checkBolt(filepath.Join(kioskDir, store.FileName)); err != nil {
			t.Fatalf("round %d: kiosk database after SIGKILL: %v", r, err)
		}
		collect(t, r, k, reported)
	}
	killed := time.Since(began)

	// Heal: both instances up, the kiosk pushes until empty.
	for i, p := range instances {
		if p == nil {
			startInstance(i)
		}
	}
	k := openKiosk(t, kioskDir)
	c, err := client.New(creds)
	if err != nil {
		t.Fatal(err)
	}
	pushUntilEmpty(t, c, k.ob)
	c.Close()
	_ = k.st.Close()
	for _, p := range instances {
		_ = p.cmd.Process.Signal(os.Interrupt)
		p.kill()
	}
	if err := st.Check(ctx); err != nil {
		t.Fatal(err)
	}
	held, s := exactlyOnce(t, st, kioskDir, reported, id)
	if held == 0 {
		t.Fatal(errors.New("no submission reached the portal: the run tested nothing"))
	}
	t.Logf("%d rounds in %s: %d kiosk kills (%d before ready), %d portal-instance kills, database killed %d times and restarted %d times",
		rounds, killed.Round(time.Millisecond), rounds, notReady, instanceKills, dbKills, dbRestarts)
	t.Logf("kiosk confirmed %d submissions (%d delivered); the database holds %d, each once", len(reported), s.Purged+s.Delivered, held)
	// The instances' own account of the outages: requests that failed on the database.
	logs, _ := os.ReadFile(logf.Name())
	t.Logf("portal instances logged %d requests failed on the store", strings.Count(string(logs), "request failed"))
}
