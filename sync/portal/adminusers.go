package portal

import (
	"context"
	"errors"
	"net/http"
	"net/url"
)

// The admin API's user operations, for `infomat-portal user …` while serve holds the store
// (paths under /admin/v1/, as in adminapi.go):
//
//	GET  users?municipality=X                                  → [User] (no hashes, no secrets)
//	POST users/add {municipality, login, name, roles, password, new_municipality} → {password}
//	POST users/reset {municipality, login, password, clear_totp} → {password}
//	POST users/disable {municipality, login, enable}            → {}
//
// A password in a request is the one to set (read by the command from stdin); empty makes
// the portal generate one. The answer carries the one-time password once; nothing logs it.
// users/add refuses a municipality the portal does not have unless new_municipality
// (CheckMunicipality): a typo must not become a second municipality with one user. The
// others refuse one outright (CheckExistingMunicipality), naming the nearest known ones.

type userRequest struct {
	Municipality string `json:"municipality"`
	Login        string `json:"login"`
	Name         string `json:"name,omitempty"`
	Roles        []Role `json:"roles,omitempty"`
	Password     string `json:"password,omitempty"`
	ClearTOTP    bool   `json:"clear_totp,omitempty"`
	Enable       bool   `json:"enable,omitempty"`
	// NewMunicipality lets users/add create the municipality (its first account).
	NewMunicipality bool `json:"new_municipality,omitempty"`
}

type passwordResponse struct {
	Password string `json:"password"`
}

func (a *adminAPI) userRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+adminPrefix+"users", a.users)
	mux.HandleFunc("POST "+adminPrefix+"users/add", a.userAdd)
	mux.HandleFunc("POST "+adminPrefix+"users/reset", a.userReset)
	mux.HandleFunc("POST "+adminPrefix+"users/disable", a.userDisable)
}

// accountStatus maps the account errors to statuses on top of adminStatus.
func accountStatus(err error) int {
	switch {
	case errors.Is(err, ErrUserExists):
		return http.StatusConflict
	case errors.Is(err, ErrBadLogin), errors.Is(err, ErrBadRole):
		return http.StatusBadRequest
	}
	return adminStatus(err)
}

// existing refuses a municipality the portal does not have; the operators ("") have none.
func (a *adminAPI) existing(w http.ResponseWriter, r *http.Request, muni string) bool {
	if muni == OperatorMunicipality {
		return true
	}
	if err := CheckExistingMunicipality(r.Context(), a.st, muni); err != nil {
		adminFail(w, adminStatus(err), err)
		return false
	}
	return true
}

func (a *adminAPI) users(w http.ResponseWriter, r *http.Request) {
	muni := r.URL.Query().Get("municipality")
	if !a.existing(w, r, muni) {
		return
	}
	us, err := a.st.Users(r.Context(), muni)
	if err != nil {
		adminFail(w, accountStatus(err), err)
		return
	}
	out := make([]User, len(us))
	for i, u := range us {
		out[i] = u.Public()
	}
	adminJSON(w, http.StatusOK, out)
}

func (a *adminAPI) userAdd(w http.ResponseWriter, r *http.Request) {
	var req userRequest
	if !decodeAdmin(w, r, &req) {
		return
	}
	if req.Municipality != OperatorMunicipality {
		if err := CheckMunicipality(r.Context(), a.st, req.Municipality, req.NewMunicipality); err != nil {
			adminFail(w, adminStatus(err), err)
			return
		}
	}
	u := User{Municipality: req.Municipality, Login: req.Login, Name: req.Name, Roles: req.Roles}
	pw, err := AddUser(r.Context(), a.st, u, req.Password, a.now(), AccountOptions{})
	if err != nil {
		adminFail(w, accountStatus(err), err)
		return
	}
	a.log.Info("admin: user added", "municipality", req.Municipality, "login", req.Login, "roles", joinRoles(req.Roles))
	adminJSON(w, http.StatusOK, passwordResponse{Password: pw})
}

func (a *adminAPI) userReset(w http.ResponseWriter, r *http.Request) {
	var req userRequest
	if !decodeAdmin(w, r, &req) || !a.existing(w, r, req.Municipality) {
		return
	}
	pw, err := ResetUser(r.Context(), a.st, req.Municipality, req.Login, req.Password, req.ClearTOTP, a.now(), AccountOptions{})
	if err != nil {
		adminFail(w, accountStatus(err), err)
		return
	}
	a.log.Info("admin: user reset", "municipality", req.Municipality, "login", req.Login, "totp_cleared", req.ClearTOTP)
	adminJSON(w, http.StatusOK, passwordResponse{Password: pw})
}

func (a *adminAPI) userDisable(w http.ResponseWriter, r *http.Request) {
	var req userRequest
	if !decodeAdmin(w, r, &req) || !a.existing(w, r, req.Municipality) {
		return
	}
	if err := SetDisabled(r.Context(), a.st, req.Municipality, req.Login, !req.Enable, a.now(), AccountOptions{}); err != nil {
		adminFail(w, accountStatus(err), err)
		return
	}
	a.log.Info("admin: user disabled", "municipality", req.Municipality, "login", req.Login, "enabled", req.Enable)
	adminJSON(w, http.StatusOK, struct{}{})
}

// Users is Storage.Users on the portal, without hashes and secrets.
func (c *AdminClient) Users(ctx context.Context, municipality string) ([]User, error) {
	var out []User
	err := c.do(ctx, http.MethodGet, "users", url.Values{"municipality": {municipality}}, "", nil, &out)
	return out, err
}

// AddUser is AddUser on the portal; pw empty makes it generate the one-time password.
// A municipality the portal does not have is refused unless newMunicipality.
func (c *AdminClient) AddUser(ctx context.Context, u User, pw string, newMunicipality bool) (string, error) {
	var out passwordResponse
	req := userRequest{Municipality: u.Municipality, Login: u.Login, Name: u.Name, Roles: u.Roles, Password: pw, NewMunicipality: newMunicipality}
	err := c.do(ctx, http.MethodPost, "users/add", nil, "", req, &out)
	return out.Password, err
}

// ResetUser is ResetUser on the portal.
func (c *AdminClient) ResetUser(ctx context.Context, municipality, login, pw string, clearTOTP bool) (string, error) {
	var out passwordResponse
	err := c.do(ctx, http.MethodPost, "users/reset", nil, "", userRequest{Municipality: municipality, Login: login, Password: pw, ClearTOTP: clearTOTP}, &out)
	return out.Password, err
}

// SetDisabled is SetDisabled on the portal.
func (c *AdminClient) SetDisabled(ctx context.Context, municipality, login string, disabled bool) error {
	var out struct{}
	return c.do(ctx, http.MethodPost, "users/disable", nil, "", userRequest{Municipality: municipality, Login: login, Enable: !disabled}, &out)
}
