package content_test

import (
	"fmt"
	"io/fs"
	"math/rand"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"infomat/assets"
	"infomat/content"
)

var (
	bigOnce   sync.Once
	bigBundle fstest.MapFS
)

var words = strings.Fields(`wniosek zaświadczenie decyzja opłata podatek nieruchomość gmina urząd
mieszkaniec dowód osobisty meldunek pobyt stały czasowy akt urodzenia małżeństwa zgonu odpis
skrócony zupełny deklaracja odpady komunalne harmonogram zezwolenie budowa zabudowa działka
podział numer porządkowy drzewo usunięcie pas drogowy działalność gospodarcza alkohol taksówka
licencja zasiłek stały okresowy celowy dodatek mieszkaniowy karta rodzina uchwała zarządzenie
budżet przetarg ogłoszenie sesja rada wójt sołectwo Łódź Żółkiewka Śródmieście inwestycja
remont droga chodnik oświetlenie szkoła przedszkole biblioteka świetlica konsultacje`)

func sentence(r *rand.Rand, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = words[r.Intn(len(words))]
	}
	return strings.Join(w, " ")
}

// bigCatalogue is the embedded bundle grown to 5,000 procedure cards and 50,000 BIP pages,
// the size the issue sets for the load and search figures.
func bigCatalogue(b *testing.B) fstest.MapFS {
	bigOnce.Do(func() {
		m := sample(b)
		tmpl := string(m[card].Data)
		r := rand.New(rand.NewSource(1))
		for i := 0; i < 5000; i++ {
			p := strings.Replace(tmpl, "nazwa: Zameldowanie na pobyt stały", "nazwa: "+sentence(r, 5), 1)
			p = strings.Replace(p, "symbol: SO-1", fmt.Sprintf("symbol: GEN-%d", i), 1)
			m[fmt.Sprintf("procedury/gen-%05d.yaml", i)] = &fstest.MapFile{Data: []byte(p)}
		}
		for i := 0; i < 50000; i++ {
			var body strings.Builder
			for k := 0; k < 5; k++ {
				fmt.Fprintf(&body, "%s.\n\n", sentence(r, 20+r.Intn(40)))
			}
			page := fmt.Sprintf(`---
tytul: %s
menu: ogloszenia-wojta
kolejnosc: %d
metryczka:
  wytworzyl: Referat Organizacyjny
  data_wytworzenia: 2026-02-01
  opublikowal: Piotr Wiśniewski
  data_publikacji: 2026-02-02
  rejestr_zmian:
    - wersja: 1
      data: 2026-02-02
      autor: Piotr Wiśniewski
      opis: Publikacja
---
%s`, sentence(r, 6), i, body.String())
			m[fmt.Sprintf("bip/gen/%05d.md", i)] = &fstest.MapFile{Data: []byte(page)}
		}
		bigBundle = m
	})
	return bigBundle
}

// BenchmarkLoadBigCatalogue measures a full load and validation of a 55,000-file bundle,
// which a kiosk does at start-up and after every content update.
func BenchmarkLoadBigCatalogue(b *testing.B) {
	fsys := bigCatalogue(b)
	var bytes int64
	fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			bytes += int64(len(fsys[p].Data))
		}
		return nil
	})
	// The default size limits must let the biggest catalogue we know of through.
	sizes, ps, err := content.FSSizes(fsys)
	if err != nil || len(ps) > 0 {
		b.Fatal(err, ps)
	}
	if ps := content.CheckSizes(sizes, content.Limits{}); len(ps) > 0 {
		b.Fatalf("the default limits refuse the big catalogue: %v", ps)
	}
	var times []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		bun, err := content.Load(fsys)
		times = append(times, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		if len(bun.Procedures) < 5000 || len(bun.BIPPages) < 50000 {
			b.Fatalf("loaded %d cards, %d pages", len(bun.Procedures), len(bun.BIPPages))
		}
	}
	b.StopTimer()
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(times[(len(times)*99)/100].Milliseconds()), "p99-ms")
	b.ReportMetric(float64(bytes)/1e6, "bundle-MB")
}

// BenchmarkSampleIdentity compares what a kiosk's start pays to tell the sample's key: the
// municipality file alone against the whole sample loaded (what it paid before). Reported
// as a ratio of the two in one run; the machines are shared.
func BenchmarkSampleIdentity(b *testing.B) {
	fsys := assets.DefaultContent()
	timed := func(f func()) time.Duration {
		const n = 20
		start := time.Now()
		for range n {
			f()
		}
		return time.Since(start) / n
	}
	var whole, alone time.Duration
	for b.Loop() {
		whole = timed(func() {
			if _, err := content.Load(fsys); err != nil {
				b.Fatal(err)
			}
		})
		alone = timed(func() {
			if !content.IdentityOf(fsys) {
				b.Fatal("no identity")
			}
		})
	}
	b.ReportMetric(float64(whole.Microseconds()), "whole-µs")
	b.ReportMetric(float64(alone.Microseconds()), "identity-µs")
	b.ReportMetric(float64(alone)/float64(whole), "ratio")
}
