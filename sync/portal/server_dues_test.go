package portal

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"infomat/sync/portal/dues"
	"infomat/sync/protocol"
)

// The fixture's identities (testdata/dues/przykladowa.csv).
const (
	duesFixture = "../../testdata/dues/przykladowa.csv"
	janCode     = "kx7m 2pq9-rt" // as a resident types it: KX7M-2PQ9-RT on the letter
	janPESEL4   = "7319"
	annaID      = "P-000202"
	annaCard    = "0012345678"
	annaPIN     = "482913"
)

// duesSecret stands for panel.key.
var duesSecret = bytes.Repeat([]byte{7}, 32)

type duesEnv struct {
	t     *testing.T
	st    Storage
	keys  *DuesKeys
	clock *clock
	logs  *syncBuf
	srv   *httptest.Server
}

// newDuesEnv serves the kiosk API over st on loopback with the dues lookup on.
func newDuesEnv(t *testing.T, st Storage, c *clock) *duesEnv {
	t.Helper()
	keys, err := NewDuesKeys(duesSecret)
	if err != nil {
		t.Fatal(err)
	}
	e := &duesEnv{t: t, st: st, keys: keys, clock: c, logs: &syncBuf{}}
	api := NewServer(st, ServerOptions{Log: slog.New(slog.NewTextHandler(e.logs, nil)), Now: c.Now, DuesKeys: keys})
	e.srv = httptest.NewServer(api)
	t.Cleanup(e.srv.Close)
	return e
}

