// Package content is the municipality's content bundle: the profile, offices, categories,
// procedure cards ("karty usług") and BIP pages the kiosk shows, loaded from a folder a
// municipality edits by hand and keeps in git. docs/content-format.md describes the files.
//
// File keys are Polish (the clerks who edit them are Polish); Go identifiers are English.
package content

import (
	"io/fs"
	"net/url"
	"strings"
	"time"
)

// Bundle is one validated, immutable set of content.
type Bundle struct {
	// Version identifies the exact bytes of the bundle (a hash over every file), so two
	// kiosks showing the same Version show the same content.
	Version      string
	Municipality Municipality
	Offices      []Office
	Categories   []Category
	Procedures   []Procedure
	BIPMenu      []MenuItem
	BIPPages     []Page
	// Files gives access to images and attachments referenced by the content.
	Files fs.FS
	// Warnings are things worth fixing that do not stop the bundle from being shown.
	Warnings Problems
	// FormProblems are the problems of forms that were disabled for them; their cards show.
	FormProblems Problems

	// Lang is the language of a view made by In ("" for the Polish bundle).
	Lang         string
	base         *Bundle // the Polish bundle of a view
	translations map[string]*translation
	views        *views
}

// Municipality is the profile of the office that runs the kiosk (gmina.yaml).
type Municipality struct {
	Name       string  `yaml:"nazwa"`
	Kind       string  `yaml:"rodzaj"` // e.g. "gmina wiejska"
	Crest      string  `yaml:"herb"`   // path of the coat-of-arms image in the bundle
	Controller string  `yaml:"administrator_danych"`
	Address    Address `yaml:"adres"`
	Phone      string  `yaml:"telefon"`
	Email      string  `yaml:"email"`
	Website    string  `yaml:"strona"`
	EPUAP      string  `yaml:"skrytka_epuap"`
	EDelivery  string  `yaml:"adres_e_doreczen"`
	NIP        string  `yaml:"nip"`
	REGON      string  `yaml:"regon"`
	// Account is the default bank account (NRB) for fees whose card names none.
	Account string  `yaml:"rachunek"`
	Hours   []Hours `yaml:"godziny"`
	DPO     DPO     `yaml:"iod"`
	// Retention is the RODO retention period ("okres przechowywania") a new form starts
	// with in the panel's editor; each form keeps its own (formularze/<id>.yaml), which is
	// what the kiosk shows. Optional.
	Retention string `yaml:"okres_przechowywania"`
	// Color is the municipality's brand colour as #RRGGBB, used by the default theme.
	Color string `yaml:"kolor"`
	// RefPrefix starts every submission reference number, e.g. "PRZ".
	RefPrefix string `yaml:"skrot"`
	// SubmissionKey is the municipality's age X25519 recipient: the kiosk encrypts answers to
	// it and cannot read them back.
	SubmissionKey string `yaml:"klucz_wnioskow"`
	// Portal is the base URL where residents track a submission by its reference.
	Portal string `yaml:"portal"`
	// Public are the addresses of the content on the municipality's website, for the
	// "Zabierz na telefon" QR codes; optional.
	Public PublicURLs `yaml:"adresy_www"`
}

// PublicURLs are https URL templates of where the kiosk's content is published online.
// {id} is a card's or BIP page's ID (a BIP page's ID may hold slashes), {plik} an
// attachment's path in the bundle; each segment is escaped. An empty template: no QR code.
type PublicURLs struct {
	Card       string `yaml:"karta"`
	Page       string `yaml:"strona_bip"`
	Attachment string `yaml:"zalacznik"`
}

// CardURL is the public address of procedure card id, "" when the profile gives none.
func (u PublicURLs) CardURL(id string) string { return expandURL(u.Card, "{id}", id) }

// PageURL is the public address of BIP page id, "" when the profile gives none.
func (u PublicURLs) PageURL(id string) string { return expandURL(u.Page, "{id}", id) }

// AttachmentURL is the public address of the attachment at file in the bundle, "" when the
// profile gives none.
func (u PublicURLs) AttachmentURL(file string) string {
	return expandURL(u.Attachment, "{plik}", file)
}

