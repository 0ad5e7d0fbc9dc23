package content_test

import (
	"io/fs"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"infomat/content"
)

// Every file of the sample, written back by Marshal, loads into the same bundle: the panel's
// editor saves through Marshal, so nothing a clerk wrote may change or get lost on the way.
func TestMarshalRoundTripsTheSample(t *testing.T) {
	fsys := sample(t)
	want, err := content.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	out := fstest.MapFS{}
	for p, f := range fsys {
		out[p] = &fstest.MapFile{Data: f.Data, Mode: f.Mode}
	}
	set := func(p string, v any) {
		data, err := content.Marshal(v)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out[p] = &fstest.MapFile{Data: data}
	}
	set(content.MunicipalityFile, want.Municipality)
	set(content.OfficesFile, want.Offices)
	set(content.CategoriesFile, want.Categories)
	set(content.BIPMenuFile, want.BIPMenu)
	for _, p := range want.Procedures {
		set(p.File, p)
		if p.Form != nil {
			set(p.Form.File, *p.Form)
		}
	}
	for _, pg := range want.BIPPages {
		data, err := content.PageFile(pg)
		if err != nil {
			t.Fatal(err)
		}
		out[pg.File] = &fstest.MapFile{Data: data}
	}
	got, err := content.Load(out)
	if err != nil {
		t.Fatalf("the marshalled sample does not load: %v", err)
	}
	clear := func(b *content.Bundle) {
		b.Version, b.Files, b.Warnings = "", nil, nil
	}
	for _, b := range []*content.Bundle{want, got} {
		clear(b)
	}
	if !reflect.DeepEqual(want.Municipality, got.Municipality) || !reflect.DeepEqual(want.Offices, got.Offices) ||
		!reflect.DeepEqual(want.Categories, got.Categories) || !reflect.DeepEqual(want.BIPMenu, got.BIPMenu) {
		t.Fatal("profile, offices, categories or menu changed through Marshal")
	}
	// Compared as Marshal writes them (pointers and empty-versus-absent lists aside): a field
	// Marshal lost would be missing on one side only.
	same := func(what string, w, g any) {
		t.Helper()
		a, err1 := content.Marshal(w)
		b, err2 := content.Marshal(g)
		if err1 != nil || err2 != nil || string(a) != string(b) {
			t.Fatalf("%s changed through Marshal (%v, %v):\n%s\n---\n%s", what, err1, err2, a, b)
		}
	}
	for i := range want.Procedures {
		w, g := want.Procedures[i], got.Procedures[i]
		same(w.File, w, g)
		if (w.Form == nil) != (g.Form == nil) {
			t.Fatalf("form of %s lost", w.ID)
		}
		if w.Form != nil {
			same(w.Form.File, *w.Form, *g.Form)
		}
	}
	for i := range want.BIPPages {
		w, g := want.BIPPages[i], got.BIPPages[i]
		same(w.File, w, g)
		if strings.TrimSpace(w.Body) != strings.TrimSpace(g.Body) {
			t.Fatalf("page %s body changed", w.ID)
		}
	}
	if _, err := fs.Stat(out, content.MunicipalityFile); err != nil {
		t.Fatal(err)
	}
}

func TestMarshalLeavesOutEmptyValues(t *testing.T) {
	data, err := content.Marshal(content.Category{ID: "podatki", Name: "Podatki"})
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != "id: podatki\nnazwa: Podatki\n" {
		t.Fatalf("got %q", data)
	}
}
