// Command infomat-portal is the central portal the kiosks sync with, and its operator's tool.
//
//	infomat-portal serve [--data DIR] [--addr :8443] --cert FILE --key FILE   run the API (TLS)
//	infomat-portal token create --municipality X [--ttl 72h] [--count 1]     one-time enrolment tokens
//	infomat-portal devices [--municipality X]                                 enrolled devices
//	infomat-portal revoke DEVICE                                              refuse a device from now on
//	infomat-portal key show --municipality X                                  the manifest signing public key
//	infomat-portal publish --municipality X [--expires 720h] [--label L] [--max-page 2MiB] [--max-attachment 50MiB] [--max-bundle 1GiB] DIR
//	                                                  publish a content bundle (size limits: raised limits stay with the municipality)
//	infomat-portal export --municipality X --identity FILE [--all]            decrypted submissions as JSON
//	infomat-portal fleet [--municipality X] [--json]                          device health
//	infomat-portal quarantine list|show ID|release ID                         submissions an export set aside
//	infomat-portal check                                                      check every page of portal.db
//	infomat-portal status show REF | set REF STATUS [--note T] [--to WHERE]   a submission's status for the resident
//	infomat-portal user add|reset|disable|list                                the web panel's accounts
//	infomat-portal dues import|card|status --municipality X                    residents' dues for the kiosks' lookup
//	infomat-portal backup --out FILE                                          portal.db and panel.key, consistent, also while serving
//	infomat-portal restore [--force] FILE                                     put a backup in place (the portal stopped)
//	infomat-portal version                                                    version, commit, build date
//
// A municipality the portal does not have (a typo) is refused with the nearest known names:
// token create, key show, publish, user add and dues import create one only with
// --new-municipality; the other commands never do.
//
// Every command takes --data DIR (default $INFOMAT_PORTAL_DATA or /var/lib/infomat-portal)
// and --db, the store (default $INFOMAT_PORTAL_DB, else portal.db in DIR): bolt:DIR or
// postgres://user@host/db. A PostgreSQL store is shared by several serve processes and the
// commands, each opening it directly. Only one process at a time can open a bbolt store:
// while serve runs, it also listens on DIR/admin.sock (mode 0600: the portal's own user,
// root or the service user) and the operator commands (token, devices, revoke, key, publish,
// export, fleet, quarantine, check, user, dues) find the store locked and run through that
// socket instead, with the same output — see docs/protocol.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	_ "time/tzdata" // Europe/Warsaw for portal references, whatever the host has

	"infomat/buildinfo"
	"infomat/sync/portal"

	// Before Fyne's init (the content preview links it) reads the locale: see the package's comment.
	_ "clocale"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serveCmd(ctx, rest, stdout, stderr, nil)
	case "token":
		return tokenCmd(ctx, rest, stdout, stderr)
	case "devices":
		return devicesCmd(ctx, rest, stdout, stderr)
	case "revoke":
		return revokeCmd(ctx, rest, stdout, stderr)
	case "key":
		return keyCmd(ctx, rest, stdout, stderr)
	case "publish":
		return publishCmd(ctx, rest, stdout, stderr)
	case "export":
		return exportCmd(ctx, rest, stdout, stderr)
	case "fleet":
		return fleetCmd(ctx, rest, stdout, stderr)
	case "quarantine":
		return quarantineCmd(ctx, rest, stdout, stderr)
	case "check":
		return checkCmd(ctx, rest, stdout, stderr)
	case "status":
		return statusCmd(ctx, rest, stdout, stderr)
	case "user":
		return userCmd(ctx, rest, stdinReader, stdout, stderr)
	case "dues":
		return duesCmd(ctx, rest, stdinReader, stdout, stderr) // dues.go
	case "backup":
		return backupCmd(ctx, rest, stdout, stderr) // backup.go
	case "restore":
		return restoreCmd(ctx, rest, stdout, stderr)
	case "loadgen":
		// The load generator is a program of its own (cmd/infomat-loadgen), so that it does
		// not ship in the portal; this points whoever remembers the old command to it.
		fmt.Fprintln(stderr, "infomat-portal: generator obciążenia jest osobnym programem: infomat-loadgen (go run ./cmd/infomat-loadgen --kiosks N --duration D)")
		return 2
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, buildinfo.Line("infomat-portal"))
		return 0
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	}
	fmt.Fprintf(stderr, "infomat-portal: nieznane polecenie %q — lista poleceń poniżej (infomat-portal help)\n\n", cmd)
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `infomat-portal — central portal for Infomat kiosks

  serve [--addr :8443] --cert FILE --key FILE    the kiosk API over TLS (plain HTTP only on loopback)
        [--submit-rate 60] [--submit-burst 120] [--device-quota BYTES] [--min-body-rate BYTES/s] [--max-conns 4096]
                                                 per-device limits (429 + Retry-After), body deadlines, connection cap
        [--secure-cookies] [--public-url https://HOST:PORT]
                                                 the web panel under /panel/ on the same listener; its enrolment
                                                 command pins this certificate's key (--pin) and names --public-url
                                                 (default: the address the panel is opened at)
  token create --municipality X [--ttl 72h] [--count N]
                                                 one-time enrolment tokens, printed once
  devices [--municipality X]                     enrolled devices
  revoke DEVICE                                  refuse the device from now on (403 revoked)
  key show --municipality X                      the public key kiosks pin for content
  publish --municipality X [--expires 720h] [--label L] DIR
          [--max-page 2MiB] [--max-attachment 50MiB] [--max-bundle 1GiB]
                                                 validate and publish a content bundle; a raised
                                                 limit stays the municipality's until changed
  export --municipality X --identity FILE [--all]
                                                 decrypt new submissions to stdout as JSON
  fleet [--municipality X] [--json]              device health with problems
  quarantine list [--municipality X] | show ID | release ID
                                                 submissions an export set aside (metadata and
                                                 reason only); release returns one to the export
  check                                          check every page of portal.db (exit 1 on damage)
  status show REF | set REF STATUS [--note TEXT] [--to WHERE]
         [--municipality X] [--id ID] [--json]  a submission's status on the tracking page
                                                 (przyjęty, w-realizacji, załatwiony, odrzucony,
                                                 przekazany --to WHERE) and its history
  user add --municipality X --login L --name N --roles admin,clerk,moderator [--password-stdin] [--new-municipality]
  user add --operator --login L --name N         the panel's accounts (/panel/): prints a one-time
  user reset --municipality X --login L [--clear-totp]   password; reset also lifts a lockout
  user disable --municipality X --login L [--enable]
  user list --municipality X | --operator
  dues import --municipality X [--as-of DATE] [--retention-days 90] [--recipient N] [--nip N] [--new-municipality] FILE.csv
                                                 replace the municipality's dues (eNależności) with the tax
                                                 system's export (docs/dues.md); a file with errors replaces nothing
  dues card --municipality X --card ID --taxpayer T [--pin-stdin]
                                                 register a Karta Mieszkańca; prints a new 6-digit PIN once
  dues status --municipality X                   the current import: counts, as-of, retention
  backup --out FILE                              a consistent copy of portal.db (also while serve runs) and
                                                 panel.key in one tar; it holds the signing keys: keep it like them
  restore [--force] FILE                         check a backup and put it in place (serve stopped); --force
                                                 moves the present files aside
  version                                        version, commit and build date

A municipality the portal does not have (a typo) is refused with the nearest known names:
token create, key show, publish, user add and dues import create one only with
--new-municipality; the other commands never do.

Every command takes --data DIR (default $INFOMAT_PORTAL_DATA or /var/lib/infomat-portal)
and --db STORE (default $INFOMAT_PORTAL_DB, else portal.db in DIR): bolt:DIR, or
postgres://user@host/database for a database several serve processes share.
With bbolt, while serve runs, the other commands work through its admin socket
DIR/admin.sock (only for the portal's own user: run them as root or as the service user);
with PostgreSQL they open the database beside the running portals.
Load tests: the separate infomat-loadgen (go run ./cmd/infomat-loadgen).
`)
}

