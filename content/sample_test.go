package content_test

import (
	"regexp"
	"strings"
	"testing"

	"filippo.io/age"

	"infomat/content"
)

// TestSampleTracesInACopy: the sample with only its name and prefix changed is a real
// municipality's bundle full of the sample's data, and Load says so, field by field, with the
// sample key named as such; the sample itself gets no warning at all.
func TestSampleTracesInACopy(t *testing.T) {
	m := sample(t)
	replaceIn(t, m, "gmina.yaml", "nazwa: Gmina Przykładowa", "nazwa: Gmina Nowa Wola")
	replaceIn(t, m, "gmina.yaml", "skrot: PRZ", "skrot: NWW")
	b, err := content.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range b.Warnings {
		if strings.Contains(w.Reason, "przykładowej gminy") {
			t.Fatalf("Load searched for the sample's traces (the kiosk's start has no use for it): %s", w)
		}
	}
	traces := content.SampleTraces(b)
	got := map[string]string{}
	for _, w := range traces {
		key := w.File + ": " + w.Field
		if _, dup := got[key]; dup {
			t.Errorf("%s reported twice", key)
		}
		got[key] = w.Reason
	}
	if len(traces) < 50 || traces[0].File != "" || !strings.Contains(traces[0].Reason, "przykładowej gminy") {
		t.Fatalf("%d traces, first %v", len(traces), traces[0])
	}
	// The summary counts in Polish forms: "zostało 57 miejsc … w 31 plikach", "zostały 22 miejsca".
	if sum := regexp.MustCompile(`^w treści (zostało \d+ miejsc|zostały \d+ miejsca|zostało 1 miejsce) z przykładowej gminy \(Gmina Przykładowa\) w (1 pliku|\d+ plikach) — `); !sum.MatchString(traces[0].Reason) {
		t.Errorf("summary %q", traces[0].Reason)
	}
	want := map[string]string{
		"gmina.yaml: administrator_danych":            "„Przykładow”",
		"gmina.yaml: adres.ulica":                     "„ul. Lipowa 12”",
		"gmina.yaml: adres.kod":                       "„99-150”",
		"gmina.yaml: telefon":                         "„+48 44 123 45 00”",
		"gmina.yaml: email":                           "„example.pl”",
		"gmina.yaml: nip":                             "„9876543210”",
		"gmina.yaml: regon":                           "„123456785”",
		"gmina.yaml: rachunek":                        "„25 1240 1239 2000 0000 0000 0101”",
		"gmina.yaml: adres_e_doreczen":                "„AE:PL-12345-67890-ABCDE-12”",
		"gmina.yaml: iod.imie_nazwisko":               "„Anna Zielińska”",
		"gmina.yaml: klucz_wnioskow":                  "publiczny klucz przykładowej gminy",
		"urzedy.yaml: [0].nazwa":                      "„Przykładow”",
		"pliki/herb.svg: ":                            "plik przykładowej gminy",
		"bip/dane-podmiotu/dane-kontaktowe.md: treść": "„Przykładow”",
	}
	for k, frag := range want {
		if !strings.Contains(got[k], frag) {
			t.Errorf("%s: %q, want it to mention %s", k, got[k], frag)
		}
	}
	// A metryczka's made-up person.
	found := false
	for k, r := range got {
		if strings.HasSuffix(k, "metryczka.opublikowal") && strings.Contains(r, "„Piotr Wiśniewski”") {
			found = true
		}
	}
	if !found {
		t.Error("no metryczka names Piotr Wiśniewski")
	}
	if _, ok := got["gmina.yaml: nazwa"]; ok {
		t.Error("the new name is reported")
	}

	s, err := content.Load(sample(t))
	if err != nil || len(s.Warnings) != 0 || len(content.SampleTraces(s)) != 0 {
		t.Fatalf("the sample itself: %v %v %v", err, s.Warnings, content.SampleTraces(s))
	}
}

func TestSampleKey(t *testing.T) {
	if !strings.HasPrefix(content.SampleKey(), "age1") || !content.IsSampleKey(" "+strings.ToUpper(content.SampleKey())+"\n") {
		t.Fatalf("sample key %q", content.SampleKey())
	}
	id, _ := age.GenerateX25519Identity()
	if content.IsSampleKey(id.Recipient().String()) {
		t.Fatal("a new key is the sample's")
	}
}

// TestSampleIdentityIsTheSample: the name, prefix and key read from the sample's municipality
// file alone (what a kiosk asks at every start) are those of the whole sample as Load reads
// it, and a copy with another name or prefix is not the sample.
func TestSampleIdentityIsTheSample(t *testing.T) {
	s, err := content.Load(sample(t))
	if err != nil {
		t.Fatal(err)
	}
	name, prefix, key := content.SampleIdentity()
	m := s.Municipality
	if name != strings.TrimSpace(m.Name) || prefix != m.RefPrefix || key != m.SubmissionKey || key == "" {
		t.Fatalf("identity %q %q %q, the sample's %q %q %q", name, prefix, key, m.Name, m.RefPrefix, m.SubmissionKey)
	}
	if !content.IsSample(s) {
		t.Fatal("the sample is not the sample")
	}
	other := *s
	other.Municipality.RefPrefix = "NWW"
	if content.IsSample(&other) {
		t.Fatal("a bundle with another reference prefix counts as the sample")
	}
	broken := sample(t)
	delete(broken, "gmina.yaml")
	if content.IdentityOf(broken) {
		t.Fatal("a bundle without its municipality file has an identity")
	}
}
