package content

import (
	"bytes"
	"strings"
)

// MaxTableRows is the most rows a Markdown table on a BIP page may have. The kiosk draws
// every cell of a table as its own widget: a 140,000-row table (1.9 MB, inside the page size
// limit) froze the screen for 51 s, past the systemd watchdog, and took 1.5 GB. A
// thousand rows draw in well under a second; longer lists belong in an attachment.
const MaxTableRows = 1000

// longestTable returns the row count of the longest Markdown table in body and the line
// (counted in body) where it starts. A table is a run of lines starting with "|" that has a
// delimiter row (|---|); its rows are those below the header and the delimiter. It is a cheap scan, not a
// Markdown parse: it runs over every page of every bundle a kiosk loads.
func longestTable(body string) (rows, line int) {
	run, start, delim := 0, 0, false
	flush := func() {
		if delim && run-2 > rows {
			rows, line = run-2, start
		}
		run, delim = 0, false
	}
	n := 0
	for len(body) > 0 {
		n++
		l := body
		if i := strings.IndexByte(body, '\n'); i >= 0 {
			l, body = body[:i], body[i+1:]
		} else {
			body = ""
		}
		t := bytes.TrimSpace([]byte(l))
		if len(t) == 0 || t[0] != '|' {
			flush()
			continue
		}
		if run == 0 {
			start = n
		}
		run++
		if !delim && isDelimiterRow(t) {
			delim = true
		}
	}
	flush()
	return rows, line
}

// isDelimiterRow reports whether a table line is a GFM delimiter row such as |---|:--:|.
func isDelimiterRow(t []byte) bool {
	dash := false
	for _, c := range t {
		switch c {
		case '-':
			dash = true
		case '|', ':', ' ', '\t':
		default:
			return false
		}
	}
	return dash
}
