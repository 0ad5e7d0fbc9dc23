package panel

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"

	"infomat/content"
	"infomat/sync/portal"
)

// Attachments (PDF for BIP pages, PNG, JPEG or SVG for the crest and pictures) are uploaded
// into the draft's pliki/. The type is sniffed from the bytes, never taken from the name or
// the browser's word; the name is made safe (ASCII, no paths); the size stays within the
// kiosk's attachment limit.

// uploadLimit is the largest upload: the kiosk's default attachment limit.
var uploadLimit = content.Limits{}.Effective().Attachment

// uploadPath is the one POST whose body may exceed the panel's 64 KiB.
const uploadPath = Prefix + "content/upload"

// Why sniff refuses a file.
var (
	errFileType  = errors.New("not a PDF, PNG, JPEG or SVG")
	errActiveSVG = errors.New("an SVG with script or event handlers")
)

// sniff tells an attachment's type by its bytes, as the extension it is saved with: a PDF, a
// PNG, a JPEG, or an SVG that holds no script (the kiosk draws SVG itself, but the panel hands
// files back to browsers).
func sniff(data []byte) (ext string, err error) {
	switch http.DetectContentType(data) {
	case "application/pdf":
		return ".pdf", nil
	case "image/png":
		return ".png", nil
	case "image/jpeg":
		return ".jpg", nil
	}
	return sniffSVG(data)
}

// sniffSVG accepts an XML document whose root is <svg>, and refuses one with a script, a
// foreignObject, a javascript: link or an on… event handler anywhere in it.
func sniffSVG(data []byte) (string, error) {
	lower := bytes.ToLower(data)
	dec := xml.NewDecoder(bytes.NewReader(data))
	root := true
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) && !root {
			break
		}
		if err != nil {
			return "", errFileType
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if root && se.Name.Local != "svg" {
			return "", errFileType
		}
		root = false
		for _, a := range se.Attr {
			if strings.HasPrefix(strings.ToLower(a.Name.Local), "on") {
				return "", errActiveSVG
			}
		}
	}
	if bytes.Contains(lower, []byte("<script")) || bytes.Contains(lower, []byte("javascript:")) || bytes.Contains(lower, []byte("<foreignobject")) {
		return "", errActiveSVG
	}
	return ".svg", nil
}

// safeName is a file name a kiosk, a URL and a shell all take: the name's slug
// (content.Slug), "plik" when nothing is left of it, with ext.
func safeName(name, ext string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	s := content.Slug(strings.TrimSuffix(name, path.Ext(name)))
	if s == "" {
		s = "plik"
	}
	return s + ext
}

func (h *Handler) upload(w http.ResponseWriter, r *http.Request, c *current) {
	d, ok := h.loadDraft(w, r, c)
	if !ok {
		return
	}
	fail := func(status int, key string, args ...any) {
		h.showContent(w, r, c, status, contentData{Fields: map[string]string{"upload.file": h.loc.In(lang(r), key, args...)}}, "")
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(http.StatusRequestEntityTooLarge, "content.upload.toolarge", "Max", content.Size(uploadLimit))
			return
		}
		fail(http.StatusUnprocessableEntity, "content.upload.none")
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, uploadLimit+1))
	if err != nil {
		fail(http.StatusUnprocessableEntity, "content.upload.none")
		return
	}
	if int64(len(data)) > uploadLimit {
		fail(http.StatusRequestEntityTooLarge, "content.upload.toolarge", "Max", content.Size(uploadLimit))
		return
	}
	ext, err := sniff(data)
	if err != nil {
		fail(http.StatusUnsupportedMediaType, "content.upload.type")
		return
	}
	name := safeName(hdr.Filename, ext)
	p := "pliki/" + name
	for i := 2; ; i++ { // a new name: replacing a file a page links to is an edit of its own
		if _, taken := d.Files[p]; !taken {
			break
		}
		p = "pliki/" + strings.TrimSuffix(name, ext) + "-" + strconv.Itoa(i) + ext
	}
	if _, err := h.st.UpdateDraft(r.Context(), c.user.Municipality, d.Revision, map[string][]byte{p: data}, c.user.Name, h.now()); err != nil {
		if errors.Is(err, portal.ErrDraftChanged) {
			h.showContent(w, r, c, http.StatusConflict, contentData{}, h.loc.In(lang(r), "content.conflict"))
			return
		}
		h.log.Error("panel: upload", "municipality", c.user.Municipality, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	h.audit(r, c.user.Municipality, c.user.Login, "content.upload", p, content.Size(int64(len(data))))
	h.showContent(w, r, c, http.StatusOK, contentData{}, h.loc.In(lang(r), "content.uploaded", "Path", p))
}

// draftFile hands a draft's attachment back as a download, never as a page of the panel.
func (h *Handler) draftFile(w http.ResponseWriter, r *http.Request, c *current) {
	d, ok := h.loadDraft(w, r, c)
	if !ok {
		return
	}
	p := r.URL.Query().Get("f")
	data, exists := d.Files[p]
	if !exists || !strings.HasPrefix(p, "pliki/") {
		h.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	ct := "application/octet-stream"
	if ext, err := sniff(data); err == nil {
		ct = map[string]string{".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".svg": "image/svg+xml"}[ext]
	}
	hd := w.Header()
	hd.Set("Content-Type", ct)
	hd.Set("Content-Disposition", `attachment; filename="`+path.Base(p)+`"`)
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	hd.Set("Cache-Control", "no-store")
	_, _ = w.Write(data)
}
