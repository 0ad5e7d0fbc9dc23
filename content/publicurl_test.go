package content_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"infomat/assets"
	"infomat/content"
)

func TestPublicURLs(t *testing.T) {
	b, err := content.Load(assets.DefaultContent())
	if err != nil {
		t.Fatal(err)
	}
	u := b.Municipality.Public
	for _, c := range []struct{ got, want string }{
		{u.CardURL("karta-mieszkanca"), "https://bip.przykladowa.example.pl/karty-uslug/karta-mieszkanca"},
		{u.PageURL("prawo-lokalne/uchwala-budzetowa-2026"), "https://bip.przykladowa.example.pl/prawo-lokalne/uchwala-budzetowa-2026"},
		{u.AttachmentURL("pliki/bip/regulamin utrzymania.pdf"), "https://bip.przykladowa.example.pl/pliki/bip/regulamin%20utrzymania.pdf"},
		{content.PublicURLs{}.CardURL("x"), ""},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestPublicURLsChecked(t *testing.T) {
	for _, c := range []struct{ field, value, reason string }{
		{"karta", "http://bip.przykladowa.example.pl/karty/{id}", "https://"},
		{"karta", "bip.przykladowa.example.pl/karty/{id}", "https://"},
		{"strona_bip", "https://bip.przykladowa.example.pl/strony", "wstaw {id}"},
		{"zalacznik", "https://bip.przykladowa.example.pl/{id}", "wstaw {plik}"},
		{"zalacznik", "https://bip.przykladowa.example.pl/{plik}?v={wersja}", "znana wstawka"},
	} {
		m := sample(t)
		gmina := string(m["gmina.yaml"].Data)
		i := strings.Index(gmina, "  "+c.field+": ")
		if i < 0 {
			t.Fatalf("sample gmina.yaml has no adresy_www.%s", c.field)
		}
		end := i + strings.Index(gmina[i:], "\n")
		m["gmina.yaml"] = &fstest.MapFile{Data: []byte(gmina[:i] + "  " + c.field + ": " + c.value + gmina[end:])}
		got := problems(t, m)
		if !strings.Contains(got, "gmina.yaml: adresy_www."+c.field+":") || !strings.Contains(got, c.reason) {
			t.Errorf("%s = %q: problems %q, want adresy_www.%s with %q", c.field, c.value, got, c.field, c.reason)
		}
	}
}
