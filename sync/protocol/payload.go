package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"time"
)

// Payload is the plaintext of a Submission's ciphertext: what the kiosk encrypts to the
// municipality's key and the portal's export decrypts. It carries the answers with their
// questions, so the office reads them without the form definition at hand. The portal
// never sees it in clear except while exporting.
type Payload struct {
	Procedure      string    `json:"procedure"`
	ProcedureTitle string    `json:"procedure_title"`
	ContentVersion string    `json:"content_version"`
	Submitted      time.Time `json:"submitted"`
	Answers        []Answer  `json:"answers"`
}

// Answer is one answered question of a Payload.
type Answer struct {
	Field    string `json:"field"`
	Question string `json:"question"`
	Value    string `json:"value"`
	Display  string `json:"display,omitempty"` // option labels for choices
}

// Errors of DecodePayload.
var (
	ErrNotJSONObject = errors.New("decrypted submission is not a JSON object")
	ErrNotPayload    = errors.New("decrypted submission is not a payload") // a JSON object whose fields have the wrong types
)

// CheckPayload is the check a portal makes before exporting a decrypted submission: it
// must be one JSON object. It does not decode the fields, so a payload from a newer or
// older kiosk whose fields changed type is still exported for the office to read.
func CheckPayload(plain []byte) error {
	if t := bytes.TrimLeft(plain, " \t\r\n"); len(t) == 0 || t[0] != '{' || !json.Valid(plain) {
		return ErrNotJSONObject
	}
	return nil
}

// DecodePayload reads a decrypted submission into a Payload: CheckPayload, then the
// fields. Fields it does not know are ignored.
func DecodePayload(plain []byte) (Payload, error) {
	var p Payload
	if err := CheckPayload(plain); err != nil {
		return p, err
	}
	if err := json.Unmarshal(plain, &p); err != nil {
		// Never err's text: it may quote the personal data it could not place.
		return Payload{}, ErrNotPayload
	}
	return p, nil
}
