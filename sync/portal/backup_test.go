package portal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// gateWriter blocks its first Write until open is closed, holding the snapshot's read
// transaction open meanwhile.
type gateWriter struct {
	w       io.Writer
	started chan struct{}
	open    chan struct{}
	first   bool
}

func (g *gateWriter) Write(p []byte) (int, error) {
	if !g.first {
		g.first = true
		close(g.started)
		<-g.open
	}
	return g.w.Write(p)
}

// A snapshot is the database as its read transaction saw it: the portal writes on while it
// is taken, and those writes are not in it. (A write that must grow bbolt's memory map waits
// for the snapshot's transaction to end, so the writes here are let finish on their own
// time, not awaited while the snapshot is held.)
func TestSnapshotIsConsistentWhileWriting(t *testing.T) {
	f := newFixture(t)
	f.enroll("przykladowa")
	var buf bytes.Buffer
	g := &gateWriter{w: &buf, started: make(chan struct{}), open: make(chan struct{})}
	errc := make(chan error, 1)
	go func() {
		_, err := f.st.Snapshot(t.Context(), g)
		errc <- err
	}()
	<-g.started
	// The snapshot's transaction is open: a kiosk enrols and reports.
	wrote := make(chan creds, 1)
	go func() { wrote <- f.enroll("przykladowa") }()
	select {
	case <-wrote:
		t.Log("the enrolment committed while the snapshot was held")
	case <-time.After(300 * time.Millisecond):
		t.Log("the enrolment waits for the snapshot (bbolt grows its map)")
	}
	close(g.open)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	c := <-wrote
	if err := f.st.PutHeartbeat(t.Context(), c.DeviceID, Beat{Received: f.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "snap.db")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	info, err := InspectSnapshot(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Devices != 1 || info.Schema != schemaVersion {
		t.Fatalf("snapshot holds %+v, want the one device enrolled before it", info)
	}
	if devs, _ := f.st.Devices(t.Context()); len(devs) != 2 {
		t.Fatalf("the store has %d devices", len(devs))
	}
}

// InspectSnapshot refuses a damaged copy and a file that is not a portal's database.
func TestInspectSnapshotRefuses(t *testing.T) {
	f := newFixture(t)
	f.enroll("przykladowa")
	var buf bytes.Buffer
	if _, err := f.st.Snapshot(t.Context(), &buf); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	short := filepath.Join(dir, "short.db")
	_ = os.WriteFile(short, buf.Bytes()[:buf.Len()-4096], 0o600)
	if _, err := InspectSnapshot(t.Context(), short); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("truncated copy: %v", err)
	}
	other := filepath.Join(dir, "other.db")
	db, err := OpenBolt(t.Context(), t.TempDir(), BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, _ := os.ReadFile(db.Path())
	_ = os.WriteFile(other, raw, 0o600)
	if info, err := InspectSnapshot(t.Context(), other); err != nil || info.Devices != 0 {
		t.Fatalf("empty portal: %+v %v", info, err)
	}
	if _, err := InspectSnapshot(t.Context(), filepath.Join(dir, "missing.db")); err == nil {
		t.Fatal("a missing file passed")
	}
}

// failingSnapshot is a store whose snapshot breaks off after some bytes.
type failingSnapshot struct{ *Bolt }

func (f failingSnapshot) Snapshot(ctx context.Context, w io.Writer) (int64, error) {
	n, _ := w.Write(make([]byte, 8192))
	return int64(n), errors.New("disk on fire")
}

// Through the admin socket the client gets the serving portal's snapshot with its checksum;
// a snapshot that breaks off is an error on the client, never a short file taken for whole.
func TestAdminSnapshot(t *testing.T) {
	f := newFixture(t)
	f.enroll("przykladowa")
	_, c := adminFixture(t, f)
	var got bytes.Buffer
	n, sum, err := c.Snapshot(t.Context(), &got)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(got.Bytes())
	if n != int64(got.Len()) || sum != hex.EncodeToString(h[:]) || n < 16<<10 {
		t.Fatalf("snapshot: %d bytes, sum %s", n, sum)
	}

	dir := t.TempDir()
	ln, err := ListenAdmin(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: NewAdminHandler(failingSnapshot{f.st}, AdminOptions{Log: slog.New(slog.NewTextHandler(f.logs, nil))})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	bad, err := DialAdmin(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if n, _, err := bad.Snapshot(ctx, io.Discard); err == nil || n != 8192 {
		t.Fatalf("broken-off snapshot: %d bytes, %v", n, err)
	}
	if !strings.Contains(f.logs.String(), "disk on fire") {
		t.Fatalf("the portal did not log the failure: %s", f.logs.String())
	}
}
