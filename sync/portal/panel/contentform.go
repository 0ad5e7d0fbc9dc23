package panel

import (
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"infomat/content"
)

// The content editor's forms are made from the bundle's own model (package content) by its
// yaml tags, so every field a file may hold has an input, and an input's name is the field's
// path as the validator reports problems ("oplaty[0].kwota", "[2].nazwa" in a list file):
// a problem finds its input by name, in the page and in the live check.

// formField is one input, or a group or list of them.
type formField struct {
	Name string // path: oplaty[0].kwota
	Key  string // yaml key, for the label: kwota
	// LabelKey, when set, is the label's message ID instead of "cf."+Key: a key whose meaning
	// depends on where it is (a fee's rodzaj is not the municipality's).
	LabelKey string
	Kind     string // text, textarea, lines, date, number, check, select, checks, group, list
	Value    string
	// Checked is a check's state.
	Checked  bool
	Options  []fieldOption // select and checks
	Fields   []formField   // group
	Items    []formItem    // list
	Problems []string
}

// ID is the input's HTML id.
func (f formField) ID() string { return fieldID(f.Name) }

type fieldOption struct {
	Value, Label string
	// LabelKey, when set, is the label's message ID (a channel, a field type).
	LabelKey string
	Selected bool
}

// formItem is one element of a list of groups; Blank is the empty one a clerk fills in to
// add an element.
type formItem struct {
	Name   string
	Index  int
	Blank  bool
	Fields []formField
}

// ID is the item's HTML id.
func (it formItem) ID() string { return fieldID(it.Name) }

// Number is the item's position counted from 1.
func (it formItem) Number() int { return it.Index + 1 }

// fieldView is a field with the page's view, for the recursive "field" template.
type fieldView struct {
	V view
	F formField
}

// Field starts the "field" template for f.
func (v view) Field(f formField) fieldView { return fieldView{V: v, F: f} }

// Sub is a field inside this one.
func (fv fieldView) Sub(f formField) fieldView { return fieldView{V: fv.V, F: f} }

// Label is the field's name in the page's language.
func (fv fieldView) Label() string {
	switch {
	case fv.F.LabelKey != "":
		return fv.V.T(fv.F.LabelKey)
	case fv.F.Key == "":
		return fv.V.T("cf.items")
	}
	return fv.V.T("cf." + fv.F.Key)
}

// Help says how to fill in a field whose form is not obvious.
func (fv fieldView) Help() string {
	switch {
	case fv.F.Kind == "lines":
		return fv.V.T("content.lines.help")
	case fv.F.Key == "kwota":
		return fv.V.T("content.amount.help")
	case fv.F.LabelKey == "cf.oplaty.rodzaj":
		return fv.V.T("content.feekind.help")
	case fv.F.LabelKey == "cf.oplaty.gdy":
		return fv.V.T("content.feewhen.help")
	}
	return ""
}

var nonID = regexp.MustCompile(`[^a-zA-Z0-9_]+`)

func fieldID(name string) string { return "f-" + strings.Trim(nonID.ReplaceAllString(name, "-"), "-") }

// removeKey is the checkbox that drops a list element on save.
const removeKey = "_usun"

// multiline are the keys whose text is more than a line.
var multiline = []string{"w_skrocie", "uwagi", "tryb_odwolawczy", "opis", "wstep", "co_dalej",
	"cel_przetwarzania", "odbiorcy", "okres_przechowywania", "pomoc", "termin"}

// formChoices are the values some fields pick from.
type formChoices struct {
	Categories, Menu, Offices, Files []fieldOption
}

