package portal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// The admin API's dues operations, for `infomat-portal dues …` while serve holds a bbolt
// store (paths under /admin/v1/, as in adminapi.go):
//
//	POST dues/replace[?new_municipality=1]  DuesSet, sealed by the command (StoreDues) → {}
//	POST dues/card     DuesCard, hashed by the command (StoreDuesCard)               → {}
//	GET  dues/status?municipality=X                                                 → DuesSet (no entries)
//
// A municipality the portal does not have is refused (404, the nearest names in the
// message): dues/replace creates it only with new_municipality=1 (EnsureMunicipality), the
// others never do (CheckExistingMunicipality).
//
// The command reads panel.key from the data directory and seals before sending: nothing
// clear crosses the socket, and the serving portal needs no part in the sealing.

// maxDuesSetBody bounds a sealed set: a large town's export, with room.
const maxDuesSetBody = 512 << 20

func (a *adminAPI) duesRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+adminPrefix+"dues/replace", a.duesReplace)
	mux.HandleFunc("POST "+adminPrefix+"dues/card", a.duesCard)
	mux.HandleFunc("GET "+adminPrefix+"dues/status", a.duesStatus)
}

func (a *adminAPI) duesReplace(w http.ResponseWriter, r *http.Request) {
	var set DuesSet
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxDuesSetBody)).Decode(&set); err != nil {
		adminFail(w, http.StatusBadRequest, fmt.Errorf("bad request body: %w", err))
		return
	}
	if err := EnsureMunicipality(r.Context(), a.st, set.Municipality, r.URL.Query().Get("new_municipality") == "1"); err != nil {
		adminFail(w, adminStatus(err), err)
		return
	}
	if err := StoreDues(r.Context(), a.st, set, "cli", ""); err != nil {
		adminFail(w, adminStatus(err), err)
		return
	}
	a.log.Info("admin: dues imported", "municipality", set.Municipality, "taxpayers", set.Taxpayers)
	adminJSON(w, http.StatusOK, struct{}{})
}

func (a *adminAPI) duesCard(w http.ResponseWriter, r *http.Request) {
	var c DuesCard
	if !decodeAdmin(w, r, &c) {
		return
	}
	if err := CheckExistingMunicipality(r.Context(), a.st, c.Municipality); err != nil {
		adminFail(w, adminStatus(err), err)
		return
	}
	err := StoreDuesCard(r.Context(), a.st, c, "cli", "")
	if errors.Is(err, ErrDuesTaxpayer) {
		adminFail(w, http.StatusNotFound, err)
		return
	}
	if err != nil {
		adminFail(w, adminStatus(err), err)
		return
	}
	a.log.Info("admin: dues card registered", "municipality", c.Municipality)
	adminJSON(w, http.StatusOK, struct{}{})
}

func (a *adminAPI) duesStatus(w http.ResponseWriter, r *http.Request) {
	muni := r.URL.Query().Get("municipality")
	if err := CheckExistingMunicipality(r.Context(), a.st, muni); err != nil {
		adminFail(w, adminStatus(err), err)
		return
	}
	s, err := a.st.DuesStatus(r.Context(), muni)
	if errors.Is(err, ErrNotFound) {
		adminJSON(w, http.StatusOK, DuesSet{}) // the client turns it back into ErrNotFound
		return
	}
	if err != nil {
		adminFail(w, adminStatus(err), err)
		return
	}
	adminJSON(w, http.StatusOK, s)
}

// ReplaceDues runs StoreDues on the serving portal; newMunicipality lets it create the
// municipality.
func (c *AdminClient) ReplaceDues(ctx context.Context, set DuesSet, newMunicipality bool) error {
	var out struct{}
	var q url.Values
	if newMunicipality {
		q = url.Values{"new_municipality": {"1"}}
	}
	return c.do(ctx, http.MethodPost, "dues/replace", q, "", set, &out)
}

// PutDuesCard runs StoreDuesCard on the serving portal.
func (c *AdminClient) PutDuesCard(ctx context.Context, card DuesCard) error {
	var out struct{}
	return c.do(ctx, http.MethodPost, "dues/card", nil, "", card, &out)
}

// DuesStatus is Storage.DuesStatus on the serving portal.
func (c *AdminClient) DuesStatus(ctx context.Context, municipality string) (DuesSet, error) {
	var out DuesSet
	err := c.do(ctx, http.MethodGet, "dues/status", url.Values{"municipality": {municipality}}, "", nil, &out)
	if err == nil && out.Imported.IsZero() {
		return DuesSet{}, ErrNotFound
	}
	return out, err
}
