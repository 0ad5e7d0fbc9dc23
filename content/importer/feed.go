package importer

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"net/mail"
	"strings"
	"time"

	"golang.org/x/net/html/charset"
)

// feedItem is one entry of an RSS 2.0 or Atom feed, in the terms both share.
type feedItem struct {
	ID        string // guid or atom:id, "" when none
	Link      string
	Title     string
	HTML      string // the entry's content (or summary) as HTML
	Author    string
	Published string // YYYY-MM-DD, "" when unknown
	Updated   string
}

type rssFeed struct {
	Items []rssItem `xml:"channel>item"`
}

type rssItem struct {
	Title       string `xml:"title"`
	Link        string `xml:"link"`
	GUID        string `xml:"guid"`
	Description string `xml:"description"`
	Content     string `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
	Author      string `xml:"author"`
	Creator     string `xml:"http://purl.org/dc/elements/1.1/ creator"`
	PubDate     string `xml:"pubDate"`
	DCDate      string `xml:"http://purl.org/dc/elements/1.1/ date"`
}

type atomFeed struct {
	Entries []atomEntry `xml:"entry"`
}

type atomEntry struct {
	ID        string     `xml:"id"`
	Title     atomText   `xml:"title"`
	Links     []atomLink `xml:"link"`
	Published string     `xml:"published"`
	Updated   string     `xml:"updated"`
	Authors   []struct {
		Name string `xml:"name"`
	} `xml:"author"`
	Content atomText `xml:"content"`
	Summary atomText `xml:"summary"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

// atomText is an Atom text construct: plain text, escaped HTML or inline XHTML.
type atomText struct {
	Type  string `xml:"type,attr"`
	Text  string `xml:",chardata"`
	Inner string `xml:",innerxml"`
}

func (t atomText) html() string {
	switch t.Type {
	case "html":
		return t.Text
	case "xhtml":
		return t.Inner
	}
	return plainHTML(t.Text)
}

func (t atomText) plain() string {
	if t.Type == "html" || t.Type == "xhtml" {
		return htmlText(t.html())
	}
	return strings.TrimSpace(t.Text)
}

// plainHTML wraps plain text as HTML paragraphs.
func plainHTML(s string) string {
	var b strings.Builder
	for _, p := range strings.Split(strings.TrimSpace(s), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			b.WriteString("<p>" + html.EscapeString(p) + "</p>\n")
		}
	}
	return b.String()
}

// parseFeed reads an RSS 2.0 or Atom feed, decoding the charset its XML declaration names.
func parseFeed(data []byte) ([]feedItem, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = charset.NewReaderLabel
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil, errors.New("dokument jest pusty")
		}
		if err != nil {
			return nil, fmt.Errorf("błędny XML: %w", err)
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch start.Name.Local {
		case "rss":
			var f rssFeed
			if err := dec.DecodeElement(&f, &start); err != nil {
				return nil, fmt.Errorf("błędny kanał RSS: %w", err)
			}
			return rssItems(f), nil
		case "feed":
			var f atomFeed
			if err := dec.DecodeElement(&f, &start); err != nil {
				return nil, fmt.Errorf("błędny kanał Atom: %w", err)
			}
			return atomItems(f), nil
		default:
			return nil, fmt.Errorf("to nie jest kanał RSS 2.0 ani Atom (główny element <%s>)", start.Name.Local)
		}
	}
}

func rssItems(f rssFeed) []feedItem {
	out := make([]feedItem, 0, len(f.Items))
	for _, it := range f.Items {
		body := it.Content
		if strings.TrimSpace(body) == "" {
			body = it.Description
		}
		author := it.Creator
		if author == "" {
			author = rssAuthor(it.Author)
		}
		pub := feedDate(it.PubDate)
		if pub == "" {
			pub = feedDate(it.DCDate)
		}
		out = append(out, feedItem{
			ID:        strings.TrimSpace(it.GUID),
			Link:      strings.TrimSpace(it.Link),
			Title:     htmlText(it.Title),
			HTML:      body,
			Author:    strings.TrimSpace(author),
			Published: pub,
		})
	}
	return out
}

// rssAuthor takes the name from RSS's "jan@example.pl (Jan Kowalski)"; the address alone
// when there is no name.
func rssAuthor(s string) string {
	s = strings.TrimSpace(s)
	if a, err := mail.ParseAddress(s); err == nil {
		if a.Name != "" {
			return a.Name
		}
		return a.Address
	}
	if i := strings.Index(s, "("); i > 0 && strings.HasSuffix(s, ")") {
		return strings.TrimSpace(s[i+1 : len(s)-1])
	}
	return s
}

func atomItems(f atomFeed) []feedItem {
	out := make([]feedItem, 0, len(f.Entries))
	for _, e := range f.Entries {
		var link string
		for _, l := range e.Links {
			if (l.Rel == "" || l.Rel == "alternate") && link == "" {
				link = l.Href
			}
		}
		body := e.Content.html()
		if strings.TrimSpace(body) == "" {
			body = e.Summary.html()
		}
		var names []string
		for _, a := range e.Authors {
			if n := strings.TrimSpace(a.Name); n != "" {
				names = append(names, n)
			}
		}
		out = append(out, feedItem{
			ID:        strings.TrimSpace(e.ID),
			Link:      strings.TrimSpace(link),
			Title:     e.Title.plain(),
			HTML:      body,
			Author:    strings.Join(names, ", "),
			Published: feedDate(e.Published),
			Updated:   feedDate(e.Updated),
		})
	}
	return out
}

// feedLayouts are the date formats feeds use: RFC 822 (RSS, with the variants seen in
// the wild) and RFC 3339 (Atom, Dublin Core).
var feedLayouts = []string{
	time.RFC1123Z, time.RFC1123, "Mon, 2 Jan 2006 15:04:05 -0700", "Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04 -0700", "2 Jan 2006 15:04:05 -0700", time.RFC3339, "2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
}

// feedDate returns a feed's date as YYYY-MM-DD in the date's own time zone (the
// municipality's, for a Polish BIP), "" when it cannot be read.
func feedDate(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	for _, l := range feedLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.Format(time.DateOnly)
		}
	}
	d, _ := parseDate(s)
	return d
}

// htmlText is the text of an HTML fragment, for titles that feeds escape.
func htmlText(s string) string {
	s = strings.TrimSpace(s)
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	return oneLine(parseFragment(s))
}
