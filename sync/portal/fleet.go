package portal

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// SilentAfter is how long without a heartbeat makes a device "silent".
const SilentAfter = 10 * time.Minute

// FleetRow is one device's state for `infomat-portal fleet`.
type FleetRow struct {
	Device         string    `json:"device"`
	Municipality   string    `json:"municipality"`
	Hostname       string    `json:"hostname"`
	LastHeartbeat  time.Time `json:"last_heartbeat,omitzero"`
	AgeSeconds     float64   `json:"age_seconds,omitempty"`
	ContentVersion uint64    `json:"content_version"`
	ContentLabel   string    `json:"content_label,omitempty"`
	Queued         int       `json:"queued"`
	Printer        string    `json:"printer,omitempty"`
	PrinterOK      bool      `json:"printer_ok"`
	PaperOut       bool      `json:"paper_out"`
	Reader         string    `json:"reader,omitempty"`
	ReaderOK       bool      `json:"reader_ok"`
	AppVersion     string    `json:"app_version"`
	Revoked        bool      `json:"revoked"`
	Problems       []string  `json:"problems"` // in Polish, for the people who read the table
}

// Fleet reports every device (of one municipality, or all with ""), with its problems as of now.
func Fleet(ctx context.Context, st Storage, municipality string, now time.Time) ([]FleetRow, error) {
	devs, err := st.Devices(ctx)
	if err != nil {
		return nil, err
	}
	rows := []FleetRow{}
	for _, d := range devs {
		if municipality != "" && d.Municipality != municipality {
			continue
		}
		beats, err := st.Heartbeats(ctx, d.ID)
		if err != nil {
			return nil, err
		}
		row := FleetRow{Device: d.ID, Municipality: d.Municipality, Hostname: d.Hostname, AppVersion: d.AppVersion, Revoked: d.IsRevoked()}
		row.Problems = Problems(d, beats, now)
		if n := len(beats); n > 0 {
			last := beats[n-1]
			hb := last.Heartbeat
			row.LastHeartbeat = last.Received
			row.AgeSeconds = now.Sub(last.Received).Seconds()
			row.ContentVersion, row.ContentLabel, row.Queued = hb.ContentVersion, hb.ContentLabel, hb.Queued
			row.Printer, row.PrinterOK, row.PaperOut = hb.Printer, hb.PrinterOK, hb.PaperOut
			row.Reader, row.ReaderOK = hb.Reader, hb.ReaderOK
			if hb.AppVersion != "" {
				row.AppVersion = hb.AppVersion
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// Problems lists what a technician should look at, in Polish:
//
//	odwołane             the device was revoked (nothing else is reported for it)
//	nigdy się nie zgłosił enrolled but no heartbeat yet
//	cisza od 12 min      no heartbeat for more than SilentAfter
//	brak papieru         the printer reports paper out
//	drukarka nie działa  a printer is configured and not OK
//	czytnik nie działa   a card reader is configured and not OK
//	kolejka rośnie       the queue grew in each of the last 3 heartbeats (4 heartbeats rising) and is > 0
func Problems(d Device, beats []Beat, now time.Time) []string {
	if d.IsRevoked() {
		return []string{"odwołane"}
	}
	if len(beats) == 0 {
		return []string{"nigdy się nie zgłosił"}
	}
	var ps []string
	last := beats[len(beats)-1]
	if age := now.Sub(last.Received); age > SilentAfter {
		ps = append(ps, "cisza od "+Ago(age))
	}
	hb := last.Heartbeat
	if hb.PaperOut {
		ps = append(ps, "brak papieru")
	} else if hb.Printer != "" && !hb.PrinterOK {
		ps = append(ps, "drukarka nie działa")
	}
	if hb.Reader != "" && !hb.ReaderOK {
		ps = append(ps, "czytnik nie działa")
	}
	if n := len(beats); n >= 4 && hb.Queued > 0 {
		growing := true
		for i := n - 3; i < n; i++ {
			if beats[i].Heartbeat.Queued <= beats[i-1].Heartbeat.Queued {
				growing = false
			}
		}
		if growing {
			ps = append(ps, "kolejka rośnie")
		}
	}
	return ps
}

// Ago formats a duration the way the fleet table shows it: "45 s", "12 min", "5 h", "3 dni".
func Ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < 2*time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d.Hours()))
	default:
		return fmt.Sprintf("%d dni", int(d.Hours()/24))
	}
}

// WriteFleetTable prints rows as an aligned table.
func WriteFleetTable(w io.Writer, rows []FleetRow, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "URZĄDZENIE\tGMINA\tHOST\tOSTATNI SYGNAŁ\tTREŚĆ\tKOLEJKA\tDRUKARKA\tCZYTNIK\tWERSJA\tPROBLEMY")
	for _, r := range rows {
		age, version, queue, printer, reader := "—", "—", "—", "—", "—"
		if !r.LastHeartbeat.IsZero() {
			age = Ago(now.Sub(r.LastHeartbeat)) + " temu"
			version = fmt.Sprintf("v%d", r.ContentVersion)
			queue = fmt.Sprint(r.Queued)
			printer = status(r.Printer, r.PrinterOK)
			if r.PaperOut {
				printer += ", brak papieru"
			}
			reader = status(r.Reader, r.ReaderOK)
		}
		problems := strings.Join(r.Problems, "; ")
		if problems == "" {
			problems = "—"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Device, r.Municipality, dash(r.Hostname), age, version, queue, printer, reader, dash(r.AppVersion), problems)
	}
	return tw.Flush()
}

func status(name string, ok bool) string {
	if name == "" {
		return "brak"
	}
	if ok {
		return name + " OK"
	}
	return name + " BŁĄD"
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
