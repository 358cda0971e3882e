package flow_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/flow"
)

// wire decodes one event the way a producer's answer arrives, so the
// reference tests go through Referens's own decoder.
func wire(t *testing.T, id string, minute int, typ, referenser string) K {
	t.Helper()
	doc := fmt.Sprintf(`{"kundhandelseId": %q, "rubrik": "r", "beskrivning": "b", "sprak": "sv", "producent": "Xverket",
		"tidpunkt": %q, "kundhandelseTyp": %q, "producentarendetKraverKundatgard": false, "producentarendetKlart": false,
		"referenser": %s}`, id, t0.Add(timeMinutes(minute)).Format("2006-01-02T15:04:05Z07:00"), typ, referenser)
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

func timeMinutes(n int) time.Duration { return time.Duration(n) * time.Minute }

// TestStegPrecedenceMore covers the pairs of rule 5's precedence the rule
// tests leave out: current over skipped, current over done in a loop, and a
// step that is skipped on one stretch and expected on the way out.
func TestStegPrecedenceMore(t *testing.T) {
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
		kinds  []flow.AvvikelseKind
	}{
		{"current beats skipped", []K{ev("d", 0, "X.MOMS.DEKL"), ev("c", 1, "X.MOMS.KOMPL"), ev("k", 2, "X.MOMS.KONTROLL")},
			"X.MOMS", S{"X.MOMS.DEKL": don, "X.MOMS.KONTROLL": cur, "X.MOMS.KOMPL": don, "X.MOMS.BESLUT": exp,
				"X.MOMS.BETALNING": exp, "X.MOMS.BETALD": exp}, []flow.AvvikelseKind{flow.SkippedSteps}},
		{"current beats done in a cycle through the start", []K{ev("a1", 0, "X.CYKEL.A"), ev("b", 1, "X.CYKEL.B"), ev("a2", 2, "X.CYKEL.A")},
			"X.CYKEL", S{"X.CYKEL.A": cur, "X.CYKEL.B": don, "X.CYKEL.C": exp}, []flow.AvvikelseKind{}},
		{"a first event past the start skips the start and the steps between", []K{ev("b", 0, "X.MOMS.BESLUT")},
			"X.MOMS", S{"X.MOMS.DEKL": ski, "X.MOMS.KONTROLL": ski, "X.MOMS.KOMPL": unv, "X.MOMS.BESLUT": cur,
				"X.MOMS.BETALNING": exp, "X.MOMS.BETALD": exp}, []flow.AvvikelseKind{flow.SkippedSteps}},
		{"a skip over the shortest of two ways marks only the shortest", []K{ev("s", 0, "X.TVA.START"), ev("e", 1, "X.TVA.SLUT_A")},
			"X.TVA", S{"X.TVA.START": don, "X.TVA.A": ski, "X.TVA.B": unv, "X.TVA.SLUT_B": unv, "X.TVA.SLUT_A": don},
			[]flow.AvvikelseKind{flow.SkippedSteps}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := find(t, flow.Place(c, tt.events, nil), tt.typ)
			if diff := cmp.Diff(tt.want, states(in)); diff != "" {
				t.Errorf("steg mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.kinds, kinds(in)); diff != "" {
				t.Errorf("avvikelser mismatch (-want +got):\n%s", diff)
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
