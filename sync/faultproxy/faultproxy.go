// Package faultproxy is a misbehaving HTTP/1.1 proxy on loopback, for fault-tolerance tests of
// the kiosk ↔ portal sync: it sits between a sync client and a real portal and, request by
// request, drops connections (before the portal saw the request, or after it committed and
// before the kiosk got the answer), delays, resets mid-response, answers 5xx itself, cuts
// bodies short, or refuses connections altogether for a while ("the portal is down").
//
// The faults are chosen at random with weights and a seed (SetFaults), so a failing run can
// be repeated. Hooks can also rewrite requests and responses on the wire (tampering).
//
// It is test equipment: plain HTTP only, bodies are buffered whole.
package faultproxy

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault is what the proxy does to one request.
type Fault int

// The faults. "Before" faults never reach the portal; "after" faults reach it (it commits)
// but the client does not get a usable answer.
const (
	None           Fault = iota // forward faithfully
	Drop                        // close the connection before forwarding: the portal never sees the request
	Delay                       // wait up to Config.MaxDelay, then forward; the portal still gets it if the client gave up meanwhile
	Reset                       // forward, send the head and part of the body, then RST (SO_LINGER 0)
	Status5xx                   // answer 503 itself (Retry-After: Config.RetryAfter when set), not forwarded
	Truncate                    // forward, send the full Content-Length but only part of the body, then close
	Down                        // close this connection and refuse all connections for Config.DownFor
	DropAfter                   // forward (the portal commits), then close without answering
	Status5xxAfter              // forward (the portal commits), then answer 504 as a timed-out gateway would
	numFaults
)

var faultNames = [...]string{"none", "drop", "delay", "reset", "5xx", "truncate", "down", "drop-after", "5xx-after"}

func (f Fault) String() string {
	if f >= 0 && f < numFaults {
		return faultNames[f]
	}
	return "fault(" + strconv.Itoa(int(f)) + ")"
}

// Faults lists every fault but None, for building weights.
func Faults() []Fault {
	out := make([]Fault, 0, numFaults-1)
	for f := Drop; f < numFaults; f++ {
		out = append(out, f)
	}
	return out
}

// Config tunes the faults. Zero values get the defaults.
type Config struct {
	MaxDelay   time.Duration // Delay waits uniformly in [0, MaxDelay]; default 20 ms
	DownFor    time.Duration // how long a Down fault refuses connections; default 50 ms
	RetryAfter int           // seconds sent with Status5xx; 0 sends no Retry-After
}

// Response is an upstream answer as the response hook sees it; the hook may change it.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Hooks rewrite traffic on the wire. Either may be nil.
type Hooks struct {
	// Request gets the request (read only) and its body, and returns the body to forward.
	Request func(r *http.Request, body []byte) []byte
	// Response may modify the portal's answer before it is sent (or cut) to the client.
	Response func(r *http.Request, resp *Response)
}

const (
	maxRequestBody  = 64 << 20
	maxResponseBody = 256 << 20
	upstreamTimeout = 30 * time.Second
)

// Proxy forwards http://URL() to the target with faults.
type Proxy struct {
	target string
	addr   string // the fixed listen address, kept across outages
	tr     *http.Transport
	srv    *http.Server
	gate   *gateListener
	wg     sync.WaitGroup

	mu        sync.Mutex
	ln        net.Listener // nil while down
	downUntil time.Time
	upTimer   *time.Timer
	conns     map[net.Conn]struct{}
	closed    bool
	rng       *rand.Rand
	weights   []weighted
	total     int
	cfg       Config
	hooks     Hooks
	counts    [numFaults]int
	requests  int
	outages   int
}

type weighted struct {
	f Fault
	w int
}

