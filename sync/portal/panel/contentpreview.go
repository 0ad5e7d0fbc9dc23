package panel

import (
	"errors"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"

	"infomat/content"
	"infomat/sync/portal/preview"
)

// The editor's preview: the kiosk's own screens drawn on the server from the draft
// (sync/portal/preview), in each language the kiosk offers, and the printed sheet.

// previewLangs are the kiosk's languages, in the order of its language switch.
var previewLangs = []string{"pl", "en", "uk"}

// previewShot is one picture of the preview page.
type previewShot struct {
	Src, Alt, Lang string
	Sheet          bool
}

type previewGroup struct {
	Key   string // message ID of the screen's name
	Shots []previewShot
}

type previewData struct {
	Path   string
	Groups []previewGroup
	// Broken: the draft has errors outside forms, and a kiosk would not show it at all.
	Broken int
}

// previewScreens are the kiosk screens that show file p of the draft.
func previewScreens(p string, b *content.Bundle) []struct {
	key string
	s   preview.Screen
} {
	type scr = struct {
		key string
		s   preview.Screen
	}
	id := strings.TrimSuffix(strings.TrimSuffix(path.Base(p), ".yaml"), ".md")
	switch fileKind(p) {
	case kindProfile, kindOffices:
		return []scr{{"content.preview.home", preview.Screen{Kind: "home"}}}
	case kindCategories:
		return []scr{{"content.preview.categories", preview.Screen{Kind: "category"}}}
	case kindMenu:
		return []scr{{"content.preview.bip", preview.Screen{Kind: "bip"}}}
	case kindCard:
		out := []scr{{"content.preview.card", preview.Screen{Kind: "card", ID: id}}, {"content.preview.sheet", preview.Screen{Kind: "sheet", ID: id}}}
		if c, ok := b.Procedure(id); ok && c.Form != nil {
			out = append(out, scr{"content.preview.form", preview.Screen{Kind: "form", ID: id, Step: 1}})
		}
		return out
	case kindForm:
		out := []scr{{"content.preview.formstart", preview.Screen{Kind: "form", ID: id}}, {"content.preview.form", preview.Screen{Kind: "form", ID: id, Step: 1}}}
		if c, ok := b.Procedure(id); ok && c.Form != nil {
			out = append(out, scr{"content.preview.consent", preview.Screen{Kind: "form", ID: id, Step: len(c.Form.Fields) + 2}})
		}
		return out
	case kindPage:
		return []scr{{"content.preview.page", preview.Screen{Kind: "page", ID: strings.TrimSuffix(strings.TrimPrefix(p, content.BIPDir+"/"), ".md")}}}
	}
	return nil
}

func (h *Handler) previewPage(w http.ResponseWriter, r *http.Request, c *current) {
	d, p, _, ok := h.editTarget(w, r, c)
	if !ok {
		return
	}
	pd := previewData{Path: p}
	ch := checkFiles(d.Files, false)
	if ch.bundle == nil {
		pd.Broken = len(ch.errors)
		h.render(w, http.StatusOK, "preview", h.view(r, c, "content.preview.title", pd))
		return
	}
	ui := lang(r)
	for _, sc := range previewScreens(p, ch.bundle) {
		g := previewGroup{Key: sc.key}
		for _, lang := range previewLangs {
			q := url.Values{"rev": {strconv.FormatUint(d.Revision, 10)}, "kind": {sc.s.Kind}, "id": {sc.s.ID}, "step": {strconv.Itoa(sc.s.Step)}, "lang": {lang}}
			g.Shots = append(g.Shots, previewShot{Src: Prefix + "content/preview.png?" + q.Encode(), Lang: lang, Sheet: sc.s.Kind == "sheet",
				Alt: h.loc.In(ui, "content.preview.alt", "Screen", h.loc.In(ui, sc.key), "Lang", lang)})
		}
		pd.Groups = append(pd.Groups, g)
	}
	h.render(w, http.StatusOK, "preview", h.view(r, c, "content.preview.title", pd))
}

// previewCache keeps the newest draft revision previewed, loaded once, and its pictures: a
// preview page asks for a dozen, each a fraction of a second to draw.
type previewCache struct {
	mu     sync.Mutex
	key    string // municipality and revision the bundle and pictures are of
	loaded *content.Bundle
	shots  map[string][]byte
}

// bundle is the draft of revision rev loaded (by load, once a revision); nil when the draft
// has errors a kiosk would refuse it for.
func (pc *previewCache) bundle(rev string, load func() *content.Bundle) *content.Bundle {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.key != rev {
		pc.key, pc.loaded, pc.shots = rev, nil, map[string][]byte{}
	}
	if pc.loaded == nil {
		pc.loaded = load()
	}
	return pc.loaded
}

func (pc *previewCache) get(rev, shot string) ([]byte, bool) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.key != rev {
		return nil, false
	}
	b, ok := pc.shots[shot]
	return b, ok
}

func (pc *previewCache) put(rev, shot string, png []byte) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.key != rev {
		return // a newer revision came meanwhile
	}
	if len(pc.shots) > 200 {
		clear(pc.shots)
	}
	pc.shots[shot] = png
}

// previewPNG draws one kiosk screen of the draft.
func (h *Handler) previewPNG(w http.ResponseWriter, r *http.Request, c *current) {
	q := r.URL.Query()
	lang := q.Get("lang")
	step, _ := strconv.Atoi(q.Get("step"))
	s := preview.Screen{Kind: q.Get("kind"), ID: q.Get("id"), Step: step}
	ctx, muni := r.Context(), c.user.Municipality
	head, err := h.st.DraftHead(ctx, muni) // the revision is all a cached picture needs
	if err != nil {
		http.Error(w, "no draft", http.StatusNotFound)
		return
	}
	rev := muni + "\x00" + strconv.FormatUint(head.Revision, 10)
	key := s.Kind + "\x00" + s.ID + "\x00" + strconv.Itoa(s.Step) + "\x00" + lang
	png, ok := h.previews.get(rev, key)
	if !ok {
		b := h.previews.bundle(rev, func() *content.Bundle {
			d, err := h.st.Draft(ctx, muni)
			if err != nil || d.Revision != head.Revision {
				return nil // changed meanwhile: the next picture's request sees the new one
			}
			return checkFiles(d.Files, false).bundle
		})
		if b == nil {
			http.Error(w, "the draft has errors", http.StatusConflict)
			return
		}
		png, err = preview.Render(r.Context(), b, lang, s)
		switch {
		case errors.Is(err, preview.ErrNotFound):
			http.Error(w, "no such screen", http.StatusNotFound)
			return
		case err != nil:
			h.log.Error("panel: preview", "municipality", c.user.Municipality, "kind", s.Kind, "err", err)
			http.Error(w, "preview failed", http.StatusInternalServerError)
			return
		}
		h.previews.put(rev, key, png)
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = w.Write(png)
}
