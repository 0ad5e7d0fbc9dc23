package portal

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"infomat/l10n"
	"infomat/sync/protocol"
)

// SilentAfter is how long without a heartbeat makes a device "silent".
const SilentAfter = 10 * time.Minute

// FleetRow is one device's state for `infomat-portal fleet`.
type FleetRow struct {
	Device         string    `json:"device"`
	Municipality   string    `json:"municipality"`
	Hostname       string    `json:"hostname"`
	Label          string    `json:"label,omitempty"` // where it stands, as set at enrolment (else its heartbeat's)
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
	OutOfService   bool      `json:"out_of_service,omitempty"`
	ClockSuspect   bool      `json:"clock_suspect,omitempty"`
	Salvaged       int       `json:"salvaged,omitempty"`
	Unrecoverable  int       `json:"unrecoverable,omitempty"`
	Quarantined    int       `json:"quarantined,omitempty"` // its submissions an export set aside
	Problems       []string  `json:"problems"`              // in Polish, for the people who read the table
}

// Fleet warns when a kiosk's content expires within ExpiryWarning, and when a kiosk still
// runs an older version StaleAfter after a newer one was published (or renewed).
const (
	ExpiryWarning = 7 * 24 * time.Hour
	StaleAfter    = time.Hour
)

// FleetSource is what Fleet reads: the devices, their heartbeats, the quarantine and the
// published manifests (the methods of DeviceStore, FleetStore, SubmissionStore and
// ContentStore).
type FleetSource interface {
	Devices(ctx context.Context) ([]Device, error)
	Heartbeats(ctx context.Context, device string) ([]Beat, error)
	Quarantined(ctx context.Context, municipality string) ([]Record, error)
	LatestManifest(ctx context.Context, municipality string) (Published, error)
}

// Fleet reports every device (of one municipality, or all with ""), with its problems as of now.
func Fleet(ctx context.Context, st FleetSource, municipality string, now time.Time) ([]FleetRow, error) {
	devs, err := st.Devices(ctx)
	if err != nil {
		return nil, err
	}
	quarantined := map[string]int{}
	qs, err := st.Quarantined(ctx, municipality)
	if err != nil {
		return nil, err
	}
	for _, r := range qs {
		quarantined[r.Device]++
	}
	published := map[string]*protocol.Manifest{} // nil: nothing published
	rows := []FleetRow{}
	for _, d := range devs {
		if municipality != "" && d.Municipality != municipality {
			continue
		}
		pub, seen := published[d.Municipality]
		if !seen {
			if pub, err = latestManifest(ctx, st, d.Municipality); err != nil {
				return nil, err
			}
			published[d.Municipality] = pub
		}
		beats, err := st.Heartbeats(ctx, d.ID)
		if err != nil {
			return nil, err
		}
		row := FleetRow{Device: d.ID, Municipality: d.Municipality, Hostname: d.Hostname, Label: d.Label, AppVersion: d.AppVersion, Revoked: d.IsRevoked()}
		row.Problems = Problems(d, beats, now)
		row.Quarantined = quarantined[d.ID]
		if n := len(beats); n > 0 && !d.IsRevoked() {
			row.Problems = append(row.Problems, contentProblems(beats[n-1].Heartbeat, pub, now)...)
		}
		if row.Quarantined > 0 {
			row.Problems = append(row.Problems, fmt.Sprintf("%s w kwarantannie (infomat-portal quarantine list)", wnioski(row.Quarantined)))
		}
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
			if row.Label == "" {
				row.Label = hb.Label
			}
			row.OutOfService, row.ClockSuspect, row.Salvaged, row.Unrecoverable = hb.OutOfService, hb.ClockSuspect, hb.Salvaged, hb.Unrecoverable
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// latestManifest is the municipality's published manifest, nil when there is none. It is
// the portal's own, so it is read without verifying.
func latestManifest(ctx context.Context, st FleetSource, municipality string) (*protocol.Manifest, error) {
	p, err := st.LatestManifest(ctx, municipality)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	m, err := decodeManifest(p.Signed)
	if err != nil {
		return nil, fmt.Errorf("manifest %d of %s: %w", p.Version, municipality, err)
	}
	return &m, nil
}

func decodeManifest(s protocol.SignedManifest) (protocol.Manifest, error) {
	var m protocol.Manifest
	payload, err := base64.StdEncoding.DecodeString(s.Payload)
	if err == nil {
		err = json.Unmarshal(payload, &m)
	}
	return m, err
}

// contentProblems are the faults the kiosk reports beyond its devices and the state of its
// content against what is published (pub, nil when nothing is):
//
//	poza służbą: brak ważnej treści   the kiosk shows its out-of-service screen
//	zegar niewiarygodny                its clock is behind the latest trusted time
//	odzyskano 3 wnioski z uszkodzonej bazy / 2 wnioski nie do odzyskania
//	treść starsza niż opublikowana (v3 < v5)   StaleAfter past the publication
//	treść wygasa za 3 dni / treść wygasła       the published manifest is not being renewed
func contentProblems(hb protocol.Heartbeat, pub *protocol.Manifest, now time.Time) []string {
	var ps []string
	if hb.OutOfService {
		ps = append(ps, "poza służbą: brak ważnej treści")
	}
	if hb.ClockSuspect {
		ps = append(ps, "zegar niewiarygodny")
	}
	if hb.Salvaged > 0 {
		ps = append(ps, fmt.Sprintf("odzyskano %s z uszkodzonej bazy", wnioski(hb.Salvaged)))
	}
	if hb.Unrecoverable > 0 {
		ps = append(ps, fmt.Sprintf("%s nie do odzyskania", wnioski(hb.Unrecoverable)))
	}
	if pub == nil {
		return ps
	}
	switch {
	case hb.ContentVersion < pub.Version && now.Sub(pub.Created) > StaleAfter:
		ps = append(ps, fmt.Sprintf("treść starsza niż opublikowana (v%d < v%d)", hb.ContentVersion, pub.Version))
	case hb.ContentVersion == pub.Version && !now.Before(pub.Expires):
		ps = append(ps, "treść wygasła "+Ago(now.Sub(pub.Expires))+" temu: portal jej nie odnowił (czy serve działa?)")
	case hb.ContentVersion == pub.Version && pub.Expires.Sub(now) < ExpiryWarning:
		ps = append(ps, "treść wygasa za "+Ago(pub.Expires.Sub(now)))
	}
	return ps
}

// wnioski is "1 wniosek", "3 wnioski", "5 wniosków".
func wnioski(n int) string {
	return l10n.Count(n, "wniosek", "wnioski", "wniosków")
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
	fmt.Fprintln(tw, "URZĄDZENIE\tGMINA\tMIEJSCE\tHOST\tOSTATNI SYGNAŁ\tTREŚĆ\tKOLEJKA\tDRUKARKA\tCZYTNIK\tWERSJA\tPROBLEMY")
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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Device, r.Municipality, dash(r.Label), dash(r.Hostname), age, version, queue, printer, reader, dash(r.AppVersion), problems)
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
