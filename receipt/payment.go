package receipt

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"infomat/content"
	"infomat/validate"
)

// Payment is what a bank app needs to prefill a domestic transfer.
type Payment struct {
	// NIP is the recipient's tax number: 10 digits (spaces and dashes are dropped), or empty.
	NIP string
	// Account is the recipient's NRB: 26 digits; spaces, dashes and a "PL" prefix are dropped.
	Account string
	// Amount is in grosze; 0 leaves the amount for the payer to type.
	Amount content.Amount
	// Recipient is the recipient's name; cut to 20 characters in the code.
	Recipient string
	// Title is the transfer title; cut to 32 characters in the code.
	Title string
}

// Limits of the ZBP "Standard 2D" payment code, in characters.
const (
	MaxAmount       content.Amount = 999999 // 9 999,99 zł: the amount field has 6 digits
	MaxRecipientLen                = 20
	MaxTitleLen                    = 32
	MaxPaymentQRLen                = 160
)

// ErrTooLarge says the amount does not fit the code's six digits.
var ErrTooLarge = errors.New("too large")

// FieldError names the Payment field that made PaymentQR fail: "NIP", "Account", "Amount",
// "Recipient" or "Title". Err is a validate sentinel (validate.ErrChecksum, ErrLength, ...)
// or ErrTooLarge, so callers can phrase the message with errors.Is.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("payment QR: %s: %v", e.Field, e.Err)
}

func (e *FieldError) Unwrap() error { return e.Err }

// PaymentQR returns the text of a payment QR code in the format of the Polish Bank
// Association's recommendation on the two-dimensional code for credit transfers
// ("Rekomendacja ZBP dotycząca kodu dwuwymiarowego (2D)", "Standard 2D", version 1.0):
// nine fields joined by "|":
//
//	NIP|PL|NRB|amount|recipient|title|||
//
// NIP is 10 digits or empty, PL the country, NRB 26 digits, amount 6 digits in grosze
// ("000000" lets the payer type it), recipient up to 20 characters, title up to 32, then three
// empty reserved fields. The whole text is at most 160 characters.
//
// The NIP and NRB checksums are verified (bank apps reject codes with wrong ones), and an
// amount over MaxAmount, a negative amount and an empty recipient or title are errors too;
// each is reported as a *FieldError naming the field.
//
// Recipient and title: "|", tabs, line breaks and other control characters become spaces,
// runs of spaces collapse to one, and text over the limit is cut at the last space within
// the limit when that keeps at least half of it, otherwise mid-word at the limit. Limits count
// characters, not bytes. Polish letters are kept as they are (UTF-8): the recommendation
// specifies UTF-8 for the code's content, as do the published implementations of it.
func PaymentQR(p Payment) (string, error) {
	nip := strings.Map(dropSeparators, p.NIP)
	if nip != "" {
		if err := validate.NIP(nip); err != nil {
			return "", &FieldError{"NIP", err}
		}
	}
	account := strings.TrimPrefix(strings.ToUpper(strings.Map(dropSeparators, p.Account)), "PL")
	if err := validate.NRB(account); err != nil {
		return "", &FieldError{"Account", err}
	}
	switch {
	case p.Amount < 0:
		return "", &FieldError{"Amount", validate.ErrFormat}
	case p.Amount > MaxAmount:
		return "", &FieldError{"Amount", ErrTooLarge}
	}
	recipient := fitText(p.Recipient, MaxRecipientLen)
	if recipient == "" {
		return "", &FieldError{"Recipient", validate.ErrEmpty}
	}
	title := fitText(p.Title, MaxTitleLen)
	if title == "" {
		return "", &FieldError{"Title", validate.ErrEmpty}
	}
	s := strings.Join([]string{
		nip, "PL", account, fmt.Sprintf("%06d", int64(p.Amount)), recipient, title, "", "", "",
	}, "|")
	// With the limits above the text has at most 104 characters (156 bytes with Polish
	// letters), so this only guards against future changes.
	if len(s) > MaxPaymentQRLen {
		return "", fmt.Errorf("payment QR: %d bytes, over %d", len(s), MaxPaymentQRLen)
	}
	return s, nil
}

func dropSeparators(r rune) rune {
	if r == ' ' || r == '-' || r == '\u00a0' {
		return -1
	}
	return r
}

// fitText cleans s for a field of the payment code and cuts it to limit characters, on a word
// boundary when that keeps at least half of limit.
func fitText(s string, limit int) string {
	s = strings.Map(func(r rune) rune {
		if r == '|' || unicode.IsControl(r) || unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	r := []rune(s)
	if r[limit] == ' ' { // the cut falls exactly between words
		return string(r[:limit])
	}
	cut := r[:limit]
	for i := len(cut) - 1; i >= limit/2; i-- {
		if cut[i] == ' ' {
			return strings.TrimRight(string(cut[:i]), " ")
		}
	}
	return string(cut)
}