// New starts a proxy on 127.0.0.1 (a free port) in front of target ("host:port" or an
// http:// URL). It forwards faithfully until SetFaults.
func New(target string) (*Proxy, error) {
	target = strings.TrimSuffix(strings.TrimPrefix(target, "http://"), "/")
	if _, _, err := net.SplitHostPort(target); err != nil {
		return nil, fmt.Errorf("faultproxy: target %q: %w", target, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: %w", err)
	}
	p := &Proxy{
		target: target,
		addr:   ln.Addr().String(),
		tr: &http.Transport{
			DialContext:           (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			ResponseHeaderTimeout: upstreamTimeout,
			DisableCompression:    true,
			MaxIdleConnsPerHost:   16,
			IdleConnTimeout:       30 * time.Second,
		},
		conns: map[net.Conn]struct{}{},
		rng:   rand.New(rand.NewPCG(1, 1)),
	}
	p.gate = &gateListener{addr: ln.Addr(), ch: make(chan net.Conn), done: make(chan struct{})}
	p.srv = &http.Server{
		Handler:           p,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
		ConnState:         p.connState,
	}
	p.ln = ln
	p.startAccepting(ln)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		_ = p.srv.Serve(p.gate)
	}()
	return p, nil
}

// URL is the proxy's base URL, e.g. http://127.0.0.1:40123.
func (p *Proxy) URL() string { return "http://" + p.addr }

// Addr is the proxy's listen address.
func (p *Proxy) Addr() string { return p.addr }

// Configure sets the fault parameters.
func (p *Proxy) Configure(c Config) {
	p.mu.Lock()
	p.cfg = c
	p.mu.Unlock()
}

// SetHooks installs wire rewriting (tampering); Hooks{} removes it.
func (p *Proxy) SetHooks(h Hooks) {
	p.mu.Lock()
	p.hooks = h
	p.mu.Unlock()
}

// SetFaults makes each request suffer fault f with probability weights[f]/sum(weights)
// (None's weight is the share of faithful requests), drawn from a generator seeded with seed.
func (p *Proxy) SetFaults(weights map[Fault]int, seed int64) {
	var ws []weighted
	total := 0
	for f, w := range weights {
		if w > 0 && f >= 0 && f < numFaults {
			ws = append(ws, weighted{f, w})
			total += w
		}
	}
	// Map order is random: sort so that the seed alone decides the sequence.
	sort.Slice(ws, func(i, j int) bool { return ws[i].f < ws[j].f })
	p.mu.Lock()
	p.weights, p.total = ws, total
	p.rng = rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15))
	p.mu.Unlock()
}

// Heal stops injecting faults, removes the hooks and ends an outage at once.
func (p *Proxy) Heal() {
	p.mu.Lock()
	p.weights, p.total = nil, 0
	p.hooks = Hooks{}
	p.downUntil = time.Time{}
	if p.upTimer != nil {
		p.upTimer.Stop()
		p.upTimer = nil
	}
	p.mu.Unlock()
	p.up()
}

// Down refuses connections for d: the listener is closed (connecting gets "connection
// refused") and open connections are closed. A second Down extends the outage.
func (p *Proxy) Down(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	until := time.Now().Add(d)
	if until.After(p.downUntil) {
		p.downUntil = until
	}
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
		p.outages++
	}
	for c := range p.conns {
		_ = c.Close()
	}
	if p.upTimer != nil {
		p.upTimer.Stop()
	}
	p.upTimer = time.AfterFunc(time.Until(p.downUntil), p.up)
}

// IsDown reports whether the proxy refuses connections now.
func (p *Proxy) IsDown() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ln == nil && !p.closed
}

// up listens again unless closed, already up, or the outage was extended.
func (p *Proxy) up() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.ln != nil {
		return
	}
	if wait := time.Until(p.downUntil); wait > 0 {
		p.upTimer = time.AfterFunc(wait, p.up)
		return
	}
	var ln net.Listener
	var err error
	for range 50 { // the port is ours; a rebind can only race with a closing accept loop
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err != nil {
		panic(fmt.Sprintf("faultproxy: cannot listen on %s again: %v", p.addr, err))
	}
	p.ln = ln
	p.startAccepting(ln)
}

