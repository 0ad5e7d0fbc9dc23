package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"strings"
	"testing"

	"infomat/assets"
	"infomat/kiosk"
	"infomat/store"
)

// bundleFiles is the embedded bundle with another municipality name, as a store holds it.
func bundleFiles(t *testing.T, name string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := fs.WalkDir(assets.DefaultContent(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files[p], err = fs.ReadFile(assets.DefaultContent(), p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	files["gmina.yaml"] = bytes.Replace(files["gmina.yaml"], []byte("nazwa: Gmina Przykładowa"), []byte("nazwa: "+name), 1)
	return files
}

// A new bundle whose start never reached the first frame (a crash, out of memory) is given
// up at the next start: the kiosk shows the previous good bundle and logs it.
func TestStartFallsBackToPreviousBundle(t *testing.T) {
	dir := t.TempDir()
	open := func() *store.Store {
		st, _, err := store.Open(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	p := kiosk.Policy{Provisioned: true}
	st := open()
	if err := st.PutContent("good", "portal v1", bundleFiles(t, "Gmina Dobra")); err != nil {
		t.Fatal(err)
	}
	if b, _, err := startContent(st, st, "", p, log); err != nil || b.Municipality.Name != "Gmina Dobra" {
		t.Fatalf("first start: %v", err)
	}
	if err := st.ConfirmContent(); err != nil { // its first frame
		t.Fatal(err)
	}
	// The sync client installs a new bundle; the kiosk restarts and dies before a frame.
	if err := st.PutContent("new", "portal v2", bundleFiles(t, "Gmina Nowa")); err != nil {
		t.Fatal(err)
	}
	st.Close()
	st = open()
	if b, _, err := startContent(st, st, "", p, log); err != nil || b.Municipality.Name != "Gmina Nowa" {
		t.Fatalf("start with the new bundle: %v", err)
	}
	st.Close() // crash: no ConfirmContent

	st = open()
	defer st.Close()
	logs.Reset()
	b, src, err := startContent(st, st, "", p, log)
	if err != nil || src != kiosk.FromStore || b.Municipality.Name != "Gmina Dobra" {
		t.Fatalf("start after the failed one: %v %v, want Gmina Dobra", src, err)
	}
	if !strings.Contains(logs.String(), "back to the previous bundle") || !strings.Contains(logs.String(), "failed_version=new") {
		t.Errorf("the fallback is not logged:\n%s", logs.String())
	}
	// A provisioned kiosk whose only bundle failed is out of service, not the sample.
	st2, _, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	if err := st2.PutContent("only", "x", bundleFiles(t, "Gmina Jedyna")); err != nil {
		t.Fatal(err)
	}
	startContent(st2, st2, "", p, log) // attempt, no frame
	if _, _, err := startContent(st2, st2, "", p, log); !errors.Is(err, kiosk.ErrOutOfService) {
		t.Fatalf("only bundle failed its start: %v, want out of service", err)
	}
}

// The heartbeat tells the portal when residents see the out-of-service screen.
func TestHeartbeatReportsOutOfService(t *testing.T) {
	dir := t.TempDir()
	st, _, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	out := true
	svc := &kiosk.ServiceMode{DataDir: dir, OutOfService: func() bool { return out }}
	if hb := heartbeat(context.Background(), svc, st, &kiosk.Devices{}, ""); !hb.OutOfService {
		t.Fatalf("heartbeat of an out-of-service kiosk: %+v", hb)
	}
	out = false
	if hb := heartbeat(context.Background(), svc, st, &kiosk.Devices{}, "v1"); hb.OutOfService {
		t.Fatalf("heartbeat after content arrived: %+v", hb)
	}
}
