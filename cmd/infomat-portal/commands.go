package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"text/tabwriter"
	"time"

	"infomat/content"
	"infomat/l10n"
	"infomat/sync/portal"
)

func devicesCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl, data := flags("devices", stderr)
	muni := fl.String("municipality", "", "only this municipality")
	if pos, err := parse(fl, args); err != nil || len(pos) != 0 {
		return 2
	}
	op, ok := connect(ctx, data, stderr)
	if !ok {
		return 1
	}
	defer op.close()
	devs, err := op.devices(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "infomat-portal devices:", err)
		return 1
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "URZĄDZENIE\tGMINA\tHOST\tWERSJA\tZAREJESTROWANE\tSTAN")
	for _, d := range devs {
		if *muni != "" && d.Municipality != *muni {
			continue
		}
		state := "aktywne"
		if d.IsRevoked() {
			state = "odwołane " + d.Revoked.Local().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, d.Municipality, d.Hostname, d.AppVersion, d.Enrolled.Local().Format("2006-01-02 15:04"), state)
	}
	_ = tw.Flush()
	return 0
}

func revokeCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl, data := flags("revoke", stderr)
	pos, err := parse(fl, args)
	if err != nil || len(pos) != 1 {
		fmt.Fprintln(stderr, "użycie: infomat-portal revoke URZĄDZENIE")
		return 2
	}
	op, ok := connect(ctx, data, stderr)
	if !ok {
		return 1
	}
	defer op.close()
	if err := op.revoke(ctx, pos[0]); err != nil {
		fmt.Fprintln(stderr, "infomat-portal revoke:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s odwołane: portal odrzuca je od teraz (403 revoked).\n", pos[0])
	return 0
}

func keyCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	const use = "użycie: infomat-portal key show --municipality X [--new-municipality]"
	if len(args) == 0 || args[0] != "show" {
		fmt.Fprintln(stderr, use)
		return 2
	}
	fl, data := flags("key show", stderr)
	muni := fl.String("municipality", "", "municipality")
	newMuni := fl.Bool("new-municipality", false, "create the municipality (and its key) if the portal does not have it yet")
	if pos, err := parse(fl, args[1:]); err != nil || len(pos) != 0 || *muni == "" {
		fmt.Fprintln(stderr, use)
		return 2
	}
	op, ok := connect(ctx, data, stderr)
	if !ok {
		return 1
	}
	defer op.close()
	key, err := op.publicKey(ctx, *muni, *newMuni)
	if err != nil {
		fmt.Fprintln(stderr, "infomat-portal key show:", err)
		return 1
	}
	fmt.Fprintln(stdout, key)
	return 0
}

func publishCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	const use = "użycie: infomat-portal publish --municipality X [--new-municipality] [--expires 720h] [--label L] [--max-page 2MiB] [--max-attachment 50MiB] [--max-bundle 1GiB] KATALOG"
	fl, data := flags("publish", stderr)
	muni := fl.String("municipality", "", "municipality")
	expires := fl.Duration("expires", 720*time.Hour, "kiosks refuse the manifest after this long (republish before)")
	label := fl.String("label", "", "label (default the bundle's content hash)")
	newMuni := fl.Bool("new-municipality", false, "create the municipality if the portal does not have it yet")
	var limits content.Limits // zero: the municipality's limits from its last publish, else the defaults
	limits.RegisterFlags(fl)
	pos, err := parse(fl, args)
	if err != nil || len(pos) != 1 || *muni == "" {
		fmt.Fprintln(stderr, use)
		return 2
	}
	dir := pos[0]
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		fmt.Fprintf(stderr, "%s: to nie jest katalog z treścią\n", dir)
		return 2
	}
	// Check the bundle before taking the store (or the portal's time), so a clerk sees the
	// problems at once.
	// The folder is read once, safely (no symlinks, devices, pipes; nothing over the hard
	// limits, or the ones given), and what was checked is what gets published. The
	// municipality's own limits are applied by the portal, which knows them.
	read := content.HardLimits
	for _, v := range [][2]*int64{{&read.Page, &limits.Page}, {&read.Attachment, &limits.Attachment}, {&read.Bundle, &limits.Bundle}} {
		if *v[1] != 0 {
			*v[0] = *v[1]
		}
	}
	folder, err := content.ReadFolder(dir, read)
	if err != nil {
		return printProblems(err, stdout, stderr)
	}
	if _, err := content.Load(folder.FS()); err != nil {
		return printProblems(err, stdout, stderr)
	}
	op, ok := connect(ctx, data, stderr)
	if !ok {
		return 1
	}
	defer op.close()
	res, err := op.publish(ctx, *muni, folder.FS(), portal.PublishOptions{Expires: *expires, Label: *label, Limits: limits, NewMunicipality: *newMuni})
	if err != nil {
		return printProblems(err, stdout, stderr)
	}
	fmt.Fprintf(stdout, "Opublikowano %s: wersja %d (%s), %s, %s; nowe bloby: %d (%s); ważne do %s.\n",
		*muni, res.Version, res.Label, l10n.Count(res.Files, "plik", "pliki", "plików"), bytesStr(res.Bytes), res.NewBlobs, bytesStr(res.NewBytes), res.Expires.Local().Format("2006-01-02 15:04"))
	fmt.Fprintf(stdout, "Klucz podpisu (kiosk go przypina): %s\n", res.PublicKey)
	return 0
}

