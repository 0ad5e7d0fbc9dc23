package kiosk

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"infomat/kiosk/printer"
	"infomat/receipt"
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

// TestPrinterStateDoesNotWaitForAJob: a print holds the printer for up to 30 s (as long as
// the systemd watchdog period); the status query gives up when its context ends and says
// the printer is busy.
func TestPrinterStateDoesNotWaitForAJob(t *testing.T) {
	d := &Devices{cfg: DeviceConfig{PrinterPort: "/dev/infomat-printer"}, lock: printer.NewLock()}
	if err := d.lock.Lock(context.Background()); err != nil { // the job
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if s, ok := d.PrinterState(ctx); s != "zajęta drukowaniem" || !ok {
		t.Fatalf("PrinterState during a job = %q, %v", s, ok)
	}
	if err := d.Print(ctx, receipt.Doc{}); !errors.Is(err, printer.ErrBusy) {
		t.Fatalf("Print during a job = %v, want ErrBusy", err)
	}
}

func TestPrinterProblemGarbled(t *testing.T) {
	if s := PrinterProblem(fmt.Errorf("printer: %w", printer.ErrGarbled)); !strings.Contains(s, "niezrozumiała odpowiedź") {
		t.Fatalf("PrinterProblem(ErrGarbled) = %q", s)
	}
}
