package content_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"infomat/content"
)

func TestParseDays(t *testing.T) {
	mon, tue, wed, thu, fri, sat, sun := time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday
	for _, c := range []struct {
		in   string
		want []content.DayRange
	}{
		{"poniedziałek", []content.DayRange{{mon, mon}}},
		{"Poniedziałek", []content.DayRange{{mon, mon}}},
		{"poniedziałek–piątek", []content.DayRange{{mon, fri}}},
		{"poniedziałek - piątek", []content.DayRange{{mon, fri}}},
		{"poniedzialek—piatek", []content.DayRange{{mon, fri}}},
		{"wtorek–czwartek", []content.DayRange{{tue, thu}}},
		{"pon.–pt.", []content.DayRange{{mon, fri}}},
		{"pn-pt", []content.DayRange{{mon, fri}}},
		{"wtorek, czwartek", []content.DayRange{{tue, tue}, {thu, thu}}},
		{"wtorek i czwartek", []content.DayRange{{tue, tue}, {thu, thu}}},
		{"środa oraz sobota", []content.DayRange{{wed, wed}, {sat, sat}}},
		{"soboty", []content.DayRange{{sat, sat}}},
		{"piątek–poniedziałek", []content.DayRange{{fri, mon}}},
		{"codziennie", []content.DayRange{{mon, sun}}},
		{"niedziela", []content.DayRange{{sun, sun}}},
	} {
		got, err := content.ParseDays(c.in)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseDays(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "  ", "w dni robocze", "poniedziałek–", "monday", "pon–xyz", "1–5"} {
		if got, err := content.ParseDays(bad); err == nil {
			t.Errorf("ParseDays(%q) = %v, want an error", bad, got)
		}
	}
}

func TestDayRangeWrapsPastSunday(t *testing.T) {
	r := content.DayRange{From: time.Friday, To: time.Monday}
	for d, want := range map[time.Weekday]bool{time.Friday: true, time.Saturday: true, time.Sunday: true, time.Monday: true, time.Tuesday: false, time.Thursday: false} {
		if r.Contains(d) != want {
			t.Errorf("%v in %v: %v", d, r, !want)
		}
	}
}

// The sample municipality's hours (gmina.yaml).
var sampleHours = []content.Hours{
	{Days: "poniedziałek", Open: "08:00", Close: "17:00"},
	{Days: "wtorek–czwartek", Open: "07:30", Close: "15:30"},
	{Days: "piątek", Open: "07:30", Close: "14:00"},
}

func TestHoursAt(t *testing.T) {
	warsaw, err := time.LoadLocation("Europe/Warsaw")
	if err != nil {
		warsaw = time.FixedZone("CET", 3600)
	}
	// 23 November 2026 is a Monday.
	at := func(day int, hm string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", fmt.Sprintf("2026-11-%02d %s", day, hm), warsaw)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	iv := func(o, c string) []content.Interval { return []content.Interval{{o, c}} }
	for _, c := range []struct {
		name string
		hs   []content.Hours
		t    time.Time
		want content.OpenStatus
	}{
		{"monday morning, open", sampleHours, at(23, "10:00"),
			content.OpenStatus{Known: true, Today: iv("8:00", "17:00"), OpenNow: true, Closes: "17:00", NextIn: -1}},
		{"monday at opening", sampleHours, at(23, "08:00"),
			content.OpenStatus{Known: true, Today: iv("8:00", "17:00"), OpenNow: true, Closes: "17:00", NextIn: -1}},
		{"monday before opening", sampleHours, at(23, "07:10"),
			content.OpenStatus{Known: true, Today: iv("8:00", "17:00"), NextIn: 0, NextDay: time.Monday, Opens: "8:00"}},
		{"monday at closing", sampleHours, at(23, "17:00"),
			content.OpenStatus{Known: true, Today: iv("8:00", "17:00"), NextIn: 1, NextDay: time.Tuesday, Opens: "7:30"}},
		{"wednesday afternoon, open", sampleHours, at(25, "15:29"),
			content.OpenStatus{Known: true, Today: iv("7:30", "15:30"), OpenNow: true, Closes: "15:30", NextIn: -1}},
		{"friday evening", sampleHours, at(27, "19:00"),
			content.OpenStatus{Known: true, Today: iv("7:30", "14:00"), NextIn: 3, NextDay: time.Monday, Opens: "8:00"}},
		{"saturday", sampleHours, at(28, "10:00"),
			content.OpenStatus{Known: true, NextIn: 2, NextDay: time.Monday, Opens: "8:00"}},
		{"sunday late", sampleHours, at(29, "23:59"),
			content.OpenStatus{Known: true, NextIn: 1, NextDay: time.Monday, Opens: "8:00"}},
		{"weekdays range", []content.Hours{{Days: "poniedziałek–piątek", Open: "07:30", Close: "15:30"}}, at(27, "12:00"),
			content.OpenStatus{Known: true, Today: iv("7:30", "15:30"), OpenNow: true, Closes: "15:30", NextIn: -1}},
		{"only mondays, monday after closing: next monday", []content.Hours{{Days: "poniedziałek", Open: "08:00", Close: "12:00"}}, at(23, "13:00"),
			content.OpenStatus{Known: true, Today: iv("8:00", "12:00"), NextIn: 7, NextDay: time.Monday, Opens: "8:00"}},
		{"split day, at lunch", []content.Hours{
			{Days: "wtorek", Open: "13:00", Close: "16:00"},
			{Days: "wtorek", Open: "08:00", Close: "12:00"},
		}, at(24, "12:30"),
			content.OpenStatus{Known: true, Today: []content.Interval{{"8:00", "12:00"}, {"13:00", "16:00"}}, NextIn: 0, NextDay: time.Tuesday, Opens: "13:00"}},
		{"overlapping lines merge", []content.Hours{
			{Days: "poniedziałek–piątek", Open: "08:00", Close: "15:00"},
			{Days: "wtorek", Open: "14:00", Close: "18:00"},
		}, at(24, "16:00"),
			content.OpenStatus{Known: true, Today: iv("8:00", "18:00"), OpenNow: true, Closes: "18:00", NextIn: -1}},
		{"malformed lines are left out", []content.Hours{
			{Days: "w dni robocze", Open: "08:00", Close: "16:00"},
			{Days: "wtorek", Open: "8.00", Close: "16:00"},
			{Days: "środa", Open: "16:00", Close: "08:00"},
			{Days: "czwartek", Open: "09:00", Close: "11:00"},
		}, at(24, "10:00"),
			content.OpenStatus{Known: true, NextIn: 2, NextDay: time.Thursday, Opens: "9:00"}},
		{"nothing readable", []content.Hours{{Days: "w dni robocze", Open: "08:00", Close: "16:00"}}, at(24, "10:00"),
			content.OpenStatus{NextIn: -1}},
		{"no hours", nil, at(24, "10:00"), content.OpenStatus{NextIn: -1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := content.HoursAt(c.hs, c.t); !reflect.DeepEqual(got, c.want) {
				t.Errorf("HoursAt at %s:\n got %+v\nwant %+v", c.t.Format("Mon 15:04"), got, c.want)
			}
		})
	}
}

// The time of day counts in the moment's own location, not UTC: a kiosk in Poland at 7:45
// local time (6:45 UTC in winter) is before the 8:00 opening either way, but 16:30 local
// is after 16:00 closing though it is 15:30 UTC.
func TestHoursAtUsesLocalTime(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	hs := []content.Hours{{Days: "poniedziałek", Open: "08:00", Close: "16:00"}}
	if st := content.HoursAt(hs, time.Date(2026, 11, 23, 16, 30, 0, 0, cet)); st.OpenNow {
		t.Errorf("16:30 CET reads as open: %+v", st)
	}
}

func TestShortClock(t *testing.T) {
	for in, want := range map[string]string{"07:30": "7:30", "16:00": "16:00", "00:05": "0:05", "8.00": "8.00"} {
		if got := content.ShortClock(in); got != want {
			t.Errorf("ShortClock(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckWarnsOnDaysItCannotRead(t *testing.T) {
	m := sample(t)
	replaceIn(t, m, content.MunicipalityFile, "dni: wtorek–czwartek", "dni: wt-czw i co druga sobota")
	b, err := content.Load(m)
	if err != nil {
		t.Fatalf("unreadable days must not stop the content: %v", err)
	}
	got := b.Warnings.Error()
	if !strings.Contains(got, "godziny[1].dni") || !strings.Contains(got, "nie rozpoznaję dni") {
		t.Errorf("no warning naming the line:\n%s", got)
	}
	// The sample itself reads cleanly.
	if b, err := content.Load(sample(t)); err != nil || strings.Contains(b.Warnings.Error(), "nie rozpoznaję dni") {
		t.Errorf("sample hours warned: %v %v", err, b.Warnings)
	}
}
