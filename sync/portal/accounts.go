package portal

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

// The people who use the portal's panel: accounts per municipality with roles, their
// sessions and the municipality's audit log. Residents never have accounts; nothing here
// holds a resident's data.

// Account errors. Implementations of AccountStore return these (possibly wrapped).
var (
	ErrUserExists = errors.New("a user with this login already exists in the municipality")
	ErrBadLogin   = errors.New("login must be 1-64 characters a-z, 0-9, '.', '_' and '-', starting with a letter or digit")
	ErrBadRole    = errors.New("unknown role (admin, clerk, moderator, operator)")
)

// Role is what a user may do. A person may hold several roles in their municipality.
type Role string

// The roles. Admin, clerk and moderator belong to a municipality; operator is portal-wide
// and is held only by users of OperatorMunicipality.
const (
	RoleAdmin     Role = "admin"     // local administrator: users, devices, tokens, settings
	RoleClerk     Role = "clerk"     // submissions
	RoleModerator Role = "moderator" // content
	RoleOperator  Role = "operator"  // the portal's operator: creates municipalities
)

// OperatorMunicipality is where the portal's operators have their accounts: "" is no valid
// municipality, so no municipality's admin can ever list or reach them.
const OperatorMunicipality = ""

// Roles lists the roles in the order the panel shows them.
var Roles = []Role{RoleAdmin, RoleClerk, RoleModerator, RoleOperator}