func printProblems(err error, stdout, stderr io.Writer) int {
	var ps content.Problems
	if errors.As(err, &ps) {
		for _, p := range ps {
			fmt.Fprintln(stdout, p)
		}
		fmt.Fprintf(stdout, "\nBłędy: %d. Nic nie opublikowano.\n", len(ps))
		return 1
	}
	fmt.Fprintln(stderr, "infomat-portal publish:", err)
	return 1
}

func bytesStr(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d B", n)
	}
}

func exportCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	const use = "użycie: infomat-portal export --municipality X --identity PLIK [--all]"
	fl, data := flags("export", stderr)
	muni := fl.String("municipality", "", "municipality")
	identity := fl.String("identity", "", "age identity file (as age-keygen writes it)")
	all := fl.Bool("all", false, "include submissions exported before")
	if pos, err := parse(fl, args); err != nil || len(pos) != 0 || *muni == "" || *identity == "" {
		fmt.Fprintln(stderr, use)
		return 2
	}
	raw, err := os.ReadFile(*identity)
	if err != nil {
		fmt.Fprintln(stderr, "infomat-portal export:", err)
		return 1
	}
	defer clear(raw) // the municipality's private key
	ids, err := portal.ParseIdentities(bytes.NewReader(raw))
	if err != nil {
		fmt.Fprintf(stderr, "infomat-portal export: %s: %v\n", *identity, err)
		return 1
	}
	op, ok := connect(ctx, data, stderr)
	if !ok {
		return 1
	}
	defer op.close()
	res, err := op.export(ctx, *muni, raw, ids, *all, stdout)
	for _, q := range res.Quarantined {
		fmt.Fprintf(stderr, "kwarantanna: %s (%s, urządzenie %s): %s\n", q.PortalRef, q.ID, q.Device, q.Reason)
	}
	if err != nil {
		fmt.Fprintln(stderr, "infomat-portal export:", err)
		return 1
	}
	fmt.Fprintf(stderr, "Wyeksportowano %s (%s).\n", wnioski(res.Count), *muni)
	if n := len(res.Quarantined); n > 0 {
		fmt.Fprintf(stderr, "Odłożono do kwarantanny: %s — infomat-portal quarantine list; po znalezieniu właściwego klucza: quarantine release ID i ponowny eksport.\n", wnioski(n))
	}
	return 0
}

func quarantineCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	const use = "użycie: infomat-portal quarantine list [--municipality X] [--json] | show ID | release ID"
	if len(args) == 0 {
		fmt.Fprintln(stderr, use)
		return 2
	}
	sub := args[0]
	fl, data := flags("quarantine "+sub, stderr)
	muni := fl.String("municipality", "", "only this municipality (list)")
	asJSON := fl.Bool("json", false, "JSON instead of a table (list, show)")
	pos, err := parse(fl, args[1:])
	if err != nil {
		return 2
	}
	switch {
	case sub == "list" && len(pos) == 0, (sub == "show" || sub == "release") && len(pos) == 1:
	default:
		fmt.Fprintln(stderr, use)
		return 2
	}
	op, ok := connect(ctx, data, stderr)
	if !ok {
		return 1
	}
	defer op.close()
	switch sub {
	case "list":
		list, err := op.quarantine(ctx, *muni)
		if err != nil {
			fmt.Fprintln(stderr, "infomat-portal quarantine list:", err)
			return 1
		}
		if *asJSON {
			return writeJSON(stdout, list)
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tGMINA\tNR PORTALU\tNR KIOSKU\tURZĄDZENIE\tPRZYJĘTO\tPOWÓD")
		for _, q := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", q.ID, q.Municipality, q.PortalRef, q.Ref, q.Device, q.Received.Local().Format("2006-01-02 15:04"), q.Reason)
		}
		_ = tw.Flush()
		fmt.Fprintf(stdout, "\nW kwarantannie: %d.\n", len(list))
	case "show":
		q, err := op.quarantineShow(ctx, pos[0])
		if err != nil {
			fmt.Fprintln(stderr, "infomat-portal quarantine show:", err)
			return 1
		}
		if *asJSON {
			return writeJSON(stdout, q)
		}
		// Metadata and reason only: the content is personal data and stays encrypted.
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		clock := ""
		if q.ClockSuspect {
			clock = " (zegar kiosku niewiarygodny)"
		}
		for _, kv := range [][2]string{
			{"ID", q.ID}, {"gmina", q.Municipality}, {"nr portalu", q.PortalRef}, {"nr kiosku", q.Ref},
			{"urządzenie", q.Device}, {"procedura", q.Procedure}, {"urząd", q.Office}, {"wersja treści", q.ContentVersion},
			{"utworzono (kiosk)", q.Created.Local().Format("2006-01-02 15:04:05") + clock},
			{"przyjęto (portal)", q.Received.Local().Format("2006-01-02 15:04:05")},
			{"szyfrogram", fmt.Sprintf("%s, sha256 %s", bytesStr(int64(q.Size)), q.CiphertextSHA256)},
			{"w kwarantannie od", q.Quarantined.Local().Format("2006-01-02 15:04:05")},
			{"powód", q.Reason},
		} {
			fmt.Fprintf(tw, "%s:\t%s\n", kv[0], kv[1])
		}
		_ = tw.Flush()
	case "release":
		q, err := op.release(ctx, pos[0])
		if err != nil {
			fmt.Fprintln(stderr, "infomat-portal quarantine release:", err)
			return 1
		}
		fmt.Fprintf(stdout, "%s (%s) wraca do eksportu: następny eksport %s spróbuje go znowu.\n", q.PortalRef, q.ID, q.Municipality)
	}
	return 0
}