// expandURL puts value, a slash-separated path, into tmpl in place of key.
func expandURL(tmpl, key, value string) string {
	if tmpl == "" {
		return ""
	}
	segs := strings.Split(value, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.ReplaceAll(tmpl, key, strings.Join(segs, "/"))
}

// Address is a Polish postal address.
type Address struct {
	Street     string `yaml:"ulica"`
	PostalCode string `yaml:"kod"`
	City       string `yaml:"miejscowosc"`
}

// Hours is one line of opening hours, e.g. "poniedziałek" 08:00–16:00.
type Hours struct {
	Days  string `yaml:"dni"`
	Open  string `yaml:"od"`
	Close string `yaml:"do"`
}

// DPO is the data protection officer (inspektor ochrony danych).
type DPO struct {
	Name  string `yaml:"imie_nazwisko"`
	Email string `yaml:"email"`
	Phone string `yaml:"telefon"`
}

// Office is a place where residents get a matter done (urzedy.yaml).
type Office struct {
	ID      string   `yaml:"id"`
	Name    string   `yaml:"nazwa"`
	Address *Address `yaml:"adres"` // nil: the municipality's address
	Phone   string   `yaml:"telefon"`
	Email   string   `yaml:"email"`
	Hours   []Hours  `yaml:"godziny"` // empty: the municipality's hours
}

// Category groups procedure cards (kategorie.yaml).
type Category struct {
	ID          string `yaml:"id"`
	Name        string `yaml:"nazwa"`
	Description string `yaml:"opis"`
	Icon        string `yaml:"ikona"` // name of a theme icon, optional
	// Lang is the language of the texts ("" for Polish); Partial: some are still Polish.
	Lang    string `yaml:"-"`
	Partial bool   `yaml:"-"`
}

// Procedure is a procedure card ("karta usługi"), one file in procedures/.
type Procedure struct {
	ID     string `yaml:"-"` // file name without extension
	File   string `yaml:"-"`
	Title  string `yaml:"nazwa"`
	Symbol string `yaml:"symbol"`
	// Short is the card's name as a transfer title carries it, after the symbol and the
	// reference (32 characters in all); optional: the name is shortened at a word instead.
	Short    string `yaml:"nazwa_skrocona"`
	Category string `yaml:"kategoria"`
	// Keywords are residents' own words for the matter ("meldunek",
	// "becikowe", also English and Ukrainian ones); searched, never shown.
	Keywords  []string   `yaml:"slowa_kluczowe"`
	Summary   string     `yaml:"w_skrocie"`
	Audience  []string   `yaml:"kogo_dotyczy"`
	Steps     []string   `yaml:"kroki"`
	Documents []Document `yaml:"wymagane_dokumenty"`
	Fees      []Fee      `yaml:"oplaty"`
	Duration  string     `yaml:"termin"`
	Place     Place      `yaml:"miejsce"`
	Channels  []string   `yaml:"forma_zlozenia"`
	Appeal    string     `yaml:"tryb_odwolawczy"`
	LegalBase []string   `yaml:"podstawa_prawna"`
	Forms     []FormRef  `yaml:"formularze"`
	Notes     string     `yaml:"uwagi"`
	Record    Record     `yaml:"metryczka"`
	// Form is the online form from formularze/<ID>.yaml, nil when the card has none or it is
	// disabled by problems.
	Form *Form `yaml:"-"`
	// Lang is the language of the card's texts: "" for Polish, also in a view of a language
	// the card is not translated into. Partial: translated, but some texts are still Polish.
	Lang    string `yaml:"-"`
	Partial bool   `yaml:"-"`
}

// Document is one thing to bring.
type Document struct {
	Name string `yaml:"nazwa"`
	Note string `yaml:"uwagi"`
}

// Fee is one payment a procedure requires.
type Fee struct {
	Title     string `yaml:"tytul"`
	Amount    Amount `yaml:"kwota"`
	Account   string `yaml:"rachunek"` // empty: the municipality's account
	Recipient string `yaml:"odbiorca"` // empty: the municipality
	// RecipientShort is the recipient as a payment QR code carries it (20 characters), for a
	// recipient whose name cut there would say nothing, e.g. "GOPS w Przykładowie".
	RecipientShort string `yaml:"odbiorca_skrot"`
	Note           string `yaml:"uwagi"`
	// Kind says whether Amount is what the resident pays now (stala), a rate the amount is
	// computed from (stawka), or paid only in some cases or not in full (warunkowa). Empty:
	// see EffectiveKind.
	Kind FeeKind `yaml:"rodzaj"`
	// When picks this fee among alternatives by an answer of the card's form (the taxi
	// licence's period); nil: the fee does not depend on the form.
	When *Condition `yaml:"gdy"`
}

// Place says where the matter is handled.
type Place struct {
	Office string `yaml:"urzad"` // Office.ID
	Room   string `yaml:"pokoj"`
	Note   string `yaml:"uwagi"`
}

// FormRef names a paper or electronic form used by the procedure.
type FormRef struct {
	Name   string `yaml:"nazwa"`
	Symbol string `yaml:"symbol"`
	File   string `yaml:"plik"`  // path in the bundle, optional
	URL    string `yaml:"adres"` // where to get it online, optional
}

// Channel values accepted in forma_zlozenia.
var Channels = []string{"osobiscie", "poczta", "epuap", "e-doreczenia", "email"}

// Record is the BIP metryczka: who produced and published the information and its change
// register. Procedure cards carry one too.
type Record struct {
	ProducedBy  string   `yaml:"wytworzyl"`
	ProducedOn  Date     `yaml:"data_wytworzenia"`
	PublishedBy string   `yaml:"opublikowal"`
	PublishedOn Date     `yaml:"data_publikacji"`
	Changes     []Change `yaml:"rejestr_zmian"`
}

// LastChange is the date of the newest entry in the change register, or the publication date.
func (r Record) LastChange() Date {
	last := r.PublishedOn
	for _, c := range r.Changes {
		if c.Date.After(last.Time) {
			last = c.Date
		}
	}
	return last
}

// Change is one entry of the change register (rejestr zmian).
type Change struct {
	Version int    `yaml:"wersja"`
	Date    Date   `yaml:"data"`
	Author  string `yaml:"autor"`
	Reason  string `yaml:"opis"`
}

// MenuItem is a node of the BIP menu (bip/menu.yaml).
type MenuItem struct {
	ID       string     `yaml:"id"`
	Title    string     `yaml:"tytul"`
	Children []MenuItem `yaml:"podmenu"`
	// NewestFirst lists the item's pages newest first (true) or by kolejnosc (false); nil
	// inherits it from the parent item, and at the top it is true for the usual dated
	// sections (Bundle.NewestFirst).
	NewestFirst *bool  `yaml:"najnowsze_najpierw"`
	Lang        string `yaml:"-"` // language of Title, "" for Polish
}

// Page is a BIP page: a Markdown file in bip/ with a YAML front matter.
type Page struct {
	ID          string       `yaml:"-"` // path below bip/ without .md
	File        string       `yaml:"-"`
	Title       string       `yaml:"tytul"`
	Menu        string       `yaml:"menu"`       // MenuItem.ID
	Order       int          `yaml:"kolejnosc"`  // position within the menu item
	Record      Record       `yaml:"metryczka"`  //
	Attachments []Attachment `yaml:"zalaczniki"` //
	// Source is the http(s) address the page was imported from (content/importer), kept so
	// a clerk can tell imported pages apart and check them against the original; optional.
	Source string `yaml:"zrodlo"`
	Body   string `yaml:"-"` // Markdown
	// Lang is the language of the texts ("" for Polish); Partial: some are still Polish.
	Lang    string `yaml:"-"`
	Partial bool   `yaml:"-"`
}

// Attachment is a file attached to a BIP page.
type Attachment struct {
	Name string `yaml:"nazwa"`
	File string `yaml:"plik"` // path in the bundle
}

// Date is a calendar date written as YYYY-MM-DD.
type Date struct{ time.Time }

// String formats the date the Polish way, DD.MM.YYYY.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Format("02.01.2006")
}
