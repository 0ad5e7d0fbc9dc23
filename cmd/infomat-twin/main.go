// Command infomat-twin writes the static-site twin of a content bundle: the kiosk's screens
// as plain HTML and CSS pages for a browser in kiosk mode at 1080×1920, for the side-by-side
// benchmark (scripts/bench-vs-browser.sh). A development tool: it is not packaged.
//
//	infomat-twin [--content DIR] --out DIR
//
// Without --content it writes the twin of the embedded sample ("Gmina Przykładowa").
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"infomat/twin"
)

func main() {
	dir := flag.String("content", "", "content folder (default: the embedded sample)")
	out := flag.String("out", "", "output folder for the pages (required)")
	flag.Parse()
	if *out == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: infomat-twin [--content DIR] --out DIR")
		os.Exit(2)
	}
	b, err := twin.Load(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "infomat-twin:", err)
		os.Exit(1)
	}
	s := twin.Build(b)
	if err := s.Write(*out); err != nil {
		fmt.Fprintln(os.Stderr, "infomat-twin:", err)
		os.Exit(1)
	}
	abs, _ := filepath.Abs(filepath.Join(*out, twin.HomePage))
	fmt.Printf("%d pages; open file://%s\n", len(s.Pages), abs)
}
