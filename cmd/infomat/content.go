package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"infomat/content"
	"infomat/l10n"
)

// contentCmd handles `infomat content check [--max-page N] [--max-attachment N] [--max-bundle N] DIR`.
func contentCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) < 1 || args[0] != "check" {
		fmt.Fprintln(stderr, "użycie: infomat content check [--max-page 2MiB] [--max-attachment 50MiB] [--max-bundle 512MiB] KATALOG")
		return 2
	}
	fl := flag.NewFlagSet("content check", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var limits content.Limits
	limits.RegisterFlags(fl)
	if err := fl.Parse(args[1:]); err != nil {
		return 2
	}
	if fl.NArg() != 1 {
		fmt.Fprintln(stderr, "użycie: infomat content check [--max-page 2MiB] [--max-attachment 50MiB] [--max-bundle 512MiB] KATALOG")
		return 2
	}
	dir := fl.Arg(0)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		fmt.Fprintf(stderr, "%s: to nie jest katalog z treścią\n", dir)
		return 2
	}
	// ReadFolder refuses symlinks, devices, pipes and files over the limits before Load sees
	// anything: os.DirFS would follow a symlink to /etc/shadow or block forever on a FIFO.
	folder, err := content.ReadFolder(dir, limits)
	var b *content.Bundle
	if err == nil {
		b, err = content.Load(folder.FS())
	}
	if err != nil {
		if ps, ok := err.(content.Problems); ok {
			for _, p := range ps {
				fmt.Fprintln(stdout, p)
			}
			fmt.Fprintf(stdout, "\nBłędy: %d. Popraw je — kiosk nie użyje tej treści.\n", len(ps))
			return 1
		}
		fmt.Fprintln(stderr, err)
		return 1
	}
	// The sample municipality's traces first: they are what a copied sample leaves behind.
	warnings := append(content.SampleTraces(b), b.Warnings...)
	if content.IsSample(b) && content.IsSampleKey(b.Municipality.SubmissionKey) {
		// The sample itself has no warnings in the bundle (it may hold its own data), but its
		// key's private half is published: kiosks refuse its forms outside --demo. A real
		// municipality's bundle with that key has the same warning among its Warnings.
		warnings = append(content.Problems{content.SampleKeyProblem()}, warnings...)
	}
	for _, w := range warnings {
		fmt.Fprintln(stdout, "uwaga:", w)
	}
	if len(b.FormProblems) > 0 {
		// The kiosk would still show the cards, without these forms; the clerk must fix them.
		for _, p := range b.FormProblems {
			fmt.Fprintln(stdout, p)
		}
		fmt.Fprintf(stdout, "\nBłędy w formularzach: %d. Kiosk pokaże karty, ale bez tych formularzy.\n", len(b.FormProblems))
		return 1
	}
	for _, c := range b.Coverage() {
		fmt.Fprintln(stdout, "uwaga:", coverageLine(c))
	}
	forms := 0
	for _, p := range b.Procedures {
		if p.Form != nil {
			forms++
		}
	}
	fmt.Fprintf(stdout, "OK: %s, wersja %s — %s w %d %s, %s, %s, %s.\n",
		b.Municipality.Name, b.Version, l10n.Count(len(b.Procedures), "karta usługi", "karty usług", "kart usług"),
		len(b.Categories), l10n.Plural(len(b.Categories), "kategorii", "kategoriach", "kategoriach"),
		l10n.Count(forms, "formularz", "formularze", "formularzy"), l10n.Count(len(b.BIPPages), "strona BIP", "strony BIP", "stron BIP"),
		l10n.Count(len(b.Offices), "urząd", "urzędy", "urzędów"))
	return 0
}

// coverageLine summarises what one language leaves untranslated: a warning, since Polish is
// always shown in its place (with a note to the resident).
func coverageLine(c content.Coverage) string {
	// "z N" takes the genitive: "z 1 karty", "z 2 kart".
	of := func(n int, one, other string) string {
		return fmt.Sprintf("z %d %s", n, l10n.Plural(n, one, other, other))
	}
	line := fmt.Sprintf("%s: %d %s bez tłumaczenia, %d %s, %d %s, %d %s",
		c.Lang, c.TotalProcedures-c.Procedures, of(c.TotalProcedures, "karty", "kart"), c.TotalForms-c.Forms, of(c.TotalForms, "formularza", "formularzy"),
		c.TotalCategories-c.Categories, of(c.TotalCategories, "kategorii", "kategorii"), c.TotalPages-c.Pages, of(c.TotalPages, "strony BIP", "stron BIP"))
	if n := c.ProceduresPartial + c.FormsPartial; n > 0 {
		line += fmt.Sprintf("; przetłumaczone częściowo: %s, %s (brakujące teksty po polsku)",
			l10n.Count(c.ProceduresPartial, "karta", "karty", "kart"), l10n.Count(c.FormsPartial, "formularz", "formularze", "formularzy"))
	}
	return line
}
