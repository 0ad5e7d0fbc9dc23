package protocol

import "time"

// Dues (issue 16): a resident at a kiosk looks up what they owe the municipality (local taxes
// and fees, imported by the municipality from its tax system) and gets payment slips. The
// kiosk asks the portal over the device's authenticated channel and keeps the answer in
// memory only; nothing of it is stored on the kiosk.
const (
	// PathDues: POST DuesRequest → DuesResponse (device auth). Refusals are Errors with the
	// codes below.
	PathDues = "/api/v1/dues"

	// 403: the identification did not match (wrong PIN, unknown card, wrong code or PESEL
	// digits — deliberately not told apart). Error.Remaining says how many tries are left
	// before a lockout.
	CodeDuesRefused = "dues_refused"
	// 429 with Retry-After: too many failed tries for this card, this access code or this
	// kiosk; the lookup is closed until then.
	CodeDuesLocked = "dues_locked"
	// 404: the municipality has not imported any dues (the service is not offered).
	CodeDuesUnavailable = "dues_unavailable"
)

// DuesRequest identifies a resident in one of two ways: a Karta Mieszkańca read by the kiosk's
// card reader with the PIN set for it at the office, or the access code printed on the tax
// decision with the last four digits of the PESEL.
type DuesRequest struct {
	Card   string `json:"card,omitempty"` // the card's ID as the reader read it
	PIN    string `json:"pin,omitempty"`
	Code   string `json:"code,omitempty"`   // access code from the decision, as typed
	PESEL4 string `json:"pesel4,omitempty"` // the PESEL's last four digits
}

// DuesResponse is what the resident is shown. The portal masks the name; it sends no PESEL,
// no taxpayer identifier and no access code back.
type DuesResponse struct {
	Name  string    `json:"name"`  // masked, e.g. "J*** K*******"
	AsOf  time.Time `json:"as_of"` // when the municipality exported the data from its tax system
	Items []DueItem `json:"items"` // ordered by due date, then item
	// Recipient is the municipality's name for the transfer (the ZBP code's 20 characters);
	// NIP its tax number, for the payment code.
	Recipient string `json:"recipient"`
	NIP       string `json:"nip,omitempty"`
}

// DueItem is one instalment of one charge.
type DueItem struct {
	Item       string `json:"item"`       // e.g. "Podatek od nieruchomości", as the tax system names it
	Year       int    `json:"year"`       // the tax year
	Instalment int    `json:"instalment"` // 1…n; 0 when paid in one sum
	Due        int64  `json:"due"`        // amount due, grosze
	Paid       int64  `json:"paid"`       // amount paid so far, grosze
	DueDate    string `json:"due_date"`   // YYYY-MM-DD
	Account    string `json:"account"`    // the taxpayer's individual account (NRB, 26 digits)
	Decision   string `json:"decision"`   // the decision's number, for the transfer title
}

// DuesRefusal is the body of a CodeDuesRefused error: an Error with the tries left.
type DuesRefusal struct {
	Error
	Remaining int `json:"remaining"`
}
