package flow_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/catalog"
	"github.com/aterkoppling/minaarenden/flow"
)

type K = minaarenden.Kundhandelse

// rulesEvents is a bit of everything for the shuffle and fuzz tests: a
// loop, two references, a restart, ties on the instant, a duplicate, an
// unknown type and step.
func rulesEvents() []K {
	return []K{
		ev("m1", 0, "X.MOMS.DEKL"), ev("m2", 1, "X.MOMS.KONTROLL"), ev("m3", 2, "X.MOMS.KOMPL"),
		ev("m4", 3, "X.MOMS.KONTROLL"), ev("m5", 4, "X.MOMS.KOMPL"), ev("m6", 5, "X.MOMS.KONTROLL"),
		ev("e1", 0, "X.ENKEL.ANSOKAN", ref("1")), ev("e2", 0, "X.ENKEL.ANSOKAN", ref("2")),
		ev("e3", 1, "X.ENKEL.BESLUT", ref("1")),
		ev("r1", 10, "X.ENKEL.ANSOKAN"), ev("r2", 11, "X.ENKEL.HANDLAGGNING"), ev("r3", 12, "X.ENKEL.BESLUT"),
		ev("r4", 13, "X.ENKEL.ANSOKAN"), ev("r5", 13, "X.ENKEL.HANDLAGGNING"),
		ev("d1", 20, "KOMMUN.BYGG.ANSOKAN", from("Beta kommun")), ev("d1", 20, "KOMMUN.BYGG.ANSOKAN", from("Beta kommun")),
		ev("d1", 20, "KOMMUN.BYGG.ANSOKAN", from("Alfa kommun")),
		ev("u1", 30, "Y.OKAND.STEG"), ev("u2", 31, "X.ENKEL.FINNS_INTE", ref("2")), ev("u3", 32, "X"),
	}
}

