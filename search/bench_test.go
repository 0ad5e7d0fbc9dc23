package search

import (
	"fmt"
	"math/rand"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// realWords are common Polish administrative words, most frequent first.
// They take the top ranks of the Zipf distribution; generated words fill
// the long tail.
var realWords = strings.Fields(`
w i na z do o się nie od oraz lub za po dla jest są może być przez ze
jak to przy r. nr gminy gmina urzędu urząd roku rok sprawie wniosek
wniosku dni zł termin opłata opłaty dokumenty osobiście mieszkańców
uchwała uchwały rady rada wójta wójt burmistrza miasta miasto powiatu
starostwa informacja informacje ogłoszenie ogłoszenia zarządzenie
zarządzenia obwieszczenie przetarg przetargu zamówienia publicznego
budżet budżetu 2024 2025 2026 dochody wydatki podatek podatku podatki
podatkach nieruchomości nieruchomość rolny leśny opłata skarbowa
zaświadczenie zaświadczenia niezaleganiu niezalegania dowód dowodu
osobisty osobistego paszport meldunek zameldowanie wymeldowanie pobyt
pobytu stały stałego czasowy czasowego wydanie wydania wymiana
wymiany prawa jazdy prawo samochodu samochód pojazdu pojazd
rejestracja rejestracji zarejestrować zarejestrowac rejestracyjny
deklaracja deklaracji odpady odpadami odpadów komunalnych komunalnymi
gospodarowanie gospodarowania śmieci segregacja wysokości wysokość
akt aktu urodzenia małżeństwa zgonu odpis odpisu stanu cywilnego
ślub ślubu pomoc pomocy społeczna społecznej ośrodek seniorów
seniorzy dodatek dodatku mieszkaniowy mieszkaniowego energetyczny
świadczenie świadczenia rodzinne wychowawcze 800 plus karta dużej
rodziny zezwolenie zezwolenia alkoholu sprzedaż działalności
gospodarczej ceidg wpis zmiana zmiany zgłoszenie zgłoszenia budowy
pozwolenie pozwolenia warunki zabudowy planu miejscowego
zagospodarowania przestrzennego decyzja decyzji środowiskowych
wycinka drzew krzewów usunięcie zajęcie pasa drogowego drogi droga
dróg ulica ulicy oświetlenie remont inwestycja inwestycji projekt
projektu konsultacje społeczne sesja sesji protokół protokołu komisja
komisji radny radnych skarga skargi petycja petycji wniosków
interpelacja interpelacje dostęp informacji publicznej udostępnienie
bip biuletyn ePUAP profil zaufany podpis elektroniczny formularz
formularza wzór załącznik załącznika załączniki kontakt telefon
godziny pracy poniedziałek wtorek środa czwartek piątek sobota
niedziela pokój parter piętro biuro obsługi klienta kasa płatność
przelew konto bankowe numer rachunku pełnomocnictwo pełnomocnik
uwierzytelnienie tłumaczenie cudzoziemców cudzoziemiec obywatelstwo
ukrainy ukraina pesel ukr nadanie nadania numeru szkoła szkoły
przedszkole przedszkola żłobek rekrutacja rekrutacji stypendium
dowóz uczniów transport publiczny komunikacja autobus bilet
biblioteka kultury sport boisko park cmentarz grób miejsca opieka
zwierząt psa psy kot schronisko czipowanie woda wody kanalizacja
ścieki szambo przydomowa oczyszczalnia azbest dotacja dotacje dofinansowanie
fotowoltaika pompa ciepła kocioł piec czyste powietrze wymiana
łódź łodzi kraków warszawa gdańsk wrocław poznań lublin szczecin
mazowieckie łódzkie województwo województwa marszałek wojewoda
kierownik naczelnik wydział wydziału referat sekretarz skarbnik
nabór naboru stanowisko urzędnicze konkurs ofert organizacji
pozarządowych wybory wyborów lokal wyborczy spis powszechny
`)

// Syllables for generated words, with Polish letters so that folding
// matters.
var (
	onsets = strings.Fields("b c cz d dz dź f g h j k l ł m n p pr prz r s st sz ś t tr w wz z ż ź ch gr kr pl br dr gł zw")
	nuclei = strings.Fields("a e i o u y ą ę ó a e o")
	codas  = []string{"", "", "", "n", "ń", "r", "s", "ć", "k", "ł", "m", "j", "st", "sz"}
)

// benchQueries are typed keystroke by keystroke; some lack Polish
// letters and some contain a typo, as residents type them.
var benchQueries = []string{
	"zaświadczenie o niezaleganiu",
	"zaswiadczenie o niezaleganiu w podatkach",
	"jak zarejestrowac samochod",
	"dowod osobisty",
	"wydanie dowodu osobistego",
	"meldunke",
	"zaswiadczenei",
	"zasiwadczenie",
	"deklaracja odpady",
	"uchwala budzet 2026",
	"łódź",
	"wymiana prawa jazdy",
	"podatek od nieruchomosci",
	"pomoc spoleczna dla seniorow",
	"dodatek mieszkaniowy wniosek",
}

const (
	benchProcedures = 5_000
	benchBIPPages   = 50_000
	benchVocabulary = 100_000
)

var benchCorpus = sync.OnceValue(func() []Doc {
	r := rand.New(rand.NewSource(1))
	vocab := slices.Clone(realWords)
	seen := make(map[string]bool, benchVocabulary)
	for _, w := range vocab {
		seen[w] = true
	}
	for len(vocab) < benchVocabulary {
		var b strings.Builder
		for range 2 + r.Intn(4) {
			b.WriteString(onsets[r.Intn(len(onsets))])
			b.WriteString(nuclei[r.Intn(len(nuclei))])
			b.WriteString(codas[r.Intn(len(codas))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			vocab = append(vocab, w)
		}
	}
	all := rand.NewZipf(r, 1.1, 2, uint64(len(vocab)-1))
	head := rand.NewZipf(r, 1.05, 5, uint64(len(realWords)-1))
	words := func(b *strings.Builder, n int, z *rand.Zipf, sentences bool) {
		for i := range n {
			if i > 0 {
				switch {
				case sentences && r.Intn(12) == 0:
					b.WriteString(". ")
				case sentences && r.Intn(15) == 0:
					b.WriteString(", ")
				default:
					b.WriteByte(' ')
				}
			}
			w := vocab[z.Uint64()]
			if sentences && r.Intn(40) == 0 {
				w = fmt.Sprint(r.Intn(3000))
			}
			b.WriteString(w)
		}
		if sentences {
			b.WriteByte('.')
		}
	}
	docs := make([]Doc, 0, benchProcedures+benchBIPPages+len(fixture))
	docs = append(docs, fixture...)
	var title, body strings.Builder
	for i := range benchProcedures + benchBIPPages {
		title.Reset()
		body.Reset()
		kind := "procedure"
		if i >= benchProcedures {
			kind = "bip"
		}
		z := head // Procedure titles use everyday words.
		if kind == "bip" || r.Intn(3) == 0 {
			z = all
		}
		words(&title, 3+r.Intn(8), z, false)
		words(&body, 50+r.Intn(251), all, true)
		t := title.String()
		kw := ""
		if kind == "procedure" { // About ten residents' words per card, as in the sample.
			var k strings.Builder
			words(&k, 5+r.Intn(11), head, false)
			kw = k.String()
		}
		docs = append(docs, Doc{
			ID:       fmt.Sprintf("%s/%d", kind, i),
			Kind:     kind,
			Title:    capitalize(t),
			Body:     body.String(),
			Keywords: kw,
		})
	}
	return docs
})

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

var benchIndex = sync.OnceValue(func() *Index { return NewIndex(benchCorpus()) })

// benchIndexNoKeywords is the same corpus without keywords, to compare
// their cost in one run on a noisy machine.
var benchIndexNoKeywords = sync.OnceValue(func() *Index {
	docs := slices.Clone(benchCorpus())
	for i := range docs {
		docs[i].Keywords = ""
	}
	return NewIndex(docs)
})

// benchIndexTranslated is the same corpus with every card also in English
// and Ukrainian (stand-in text: other cards' titles and bodies), the most a
// municipality could translate, searched by an English reader.
var benchIndexTranslated = sync.OnceValue(func() *Index {
	docs := slices.Clone(benchCorpus())
	n := len(fixture)
	for i := n; i < n+benchProcedures; i++ {
		en, uk := &docs[n+(i-n+1)%benchProcedures], &docs[n+(i-n+2)%benchProcedures]
		docs[i].Variants = []Variant{{Lang: "en", Title: en.Title, Body: en.Body}, {Lang: "uk", Title: uk.Title, Body: uk.Body}}
	}
	return NewIndex(docs)
})

// keystrokes returns every prefix, by rune, of every query.
func keystrokes(queries []string) []string {
	var out []string
	for _, q := range queries {
		for i := range q {
			if i > 0 {
				out = append(out, q[:i])
			}
		}
		out = append(out, q)
	}
	return out
}

func BenchmarkSearchKeystroke(b *testing.B) {
	b.Run("keywords", func(b *testing.B) { benchKeystrokes(b, benchIndex()) })
	b.Run("no-keywords", func(b *testing.B) { benchKeystrokes(b, benchIndexNoKeywords()) })
	b.Run("translated-en", func(b *testing.B) { benchKeystrokesIn(b, benchIndexTranslated(), "en") })
}

func benchKeystrokes(b *testing.B, ix *Index) { benchKeystrokesIn(b, ix, "") }

func benchKeystrokesIn(b *testing.B, ix *Index, lang string) {
	qs := keystrokes(benchQueries)
	for _, q := range qs { // Warm the scratch pool and caches.
		ix.SearchIn(q, DefaultLimit, lang)
	}
	// Collect the corpus and index garbage now rather than during timing:
	// a kiosk builds its index once, at start-up.
	runtime.GC()
	var lat []time.Duration
	hits := 0
	for b.Loop() {
		for _, q := range qs {
			t := time.Now()
			hits += len(ix.SearchIn(q, DefaultLimit, lang))
			lat = append(lat, time.Since(t))
		}
	}
	if hits == 0 {
		b.Fatal("no hits")
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
	b.ReportMetric(float64(pct(0.50).Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(pct(0.99).Nanoseconds())/1e3, "p99-µs")
	b.ReportMetric(float64(lat[len(lat)-1].Nanoseconds())/1e3, "max-µs")
	b.ReportMetric(float64(len(qs)), "queries/op")
}

func BenchmarkIndexBuild(b *testing.B) {
	docs := benchCorpus()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ix := NewIndex(docs)
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := float64(after.HeapAlloc-before.HeapAlloc) / 1e6
	terms, postings := len(ix.terms), len(ix.post)
	for b.Loop() {
		ix = NewIndex(docs)
	}
	runtime.KeepAlive(ix)
	// Metrics go last: the benchmark framework resets them on start.
	b.ReportMetric(heap, "heap-MB")
	b.ReportMetric(float64(terms), "terms")
	b.ReportMetric(float64(postings), "postings")
}
