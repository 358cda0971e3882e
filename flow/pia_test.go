package flow_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/catalog"
	"github.com/aterkoppling/minaarenden/flow"
)

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

func placePia(t *testing.T) []*flow.Instance {
	t.Helper()
	return flow.Place(piaCatalog(t), piaEvents(t), &flow.Options{Expected: piaExpected, Answered: piaAnswered})
}

func TestPiaTacotruck(t *testing.T) {
	got := placePia(t)
	type summary struct {
		Status   flow.Status
		Bollen   flow.Bollen
		Steg     map[string]flow.StegState
		Aterstar []string
	}
	sum := map[string]summary{}
	for _, in := range got {
		s := summary{Status: in.Status, Bollen: in.Bollen, Steg: map[string]flow.StegState{}, Aterstar: []string{}}
		for _, st := range in.Steg {
			s.Steg[string(st.Typ)] = st.State
		}
		for _, a := range in.Aterstar {
			s.Aterstar = append(s.Aterstar, string(a))
		}
		sum[in.Typ] = s
	}
	want := map[string]summary{
		// Not started: the customer must start it; the shortest way through
		// is expected, the komplettering detour is not.
		"BV.VERKLIG_HUVUDMAN": {Status: flow.EjPaborjad, Bollen: flow.BollenKund,
			Steg: map[string]flow.StegState{
				"BV.VERKLIG_HUVUDMAN.ANMALAN_MOTTAGEN": flow.StegExpected,
				"BV.VERKLIG_HUVUDMAN.KOMPLETTERING":    flow.StegUnvisited,
				"BV.VERKLIG_HUVUDMAN.REGISTRERAD":      flow.StegExpected},
			Aterstar: []string{"BV.VERKLIG_HUVUDMAN.ANMALAN_MOTTAGEN", "BV.VERKLIG_HUVUDMAN.REGISTRERAD"}},
		"SKV.ARBETSGIVARE": {Status: flow.Klart, Bollen: flow.BollenIngen,
			Steg: map[string]flow.StegState{
				"SKV.ARBETSGIVARE.ANSOKAN":      flow.StegDone,
				"SKV.ARBETSGIVARE.HANDLAGGNING": flow.StegDone,
				"SKV.ARBETSGIVARE.BESLUT":       flow.StegDone},
			Aterstar: []string{}},
		// The komplettering branch: PRV waits on Pia.
		"PRV.VARUMARKE": {Status: flow.VantarPaKund, Bollen: flow.BollenKund,
			Steg: map[string]flow.StegState{
				"PRV.VARUMARKE.ANSOKAN":       flow.StegDone,
				"PRV.VARUMARKE.GRANSKNING":    flow.StegExpected,
				"PRV.VARUMARKE.KOMPLETTERING": flow.StegCurrent,
				"PRV.VARUMARKE.REGISTRERAD":   flow.StegExpected,
				"PRV.VARUMARKE.AVSLAG":        flow.StegUnvisited},
			Aterstar: []string{"PRV.VARUMARKE.GRANSKNING", "PRV.VARUMARKE.REGISTRERAD"}},
		"KOMMUN.FETTAVSKILJARE": {Status: flow.Pagaende, Bollen: flow.BollenProducent,
			Steg: map[string]flow.StegState{
				"KOMMUN.FETTAVSKILJARE.ANSOKAN":      flow.StegDone,
				"KOMMUN.FETTAVSKILJARE.HANDLAGGNING": flow.StegCurrent,
				"KOMMUN.FETTAVSKILJARE.BESLUT":       flow.StegExpected},
			Aterstar: []string{"KOMMUN.FETTAVSKILJARE.BESLUT"}},
	}
	if diff := cmp.Diff(want, sum); diff != "" {
		t.Errorf("Pia's cases mismatch (-want +got):\n%s", diff)
	}
	for _, in := range got {
		if len(in.Avvikelser) != 0 {
			t.Errorf("%s: anomalies %v in the standard's own example", in.Typ, in.Avvikelser)
		}
	}
	data, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "pia.golden.json", append(data, '\n'))
}

// TestShuffledIsByteIdentical is rule 8: whatever order the events arrive
// in, the JSON is the same, byte for byte.
func TestShuffledIsByteIdentical(t *testing.T) {
	tests := []struct {
		name   string
		c      *catalog.Catalog
		events []minaarenden.Kundhandelse
		opts   *flow.Options
	}{
		{"Pia's Tacotruck", piaCatalog(t), piaEvents(t), &flow.Options{Expected: piaExpected, Answered: piaAnswered}},
		{"loops, restarts, ties and duplicates", rulesCatalog(t), rulesEvents(),
			&flow.Options{Expected: []flow.Expected{{Typ: "X.TVA"}, {Typ: "KOMMUN.BYGG", Producent: "Gamma kommun"}}, Answered: []string{"Xverket"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := json.Marshal(flow.Place(tt.c, tt.events, tt.opts))
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(1, 2))
			for i := range 50 {
				shuffled := append(tt.events[:0:0], tt.events...)
				r.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
				got, err := json.Marshal(flow.Place(tt.c, shuffled, tt.opts))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(want, got) {
					t.Fatalf("shuffle %d: output differs:\n%s\n%s", i, want, got)
				}
			}
		})
	}
}
