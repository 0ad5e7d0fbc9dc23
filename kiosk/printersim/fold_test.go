package printersim

import (
	"strings"
	"testing"
	"time"

	"infomat/kiosk/printer"
	"infomat/receipt"
)

// printText prints doc on a simulated 58 mm printer and returns what the paper shows.
func printText(t *testing.T, doc receipt.Doc) string {
	t.Helper()
	return printOnPaper(t, doc, printer.Profile58).Text()
}

// What CP852 lacks prints as a readable look-alike: "1 m² za dzień" used to come out of the
// printer as "1 m? za dzień", and the test page had a "?" for its middle dot.
func TestPaperShowsFoldedText(t *testing.T) {
	text := printText(t, receipt.Doc{Items: []receipt.Item{
		receipt.Text{Text: "1 m² za dzień, ½ stawki — „pas”"}, receipt.Cut{}}})
	t.Logf("paper:\n%s", text)
	if !strings.Contains(text, "1 m2 za dzień") || !strings.Contains(text, "1/2 stawki") || strings.Contains(text, "?") {
		t.Errorf("paper lacks the folded text:\n%s", text)
	}
	page := printText(t, receipt.TestPage(receipt.TestPageInfo{Municipality: "Gmina Przykładowa", Device: "/dev/ttyUSB0",
		Profile: "58 mm", Version: "1.2.3", Printed: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)},
		func(id string, _ ...any) string { return id }))
	t.Logf("test page:\n%s", page)
	if strings.Contains(page, "?") {
		t.Errorf("the test page prints a \"?\":\n%s", page)
	}
}
