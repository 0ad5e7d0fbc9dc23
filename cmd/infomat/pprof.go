package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// servePprof serves Go's profiles (net/http/pprof) on addr, for measuring where the kiosk's
// time and memory go (docs/performance.md). Only a loopback address is accepted: the
// profiles show the process's memory, which may hold what a resident typed, so they must
// never be reachable from the network. The handlers are on their own mux; nothing is served
// without --pprof.
func servePprof(addr string, log *slog.Logger) (stop func(), err error) {
	if err := loopbackOnly(addr); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Error("pprof server stopped", "err", err)
		}
	}()
	log.Warn("profiling server on (development only)", "addr", ln.Addr().String())
	return func() { srv.Close() }, nil
}

// loopbackOnly refuses any address but a loopback IP with a port: not a host name (which
// could resolve elsewhere), not an empty host (all interfaces).
func loopbackOnly(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--pprof %q: %v", addr, err)
	}
	if port == "" {
		return fmt.Errorf("--pprof %q: no port", addr)
	}
	ip := net.ParseIP(host)
	if host == "localhost" {
		ip = net.IPv4(127, 0, 0, 1)
	}
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--pprof %q: only a loopback address (127.0.0.1:PORT, [::1]:PORT, localhost:PORT) is allowed", addr)
	}
	return nil
}
