package faultproxy

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// upstream counts the requests that reached it and answers with a 1 KiB body.
func upstream(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		n.Add(1)
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, strings.Repeat("x", 1024))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func get(c *http.Client, url string) (int, int, error) {
	resp, err := c.Get(url)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, len(data), err
}

func TestEachFault(t *testing.T) {
	srv, hits := upstream(t)
	p, err := New(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	p.Configure(Config{MaxDelay: 30 * time.Millisecond, DownFor: 100 * time.Millisecond, RetryAfter: 7})

	for _, tc := range []struct {
		f          Fault
		reached    bool
		status     int
		wantErr    bool
		retryAfter string
	}{
		{None, true, 200, false, ""},
		{Delay, true, 200, false, ""},
		{Drop, false, 0, true, ""},
		{Status5xx, false, 503, false, "7"},
		{DropAfter, true, 0, true, ""},
		{Status5xxAfter, true, 504, false, ""},
		{Reset, true, 200, true, ""},
		{Truncate, true, 200, true, ""},
	} {
		t.Run(tc.f.String(), func(t *testing.T) {
			c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			p.SetFaults(map[Fault]int{tc.f: 1}, 1)
			before := hits.Load()
			resp, err := c.Get(p.URL() + "/x")
			var status, n int
			if err == nil {
				status = resp.StatusCode
				if got := resp.Header.Get("Retry-After"); got != tc.retryAfter {
					t.Errorf("Retry-After %q, want %q", got, tc.retryAfter)
				}
				var data []byte
				data, err = io.ReadAll(resp.Body)
				n = len(data)
				resp.Body.Close()
			}
			if (err != nil) != tc.wantErr || status != tc.status {
				t.Fatalf("status %d, %d bytes, err %v; want status %d, error %v", status, n, err, tc.status, tc.wantErr)
			}
			if got := hits.Load() - before; (got == 1) != tc.reached {
				t.Errorf("upstream got %d requests; reached should be %v", got, tc.reached)
			}
			if tc.f == Reset && err != nil && !errors.Is(err, syscall.ECONNRESET) && !strings.Contains(err.Error(), "reset") {
				t.Logf("reset surfaced as %v", err)
			}
		})
	}

	// Down: refused for DownFor, then back on the same address.
	p.SetFaults(map[Fault]int{Down: 1}, 1)
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if _, _, err := get(c, p.URL()+"/x"); err == nil {
		t.Fatal("the Down request got an answer")
	}
	p.SetFaults(nil, 1)
	if _, _, err := get(c, p.URL()+"/x"); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("during the outage: %v, want connection refused", err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		status, n, err := get(c, p.URL()+"/x")
		if err == nil && status == 200 && n == 1024 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("proxy did not come back: %d %v", status, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Heal ends an explicit outage at once.
	p.Down(time.Hour)
	if !p.IsDown() {
		t.Fatal("not down")
	}
	p.Heal()
	if status, _, err := get(c, p.URL()+"/x"); err != nil || status != 200 {
		t.Fatalf("after Heal: %d %v", status, err)
	}
	t.Log(p.Summary())
}

func TestDownClosesKeptAliveConnections(t *testing.T) {
	srv, _ := upstream(t)
	p, err := New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	c := &http.Client{}
	if _, _, err := get(c, p.URL()); err != nil {
		t.Fatal(err)
	}
	p.Down(200 * time.Millisecond)
	if _, _, err := get(c, p.URL()); err == nil {
		t.Fatal("a kept-alive connection still reached the portal during the outage")
	}
}

func TestSeedRepeatsTheSequence(t *testing.T) {
	srv, _ := upstream(t)
	seq := func() string {
		p, err := New(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		p.SetFaults(map[Fault]int{None: 2, Status5xx: 1, Status5xxAfter: 1}, 42)
		c := &http.Client{}
		var b strings.Builder
		for range 40 {
			status, _, _ := get(c, p.URL())
			b.WriteString(http.StatusText(status)[:1])
		}
		return b.String()
	}
	if a, b := seq(), seq(); a != b {
		t.Fatalf("same seed, different faults:\n%s\n%s", a, b)
	}
}

func TestHooksRewrite(t *testing.T) {
	var got atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.Store(string(b))
		_, _ = io.WriteString(w, "hello")
	}))
	t.Cleanup(srv.Close)
	p, err := New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	p.SetHooks(Hooks{
		Request:  func(_ *http.Request, b []byte) []byte { return append(b, '!') },
		Response: func(_ *http.Request, r *Response) { r.Body = []byte("HELLO, longer") },
	})
	resp, err := http.Post(p.URL(), "text/plain", strings.NewReader("hi"))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(data) != "HELLO, longer" || got.Load() != "hi!" {
		t.Fatalf("response %q, upstream got %q", data, got.Load())
	}
}
