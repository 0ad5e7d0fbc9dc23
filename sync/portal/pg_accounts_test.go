package portal_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"infomat/sync/portal"
)

// The accounts and drafts of the PostgreSQL store as several `infomat-portal serve` processes
// see them: two OpenPostgres handles on one database, each with its own pool, are two
// instances of the portal.

// A login on one instance is valid on the other; a logout, or the end of a user's sessions
// after a disable, on one ends it on both.
func TestPostgresSessionAcrossInstances(t *testing.T) {
	pair := twoInstances(t)
	a, b := pair[0], pair[1]
	ctx := t.Context()
	s := portal.Session{IDHash: []byte("h1"), Municipality: "przykladowa", Login: "jan", Created: pgT0, LastSeen: pgT0,
		Stage: portal.StageFull, CSRF: []byte("csrf")}
	if err := a.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	got, err := b.Session(ctx, s.IDHash)
	if err != nil || !reflect.DeepEqual(got, s) {
		t.Fatalf("session made on a, read on b: %+v, %v; want %+v", got, err, s)
	}
	seen := pgT0.Add(time.Minute)
	if err := b.TouchSession(ctx, s.IDHash, seen); err != nil {
		t.Fatal(err)
	}
	if got, err := a.Session(ctx, s.IDHash); err != nil || !got.LastSeen.Equal(seen) {
		t.Fatalf("touched on b, read on a: LastSeen %v, %v; want %v", got.LastSeen, err, seen)
	}
	if err := b.DeleteSession(ctx, s.IDHash); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Session(ctx, s.IDHash); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("logged out on b, still on a: %v", err)
	}
	if err := a.TouchSession(ctx, s.IDHash, seen); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("touching the ended session on a: %v, want ErrNotFound", err)
	}

	// A disable on b: the user and every session of theirs, made on a, are gone for a too.
	if err := a.CreateUser(ctx, portal.User{Municipality: "przykladowa", Login: "jan", Name: "Jan", Roles: []portal.Role{portal.RoleClerk}, Created: pgT0}); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"h2", "h3"} {
		s.IDHash = []byte(h)
		if err := a.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	other := portal.Session{IDHash: []byte("h4"), Municipality: "inna", Login: "jan", Created: pgT0, LastSeen: pgT0, Stage: portal.StageFull}
	if err := a.CreateSession(ctx, other); err != nil {
		t.Fatal(err)
	}
	if err := portal.SetDisabled(ctx, b, "przykladowa", "jan", true, pgT0, portal.AccountOptions{}); err != nil {
		t.Fatal(err)
	}
	if u, err := a.User(ctx, "przykladowa", "jan"); err != nil || !u.Disabled {
		t.Fatalf("disabled on b, on a: %+v, %v", u, err)
	}
	for _, h := range []string{"h2", "h3"} {
		if _, err := a.Session(ctx, []byte(h)); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("session %s of the disabled user still valid on a: %v", h, err)
		}
	}
	if _, err := a.Session(ctx, other.IDHash); err != nil {
		t.Fatalf("another municipality's jan lost his session: %v", err)
	}
}

