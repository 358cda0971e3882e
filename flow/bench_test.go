package flow_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/catalog"
	"github.com/aterkoppling/minaarenden/flow"
)

// benchWalks are ten-event histories through the rules catalog's flows:
// komplettering loops, a cycle, reminders (a step repeated), a shared type's
// slices, finished and open cases. The last one skips a step; every
// hundredth instance takes it, so anomalies occur at a realistic rate.
var benchWalks = []struct {
	producent string
	steps     []minaarenden.Kundhandelsetyp
}{
	{"Xverket", typs("X.MOMS.DEKL", "X.MOMS.KONTROLL", "X.MOMS.KOMPL", "X.MOMS.KONTROLL", "X.MOMS.KOMPL",
		"X.MOMS.KONTROLL", "X.MOMS.KOMPL", "X.MOMS.KONTROLL", "X.MOMS.BESLUT", "X.MOMS.BETALNING")},
	{"Xverket", typs("X.MOMS.DEKL", "X.MOMS.KONTROLL", "X.MOMS.KONTROLL", "X.MOMS.KOMPL", "X.MOMS.KONTROLL",
		"X.MOMS.KOMPL", "X.MOMS.KONTROLL", "X.MOMS.BESLUT", "X.MOMS.BETALNING", "X.MOMS.BETALD")},
	{"Xverket", typs("X.CYKEL.A", "X.CYKEL.B", "X.CYKEL.A", "X.CYKEL.B", "X.CYKEL.A", "X.CYKEL.B", "X.CYKEL.A",
		"X.CYKEL.B", "X.CYKEL.A", "X.CYKEL.B")},
	{"Beta kommun", typs("KOMMUN.BYGG.ANSOKAN", "KOMMUN.BYGG.KOMPL", "KOMMUN.BYGG.KOMPL", "KOMMUN.BYGG.KOMPL",
		"KOMMUN.BYGG.KOMPL", "KOMMUN.BYGG.REMISS", "KOMMUN.BYGG.REMISS", "KOMMUN.BYGG.REMISS", "KOMMUN.BYGG.REMISS",
		"KOMMUN.BYGG.BESLUT")},
	{"Alfa kommun", typs("KOMMUN.BYGG.ANSOKAN", "KOMMUN.BYGG.HANDL", "KOMMUN.BYGG.HANDL", "KOMMUN.BYGG.HANDL",
		"KOMMUN.BYGG.HANDL", "KOMMUN.BYGG.GRANNE", "KOMMUN.BYGG.GRANNE", "KOMMUN.BYGG.GRANNE", "KOMMUN.BYGG.GRANNE",
		"KOMMUN.BYGG.BESLUT")},
	{"Xverket", typs("X.ENKEL.ANSOKAN", "X.ENKEL.HANDLAGGNING", "X.ENKEL.HANDLAGGNING", "X.ENKEL.HANDLAGGNING",
		"X.ENKEL.HANDLAGGNING", "X.ENKEL.HANDLAGGNING", "X.ENKEL.HANDLAGGNING", "X.ENKEL.HANDLAGGNING",
		"X.ENKEL.HANDLAGGNING", "X.ENKEL.BESLUT")},
	{"Xverket", typs("X.MOMS.DEKL", "X.MOMS.KONTROLL", "X.MOMS.KOMPL", "X.MOMS.KONTROLL", "X.MOMS.KOMPL",
		"X.MOMS.KONTROLL", "X.MOMS.KOMPL", "X.MOMS.KONTROLL", "X.MOMS.BETALNING", "X.MOMS.BETALD")},
}