func TestRule1InstanceKey(t *testing.T) {
	c := rulesCatalog(t)
	link := func(e *K) {
		e.Referenser = minaarenden.Referenser{{Nyckel: minaarenden.RefProducentarende, Array: true,
			Varden: []minaarenden.ReferensVarde{{URL: "https://x.invalid/arende/9", Lanktext: "Ärende 9"}, {Text: "andra"}}}}
	}
	arende := func(e *K) {
		e.Part.Arende = &minaarenden.Arende{Identifierare: "D-2026-17", Typ: minaarenden.Diarienummer}
	}
	type inst struct {
		Typ, Producent, Referens string
		Status                   flow.Status
		Events                   []string
		Avvikelser               []flow.AvvikelseKind
	}
	tests := []struct {
		name   string
		events []K
		want   []inst
	}{
		{"two cases of one type told apart by producentarende", []K{
			ev("a1", 0, "X.ENKEL.ANSOKAN", ref("1")), ev("a2", 1, "X.ENKEL.ANSOKAN", ref("2")),
			ev("h1", 2, "X.ENKEL.HANDLAGGNING", ref("1")),
		}, []inst{
			{"X.ENKEL", "Xverket", "1", flow.Pagaende, []string{"a1", "h1"}, []flow.AvvikelseKind{}},
			{"X.ENKEL", "Xverket", "2", flow.Pagaende, []string{"a2"}, []flow.AvvikelseKind{}},
		}},
		{"the same type at two producers is two cases", []K{
			ev("a", 0, "X.ENKEL.ANSOKAN"), ev("b", 1, "X.ENKEL.ANSOKAN", from("Yverket")),
		}, []inst{
			{"X.ENKEL", "Xverket", "", flow.Pagaende, []string{"a"}, []flow.AvvikelseKind{}},
			{"X.ENKEL", "Yverket", "", flow.Pagaende, []string{"b"}, []flow.AvvikelseKind{}},
		}},
		{"reference from the first url of an array", []K{
			ev("a", 0, "X.ENKEL.ANSOKAN", link), ev("h", 1, "X.ENKEL.HANDLAGGNING", link),
		}, []inst{
			{"X.ENKEL", "Xverket", "https://x.invalid/arende/9", flow.Pagaende, []string{"a", "h"}, []flow.AvvikelseKind{}},
		}},
		{"reference from the arende asked about", []K{
			ev("a", 0, "X.ENKEL.ANSOKAN", arende), ev("b", 1, "X.ENKEL.ANSOKAN"),
		}, []inst{
			{"X.ENKEL", "Xverket", "", flow.Pagaende, []string{"b"}, []flow.AvvikelseKind{}},
			{"X.ENKEL", "Xverket", "D-2026-17", flow.Pagaende, []string{"a"}, []flow.AvvikelseKind{}},
		}},
		{"a producentarende of another shape is its JSON text", []K{
			ev("a", 0, "X.ENKEL.ANSOKAN", func(e *K) {
				e.Referenser = minaarenden.Referenser{{Nyckel: minaarenden.RefProducentarende, Raw: json.RawMessage("20260417")}}
			}),
			ev("b", 1, "X.ENKEL.ANSOKAN", func(e *K) {
				e.Referenser = minaarenden.Referenser{{Nyckel: minaarenden.RefProducentarende, Raw: json.RawMessage("null")}}
			}),
		}, []inst{
			{"X.ENKEL", "Xverket", "", flow.Pagaende, []string{"b"}, []flow.AvvikelseKind{}},
			{"X.ENKEL", "Xverket", "20260417", flow.Pagaende, []string{"a"}, []flow.AvvikelseKind{}},
		}},
		{"producentarende wins over the arende", []K{
			ev("a", 0, "X.ENKEL.ANSOKAN", arende, ref("P-1")),
		}, []inst{
			{"X.ENKEL", "Xverket", "P-1", flow.Pagaende, []string{"a"}, []flow.AvvikelseKind{}},
		}},
		{"a start after a finished case opens a new one", []K{
			ev("a1", 0, "X.ENKEL.ANSOKAN"), ev("h1", 1, "X.ENKEL.HANDLAGGNING"), ev("b1", 2, "X.ENKEL.BESLUT"),
			ev("a2", 3, "X.ENKEL.ANSOKAN"), ev("h2", 4, "X.ENKEL.HANDLAGGNING"),
		}, []inst{
			{"X.ENKEL", "Xverket", "", flow.Klart, []string{"a1", "h1", "b1"}, []flow.AvvikelseKind{}},
			{"X.ENKEL", "Xverket", "", flow.Pagaende, []string{"a2", "h2"}, []flow.AvvikelseKind{}},
		}},
		{"with a reference a start after the end stays in the case", []K{
			ev("a1", 0, "X.ENKEL.ANSOKAN", ref("7")), ev("h1", 1, "X.ENKEL.HANDLAGGNING", ref("7")),
			ev("b1", 2, "X.ENKEL.BESLUT", ref("7")), ev("a2", 3, "X.ENKEL.ANSOKAN", ref("7")),
		}, []inst{
			{"X.ENKEL", "Xverket", "7", flow.Pagaende, []string{"a1", "h1", "b1", "a2"}, []flow.AvvikelseKind{flow.AfterEnd}},
		}},
		{"a non-start after a finished case stays in it", []K{
			ev("a1", 0, "X.ENKEL.ANSOKAN"), ev("h1", 1, "X.ENKEL.HANDLAGGNING"), ev("b1", 2, "X.ENKEL.BESLUT"),
			ev("h2", 3, "X.ENKEL.HANDLAGGNING"),
		}, []inst{
			{"X.ENKEL", "Xverket", "", flow.Pagaende, []string{"a1", "h1", "b1", "h2"}, []flow.AvvikelseKind{flow.AfterEnd}},
		}},
		{"walked in instant order, not arrival order", []K{
			ev("b", 2, "X.ENKEL.BESLUT"), ev("h", 1, "X.ENKEL.HANDLAGGNING"),
			ev("a", 0, "X.ENKEL.ANSOKAN", at(t0.In(minaarenden.Stockholm()))),
		}, []inst{
			{"X.ENKEL", "Xverket", "", flow.Klart, []string{"a", "h", "b"}, []flow.AvvikelseKind{}},
		}},
		{"instants beyond int64 nanoseconds still sort", []K{
			ev("b", 0, "X.ENKEL.BESLUT", at(time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC))),
			ev("h", 0, "X.ENKEL.HANDLAGGNING", at(time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC))),
			ev("a", 0, "X.ENKEL.ANSOKAN", at(time.Time{})),
		}, []inst{
			{"X.ENKEL", "Xverket", "", flow.Klart, []string{"a", "h", "b"}, []flow.AvvikelseKind{}},
		}},
		{"instant ties broken by kundhandelseId", []K{
			ev("2", 0, "X.ENKEL.HANDLAGGNING"), ev("1", 0, "X.ENKEL.ANSOKAN"),
		}, []inst{
			{"X.ENKEL", "Xverket", "", flow.Pagaende, []string{"1", "2"}, []flow.AvvikelseKind{}},
		}},
		{"an exact duplicate is kept, and is no transition", []K{
			ev("a", 0, "X.ENKEL.ANSOKAN"), ev("a", 0, "X.ENKEL.ANSOKAN"),
		}, []inst{
			{"X.ENKEL", "Xverket", "", flow.Pagaende, []string{"a", "a"}, []flow.AvvikelseKind{}},
		}},
		{"a copy of the finishing event is not after_end", []K{
			ev("a", 0, "X.ENKEL.ANSOKAN"), ev("h", 1, "X.ENKEL.HANDLAGGNING"), ev("b", 2, "X.ENKEL.BESLUT"),
			ev("b", 2, "X.ENKEL.BESLUT", func(e *K) { e.Rubrik = "från vidareförmedlingen" }),
		}, []inst{
			{"X.ENKEL", "Xverket", "", flow.Klart, []string{"a", "h", "b", "b"}, []flow.AvvikelseKind{}},
		}},
		{"a step repeated later is kept and is no transition", []K{
			ev("a", 0, "X.ENKEL.ANSOKAN"), ev("h1", 1, "X.ENKEL.HANDLAGGNING"), ev("h2", 2, "X.ENKEL.HANDLAGGNING"),
		}, []inst{
			{"X.ENKEL", "Xverket", "", flow.Pagaende, []string{"a", "h1", "h2"}, []flow.AvvikelseKind{}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := []inst{}
			for _, in := range flow.Place(c, tt.events, nil) {
				got = append(got, inst{in.Typ, in.Producent, in.Referens, in.Status, ids(in), kinds(in)})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("instances mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRule2ProducersSlice(t *testing.T) {
	c := rulesCatalog(t)
	tests := []struct {
		name      string
		producent string
		events    []minaarenden.Kundhandelsetyp
		wantSteg  []minaarenden.Kundhandelsetyp
		wantNasta []minaarenden.Kundhandelsetyp
		wantKinds []flow.AvvikelseKind
	}{
		{"a variant with its own edges", "Beta kommun", typs("KOMMUN.BYGG.ANSOKAN", "KOMMUN.BYGG.KOMPL"),
			typs("KOMMUN.BYGG.ANSOKAN", "KOMMUN.BYGG.KOMPL", "KOMMUN.BYGG.REMISS", "KOMMUN.BYGG.BESLUT"),
			typs("KOMMUN.BYGG.REMISS"), []flow.AvvikelseKind{}},
		{"a variant with the union's edges between its steps", "Alfa kommun", typs("KOMMUN.BYGG.ANSOKAN"),
			typs("KOMMUN.BYGG.ANSOKAN", "KOMMUN.BYGG.HANDL", "KOMMUN.BYGG.GRANNE", "KOMMUN.BYGG.BESLUT"),
			typs("KOMMUN.BYGG.HANDL"), []flow.AvvikelseKind{}},
		{"a producer without a variant gets the union", "Gamma kommun", typs("KOMMUN.BYGG.ANSOKAN", "KOMMUN.BYGG.KOMPL"),
			typs("KOMMUN.BYGG.ANSOKAN", "KOMMUN.BYGG.KOMPL", "KOMMUN.BYGG.HANDL", "KOMMUN.BYGG.GRANNE", "KOMMUN.BYGG.REMISS", "KOMMUN.BYGG.BESLUT"),
			typs("KOMMUN.BYGG.HANDL", "KOMMUN.BYGG.REMISS"), []flow.AvvikelseKind{}},
		{"a step of the union outside the producer's slice", "Alfa kommun", typs("KOMMUN.BYGG.ANSOKAN", "KOMMUN.BYGG.KOMPL"),
			typs("KOMMUN.BYGG.ANSOKAN", "KOMMUN.BYGG.HANDL", "KOMMUN.BYGG.GRANNE", "KOMMUN.BYGG.BESLUT"),
			typs("KOMMUN.BYGG.HANDL"), []flow.AvvikelseKind{flow.UnknownStep}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var events []K
			for i, typ := range tt.events {
				events = append(events, ev(string(rune('a'+i)), i, typ, from(tt.producent)))
			}
			in := find(t, flow.Place(c, events, nil), "KOMMUN.BYGG")
			gotSteg := []minaarenden.Kundhandelsetyp{}
			for _, s := range in.Steg {
				gotSteg = append(gotSteg, s.Typ)
			}
			if diff := cmp.Diff(tt.wantSteg, gotSteg); diff != "" {
				t.Errorf("steg mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantNasta, in.Nasta); diff != "" {
				t.Errorf("nasta mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantKinds, kinds(in)); diff != "" {
				t.Errorf("avvikelser mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRule3And4StatusBollen covers each way to each status, and who has
// the ball in it.
func TestRule3And4StatusBollen(t *testing.T) {
	c := rulesCatalog(t)
	tests := []struct {
		name       string
		events     []K
		wantStatus flow.Status
		wantBollen flow.Bollen
		wantKinds  []flow.AvvikelseKind
	}{
		{"in progress", []K{ev("a", 0, "X.ENKEL.ANSOKAN")}, flow.Pagaende, flow.BollenProducent, []flow.AvvikelseKind{}},
		{"klart at an end node", []K{ev("a", 0, "X.ENKEL.ANSOKAN"), ev("h", 1, "X.ENKEL.HANDLAGGNING"), ev("b", 2, "X.ENKEL.BESLUT")},
			flow.Klart, flow.BollenIngen, []flow.AvvikelseKind{}},
		{"klart at an end node without the flag", []K{ev("a", 0, "X.ENKEL.ANSOKAN"), ev("h", 1, "X.ENKEL.HANDLAGGNING"),
			ev("b", 2, "X.ENKEL.BESLUT", flags(false, false))}, flow.Klart, flow.BollenIngen, []flow.AvvikelseKind{flow.FlagMismatch}},
		{"klart by the flag alone", []K{ev("a", 0, "X.ENKEL.ANSOKAN"), ev("h", 1, "X.ENKEL.HANDLAGGNING", flags(true, false))},
			flow.Klart, flow.BollenIngen, []flow.AvvikelseKind{flow.FlagMismatch}},
		{"waiting at a kundatgard node", []K{ev("d", 0, "X.MOMS.DEKL"), ev("k", 1, "X.MOMS.KONTROLL"), ev("c", 2, "X.MOMS.KOMPL")},
			flow.VantarPaKund, flow.BollenKund, []flow.AvvikelseKind{}},
		{"waiting at a kundatgard node without the flag", []K{ev("d", 0, "X.MOMS.DEKL"), ev("k", 1, "X.MOMS.KONTROLL"),
			ev("c", 2, "X.MOMS.KOMPL", flags(false, false))}, flow.VantarPaKund, flow.BollenKund, []flow.AvvikelseKind{flow.FlagMismatch}},
		{"waiting by the flag alone", []K{ev("a", 0, "X.ENKEL.ANSOKAN", flags(false, true))},
			flow.VantarPaKund, flow.BollenKund, []flow.AvvikelseKind{flow.FlagMismatch}},
		{"klart beats kundatgard", []K{ev("a", 0, "X.ENKEL.ANSOKAN", flags(true, true))},
			flow.Klart, flow.BollenIngen, []flow.AvvikelseKind{flow.FlagMismatch}},
		{"only the latest event counts", []K{ev("d", 0, "X.MOMS.DEKL"), ev("k", 1, "X.MOMS.KONTROLL"), ev("c", 2, "X.MOMS.KOMPL"),
			ev("k2", 3, "X.MOMS.KONTROLL")}, flow.Pagaende, flow.BollenProducent, []flow.AvvikelseKind{}},
		{"an unknown type by its flags", []K{ev("u", 0, "Y.OKAND.STEG", flags(false, true))},
			flow.VantarPaKund, flow.BollenKund, []flow.AvvikelseKind{flow.UnknownType}},
		{"an unknown step by its flags", []K{ev("a", 0, "X.ENKEL.ANSOKAN"), ev("u", 1, "X.ENKEL.ARKIVERAD", flags(true, false))},
			flow.Klart, flow.BollenIngen, []flow.AvvikelseKind{flow.UnknownStep}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := flow.Place(c, tt.events, nil)
			if len(got) != 1 {
				t.Fatalf("got %d instances, want 1", len(got))
			}
			in := got[0]
			if in.Status != tt.wantStatus || in.Bollen != tt.wantBollen {
				t.Errorf("status, bollen = %s, %s; want %s, %s", in.Status, in.Bollen, tt.wantStatus, tt.wantBollen)
			}
			if diff := cmp.Diff(tt.wantKinds, kinds(in)); diff != "" {
				t.Errorf("avvikelser mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

type S = map[minaarenden.Kundhandelsetyp]flow.StegState

func TestRule5Steg(t *testing.T) {
	c := rulesCatalog(t)
	const (
		cur = flow.StegCurrent
		don = flow.StegDone
		ski = flow.StegSkipped
		exp = flow.StegExpected
		unv = flow.StegUnvisited
	)
	tests := []struct {
		name   string
		events []K
		typ    string
		want   S
	}{
		{"steps between two events without an edge are skipped", []K{ev("a", 0, "X.ENKEL.ANSOKAN"), ev("b", 1, "X.ENKEL.BESLUT")},
			"X.ENKEL", S{"X.ENKEL.ANSOKAN": don, "X.ENKEL.HANDLAGGNING": ski, "X.ENKEL.BESLUT": don}},
		{"a first event that is not a start skips from the start", []K{ev("h", 0, "X.ENKEL.HANDLAGGNING")},
			"X.ENKEL", S{"X.ENKEL.ANSOKAN": ski, "X.ENKEL.HANDLAGGNING": cur, "X.ENKEL.BESLUT": exp}},
		{"a komplettering loop taken twice", []K{ev("m1", 0, "X.MOMS.DEKL"), ev("m2", 1, "X.MOMS.KONTROLL"),
			ev("m3", 2, "X.MOMS.KOMPL"), ev("m4", 3, "X.MOMS.KONTROLL"), ev("m5", 4, "X.MOMS.KOMPL"), ev("m6", 5, "X.MOMS.KONTROLL")},
			"X.MOMS", S{"X.MOMS.DEKL": don, "X.MOMS.KONTROLL": cur, "X.MOMS.KOMPL": don, "X.MOMS.BESLUT": exp,
				"X.MOMS.BETALNING": exp, "X.MOMS.BETALD": exp}},
		{"done beats expected on the way round the loop again", []K{ev("m1", 0, "X.MOMS.DEKL"), ev("m2", 1, "X.MOMS.KONTROLL"),
			ev("m3", 2, "X.MOMS.KOMPL")},
			"X.MOMS", S{"X.MOMS.DEKL": don, "X.MOMS.KONTROLL": don, "X.MOMS.KOMPL": cur, "X.MOMS.BESLUT": exp,
				"X.MOMS.BETALNING": exp, "X.MOMS.BETALD": exp}},
		{"skipped beats expected", []K{ev("m1", 0, "X.MOMS.DEKL"), ev("m3", 1, "X.MOMS.KOMPL")},
			"X.MOMS", S{"X.MOMS.DEKL": don, "X.MOMS.KONTROLL": ski, "X.MOMS.KOMPL": cur, "X.MOMS.BESLUT": exp,
				"X.MOMS.BETALNING": exp, "X.MOMS.BETALD": exp}},
		{"done beats skipped", []K{ev("m1", 0, "X.MOMS.DEKL"), ev("m2", 1, "X.MOMS.KONTROLL"), ev("m3", 2, "X.MOMS.KOMPL"),
			ev("m4", 3, "X.MOMS.BESLUT")},
			"X.MOMS", S{"X.MOMS.DEKL": don, "X.MOMS.KONTROLL": don, "X.MOMS.KOMPL": don, "X.MOMS.BESLUT": cur,
				"X.MOMS.BETALNING": exp, "X.MOMS.BETALD": exp}},
		{"current beats skipped", []K{ev("d", 0, "X.MOMS.DEKL"), ev("c", 1, "X.MOMS.KOMPL"), ev("k", 2, "X.MOMS.KONTROLL")},
			"X.MOMS", S{"X.MOMS.DEKL": don, "X.MOMS.KONTROLL": cur, "X.MOMS.KOMPL": don, "X.MOMS.BESLUT": exp,
				"X.MOMS.BETALNING": exp, "X.MOMS.BETALD": exp}},
		{"current beats done in a cycle through the start", []K{ev("a1", 0, "X.CYKEL.A"), ev("b", 1, "X.CYKEL.B"), ev("a2", 2, "X.CYKEL.A")},
			"X.CYKEL", S{"X.CYKEL.A": cur, "X.CYKEL.B": don, "X.CYKEL.C": exp}},
		{"a first event past the start skips the start and the steps between", []K{ev("b", 0, "X.MOMS.BESLUT")},
			"X.MOMS", S{"X.MOMS.DEKL": ski, "X.MOMS.KONTROLL": ski, "X.MOMS.KOMPL": unv, "X.MOMS.BESLUT": cur,
				"X.MOMS.BETALNING": exp, "X.MOMS.BETALD": exp}},
		{"a skip marks only the shortest of two ways", []K{ev("s", 0, "X.TVA.START"), ev("e", 1, "X.TVA.SLUT_A")},
			"X.TVA", S{"X.TVA.START": don, "X.TVA.A": ski, "X.TVA.B": unv, "X.TVA.SLUT_B": unv, "X.TVA.SLUT_A": don}},
		{"a finished case has no current step", []K{ev("m1", 0, "X.MOMS.DEKL"), ev("m2", 1, "X.MOMS.BETALNING"),
			ev("m3", 2, "X.MOMS.BETALD")},
			"X.MOMS", S{"X.MOMS.DEKL": don, "X.MOMS.KONTROLL": unv, "X.MOMS.KOMPL": unv, "X.MOMS.BESLUT": unv,
				"X.MOMS.BETALNING": don, "X.MOMS.BETALD": don}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := find(t, flow.Place(c, tt.events, nil), tt.typ)
			if diff := cmp.Diff(tt.want, states(in)); diff != "" {
				t.Errorf("steg mismatch (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("steg follow the catalog's order", func(t *testing.T) {
		in := find(t, flow.Place(c, []K{ev("d", 0, "X.MOMS.DEKL")}, nil), "X.MOMS")
		var got []minaarenden.Kundhandelsetyp
		for _, s := range in.Steg {
			got = append(got, s.Typ)
		}
		want := typs("X.MOMS.DEKL", "X.MOMS.KONTROLL", "X.MOMS.KOMPL", "X.MOMS.BESLUT", "X.MOMS.BETALNING", "X.MOMS.BETALD")
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("order mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestRule6NastaAterstar(t *testing.T) {
	c := rulesCatalog(t)
	tests := []struct {
		name         string
		events       []K
		typ          string
		wantNasta    []minaarenden.Kundhandelsetyp
		wantAterstar []minaarenden.Kundhandelsetyp
	}{
		{"nasta in edge order, not catalog order", []K{ev("d", 0, "X.MOMS.DEKL")}, "X.MOMS",
			typs("X.MOMS.BETALNING", "X.MOMS.KONTROLL"), typs("X.MOMS.BETALNING", "X.MOMS.BETALD")},
		{"aterstar: a tie on length goes to the earlier edge", []K{ev("s", 0, "X.TVA.START")}, "X.TVA",
			typs("X.TVA.B", "X.TVA.A"), typs("X.TVA.B", "X.TVA.SLUT_B")},
		{"aterstar out of the loop", []K{ev("d", 0, "X.MOMS.DEKL"), ev("k", 1, "X.MOMS.KONTROLL"), ev("c", 2, "X.MOMS.KOMPL")}, "X.MOMS",
			typs("X.MOMS.KONTROLL"), typs("X.MOMS.KONTROLL", "X.MOMS.BESLUT", "X.MOMS.BETALNING", "X.MOMS.BETALD")},
		{"nothing left when finished", []K{ev("s", 0, "X.TVA.START"), ev("a", 1, "X.TVA.A"), ev("e", 2, "X.TVA.SLUT_A")}, "X.TVA",
			typs(), typs()},
		{"no step in the graph yet: the whole way", []K{ev("u", 0, "X.TVA.UNKNOWN")}, "X.TVA",
			typs(), typs("X.TVA.START", "X.TVA.B", "X.TVA.SLUT_B")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := find(t, flow.Place(c, tt.events, nil), tt.typ)
			if diff := cmp.Diff(tt.wantNasta, in.Nasta); diff != "" {
				t.Errorf("nasta mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantAterstar, in.Aterstar); diff != "" {
				t.Errorf("aterstar mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRule7Avvikelser(t *testing.T) {
	c := rulesCatalog(t)
	tests := []struct {
		name   string
		events []K
		typ    string
		want   []flow.Avvikelse
	}{
		{"unknown_type", []K{ev("u", 0, "Y.OKAND.STEG"), ev("v", 1, "Y.OKAND.ANNAT")}, "Y.OKAND", []flow.Avvikelse{
			{Kind: flow.UnknownType, KundhandelseID: "u", Detail: `the catalog has no producentärendetyp "Y.OKAND"`}}},
		{"unknown_step", []K{ev("a", 0, "X.ENKEL.ANSOKAN"), ev("u", 1, "X.ENKEL.FINNS_INTE")}, "X.ENKEL", []flow.Avvikelse{
			{Kind: flow.UnknownStep, KundhandelseID: "u", Detail: `step "X.ENKEL.FINNS_INTE" is not in the catalog of X.ENKEL`}}},
		{"unknown_step outside the producer's slice", []K{ev("a", 0, "KOMMUN.BYGG.ANSOKAN"), ev("r", 1, "KOMMUN.BYGG.REMISS")}, "KOMMUN.BYGG",
			[]flow.Avvikelse{{Kind: flow.UnknownStep, KundhandelseID: "r",
				Detail: `step "KOMMUN.BYGG.REMISS" is not in Alfa kommun's slice of KOMMUN.BYGG`}}},
		{"invalid_transition", []K{ev("h", 0, "X.ENKEL.HANDLAGGNING"), ev("a", 1, "X.ENKEL.ANSOKAN")}, "X.ENKEL", []flow.Avvikelse{
			{Kind: flow.SkippedSteps, KundhandelseID: "h", Detail: `"X.ENKEL.HANDLAGGNING" skipped X.ENKEL.ANSOKAN`},
			{Kind: flow.InvalidTransition, KundhandelseID: "a", Detail: `"X.ENKEL.ANSOKAN" cannot be reached from "X.ENKEL.HANDLAGGNING"`}}},
		{"skipped_steps", []K{ev("d", 0, "X.MOMS.DEKL"), ev("c", 1, "X.MOMS.KOMPL")}, "X.MOMS", []flow.Avvikelse{
			{Kind: flow.SkippedSteps, KundhandelseID: "c", Detail: `"X.MOMS.KOMPL" skipped X.MOMS.KONTROLL`}}},
		{"after_end", []K{ev("s", 0, "X.TVA.START"), ev("a", 1, "X.TVA.A"), ev("e", 2, "X.TVA.SLUT_A"), ev("b", 3, "X.TVA.B")}, "X.TVA",
			[]flow.Avvikelse{{Kind: flow.AfterEnd, KundhandelseID: "b", Detail: `"X.TVA.B" after the case finished`}}},
		{"flag_mismatch", []K{ev("a", 0, "X.ENKEL.ANSOKAN", flags(false, true))}, "X.ENKEL", []flow.Avvikelse{
			{Kind: flow.FlagMismatch, KundhandelseID: "a",
				Detail: `flags klart=false kundatgard=true, but "X.ENKEL.ANSOKAN" is klart=false kundatgard=false`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := find(t, flow.Place(c, tt.events, nil), tt.typ)
			if diff := cmp.Diff(tt.want, in.Avvikelser); diff != "" {
				t.Errorf("avvikelser mismatch (-want +got):\n%s", diff)
			}
			if len(in.Events) != len(tt.events) {
				t.Errorf("instance has %d events, want all %d", len(in.Events), len(tt.events))
			}
		})
	}
	t.Run("an unknown type has no steps", func(t *testing.T) {
		in := find(t, flow.Place(c, []K{ev("u", 0, "Y.OKAND.STEG", flags(true, false))}, nil), "Y.OKAND")
		if len(in.Steg)+len(in.Nasta)+len(in.Aterstar) != 0 || in.Status != flow.Klart {
			t.Errorf("got steg %v nasta %v aterstar %v status %s; want none and klart", in.Steg, in.Nasta, in.Aterstar, in.Status)
		}
	})
}

// TestShortTypes: a kundhandelseTyp with fewer than three segments is never
// dropped. Two segments name a type and no step; fewer name no type.
func TestShortTypes(t *testing.T) {
	c := rulesCatalog(t)
	got := flow.Place(c, []K{ev("a", 0, "X.ENKEL.ANSOKAN"), ev("t", 1, "X.ENKEL"), ev("p", 2, "X"), ev("e", 3, "")}, nil)
	type inst struct {
		Typ    string
		Events []string
		Kinds  []flow.AvvikelseKind
	}
	want := []inst{
		{"", []string{"e"}, []flow.AvvikelseKind{flow.UnknownType}},
		{"X", []string{"p"}, []flow.AvvikelseKind{flow.UnknownType}},
		{"X.ENKEL", []string{"a", "t"}, []flow.AvvikelseKind{flow.UnknownStep}},
	}
	var gotSum []inst
	for _, in := range got {
		gotSum = append(gotSum, inst{in.Typ, ids(in), kinds(in)})
	}
	if diff := cmp.Diff(want, gotSum); diff != "" {
		t.Errorf("instances mismatch (-want +got):\n%s", diff)
	}
}

func TestExpected(t *testing.T) {
	c := rulesCatalog(t)
	beta := []K{ev("b1", 0, "KOMMUN.BYGG.ANSOKAN", from("Beta kommun"))}
	type inst struct {
		Typ, Producent string
		Status         flow.Status
		Bollen         flow.Bollen
		Aterstar       []minaarenden.Kundhandelsetyp
		Kinds          []flow.AvvikelseKind
	}
	tests := []struct {
		name   string
		events []K
		opts   flow.Options
		want   []inst
	}{
		{"ej_paborjad when its producer answered: the shortest start→end path is expected", nil,
			flow.Options{Expected: []flow.Expected{{Typ: "X.MOMS"}}, Answered: []string{"Xverket"}},
			[]inst{{"X.MOMS", "Xverket", flow.EjPaborjad, flow.BollenKund, typs("X.MOMS.DEKL", "X.MOMS.BETALNING", "X.MOMS.BETALD"), []flow.AvvikelseKind{}}}},
		{"okand when no one is said to have answered", nil,
			flow.Options{Expected: []flow.Expected{{Typ: "X.MOMS"}}},
			[]inst{{"X.MOMS", "Xverket", flow.Okand, flow.BollenIngen, typs("X.MOMS.DEKL", "X.MOMS.BETALNING", "X.MOMS.BETALD"), []flow.AvvikelseKind{}}}},
		{"okand when only another producer answered (its own was skipped, failed or not configured)", nil,
			flow.Options{Expected: []flow.Expected{{Typ: "X.MOMS"}}, Answered: []string{"Yverket"}},
			[]inst{{"X.MOMS", "Xverket", flow.Okand, flow.BollenIngen, typs("X.MOMS.DEKL", "X.MOMS.BETALNING", "X.MOMS.BETALD"), []flow.AvvikelseKind{}}}},
		{"events satisfy the expectation even if their producer is not among Answered", []K{ev("d", 0, "X.MOMS.DEKL")},
			flow.Options{Expected: []flow.Expected{{Typ: "X.MOMS"}}},
			[]inst{{"X.MOMS", "Xverket", flow.Pagaende, flow.BollenProducent, typs("X.MOMS.BETALNING", "X.MOMS.BETALD"), []flow.AvvikelseKind{}}}},
		{"TYPE@Producent of a shared type follows that producer's slice", beta,
			flow.Options{Expected: []flow.Expected{{Typ: "KOMMUN.BYGG", Producent: "Alfa kommun"}, {Typ: "KOMMUN.BYGG", Producent: "Beta kommun"}},
				Answered: []string{"Alfa kommun", "Beta kommun"}},
			[]inst{
				{"KOMMUN.BYGG", "Alfa kommun", flow.EjPaborjad, flow.BollenKund, typs("KOMMUN.BYGG.ANSOKAN", "KOMMUN.BYGG.HANDL", "KOMMUN.BYGG.BESLUT"), []flow.AvvikelseKind{}},
				{"KOMMUN.BYGG", "Beta kommun", flow.Pagaende, flow.BollenProducent, typs("KOMMUN.BYGG.REMISS", "KOMMUN.BYGG.BESLUT"), []flow.AvvikelseKind{}},
			}},
		{"TYPE@Producent okand when that producer did not answer", beta,
			flow.Options{Expected: []flow.Expected{{Typ: "KOMMUN.BYGG", Producent: "Alfa kommun"}}, Answered: []string{"Beta kommun"}},
			[]inst{
				{"KOMMUN.BYGG", "Alfa kommun", flow.Okand, flow.BollenIngen, typs("KOMMUN.BYGG.ANSOKAN", "KOMMUN.BYGG.HANDL", "KOMMUN.BYGG.BESLUT"), []flow.AvvikelseKind{}},
				{"KOMMUN.BYGG", "Beta kommun", flow.Pagaende, flow.BollenProducent, typs("KOMMUN.BYGG.REMISS", "KOMMUN.BYGG.BESLUT"), []flow.AvvikelseKind{}},
			}},
		{"TYPE of a shared type is met by any producer", beta,
			flow.Options{Expected: []flow.Expected{{Typ: "KOMMUN.BYGG"}}},
			[]inst{{"KOMMUN.BYGG", "Beta kommun", flow.Pagaende, flow.BollenProducent, typs("KOMMUN.BYGG.REMISS", "KOMMUN.BYGG.BESLUT"), []flow.AvvikelseKind{}}}},
		{"TYPE of a shared type without events, every producer answered: no producer, the union", nil,
			flow.Options{Expected: []flow.Expected{{Typ: "KOMMUN.BYGG"}, {Typ: "KOMMUN.BYGG"}}, Answered: []string{"Alfa kommun", "Beta kommun"}},
			[]inst{{"KOMMUN.BYGG", "", flow.EjPaborjad, flow.BollenKund, typs("KOMMUN.BYGG.ANSOKAN", "KOMMUN.BYGG.HANDL", "KOMMUN.BYGG.BESLUT"), []flow.AvvikelseKind{}}}},
		{"TYPE of a shared type is okand when one of its producers answered but not all", nil,
			flow.Options{Expected: []flow.Expected{{Typ: "KOMMUN.BYGG"}}, Answered: []string{"Alfa kommun"}},
			[]inst{{"KOMMUN.BYGG", "", flow.Okand, flow.BollenIngen, typs("KOMMUN.BYGG.ANSOKAN", "KOMMUN.BYGG.HANDL", "KOMMUN.BYGG.BESLUT"), []flow.AvvikelseKind{}}}},
		{"a type the catalog lacks is okand: no one can be said to have been asked", nil,
			flow.Options{Expected: []flow.Expected{{Typ: "Y.OKAND"}}, Answered: []string{"Xverket", "Yverket"}},
			[]inst{{"Y.OKAND", "", flow.Okand, flow.BollenIngen, typs(), []flow.AvvikelseKind{flow.UnknownType}}}},
		{"a step id is not a producentärendetyp: okand, with an anomaly saying so", nil,
			flow.Options{Expected: []flow.Expected{{Typ: "X.MOMS.DEKL"}}, Answered: []string{"Xverket"}},
			[]inst{{"X.MOMS.DEKL", "", flow.Okand, flow.BollenIngen, typs(), []flow.AvvikelseKind{flow.UnknownType}}}},
		{"an identifier given as an expected type is masked in the output", nil,
			flow.Options{Expected: []flow.Expected{{Typ: "1990-03-15-1231", Producent: "199003151231"}}, Answered: []string{"Xverket"}},
			[]inst{{"****-**-**-****", "", flow.Okand, flow.BollenIngen, typs(), []flow.AvvikelseKind{flow.UnknownType}}}},
		{"a lower-case type is not a producentärendetyp", nil,
			flow.Options{Expected: []flow.Expected{{Typ: "x.moms"}}, Answered: []string{"Xverket"}},
			[]inst{{"x.moms", "", flow.Okand, flow.BollenIngen, typs(), []flow.AvvikelseKind{flow.UnknownType}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []inst
			for _, in := range flow.Place(c, tt.events, &tt.opts) {
				got = append(got, inst{in.Typ, in.Producent, in.Status, in.Bollen, in.Aterstar, kinds(in)})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("instances mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExpectedOrder: "TYPE" and "TYPE@Producent" for one type ask for one
// case, at that producer, whichever the caller lists first.
func TestExpectedOrder(t *testing.T) {
	c := rulesCatalog(t)
	for _, list := range [][]flow.Expected{
		{{Typ: "KOMMUN.BYGG"}, {Typ: "KOMMUN.BYGG", Producent: "Beta kommun"}},
		{{Typ: "KOMMUN.BYGG", Producent: "Beta kommun"}, {Typ: "KOMMUN.BYGG"}},
		{{Typ: "X.MOMS"}, {Typ: "X.MOMS", Producent: "Yverket"}},
		{{Typ: "X.MOMS", Producent: "Yverket"}, {Typ: "X.MOMS"}},
	} {
		got := flow.Place(c, nil, &flow.Options{Expected: list, Answered: []string{"Beta kommun", "Yverket"}})
		if len(got) != 1 || got[0].Producent != list[0].Producent+list[1].Producent || got[0].Status != flow.EjPaborjad {
			var sum []string
			for _, in := range got {
				sum = append(sum, in.Typ+"@"+in.Producent+" "+string(in.Status))
			}
			t.Errorf("expected %v: got %v, want one ej_paborjad case at the named producer", list, sum)
		}
	}
}

func TestParseExpected(t *testing.T) {
	tests := []struct {
		in      string
		want    flow.Expected
		wantErr string
	}{
		{"SKV.ARBETSGIVARE", flow.Expected{Typ: "SKV.ARBETSGIVARE"}, ""},
		{" KOMMUN.BYGGLOV@Värmdö kommun ", flow.Expected{Typ: "KOMMUN.BYGGLOV", Producent: "Värmdö kommun"}, ""},
		{"SKV", flow.Expected{}, "not a producentärendetyp"},
		{"SKV.MOMS.DEKL_INLAMAD", flow.Expected{}, "not a producentärendetyp"},
		{"skv.moms", flow.Expected{}, "segment 1"},
		{"", flow.Expected{}, "is empty"},
		{"SKV.MOMS@", flow.Expected{}, "names no producent"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := flow.ParseExpected(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseExpected(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
			if back, _ := flow.ParseExpected(got.String()); back != got {
				t.Errorf("String() = %q does not read back", got.String())
			}
		})
	}
}

// TestParseExpectedHostileProducent: the producent after @ is echoed into
// -json, tables and API answers, so ParseExpected refuses what is no
// producer's name, and its error never repeats an identifier typed there.
func TestParseExpectedHostileProducent(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{"personnummer", "SKV.MOMS@199003151231", "looks like an identity number"},
		{"personnummer with hyphens", "SKV.MOMS@1990-03-15-1231", "looks like an identity number"},
		{"personnummer with spaces", "SKV.MOMS@1990 03 15 1231", "looks like an identity number"},
		{"short form with spaced separator", "SKV.MOMS@900315 - 1231", "looks like an identity number"},
		{"full-width digits", "SKV.MOMS@１９９００３１５１２３１", "looks like an identity number"},
		{"digits inside words", "SKV.MOMS@Kommun 19900315 1231", "looks like an identity number"},
		{"ANSI escape", "SKV.MOMS@Skatte\x1b[2Jverket", "control or non-printing character"},
		{"newline", "SKV.MOMS@Skatte\nverket", "control or non-printing character"},
		{"bidi override", "SKV.MOMS@Skatte\u202everket", "control or non-printing character"},
		{"too long", "SKV.MOMS@" + strings.Repeat("Å", flow.MaxProducentLen), "longer than"},
		{"invalid UTF-8", "SKV.MOMS@Skatte\xffverket", "not valid UTF-8"},
		{"identifier as the type", "199003151231@Skatteverket", "segment"},
		{"hyphenated identifier as the type", "1990-03-15-1231", "(not shown)"},
		{"identifier inside a valid type", "SKV.M199003151231", "looks like an identity number"},
		{"two @", "SKV.MOMS@Skatteverket@199003151231", "one producent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			got, err := flow.ParseExpected(in)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ParseExpected(%q) = %v, %v; want an error containing %q", in, got, err, tt.wantErr)
			}
			msg := err.Error()
			for _, leak := range []string{"1231", "０３１５", "\x1b", "\n", "\u202e"} {
				if strings.Contains(msg, leak) {
					t.Errorf("error %q repeats %q", msg, leak)
				}
			}
			if _, producent, _ := strings.Cut(in, "@"); producent != "" && strings.Contains(msg, producent) {
				t.Errorf("error %q repeats the producent", msg)
			}
		})
	}
	for _, ok := range []string{"KOMMUN.BYGGLOV@Värmdö kommun", "REGION.VARD@Region Västra Götaland", "SKV.MOMS@Kommun 42"} {
		if _, err := flow.ParseExpected(ok); err != nil {
			t.Errorf("ParseExpected(%q) = %v, want a producer's name accepted", ok, err)
		}
	}
}

// TestOptionsValidate is the error-returning check of Expected entries
// built in code, where ParseExpected is not in the way: a step id, a lower-
// case type or a hostile producent is refused, naming the entry.
func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name    string
		opts    *flow.Options
		wantErr []string
	}{
		{"nil", nil, nil},
		{"valid", &flow.Options{Expected: []flow.Expected{{Typ: "SKV.MOMS"}, {Typ: "KOMMUN.BYGG", Producent: "Alfa kommun"}}}, nil},
		{"a step id", &flow.Options{Expected: []flow.Expected{{Typ: "SKV.MOMS"}, {Typ: "SKV.ARBETSGIVARE.ANSOKAN"}}},
			[]string{"Expected[1]", "not a producentärendetyp"}},
		{"lower case", &flow.Options{Expected: []flow.Expected{{Typ: "skv.arbetsgivare"}}}, []string{"Expected[0]", "segment 1"}},
		{"identifier as producent", &flow.Options{Expected: []flow.Expected{{Typ: "SKV.MOMS", Producent: "199003151231"}}},
			[]string{"Expected[0]", "looks like an identity number"}},
		{"every bad entry", &flow.Options{Expected: []flow.Expected{{Typ: "SKV"}, {Typ: "SKV.MOMS"}, {Typ: "SKV.MOMS", Producent: " X"}}},
			[]string{"Expected[0]", "Expected[2]", "leading or trailing space"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.opts.Validate()
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want an error containing %q", tt.wantErr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "1231") {
				t.Errorf("Validate() = %q repeats the identifier", err)
			}
		})
	}
}

// TestEmptySlicesAreArrays: the -json contract shows arrays, so an empty
// slice must never encode as null.
func TestEmptySlicesAreArrays(t *testing.T) {
	for _, in := range []any{&flow.Instance{Typ: "X.ENKEL"}, flow.Instance{Typ: "X.ENKEL"},
		flow.Place(nil, nil, &flow.Options{Expected: []flow.Expected{{Typ: "Y.OKAND"}}})[0]} {
		data, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{`"steg":[]`, `"nasta":[]`, `"aterstar":[]`} {
			if !strings.Contains(string(data), key) {
				t.Errorf("%s lacks %s", data, key)
			}
		}
		if strings.Contains(string(data), "null") {
			t.Errorf("%s has a null", data)
		}
	}
}

func TestNilCatalog(t *testing.T) {
	got := flow.Place(nil, []K{ev("a", 0, "X.ENKEL.ANSOKAN", flags(false, true))}, nil)
	if len(got) != 1 || got[0].Status != flow.VantarPaKund || got[0].Avvikelser[0].Kind != flow.UnknownType {
		t.Errorf("got %+v, want one vantar_pa_kund instance of unknown type", got)
	}
}

// TestHandBuiltCatalog: a catalog decoded or built in Go, never loaded, has
// no index and no validation (it may hold a nil type); Place still finds
// its types.
func TestHandBuiltCatalog(t *testing.T) {
	data, err := os.ReadFile("testdata/rules.json")
	if err != nil {
		t.Fatal(err)
	}
	var c catalog.Catalog
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	c.Producentarendetyper = append([]*catalog.Producentarendetyp{nil}, c.Producentarendetyper...) // unvalidated
	in := find(t, flow.Place(&c, []K{ev("d", 0, "X.MOMS.DEKL"), ev("c", 1, "X.MOMS.KOMPL")}, nil), "X.MOMS")
	if diff := cmp.Diff(typs("X.MOMS.KONTROLL", "X.MOMS.BESLUT", "X.MOMS.BETALNING", "X.MOMS.BETALD"), in.Aterstar); diff != "" {
		t.Errorf("aterstar mismatch (-want +got):\n%s", diff)
	}
}

// TestPlaceKeepsInput: Place reads events and never reorders them.
func TestPlaceKeepsInput(t *testing.T) {
	events := []K{ev("b", 1, "X.ENKEL.HANDLAGGNING"), ev("a", 0, "X.ENKEL.ANSOKAN")}
	flow.Place(rulesCatalog(t), events, nil)
	if events[0].KundhandelseID != "b" || !events[0].Tidpunkt.Equal(t0.Add(time.Minute)) {
		t.Errorf("Place modified its input: %v", events)
	}
}

func TestStateAccessors(t *testing.T) {
	in := find(t, flow.Place(rulesCatalog(t), []K{ev("a", 0, "X.ENKEL.ANSOKAN")}, nil), "X.ENKEL")
	want := map[minaarenden.Kundhandelsetyp]string{
		"X.ENKEL.ANSOKAN": "current", "X.ENKEL.HANDLAGGNING": "expected", "X.ENKEL.BESLUT": "expected"}
	if diff := cmp.Diff(want, in.States()); diff != "" {
		t.Errorf("States() mismatch (-want +got):\n%s", diff)
	}
	if got := in.State("X.ENKEL.ANSOKAN"); got != flow.StegCurrent {
		t.Errorf("State(ANSOKAN) = %q, want current", got)
	}
	if got := in.State("X.MOMS.DEKL"); got != "" {
		t.Errorf("State of a step not in the flow = %q, want empty", got)
	}
}

// wire decodes one event the way a producer's answer arrives, so the
// reference tests go through Referens's own decoder.
func wire(t *testing.T, id string, minute int, typ, referenser string) K {
	t.Helper()
	doc := fmt.Sprintf(`{"kundhandelseId": %q, "rubrik": "r", "beskrivning": "b", "sprak": "sv", "producent": "Xverket",
		"tidpunkt": %q, "kundhandelseTyp": %q, "producentarendetKraverKundatgard": false, "producentarendetKlart": false,
		"referenser": %s}`, id, t0.Add(time.Duration(minute)*time.Minute).Format("2006-01-02T15:04:05Z07:00"), typ, referenser)
	var e K
	if err := json.Unmarshal([]byte(doc), &e); err != nil {
		t.Fatalf("decoding %s: %v", doc, err)
	}
	return e
}

// TestReferenceForms walks every wire form referenser.producentarende takes
// (rule 1): a string, the first string or url of an array or object, and the
// fallbacks to the arende asked about and to none.
func TestReferenceForms(t *testing.T) {
	c := rulesCatalog(t)
	tests := []struct {
		name       string
		referenser string
		arende     string
		want       string
	}{
		{"a string", `{"producentarende": "P-1"}`, "", "P-1"},
		{"a string with escapes", `{"producentarende": "P\u002d1"}`, "", "P-1"},
		{"an array of strings", `{"producentarende": ["P-1", "P-2"]}`, "", "P-1"},
		{"a link object", `{"producentarende": {"url": "https://x.invalid/1", "lanktext": "Ärende 1"}}`, "", "https://x.invalid/1"},
		{"an array of link objects", `{"producentarende": [{"url": "https://x.invalid/1"}, {"url": "https://x.invalid/2"}]}`, "", "https://x.invalid/1"},
		{"an array of a string and a link", `{"producentarende": ["P-1", {"url": "https://x.invalid/2"}]}`, "", "P-1"},
		{"an array with a value of another shape after the string", `{"producentarende": ["P-1", 7]}`, "", "P-1"},
		{"an array whose first item has no url", `{"producentarende": [{"lanktext": "utan länk"}, "P-2"]}`, "", "P-2"},
		{"an array whose first item is null", `{"producentarende": [null, "P-2"]}`, "", "P-2"},
		{"an empty string falls back to the arende", `{"producentarende": ""}`, "D-9", "D-9"},
		{"an empty array falls back to the arende", `{"producentarende": []}`, "D-9", "D-9"},
		{"null falls back to the arende", `{"producentarende": null}`, "D-9", "D-9"},
		{"no producentarende: the arende", `{"etjanst": "https://x.invalid/e"}`, "D-9", "D-9"},
		{"another key is not the reference", `{"konsumentReferens": "K-1"}`, "", ""},
		{"nothing at all", `{}`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := wire(t, "a", 0, "X.ENKEL.ANSOKAN", tt.referenser)
			if tt.arende != "" {
				e.Part.Arende = &minaarenden.Arende{Identifierare: tt.arende, Typ: minaarenden.Diarienummer}
			}
			got := flow.Place(c, []K{e}, nil)
			if len(got) != 1 || got[0].Referens != tt.want {
				t.Fatalf("referens = %q, want %q", got[0].Referens, tt.want)
			}
		})
	}
}

// TestRestartAfterKlartFlag: a case the klart flag finished (on a step that
// is not an end) is finished too, so a start after it with no reference
// opens a new case (rule 1), and a non-start after it is after_end.
func TestRestartAfterKlartFlag(t *testing.T) {
	c := rulesCatalog(t)
	got := flow.Place(c, []K{
		ev("a1", 0, "X.ENKEL.ANSOKAN"), ev("h1", 1, "X.ENKEL.HANDLAGGNING", flags(true, false)),
		ev("a2", 2, "X.ENKEL.ANSOKAN"), ev("a3", 3, "X.ENKEL.ANSOKAN", flags(true, false)), ev("h3", 4, "X.ENKEL.HANDLAGGNING"),
	}, nil)
	type inst struct {
		Events []string
		Status flow.Status
		Kinds  []flow.AvvikelseKind
	}
	var sum []inst
	for _, in := range got {
		sum = append(sum, inst{ids(in), in.Status, kinds(in)})
	}
	want := []inst{
		{[]string{"a1", "h1"}, flow.Klart, []flow.AvvikelseKind{flow.FlagMismatch}},
		{[]string{"a2", "a3", "h3"}, flow.Pagaende, []flow.AvvikelseKind{flow.FlagMismatch, flow.AfterEnd}},
	}
	if diff := cmp.Diff(want, sum); diff != "" {
		t.Errorf("instances mismatch (-want +got):\n%s", diff)
	}
}

// TestNastaInVariantEdgeOrder: a variant with its own edges lists nasta in
// the variant's edge order, not the union's (rule 2 and 6).
func TestNastaInVariantEdgeOrder(t *testing.T) {
	c := rulesCatalog(t)
	in := find(t, flow.Place(c, []K{ev("a", 0, "KOMMUN.BYGG.ANSOKAN", from("Beta kommun"))}, nil), "KOMMUN.BYGG")
	if diff := cmp.Diff(typs("KOMMUN.BYGG.REMISS", "KOMMUN.BYGG.KOMPL"), in.Nasta); diff != "" {
		t.Errorf("nasta mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(typs("KOMMUN.BYGG.REMISS", "KOMMUN.BYGG.BESLUT"), in.Aterstar); diff != "" {
		t.Errorf("aterstar mismatch (-want +got):\n%s", diff)
	}
}

// TestSameEventForTwoParts: one event answered for two parts (a kund and an
// ärende that both match) differs only in Part; the instances' Events still
// come out in the same order whatever order they arrived in (rule 8).
func TestSameEventForTwoParts(t *testing.T) {
	c := rulesCatalog(t)
	a := ev("a", 0, "X.ENKEL.ANSOKAN", ref("P-1"))
	b := a
	a.Part.Kund = &minaarenden.Kund{Identifierare: "165560001234", Typ: minaarenden.Organisationsnummer}
	b.Part.Kund = &minaarenden.Kund{Identifierare: "165560005678", Typ: minaarenden.Organisationsnummer}
	first := flow.Place(c, []K{a, b}, nil)
	second := flow.Place(c, []K{b, a}, nil)
	if len(first) != 1 || len(second) != 1 {
		t.Fatalf("got %d and %d instances, want 1", len(first), len(second))
	}
	if diff := cmp.Diff(first[0].Events, second[0].Events); diff != "" {
		t.Errorf("Events depend on arrival order (-first +second):\n%s", diff)
	}
}

// TestEventsPointIntoInput: an instance's Events are the events given to
// Place, not copies, each once, and appending to one instance's Events
// leaves the next instance's alone.
func TestEventsPointIntoInput(t *testing.T) {
	events := rulesEvents()
	got := flow.Place(rulesCatalog(t), events, nil)
	seen := make(map[*K]int)
	for _, in := range got {
		for _, e := range in.Events {
			seen[e]++
		}
	}
	for i := range events {
		if seen[&events[i]] != 1 {
			t.Errorf("event %d (%s) is in %d instances' Events, want exactly 1 by address", i, events[i].KundhandelseID, seen[&events[i]])
		}
	}
	if len(seen) != len(events) {
		t.Errorf("Events point at %d distinct events, want the %d given", len(seen), len(events))
	}
	first, next := got[0], got[1]
	want := next.Events[0]
	first.Events = append(first.Events, &K{KundhandelseID: "appended"})
	if next.Events[0] != want {
		t.Errorf("appending to one instance's Events changed the next one's first event to %s", next.Events[0].KundhandelseID)
	}
}

// TestCopyOfFinishingStartIsNoRestart: a start event that also finishes the
// case (a one-step case, or the klart flag on the start), delivered twice
// by two sources, is one case: the copy says nothing new, so it cannot be
// "a start after a finished instance" (rule 1).
func TestCopyOfFinishingStartIsNoRestart(t *testing.T) {
	c := rulesCatalog(t)
	a := ev("a", 0, "X.ENKEL.ANSOKAN", flags(true, false))
	copyOfA := a
	copyOfA.Rubrik = "från vidareförmedlingen"
	got := flow.Place(c, []K{a, copyOfA}, nil)
	if len(got) != 1 {
		t.Fatalf("got %d instances, want the copy in the first", len(got))
	}
	if diff := cmp.Diff([]string{"a", "a"}, ids(got[0])); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]flow.AvvikelseKind{flow.FlagMismatch}, kinds(got[0])); diff != "" {
		t.Errorf("avvikelser mismatch (-want +got):\n%s", diff)
	}
}
