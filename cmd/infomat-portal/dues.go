package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"infomat/sync/portal"
	"infomat/sync/portal/dues"
	"infomat/sync/portal/panel"
)

// duesOperator is what `infomat-portal dues …` does, on the store or through the serving
// portal's admin socket. The command seals and hashes itself, with the keys derived from
// DATA/panel.key, so only sealed data reaches either. A municipality the portal does not
// have is refused: replaceDues creates it only with newMuni, the others never.
type duesOperator interface {
	replaceDues(ctx context.Context, set portal.DuesSet, newMuni bool) error
	putDuesCard(ctx context.Context, c portal.DuesCard) error
	duesStatus(ctx context.Context, muni string) (portal.DuesSet, error)
}

func (l local) replaceDues(ctx context.Context, set portal.DuesSet, newMuni bool) error {
	if err := portal.EnsureMunicipality(ctx, l.st, set.Municipality, newMuni); err != nil {
		return err
	}
	return portal.StoreDues(ctx, l.st, set, "cli", "")
}

func (l local) putDuesCard(ctx context.Context, c portal.DuesCard) error {
	if err := portal.CheckExistingMunicipality(ctx, l.st, c.Municipality); err != nil {
		return err
	}
	return portal.StoreDuesCard(ctx, l.st, c, "cli", "")
}

func (l local) duesStatus(ctx context.Context, muni string) (portal.DuesSet, error) {
	if err := portal.CheckExistingMunicipality(ctx, l.st, muni); err != nil {
		return portal.DuesSet{}, err
	}
	return l.st.DuesStatus(ctx, muni)
}

func (r remote) replaceDues(ctx context.Context, set portal.DuesSet, newMuni bool) error {
	return r.c.ReplaceDues(ctx, set, newMuni)
}

func (r remote) putDuesCard(ctx context.Context, c portal.DuesCard) error {
	return r.c.PutDuesCard(ctx, c)
}

func (r remote) duesStatus(ctx context.Context, muni string) (portal.DuesSet, error) {
	return r.c.DuesStatus(ctx, muni)
}

const duesUse = `użycie:
  infomat-portal dues import --municipality M [--as-of RRRR-MM-DD] [--retention-days 90] [--recipient NAZWA] [--nip NIP] [--new-municipality] PLIK.csv
  infomat-portal dues card --municipality M --card ID --taxpayer IDENTYFIKATOR [--pin-stdin]
  infomat-portal dues status --municipality M`

