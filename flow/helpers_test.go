package flow_test

import (
	"encoding/json"
	"flag"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/catalog"
	"github.com/aterkoppling/minaarenden/flow"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// loadCatalog loads a catalog file or directory, failing the test on error.
func loadCatalog(tb testing.TB, name string) *catalog.Catalog {
	tb.Helper()
	c, err := catalog.Load(name)
	if err != nil {
		tb.Fatalf("loading %s: %v", name, err)
	}
	return c
}

var rules = sync.OnceValues(func() (*catalog.Catalog, error) { return catalog.Load("testdata/rules.json") })

// rulesCatalog is the small catalog the rule tests walk: X.ENKEL (three
// steps in a row), X.MOMS (a komplettering loop), X.TVA (two ends) and
// KOMMUN.BYGG (shared by Alfa and Beta kommun with different slices).
func rulesCatalog(tb testing.TB) *catalog.Catalog {
	tb.Helper()
	c, err := rules()
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// piaCatalog is the SDK's sample catalog, catalog/sample.
func piaCatalog(tb testing.TB) *catalog.Catalog {
	tb.Helper()
	return loadCatalog(tb, "../catalog/sample")
}

func piaEvents(tb testing.TB) []minaarenden.Kundhandelse {
	tb.Helper()
	data, err := os.ReadFile("../testdata/pia/kundhandelser.json")
	if err != nil {
		tb.Fatal(err)
	}
	var events []minaarenden.Kundhandelse
	if err := json.Unmarshal(data, &events); err != nil {
		tb.Fatal(err)
	}
	return events
}

var piaExpected = []flow.Expected{
	{Typ: "BV.VERKLIG_HUVUDMAN"}, {Typ: "SKV.ARBETSGIVARE"}, {Typ: "PRV.VARUMARKE"}, {Typ: "KOMMUN.FETTAVSKILJARE"},
}

// piaAnswered are the four producers of the worked example, all heard.
var piaAnswered = []string{"Bolagsverket", "PRV", "Skatteverket", "Stockholms stad"}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// ev builds an event minute minutes after t0, from Xverket (Alfa kommun for
// KOMMUN types), with the flags its node in the rules catalog implies.
func ev(id string, minute int, typ minaarenden.Kundhandelsetyp, opts ...func(*minaarenden.Kundhandelse)) minaarenden.Kundhandelse {
	e := minaarenden.Kundhandelse{KundhandelseID: id, Rubrik: "Rubrik " + id, Beskrivning: "Beskrivning",
		Sprak: "sv", Producent: "Xverket", Tidpunkt: t0.Add(time.Duration(minute) * time.Minute), Typ: typ}
	if typ.ProducentPrefix() == "KOMMUN" {
		e.Producent = "Alfa kommun"
	}
	if c, err := rules(); err == nil {
		if s, ok := c.Step(typ); ok {
			e.Klart, e.KraverKundatgard = s.Klart, s.Kundatgard
		}
	}
	for _, o := range opts {
		o(&e)
	}
	return e
}

func ref(r string) func(*minaarenden.Kundhandelse) {
	return func(e *minaarenden.Kundhandelse) {
		e.Referenser = minaarenden.Referenser{{Nyckel: minaarenden.RefProducentarende, Varden: []minaarenden.ReferensVarde{{Text: r}}}}
	}
}

func from(producent string) func(*minaarenden.Kundhandelse) {
	return func(e *minaarenden.Kundhandelse) { e.Producent = producent }
}

func flags(klart, kundatgard bool) func(*minaarenden.Kundhandelse) {
	return func(e *minaarenden.Kundhandelse) { e.Klart, e.KraverKundatgard = klart, kundatgard }
}

func at(t time.Time) func(*minaarenden.Kundhandelse) {
	return func(e *minaarenden.Kundhandelse) { e.Tidpunkt = t }
}

// ids lists the kundhandelseId of each instance's events.
func ids(in *flow.Instance) []string {
	out := []string{}
	for _, e := range in.Events {
		out = append(out, e.KundhandelseID)
	}
	return out
}

// find returns the only instance of typ, failing the test otherwise.
func find(tb testing.TB, got []*flow.Instance, typ string) *flow.Instance {
	tb.Helper()
	var found *flow.Instance
	for _, in := range got {
		if in.Typ == typ {
			if found != nil {
				tb.Fatalf("two instances of %s", typ)
			}
			found = in
		}
	}
	if found == nil {
		tb.Fatalf("no instance of %s", typ)
	}
	return found
}

func states(in *flow.Instance) map[minaarenden.Kundhandelsetyp]flow.StegState {
	m := map[minaarenden.Kundhandelsetyp]flow.StegState{}
	for _, s := range in.Steg {
		m[s.Typ] = s.State
	}
	return m
}

func kinds(in *flow.Instance) []flow.AvvikelseKind {
	out := []flow.AvvikelseKind{}
	for _, a := range in.Avvikelser {
		out = append(out, a.Kind)
	}
	return out
}

func typs(ss ...string) []minaarenden.Kundhandelsetyp {
	out := []minaarenden.Kundhandelsetyp{}
	for _, s := range ss {
		out = append(out, minaarenden.Kundhandelsetyp(s))
	}
	return out
}
