package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"infomat/kiosk"
	"infomat/outbox"
	"infomat/store"
	"infomat/sync/client"
)

const factoryResetUsage = `użycie: infomat factory-reset [--data KATALOG] [--yes] [--force]
  Usuwa wszystkie dane kiosku z katalogu danych: magazyn (infomat.db, z nim ustawienia,
  PIN i karty serwisowe, dziennik serwisowy, kolejkę wniosków; także odłożone
  infomat.db.corrupt-*), poświadczenia portalu (credentials.json) i zapamiętany
  adres urzędu (office.json).
  Kiosk musi być zatrzymany (systemctl stop infomat).
  --yes    bez pytania — ale gdy w kolejce są niewysłane wnioski, i tak trzeba wpisać TAK
  --force  razem z --yes: bez pytania także wtedy (niewysłane wnioski przepadną)
`

// resetPatterns are the files a factory reset removes from the data directory; anything
// else there is left alone.
var resetPatterns = []string{
	store.FileName,
	store.FileName + ".corrupt-*",
	client.CredentialsFile,
	".credentials-*.tmp", // left by a SaveCredentials interrupted by a power cut
	kiosk.OfficeFile,     // the municipality's address for the out-of-service screen
	".office-*.tmp",
}

// factoryResetCmd handles `infomat factory-reset`: the technician's way to hand a device
// over clean. It refuses while the kiosk runs, says first how many queued submissions
// would be lost, and asks for TAK.
func factoryResetCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("factory-reset", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() { fmt.Fprint(stderr, factoryResetUsage) }
	dataDir := fl.String("data", kiosk.DefaultDataDir(), "data directory")
	yes := fl.Bool("yes", false, "do not ask (unless queued submissions would be lost)")
	force := fl.Bool("force", false, "with --yes: do not ask even when queued submissions would be lost")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() != 0 {
		fmt.Fprint(stderr, factoryResetUsage)
		return 2
	}
	dir := *dataDir
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(stdout, "Katalog danych %s nie istnieje — nie ma czego usuwać.\n", dir)
		return 0
	}

	// Hold the store (its lock) while deleting: a kiosk started meanwhile waits, then
	// notices the file was replaced and starts fresh instead of using the deleted one.
	lost := 0 // queued and not delivered; -1: unknown
	var salvaged func(aside string) (bool, error)
	if _, err := os.Stat(filepath.Join(dir, store.FileName)); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		st, rec, err := store.Open(ctx, dir)
		cancel()
		switch {
		case errors.Is(err, store.ErrLocked):
			fmt.Fprintf(stderr, "Kiosk działa na katalogu danych %s — zatrzymaj go (systemctl stop infomat) i spróbuj ponownie. Nic nie usunięto.\n", dir)
			return 1
		case err != nil:
			fmt.Fprintln(stderr, "Nie można otworzyć magazynu danych: "+failure(err))
			lost = -1
		default:
			defer st.Close()
			if rec != nil {
				fmt.Fprintf(stdout, "Magazyn był uszkodzony i został odłożony do %s.\n", filepath.Base(rec.AsidePath))
			}
			if ob, err := outbox.Open(st.Bolt()); err != nil {
				fmt.Fprintf(stderr, "Nie można odczytać kolejki wniosków: %v\n", err)
				lost = -1
			} else if s, err := ob.Stats(); err != nil {
				fmt.Fprintf(stderr, "Nie można odczytać kolejki wniosków: %v\n", err)
				lost = -1
			} else {
				lost = s.Queued + s.Sending
				salvaged = ob.WasSalvaged
			}
		}
	}
	// Moved-aside stores still hold the submissions queued when they were set aside, unless
	// the kiosk has salvaged them into the store counted above.
	if asides, err := kiosk.AsideFiles(dir); err != nil {
		lost = -1
	} else {
		for _, a := range asides {
			if kiosk.AsideSalvaged(a) {
				continue // its submissions went into a store counted above or in a later aside file
			}
			if salvaged != nil {
				if done, err := salvaged(filepath.Base(a)); err == nil && done {
					continue
				}
			}
			n, _, err := outbox.CountAside(a)
			switch {
			case err != nil:
				fmt.Fprintf(stderr, "%s: nie można policzyć wniosków: %v\n", filepath.Base(a), err)
				lost = -1
			case n > 0:
				fmt.Fprintf(stdout, "%s: niewysłane wnioski: %d\n", filepath.Base(a), n)
				if lost >= 0 {
					lost += n
				}
			}
		}
	}

	files, err := resetFiles(dir)
	if err != nil {
		fmt.Fprintf(stderr, "Nie można odczytać katalogu danych: %v\n", err)
		return 1
	}
	if len(files) == 0 {
		fmt.Fprintf(stdout, "W katalogu danych %s nie ma danych kiosku — nie ma czego usuwać.\n", dir)
		return 0
	}
	fmt.Fprintf(stdout, "Katalog danych: %s\nDo usunięcia:\n", dir)
	for _, f := range files {
		fmt.Fprintf(stdout, "  %s\n", f)
	}
	switch {
	case lost > 0:
		fmt.Fprintf(stdout, "UWAGA: niewysłane wnioski w kolejce: %d — nie dotarły do urzędu i zostaną UTRACONE.\n", lost)
	case lost < 0:
		fmt.Fprintln(stdout, "UWAGA: nie wiadomo, czy w kolejce są niewysłane wnioski — jeśli są, zostaną UTRACONE.")
	default:
		fmt.Fprintln(stdout, "Kolejka wniosków: nic nie czeka na wysłanie.")
	}

	if !*yes || (lost != 0 && !*force) {
		if *yes {
			fmt.Fprintln(stdout, "(--yes nie wystarcza, gdy wnioski mogą przepaść: wpisz TAK albo dodaj --force.)")
		}
		fmt.Fprint(stdout, "Usunąć wszystkie dane kiosku (magazyn, poświadczenia, kolejkę wniosków)? Wpisz TAK: ")
		line, _ := bufio.NewReader(stdin).ReadString('\n')
		if strings.TrimSpace(line) != "TAK" {
			fmt.Fprintln(stdout)
			fmt.Fprintln(stderr, "Przerwano — nic nie usunięto.")
			return 1
		}
	}

	failed := false
	for _, f := range files {
		p := filepath.Join(dir, f)
		info, statErr := os.Lstat(p)
		if err := os.RemoveAll(p); err != nil {
			fmt.Fprintf(stderr, "Nie usunięto %s: %v\n", f, err)
			failed = true
			continue
		}
		size := ""
		if statErr == nil && !info.IsDir() {
			size = " (" + byteSize(info.Size()) + ")"
		}
		fmt.Fprintf(stdout, "Usunięto: %s%s\n", f, size)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // the removals survive a power cut
		d.Close()
	}
	if failed {
		return 1
	}
	fmt.Fprintln(stdout, "Gotowe: kiosk jest w stanie fabrycznym. Przy następnym starcie pokaże treść wbudowaną;\n"+
		"zarejestruj go ponownie: infomat provision --portal URL --token TOKEN")
	return 0
}

// resetFiles lists the names in dir a factory reset removes.
func resetFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		for _, pat := range resetPatterns {
			if ok, _ := path.Match(pat, e.Name()); ok {
				names = append(names, e.Name())
				break
			}
		}
	}
	return names, nil
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
