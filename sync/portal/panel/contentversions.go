package panel

import (
	"errors"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"infomat/content"
	"infomat/sync/portal"
)

// The version history: every published version with when it expires (serve re-signs the
// latest before it does) and which kiosks run it, a diff per version against the one before,
// and rollback, which publishes an earlier version's files as a new, higher version.

type versionRow struct {
	Version          uint64
	Created, Expires string
	Label            string
	Latest           bool
	Kiosks           []string
	ExpiresSoon      bool
}

type versionsData struct {
	Rows []versionRow
	// Unknown are kiosks that report no version yet.
	Unknown []string
}

func (h *Handler) versionsPage(w http.ResponseWriter, r *http.Request, c *current) {
	ctx, muni, now := r.Context(), c.user.Municipality, h.now()
	hist, err := h.st.Manifests(ctx, muni)
	if err != nil {
		h.log.Error("panel: version history", "municipality", muni, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	fleet, err := portal.Fleet(ctx, h.st, muni, now)
	if err != nil {
		h.log.Error("panel: fleet for versions", "municipality", muni, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	running := map[uint64][]string{}
	var d versionsData
	for _, f := range fleet {
		if f.Revoked {
			continue
		}
		name := f.Hostname
		if name == "" {
			name = f.Device
		}
		if f.LastHeartbeat.IsZero() {
			d.Unknown = append(d.Unknown, name)
			continue
		}
		running[f.ContentVersion] = append(running[f.ContentVersion], name)
	}
	loc := h.warsaw()
	for i := len(hist) - 1; i >= 0; i-- {
		m, err := hist[i].Manifest()
		if err != nil {
			continue
		}
		d.Rows = append(d.Rows, versionRow{Version: hist[i].Version, Label: m.Label, Latest: i == len(hist)-1,
			Created: m.Created.In(loc).Format("2006-01-02 15:04"), Expires: m.Expires.In(loc).Format("2006-01-02 15:04"),
			ExpiresSoon: m.Expires.Sub(now) < portal.ExpiryWarning, Kiosks: running[hist[i].Version]})
	}
	h.render(w, http.StatusOK, "versions", h.view(r, c, "content.versions.title", d))
}

// fileDiff is what changed in one file between two versions.
type fileDiff struct {
	Path   string
	Status string // added, removed, changed
	Lines  []diffLine
	// Note replaces Lines for binary files and files too long to compare.
	Note string
}

type diffLine struct {
	Op   string // "+", "-", " ", or "…" for skipped unchanged lines
	Text string
}

type versionData struct {
	Version, Previous uint64
	Label             string
	Files             []fileDiff
	Latest            bool
}

// version finds version v of the session's municipality and the one before it.
func (h *Handler) version(w http.ResponseWriter, r *http.Request, c *current) (hist []portal.Published, i int, ok bool) {
	v, err := strconv.ParseUint(r.PathValue("v"), 10, 64)
	if err == nil {
		hist, err = h.st.Manifests(r.Context(), c.user.Municipality)
	}
	if err != nil {
		h.fail(w, r, http.StatusNotFound, "error.notfound")
		return nil, 0, false
	}
	i = slices.IndexFunc(hist, func(p portal.Published) bool { return p.Version == v })
	if i < 0 {
		h.fail(w, r, http.StatusNotFound, "error.notfound")
		return nil, 0, false
	}
	return hist, i, true
}

func (h *Handler) versionPage(w http.ResponseWriter, r *http.Request, c *current) {
	hist, i, ok := h.version(w, r, c)
	if !ok {
		return
	}
	ctx, muni := r.Context(), c.user.Municipality
	cur, err := portal.PublishedFiles(ctx, h.st, muni, hist[i])
	prev := content.Folder{}
	d := versionData{Version: hist[i].Version, Latest: i == len(hist)-1}
	if err == nil && i > 0 {
		d.Previous = hist[i-1].Version
		prev, err = portal.PublishedFiles(ctx, h.st, muni, hist[i-1])
	}
	if err != nil {
		h.log.Error("panel: version files", "municipality", muni, "version", d.Version, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	if m, err := hist[i].Manifest(); err == nil {
		d.Label = m.Label
	}
	d.Files = diffFolders(prev, cur)
	h.render(w, http.StatusOK, "version", h.view(r, c, "content.version.title", d))
}

// diffFolders lists the files that differ between a and b, by path.
func diffFolders(a, b content.Folder) []fileDiff {
	paths := map[string]bool{}
	for p := range a {
		paths[p] = true
	}
	for p := range b {
		paths[p] = true
	}
	sorted := make([]string, 0, len(paths))
	for p := range paths {
		sorted = append(sorted, p)
	}
	sort.Strings(sorted)
	var out []fileDiff
	for _, p := range sorted {
		old, inA := a[p]
		cur, inB := b[p]
		fd := fileDiff{Path: p}
		switch {
		case !inA:
			fd.Status = "added"
		case !inB:
			fd.Status = "removed"
		case string(old) == string(cur):
			continue
		default:
			fd.Status = "changed"
		}
		if !utf8.Valid(old) || !utf8.Valid(cur) || strings.HasPrefix(p, "pliki/") {
			fd.Note = content.Size(int64(len(old))) + " → " + content.Size(int64(len(cur)))
		} else if lines, ok := diffLines(string(old), string(cur)); ok {
			fd.Lines = lines
		} else {
			fd.Note = "…"
		}
		out = append(out, fd)
	}
	return out
}

// diffLines is a line diff of a and b (longest common subsequence) with two lines of context
// around each change; ok is false when the files are too long to compare here.
func diffLines(a, b string) ([]diffLine, bool) {
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	}
	x, y := split(a), split(b)
	if len(x)*len(y) > 4_000_000 {
		return nil, false
	}
	// lcs[i][j] is the common length of x[i:] and y[j:].
	lcs := make([][]int32, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var all []diffLine
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			all = append(all, diffLine{" ", x[i]})
			i, j = i+1, j+1
		case i < len(x) && (j == len(y) || lcs[i+1][j] >= lcs[i][j+1]): // what went, then what came
			all = append(all, diffLine{"-", x[i]})
			i++
		default:
			all = append(all, diffLine{"+", y[j]})
			j++
		}
	}
	const context = 2
	keep := make([]bool, len(all))
	for k, l := range all {
		if l.Op != " " {
			for m := max(0, k-context); m <= min(len(all)-1, k+context); m++ {
				keep[m] = true
			}
		}
	}
	var out []diffLine
	for k, l := range all {
		if keep[k] {
			out = append(out, l)
		} else if len(out) == 0 || out[len(out)-1].Op != "…" {
			out = append(out, diffLine{Op: "…"})
		}
	}
	return out, true
}

// rollback publishes version v's files as the next version and makes them the draft.
func (h *Handler) rollback(w http.ResponseWriter, r *http.Request, c *current) {
	hist, i, ok := h.version(w, r, c)
	if !ok {
		return
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if reason == "" {
		reason = h.loc.In(lang(r), "content.rollback.default")
	}
	res, err := portal.Rollback(r.Context(), h.st, c.user.Municipality, hist[i].Version, c.user.Name, reason, h.now())
	if err != nil && res.Version == 0 {
		var ps content.Problems
		if errors.As(err, &ps) { // an old version the validator of today refuses
			h.showContent(w, r, c, http.StatusUnprocessableEntity, contentData{}, h.loc.In(lang(r), "content.rollback.invalid", "N", len(ps)))
			return
		}
		h.log.Error("panel: rollback", "municipality", c.user.Municipality, "version", hist[i].Version, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	h.audit(r, c.user.Municipality, c.user.Login, "content.rollback", "v"+strconv.FormatUint(hist[i].Version, 10), "v"+strconv.FormatUint(res.Version, 10)+": "+reason)
	h.showContent(w, r, c, http.StatusOK, contentData{}, h.loc.In(lang(r), "content.rolledback", "Old", hist[i].Version, "Version", res.Version))
}