func choicesOf(b *content.Bundle, files map[string][]byte) formChoices {
	var c formChoices
	if b != nil {
		for _, cat := range b.Categories {
			c.Categories = append(c.Categories, fieldOption{Value: cat.ID, Label: cat.Name})
		}
		var walk func([]content.MenuItem, string)
		walk = func(items []content.MenuItem, indent string) {
			for _, m := range items {
				c.Menu = append(c.Menu, fieldOption{Value: m.ID, Label: indent + m.Title})
				walk(m.Children, indent+"— ")
			}
		}
		walk(b.BIPMenu, "")
		for _, o := range b.Offices {
			c.Offices = append(c.Offices, fieldOption{Value: o.ID, Label: o.Name})
		}
	}
	for p := range files {
		if strings.HasPrefix(p, "pliki/") {
			c.Files = append(c.Files, fieldOption{Value: p, Label: p})
		}
	}
	sort.Slice(c.Files, func(i, j int) bool { return c.Files[i].Value < c.Files[j].Value })
	return c
}

// formBuilder turns a model value into fields.
type formBuilder struct {
	choices formChoices
	// problems by field path; placed removes the ones a field showed.
	problems map[string][]string
	placed   map[string]bool
	// raw keeps what a clerk typed that did not parse, so it is shown again, not lost.
	raw map[string]string
}

