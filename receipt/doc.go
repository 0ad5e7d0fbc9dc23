// Package receipt builds the confirmation a resident takes home after a submission: a small
// device-independent document model (Doc), the content of the payment QR code in the Polish
// banks' "Standard 2D" format (PaymentQR), QR symbols (QRImage), the submission receipt itself
// (Submission) and a pixel preview of how a thermal receipt printer prints it (Layout,
// RenderPNG).
//
// The same Doc is meant to be turned into ESC/POS bytes by the printer driver, so the model
// only has what a receipt printer can do: lines of text (bold, double size, aligned), native
// QR codes, horizontal rules, paper feed and the cut.
//
// The package has no Fyne dependency; the kiosk shows the PNG preview on screen.
package receipt

// Align is the horizontal alignment of a text line.
type Align int

// Alignments; the zero value is Left.
const (
	Left Align = iota
	Center
	Right
)

// Item is one element of a receipt: Text, QR, Rule, Feed or Cut.
type Item interface{ item() }

// Text is a paragraph. It wraps at word boundaries to the paper width; "\n" starts a new line.
// Large prints it at double height and double width (ESC ! 0x30 on the printer).
type Text struct {
	Text  string
	Bold  bool
	Large bool
	Align Align
}

// QR is a centred QR code with an optional caption printed below it.
type QR struct {
	Data    string
	Caption string
}

// Rule is a horizontal line across the paper.
type Rule struct{}

// Feed advances the paper by Lines empty text lines.
type Feed struct{ Lines int }

// Cut cuts the paper (a partial cut on printers that have a cutter, a tear line otherwise).
type Cut struct{}

// Doc is a receipt: its items, printed top to bottom.
type Doc struct {
	Items []Item
}

func (Text) item() {}
func (QR) item()   {}
func (Rule) item() {}
func (Feed) item() {}
func (Cut) item()  {}
