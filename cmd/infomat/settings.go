package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"infomat/kiosk"
	"infomat/store"
)

// settingsCmd handles `infomat settings [set KEY VALUE] [--data DIR]`.
func settingsCmd(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("settings", flag.ContinueOnError)
	fl.SetOutput(stderr)
	dataDir := fl.String("data", kiosk.DefaultDataDir(), "data directory holding the store")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	rest := fl.Args()
	set := len(rest) > 0 && rest[0] == "set"
	if (set && len(rest) != 3) || (!set && len(rest) != 0) {
		fmt.Fprintln(stderr, "użycie: infomat settings [--data KATALOG] [set KLUCZ WARTOŚĆ]")
		return 2
	}
	var s kiosk.Setting
	if set {
		var ok bool
		if s, ok = kiosk.LookupSetting(rest[1]); !ok {
			fmt.Fprintf(stderr, "nieznane ustawienie %q; znane: ", rest[1])
			for _, k := range kiosk.Settings {
				fmt.Fprint(stderr, k.Key, " ")
			}
			fmt.Fprintln(stderr)
			return 2
		}
		if err := s.Check(rest[2]); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", s.Key, err)
			return 2
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	st, _, err := store.Open(ctx, *dataDir)
	cancel()
	if errors.Is(err, store.ErrLocked) {
		fmt.Fprintf(stderr, "Kiosk działa na katalogu danych %s — zatrzymaj go, zanim zmienisz ustawienia.\n", *dataDir)
		return 1
	}
	if err != nil {
		fmt.Fprintln(stderr, "Nie można otworzyć magazynu danych: "+failure(err))
		return 1
	}
	defer st.Close()

	if set {
		if err := st.SetSetting(s.Key, rest[2]); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		fmt.Fprintf(stdout, "%s = %s (zapisano)\n", s.Key, rest[2])
		return 0
	}
	stored, err := st.Settings()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	for _, k := range kiosk.Settings {
		v, ok := stored[k.Key]
		if !ok {
			v = "(domyślne)"
		}
		fmt.Fprintf(stdout, "%-14s %-12s %s\n", k.Key, v, k.Help)
	}
	return 0
}