// wnioski is "1 wniosek", "3 wnioski", "5 wniosków".
func wnioski(n int) string {
	return l10n.Count(n, "wniosek", "wnioski", "wniosków")
}

func writeJSON(w io.Writer, v any) int {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return 1
	}
	return 0
}

// checkCmd runs bbolt's check of every page (PostgreSQL: the server answers and the schema is
// complete); damage is exit code 1. With serve running it checks the live bbolt store
// through the admin socket.
func checkCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl, data := flags("check", stderr)
	if pos, err := parse(fl, args); err != nil || len(pos) != 0 {
		fmt.Fprintln(stderr, "użycie: infomat-portal check [--data KATALOG] [--db postgres://…]")
		return 2
	}
	op, ok := connectWith(ctx, data, portal.BoltOptions{ForCheck: true}, stderr)
	if !ok {
		return 1
	}
	defer op.close()
	if err := op.check(ctx); err != nil {
		if portal.IsPostgres(data.db) {
			fmt.Fprintf(stdout, "%s: BŁĄD\n%v\n", data.store(), err)
			return 1
		}
		fmt.Fprintf(stdout, "%s: USZKODZONA\n%v\n", data.store(), err)
		fmt.Fprintln(stdout, "Portal nie uruchomi się na tej bazie. Przywróć ją z kopii zapasowej (urządzenia i klucze podpisu są tylko w niej).")
		return 1
	}
	if portal.IsPostgres(data.db) {
		fmt.Fprintf(stdout, "%s: OK, baza odpowiada, schemat jest kompletny.\n", data.store())
		return 0
	}
	fmt.Fprintf(stdout, "%s: OK, wszystkie strony bazy są spójne.\n", data.store())
	return 0
}

func fleetCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return fleetAt(ctx, args, stdout, stderr, time.Now)
}

func fleetAt(ctx context.Context, args []string, stdout, stderr io.Writer, now func() time.Time) int {
	fl, data := flags("fleet", stderr)
	muni := fl.String("municipality", "", "only this municipality")
	asJSON := fl.Bool("json", false, "JSON instead of a table")
	if pos, err := parse(fl, args); err != nil || len(pos) != 0 {
		return 2
	}
	op, ok := connect(ctx, data, stderr)
	if !ok {
		return 1
	}
	defer op.close()
	at := now()
	rows, err := op.fleet(ctx, *muni, at)
	if err != nil {
		fmt.Fprintln(stderr, "infomat-portal fleet:", err)
		return 1
	}
	// Devices with problems first, then by ID.
	sort.SliceStable(rows, func(i, j int) bool { return len(rows[i].Problems) > 0 && len(rows[j].Problems) == 0 })
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rows); err != nil {
			return 1
		}
		return 0
	}
	_ = portal.WriteFleetTable(stdout, rows, at)
	bad := 0
	for _, r := range rows {
		if len(r.Problems) > 0 {
			bad++
		}
	}
	fmt.Fprintf(stdout, "\n%s, z problemami: %d.\n", l10n.Count(len(rows), "urządzenie", "urządzenia", "urządzeń"), bad)
	return 0
}