// ParseRoles reads a comma-separated list ("admin,clerk"), sorted and without repeats.
func ParseRoles(s string) ([]Role, error) {
	var out []Role
	for f := range strings.SplitSeq(s, ",") {
		r := Role(strings.TrimSpace(f))
		if r == "" {
			continue
		}
		if !slices.Contains(Roles, r) {
			return nil, fmt.Errorf("%w: %q", ErrBadRole, r)
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out, nil
}

var loginRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// ValidLogin reports whether l is a usable login. Logins appear in panel URLs and storage
// keys, so they are kept to a small safe alphabet.
func ValidLogin(l string) error {
	if !loginRE.MatchString(l) {
		return ErrBadLogin
	}
	return nil
}

// User is one account. Municipality is OperatorMunicipality for the portal's operators.
type User struct {
	Municipality string `json:"municipality"`
	Login        string `json:"login"`
	Name         string `json:"name"` // display name; shown HTML-escaped
	Roles        []Role `json:"roles"`
	// Password is the argon2id hash in PHC form (HashPassword), with its salt and
	// parameters, never the password.
	Password string `json:"password"`
	// MustChangePassword: the password was set by someone else (a one-time password from
	// `user add`/`user reset` or an administrator) and the user must choose their own.
	MustChangePassword bool      `json:"must_change_password,omitempty"`
	Disabled           bool      `json:"disabled,omitempty"`
	FailedLogins       int       `json:"failed_logins,omitempty"`
	LockedUntil        time.Time `json:"locked_until,omitzero"`
	// TOTPSecret is the RFC 6238 shared secret; empty until enrolment starts, and
	// TOTPEnrolled once a code from it was accepted. Never logged.
	TOTPSecret   []byte `json:"totp_secret,omitempty"`
	TOTPEnrolled bool   `json:"totp_enrolled,omitempty"`
	// TOTPLastStep is the last time step accepted, so a code is good only once.
	TOTPLastStep int64     `json:"totp_last_step,omitempty"`
	Created      time.Time `json:"created"`
	LastLogin    time.Time `json:"last_login,omitzero"`
}

// Has reports whether the user holds the role.
func (u User) Has(r Role) bool { return slices.Contains(u.Roles, r) }

// NeedsSecondFactor reports whether the user must pass TOTP to log in: administrators and
// operators must.
func (u User) NeedsSecondFactor() bool { return u.Has(RoleAdmin) || u.Has(RoleOperator) }

// Public is the user without the password hash and TOTP secret, for listings and the admin
// socket.
func (u User) Public() User {
	u.Password, u.TOTPSecret = "", nil
	return u
}

// Session is a panel login as stored: only the SHA-256 of its 256-bit random ID.
type Session struct {
	IDHash       []byte    `json:"-"`
	Municipality string    `json:"municipality"`
	Login        string    `json:"login"`
	Created      time.Time `json:"created"`
	LastSeen     time.Time `json:"last_seen"`
	// Stage is how far the login got: StageFull, or a step still owed before anything else.
	Stage string `json:"stage"`
	// CSRF is the synchronizer token every form of this session posts back.
	CSRF []byte `json:"csrf"`
}

// The stages of a session.
const (
	StageFull     = "full"     // logged in
	StagePassword = "password" // must choose a new password
	StageTOTP     = "totp"     // must give a TOTP code
	StageEnrol    = "enrol"    // must enrol a TOTP authenticator
)

// AuditEntry is one line of a municipality's audit log: who did what to what, when. It names
// accounts, devices and settings, never a resident's data.
type AuditEntry struct {
	Seq          uint64    `json:"seq"` // assigned by AppendAudit, increasing per municipality
	At           time.Time `json:"at"`
	Municipality string    `json:"municipality"`
	Actor        string    `json:"actor"`  // login, or "cli" for the operator's commands
	Action       string    `json:"action"` // e.g. "user.add", "login.fail"
	Target       string    `json:"target,omitempty"`
	Detail       string    `json:"detail,omitempty"`
	Remote       string    `json:"remote,omitempty"` // client address of a panel request
}

// AccountStore keeps the panel's users, their sessions and each municipality's audit log.
// Every query is scoped by municipality: nothing returns another municipality's users,
// sessions or audit.
type AccountStore interface {
	// CreateUser stores a new user (ErrUserExists if the login is taken in its
	// municipality; ErrBadLogin, ErrBadMunicipal for invalid keys).
	CreateUser(ctx context.Context, u User) error
	// User returns one user or ErrNotFound.
	User(ctx context.Context, municipality, login string) (User, error)
	// Users lists a municipality's users by login.
	Users(ctx context.Context, municipality string) ([]User, error)
	// UpdateUser runs fn on the stored user and stores the result in one transaction
	// (ErrNotFound if unknown; fn's error aborts and is returned). fn may not change the
	// municipality or login.
	UpdateUser(ctx context.Context, municipality, login string, fn func(*User) error) (User, error)
	// AccountMunicipalities lists the municipalities that have users, sorted (without
	// OperatorMunicipality).
	AccountMunicipalities(ctx context.Context) ([]string, error)

	// CreateSession stores a session under its IDHash.
	CreateSession(ctx context.Context, s Session) error
	// Session returns a session by the hash of its ID, or ErrNotFound.
	Session(ctx context.Context, idHash []byte) (Session, error)
	// TouchSession sets a session's LastSeen (ErrNotFound if gone).
	TouchSession(ctx context.Context, idHash []byte, at time.Time) error
	// DeleteSession removes a session; removing one that is gone is no error.
	DeleteSession(ctx context.Context, idHash []byte) error
	// DeleteUserSessions removes every session of a user (after a disable or reset).
	DeleteUserSessions(ctx context.Context, municipality, login string) error
	// PurgeSessions removes the sessions last seen before idle or created before absolute.
	PurgeSessions(ctx context.Context, idle, absolute time.Time) (int, error)

	// AppendAudit appends e to its municipality's log, assigning Seq, and returns it.
	AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error)
	// Audit returns a municipality's log, newest first, at most limit entries (0: all).
	Audit(ctx context.Context, municipality string, limit int) ([]AuditEntry, error)
}

// validUserKey checks a user's municipality and login as storage keys.
func validUserKey(municipality, login string) error {
	if municipality != OperatorMunicipality {
		if err := ValidMunicipality(municipality); err != nil {
			return err
		}
	}
	return ValidLogin(login)
}

// Argon2Params are argon2id's costs. A hash keeps the ones it was made with, so raising
// them affects only new passwords.
type Argon2Params struct {
	Time    uint32
	Memory  uint32 // KiB
	Threads uint8
}

// DefaultArgon2 is RFC 9106's second recommended option (64 MiB, 3 passes), with the
// threads of a small server.
var DefaultArgon2 = Argon2Params{Time: 3, Memory: 64 << 10, Threads: 2}

const (
	argonSalt = 16
	argonKey  = 32
)

// HashPassword hashes pw with argon2id and a fresh random salt, in the PHC string form
// "$argon2id$v=19$m=65536,t=3,p=2$<salt>$<hash>" that carries its own parameters.
func HashPassword(pw string, p Argon2Params) (string, error) {
	salt := make([]byte, argonSalt)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, argonKey)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches a HashPassword hash, comparing in constant time.
// A malformed hash is an error, never a match.
func CheckPassword(hash, pw string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, errors.New("password hash: not an argon2id PHC string")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, fmt.Errorf("password hash: unsupported argon2 version %q", parts[2])
	}
	var p Argon2Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil ||
		p.Time == 0 || p.Memory == 0 || p.Threads == 0 || p.Memory > 4<<20 || p.Time > 100 {
		return false, fmt.Errorf("password hash: bad parameters %q", parts[3])
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("password hash: salt: %w", err)
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) < 16 {
		return false, errors.New("password hash: bad key")
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// NewPassword makes a random one-time password: 16 characters from an alphabet without
// look-alikes (about 80 bits), easy to read out over the phone.
func NewPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	for i := range b {
		b[i] = alphabet[randIntn(len(alphabet))]
	}
	return string(b)
}

// randIntn is a uniform crypto/rand number below n (n small).
func randIntn(n int) int {
	var b [1]byte
	limit := 256 - 256%n
	for {
		if _, err := rand.Read(b[:]); err != nil {
			panic(err) // crypto/rand does not fail on supported systems
		}
		if int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}

// MinPasswordLength is the shortest password a user may choose.
const MinPasswordLength = 12

// AccountOptions are how the account operations set passwords.
type AccountOptions struct {
	Argon2 Argon2Params // zero: DefaultArgon2
	Actor  string       // who acts, for the audit log ("cli" when empty)
	Remote string       // the client address, for the audit log
}

func (o AccountOptions) params() Argon2Params {
	if o.Argon2 == (Argon2Params{}) {
		return DefaultArgon2
	}
	return o.Argon2
}

func (o AccountOptions) actor() string {
	if o.Actor == "" {
		return "cli"
	}
	return o.Actor
}

// AddUser creates a user with a one-time password (pw, or a new random one when pw is
// empty) they must change at first login, audits it and returns the password.
func AddUser(ctx context.Context, st AccountStore, u User, pw string, now time.Time, o AccountOptions) (string, error) {
	if err := validUserKey(u.Municipality, u.Login); err != nil {
		return "", err
	}
	if len(u.Roles) == 0 {
		return "", errors.New("a user needs at least one role")
	}
	for _, r := range u.Roles {
		if !slices.Contains(Roles, r) {
			return "", fmt.Errorf("%w: %q", ErrBadRole, r)
		}
		// Operators are portal-wide and municipalities' roles local: never mixed.
		if (r == RoleOperator) != (u.Municipality == OperatorMunicipality) {
			return "", errors.New("the operator role is only for portal operators (no municipality), and only it")
		}
	}
	if strings.TrimSpace(u.Name) == "" {
		u.Name = u.Login
	}
	if pw == "" {
		pw = NewPassword()
	}
	hash, err := HashPassword(pw, o.params())
	if err != nil {
		return "", err
	}
	u.Password, u.MustChangePassword, u.Created = hash, true, now
	u.TOTPSecret, u.TOTPEnrolled, u.Disabled, u.FailedLogins, u.LockedUntil = nil, false, false, 0, time.Time{}
	if err := st.CreateUser(ctx, u); err != nil {
		return "", fmt.Errorf("add user %s: %w", u.Login, err)
	}
	_, err = st.AppendAudit(ctx, AuditEntry{At: now, Municipality: u.Municipality, Actor: o.actor(), Action: "user.add",
		Target: u.Login, Detail: "roles=" + joinRoles(u.Roles), Remote: o.Remote})
	return pw, err
}

// ResetUser gives a user a new one-time password (pw, or a random one), clears the lockout
// and failed logins, with clearTOTP also the TOTP enrolment, ends their sessions, audits it
// and returns the password.
func ResetUser(ctx context.Context, st AccountStore, municipality, login, pw string, clearTOTP bool, now time.Time, o AccountOptions) (string, error) {
	if pw == "" {
		pw = NewPassword()
	}
	hash, err := HashPassword(pw, o.params())
	if err != nil {
		return "", err
	}
	_, err = st.UpdateUser(ctx, municipality, login, func(u *User) error {
		u.Password, u.MustChangePassword, u.FailedLogins, u.LockedUntil = hash, true, 0, time.Time{}
		if clearTOTP {
			u.TOTPSecret, u.TOTPEnrolled, u.TOTPLastStep = nil, false, 0
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("reset user %s: %w", login, err)
	}
	if err := st.DeleteUserSessions(ctx, municipality, login); err != nil {
		return "", fmt.Errorf("reset user %s: end sessions: %w", login, err)
	}
	detail := "password"
	if clearTOTP {
		detail = "password,totp"
	}
	_, err = st.AppendAudit(ctx, AuditEntry{At: now, Municipality: municipality, Actor: o.actor(), Action: "user.reset",
		Target: login, Detail: detail, Remote: o.Remote})
	return pw, err
}

// SetDisabled disables (or enables again) a user, ending their sessions when disabled, and
// audits it.
func SetDisabled(ctx context.Context, st AccountStore, municipality, login string, disabled bool, now time.Time, o AccountOptions) error {
	if _, err := st.UpdateUser(ctx, municipality, login, func(u *User) error { u.Disabled = disabled; return nil }); err != nil {
		return fmt.Errorf("disable user %s: %w", login, err)
	}
	action := "user.enable"
	if disabled {
		action = "user.disable"
		if err := st.DeleteUserSessions(ctx, municipality, login); err != nil {
			return fmt.Errorf("disable user %s: end sessions: %w", login, err)
		}
	}
	_, err := st.AppendAudit(ctx, AuditEntry{At: now, Municipality: municipality, Actor: o.actor(), Action: action, Target: login, Remote: o.Remote})
	return err
}

// SetRoles replaces a user's roles and ends their sessions: a role gained is used from the
// next login, with the second factor an administrator's role demands; a role lost ends at once.
func SetRoles(ctx context.Context, st AccountStore, municipality, login string, roles []Role, now time.Time, o AccountOptions) error {
	if len(roles) == 0 {
		return fmt.Errorf("set roles of %s: no role given", login)
	}
	if _, err := st.UpdateUser(ctx, municipality, login, func(u *User) error { u.Roles = roles; return nil }); err != nil {
		return fmt.Errorf("set roles of %s: %w", login, err)
	}
	if err := st.DeleteUserSessions(ctx, municipality, login); err != nil {
		return fmt.Errorf("set roles of %s: end sessions: %w", login, err)
	}
	_, err := st.AppendAudit(ctx, AuditEntry{At: now, Municipality: municipality, Actor: o.actor(), Action: "user.roles", Target: login, Detail: joinRoles(roles), Remote: o.Remote})
	return err
}

func joinRoles(rs []Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}
