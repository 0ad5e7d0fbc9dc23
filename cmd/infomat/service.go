package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"infomat/kiosk"
	"infomat/kiosk/access"
	"infomat/kiosk/cardreader"
	"infomat/store"
)

// openAccess opens the service-mode access guard (cards, PIN) and its audit log in the store.
func openAccess(st *store.Store) (*access.Guard, *access.Audit, error) {
	guard, err := access.Open(st.Bolt(), time.Now)
	if err != nil {
		return nil, nil, err
	}
	audit, err := access.OpenAudit(st.Bolt(), time.Now)
	if err != nil {
		return nil, nil, err
	}
	if err := guard.SetAudit(audit); err != nil {
		return nil, nil, err
	}
	return guard, audit, nil
}

const serviceUsage = `użycie: infomat service [--data KATALOG] POLECENIE
  set-pin                 ustawia PIN serwisowy (6–8 cyfr; pyta dwa razy, albo czyta ze standardowego wejścia)
  add-card --swipe        dodaje kartę serwisową przeciągniętą przez czytnik (czeka 60 s)
  add-card ID             dodaje kartę serwisową po numerze (sprawdzanym dla czytnika z reader_kind, np. 0F00A1B2C3)
  remove-card ID|PREFIKS  usuwa kartę (numerem albo prefiksem z listy)
  cards                   wypisuje karty (skróty — numery kart nie są przechowywane)
  audit [N]               ostatnie N wpisów dziennika serwisowego (domyślnie 20)
`

// serviceCmd handles `infomat service …`, the technician's commands for service access.
func serviceCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("service", flag.ContinueOnError)
	fl.SetOutput(stderr)
	dataDir := fl.String("data", kiosk.DefaultDataDir(), "data directory holding the store")
	if err := fl.Parse(args); err != nil || fl.NArg() == 0 {
		fmt.Fprint(stderr, serviceUsage)
		return 2
	}
	cmd, rest := fl.Arg(0), fl.Args()[1:]
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	st, _, err := store.Open(ctx, *dataDir)
	cancel()
	if errors.Is(err, store.ErrLocked) {
		fmt.Fprintf(stderr, "Kiosk działa na katalogu danych %s — zatrzymaj go (systemctl stop infomat) i spróbuj ponownie.\n", *dataDir)
		return 1
	}
	if err != nil {
		fmt.Fprintln(stderr, "Nie można otworzyć magazynu danych: "+failure(err))
		return 1
	}
	defer st.Close()
	guard, audit, err := openAccess(st)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fail := func(err error) int { fmt.Fprintln(stderr, "Błąd:", err); return 1 }
	switch {
	case cmd == "set-pin" && len(rest) == 0:
		pin, err := readPIN(stdin, stderr)
		if err != nil {
			return fail(err)
		}
		if err := setPIN(guard, pin); err != nil {
			return fail(err)
		}
		fmt.Fprintln(stdout, "PIN serwisowy ustawiony.")
	case cmd == "add-card" && len(rest) == 1 && rest[0] == "--swipe":
		cfg := kiosk.DeviceSettings(st)
		fmt.Fprintf(stderr, "Przeciągnij kartę serwisową przez czytnik (czekam %s)… ", seconds(swipeWait))
		card, err := swipeCard(context.Background(), cfg, swipeWait)
		if err != nil {
			fmt.Fprintln(stderr)
			return fail(err)
		}
		fmt.Fprintln(stderr, "odczytano", card)
		if err := guard.AddCard(card.ID); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "Karta dodana (%s, skrót %s).\n", card, guard.CardPrefix(card.ID))
	case cmd == "add-card" && len(rest) == 1:
		kind := cardreader.Kind(kiosk.DeviceSettings(st).ReaderKind)
		if err := cardreader.CheckID(kind, rest[0]); err != nil {
			return fail(fmt.Errorf("numer karty nie pasuje do czytnika %s (reader_kind): %w", kind, err))
		}
		if err := guard.AddCard(rest[0]); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "Karta dodana (%s).\n", guard.CardPrefix(rest[0]))
	case cmd == "remove-card" && len(rest) == 1:
		err := guard.RemoveCard(rest[0])
		if err != nil {
			err = guard.RemoveCardPrefix(rest[0])
		}
		if err != nil {
			return fail(err)
		}
		fmt.Fprintln(stdout, "Karta usunięta.")
	case cmd == "cards" && len(rest) == 0:
		cards, err := guard.Cards()
		if err != nil {
			return fail(err)
		}
		if len(cards) == 0 {
			fmt.Fprintln(stdout, "Brak kart serwisowych (infomat service add-card ID).")
		}
		for _, c := range cards {
			fmt.Fprintln(stdout, c)
		}
	case cmd == "audit" && len(rest) <= 1:
		n := 20
		if len(rest) == 1 {
			fmt.Sscan(rest[0], &n)
		}
		entries, err := audit.Recent(n)
		if err != nil {
			return fail(err)
		}
		for _, e := range entries {
			fmt.Fprintf(stdout, "%s  %-22s %s\n", e.Time.Local().Format("2006-01-02 15:04:05"), e.Action, e.Detail)
		}
	default:
		fmt.Fprint(stderr, serviceUsage)
		return 2
	}
	return 0
}

// setPIN sets the service PIN, saying in Polish what a refused one lacks.
func setPIN(guard *access.Guard, pin string) error {
	err := guard.SetPIN(pin)
	switch {
	case errors.Is(err, access.ErrPINFormat) && len(pin) < access.MinPINDigits:
		return fmt.Errorf("PIN za krótki: co najmniej %d cyfr (najwyżej %d) — krótszy łatwo odgadnąć", access.MinPINDigits, access.MaxPINDigits)
	case errors.Is(err, access.ErrPINFormat):
		return fmt.Errorf("PIN: od %d do %d cyfr, bez innych znaków", access.MinPINDigits, access.MaxPINDigits)
	}
	return err
}

// readPIN asks twice on a terminal (without echo), or reads one line from a pipe (scripts).
func readPIN(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "Nowy PIN: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(stderr, "Powtórz PIN: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("PIN-y się różnią")
		}
		return string(a), nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("brak PIN-u na wejściu: %w", err)
	}
	return strings.TrimSpace(line), nil
}
