package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"infomat/sync/portal"
)

// statusOps are the operator's status operations, on the store (local) or through the
// serving portal's admin socket (remote).
type statusOps interface {
	submissionStatus(ctx context.Context, muni, ref, id string) (portal.StatusReport, error)
	setStatus(ctx context.Context, muni, ref, id string, s portal.Status) (portal.StatusReport, error)
}

func (l local) submissionStatus(ctx context.Context, muni, ref, id string) (portal.StatusReport, error) {
	return portal.SubmissionStatus(ctx, l.st, muni, ref, id)
}

func (l local) setStatus(ctx context.Context, muni, ref, id string, s portal.Status) (portal.StatusReport, error) {
	return portal.SetSubmissionStatus(ctx, l.st, muni, ref, id, s)
}

func (r remote) submissionStatus(ctx context.Context, muni, ref, id string) (portal.StatusReport, error) {
	return r.c.SubmissionStatus(ctx, muni, ref, id)
}

func (r remote) setStatus(ctx context.Context, muni, ref, id string, s portal.Status) (portal.StatusReport, error) {
	return r.c.SetSubmissionStatus(ctx, muni, ref, id, s)
}

// statusBy is who the command says set a status: the command line, not a clerk's login.
const statusBy = "cli"

// statusCmd shows or sets what the public tracking page says of a submission, found by the
// reference on the resident's receipt.
func statusCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	const use = `użycie: infomat-portal status show REF [--municipality X] [--id ID] [--json]
       infomat-portal status set REF STATUS [--note TEKST] [--to DOKĄD] [--municipality X] [--id ID] [--json]
STATUS: przyjęty, w-realizacji, załatwiony, odrzucony, przekazany (z --to)`
	if len(args) == 0 || (args[0] != "show" && args[0] != "set") {
		fmt.Fprintln(stderr, use)
		return 2
	}
	sub := args[0]
	fl, data := flags("status "+sub, stderr)
	muni := fl.String("municipality", "", "only this municipality's submissions")
	id := fl.String("id", "", "the submission ID, when the reference names several")
	note := fl.String("note", "", "for the resident, plain text (at most 500 characters)")
	to := fl.String("to", "", "where a forwarded matter went")
	asJSON := fl.Bool("json", false, "JSON instead of text")
	pos, err := parse(fl, args[1:])
	want := map[string]int{"show": 1, "set": 2}[sub]
	if err != nil || len(pos) != want || (sub == "show" && (*note != "" || *to != "")) {
		fmt.Fprintln(stderr, use)
		return 2
	}
	var st portal.Status
	if sub == "set" {
		code, err := portal.ParseStatusCode(pos[1])
		if err == nil {
			st = portal.Status{Code: code, To: strings.TrimSpace(*to), Note: strings.TrimSpace(*note), By: statusBy, At: time.Now()}
			err = st.Validate()
		}
		if err != nil {
			fmt.Fprintln(stderr, "infomat-portal status set:", err)
			return 2
		}
	}
	op, ok := connect(ctx, data, stderr)
	if !ok {
		return 1
	}
	defer op.close()
	var rep portal.StatusReport
	if sub == "set" {
		rep, err = op.setStatus(ctx, *muni, pos[0], *id, st)
	} else {
		rep, err = op.submissionStatus(ctx, *muni, pos[0], *id)
	}
	if err != nil {
		fmt.Fprintf(stderr, "infomat-portal status %s: %v\n", sub, err)
		if errors.Is(err, portal.ErrNotFound) || strings.Contains(err.Error(), portal.ErrNotFound.Error()) {
			fmt.Fprintln(stderr, "Wniosek pojawia się na portalu, gdy kiosk go prześle; sprawdź numer albo `infomat-portal fleet`.")
		}
		return 1
	}
	if *asJSON {
		return writeJSON(stdout, rep)
	}
	writeStatusReport(stdout, rep)
	return 0
}

// statusLine is one status as the operator reads it: "przekazany do: Starostwo (cli)".
func statusLine(s portal.Status) string {
	line := s.Code.PolishName()
	if s.Code == portal.StatusForwarded {
		line += ": " + s.To
	}
	if s.By != "" {
		line += " (" + s.By + ")"
	}
	return line
}

func writeStatusReport(w io.Writer, r portal.StatusReport) {
	const layout = "2006-01-02 15:04"
	clock := ""
	if r.ClockSuspect {
		clock = " (zegar kiosku niewiarygodny)"
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, kv := range [][2]string{
		{"nr kiosku", r.Ref}, {"nr portalu", r.PortalRef}, {"gmina", r.Municipality}, {"ID", r.ID},
		{"procedura", r.Procedure},
		{"utworzono (kiosk)", r.Created.Local().Format(layout) + clock},
		{"przyjęto (portal)", r.Received.Local().Format(layout)},
		{"status", statusLine(r.Current) + ", " + r.Current.At.Local().Format(layout)},
	} {
		fmt.Fprintf(tw, "%s:\t%s\n", kv[0], kv[1])
	}
	if r.Current.Note != "" {
		fmt.Fprintf(tw, "notatka:\t%s\n", indent(r.Current.Note))
	}
	_ = tw.Flush()
	fmt.Fprintln(w, "historia:")
	fmt.Fprintf(w, "  %s  %s\n", r.Received.Local().Format(layout), portal.StatusReceived.PolishName())
	for _, s := range r.History {
		fmt.Fprintf(w, "  %s  %s\n", s.At.Local().Format(layout), statusLine(s))
		if s.Note != "" {
			fmt.Fprintf(w, "                    %s\n", indent(s.Note))
		}
	}
}

// indent keeps a note's later lines under its first.
func indent(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\n                    ")
}
