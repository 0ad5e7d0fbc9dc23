package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"infomat/sync/portal"
)

// userOperator is what `infomat-portal user …` does to the panel's accounts, on the store or
// through the serving portal's admin socket like the other commands (connect).
type userOperator interface {
	users(ctx context.Context, muni string) ([]portal.User, error)
	// addUser refuses a municipality the portal does not have unless newMuni.
	addUser(ctx context.Context, u portal.User, pw string, newMuni bool) (string, error)
	resetUser(ctx context.Context, muni, login, pw string, clearTOTP bool) (string, error)
	setDisabled(ctx context.Context, muni, login string, disabled bool) error
}

// checkExisting refuses a municipality the portal does not have (a typo) for the commands
// that change or list its existing accounts; the operators have none to check.
func (l local) checkExisting(ctx context.Context, muni string) error {
	if muni == portal.OperatorMunicipality {
		return nil
	}
	return portal.CheckExistingMunicipality(ctx, l.st, muni)
}

func (l local) users(ctx context.Context, muni string) ([]portal.User, error) {
	if err := l.checkExisting(ctx, muni); err != nil {
		return nil, err
	}
	return l.st.Users(ctx, muni)
}

func (l local) addUser(ctx context.Context, u portal.User, pw string, newMuni bool) (string, error) {
	if u.Municipality != portal.OperatorMunicipality {
		if err := portal.CheckMunicipality(ctx, l.st, u.Municipality, newMuni); err != nil {
			return "", err
		}
	}
	return portal.AddUser(ctx, l.st, u, pw, time.Now(), portal.AccountOptions{})
}

func (l local) resetUser(ctx context.Context, muni, login, pw string, clearTOTP bool) (string, error) {
	if err := l.checkExisting(ctx, muni); err != nil {
		return "", err
	}
	return portal.ResetUser(ctx, l.st, muni, login, pw, clearTOTP, time.Now(), portal.AccountOptions{})
}

func (l local) setDisabled(ctx context.Context, muni, login string, disabled bool) error {
	if err := l.checkExisting(ctx, muni); err != nil {
		return err
	}
	return portal.SetDisabled(ctx, l.st, muni, login, disabled, time.Now(), portal.AccountOptions{})
}

func (r remote) users(ctx context.Context, muni string) ([]portal.User, error) {
	return r.c.Users(ctx, muni)
}

func (r remote) addUser(ctx context.Context, u portal.User, pw string, newMuni bool) (string, error) {
	return r.c.AddUser(ctx, u, pw, newMuni)
}

func (r remote) resetUser(ctx context.Context, muni, login, pw string, clearTOTP bool) (string, error) {
	return r.c.ResetUser(ctx, muni, login, pw, clearTOTP)
}

func (r remote) setDisabled(ctx context.Context, muni, login string, disabled bool) error {
	return r.c.SetDisabled(ctx, muni, login, disabled)
}

const userUse = `użycie:
  infomat-portal user add --municipality M --login L --name N --roles admin,clerk,moderator [--password-stdin] [--new-municipality]
  infomat-portal user add --operator --login L --name N [--password-stdin]
  infomat-portal user reset --municipality M --login L [--clear-totp] [--password-stdin]
  infomat-portal user disable --municipality M --login L [--enable]
  infomat-portal user list --municipality M | --operator`