func (p *Proxy) startAccepting(ln net.Listener) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			select {
			case p.gate.ch <- c:
			case <-p.gate.done:
				_ = c.Close()
				return
			}
		}
	}()
}

func (p *Proxy) connState(c net.Conn, s http.ConnState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch s {
	case http.StateNew:
		if p.ln == nil || p.closed {
			// Accepted just before an outage began.
			_ = c.Close()
			return
		}
		p.conns[c] = struct{}{}
	case http.StateHijacked, http.StateClosed:
		delete(p.conns, c)
	}
}

// Close stops the proxy and waits for its goroutines.
func (p *Proxy) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	if p.upTimer != nil {
		p.upTimer.Stop()
	}
	p.mu.Unlock()
	_ = p.srv.Close()
	p.gate.Close()
	p.wg.Wait()
	p.tr.CloseIdleConnections()
}

// Counts returns how many times each fault was injected (None: faithful requests).
func (p *Proxy) Counts() map[Fault]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[Fault]int{}
	for f, n := range p.counts {
		if n > 0 {
			out[Fault(f)] = n
		}
	}
	return out
}

// Requests is the number of requests the proxy received.
func (p *Proxy) Requests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests
}

// Outages is the number of times the listener was closed (Down).
func (p *Proxy) Outages() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.outages
}

// Summary formats the counts, e.g. "requests=412 none=290 drop=17 …".
func (p *Proxy) Summary() string {
	counts := p.Counts()
	var b strings.Builder
	fmt.Fprintf(&b, "requests=%d", p.Requests())
	for f := None; f < numFaults; f++ {
		if n := counts[f]; n > 0 {
			fmt.Fprintf(&b, " %s=%d", f, n)
		}
	}
	fmt.Fprintf(&b, " outages=%d", p.Outages())
	return b.String()
}

// pick draws the fault for one request and a delay for Delay.
func (p *Proxy) pick() (Fault, time.Duration, Config, Hooks) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests++
	f := None
	if p.total > 0 {
		n := p.rng.IntN(p.total)
		for _, w := range p.weights {
			if n < w.w {
				f = w.f
				break
			}
			n -= w.w
		}
	}
	cfg := p.cfg
	if cfg.MaxDelay <= 0 {
		cfg.MaxDelay = 20 * time.Millisecond
	}
	if cfg.DownFor <= 0 {
		cfg.DownFor = 50 * time.Millisecond
	}
	var d time.Duration
	if f == Delay {
		d = time.Duration(p.rng.Int64N(int64(cfg.MaxDelay) + 1))
	}
	return f, d, cfg, p.hooks
}

func (p *Proxy) count(f Fault) {
	p.mu.Lock()
	p.counts[f]++
	p.mu.Unlock()
}

