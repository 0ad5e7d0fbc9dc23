package content

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Amount is money in grosze. In files it is written the Polish way: "17,00", "1 234,50" or "17".
type Amount int64

// UnmarshalYAML accepts a number or a Polish-formatted string.
func (a *Amount) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseAmount(n.Value)
	if err != nil {
		return fieldError(n, err.Error())
	}
	*a = v
	return nil
}

// ParseAmount parses "17,00", "17.5", "1 234,50 zł" or "17" into grosze.
func ParseAmount(s string) (Amount, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimSuffix(t, "zł")
	t = strings.NewReplacer(" ", "", "\u00a0", "", ",", ".").Replace(t)
	if t == "" {
		return 0, fmt.Errorf("kwota %q: brak wartości", s)
	}
	whole, frac, hasFrac := strings.Cut(t, ".")
	if hasFrac && (len(frac) == 0 || len(frac) > 2) {
		return 0, fmt.Errorf("kwota %q: grosze mają najwyżej dwie cyfry", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	zl, err := strconv.ParseUint(whole, 10, 40)
	if err != nil {
		return 0, fmt.Errorf("kwota %q: to nie jest liczba", s)
	}
	gr, err := strconv.ParseUint(frac, 10, 8)
	if err != nil {
		return 0, fmt.Errorf("kwota %q: to nie jest liczba", s)
	}
	return Amount(zl*100 + gr), nil
}

// String formats the amount as "1 234,50 zł".
func (a Amount) String() string {
	zl := strconv.FormatInt(int64(a)/100, 10)
	var b strings.Builder
	for i, r := range zl {
		if i > 0 && (len(zl)-i)%3 == 0 {
			b.WriteRune('\u00a0')
		}
		b.WriteRune(r)
	}
	return fmt.Sprintf("%s,%02d zł", b.String(), int64(a)%100)
}

// UnmarshalYAML accepts YYYY-MM-DD only, so 03.04.2026 versus 04.03.2026 is never guessed.
func (d *Date) UnmarshalYAML(n *yaml.Node) error {
	t, err := time.Parse("2006-01-02", n.Value)
	if err != nil {
		return fieldError(n, fmt.Sprintf("data %q: wpisz w formacie RRRR-MM-DD", n.Value))
	}
	d.Time = t
	return nil
}

// MarshalYAML writes the date back as YYYY-MM-DD, unquoted as a clerk writes it.
func (d Date) MarshalYAML() (any, error) {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!timestamp", Value: d.Format("2006-01-02")}, nil
}

// fieldError reports a bad value as a yaml.TypeError, which lets the decoder carry on with the
// rest of the file, so one run reports every problem in it.
func fieldError(n *yaml.Node, msg string) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %s", n.Line, msg)}}
}

// MarshalYAML writes the amount as a file holds it, "1234,50": a plain number would read back
// as złote, not grosze.
func (a Amount) MarshalYAML() (any, error) {
	return fmt.Sprintf("%d,%02d", int64(a)/100, int64(a)%100), nil
}
