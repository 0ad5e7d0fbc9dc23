package content

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// DayRange is a run of weekdays, From to To inclusive; it may wrap past Sunday
// ("piątek–poniedziałek"). A single day has From == To.
type DayRange struct {
	From, To time.Weekday
}

// Contains reports whether d falls within the range.
func (r DayRange) Contains(d time.Weekday) bool {
	if r.From <= r.To {
		return r.From <= d && d <= r.To
	}
	return d >= r.From || d <= r.To
}

// dayNames maps the ways clerks write weekdays, diacritics folded, to the day: full names,
// the plural ("poniedziałki") and the usual abbreviations.
var dayNames = map[string]time.Weekday{
	"poniedzialek": time.Monday, "poniedzialki": time.Monday, "pon": time.Monday, "pn": time.Monday,
	"wtorek": time.Tuesday, "wtorki": time.Tuesday, "wt": time.Tuesday, "wto": time.Tuesday,
	"sroda": time.Wednesday, "srody": time.Wednesday, "sr": time.Wednesday, "sro": time.Wednesday,
	"czwartek": time.Thursday, "czwartki": time.Thursday, "czw": time.Thursday, "cz": time.Thursday,
	"piatek": time.Friday, "piatki": time.Friday, "pt": time.Friday, "pia": time.Friday,
	"sobota": time.Saturday, "soboty": time.Saturday, "sob": time.Saturday, "sb": time.Saturday,
	"niedziela": time.Sunday, "niedziele": time.Sunday, "niedz": time.Sunday, "nd": time.Sunday, "ndz": time.Sunday,
}

var foldPolish = strings.NewReplacer("ą", "a", "ć", "c", "ę", "e", "ł", "l", "ń", "n", "ó", "o", "ś", "s", "ź", "z", "ż", "z")

// ParseDays reads the days of an hours line as clerks write them: "poniedziałek",
// "poniedziałek–piątek" (any dash), "pon.–pt.", "wtorek, czwartek", "wtorek i czwartek",
// "codziennie". It fails on anything else, so a line it cannot place on the calendar is
// shown as written and never claims the office is open.
func ParseDays(s string) ([]DayRange, error) {
	norm := foldPolish.Replace(strings.ToLower(strings.TrimSpace(s)))
	for _, dash := range []string{"–", "—", "‑", "−"} {
		norm = strings.ReplaceAll(norm, dash, "-")
	}
	if norm == "" {
		return nil, fmt.Errorf("no days")
	}
	if norm == "codziennie" {
		return []DayRange{{From: time.Monday, To: time.Sunday}}, nil
	}
	norm = strings.ReplaceAll(norm, " oraz ", ",")
	norm = strings.ReplaceAll(norm, " i ", ",")
	var out []DayRange
	for _, part := range strings.Split(norm, ",") {
		from, to, isRange := strings.Cut(part, "-")
		a, err := parseDay(from)
		if err != nil {
			return nil, err
		}
		b := a
		if isRange {
			if b, err = parseDay(to); err != nil {
				return nil, err
			}
		}
		out = append(out, DayRange{From: a, To: b})
	}
	return out, nil
}

func parseDay(s string) (time.Weekday, error) {
	s = strings.TrimSuffix(strings.TrimSpace(s), ".")
	d, ok := dayNames[s]
	if !ok {
		return 0, fmt.Errorf("%q is not a weekday", s)
	}
	return d, nil
}

// Interval is one opening period of a day, as "GG:MM" clock times.
type Interval struct {
	Open, Close string
}

// OpenStatus is what a list of opening hours says at one moment.
type OpenStatus struct {
	// Known is false when no line could be read (no hours, or only malformed ones): then
	// nothing below may be claimed.
	Known bool
	// Today lists today's opening periods, earliest first; empty: closed all day.
	Today []Interval
	// OpenNow: the moment falls within one of today's periods, which ends at Closes.
	OpenNow bool
	Closes  string
	// When closed: the next opening is NextIn days from today (0: later today, 1: tomorrow,
	// up to 7: the same weekday next week) on NextDay at Opens. NextIn is -1 when the hours
	// never open.
	NextIn  int
	NextDay time.Weekday
	Opens   string
}

// HoursAt says whether hs is open at t (in t's location), with today's periods and the next
// opening. Lines whose days or times cannot be read are left out.
func HoursAt(hs []Hours, t time.Time) OpenStatus {
	var week [7][]span
	known := false
	for _, h := range hs {
		days, err := ParseDays(h.Days)
		open, okOpen := minutes(h.Open)
		closing, okClose := minutes(h.Close)
		if err != nil || !okOpen || !okClose || open >= closing {
			continue
		}
		known = true
		for d := time.Sunday; d <= time.Saturday; d++ {
			for _, r := range days {
				if r.Contains(d) {
					week[d] = append(week[d], span{open, closing})
					break
				}
			}
		}
	}
	st := OpenStatus{Known: known, NextIn: -1}
	if !known {
		return st
	}
	for d := range week {
		week[d] = merge(week[d])
	}
	now := t.Hour()*60 + t.Minute()
	today := t.Weekday()
	for _, s := range week[today] {
		st.Today = append(st.Today, Interval{Open: clockString(s.open), Close: clockString(s.close)})
		if s.open <= now && now < s.close {
			st.OpenNow, st.Closes = true, clockString(s.close)
		}
	}
	if st.OpenNow {
		return st
	}
	for in := 0; in <= 7; in++ {
		d := (today + time.Weekday(in)) % 7
		for _, s := range week[d] {
			if in == 0 && s.open <= now {
				continue
			}
			st.NextIn, st.NextDay, st.Opens = in, d, clockString(s.open)
			return st
		}
	}
	return st
}

// span is an opening period in minutes from midnight.
type span struct{ open, close int }

// merge sorts a day's periods and joins those that overlap or touch, so two lines covering
// the same day read as one timetable.
func merge(ss []span) []span {
	slices.SortFunc(ss, func(a, b span) int { return a.open - b.open })
	var out []span
	for _, s := range ss {
		if n := len(out); n > 0 && s.open <= out[n-1].close {
			out[n-1].close = max(out[n-1].close, s.close)
			continue
		}
		out = append(out, s)
	}
	return out
}

// minutes reads "GG:MM" (as content check requires) into minutes from midnight.
func minutes(s string) (int, bool) {
	if !clock.MatchString(s) {
		return 0, false
	}
	return int(s[0]-'0')*600 + int(s[1]-'0')*60 + int(s[3]-'0')*10 + int(s[4]-'0'), true
}

// clockString writes minutes from midnight the way Polish notices do: "7:30", "16:00".
func clockString(m int) string {
	return fmt.Sprintf("%d:%02d", m/60, m%60)
}

// ShortClock writes a "GG:MM" time without its leading zero ("07:30" → "7:30"), the way
// the rest of the hours read; anything else comes back unchanged.
func ShortClock(s string) string {
	if m, ok := minutes(s); ok {
		return clockString(m)
	}
	return s
}
