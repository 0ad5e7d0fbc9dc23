//go:build !unix

package boltfile

import "testing"

func runAsNobody(t *testing.T, dir string) {
	t.Fatal("running as root: cannot drop privileges on this system to test permissions")
}