// cut is how much of a body Reset and Truncate send: a random point inside it.
func (p *Proxy) cut(n int) int {
	if n <= 1 {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rng.IntN(n)
}

var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// ServeHTTP implements http.Handler: one request, one fault.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, delay, cfg, hooks := p.pick()
	switch f {
	case Drop:
		p.count(Drop)
		hijack(w, false)
		return
	case Down:
		p.count(Down)
		p.Down(cfg.DownFor) // first, so that the client cannot reconnect in between
		hijack(w, false)
		return
	case Status5xx:
		p.count(Status5xx)
		if cfg.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(cfg.RetryAfter))
		}
		writeJSONError(w, http.StatusServiceUnavailable, "unavailable", "faultproxy: portal overloaded")
		return
	}

	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		p.count(None)
		hijack(w, false) // the client went away mid-body
		return
	}
	if hooks.Request != nil {
		body = hooks.Request(r, body)
	}
	if f == Delay {
		time.Sleep(delay)
	}
	resp, err := p.forward(r, body)
	if err != nil {
		p.count(f)
		writeJSONError(w, http.StatusBadGateway, "internal", "faultproxy: upstream: "+err.Error())
		return
	}
	if hooks.Response != nil {
		hooks.Response(r, resp)
	}
	if (f == Reset || f == Truncate) && len(resp.Body) == 0 {
		f = DropAfter // nothing to cut: lose the answer instead
	}
	p.count(f)
	switch f {
	case DropAfter:
		hijack(w, false)
	case Status5xxAfter:
		writeJSONError(w, http.StatusGatewayTimeout, "internal", "faultproxy: upstream timed out")
	case Reset, Truncate:
		conn, bw := hijack(w, true)
		if conn == nil {
			return
		}
		writeHead(bw, resp)
		_, _ = bw.Write(resp.Body[:p.cut(len(resp.Body))])
		_ = bw.Flush()
		if tc, ok := conn.(*net.TCPConn); ok && f == Reset {
			_ = tc.SetLinger(0)
		}
		_ = conn.Close()
	default:
		h := w.Header()
		for k, v := range resp.Header {
			h[k] = v
		}
		h.Set("Content-Length", strconv.Itoa(len(resp.Body)))
		w.WriteHeader(resp.Status)
		if r.Method != http.MethodHead {
			_, _ = w.Write(resp.Body)
		}
	}
}

// forward sends the request to the target. The client giving up does not cancel it: a
// portal may well finish a request whose client is gone.
func (p *Proxy) forward(r *http.Request, body []byte) (*Response, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), upstreamTimeout)
	defer cancel()
	out, err := http.NewRequestWithContext(ctx, r.Method, "http://"+p.target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	out.Header = r.Header.Clone()
	for _, h := range hopHeaders {
		out.Header.Del(h)
	}
	out.ContentLength = int64(len(body))
	if len(body) == 0 && r.Method != http.MethodPut && r.Method != http.MethodPost {
		out.Body = http.NoBody
	}
	resp, err := p.tr.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		return nil, err
	}
	h := resp.Header.Clone()
	for _, k := range hopHeaders {
		h.Del(k)
	}
	h.Del("Content-Length")
	return &Response{Status: resp.StatusCode, Header: h, Body: data}, nil
}

// hijack takes the connection over; without keep it is closed at once (a FIN).
func hijack(w http.ResponseWriter, keep bool) (net.Conn, *bufio.ReadWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("faultproxy: the response writer cannot hijack (HTTP/2?)")
	}
	conn, bw, err := hj.Hijack()
	if err != nil {
		return nil, nil
	}
	if !keep {
		_ = conn.Close()
		return nil, nil
	}
	return conn, bw
}

// writeHead writes a status line and headers claiming the whole body.
func writeHead(bw *bufio.ReadWriter, resp *Response) {
	fmt.Fprintf(bw, "HTTP/1.1 %d %s\r\n", resp.Status, http.StatusText(resp.Status))
	h := resp.Header.Clone()
	h.Set("Content-Length", strconv.Itoa(len(resp.Body)))
	h.Set("Connection", "close")
	_ = h.Write(bw)
	_, _ = bw.WriteString("\r\n")
}

func writeJSONError(w http.ResponseWriter, status int, code, msg string) {
	body := fmt.Sprintf(`{"code":%q,"message":%q}`, code, msg)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// gateListener hands the http.Server the connections of whichever real listener is up, so
// one Serve outlives any number of outages.
type gateListener struct {
	addr net.Addr
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func (g *gateListener) Accept() (net.Conn, error) {
	select {
	case c := <-g.ch:
		return c, nil
	case <-g.done:
		return nil, net.ErrClosed
	}
}

func (g *gateListener) Close() error {
	g.once.Do(func() { close(g.done) })
	return nil
}

func (g *gateListener) Addr() net.Addr { return g.addr }