// userCmd manages the panel's accounts: the first administrator of a municipality, the
// portal's operators, and recovery (a lost password or phone, a lockout).
func userCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, userUse)
		return 2
	}
	sub := args[0]
	fl, data := flags("user "+sub, stderr)
	muni := fl.String("municipality", "", "the user's municipality")
	operator := fl.Bool("operator", false, "a portal operator (no municipality; role operator)")
	login := fl.String("login", "", "login, unique in the municipality")
	name := fl.String("name", "", "full name shown in the panel")
	roles := fl.String("roles", "", "comma list: admin, clerk, moderator")
	fromStdin := fl.Bool("password-stdin", false, "read the one-time password from the first line of stdin instead of generating one")
	clearTOTP := fl.Bool("clear-totp", false, "reset: also remove the TOTP enrolment (the user enrols again at login)")
	enable := fl.Bool("enable", false, "disable: enable the account again instead")
	newMuni := fl.Bool("new-municipality", false, "add: create the municipality if the portal does not have it yet (its first user)")
	if pos, err := parse(fl, args[1:]); err != nil || len(pos) != 0 {
		fmt.Fprintln(stderr, userUse)
		return 2
	}
	if *operator {
		*muni = portal.OperatorMunicipality
	}
	if (*muni == "") != *operator || (sub != "list" && *login == "") || (*newMuni && (sub != "add" || *operator)) {
		fmt.Fprintln(stderr, userUse)
		return 2
	}
	var pw string
	if *fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			fmt.Fprintln(stderr, "infomat-portal user: read password:", err)
			return 1
		}
		pw = strings.TrimRight(line, "\r\n")
		if len([]rune(pw)) < portal.MinPasswordLength {
			fmt.Fprintf(stderr, "infomat-portal user: the password must have at least %d characters\n", portal.MinPasswordLength)
			return 2
		}
	}
	op, ok := connect(ctx, data, stderr)
	if !ok {
		return 1
	}
	defer op.close()
	uo, ok := op.(userOperator)
	if !ok {
		fmt.Fprintln(stderr, "infomat-portal user: this portal cannot manage users")
		return 1
	}
	who := *login + "@" + *muni
	if *operator {
		who = *login + " (operator portalu)"
	}
	switch sub {
	case "add":
		rs, err := portal.ParseRoles(*roles)
		if *operator {
			rs, err = []portal.Role{portal.RoleOperator}, nil
		}
		if err != nil || len(rs) == 0 {
			fmt.Fprintln(stderr, "infomat-portal user add: --roles: admin, clerk, moderator (at least one)")
			return 2
		}
		got, err := uo.addUser(ctx, portal.User{Municipality: *muni, Login: *login, Name: *name, Roles: rs}, pw, *newMuni)
		if err != nil {
			fmt.Fprintln(stderr, "infomat-portal user add:", err)
			return 1
		}
		if !*fromStdin {
			fmt.Fprintln(stdout, got)
		}
		fmt.Fprintf(stderr, "Dodano %s. Hasło jest jednorazowe: przy pierwszym logowaniu w /panel/ trzeba je zmienić", who)
		if rsHasSecondFactor(rs) {
			fmt.Fprint(stderr, " i skonfigurować kod z aplikacji (TOTP)")
		}
		fmt.Fprintln(stderr, ".")
	case "reset":
		got, err := uo.resetUser(ctx, *muni, *login, pw, *clearTOTP)
		if err != nil {
			fmt.Fprintln(stderr, "infomat-portal user reset:", err)
			return 1
		}
		if !*fromStdin {
			fmt.Fprintln(stdout, got)
		}
		msg := "Nowe hasło jednorazowe dla %s; blokada zdjęta, sesje zakończone"
		if *clearTOTP {
			msg += ", drugi składnik usunięty (konfiguracja przy logowaniu)"
		}
		fmt.Fprintf(stderr, msg+".\n", who)
	case "disable":
		if err := uo.setDisabled(ctx, *muni, *login, !*enable); err != nil {
			fmt.Fprintln(stderr, "infomat-portal user disable:", err)
			return 1
		}
		if *enable {
			fmt.Fprintf(stdout, "%s: konto włączone.\n", who)
		} else {
			fmt.Fprintf(stdout, "%s: konto wyłączone, sesje zakończone.\n", who)
		}
	case "list":
		us, err := uo.users(ctx, *muni)
		if err != nil {
			fmt.Fprintln(stderr, "infomat-portal user list:", err)
			return 1
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "LOGIN\tNAZWA\tROLE\tTOTP\tSTAN")
		now := time.Now()
		for _, u := range us {
			state := "aktywne"
			switch {
			case u.Disabled:
				state = "wyłączone"
			case now.Before(u.LockedUntil):
				state = "zablokowane do " + u.LockedUntil.Local().Format("15:04")
			}
			rs := make([]string, len(u.Roles))
			for i, r := range u.Roles {
				rs[i] = string(r)
			}
			totp := "nie"
			if u.TOTPEnrolled {
				totp = "tak"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Login, u.Name, strings.Join(rs, ","), totp, state)
		}
		_ = tw.Flush()
	default:
		fmt.Fprintln(stderr, userUse)
		return 2
	}
	return 0
}

func rsHasSecondFactor(rs []portal.Role) bool {
	return portal.User{Roles: rs}.NeedsSecondFactor()
}

// stdinReader is the command's standard input (tests replace it).
var stdinReader io.Reader = os.Stdin
