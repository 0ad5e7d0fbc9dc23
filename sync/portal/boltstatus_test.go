package portal

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"infomat/outbox"
)

// A store from before the reference index gets it built when it is opened: its submissions
// are found by reference, and their status is the default.
func TestRefIndexBuiltForAnOlderStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := OpenBolt(ctx, dir, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	ref, err := outbox.NewRef("PRZ", bytes.NewReader(bytes.Repeat([]byte{3}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	refs := []string{ref, ref, "ABC-DEFG-H1"}
	for i, ref := range refs {
		rec := Record{ID: NewSecret(16), Ref: ref, Procedure: "zameldowanie", Ciphertext: []byte("secret"),
			Device: "k-0000000000000001", Municipality: "przykladowa", Received: at.Add(time.Duration(i) * time.Minute)}
		if _, _, err := st.PutSubmission(ctx, rec, nil); err != nil {
			t.Fatal(err)
		}
	}
	// Make it what an older portal left: no index, no mark.
	err = st.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket([]byte(bRefIndex)); err != nil {
			return err
		}
		if err := tx.DeleteBucket([]byte(bStatuses)); err != nil {
			return err
		}
		if err := tx.DeleteBucket([]byte(bInbox)); err != nil {
			return err
		}
		if err := tx.Bucket([]byte(bMeta)).Delete([]byte("inbox_indexed")); err != nil {
			return err
		}
		return tx.Bucket([]byte(bMeta)).Delete([]byte("refs_indexed"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st, err = OpenBolt(ctx, dir, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.SubmissionsByRef(ctx, "przykladowa", strings.ToLower(strings.ReplaceAll(ref, "-", "")))
	if err != nil || len(got) != 2 || !got[0].Received.Before(got[1].Received) {
		t.Fatalf("after reopening: %d found, %v; want both %s in arrival order", len(got), err, ref)
	}
	if got[0].CiphertextSize != len("secret") || got[0].Ciphertext != nil {
		t.Errorf("found with ciphertext %q, size %d", got[0].Ciphertext, got[0].CiphertextSize)
	}
	s, err := st.StatusOf(ctx, "przykladowa", got[0].ID)
	if err != nil || s.Code != StatusReceived || !s.At.Equal(at) {
		t.Errorf("StatusOf an old submission: %+v, %v", s, err)
	}
	if err := st.SetStatus(ctx, "przykladowa", got[0].ID, Status{Code: StatusSettled, By: "cli", At: at}); err != nil {
		t.Errorf("SetStatus on an old submission: %v", err)
	}
	// The inbox was built at the open too, and follows the status.
	page, err := st.Inbox(ctx, "przykladowa", InboxQuery{})
	if err != nil || page.Total != 3 || len(page.Entries) != 3 || page.Entries[0].Ref != "ABC-DEFG-H1" {
		t.Fatalf("inbox after reopening: %+v, %v; want the 3 submissions, newest first", page, err)
	}
	page, err = st.Inbox(ctx, "przykladowa", InboxQuery{Status: StatusSettled})
	if err != nil || page.Total != 1 || page.Entries[0].ID != got[0].ID || page.Entries[0].Size != len("secret") {
		t.Errorf("inbox of settled ones after SetStatus: %+v, %v", page, err)
	}
}

func TestParseStatusCode(t *testing.T) {
	for in, want := range map[string]StatusCode{
		"przyjęty": StatusReceived, "W realizacji": StatusInProgress, "w-realizacji": StatusInProgress,
		"zalatwiony": StatusSettled, "Załatwiony": StatusSettled, "odrzucony": StatusRejected,
		"przekazany": StatusForwarded, "przekazany do": StatusForwarded, "in_progress": StatusInProgress,
		"settled": StatusSettled,
	} {
		if got, err := ParseStatusCode(in); err != nil || got != want {
			t.Errorf("ParseStatusCode(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseStatusCode("gotowe"); err == nil {
		t.Error("an unknown status was accepted")
	}
}
