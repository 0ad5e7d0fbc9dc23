package portal

import (
	"context"
	"errors"
	"net/http"
	"net/url"
)

// The admin API's status operations (see adminapi.go for the rest):
//
//	GET  status?ref=R[&municipality=X][&id=ID]     → StatusReport
//	POST status {ref, municipality, id, status}    → StatusReport (after the change)

type statusRequest struct {
	Ref          string `json:"ref"`
	Municipality string `json:"municipality,omitempty"`
	ID           string `json:"id,omitempty"`
	Status       Status `json:"status"`
}

// statusFail maps the status operations' own errors; the rest as adminStatus.
func statusFail(w http.ResponseWriter, err error) {
	code := adminStatus(err)
	if errors.Is(err, ErrBadStatus) || errors.Is(err, ErrAmbiguous) {
		code = http.StatusBadRequest
	}
	adminFail(w, code, err)
}

func (a *adminAPI) statusShow(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	rep, err := SubmissionStatus(r.Context(), a.st, q.Get("municipality"), q.Get("ref"), q.Get("id"))
	if err != nil {
		statusFail(w, err)
		return
	}
	adminJSON(w, http.StatusOK, rep)
}

func (a *adminAPI) statusSet(w http.ResponseWriter, r *http.Request) {
	var req statusRequest
	if !decodeAdmin(w, r, &req) {
		return
	}
	rep, err := SetSubmissionStatus(r.Context(), a.st, req.Municipality, req.Ref, req.ID, req.Status)
	if err != nil {
		statusFail(w, err)
		return
	}
	a.log.Info("submission status set", "municipality", rep.Municipality, "id", rep.ID, "status", rep.Current.Code, "by", rep.Current.By)
	adminJSON(w, http.StatusOK, rep)
}

// SubmissionStatus is SubmissionStatus on the portal.
func (c *AdminClient) SubmissionStatus(ctx context.Context, municipality, ref, id string) (StatusReport, error) {
	var out StatusReport
	q := url.Values{"ref": {ref}}
	if municipality != "" {
		q.Set("municipality", municipality)
	}
	if id != "" {
		q.Set("id", id)
	}
	err := c.do(ctx, http.MethodGet, "status", q, "", nil, &out)
	return out, err
}

// SetSubmissionStatus is SetSubmissionStatus on the portal.
func (c *AdminClient) SetSubmissionStatus(ctx context.Context, municipality, ref, id string, s Status) (StatusReport, error) {
	var out StatusReport
	err := c.do(ctx, http.MethodPost, "status", nil, "", statusRequest{Ref: ref, Municipality: municipality, ID: id, Status: s}, &out)
	return out, err
}