func (fb *formBuilder) take(name string) []string {
	ps := fb.problems[name]
	if len(ps) > 0 {
		fb.placed[name] = true
	}
	return ps
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func yamlKey(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if !f.IsExported() || name == "-" {
		return ""
	}
	return name
}

var (
	dateType   = reflect.TypeFor[content.Date]()
	amountType = reflect.TypeFor[content.Amount]()
	ftypeType  = reflect.TypeFor[content.FieldType]()
	fkindType  = reflect.TypeFor[content.FeeKind]()
)

// labelKeys are the labels of keys that mean something else in another file, by the type
// of the struct that holds them.
var labelKeys = map[reflect.Type]map[string]string{
	reflect.TypeFor[content.Fee](): {"rodzaj": "cf.oplaty.rodzaj", "gdy": "cf.oplaty.gdy", "uwagi": "cf.oplaty.uwagi"},
}

// fields lists a struct's inputs; prefix is the struct's path.
func (fb *formBuilder) fields(v reflect.Value, prefix string, blank bool) []formField {
	var out []formField
	t := v.Type()
	for i := range t.NumField() {
		key := yamlKey(t.Field(i))
		if key == "" {
			continue
		}
		f, ok := fb.field(v.Field(i), join(prefix, key), key, blank)
		if ok {
			f.LabelKey = labelKeys[t][key]
			out = append(out, f)
		}
	}
	return out
}

func (fb *formBuilder) field(v reflect.Value, name, key string, blank bool) (formField, bool) {
	f := formField{Name: name, Key: key}
	t := v.Type()
	if t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Bool { // najnowsze_najpierw
		f.Kind = "select"
		cur := ""
		if !v.IsNil() {
			cur = strconv.FormatBool(v.Elem().Bool())
		}
		for _, o := range []fieldOption{{Value: "", Label: "—"}, {Value: "true", Label: "✓"}, {Value: "false", Label: "✗"}} {
			o.Selected = o.Value == cur
			f.Options = append(f.Options, o)
		}
		f.Problems = fb.take(name)
		return f, true
	}
	if t.Kind() == reflect.Pointer {
		if v.IsNil() {
			v = reflect.New(t.Elem()).Elem()
		} else {
			v = v.Elem()
		}
		t = v.Type()
	}
	switch {
	case t == dateType:
		f.Kind = "date"
		if d := v.Interface().(content.Date); !d.IsZero() {
			f.Value = d.Format("2006-01-02")
		}
	case t == amountType:
		f.Kind = "text"
		if a := v.Interface().(content.Amount); a != 0 {
			f.Value = fmt.Sprintf("%d,%02d", int64(a)/100, int64(a)%100)
		}
	case t == fkindType:
		f.Kind = "select"
		cur := v.String()
		f.Options = append(f.Options, fieldOption{Value: "", Label: "—", Selected: cur == ""})
		for _, k := range content.FeeKinds {
			f.Options = append(f.Options, fieldOption{Value: string(k), Label: string(k), LabelKey: "fk." + string(k), Selected: string(k) == cur})
		}
		if cur != "" && !slices.Contains(content.FeeKinds, content.FeeKind(cur)) { // the check says why
			f.Options = append(f.Options, fieldOption{Value: cur, Label: cur, Selected: true})
		}
	case t == ftypeType:
		f.Kind = "select"
		cur := v.String()
		f.Options = append(f.Options, fieldOption{Value: "", Label: "—", Selected: cur == ""})
		for _, ft := range content.FieldTypes {
			f.Options = append(f.Options, fieldOption{Value: string(ft), Label: string(ft), LabelKey: "ft." + string(ft), Selected: string(ft) == cur})
		}
	case t.Kind() == reflect.String:
		f.Kind, f.Value = "text", v.String()
		if slices.Contains(multiline, key) {
			f.Kind = "textarea"
		}
		var opts []fieldOption
		switch {
		case key == "kategoria":
			opts = fb.choices.Categories
		case key == "menu":
			opts = fb.choices.Menu
		case key == "urzad":
			opts = fb.choices.Offices
		case key == "plik" && strings.HasPrefix(name, "zalaczniki"):
			opts = fb.choices.Files
		}
		if opts != nil {
			f.Kind = "select"
			f.Options = append(f.Options, fieldOption{Value: "", Label: "—", Selected: f.Value == ""})
			found := f.Value == ""
			for _, o := range opts {
				o.Selected = o.Value == f.Value
				found = found || o.Selected
				f.Options = append(f.Options, o)
			}
			if !found { // keep a value the lists do not know: the check will say why
				f.Options = append(f.Options, fieldOption{Value: f.Value, Label: f.Value, Selected: true})
			}
		}
	case t.Kind() == reflect.Bool:
		f.Kind, f.Checked = "check", v.Bool()
	case t.Kind() == reflect.Int:
		f.Kind = "number"
		if n := v.Int(); n != 0 {
			f.Value = strconv.FormatInt(n, 10)
		}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		if key == "forma_zlozenia" {
			f.Kind = "checks"
			// The ticked ones first, in the file's order, which the kiosk keeps.
			have := v.Interface().([]string)
			for _, ch := range have {
				f.Options = append(f.Options, fieldOption{Value: ch, Label: ch, LabelKey: "ch." + ch, Selected: true})
			}
			for _, ch := range content.Channels {
				if !slices.Contains(have, ch) {
					f.Options = append(f.Options, fieldOption{Value: ch, Label: ch, LabelKey: "ch." + ch})
				}
			}
		} else {
			f.Kind = "lines"
			f.Value = strings.Join(v.Interface().([]string), "\n")
		}
	case t.Kind() == reflect.Struct:
		f.Kind = "group"
		f.Fields = fb.fields(v, name, blank)
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct:
		if blank { // a new element's own lists come after it is saved
			return f, false
		}
		f.Kind = "list"
		for i := range v.Len() {
			n := fmt.Sprintf("%s[%d]", name, i)
			f.Items = append(f.Items, formItem{Name: n, Index: i, Fields: fb.fields(v.Index(i), n, false)})
			if ps := fb.take(n); len(ps) > 0 {
				f.Problems = append(f.Problems, ps...)
			}
		}
		n := fmt.Sprintf("%s[%d]", name, v.Len())
		f.Items = append(f.Items, formItem{Name: n, Index: v.Len(), Blank: true, Fields: fb.fields(reflect.New(t.Elem()).Elem(), n, true)})
	default:
		return f, false
	}
	if raw, ok := fb.raw[name]; ok {
		f.Value = raw
	}
	f.Problems = append(f.Problems, fb.take(name)...)
	return f, true
}

// listField is the single list input of a list file (kategorie.yaml, urzedy.yaml,
// bip/menu.yaml), whose elements are named "[0].nazwa".
func (fb *formBuilder) list(v reflect.Value) formField {
	f, _ := fb.field(v, "", "", false)
	return f
}

// formParser fills a model value from a submitted form.
type formParser struct {
	form url.Values
	// problems are the values that did not parse, by path (Polish).
	problems map[string][]string
	raw      map[string]string
}

func (fp *formParser) bad(name, value, reason string) {
	fp.problems[name] = append(fp.problems[name], reason)
	fp.raw[name] = value
}

func (fp *formParser) fields(v reflect.Value, prefix string) {
	t := v.Type()
	for i := range t.NumField() {
		key := yamlKey(t.Field(i))
		if key == "" {
			continue
		}
		fp.field(v.Field(i), join(prefix, key), key)
	}
}

func (fp *formParser) field(v reflect.Value, name, key string) {
	t := v.Type()
	val := strings.ReplaceAll(fp.form.Get(name), "\r\n", "\n")
	if t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Bool {
		switch val {
		case "true", "false":
			b := val == "true"
			v.Set(reflect.ValueOf(&b))
		default:
			v.Set(reflect.Zero(t))
		}
		return
	}
	if t.Kind() == reflect.Pointer { // *Address, *Condition: nil when left empty
		e := reflect.New(t.Elem())
		fp.field(e.Elem(), name, key)
		if e.Elem().IsZero() {
			v.Set(reflect.Zero(t))
		} else {
			v.Set(e)
		}
		return
	}
	switch {
	case t == dateType:
		val = strings.TrimSpace(val)
		if val == "" {
			v.Set(reflect.Zero(t))
			return
		}
		d, err := time.Parse("2006-01-02", val)
		if err != nil {
			fp.bad(name, val, "data: wpisz w formacie RRRR-MM-DD")
			return
		}
		v.Set(reflect.ValueOf(content.Date{Time: d}))
	case t == amountType:
		if strings.TrimSpace(val) == "" {
			v.SetInt(0)
			return
		}
		a, err := content.ParseAmount(val)
		if err != nil {
			fp.bad(name, val, err.Error())
			return
		}
		v.SetInt(int64(a))
	case t.Kind() == reflect.String:
		v.SetString(strings.TrimSpace(val))
	case t.Kind() == reflect.Bool:
		v.SetBool(val != "")
	case t.Kind() == reflect.Int:
		val = strings.TrimSpace(val)
		if val == "" {
			v.SetInt(0)
			return
		}
		n, err := strconv.Atoi(val)
		if err != nil {
			fp.bad(name, val, "wpisz liczbę całkowitą")
			return
		}
		v.SetInt(int64(n))
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		var lines []string
		if key == "forma_zlozenia" {
			lines = fp.form[name]
		} else {
			for l := range strings.SplitSeq(val, "\n") {
				if l = strings.TrimSpace(l); l != "" {
					lines = append(lines, l)
				}
			}
		}
		v.Set(reflect.ValueOf(lines))
	case t.Kind() == reflect.Struct:
		fp.fields(v, name)
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct:
		out := reflect.MakeSlice(t, 0, 0)
		for _, i := range fp.indexes(name) {
			n := fmt.Sprintf("%s[%d]", name, i)
			if fp.form.Get(n+"."+removeKey) != "" {
				continue
			}
			e := reflect.New(t.Elem()).Elem()
			fp.fields(e, n)
			if e.IsZero() { // the blank element left blank
				continue
			}
			out = reflect.Append(out, e)
		}
		if out.Len() == 0 {
			out = reflect.Zero(t)
		}
		v.Set(out)
	}
}

// indexes are the element numbers the form holds for the list at name, in order.
func (fp *formParser) indexes(name string) []int {
	seen := map[int]bool{}
	prefix := name + "["
	for k := range fp.form {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		num, _, ok := strings.Cut(rest, "]")
		if n, err := strconv.Atoi(num); ok && err == nil && n >= 0 && n < 1000 {
			seen[n] = true
		}
	}
	out := make([]int, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Ints(out)
	return out
}