// Appends to one municipality's log from two instances at once get 1..n, each number once.
func TestPostgresAccountsAuditAcrossInstances(t *testing.T) {
	pair := twoInstances(t)
	a, b := pair[0], pair[1]
	ctx := t.Context()
	const each = 50
	var mu sync.Mutex
	var seqs []uint64
	var wg sync.WaitGroup
	for i := range 2 * each {
		st := []*portal.Postgres{a, b}[i%2]
		wg.Go(func() {
			e, err := st.AppendAudit(ctx, portal.AuditEntry{At: pgT0, Municipality: "przykladowa", Actor: "jan", Action: "test", Target: fmt.Sprint(i)})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			seqs = append(seqs, e.Seq)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(seqs)
	for i, s := range seqs {
		if s != uint64(i+1) {
			t.Fatalf("sequence numbers %v; want 1..%d, each once", seqs, 2*each)
		}
	}
	if len(seqs) != 2*each {
		t.Fatalf("%d appends succeeded, want %d", len(seqs), 2*each)
	}
	es, err := b.Audit(ctx, "przykladowa", 0)
	if err != nil || len(es) != 2*each || es[0].Seq != 2*each || es[len(es)-1].Seq != 1 {
		t.Fatalf("Audit: %d entries, %v; want %d, newest first", len(es), err, 2*each)
	}
	// Another municipality counts from 1.
	if e, err := a.AppendAudit(ctx, portal.AuditEntry{Municipality: "inna", Actor: "cli", Action: "test"}); err != nil || e.Seq != 1 {
		t.Fatalf("first entry of another municipality: seq %d, %v", e.Seq, err)
	}
}

// Updates of one user from two instances are serialised by the database: none is lost.
func TestPostgresAccountsUpdateAcrossInstances(t *testing.T) {
	pair := twoInstances(t)
	a, b := pair[0], pair[1]
	ctx := t.Context()
	if err := a.CreateUser(ctx, portal.User{Municipality: "przykladowa", Login: "jan", Roles: []portal.Role{portal.RoleClerk}}); err != nil {
		t.Fatal(err)
	}
	if err := b.CreateUser(ctx, portal.User{Municipality: "przykladowa", Login: "jan"}); !errors.Is(err, portal.ErrUserExists) {
		t.Fatalf("the same login created on b: %v, want ErrUserExists", err)
	}
	var wg sync.WaitGroup
	for i := range 20 {
		st := []*portal.Postgres{a, b}[i%2]
		wg.Go(func() {
			_, err := st.UpdateUser(ctx, "przykladowa", "jan", func(u *portal.User) error { u.FailedLogins++; return nil })
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if u, err := b.User(ctx, "przykladowa", "jan"); err != nil || u.FailedLogins != 20 {
		t.Fatalf("20 increments across two instances gave %d, %v", u.FailedLogins, err)
	}
}

// Every field of User survives the store exactly, zero times as zero (NULL in the table). A
// field added to User without a column fails here.
func TestPostgresAccountsUserRoundTrip(t *testing.T) {
	st := twoInstances(t)[0]
	ctx := t.Context()
	var full portal.User
	v := reflect.ValueOf(&full).Elem()
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Name
		switch x := f.Addr().Interface().(type) {
		case *string:
			*x = name + " ąę"
		case *[]portal.Role:
			*x = []portal.Role{portal.RoleAdmin, portal.RoleClerk}
		case *[]byte:
			*x = []byte{0, 1, 0xff}
		case *bool:
			*x = true
		case *int:
			*x = 1 << 40
		case *int64:
			*x = -1 << 40
		case *time.Time:
			*x = pgT0.Add(time.Duration(i)*time.Hour + 123456*time.Microsecond)
		default:
			t.Fatalf("User.%s is a %s: teach this test (and the store) about it", name, f.Type())
		}
	}
	full.Municipality, full.Login = "przykladowa", "full"
	if err := st.CreateUser(ctx, full); err != nil {
		t.Fatal(err)
	}
	if got, err := st.User(ctx, full.Municipality, full.Login); err != nil || !reflect.DeepEqual(got, full) {
		t.Fatalf("round trip:\n got %+v, %v\nwant %+v", got, err, full)
	}

	bare := portal.User{Municipality: portal.OperatorMunicipality, Login: "bare"}
	if err := st.CreateUser(ctx, bare); err != nil {
		t.Fatal(err)
	}
	if got, err := st.User(ctx, bare.Municipality, bare.Login); err != nil || !reflect.DeepEqual(got, bare) {
		t.Fatalf("round trip of a bare user:\n got %#v, %v\nwant %#v", got, err, bare)
	}
	var nulls bool
	err := st.Pool().QueryRow(ctx, `SELECT locked_until IS NULL AND created IS NULL AND last_login IS NULL AND roles IS NULL
		FROM panel_users WHERE login = 'bare'`).Scan(&nulls)
	if err != nil || !nulls {
		t.Fatalf("zero times and nil roles not stored as NULL (%v)", err)
	}
	// UpdateUser writes back every field too, and can clear them.
	got, err := st.UpdateUser(ctx, full.Municipality, full.Login, func(u *portal.User) error {
		u.LockedUntil, u.TOTPSecret, u.Roles = time.Time{}, nil, []portal.Role{}
		return nil
	})
	want := full
	want.LockedUntil, want.TOTPSecret, want.Roles = time.Time{}, nil, []portal.Role{}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("UpdateUser returned %+v, %v", got, err)
	}
	if got, err := st.User(ctx, full.Municipality, full.Login); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("after UpdateUser:\n got %#v, %v\nwant %#v", got, err, want)
	}
}

// Editors on two instances starting from one revision: exactly one update wins, and the
// draft holds its files only.
func TestPostgresDraftAcrossInstances(t *testing.T) {
	pair := twoInstances(t)
	a, b := pair[0], pair[1]
	ctx := t.Context()
	sts := []*portal.Postgres{a, b}

	// Creating: both instances race for revision 1.
	create := make([]error, 8)
	var wg sync.WaitGroup
	for i := range create {
		wg.Go(func() {
			_, create[i] = sts[i%2].UpdateDraft(ctx, "przykladowa", 0, map[string][]byte{"a.yaml": {'a' + byte(i)}}, "x", pgT0)
		})
	}
	wg.Wait()
	if won := oneWon(t, create); won < 0 {
		t.Fatal("no creation won")
	}

	edit := make([]error, 8)
	for i := range edit {
		wg.Go(func() {
			_, edit[i] = sts[i%2].UpdateDraft(ctx, "przykladowa", 1, map[string][]byte{
				"a.yaml": {'1' + byte(i)}, fmt.Sprintf("b%d.yaml", i): {'b'},
			}, fmt.Sprint("editor", i), pgT0.Add(time.Minute))
		})
	}
	wg.Wait()
	won := oneWon(t, edit)
	d, err := b.Draft(ctx, "przykladowa")
	if err != nil || d.Revision != 2 || d.UpdatedBy != fmt.Sprint("editor", won) || len(d.Files) != 2 ||
		d.Files["a.yaml"][0] != '1'+byte(won) || d.Files[fmt.Sprintf("b%d.yaml", won)] == nil {
		t.Fatalf("draft after the race won by %d: %+v, %v", won, d, err)
	}

	// Deleting every file leaves a draft without files; an update without changes still
	// moves the revision.
	if _, err := a.UpdateDraft(ctx, "przykladowa", 2, map[string][]byte{"a.yaml": nil, fmt.Sprintf("b%d.yaml", won): nil}, "x", pgT0); err != nil {
		t.Fatal(err)
	}
	if rev, err := b.UpdateDraft(ctx, "przykladowa", 3, nil, "y", pgT0); err != nil || rev != 4 {
		t.Fatalf("empty update: rev %d, %v", rev, err)
	}
	if d, err := a.Draft(ctx, "przykladowa"); err != nil || d.Revision != 4 || d.Files == nil || len(d.Files) != 0 || d.UpdatedBy != "y" {
		t.Fatalf("draft without files: %+v, %v", d, err)
	}
	if _, err := a.UpdateDraft(ctx, "przykladowa", 4, map[string][]byte{"a\x00b": []byte("x")}, "x", pgT0); err == nil {
		t.Fatal("a path with NUL was accepted")
	}
}

// oneWon checks that exactly one of errs is nil and the others ErrDraftChanged, and returns
// the winner's index.
func oneWon(t *testing.T, errs []error) int {
	t.Helper()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won >= 0:
			t.Fatalf("updates %d and %d from the same base both succeeded", won, i)
		case err == nil:
			won = i
		case !errors.Is(err, portal.ErrDraftChanged):
			t.Fatalf("update %d: %v, want ErrDraftChanged", i, err)
		}
	}
	if won < 0 {
		t.Fatal("no update from the base succeeded")
	}
	return won
}

// Every method of the group gives up with the context's error, and writes nothing.
func TestPostgresAccountsCancelledContext(t *testing.T) {
	st := twoInstances(t)[0]
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	u := portal.User{Municipality: "przykladowa", Login: "jan"}
	s := portal.Session{IDHash: []byte("h"), Municipality: "przykladowa", Login: "jan"}
	second := func(_ any, err error) error { return err }
	for name, err := range map[string]error{
		"CreateUser":              st.CreateUser(ctx, u),
		"User":                    second(st.User(ctx, u.Municipality, u.Login)),
		"Users":                   second(st.Users(ctx, u.Municipality)),
		"UpdateUser":              second(st.UpdateUser(ctx, u.Municipality, u.Login, func(*portal.User) error { return nil })),
		"AccountMunicipalities":   second(st.AccountMunicipalities(ctx)),
		"CreateSession":           st.CreateSession(ctx, s),
		"Session":                 second(st.Session(ctx, s.IDHash)),
		"TouchSession":            st.TouchSession(ctx, s.IDHash, pgT0),
		"DeleteSession":           st.DeleteSession(ctx, s.IDHash),
		"DeleteUserSessions":      st.DeleteUserSessions(ctx, u.Municipality, u.Login),
		"PurgeSessions":           second(st.PurgeSessions(ctx, pgT0, pgT0)),
		"AppendAudit":             second(st.AppendAudit(ctx, portal.AuditEntry{Municipality: "przykladowa"})),
		"Audit":                   second(st.Audit(ctx, "przykladowa", 0)),
		"Draft":                   second(st.Draft(ctx, "przykladowa")),
		"DraftHead":               second(st.DraftHead(ctx, "przykladowa")),
		"UpdateDraft":             second(st.UpdateDraft(ctx, "przykladowa", 0, map[string][]byte{"a": nil}, "x", pgT0)),
		"ImportState":             second(st.ImportState(ctx, "przykladowa")),
		"PutImportState":          st.PutImportState(ctx, "przykladowa", []byte("x")),
		"ImportingMunicipalities": second(st.ImportingMunicipalities(ctx)),
	} {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: %v, want context.Canceled", name, err)
		}
	}
	live := t.Context()
	if _, err := st.User(live, u.Municipality, u.Login); !errors.Is(err, portal.ErrNotFound) {
		t.Errorf("a user was stored with a cancelled context: %v", err)
	}
	if _, err := st.Session(live, s.IDHash); !errors.Is(err, portal.ErrNotFound) {
		t.Errorf("a session was stored with a cancelled context: %v", err)
	}
	if es, _ := st.Audit(live, "przykladowa", 0); len(es) != 0 {
		t.Errorf("%d audit entries written with a cancelled context", len(es))
	}
	if _, err := st.DraftHead(live, "przykladowa"); !errors.Is(err, portal.ErrNotFound) {
		t.Errorf("a draft was stored with a cancelled context: %v", err)
	}
}