// benchEvents makes n events across n/10 instances from benchWalks, worded
// like real events, in shuffled order.
func benchEvents(tb testing.TB, c *catalog.Catalog, n int) []minaarenden.Kundhandelse {
	tb.Helper()
	r := rand.New(rand.NewPCG(42, 42))
	events := make([]minaarenden.Kundhandelse, 0, n)
	base := time.Date(2026, 1, 1, 8, 0, 0, 0, minaarenden.Stockholm())
	for inst := 0; len(events) < n; inst++ {
		w := benchWalks[inst%(len(benchWalks)-1)]
		if inst%100 == 99 {
			w = benchWalks[len(benchWalks)-1]
		}
		ref := fmt.Sprintf("AR-2026-%06d", inst)
		for step, typ := range w.steps {
			s, ok := c.Step(typ)
			if !ok || len(events) == n {
				break
			}
			events = append(events, minaarenden.Kundhandelse{
				KundhandelseID:   fmt.Sprintf("%s-%d-%d", w.producent, inst, step),
				Rubrik:           s.Namn,
				Beskrivning:      "Vi har tagit emot din handling och återkommer när ärendet har handlagts. Se e-tjänsten för detaljer.",
				Sprak:            "sv",
				Producent:        w.producent,
				Tidpunkt:         base.Add(time.Duration(inst)*time.Second + time.Duration(step)*24*time.Hour), // distinct instants
				Typ:              s.ID,
				KraverKundatgard: s.Kundatgard,
				Klart:            s.Klart,
				Referenser: minaarenden.Referenser{
					{Nyckel: minaarenden.RefProducentarende, Varden: []minaarenden.ReferensVarde{{Text: ref}}},
					{Nyckel: minaarenden.RefEtjanst, Varden: []minaarenden.ReferensVarde{{URL: "https://etjanst.invalid/arende", Lanktext: "Till ditt ärende"}}}},
			})
		}
	}
	r.Shuffle(len(events), func(a, b int) { events[a], events[b] = events[b], events[a] })
	return events
}

// perEvent reports ns/event and allocs/event for a benchmark whose every
// iteration handles n events.
func perEvent(b *testing.B, n int, run func()) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	iters := 0
	start := time.Now()
	for b.Loop() {
		run()
		iters++
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(iters*n), "ns/event")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(iters*n), "allocs/event")
}

// BenchmarkPlace places 100k events across 10k instances. Compare with
// BenchmarkDecode, encoding/json reading the same events: placement should
// cost no more than a tenth of decoding.
func BenchmarkPlace(b *testing.B) {
	c := rulesCatalog(b)
	events := benchEvents(b, c, 100_000)
	opts := &flow.Options{Expected: []flow.Expected{{Typ: "X.TVA"}}, Answered: []string{"Xverket"}}
	b.ReportAllocs()
	perEvent(b, len(events), func() {
		if got := flow.Place(c, events, opts); len(got) != 10_001 {
			b.Fatalf("%d instances, want 10k and an expected one", len(got))
		}
	})
}

// BenchmarkDecode is encoding/json reading the same events into the plain
// struct a hand-written client would use (tidpunkt as text, referenser
// raw), the yardstick BenchmarkPlace is held to.
func BenchmarkDecode(b *testing.B) {
	events := benchEvents(b, rulesCatalog(b), 100_000)
	data, err := json.Marshal(events)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	perEvent(b, len(events), func() {
		var got []struct {
			KundhandelseID    string                     `json:"kundhandelseId"`
			Rubrik            string                     `json:"rubrik"`
			Beskrivning       string                     `json:"beskrivning"`
			Sprak             string                     `json:"sprak"`
			Producent         string                     `json:"producent"`
			Tidpunkt          string                     `json:"tidpunkt"`
			KundhandelseTyp   string                     `json:"kundhandelseTyp"`
			KraverKundatgard  bool                       `json:"producentarendetKraverKundatgard"`
			Klart             bool                       `json:"producentarendetKlart"`
			Version           string                     `json:"version"`
			UtokadInformation map[string]json.RawMessage `json:"utokadInformation"`
			Referenser        map[string]json.RawMessage `json:"referenser"`
			Taggar            []string                   `json:"taggar"`
		}
		if err := json.Unmarshal(data, &got); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkPlacePia is the small call a portal makes per page view: seven
// events, four expected cases.
func BenchmarkPlacePia(b *testing.B) {
	c, events := piaCatalog(b), piaEvents(b)
	opts := &flow.Options{Expected: piaExpected, Answered: piaAnswered}
	b.ReportAllocs()
	for b.Loop() {
		flow.Place(c, events, opts)
	}
}
