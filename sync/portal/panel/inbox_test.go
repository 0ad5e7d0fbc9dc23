package panel_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"infomat/outbox"
	"infomat/sync/portal"
	"infomat/sync/protocol"
)

// fileSubmission stores a submission as a kiosk's upload leaves it: the payload encrypted
// to the municipality's recipient.
func fileSubmission(t testing.TB, st portal.SubmissionStore, muni string, n int, to age.Recipient, p protocol.Payload, at time.Time) portal.Record {
	t.Helper()
	plain, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var ct bytes.Buffer
	w, err := age.Encrypt(&ct, to)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(plain)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	ref, err := outbox.NewRef("PRZ", bytes.NewReader(bytes.Repeat([]byte{byte(n)}, 64)))
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := st.PutSubmission(t.Context(), portal.Record{ID: fmt.Sprintf("%032x", n), Ref: ref,
		Procedure: p.Procedure, Office: "ug", ContentVersion: "v1", Created: at.Add(-time.Minute), Ciphertext: ct.Bytes(),
		Device: "k-0000000000000001", Municipality: muni, Received: at}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func samplePayload(proc string) protocol.Payload {
	return protocol.Payload{Procedure: proc, ProcedureTitle: "Zameldowanie na pobyt stały", ContentVersion: "v1",
		Submitted: time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC), Answers: []protocol.Answer{
			{Field: "imie", Question: "Imię", Value: "Zofia"},
			{Field: "nazwisko", Question: "Nazwisko", Value: `Żółć <img src=x onerror="window.__pwned=1">`},
		}}
}

func TestInboxListsFiltersAndIsolates(t *testing.T) {
	e := newEnv(t)
	id, _ := age.GenerateX25519Identity()
	var recs []portal.Record
	for i := range 5 {
		proc := "zameldowanie"
		if i%2 == 1 {
			proc = "dowod"
		}
		recs = append(recs, fileSubmission(t, e.st, "przykladowa", i+1, id.Recipient(), samplePayload(proc), e.clock.Now().Add(time.Duration(i)*time.Hour)))
	}
	other := fileSubmission(t, e.st, "inna", 99, id.Recipient(), samplePayload("zameldowanie"), e.clock.Now())

	clerk := e.browser()
	clerk.login("przykladowa", "urzednik", e.addUser("przykladowa", "urzednik", "Jan", portal.RoleClerk))
	if st, _ := clerk.get("/panel/inbox"); st != http.StatusOK {
		t.Fatalf("inbox: %d\n%s", st, clerk.body)
	}
	for _, r := range recs {
		if !strings.Contains(clerk.body, r.PortalRef) {
			t.Errorf("inbox lacks %s", r.PortalRef)
		}
	}
	if strings.Contains(clerk.body, other.ID) {
		t.Errorf("gmina przykladowa's inbox lists inna's submission")
	}
	if clerk.get("/panel/inbox?procedure=dowod"); strings.Count(clerk.body, `name="sel"`) != 2 || !strings.Contains(clerk.body, recs[3].ID) {
		t.Errorf("procedure filter: %d rows", strings.Count(clerk.body, `name="sel"`))
	}

	// A status change needs the form's token, is kept, shown and audited.
	page := "/panel/inbox/" + recs[2].ID
	clerk.get(page)
	form := url.Values{"code": {"in_progress"}, "note": {`Sprawdzamy <script>alert(1)</script>`}}
	if st, _ := clerk.post(page+"/status", form, nil); st != http.StatusForbidden {
		t.Errorf("status change without the CSRF token: %d", st)
	}
	clerk.get(page)
	form.Set("csrf", clerk.csrf())
	if st, loc := clerk.post(page+"/status", form, nil); st != http.StatusSeeOther || !strings.HasPrefix(loc, page) {
		t.Fatalf("status change: %d → %s\n%s", st, loc, clerk.body)
	}
	s, err := e.st.StatusOf(t.Context(), "przykladowa", recs[2].ID)
	if err != nil || s.Code != portal.StatusInProgress || s.By != "urzednik" || !strings.Contains(s.Note, "Sprawdzamy") {
		t.Fatalf("stored status %+v, %v", s, err)
	}
	clerk.get(page)
	if strings.Contains(clerk.body, "<script>alert(1)") || !strings.Contains(clerk.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the note is not shown as text")
	}
	if clerk.get("/panel/inbox?status=in_progress"); strings.Count(clerk.body, `name="sel"`) != 1 {
		t.Errorf("status filter after the change: %d rows", strings.Count(clerk.body, `name="sel"`))
	}
	form = url.Values{"code": {"forwarded"}, "csrf": {clerk.csrf()}}
	if st, _ := clerk.post(page+"/status", form, nil); st != http.StatusUnprocessableEntity || !strings.Contains(clerk.body, "dokąd przekazano") {
		t.Errorf("forwarded without where: %d", st)
	}

	// The ciphertext goes out as it is stored, and the log says who took it.
	if st, _ := clerk.get(page + "/ciphertext"); st != http.StatusOK || !bytes.Equal([]byte(clerk.body), mustSubmission(t, e.st, recs[2].ID).Ciphertext) {
		t.Errorf("ciphertext: %d", st)
	}
	entries, _ := e.st.Audit(t.Context(), "przykladowa", 10)
	var actions []string
	for _, a := range entries {
		actions = append(actions, a.Action+" "+a.Target)
	}
	joined := strings.Join(actions, "\n")
	if !strings.Contains(joined, "submission.open "+recs[2].PortalRef) || !strings.Contains(joined, "submission.status "+recs[2].PortalRef) {
		t.Errorf("audit log:\n%s", joined)
	}

	// Gmina inna's clerk reaches none of it by any URL; a moderator has no inbox.
	b := e.browser()
	b.login("inna", "obcy", e.addUser("inna", "obcy", "Obcy", portal.RoleClerk))
	for _, p := range []string{page, page + "/ciphertext"} {
		if st, _ := b.get(p); st != http.StatusNotFound {
			t.Errorf("another municipality's clerk GET %s: %d", p, st)
		}
	}
	b.get("/panel/inbox")
	if strings.Contains(b.body, recs[0].ID) || !strings.Contains(b.body, other.ID) {
		t.Errorf("inna's inbox shows the wrong submissions")
	}
	if st, _ := b.post(page+"/status", url.Values{"code": {"settled"}, "csrf": {b.csrf()}}, nil); st != http.StatusNotFound {
		t.Errorf("another municipality's clerk sets a status: %d", st)
	}
	if s, _ := e.st.StatusOf(t.Context(), "przykladowa", recs[2].ID); s.Code != portal.StatusInProgress {
		t.Errorf("status changed by another municipality: %+v", s)
	}
	m := e.browser()
	m.login("przykladowa", "moderator", e.addUser("przykladowa", "moderator", "Mod", portal.RoleModerator))
	for _, p := range []string{"/panel/inbox", page, page + "/ciphertext"} {
		if st, _ := m.get(p); st != http.StatusForbidden {
			t.Errorf("moderator GET %s: %d", p, st)
		}
	}
}

func mustSubmission(t *testing.T, st portal.InboxStore, id string) portal.Record {
	t.Helper()
	r, err := st.Submission(t.Context(), "przykladowa", id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The decryption module is served gzipped to browsers that take it, unpacked to others, as
// WebAssembly either way.
func TestAgeWasmServed(t *testing.T) {
	e := newEnv(t)
	for _, gz := range []bool{true, false} {
		req, _ := http.NewRequest("GET", e.srv.URL+"/panel/static/age.wasm", nil)
		tr := &http.Transport{DisableCompression: true}
		if gz {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := io.Reader(resp.Body)
		if gz {
			if resp.Header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("gzip accepted, Content-Encoding %q", resp.Header.Get("Content-Encoding"))
			}
			if body, err = gzip.NewReader(resp.Body); err != nil {
				t.Fatal(err)
			}
		}
		head := make([]byte, 4)
		_, err = io.ReadFull(body, head)
		resp.Body.Close()
		if err != nil || string(head) != "\x00asm" || resp.Header.Get("Content-Type") != "application/wasm" {
			t.Errorf("gzip %v: %q, %v, Content-Type %q", gz, head, err, resp.Header.Get("Content-Type"))
		}
	}
}

// static/age.wasm.gz is built from the filippo.io/age in go.mod: a bump of the module
// without scripts/build-agewasm.sh fails here.
func TestAgeWasmMatchesGoMod(t *testing.T) {
	f, err := os.Open("static/age.wasm.version")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan()
	built := sc.Text()
	mod, err := os.ReadFile("../../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(mod)) {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "filippo.io/age" {
			if want := f[0] + " " + f[1]; built != want {
				t.Fatalf("static/age.wasm.gz was built from %q, go.mod has %q: run scripts/build-agewasm.sh", built, want)
			}
			return
		}
	}
	t.Fatal("filippo.io/age is not in go.mod")
}
