package portal

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"infomat/sync/protocol"
)

func encrypt(t *testing.T, to age.Recipient, plain []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, to)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(plain)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestExport(t *testing.T) {
	f := newFixture(t)
	c := f.enroll("przykladowa")
	id, _ := age.GenerateX25519Identity()
	keyFile := "# created: 2026-03-10T09:00:00Z\n# public key: " + id.Recipient().String() + "\n" + id.String() + "\n"
	ids, err := ParseIdentities(strings.NewReader(keyFile))
	if err != nil {
		t.Fatal(err)
	}
	var subIDs []string
	for i, name := range []string{"Jan Kowalski", "Anna Nowak"} {
		pl := protocol.Payload{Procedure: "zameldowanie", ProcedureTitle: "Zameldowanie", ContentVersion: "abc", Submitted: f.clock.Now(),
			Answers: []protocol.Answer{{Field: "imie", Question: "Imię i nazwisko", Value: name}}}
		plain, _ := json.Marshal(pl)
		s := protocol.Submission{ID: newID(), Ref: testRef(t, uint64(i)), Procedure: "zameldowanie", Office: "ug", Created: f.clock.Now(),
			Ciphertext: encrypt(t, id.Recipient(), plain)}
		if resp, data := putSub(f, c, s); resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, data)
		}
		subIDs = append(subIDs, s.ID)
	}
	// Another municipality's submission is not in this export.
	other := f.enroll("inna")
	putSub(f, other, protocol.Submission{ID: newID(), Ciphertext: encrypt(t, id.Recipient(), []byte(`{}`))})

	// The wrong identity: a clear error, nothing written, nothing marked.
	wrong, _ := age.GenerateX25519Identity()
	var out bytes.Buffer
	_, err = Export(f.ctx, f.st, "przykladowa", []age.Identity{wrong}, false, &out, f.clock.Now())
	if err == nil || !strings.Contains(err.Error(), "do not decrypt") || out.Len() != 0 {
		t.Fatalf("wrong identity: %v, output %q", err, out.String())
	}
	if recs, _ := f.st.Submissions(f.ctx, "przykladowa", false); len(recs) != 2 {
		t.Fatalf("%d pending after a failed export", len(recs))
	}

	res, err := ExportReport(f.ctx, f.st, "przykladowa", ids, false, &out, f.clock.Now())
	n := res.Count
	if err != nil || n != 2 {
		t.Fatalf("export: %d %v", n, err)
	}
	var got []struct {
		PortalRef string           `json:"portal_ref"`
		Ref       string           `json:"ref"`
		ID        string           `json:"id"`
		Procedure string           `json:"procedure"`
		Office    string           `json:"office"`
		Created   time.Time        `json:"created"`
		Received  time.Time        `json:"received"`
		Device    string           `json:"device"`
		Payload   protocol.Payload `json:"payload"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(got) != 2 || got[0].PortalRef != "2026/000001" || got[0].ID != subIDs[0] || got[0].Ref != testRef(t, 0) || got[0].Device != c.DeviceID ||
		got[0].Office != "ug" || !got[0].Received.Equal(f.clock.Now()) || got[1].Payload.Answers[0].Value != "Anna Nowak" || got[0].Payload.ProcedureTitle != "Zameldowanie" {
		t.Fatalf("export %+v", got)
	}
	// The payload is a JSON object, not a string.
	if !strings.Contains(out.String(), `"payload": {`) {
		t.Fatalf("payload is not an object:\n%s", out.String())
	}

	out.Reset()
	if res, err := ExportReport(f.ctx, f.st, "przykladowa", ids, false, &out, f.clock.Now()); err != nil || res.Count != 0 || strings.TrimSpace(out.String()) != "[]" {
		t.Fatalf("second export: %d %v %q", res.Count, err, out.String())
	}
	out.Reset()
	if res, err := ExportReport(f.ctx, f.st, "przykladowa", ids, true, &out, f.clock.Now()); err != nil || res.Count != 2 {
		t.Fatalf("--all: %d %v", res.Count, err)
	}
	// The other municipality's is still pending.
	if recs, _ := f.st.Submissions(f.ctx, "inna", false); len(recs) != 1 {
		t.Fatalf("inna pending %d", len(recs))
	}
}

// failingWriter fails after some bytes, like a full disk.
type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, bytes.ErrTooLarge
	}
	return len(p), nil
}

func TestExportNotMarkedWhenOutputFails(t *testing.T) {
	f := newFixture(t)
	c := f.enroll("przykladowa")
	id, _ := age.GenerateX25519Identity()
	for range 3 {
		putSub(f, c, protocol.Submission{ID: newID(), Ciphertext: encrypt(t, id.Recipient(), bytes.Repeat([]byte(`{"a":1}`), 1)), Ref: testRef(t, 7), Created: f.clock.Now()})
	}
	if _, err := Export(f.ctx, f.st, "przykladowa", []age.Identity{id}, false, &failingWriter{n: 100}, f.clock.Now()); err == nil {
		t.Fatal("export to a failing writer succeeded")
	}
	if recs, _ := f.st.Submissions(f.ctx, "przykladowa", false); len(recs) != 3 {
		t.Fatalf("%d pending after a failed write", len(recs))
	}
}

func TestFleetProblems(t *testing.T) {
	f := newFixture(t)
	beat := func(c creds, hb protocol.Heartbeat) {
		t.Helper()
		body, _ := json.Marshal(hb)
		if resp, data := f.do("POST", protocol.PathHeartbeat, c.auth(), body, nil); resp.StatusCode != 204 {
			t.Fatalf("%d %s", resp.StatusCode, data)
		}
	}
	healthy, silent, paper, growing, revoked, never := f.enroll("przykladowa"), f.enroll("przykladowa"), f.enroll("przykladowa"), f.enroll("przykladowa"), f.enroll("przykladowa"), f.enroll("przykladowa")
	other := f.enroll("inna")
	ok := protocol.Heartbeat{ContentVersion: 3, Printer: "escpos", PrinterOK: true, Reader: "rdm6300", ReaderOK: true, AppVersion: "1.2.0"}
	beat(silent, ok)
	f.clock.Add(12 * time.Minute)
	for i := range 4 {
		hb := ok
		beat(healthy, hb)
		hb.Queued = i + 1
		beat(growing, hb)
		hb = ok
		hb.PaperOut, hb.PrinterOK = true, false
		beat(paper, hb)
		beat(revoked, ok)
		beat(other, ok)
		f.clock.Add(time.Minute)
	}
	_ = f.st.Revoke(f.ctx, revoked.DeviceID, f.clock.Now())
	rows, err := Fleet(f.ctx, f.st, "przykladowa", f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		healthy.DeviceID: "",
		silent.DeviceID:  "cisza od 16 min",
		paper.DeviceID:   "brak papieru",
		growing.DeviceID: "kolejka rośnie",
		revoked.DeviceID: "odwołane",
		never.DeviceID:   "nigdy się nie zgłosił",
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d (other municipality filtered out)", len(rows), len(want))
	}
	for _, r := range rows {
		if got := strings.Join(r.Problems, "; "); got != want[r.Device] {
			t.Errorf("%s: problems %q, want %q", r.Device, got, want[r.Device])
		}
		if r.Device == growing.DeviceID && (r.Queued != 4 || r.ContentVersion != 3 || r.AppVersion != "1.2.0" || r.Hostname != "kiosk-przykladowa") {
			t.Errorf("row %+v", r)
		}
	}
	// A queue that grew only twice is not "growing"; one that shrank is not either.
	f.clock.Add(time.Minute)
	beat(growing, protocol.Heartbeat{Queued: 2})
	rows, _ = Fleet(f.ctx, f.st, "przykladowa", f.clock.Now())
	for _, r := range rows {
		if r.Device == growing.DeviceID && len(r.Problems) != 0 {
			t.Errorf("shrinking queue: %q", r.Problems)
		}
	}
	var table bytes.Buffer
	_ = WriteFleetTable(&table, rows, f.clock.Now())
	for _, s := range []string{"URZĄDZENIE", "cisza od 17 min", "brak papieru", "odwołane", "escpos OK", "rdm6300 OK"} {
		if !strings.Contains(table.String(), s) {
			t.Errorf("table lacks %q:\n%s", s, table.String())
		}
	}
	all, _ := Fleet(f.ctx, f.st, "", f.clock.Now())
	if len(all) != 7 {
		t.Fatalf("all municipalities: %d rows", len(all))
	}
}