func newBoltDuesEnv(t *testing.T) (*duesEnv, string) {
	dir := t.TempDir()
	st, err := OpenBolt(t.Context(), dir, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return newDuesEnv(t, st, newClock()), filepath.Join(dir, FileName)
}

// enroll makes a kiosk of the municipality and returns its Authorization header.
func (e *duesEnv) enroll(muni string) string {
	e.t.Helper()
	tok, err := CreateToken(e.t.Context(), e.st, muni, time.Hour, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	body, _ := json.Marshal(protocol.EnrollRequest{Token: tok, Hostname: "k", AppVersion: "1"})
	resp, err := http.Post(e.srv.URL+protocol.PathEnroll, protocol.ContentTypeJSON, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var er protocol.EnrollResponse
	if err := json.NewDecoder(resp.Body).Decode(&er); err != nil || resp.StatusCode != 200 {
		e.t.Fatalf("enroll: %d %v", resp.StatusCode, err)
	}
	return "Bearer " + er.DeviceID + ":" + er.Secret
}

// importFixture imports the sample municipality's dues and registers Anna's card.
func (e *duesEnv) importFixture(opts DuesImportOptions) DuesSet {
	e.t.Helper()
	f, err := os.Open(duesFixture)
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	if opts.Now.IsZero() {
		opts.Now = e.clock.Now()
	}
	set, err := ImportDues(e.t.Context(), e.st, e.keys, "przykladowa", f, opts, "anna", "")
	if err != nil {
		e.t.Fatal(err)
	}
	c, _, err := NewDuesCard(e.keys, "przykladowa", annaCard, annaID, annaPIN, "clerk", e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	if err := StoreDuesCard(e.t.Context(), e.st, c, "clerk", ""); err != nil {
		e.t.Fatal(err)
	}
	return set
}

// lookup asks for dues; it returns the status, body and Retry-After.
func (e *duesEnv) lookup(auth string, req protocol.DuesRequest) (int, []byte, string) {
	e.t.Helper()
	body, _ := json.Marshal(req)
	hr, _ := http.NewRequest(http.MethodPost, e.srv.URL+protocol.PathDues, bytes.NewReader(body))
	hr.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	return resp.StatusCode, buf.Bytes(), resp.Header.Get("Retry-After")
}

func byCode(code, pesel4 string) protocol.DuesRequest {
	return protocol.DuesRequest{Code: code, PESEL4: pesel4}
}

func byCard(card, pin string) protocol.DuesRequest { return protocol.DuesRequest{Card: card, PIN: pin} }

func (e *duesEnv) wantRefused(auth string, req protocol.DuesRequest, remaining int) {
	e.t.Helper()
	status, body, _ := e.lookup(auth, req)
	var r protocol.DuesRefusal
	if status != http.StatusForbidden || json.Unmarshal(body, &r) != nil || r.Code != protocol.CodeDuesRefused || r.Remaining != remaining {
		e.t.Fatalf("lookup: %d %s; want 403 dues_refused with %d remaining", status, body, remaining)
	}
}

func (e *duesEnv) wantLocked(auth string, req protocol.DuesRequest, retry string) {
	e.t.Helper()
	status, body, ra := e.lookup(auth, req)
	var r protocol.Error
	if status != http.StatusTooManyRequests || json.Unmarshal(body, &r) != nil || r.Code != protocol.CodeDuesLocked || (retry != "" && ra != retry) {
		e.t.Fatalf("lookup: %d %s Retry-After %q; want 429 dues_locked, Retry-After %s", status, body, ra, retry)
	}
}

func (e *duesEnv) wantShown(auth string, req protocol.DuesRequest) protocol.DuesResponse {
	e.t.Helper()
	status, body, _ := e.lookup(auth, req)
	var r protocol.DuesResponse
	if status != http.StatusOK || json.Unmarshal(body, &r) != nil {
		e.t.Fatalf("lookup: %d %s; want 200", status, body)
	}
	return r
}

func TestDuesLookup(t *testing.T) {
	e, _ := newBoltDuesEnv(t)
	auth := e.enroll("przykladowa")
	if status, body, _ := e.lookup(auth, byCode(janCode, janPESEL4)); status != 404 || !strings.Contains(string(body), protocol.CodeDuesUnavailable) {
		t.Fatalf("before an import: %d %s", status, body)
	}
	asOf := e.clock.Now().Add(-24 * time.Hour)
	e.importFixture(DuesImportOptions{AsOf: asOf, Recipient: "Urząd Gminy", NIP: "1234563218"})

	jan := e.wantShown(auth, byCode(janCode, janPESEL4))
	if jan.Name != "J** K*******" || len(jan.Items) != 6 || !jan.AsOf.Equal(asOf) || jan.Recipient != "Urząd Gminy" || jan.NIP != "1234563218" {
		t.Fatalf("Jan by code: %+v", jan)
	}
	first := jan.Items[0]
	if first.Item != "Podatek od nieruchomości" || first.Instalment != 1 || first.Due != 31200 || first.Paid != 31200 ||
		first.DueDate != "2026-03-15" || first.Account != "33102040275774637064330445" || first.Decision != "FN.3120.101.2026" {
		t.Fatalf("first item: %+v", first)
	}
	for i := 1; i < len(jan.Items); i++ {
		if jan.Items[i-1].DueDate > jan.Items[i].DueDate {
			t.Fatalf("items out of order: %+v", jan.Items)
		}
	}
	overdue := func(d protocol.DueItem) bool { return d.Due > d.Paid && d.DueDate < "2026-12-06" }
	if !overdue(jan.Items[2]) || overdue(jan.Items[0]) {
		t.Fatalf("overdue: %+v", jan.Items[:3])
	}
	anna := e.wantShown(auth, byCard(annaCard, annaPIN))
	if anna.Name != "A*** N****-W********" || len(anna.Items) != 7 {
		t.Fatalf("Anna by card: %+v", anna)
	}
	// Maria has two decisions, two codes: either opens all her dues.
	for _, code := range []string{"ZM2026NR01", "zm2026od04"} {
		if m := e.wantShown(auth, byCode(code, "5626")); len(m.Items) != 2 {
			t.Fatalf("Maria by %s: %+v", code, m)
		}
	}

	// Once the municipality publishes its profile, the slip names it and its NIP.
	if _, err := Publish(t.Context(), e.st, "przykladowa", os.DirFS(copyContent(t)), PublishOptions{Now: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if jan := e.wantShown(auth, byCode(janCode, janPESEL4)); jan.Recipient != "Gmina Przykładowa" || jan.NIP != "9876543210" {
		t.Fatalf("recipient from gmina.yaml: %q %q", jan.Recipient, jan.NIP)
	}
	// Another municipality's kiosk sees nothing of it.
	other := e.enroll("inna")
	if status, _, _ := e.lookup(other, byCode(janCode, janPESEL4)); status != 404 {
		t.Fatalf("another municipality's kiosk: %d", status)
	}
	for _, bad := range []protocol.DuesRequest{{}, {Code: "X", Card: "Y"}, {Code: strings.Repeat("A", 200), PESEL4: "1"}} {
		if status, _, _ := e.lookup(auth, bad); status != 400 {
			t.Fatalf("malformed request %+v: %d", bad, status)
		}
	}
	audit, err := e.st.Audit(t.Context(), "przykladowa", 0)
	if err != nil {
		t.Fatal(err)
	}
	var lookups int
	for _, a := range audit {
		if a.Action == "dues.lookup" {
			lookups++
			if !strings.HasPrefix(a.Actor, "device:k-") || !regexp.MustCompile(`^(code|card):[0-9a-f]{8}$`).MatchString(a.Target) {
				t.Fatalf("audit entry %+v", a)
			}
		}
	}
	if lookups != 5 {
		t.Fatalf("%d lookups audited, want 5", lookups)
	}
}

func TestDuesLockoutPerCode(t *testing.T) {
	e, _ := newBoltDuesEnv(t)
	auth := e.enroll("przykladowa")
	e.importFixture(DuesImportOptions{})
	for left := 4; left >= 1; left-- {
		e.wantRefused(auth, byCode(janCode, "0000"), left)
	}
	e.wantLocked(auth, byCode(janCode, "0001"), "900")
	e.wantLocked(auth, byCode("KX7M2PQ9RT", janPESEL4), "900") // the right digits do not help now
	e.wantShown(auth, byCode("TR55CK9M2A", "4530"))            // another code is not locked
	e.clock.Add(14 * time.Minute)
	e.wantLocked(auth, byCode(janCode, janPESEL4), "60")
	e.clock.Add(time.Minute)
	e.wantShown(auth, byCode(janCode, janPESEL4))
	// A success resets the code's count.
	for left := 4; left >= 1; left-- {
		e.wantRefused(auth, byCode(janCode, "1111"), left)
	}
	e.wantShown(auth, byCode(janCode, janPESEL4))
	e.wantRefused(auth, byCode(janCode, "1111"), 4)
}

func TestDuesLockoutPerCard(t *testing.T) {
	e, _ := newBoltDuesEnv(t)
	auth := e.enroll("przykladowa")
	e.importFixture(DuesImportOptions{})
	for left := 4; left >= 1; left-- {
		e.wantRefused(auth, byCard(annaCard, "000000"), left)
	}
	e.wantLocked(auth, byCard(annaCard, "000001"), "900")
	e.wantLocked(auth, byCard(annaCard, annaPIN), "900")
	e.clock.Add(15 * time.Minute)
	e.wantShown(auth, byCard(annaCard, annaPIN))
	e.wantRefused(auth, byCard(annaCard, "000000"), 4)
}

func TestDuesLockoutPerKiosk(t *testing.T) {
	e, _ := newBoltDuesEnv(t)
	auth, other := e.enroll("przykladowa"), e.enroll("przykladowa")
	e.importFixture(DuesImportOptions{})
	// 20 failures over five codes (four each, none locked by itself) lock the kiosk.
	for i := range 19 {
		code := []string{"AAAA0000", "BBBB0000", "CCCC0000", "DDDD0000", "EEEE0000"}[i%5]
		status, _, _ := e.lookup(auth, byCode(code, "0000"))
		if status != 403 {
			t.Fatalf("failure %d: %d", i+1, status)
		}
		e.clock.Add(30 * time.Second)
	}
	e.wantLocked(auth, byCode("EEEE0000", "0000"), "900")
	e.wantLocked(auth, byCode(janCode, janPESEL4), "900")
	e.wantShown(other, byCode(janCode, janPESEL4)) // another kiosk of the same office works
	e.clock.Add(15 * time.Minute)
	e.wantShown(auth, byCode(janCode, janPESEL4))
}

func TestDuesNoEnumeration(t *testing.T) {
	e, _ := newBoltDuesEnv(t)
	auth := e.enroll("przykladowa")
	e.importFixture(DuesImportOptions{})
	_, known, _ := e.lookup(auth, byCard(annaCard, "999999"))
	_, unknown, _ := e.lookup(auth, byCard("0099999999", "999999"))
	if !bytes.Equal(known, unknown) {
		t.Fatalf("known card, wrong PIN: %s\nunknown card: %s", known, unknown)
	}
	_, known, _ = e.lookup(auth, byCode(janCode, "0000"))
	_, unknown, _ = e.lookup(auth, byCode("ZZZZ9999", "0000"))
	if !bytes.Equal(known, unknown) {
		t.Fatalf("known code, wrong digits: %s\nunknown code: %s", known, unknown)
	}
}

// personal is every personal datum of the fixture that must not be logged or stored clear.
var personal = []string{"Kowalski", "Nowak-Wiśniewska", "Wójcik", "Zielińska", "Jan Kowalski",
	"58041207319", "71110312482", "01270905626", "KX7M-2PQ9-RT", "KX7M2PQ9RT", "BW4N8HZ3", "TR55CK9M2A", "ZM2026NR01",
	"33102040275774637064330445", "43102040272940394029077943", "65102040274546157682949041", "P-000101", "P-000202",
	"FN.3120.101.2026", "Podatek rolny", "1 234,56", "312,00", annaCard}

var personalWords = regexp.MustCompile(`\b(7319|2482|4530|5626|31200|123456|84550|482913)\b`)

func TestDuesNoPersonalDataInLogsOrFile(t *testing.T) {
	e, file := newBoltDuesEnv(t)
	auth := e.enroll("przykladowa")
	e.importFixture(DuesImportOptions{})
	e.wantShown(auth, byCode(janCode, janPESEL4))
	e.wantShown(auth, byCard(annaCard, annaPIN))
	e.wantRefused(auth, byCode(janCode, "2482"), 4)
	e.wantRefused(auth, byCard(annaCard, "482914"), 4)
	logs := e.logs.String()
	if !strings.Contains(logs, "dues lookup") {
		t.Fatalf("no lookup was logged: %s", logs)
	}
	audit, _ := e.st.Audit(t.Context(), "przykladowa", 0)
	auditJSON, _ := json.Marshal(audit)
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range personal {
		for what, hay := range map[string]string{"log": logs, "audit": string(auditJSON), "portal.db": string(raw)} {
			if strings.Contains(hay, s) || strings.Contains(strings.ToUpper(hay), strings.ToUpper(s)) && len(s) > 6 {
				t.Errorf("%s holds %q", what, s)
			}
		}
	}
	for what, hay := range map[string]string{"log": logs, "audit": string(auditJSON)} {
		if m := personalWords.FindString(hay); m != "" {
			t.Errorf("%s holds %q", what, m)
		}
	}
}

func TestDuesRetention(t *testing.T) {
	e, _ := newBoltDuesEnv(t)
	auth := e.enroll("przykladowa")
	e.importFixture(DuesImportOptions{Retention: 48 * time.Hour})
	e.clock.Add(47 * time.Hour)
	e.wantShown(auth, byCode(janCode, janPESEL4))
	e.clock.Add(time.Hour)
	if status, body, _ := e.lookup(auth, byCode(janCode, janPESEL4)); status != 404 || !strings.Contains(string(body), protocol.CodeDuesUnavailable) {
		t.Fatalf("past retention: %d %s", status, body)
	}
	gone, err := PurgeExpiredDues(t.Context(), e.st, e.clock.Now())
	if err != nil || len(gone) != 1 {
		t.Fatalf("purge: %v %v", gone, err)
	}
	if _, err := e.st.DuesStatus(t.Context(), "przykladowa"); err != ErrNotFound {
		t.Fatalf("after purge: %v", err)
	}
	if _, err := SealDues(e.keys, "przykladowa", dummyFile(), DuesImportOptions{Retention: 400 * 24 * time.Hour}); err == nil {
		t.Fatal("a retention over a year was accepted")
	}
}

func dummyFile() dues.File { return dues.File{} }

func TestDuesBadImportReplacesNothing(t *testing.T) {
	e, _ := newBoltDuesEnv(t)
	auth := e.enroll("przykladowa")
	e.importFixture(DuesImportOptions{})
	raw, err := os.ReadFile(duesFixture)
	if err != nil {
		t.Fatal(err)
	}
	// A new export where one row has a broken account number: refused whole.
	bad := strings.Replace(string(raw), "65102040274546157682949041", "65102040274546157682949042", 1)
	bad = strings.Replace(bad, "P-000101", "P-999999", -1)
	_, err = ImportDues(t.Context(), e.st, e.keys, "przykladowa", strings.NewReader(bad), DuesImportOptions{Now: e.clock.Now()}, "anna", "")
	var p *dues.Problems
	if !errors.As(err, &p) || len(p.List) != 1 || p.List[0].Line != 15 || p.List[0].Column != dues.ColAccount {
		t.Fatalf("bad import: %v", err)
	}
	if jan := e.wantShown(auth, byCode(janCode, janPESEL4)); len(jan.Items) != 6 {
		t.Fatalf("the old import changed: %+v", jan)
	}
	if s, _ := e.st.DuesStatus(t.Context(), "przykladowa"); s.Taxpayers != 4 || s.Items != 17 {
		t.Fatalf("status: %+v", s)
	}
	// A card for a taxpayer the import lacks is refused.
	c, _, err := NewDuesCard(e.keys, "przykladowa", "0011", "P-NOBODY", "", "clerk", e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := StoreDuesCard(t.Context(), e.st, c, "clerk", ""); !errors.Is(err, ErrDuesTaxpayer) {
		t.Fatalf("card for an unknown taxpayer: %v", err)
	}
}