// duesCmd imports a municipality's dues, registers a resident's card with a PIN at the
// office, and shows the current import.
func duesCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, duesUse)
		return 2
	}
	sub := args[0]
	fl, data := flags("dues "+sub, stderr)
	muni := fl.String("municipality", "", "the municipality")
	asOf := fl.String("as-of", "", "import: the day the tax system exported the data (default: now)")
	retention := fl.Int("retention-days", int(portal.DefaultDuesRetention.Hours()/24), "import: days the data is kept and shown (1–366)")
	recipient := fl.String("recipient", "", "import: the payment slip's recipient when the published gmina.yaml names none")
	nip := fl.String("nip", "", "import: the municipality's NIP when gmina.yaml names none")
	card := fl.String("card", "", "card: the Karta Mieszkańca's number as the reader gives it")
	taxpayer := fl.String("taxpayer", "", "card: the taxpayer identifier from the tax system")
	pinStdin := fl.Bool("pin-stdin", false, "card: read the PIN (4–8 digits) from stdin instead of generating one")
	newMuni := fl.Bool("new-municipality", false, "import: create the municipality if the portal does not have it yet")
	pos, err := parse(fl, args[1:])
	if err != nil || *muni == "" || (sub == "import") != (len(pos) == 1) || (sub != "import" && (len(pos) != 0 || *newMuni)) {
		fmt.Fprintln(stderr, duesUse)
		return 2
	}
	if err := portal.ValidMunicipality(*muni); err != nil {
		fmt.Fprintln(stderr, "infomat-portal dues:", err)
		return 2
	}
	var keys *portal.DuesKeys
	if sub == "import" || sub == "card" {
		secret, err := panel.LoadKey(data.dir)
		if err == nil {
			keys, err = portal.NewDuesKeys(secret)
		}
		if err != nil {
			fmt.Fprintln(stderr, "infomat-portal dues:", err)
			return 1
		}
	}
	var set portal.DuesSet
	var dc portal.DuesCard
	var pin string
	now := time.Now()
	switch sub {
	case "import":
		opts := portal.DuesImportOptions{Now: now, Retention: time.Duration(*retention) * 24 * time.Hour, Recipient: *recipient, NIP: *nip, By: "cli"}
		if *asOf != "" {
			d, err := dues.ParseDate(*asOf)
			if err != nil {
				fmt.Fprintln(stderr, "infomat-portal dues import: --as-of:", err)
				return 2
			}
			opts.AsOf, _ = time.ParseInLocation("2006-01-02", d, portal.DefaultLocation())
		}
		f, err := os.Open(pos[0])
		if err != nil {
			fmt.Fprintln(stderr, "infomat-portal dues import:", err)
			return 1
		}
		parsed, err := dues.Parse(f)
		f.Close()
		var probs *dues.Problems
		if errors.As(err, &probs) {
			fmt.Fprintln(stderr, probs.Error())
			if probs.More {
				fmt.Fprintf(stderr, "  … i dalsze błędy (pokazano pierwsze %d)\n", dues.MaxProblems)
			}
			return 1
		}
		if err == nil {
			set, err = portal.SealDues(keys, *muni, parsed, opts)
		}
		if err != nil {
			fmt.Fprintln(stderr, "infomat-portal dues import:", err)
			return 1
		}
	case "card":
		if *card == "" || *taxpayer == "" {
			fmt.Fprintln(stderr, duesUse)
			return 2
		}
		if *pinStdin {
			line, err := bufio.NewReader(stdin).ReadString('\n')
			if err != nil && !errors.Is(err, io.EOF) {
				fmt.Fprintln(stderr, "infomat-portal dues card: read PIN:", err)
				return 1
			}
			pin = strings.TrimSpace(line)
			if pin == "" {
				fmt.Fprintln(stderr, "infomat-portal dues card: no PIN on stdin")
				return 2
			}
		}
		dc, pin, err = portal.NewDuesCard(keys, *muni, *card, *taxpayer, pin, "cli", now)
		if err != nil {
			fmt.Fprintln(stderr, "infomat-portal dues card:", err)
			return 2
		}
	case "status":
	default:
		fmt.Fprintln(stderr, duesUse)
		return 2
	}

	op, ok := connect(ctx, data, stderr)
	if !ok {
		return 1
	}
	defer op.close()
	do, ok := op.(duesOperator)
	if !ok {
		fmt.Fprintln(stderr, "infomat-portal dues: ten portal nie przechowuje należności")
		return 1
	}
	switch sub {
	case "import":
		if err := do.replaceDues(ctx, set, *newMuni); err != nil {
			fmt.Fprintln(stderr, "infomat-portal dues import:", err)
			return 1
		}
		fmt.Fprintf(stdout, "Zaimportowano należności gminy %s: %s, należne razem %s, wpłacone %s; stan na %s; przechowywane do %s.\n",
			*muni, portal.Taxpayers(set.Taxpayers, set.Items), dues.FormatAmount(set.SumDue), dues.FormatAmount(set.SumPaid),
			set.AsOf.In(portal.DefaultLocation()).Format("2006-01-02"), set.Expires.In(portal.DefaultLocation()).Format("2006-01-02"))
	case "card":
		if err := do.putDuesCard(ctx, dc); err != nil {
			fmt.Fprintln(stderr, "infomat-portal dues card:", err)
			return 1
		}
		if !*pinStdin {
			fmt.Fprintln(stdout, pin)
		}
		fmt.Fprintln(stderr, "Zarejestrowano kartę. Przekaż mieszkańcowi PIN; nie jest nigdzie zapisany.")
	case "status":
		s, err := do.duesStatus(ctx, *muni)
		if errors.Is(err, portal.ErrNotFound) {
			fmt.Fprintf(stdout, "Gmina %s nie ma zaimportowanych należności.\n", *muni)
			return 0
		}
		if err != nil {
			fmt.Fprintln(stderr, "infomat-portal dues status:", err)
			return 1
		}
		loc := portal.DefaultLocation()
		fmt.Fprintf(stdout, "Należności gminy %s: %s, należne razem %s, wpłacone %s\nstan na %s, import %s (%s), przechowywane do %s\n",
			*muni, portal.Taxpayers(s.Taxpayers, s.Items), dues.FormatAmount(s.SumDue), dues.FormatAmount(s.SumPaid),
			s.AsOf.In(loc).Format("2006-01-02 15:04"), s.Imported.In(loc).Format("2006-01-02 15:04"), s.By, s.Expires.In(loc).Format("2006-01-02"))
		if !now.Before(s.Expires) {
			fmt.Fprintln(stdout, "Okres przechowywania minął: kioski ich nie pokazują, serve usunie je w ciągu godziny.")
		}
	}
	return 0
}