func defaultData() string {
	if d := os.Getenv("INFOMAT_PORTAL_DATA"); d != "" {
		return d
	}
	return "/var/lib/infomat-portal"
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	fl.SetOutput(stderr)
	return fl
}

// place is where a command finds the portal's data: the data directory (portal.db, panel.key,
// admin.sock) and the store, when it is not portal.db there (--db).
type place struct {
	dir string
	db  string // "" (bbolt in dir), bolt:DIR or postgres://…
}

// boltDir is the directory of portal.db: the one --db bolt:DIR names, else --data.
func (p *place) boltDir() string {
	if d, ok := strings.CutPrefix(p.db, "bolt:"); ok && d != "" {
		return d
	}
	return p.dir
}

// store names the store for messages: portal.db's path, or the database URL without its
// password.
func (p *place) store() string {
	if portal.IsPostgres(p.db) {
		return portal.Redact(p.db)
	}
	return filepath.Join(p.boltDir(), portal.FileName)
}

// flags makes a flag set with --data and --db.
func flags(name string, stderr io.Writer) (*flag.FlagSet, *place) {
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	fl.SetOutput(stderr)
	p := &place{}
	fl.StringVar(&p.dir, "data", defaultData(), "data directory holding portal.db, panel.key and admin.sock")
	fl.StringVar(&p.db, "db", os.Getenv("INFOMAT_PORTAL_DB"), "the store: bolt:KATALOG (default: portal.db in --data) or postgres://użytkownik@host/baza")
	return fl, p
}

// parse parses flags, allowing them after positional arguments too ("publish DIR --municipality X").
func parse(fl *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fl.Parse(args); err != nil {
			return nil, err
		}
		if fl.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fl.Arg(0))
		args = fl.Args()[1:]
	}
}

func open(ctx context.Context, at *place, stderr io.Writer) (portal.Backend, bool) {
	st, err := portal.Open(ctx, at.db, at.dir, portal.BoltOptions{})
	if err != nil {
		fail(stderr, "infomat-portal", err)
		return nil, false
	}
	return st, true
}
