package kiosk

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestServiceModeSharedWithHeartbeat: the heartbeat reads the status on the sync goroutine
// while the kiosk installs the sync status (after the sync loop started) and the UI logs
// in. Run with -race: it used to report the Sync field and the active content as races.
func TestServiceModeSharedWithHeartbeat(t *testing.T) {
	var active ActiveContent
	active.Set("1", FromEmbedded)
	s := &ServiceMode{DataDir: t.TempDir(), Content: active.Get}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the heartbeat
		defer wg.Done()
		for range 50 {
			s.Status(context.Background())
		}
	}()
	s.SetSync(func() (time.Time, string) { return time.Time{}, "" })
	active.Set("2", FromStore) // the UI activates new content
	wg.Wait()
	if st := s.Status(context.Background()); !st.SyncConfigured || st.ContentVersion != "2" {
		t.Fatalf("status %+v: want sync configured, content 2", st)
	}
}
