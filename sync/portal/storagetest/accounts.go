package storagetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"infomat/sync/portal"
)

func user(municipality, login string, roles ...portal.Role) portal.User {
	return portal.User{Municipality: municipality, Login: login, Name: "Name " + login, Roles: roles,
		Password: "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA", Created: t0}
}

func accounts(t *testing.T, open func(*testing.T) portal.Storage) {
	t.Run("UsersPerMunicipality", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		if us, err := st.Users(ctx, muni); err != nil || len(us) != 0 {
			t.Fatalf("Users of an empty store: %v, %v", us, err)
		}
		for _, u := range []portal.User{
			user(muni, "jan", portal.RoleAdmin, portal.RoleClerk),
			user(muni, "anna", portal.RoleClerk),
			user("inna", "jan", portal.RoleModerator),
			user(portal.OperatorMunicipality, "root", portal.RoleOperator),
		} {
			if err := st.CreateUser(ctx, u); err != nil {
				t.Fatalf("CreateUser %s/%s: %v", u.Municipality, u.Login, err)
			}
		}
		// The same login is another person in another municipality, but unique in one.
		if err := st.CreateUser(ctx, user(muni, "jan", portal.RoleClerk)); !errors.Is(err, portal.ErrUserExists) {
			t.Fatalf("second jan in %s: %v, want ErrUserExists", muni, err)
		}
		if err := st.CreateUser(ctx, user(muni, "Bad Login")); !errors.Is(err, portal.ErrBadLogin) {
			t.Fatalf("bad login: %v", err)
		}
		if err := st.CreateUser(ctx, user("Bad Muni", "x")); !errors.Is(err, portal.ErrBadMunicipal) {
			t.Fatalf("bad municipality: %v", err)
		}
		us, err := st.Users(ctx, muni)
		if err != nil || len(us) != 2 || us[0].Login != "anna" || us[1].Login != "jan" || !us[1].Has(portal.RoleAdmin) {
			t.Fatalf("Users(%s): %+v, %v", muni, us, err)
		}
		for _, u := range us {
			if u.Municipality != muni {
				t.Fatalf("Users(%s) returned %s/%s", muni, u.Municipality, u.Login)
			}
		}
		if us, _ := st.Users(ctx, "inna"); len(us) != 1 || !us[0].Has(portal.RoleModerator) {
			t.Fatalf("Users(inna): %+v", us)
		}
		if _, err := st.User(ctx, "inna", "anna"); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("anna of %s through inna: %v, want ErrNotFound", muni, err)
		}
		if ops, _ := st.Users(ctx, portal.OperatorMunicipality); len(ops) != 1 || ops[0].Login != "root" {
			t.Fatalf("operators: %+v", ops)
		}
		ms, err := st.AccountMunicipalities(ctx)
		if err != nil || !slices.Equal(ms, []string{"inna", muni}) {
			t.Fatalf("AccountMunicipalities: %v, %v", ms, err)
		}
		got, err := st.User(ctx, muni, "jan")
		want := user(muni, "jan", portal.RoleAdmin, portal.RoleClerk)
		if err != nil || got.Name != want.Name || got.Password != want.Password || !got.Created.Equal(t0) || !slices.Equal(got.Roles, want.Roles) {
			t.Fatalf("User: %+v, %v", got, err)
		}
	})
	t.Run("UpdateUser", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		if err := st.CreateUser(ctx, user(muni, "jan", portal.RoleClerk)); err != nil {
			t.Fatal(err)
		}
		lock := t0.Add(15 * time.Minute)
		u, err := st.UpdateUser(ctx, muni, "jan", func(u *portal.User) error {
			u.FailedLogins, u.LockedUntil, u.Disabled = 5, lock, true
			u.TOTPSecret, u.TOTPEnrolled, u.TOTPLastStep = []byte("12345678901234567890"), true, 42
			u.Login, u.Municipality = "hijack", "inna" // ignored
			return nil
		})
		if err != nil || u.Login != "jan" || u.Municipality != muni {
			t.Fatalf("UpdateUser: %+v, %v", u, err)
		}
		got, err := st.User(ctx, muni, "jan")
		if err != nil || got.FailedLogins != 5 || !got.LockedUntil.Equal(lock) || !got.Disabled ||
			string(got.TOTPSecret) != "12345678901234567890" || !got.TOTPEnrolled || got.TOTPLastStep != 42 {
			t.Fatalf("after UpdateUser: %+v, %v", got, err)
		}
		if _, err := st.User(ctx, "inna", "hijack"); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("UpdateUser moved the user: %v", err)
		}
		boom := errors.New("boom")
		if _, err := st.UpdateUser(ctx, muni, "jan", func(u *portal.User) error { u.Name = "changed"; return boom }); !errors.Is(err, boom) {
			t.Fatalf("UpdateUser with failing fn: %v", err)
		}
		if got, _ := st.User(ctx, muni, "jan"); got.Name == "changed" {
			t.Fatal("a failed UpdateUser stored its change")
		}
		if _, err := st.UpdateUser(ctx, "inna", "jan", func(*portal.User) error { return nil }); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("UpdateUser of an unknown user: %v", err)
		}
	})
	t.Run("ConcurrentUpdatesAreSerialised", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		if err := st.CreateUser(ctx, user(muni, "jan", portal.RoleClerk)); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				if _, err := st.UpdateUser(ctx, muni, "jan", func(u *portal.User) error { u.FailedLogins++; return nil }); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if u, _ := st.User(ctx, muni, "jan"); u.FailedLogins != 20 {
			t.Fatalf("20 concurrent increments gave %d", u.FailedLogins)
		}
	})
	t.Run("Sessions", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		s1 := portal.Session{IDHash: hash("s1"), Municipality: muni, Login: "jan", Created: t0, LastSeen: t0, Stage: portal.StageFull, CSRF: []byte("c1")}
		s2 := portal.Session{IDHash: hash("s2"), Municipality: muni, Login: "jan", Created: t0, LastSeen: t0, Stage: portal.StageTOTP, CSRF: []byte("c2")}
		s3 := portal.Session{IDHash: hash("s3"), Municipality: "inna", Login: "jan", Created: t0.Add(time.Hour), LastSeen: t0.Add(time.Hour), Stage: portal.StageFull}
		for _, s := range []portal.Session{s1, s2, s3} {
			if err := st.CreateSession(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		got, err := st.Session(ctx, hash("s1"))
		if err != nil || got.Login != "jan" || got.Municipality != muni || got.Stage != portal.StageFull || string(got.CSRF) != "c1" || !got.Created.Equal(t0) {
			t.Fatalf("Session: %+v, %v", got, err)
		}
		if _, err := st.Session(ctx, hash("nope")); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("unknown session: %v", err)
		}
		if err := st.TouchSession(ctx, hash("s1"), t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.Session(ctx, hash("s1")); !got.LastSeen.Equal(t0.Add(time.Minute)) {
			t.Fatalf("LastSeen after TouchSession: %v", got.LastSeen)
		}
		if err := st.TouchSession(ctx, hash("nope"), t0); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("TouchSession of an unknown session: %v", err)
		}
		// jan of muni loses both sessions; jan of inna keeps his.
		if err := st.DeleteUserSessions(ctx, muni, "jan"); err != nil {
			t.Fatal(err)
		}
		for _, h := range [][]byte{hash("s1"), hash("s2")} {
			if _, err := st.Session(ctx, h); !errors.Is(err, portal.ErrNotFound) {
				t.Fatalf("session left after DeleteUserSessions: %v", err)
			}
		}
		if _, err := st.Session(ctx, hash("s3")); err != nil {
			t.Fatalf("another municipality's jan lost his session: %v", err)
		}
		if err := st.DeleteSession(ctx, hash("s3")); err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteSession(ctx, hash("s3")); err != nil {
			t.Fatalf("deleting a deleted session: %v", err)
		}
	})
	t.Run("PurgeSessions", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		for i, s := range []portal.Session{
			{Created: t0, LastSeen: t0.Add(50 * time.Minute)},                      // idle
			{Created: t0.Add(-13 * time.Hour), LastSeen: t0.Add(59 * time.Minute)}, // too old
			{Created: t0, LastSeen: t0.Add(59 * time.Minute)},                      // alive
		} {
			s.IDHash, s.Municipality, s.Login, s.Stage = hash(fmt.Sprint(i)), muni, "jan", portal.StageFull
			if err := st.CreateSession(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		now := t0.Add(time.Hour)
		n, err := st.PurgeSessions(ctx, now.Add(-5*time.Minute), now.Add(-12*time.Hour))
		if err != nil || n != 2 {
			t.Fatalf("PurgeSessions: %d, %v; want 2", n, err)
		}
		if _, err := st.Session(ctx, hash("2")); err != nil {
			t.Fatalf("the live session was purged: %v", err)
		}
	})
	t.Run("Audit", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		if es, err := st.Audit(ctx, muni, 0); err != nil || len(es) != 0 {
			t.Fatalf("Audit of an empty store: %v, %v", es, err)
		}
		for i := range 5 {
			for _, m := range []string{muni, "inna", "przykladowa-2"} {
				e, err := st.AppendAudit(ctx, portal.AuditEntry{At: t0.Add(time.Duration(i) * time.Minute), Municipality: m, Actor: "jan", Action: "user.add", Target: fmt.Sprint("u", i)})
				if err != nil || e.Seq != uint64(i+1) {
					t.Fatalf("AppendAudit %s #%d: seq %d, %v", m, i, e.Seq, err)
				}
			}
		}
		es, err := st.Audit(ctx, muni, 0)
		if err != nil || len(es) != 5 || es[0].Seq != 5 || es[4].Seq != 1 || es[0].Target != "u4" || !es[0].At.Equal(t0.Add(4*time.Minute)) {
			t.Fatalf("Audit: %+v, %v; want 5 entries newest first", es, err)
		}
		for _, e := range es {
			if e.Municipality != muni {
				t.Fatalf("Audit(%s) has %s's entry", muni, e.Municipality)
			}
		}
		if es, _ := st.Audit(ctx, muni, 2); len(es) != 2 || es[0].Seq != 5 || es[1].Seq != 4 {
			t.Fatalf("Audit limit 2: %+v", es)
		}
		if _, err := st.AppendAudit(ctx, portal.AuditEntry{Municipality: "Bad Muni"}); !errors.Is(err, portal.ErrBadMunicipal) {
			t.Fatalf("audit of a bad municipality: %v", err)
		}
	})
}
