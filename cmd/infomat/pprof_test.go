package main

import "testing"

// --pprof serves the process's memory: only loopback addresses with a port are accepted.
func TestPprofLoopbackOnly(t *testing.T) {
	for _, ok := range []string{"127.0.0.1:6060", "[::1]:6060", "localhost:6060", "127.0.0.2:1"} {
		if err := loopbackOnly(ok); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{":6060", "0.0.0.0:6060", "[::]:6060", "192.168.1.5:6060", "example.org:6060", "127.0.0.1", "127.0.0.1:", "kiosk:6060"} {
		if err := loopbackOnly(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
