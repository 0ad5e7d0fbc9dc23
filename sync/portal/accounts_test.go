package portal_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"infomat/sync/portal"
)

var cheap = portal.Argon2Params{Time: 1, Memory: 1 << 10, Threads: 1}

func TestPasswordHash(t *testing.T) {
	h, err := portal.HashPassword("zażółć gęślą jaźń", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") || strings.Contains(h, "jaźń") {
		t.Fatalf("hash %q: want the PHC form with its parameters and no password", h)
	}
	if ok, err := portal.CheckPassword(h, "zażółć gęślą jaźń"); !ok || err != nil {
		t.Fatalf("right password: %v, %v", ok, err)
	}
	if ok, err := portal.CheckPassword(h, "zażółć gęślą jaźn"); ok || err != nil {
		t.Fatalf("wrong password: %v, %v", ok, err)
	}
	// A fresh salt every time: the same password hashes differently.
	if h2, _ := portal.HashPassword("zażółć gęślą jaźń", cheap); h2 == h {
		t.Fatal("two hashes of one password are equal: no per-user salt")
	}
	// The parameters travel with the hash: a hash made with the defaults checks as well.
	hd, _ := portal.HashPassword("x", portal.DefaultArgon2)
	if !strings.Contains(hd, "$m=65536,t=3,p=2$") {
		t.Fatalf("default hash %q", hd)
	}
	if ok, _ := portal.CheckPassword(hd, "x"); !ok {
		t.Fatal("default-parameter hash does not check")
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA", "$argon2id$v=19$m=1024,t=1,p=1$!!$aGFzaA"} {
		if ok, err := portal.CheckPassword(bad, "x"); ok || err == nil {
			t.Errorf("CheckPassword(%q) = %v, %v; want an error", bad, ok, err)
		}
	}
}

func TestNewPassword(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		p := portal.NewPassword()
		if len(p) != 16 || strings.ContainsAny(p, "0O1lIi") || seen[p] {
			t.Fatalf("NewPassword %q", p)
		}
		seen[p] = true
	}
}

func TestParseRoles(t *testing.T) {
	rs, err := portal.ParseRoles("clerk, admin,clerk")
	if err != nil || !slices.Equal(rs, []portal.Role{portal.RoleAdmin, portal.RoleClerk}) {
		t.Fatalf("ParseRoles: %v, %v", rs, err)
	}
	if _, err := portal.ParseRoles("admin,root"); !errors.Is(err, portal.ErrBadRole) {
		t.Fatalf("unknown role: %v", err)
	}
}

func TestAccountOperations(t *testing.T) {
	st, err := portal.OpenBolt(t.Context(), t.TempDir(), portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx, now := t.Context(), time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	o := portal.AccountOptions{Argon2: cheap}
	if _, err := portal.AddUser(ctx, st, portal.User{Municipality: "gmina-a", Login: "op", Roles: []portal.Role{portal.RoleOperator}}, "", now, o); err == nil {
		t.Fatal("an operator inside a municipality was accepted")
	}
	pw, err := portal.AddUser(ctx, st, portal.User{Municipality: "gmina-a", Login: "jan", Name: "Jan", Roles: []portal.Role{portal.RoleAdmin}}, "", now, o)
	if err != nil || len(pw) != 16 {
		t.Fatalf("AddUser: %q, %v", pw, err)
	}
	u, _ := st.User(ctx, "gmina-a", "jan")
	if ok, _ := portal.CheckPassword(u.Password, pw); !ok || !u.MustChangePassword {
		t.Fatalf("stored user %+v does not take the one-time password", u.Public())
	}
	if _, err := st.UpdateUser(ctx, "gmina-a", "jan", func(u *portal.User) error {
		u.FailedLogins, u.LockedUntil, u.TOTPSecret, u.TOTPEnrolled = 5, now.Add(time.Hour), []byte("s"), true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateSession(ctx, portal.Session{IDHash: []byte("h"), Municipality: "gmina-a", Login: "jan"}); err != nil {
		t.Fatal(err)
	}
	pw2, err := portal.ResetUser(ctx, st, "gmina-a", "jan", "", true, now, o)
	if err != nil || pw2 == pw {
		t.Fatalf("ResetUser: %v", err)
	}
	u, _ = st.User(ctx, "gmina-a", "jan")
	if u.FailedLogins != 0 || !u.LockedUntil.IsZero() || u.TOTPEnrolled || u.TOTPSecret != nil {
		t.Fatalf("after reset: %+v", u.Public())
	}
	if _, err := st.Session(ctx, []byte("h")); !errors.Is(err, portal.ErrNotFound) {
		t.Fatal("reset left the user's session")
	}
	if err := portal.SetDisabled(ctx, st, "gmina-a", "jan", true, now, o); err != nil {
		t.Fatal(err)
	}
	es, _ := st.Audit(ctx, "gmina-a", 0)
	var actions []string
	for _, e := range es {
		actions = append(actions, e.Action+" "+e.Target+" "+e.Actor)
	}
	if !slices.Equal(actions, []string{"user.disable jan cli", "user.reset jan cli", "user.add jan cli"}) {
		t.Fatalf("audit: %q", actions)
	}
	for _, e := range es {
		if strings.Contains(e.Detail, pw) || strings.Contains(e.Detail, pw2) {
			t.Fatal("a password reached the audit log")
		}
	}
}
