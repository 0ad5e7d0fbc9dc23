package chaos

import (
	"context"
	"errors"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"infomat/content"
	"infomat/store"
	"infomat/sync/client"
	"infomat/sync/faultproxy"
)

// contentFaults is about 40% faults; blob downloads run four at a time, so few pulls
// complete at the first try and the staged blobs must carry progress over.
var contentFaults = map[faultproxy.Fault]int{
	faultproxy.None:           60,
	faultproxy.Drop:           5,
	faultproxy.Delay:          6,
	faultproxy.Reset:          8,
	faultproxy.Status5xx:      5,
	faultproxy.Truncate:       8,
	faultproxy.DropAfter:      4,
	faultproxy.Status5xxAfter: 3,
	faultproxy.Down:           1,
}

// observer reads the active content continuously, as the kiosk's screens would, and
// records anything that is not exactly one of the published bundles.
type observer struct {
	st       *store.Store
	bundles  []map[string]string // allowed, in order of publication
	reads    atomic.Int64
	mu       sync.Mutex
	problems []string
	newest   int // index of the newest bundle seen
}

func (o *observer) run(stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		select {
		case <-stop:
			return
		default:
		}
		o.look()
		time.Sleep(500 * time.Microsecond)
	}
}

func (o *observer) look() {
	o.reads.Add(1)
	fsys, info, err := o.st.ActiveContent()
	o.mu.Lock()
	defer o.mu.Unlock()
	if errors.Is(err, store.ErrNoContent) {
		if o.newest >= 0 {
			o.problems = append(o.problems, "content disappeared")
		}
		return
	}
	if err != nil {
		o.problems = append(o.problems, "ActiveContent: "+err.Error())
		return
	}
	got, err := fsShas(fsys)
	if err != nil {
		o.problems = append(o.problems, "read active content: "+err.Error())
		return
	}
	match := -1
	for i, b := range o.bundles {
		if maps.Equal(got, b) {
			match = i
		}
	}
	if match < 0 {
		o.problems = append(o.problems, "active content is none of the published bundles (half-switched?)")
		return
	}
	if match < o.newest {
		o.problems = append(o.problems, "active content went back to an older bundle")
	}
	o.newest = max(o.newest, match)
	if want := "portal v"; !strings.HasPrefix(info.Label, want) {
		o.problems = append(o.problems, "label "+info.Label)
	}
	if _, err := content.Load(fsys); err != nil {
		o.problems = append(o.problems, "active content does not validate: "+err.Error())
	}
}

// TestContentUnderFaults publishes a bundle, pulls it through the faulty proxy until it is
// active, then publishes a change and does the same. After every failed pull the previous
// content is still active and valid; a concurrent reader never sees a mix.
func TestContentUnderFaults(t *testing.T) {
	ctx := context.Background()
	pe := newPortal(t)
	px := newProxy(t, pe.srv.Listener.Addr().String())
	k := openKiosk(t, t.TempDir())
	c, err := client.New(pe.enroll(t, px.URL()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	v1 := embedded(t)
	v2 := changed(t, v1, "nowe godziny")
	obs := &observer{st: k.st, bundles: []map[string]string{shas(v1), shas(v2)}, newest: -1}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go obs.run(stop, &wg)

	px.Configure(faultproxy.Config{MaxDelay: 30 * time.Millisecond, DownFor: 30 * time.Millisecond, RetryAfter: 1})
	px.SetFaults(contentFaults, seed(t))

	pullUntil := func(want uint64, files map[string][]byte) (pulls, failed int) {
		t.Helper()
		prev, _ := k.st.PortalVersion()
		prevFiles, _ := k.st.ActiveFiles()
		for pulls = 1; ; pulls++ {
			if pulls > 1000 {
				t.Fatalf("v%d not active after 1000 pulls under faults", want)
			}
			pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			updated, v, err := c.Pull(pctx, k.st, time.Now(), nil)
			cancel()
			if err == nil {
				if !updated || v != want {
					t.Fatalf("pull = %v, %d; want v%d", updated, v, want)
				}
				return pulls, failed
			}
			failed++
			time.Sleep(5 * time.Millisecond) // Run would back off; keep an outage from eating the pulls
			if errors.Is(err, client.ErrBadBlob) || errors.Is(err, client.ErrBadBundle) {
				t.Fatalf("a transport fault was taken for bad content: %v", err)
			}
			// The failed pull left the previous content active, complete and valid.
			if v, _ := k.st.PortalVersion(); v != prev {
				t.Fatalf("after a failed pull (%v) portal version %d, want %d", err, v, prev)
			}
			now, _ := k.st.ActiveFiles()
			if !maps.Equal(now, prevFiles) {
				t.Fatalf("after a failed pull (%v) the active files changed", err)
			}
			if prev > 0 {
				fsys, _, err := k.st.ActiveContent()
				if err != nil {
					t.Fatal(err)
				}
				if _, err := content.Load(fsys); err != nil {
					t.Fatalf("previous content no longer validates: %v", err)
				}
			} else if _, _, err := k.st.ActiveContent(); !errors.Is(err, store.ErrNoContent) {
				t.Fatalf("content appeared after a failed first pull: %v", err)
			}
		}
	}

	r1 := pe.publish(t, v1)
	pulls1, failed1 := pullUntil(r1.Version, v1)
	if got, _ := k.st.ActiveFiles(); !maps.Equal(got, shas(v1)) {
		t.Fatal("v1 active files differ from the published manifest")
	}
	r2 := pe.publish(t, v2)
	pulls2, failed2 := pullUntil(r2.Version, v2)
	close(stop)
	wg.Wait()
	obs.look()

	got, _ := k.st.ActiveFiles()
	if !maps.Equal(got, shas(v2)) {
		t.Fatal("active files differ from the published v2 manifest")
	}
	if v, _ := k.st.PortalVersion(); v != r2.Version {
		t.Fatalf("portal version %d, want %d", v, r2.Version)
	}
	if n, _, _ := k.st.StagedBlobs(); n != 0 {
		t.Errorf("%d blobs left in staging", n)
	}
	fsys, _, err := k.st.ActiveContent()
	if err != nil {
		t.Fatal(err)
	}
	b, err := content.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range b.Procedures {
		found = found || strings.Contains(p.Title, "nowe godziny")
	}
	if !found {
		t.Error("the changed card is not in the active bundle")
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	for i, p := range obs.problems {
		if i == 5 {
			break
		}
		t.Errorf("observer: %s", p)
	}
	if obs.newest != 1 {
		t.Errorf("observer never saw v2 (newest %d)", obs.newest)
	}
	t.Logf("%d files; v1: %d pulls (%d failed); v2: %d pulls (%d failed); %d concurrent reads of the active content",
		len(v1), pulls1, failed1, pulls2, failed2, obs.reads.Load())
	t.Logf("faults: %s", px.Summary())
}
