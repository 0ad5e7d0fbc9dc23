package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"infomat/assets"
	"infomat/content"
	"infomat/sync/portal"
)

// ownPortals are the portal instances Run starts itself: each its own portal.Server with its
// own store handle (for PostgreSQL its own connection pool) on its own loopback listener,
// as separate portal processes behind a load balancer would be.
type ownPortals struct {
	stores  []portal.Backend
	servers []*http.Server
	urls    []string
	tmp     string         // temporary data directory to remove, if any
	bundle  content.Folder // what publish publishes, changed a little for each revision
}

func startPortals(ctx context.Context, cfg *Config) (_ *ownPortals, err error) {
	n := max(cfg.Instances, 1)
	if n > 1 && !portal.IsPostgres(cfg.DB) {
		return nil, errors.New("loadgen: several instances need a PostgreSQL store (--db postgres://…): a bbolt file is one process's")
	}
	o := &ownPortals{}
	defer func() {
		if err != nil {
			o.close()
		}
	}()
	var dataDir string
	if cfg.DB == "" || cfg.DB == "bolt:" {
		if o.tmp, err = os.MkdirTemp("", "infomat-loadgen-"); err != nil {
			return nil, fmt.Errorf("loadgen: %w", err)
		}
		dataDir = o.tmp
	}
	var logOut io.Writer = io.Discard
	if cfg.Log != nil {
		logOut = cfg.Log
	}
	log := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: slog.LevelError}))
	for i := range n {
		st, err := portal.Open(ctx, cfg.DB, dataDir, portal.BoltOptions{})
		if err != nil {
			return nil, fmt.Errorf("loadgen: open the store for instance %d: %w", i+1, err)
		}
		o.stores = append(o.stores, st)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("loadgen: %w", err)
		}
		// No rate limits or quotas: the load is what is measured, not the limits.
		api := portal.NewServer(st, portal.ServerOptions{Log: log, Limits: portal.Limits{SubmitRate: -1, DeviceQuota: -1}})
		srv := &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
		go srv.Serve(ln)
		o.servers = append(o.servers, srv)
		o.urls = append(o.urls, "http://"+ln.Addr().String())
	}
	return o, nil
}

// close stops the servers, waiting for requests in flight (a kiosk's request cancelled at
// the end of the run still runs on the server, and logs, until it returns), then closes the
// stores under them.
func (o *ownPortals) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, srv := range o.servers {
		if srv.Shutdown(ctx) != nil {
			srv.Close()
		}
	}
	for _, st := range o.stores {
		st.Close()
	}
	if o.tmp != "" {
		os.RemoveAll(o.tmp)
	}
}

// String says where the store is.
func (o *ownPortals) String() string { return o.stores[0].String() }

// tokens makes n enrolment tokens directly in the store, a few at a time on each instance's
// handle (with PostgreSQL, in parallel over the pools; bbolt writes them one by one).
// done counts the tokens made, for progress lines.
func (o *ownPortals) tokens(ctx context.Context, n int, done *atomic.Int64) ([]string, error) {
	// Make the municipality's signing key first: concurrent first uses would race for it.
	if _, err := o.stores[0].SigningKey(ctx, Municipality); err != nil {
		return nil, fmt.Errorf("loadgen: signing key: %w", err)
	}
	tokens := make([]string, n)
	var wg sync.WaitGroup
	var once sync.Once
	var firstErr error
	next := atomic.Int64{}
	for w := range 8 * len(o.stores) {
		st := o.stores[w%len(o.stores)]
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				tok, err := portal.CreateToken(ctx, st, Municipality, 24*time.Hour, time.Now())
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				tokens[i] = tok
				done.Add(1)
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, fmt.Errorf("loadgen: create tokens: %w", firstErr)
	}
	return tokens, nil
}

// changedFile is the attachment each revision changes: one file and the index shard that
// lists it, as when a clerk replaces one document.
const changedFile = "pliki/bip/formularz-konsultacji.txt"

// publish publishes the embedded sample content as revision rev: rev 0 as it is, later
// ones with one attachment changed.
func (o *ownPortals) publish(ctx context.Context, rev int) (portal.PublishResult, error) {
	if o.bundle == nil {
		b, err := content.FolderOf(assets.DefaultContent())
		if err != nil {
			return portal.PublishResult{}, fmt.Errorf("loadgen: sample content: %w", err)
		}
		o.bundle = b
	}
	b := o.bundle
	if rev > 0 {
		b = maps.Clone(o.bundle)
		b[changedFile] = fmt.Appendf(b[changedFile][:len(b[changedFile]):len(b[changedFile])], "\nWersja %d (loadgen).\n", rev)
	}
	res, err := portal.Publish(ctx, o.stores[0], Municipality, b.FS(), portal.PublishOptions{})
	if err != nil {
		return res, fmt.Errorf("loadgen: publish revision %d: %w", rev, err)
	}
	return res, nil
}

// count is how many submissions the store holds for the municipality.
func (o *ownPortals) count(ctx context.Context) (int, error) {
	n, err := o.stores[0].CountSubmissions(ctx, Municipality)
	if err != nil {
		return 0, fmt.Errorf("loadgen: count submissions: %w", err)
	}
	return n, nil
}
