package content

import (
	"fmt"
	"reflect"
	"strings"

	"infomat/cp852"
)

// checkPrintable warns about text the kiosk prints on receipts (the municipality, offices,
// procedure cards and forms) with characters the printer cannot print even after folding
// (cp852.Unprintable): they come out as "?". A warning, not an error: the screen shows them.
func (l *loader) checkPrintable(b *Bundle) {
	l.printable(MunicipalityFile, "", reflect.ValueOf(b.Municipality))
	for i, o := range b.Offices {
		l.printable(OfficesFile, fmt.Sprintf("[%d]", i), reflect.ValueOf(o))
	}
	for _, p := range b.Procedures {
		l.printable(p.File, "", reflect.ValueOf(p))
		if p.Form != nil {
			l.printable(p.Form.File, "", reflect.ValueOf(*p.Form))
		}
	}
}

// printable walks v's YAML fields (those with a yaml tag, named as in the file).
func (l *loader) printable(file, field string, v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if bad := cp852.Unprintable(v.String()); len(bad) > 0 {
			quoted := make([]string, len(bad))
			for i, r := range bad {
				quoted[i] = fmt.Sprintf("„%c” (U+%04X)", r, r)
			}
			l.warn(file, field, "%s nie wydrukuje się na paragonie (drukarka pokaże „?”) — zamień na zwykłe litery lub znaki",
				strings.Join(quoted, ", "))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			l.printable(file, field, v.Elem())
		}
	case reflect.Slice:
		for i := range v.Len() {
			l.printable(file, fmt.Sprintf("%s[%d]", field, i), v.Index(i))
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
			// Keywords are searched, never printed.
			if name == "" || name == "-" || name == "slowa_kluczowe" || !t.Field(i).IsExported() {
				continue
			}
			if field != "" {
				name = field + "." + name
			}
			l.printable(file, name, v.Field(i))
		}
	}
}
