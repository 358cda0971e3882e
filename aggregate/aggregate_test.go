package aggregate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate"
	"github.com/aterkoppling/minaarenden/client"
)

type typs = []minaarenden.Kundhandelsetyp

func TestNewRefuses(t *testing.T) {
	good := &fake{name: "SKV", prefixes: typs{"SKV"}}
	tests := []struct {
		name    string
		sources []aggregate.Source
		opts    *aggregate.Options
		want    string
	}{
		{"no sources", nil, nil, "there is nothing to ask"},
		{"empty sources", []aggregate.Source{}, &aggregate.Options{AllowAnyPrefix: true}, "there is nothing to ask"},
		{"nil source", []aggregate.Source{good, nil}, nil, "source 1 is nil"},
		{"duplicate name", []aggregate.Source{good, &fake{name: "SKV", prefixes: typs{"SKV"}}}, nil, `two sources are named "SKV"`},
		{"no prefixes", []aggregate.Source{&fake{name: "Kommun"}}, nil, `source "Kommun" registers no prefixes`},
		{"bad prefix", []aggregate.Source{&fake{name: "X", prefixes: typs{"skv"}}}, nil, `source "X": minaarenden: kundhandelseTyp "skv"`},
		{"forwarding without producers", []aggregate.Source{&forwardingFake{name: "Vidareformedling"}}, nil, "needs Options.Producers"},
		{"bad producers prefix", []aggregate.Source{good}, &aggregate.Options{Producers: map[string]typs{"PRV": {"P..X"}}}, `Options.Producers["PRV"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := aggregate.New(tt.sources, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	t.Run("allowed with AllowAnyPrefix", func(t *testing.T) {
		src := &fake{name: "Kommun", events: []minaarenden.Kundhandelse{ev("Kommun", "k1", "KOMMUN.BYGGLOV.ANSOKAN", 1)}}
		a := mustNew(t, []aggregate.Source{src, &forwardingFake{name: "Vidareformedling"}}, &aggregate.Options{AllowAnyPrefix: true})
		res := mustRun(t, a, context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{pia}})
		if diff := cmp.Diff([]string{"Kommun/k1"}, ids(res)); diff != "" {
			t.Errorf("events mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestRunRejectsInvalidFraga(t *testing.T) {
	a := mustNew(t, []aggregate.Source{&fake{name: "SKV", prefixes: typs{"SKV"}}}, nil)
	if _, err := a.Run(context.Background(), minaarenden.Fraga{}); err == nil {
		t.Fatal("Run accepted a Fraga without parter")
	}
	var nilAgg *aggregate.Aggregator
	if _, err := nilAgg.Run(context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{pia}}); err == nil {
		t.Fatal("Run on a nil Aggregator returned no error")
	}
}

func TestRouting(t *testing.T) {
	tests := []struct {
		name        string
		filter      typs
		wantStatus  map[string]aggregate.Status
		wantFilters map[string][]typs // what each asked source was sent
	}{
		{
			name:        "no filter asks everyone",
			wantStatus:  map[string]aggregate.Status{"SKV": "ok", "PRV": "ok", "Stockholm": "ok"},
			wantFilters: map[string][]typs{"SKV": {nil}, "PRV": {nil}, "Stockholm": {nil}},
		},
		{
			name:        "a type prefix asks only its producer",
			filter:      typs{"SKV.MOMS"},
			wantStatus:  map[string]aggregate.Status{"SKV": "ok", "PRV": "skipped", "Stockholm": "skipped"},
			wantFilters: map[string][]typs{"SKV": {{"SKV.MOMS"}}, "PRV": nil, "Stockholm": nil},
		},
		{
			name:        "each source is sent only the filters it can match",
			filter:      typs{"SKV.MOMS", "KOMMUN"},
			wantStatus:  map[string]aggregate.Status{"SKV": "ok", "PRV": "skipped", "Stockholm": "ok"},
			wantFilters: map[string][]typs{"SKV": {{"SKV.MOMS"}}, "PRV": nil, "Stockholm": {{"KOMMUN"}}},
		},
		{
			name:        "segment boundaries: SKV.MO does not reach SKV.MOMS",
			filter:      typs{"SKV.MO", "KOMMUN.FETTAVSKILJARE.ANSOKAN"},
			wantStatus:  map[string]aggregate.Status{"SKV": "skipped", "PRV": "skipped", "Stockholm": "ok"},
			wantFilters: map[string][]typs{"SKV": nil, "PRV": nil, "Stockholm": {{"KOMMUN.FETTAVSKILJARE.ANSOKAN"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srcs := []*fake{
				{name: "SKV", prefixes: typs{"SKV.MOMS"}},
				{name: "PRV", prefixes: typs{"PRV"}},
				{name: "Stockholm", prefixes: typs{"KOMMUN.FETTAVSKILJARE"}},
			}
			a := mustNew(t, []aggregate.Source{srcs[0], srcs[1], srcs[2]}, nil)
			res := mustRun(t, a, context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{pia}, KundhandelseTyper: tt.filter})
			gotStatus := map[string]aggregate.Status{}
			for _, o := range res.Outcomes {
				gotStatus[o.Source] = o.Status
			}
			if diff := cmp.Diff(tt.wantStatus, gotStatus); diff != "" {
				t.Errorf("status mismatch (-want +got):\n%s", diff)
			}
			gotFilters := map[string][]typs{}
			for _, s := range srcs {
				gotFilters[s.name] = s.filters
			}
			if diff := cmp.Diff(tt.wantFilters, gotFilters); diff != "" {
				t.Errorf("filters sent mismatch (-want +got):\n%s", diff)
			}
			if !res.Complete() || res.Err() != nil || len(res.Unanswered()) != 0 {
				t.Errorf("ok and skipped only: Complete() = %v, Err() = %v, Unanswered() = %v; want true, nil, none", res.Complete(), res.Err(), res.Unanswered())
			}
		})
	}
}

func TestSpoofGuard(t *testing.T) {
	skv := &fake{name: "Skatteverket", prefixes: typs{"SKV"}, events: []minaarenden.Kundhandelse{
		ev("Skatteverket", "s1", "SKV.MOMS.DEKL", 1),
		ev("Skatteverket", "s2", "PRV.VARUMARKE.BESLUT", 2), // posing as PRV
		ev("Skatteverket", "s3", "SKVX.A.B", 3),             // not on a segment boundary
	}}
	prv := &fake{name: "PRV", prefixes: typs{"PRV"}, events: []minaarenden.Kundhandelse{ev("PRV", "p1", "PRV.VARUMARKE.ANSOKAN", 4)}}
	a := mustNew(t, []aggregate.Source{skv, prv}, nil)
	res := mustRun(t, a, context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{pia}})

	want := []outcomeRow{
		{Source: "Skatteverket", Producent: "Skatteverket", Part: pia.String(), Status: "rejected", HTTPCode: 200, Attempts: 1, Events: 1, Rejected: 2},
		{Source: "PRV", Producent: "PRV", Part: pia.String(), Status: "ok", HTTPCode: 200, Attempts: 1, Events: 1},
	}
	if diff := cmp.Diff(want, rows(res)); diff != "" {
		t.Errorf("outcomes mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Skatteverket/s1", "PRV/p1"}, ids(res)); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}
	var rej *aggregate.RejectedError
	if err := res.Outcomes[0].Err; !errors.As(err, &rej) || !errors.Is(err, aggregate.ErrSpoofed) {
		t.Fatalf("Err = %v, want a *RejectedError wrapping ErrSpoofed", err)
	}
	if diff := cmp.Diff(typs{"PRV.VARUMARKE.BESLUT", "SKVX.A.B"}, rej.Types); diff != "" {
		t.Errorf("rejected types mismatch (-want +got):\n%s", diff)
	}
	if res.Complete() {
		t.Error("Complete() = true with a rejected outcome")
	}
	if diff := cmp.Diff([]string{"Skatteverket"}, res.Unanswered()); diff != "" {
		t.Errorf("Unanswered mismatch (-want +got):\n%s", diff)
	}
}

// TestSpoofGuardProducent: a producer source naming another producer in
// its events' producent would share that producer's merge key, and its
// earlier-sorting copy would replace the real event. Such events are
// rejected, whether the other producer is a source or only registered in
// Options.Producers; a producent no one else answers for is accepted.
func TestSpoofGuardProducent(t *testing.T) {
	skv := &fake{name: "Skatteverket", prefixes: typs{"SKV", "KOMMUN"}, events: []minaarenden.Kundhandelse{
		ev("PRV", "p1", "SKV.MOMS.DEKL", 1),                            // PRV's id, as PRV: another source
		ev("Stockholms stad", "k1", "SKV.MOMS.DEKL", 2),                // registered for KOMMUN only
		ev("Stockholms stad", "k2", "KOMMUN.FETTAVSKILJARE.BESLUT", 3), // within Stockholm's prefixes
		ev("SKV", "s1", "SKV.MOMS.DEKL", 4),                            // a producent no one else answers for
	}}
	prv := &fake{name: "PRV", prefixes: typs{"PRV"}, events: []minaarenden.Kundhandelse{ev("PRV", "p1", "PRV.VARUMARKE.KOMPLETTERING", 5)}}
	a := mustNew(t, []aggregate.Source{skv, prv}, &aggregate.Options{Producers: map[string]typs{"Stockholms stad": {"KOMMUN"}}})
	res := mustRun(t, a, context.Background(), minaarenda(pia))

	want := []outcomeRow{
		{Source: "Skatteverket", Producent: "Skatteverket", Part: pia.String(), Status: "rejected", HTTPCode: 200, Attempts: 1, Events: 2, Rejected: 2},
		{Source: "PRV", Producent: "PRV", Part: pia.String(), Status: "ok", HTTPCode: 200, Attempts: 1, Events: 1},
	}
	if diff := cmp.Diff(want, rows(res)); diff != "" {
		t.Errorf("outcomes mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Stockholms stad/k2", "SKV/s1", "PRV/p1"}, ids(res)); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}
	if got := res.Events[2].Typ; got != "PRV.VARUMARKE.KOMPLETTERING" {
		t.Errorf("PRV/p1 has type %s, want PRV's own event", got)
	}
	var rej *aggregate.RejectedError
	if err := res.Outcomes[0].Err; !errors.As(err, &rej) || !errors.Is(err, aggregate.ErrSpoofed) {
		t.Fatalf("Err = %v, want a *RejectedError wrapping ErrSpoofed", err)
	}
	if diff := cmp.Diff([]string{"PRV", "Stockholms stad"}, rej.Producenter); diff != "" || len(rej.Types) != 0 {
		t.Errorf("rejected types %v, producenter mismatch (-want +got):\n%s", rej.Types, diff)
	}
	if want := `aggregate: Skatteverket (producent "Skatteverket") sent 2 event(s) in the name of another producer ("PRV", "Stockholms stad"): dropped`; rej.Error() != want {
		t.Errorf("Error() = %q, want %q", rej.Error(), want)
	}
}

// TestRepeatedPart: a part named twice is asked once, with one outcome
// per source, and listed once in Parter.
func TestRepeatedPart(t *testing.T) {
	skv := &fake{name: "Skatteverket", prefixes: typs{"SKV"}, events: []minaarenden.Kundhandelse{ev("Skatteverket", "s1", "SKV.MOMS.DEKL", 1)}}
	fwd := &forwardingFake{name: "Vidareformedling", answer: client.Answer{
		Events:   []minaarenden.Kundhandelse{withPart(ev("PRV", "p1", "PRV.VARUMARKE.ANSOKAN", 2), pia)},
		Outcomes: []client.Outcome{{Producent: "PRV", Part: pia, HTTPCode: 200, Events: 1}},
	}}
	a := mustNew(t, []aggregate.Source{skv, fwd}, &aggregate.Options{Producers: map[string]typs{"PRV": {"PRV"}}})
	res := mustRun(t, a, context.Background(), minaarenda(pia, person, pia))
	want := []outcomeRow{
		{Source: "Skatteverket", Producent: "Skatteverket", Part: pia.String(), Status: "ok", HTTPCode: 200, Attempts: 1, Events: 1},
		{Source: "Skatteverket", Producent: "Skatteverket", Part: person.String(), Status: "ok", HTTPCode: 200, Attempts: 1, Events: 1},
		{Source: "Vidareformedling", Producent: "PRV", Part: pia.String(), Status: "ok", HTTPCode: 200, Attempts: 1, Events: 1},
		{Source: "Vidareformedling", Producent: "Vidareformedling", Part: person.String(), Status: "ok", Attempts: 1},
	}
	if diff := cmp.Diff(want, rows(res)); diff != "" {
		t.Errorf("outcomes mismatch (-want +got):\n%s", diff)
	}
	if n := skv.calls.Load(); n != 2 {
		t.Errorf("Skatteverket asked %d times, want 2 (once per distinct part)", n)
	}
	var parter [][]string
	for i := range res.Events {
		parter = append(parter, partStrings(res.Parter(i)))
	}
	if diff := cmp.Diff([][]string{{pia.String(), person.String()}, {pia.String()}}, parter); diff != "" {
		t.Errorf("parter mismatch (-want +got):\n%s", diff)
	}
}

// TestRejectedErrorPrintable: the rejected types and producers are the
// producer's text; the error string bounds them and masks digit runs.
func TestRejectedErrorPrintable(t *testing.T) {
	long := strings.Repeat("X", 500)
	src := &fake{name: "S", prefixes: typs{"S"}, events: []minaarenden.Kundhandelse{
		ev("S", "1", "KUND.P199001012385.STEG", 1),
		ev("S", "2", minaarenden.Kundhandelsetyp("LANG."+long+".STEG"), 2),
		ev("Other 199001012385", "3", "S.A.B", 3),
	}}
	a := mustNew(t, []aggregate.Source{src, &fake{name: "Other 199001012385", prefixes: typs{"O"}}}, nil)
	msg := mustRun(t, a, context.Background(), minaarenda(pia)).Outcomes[0].Err.Error()
	want := `aggregate: S (producent "S") sent 3 event(s) outside its registered prefixes (KUND.P************.STEG, LANG.` +
		strings.Repeat("X", 75) + `…) or in the name of another producer ("Other ************"): dropped`
	if msg != want {
		t.Errorf("Error() =\n%s\nwant\n%s", msg, want)
	}
}

// TestProducersCopied: New keeps its own copy of Options.Producers, so a
// caller changing the map afterwards changes nothing (and races with no Run).
func TestProducersCopied(t *testing.T) {
	fwd := &forwardingFake{name: "Vidareformedling", answer: client.Answer{
		Events:   []minaarenden.Kundhandelse{withPart(ev("PRV", "p1", "PRV.VARUMARKE.ANSOKAN", 1), pia)},
		Outcomes: []client.Outcome{{Producent: "PRV", Part: pia, HTTPCode: 200, Events: 1}},
	}}
	registry := map[string]typs{"PRV": {"PRV"}}
	a := mustNew(t, []aggregate.Source{fwd}, &aggregate.Options{Producers: registry})
	registry["PRV"][0] = "SKV"
	delete(registry, "PRV")
	res := mustRun(t, a, context.Background(), minaarenda(pia))
	if !res.Complete() || len(res.Events) != 1 {
		t.Errorf("after the caller changed its map: Complete() = %v, %d events; want true, 1: %v", res.Complete(), len(res.Events), res.Err())
	}
}

// TestMissingProducent: two producers that leave out the required
// producent and happen to use the same kundhandelseId keep both events,
// each under the producer that sent it.
func TestMissingProducent(t *testing.T) {
	a1 := ev("", "1", "BV.VH.ANSOKAN", 1)
	a2 := ev("", "1", "PRV.VARUMARKE.ANSOKAN", 2)
	bv := &fake{name: "Bolagsverket", prefixes: typs{"BV"}, events: []minaarenden.Kundhandelse{a1}}
	prv := &fake{name: "PRV", prefixes: typs{"PRV"}, events: []minaarenden.Kundhandelse{a2}}
	res := mustRun(t, mustNew(t, []aggregate.Source{bv, prv}, nil), context.Background(), minaarenda(pia, person))
	if diff := cmp.Diff([]string{"Bolagsverket/1", "PRV/1"}, ids(res)); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}
	for i := range res.Events {
		if got := partStrings(res.Parter(i)); len(got) != 2 {
			t.Errorf("event %d answered %d parter, want both", i, len(got))
		}
	}
}

func TestForwarding(t *testing.T) {
	failed := &client.Error{Producent: "PRV", HTTPCode: 500, Message: "Internal server error", Err: client.ErrDelfraga}
	fwd := &forwardingFake{name: "Vidareformedling", err: failed, answer: client.Answer{
		Events: []minaarenden.Kundhandelse{
			withPart(ev("Skatteverket", "s1", "SKV.ARBETSGIVARE.ANSOKAN", 1), pia),
			withPart(ev("Skatteverket", "s1", "SKV.ARBETSGIVARE.ANSOKAN", 1), person), // same event, other part
			withPart(ev("Skatteverket", "s2", "PRV.VARUMARKE.BESLUT", 2), pia),        // spoofed
			withPart(ev("Okand", "o1", "OKAND.X.Y", 3), person),                       // no delfråga, not registered
		},
		// The service's order; outcomes come by part, then producer.
		Outcomes: []client.Outcome{
			{Producent: "Skatteverket", Part: person, HTTPCode: 200, Status: "OK", Events: 1},
			{Producent: "PRV", Part: pia, HTTPCode: 500, Err: failed},
			{Producent: "Skatteverket", Part: pia, HTTPCode: 200, Status: "OK", Events: 2},
			{Producent: "PRV", Part: person, HTTPCode: 200, Status: "OK"},
		},
	}}
	a := mustNew(t, []aggregate.Source{fwd}, &aggregate.Options{Producers: map[string]typs{"Skatteverket": {"SKV"}, "PRV": {"PRV"}}})
	res := mustRun(t, a, context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{pia, person}})

	src := "Vidareformedling"
	want := []outcomeRow{
		{Source: src, Producent: "PRV", Part: pia.String(), Status: "error", HTTPCode: 500, Attempts: 1},
		{Source: src, Producent: "Skatteverket", Part: pia.String(), Status: "rejected", HTTPCode: 200, Attempts: 1, Events: 1, Rejected: 1},
		{Source: src, Producent: "Okand", Part: person.String(), Status: "rejected", Attempts: 1, Rejected: 1},
		{Source: src, Producent: "PRV", Part: person.String(), Status: "ok", HTTPCode: 200, Attempts: 1},
		{Source: src, Producent: "Skatteverket", Part: person.String(), Status: "ok", HTTPCode: 200, Attempts: 1, Events: 1},
	}
	if diff := cmp.Diff(want, rows(res)); diff != "" {
		t.Errorf("outcomes mismatch (-want +got):\n%s", diff)
	}
	if !errors.Is(res.Outcomes[0].Err, client.ErrDelfraga) {
		t.Errorf("PRV outcome Err = %v, want the delfråga's error", res.Outcomes[0].Err)
	}
	if diff := cmp.Diff([]string{"Skatteverket/s1"}, ids(res)); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{pia.String(), person.String()}, partStrings(res.Parter(0))); diff != "" {
		t.Errorf("parter mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Okand", "PRV", "Skatteverket"}, res.Unanswered()); diff != "" {
		t.Errorf("Unanswered mismatch (-want +got):\n%s", diff)
	}
}

func TestForwardingFailedWhole(t *testing.T) {
	// The service itself failed: no delfragor, one outcome per part under
	// the source's name.
	down := &client.Error{HTTPCode: 503, Err: client.ErrUnexpectedStatus}
	fwd := &forwardingFake{name: "Vidareformedling", err: down}
	a := mustNew(t, []aggregate.Source{fwd}, &aggregate.Options{Producers: map[string]typs{"Skatteverket": {"SKV"}}})
	res := mustRun(t, a, context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{pia, person}})
	want := []outcomeRow{
		{Source: "Vidareformedling", Producent: "Vidareformedling", Part: pia.String(), Status: "error", Attempts: 1},
		{Source: "Vidareformedling", Producent: "Vidareformedling", Part: person.String(), Status: "error", Attempts: 1},
	}
	if diff := cmp.Diff(want, rows(res)); diff != "" {
		t.Errorf("outcomes mismatch (-want +got):\n%s", diff)
	}
	// Nobody behind the service was heard: flow must not say "not started".
	if diff := cmp.Diff([]string{"Skatteverket", "Vidareformedling"}, res.Unanswered()); diff != "" {
		t.Errorf("Unanswered mismatch (-want +got):\n%s", diff)
	}
}

// A producer behind a failed forwarding source that was also asked directly,
// and answered every part, was heard: its cases can be "not started".
func TestForwardingFailedWholeButProducerAnsweredDirectly(t *testing.T) {
	down := &client.Error{HTTPCode: 503, Err: client.ErrUnexpectedStatus}
	fwd := &forwardingFake{name: "Vidareformedling", err: down}
	skv := &fake{name: "Skatteverket", prefixes: typs{"SKV"}}
	a := mustNew(t, []aggregate.Source{fwd, skv}, &aggregate.Options{Producers: map[string]typs{"Skatteverket": {"SKV"}, "PRV": {"PRV"}}})
	res := mustRun(t, a, context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{pia, person}})
	if diff := cmp.Diff([]string{"PRV", "Vidareformedling"}, res.Unanswered()); diff != "" {
		t.Errorf("Unanswered mismatch (-want +got):\n%s", diff)
	}
}

func withPart(e minaarenden.Kundhandelse, p minaarenden.Part) minaarenden.Kundhandelse {
	e.Part = p
	return e
}

func partStrings(ps []minaarenden.Part) []string {
	var s []string
	for _, p := range ps {
		s = append(s, p.String())
	}
	return s
}

func TestMerge(t *testing.T) {
	later := ev("Skatteverket", "s1", "SKV.MOMS.DEKL", 5)
	later.Rubrik = "a different copy"
	tests := []struct {
		name      string
		sources   []*fake
		wantIDs   []string
		wantParts [][]string
		wantDups  []int // Duplicates per outcome
	}{
		{
			name: "the same event for two parter is one event with both",
			sources: []*fake{{name: "SKV", prefixes: typs{"SKV"}, events: []minaarenden.Kundhandelse{
				ev("Skatteverket", "s1", "SKV.MOMS.DEKL", 1), // answers both parts
			}}},
			wantIDs:   []string{"Skatteverket/s1"},
			wantParts: [][]string{{pia.String(), person.String()}},
			wantDups:  []int{0, 0},
		},
		{
			name: "ordered by instant, not by text, ties by producent then id",
			sources: []*fake{
				{name: "SKV", prefixes: typs{"SKV"}, events: []minaarenden.Kundhandelse{
					withPart(ev("Skatteverket", "b", "SKV.MOMS.DEKL", 2), pia),
					withPart(ev("Skatteverket", "a", "SKV.MOMS.DEKL", 2), pia),
					withPart(tz(ev("Skatteverket", "late", "SKV.MOMS.DEKL", 1), "+02:00", 60), pia),
				}},
				{name: "Bolagsverket", prefixes: typs{"BV"}, events: []minaarenden.Kundhandelse{
					withPart(ev("Bolagsverket", "z", "BV.VH.ANSOKAN", 2), person),
				}},
			},
			wantIDs:   []string{"Bolagsverket/z", "Skatteverket/a", "Skatteverket/b", "Skatteverket/late"},
			wantParts: [][]string{{person.String()}, {pia.String()}, {pia.String()}, {pia.String()}},
			wantDups:  []int{0, 0, 0, 0},
		},
		{
			name: "a producer repeating itself is counted and merged",
			sources: []*fake{{name: "SKV", prefixes: typs{"SKV"}, events: []minaarenden.Kundhandelse{
				withPart(ev("Skatteverket", "s1", "SKV.MOMS.DEKL", 1), pia),
				withPart(ev("Skatteverket", "s1", "SKV.MOMS.DEKL", 1), pia),
			}}},
			wantIDs:   []string{"Skatteverket/s1"},
			wantParts: [][]string{{pia.String()}},
			wantDups:  []int{1, 0},
		},
		{
			name: "a repeat within one part's answer is counted there, not the same event for another part",
			sources: []*fake{{name: "SKV", prefixes: typs{"SKV"}, events: []minaarenden.Kundhandelse{
				ev("Skatteverket", "s1", "SKV.MOMS.DEKL", 1), // answers both parts
				withPart(ev("Skatteverket", "s1", "SKV.MOMS.DEKL", 1), person),
			}}},
			wantIDs:   []string{"Skatteverket/s1"},
			wantParts: [][]string{{pia.String(), person.String()}},
			wantDups:  []int{0, 1},
		},
		{
			name: "events without an id are never merged",
			sources: []*fake{{name: "SKV", prefixes: typs{"SKV"}, events: []minaarenden.Kundhandelse{
				withPart(ev("Skatteverket", "", "SKV.MOMS.DEKL", 1), pia),
				withPart(ev("Skatteverket", "", "SKV.MOMS.DEKL", 1), pia),
			}}},
			wantIDs:   []string{"Skatteverket/", "Skatteverket/"},
			wantParts: [][]string{{pia.String()}, {pia.String()}},
			wantDups:  []int{0, 0},
		},
		{
			name: "differing copies: the earliest-sorting one is kept",
			sources: []*fake{
				{name: "A", prefixes: typs{"SKV"}, events: []minaarenden.Kundhandelse{withPart(later, person)}},
				{name: "B", prefixes: typs{"SKV"}, events: []minaarenden.Kundhandelse{withPart(ev("Skatteverket", "s1", "SKV.MOMS.DEKL", 1), pia)}},
			},
			wantIDs:   []string{"Skatteverket/s1"},
			wantParts: [][]string{{pia.String(), person.String()}},
			wantDups:  []int{0, 0, 0, 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var srcs []aggregate.Source
			for _, s := range tt.sources {
				srcs = append(srcs, s)
			}
			res := mustRun(t, mustNew(t, srcs, nil), context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{pia, person}})
			if diff := cmp.Diff(tt.wantIDs, ids(res)); diff != "" {
				t.Errorf("events mismatch (-want +got):\n%s", diff)
			}
			var parts [][]string
			for i, e := range res.Events {
				parts = append(parts, partStrings(res.Parter(i)))
				if e.Part.String() != res.Parter(i)[0].String() {
					t.Errorf("event %d: Part = %v, want the first of Parter", i, e.Part)
				}
				if e.Rubrik == "a different copy" {
					t.Errorf("event %d: kept the later copy", i)
				}
			}
			if diff := cmp.Diff(tt.wantParts, parts); diff != "" {
				t.Errorf("parter mismatch (-want +got):\n%s", diff)
			}
			var dups []int
			for _, o := range res.Outcomes {
				dups = append(dups, o.Duplicates)
			}
			if diff := cmp.Diff(tt.wantDups, dups); diff != "" {
				t.Errorf("duplicates mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// tz moves e into a zone east of UTC by offset minutes, adding shift
// minutes: the text sorts earlier than its instant does.
func tz(e minaarenden.Kundhandelse, name string, shift int) minaarenden.Kundhandelse {
	e.Tidpunkt = e.Tidpunkt.Add(time.Duration(shift) * time.Minute).In(time.FixedZone(name, 2*3600))
	return e
}

func TestPanicIsAnOutcome(t *testing.T) {
	bad := &fake{name: "Trasig", prefixes: typs{"TRASIG"}, panics: true}
	good := &fake{name: "PRV", prefixes: typs{"PRV"}, events: []minaarenden.Kundhandelse{ev("PRV", "p1", "PRV.VARUMARKE.ANSOKAN", 1)}}
	res := mustRun(t, mustNew(t, []aggregate.Source{bad, good}, nil), context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{pia}})
	var pe *aggregate.PanicError
	if res.Outcomes[0].Status != aggregate.StatusError || !errors.As(res.Outcomes[0].Err, &pe) || pe.Value != "adapter bug" {
		t.Fatalf("outcome = %+v, want an error outcome with the panic", res.Outcomes[0])
	}
	if diff := cmp.Diff([]string{"PRV/p1"}, ids(res)); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}
	checkNoLeak(t)
}

func TestResultErr(t *testing.T) {
	boom := errors.New("boom")
	bad := &fake{name: "Trasig", prefixes: typs{"TRASIG"}, err: boom, status: 500}
	good := &fake{name: "PRV", prefixes: typs{"PRV"}}
	res := mustRun(t, mustNew(t, []aggregate.Source{bad, good}, nil), context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{person}})
	err := res.Err()
	if !errors.Is(err, boom) {
		t.Fatalf("Err() = %v, want it to wrap the source's error", err)
	}
	if strings.Contains(err.Error(), "199001012385") {
		t.Fatalf("Err() reveals a personnummer: %v", err)
	}
	if want := `Trasig (producent "Trasig", kund Personnummer ************): error: boom`; err.Error() != want {
		t.Errorf("Err() = %q, want %q", err, want)
	}
	okRes := mustRun(t, mustNew(t, []aggregate.Source{good}, nil), context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{person}})
	if okRes.Err() != nil || !okRes.Complete() {
		t.Errorf("all ok: Err() = %v, Complete() = %v", okRes.Err(), okRes.Complete())
	}
}

// TestTiming covers the per-source timeout, the overall deadline and the
// pool, on synctest's fake clock.
func TestTiming(t *testing.T) {
	t.Run("per-source timeout", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			fast := &fake{name: "Fast", prefixes: typs{"F"}, delays: []time.Duration{time.Second}, events: []minaarenden.Kundhandelse{ev("Fast", "f1", "F.A.B", 1)}}
			stalled := &fake{name: "Stalled", prefixes: typs{"S"}, delays: []time.Duration{time.Hour}}
			a := mustNew(t, []aggregate.Source{fast, stalled}, &aggregate.Options{SourceTimeout: 5 * time.Second})
			start := time.Now()
			res := mustRun(t, a, context.Background(), minaarenda(pia))
			if got := time.Since(start); got != 5*time.Second {
				t.Errorf("Run took %v on the fake clock, want 5s", got)
			}
			want := []outcomeRow{
				{Source: "Fast", Producent: "Fast", Part: pia.String(), Status: "ok", HTTPCode: 200, Attempts: 1, Events: 1},
				{Source: "Stalled", Producent: "Stalled", Part: pia.String(), Status: "timeout", Attempts: 1},
			}
			if diff := cmp.Diff(want, rows(res)); diff != "" {
				t.Errorf("outcomes mismatch (-want +got):\n%s", diff)
			}
			if !errors.Is(res.Outcomes[1].Err, context.DeadlineExceeded) {
				t.Errorf("timeout Err = %v, want DeadlineExceeded", res.Outcomes[1].Err)
			}
			if res.Outcomes[0].Duration != time.Second || res.Outcomes[1].Duration != 5*time.Second {
				t.Errorf("durations = %v, %v; want 1s, 5s", res.Outcomes[0].Duration, res.Outcomes[1].Duration)
			}
			if l := leaked(); len(l) > 0 {
				t.Fatalf("goroutines outlived Run:\n%s", strings.Join(l, "\n\n"))
			}
		})
	})
	t.Run("overall deadline with a queue", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			first := &fake{name: "First", prefixes: typs{"A"}, delays: []time.Duration{time.Second}}
			second := &fake{name: "Second", prefixes: typs{"B"}, delays: []time.Duration{time.Hour}}
			third := &fake{name: "Third", prefixes: typs{"C"}}
			a := mustNew(t, []aggregate.Source{first, second, third}, &aggregate.Options{Concurrency: 1, SourceTimeout: -1})
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			start := time.Now()
			res := mustRun(t, a, ctx, minaarenda(pia))
			if got := time.Since(start); got != 3*time.Second {
				t.Errorf("Run took %v on the fake clock, want the 3s deadline", got)
			}
			want := []outcomeRow{
				{Source: "First", Producent: "First", Part: pia.String(), Status: "ok", HTTPCode: 200, Attempts: 1},
				{Source: "Second", Producent: "Second", Part: pia.String(), Status: "timeout", Attempts: 1},
				{Source: "Third", Producent: "Third", Part: pia.String(), Status: "timeout"}, // never asked
			}
			if diff := cmp.Diff(want, rows(res)); diff != "" {
				t.Errorf("outcomes mismatch (-want +got):\n%s", diff)
			}
			if third.calls.Load() != 0 {
				t.Errorf("Third was asked after the deadline")
			}
			if !errors.Is(res.Outcomes[2].Err, context.DeadlineExceeded) {
				t.Errorf("not-asked Err = %v, want DeadlineExceeded", res.Outcomes[2].Err)
			}
			if l := leaked(); len(l) > 0 {
				t.Fatalf("goroutines outlived Run:\n%s", strings.Join(l, "\n\n"))
			}
		})
	})
	t.Run("cancelled is an error, not a timeout", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			slow := &fake{name: "Slow", prefixes: typs{"A"}, delays: []time.Duration{time.Hour}}
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(time.Second, cancel)
			res := mustRun(t, mustNew(t, []aggregate.Source{slow}, nil), ctx, minaarenda(pia))
			if o := res.Outcomes[0]; o.Status != aggregate.StatusError || !errors.Is(o.Err, context.Canceled) {
				t.Errorf("outcome = %s %v, want error wrapping context.Canceled", o.Status, o.Err)
			}
		})
	})
	t.Run("concurrency limit", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			shared := &fake{name: "X", prefixes: typs{"X"}, delays: []time.Duration{time.Second}}
			parter := []minaarenden.Part{pia, person, {Arende: &minaarenden.Arende{Identifierare: "D-1", Typ: minaarenden.Diarienummer}}}
			start := time.Now()
			res := mustRun(t, mustNew(t, []aggregate.Source{shared}, &aggregate.Options{Concurrency: 2}), context.Background(), minaarenden.Fraga{Parter: parter})
			if got := shared.maxInflight.Load(); got != 2 {
				t.Errorf("max requests in flight = %d, want 2", got)
			}
			if got := time.Since(start); got != 2*time.Second {
				t.Errorf("3 requests of 1s, 2 at a time took %v, want 2s", got)
			}
			if !res.Complete() {
				t.Errorf("incomplete: %v", res.Err())
			}
		})
	})
}

func minaarenda(p ...minaarenden.Part) minaarenden.Fraga { return minaarenden.Fraga{Parter: p} }

// recorder is an Observer that keeps what it saw.
type recorder struct {
	mu   sync.Mutex
	seen []string
}

type spanKey struct{}

func (r *recorder) SourceStart(ctx context.Context, a aggregate.Attempt) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, "start "+a.Source+hedgeMark(a))
	return context.WithValue(ctx, spanKey{}, a.Source)
}

func (r *recorder) SourceDone(ctx context.Context, a aggregate.Attempt) {
	r.mu.Lock()
	defer r.mu.Unlock()
	won := ""
	if a.Won {
		won = " won"
	}
	span, _ := ctx.Value(spanKey{}).(string)
	r.seen = append(r.seen, "done "+a.Source+hedgeMark(a)+" "+string(a.Status)+" "+a.Duration.String()+won+" span="+span)
}

func hedgeMark(a aggregate.Attempt) string {
	if a.Hedge {
		return " (hedge)"
	}
	return ""
}

func TestHedging(t *testing.T) {
	tests := []struct {
		name       string
		delays     []time.Duration
		err        error
		wantStatus aggregate.Status
		wantHedges int
		wantCalls  int32
		wantTook   time.Duration
		wantSeen   []string
		wantCtx    []error // ctx.Err() of the calls as they returned
	}{
		{
			name:       "a slow first request loses to its hedge",
			delays:     []time.Duration{10 * time.Second, time.Second},
			wantStatus: "ok", wantHedges: 1, wantCalls: 2, wantTook: 3 * time.Second,
			wantSeen: []string{
				"start S", "start S (hedge)",
				"done S error 3s span=S", // the loser, cancelled
				"done S (hedge) ok 1s won span=S",
			},
			wantCtx: []error{nil, context.Canceled},
		},
		{
			name:       "a fast answer sends no hedge",
			delays:     []time.Duration{time.Second},
			wantStatus: "ok", wantHedges: 0, wantCalls: 1, wantTook: time.Second,
			wantSeen: []string{"start S", "done S ok 1s won span=S"},
			wantCtx:  []error{nil},
		},
		{
			name:       "a fast failure is not hedged",
			delays:     []time.Duration{time.Second},
			err:        errors.New("400"),
			wantStatus: "error", wantHedges: 0, wantCalls: 1, wantTook: time.Second,
			wantSeen: []string{"start S", "done S error 1s won span=S"},
			wantCtx:  []error{nil},
		},
		{
			name:       "both slow: the timeout ends both",
			delays:     []time.Duration{time.Hour},
			wantStatus: "timeout", wantHedges: 1, wantCalls: 2, wantTook: 5 * time.Second,
			wantSeen: []string{
				"start S", "start S (hedge)",
				"done S timeout 5s won span=S",
				"done S (hedge) timeout 3s span=S",
			},
			wantCtx: []error{context.DeadlineExceeded, context.DeadlineExceeded},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				src := &fake{name: "S", prefixes: typs{"S"}, delays: tt.delays, err: tt.err}
				rec := &recorder{}
				a := mustNew(t, []aggregate.Source{src}, &aggregate.Options{HedgeDelay: 2 * time.Second, SourceTimeout: 5 * time.Second, Observer: rec})
				start := time.Now()
				res := mustRun(t, a, context.Background(), minaarenda(pia))
				if got := time.Since(start); got != tt.wantTook {
					t.Errorf("Run took %v, want %v", got, tt.wantTook)
				}
				o := res.Outcomes[0]
				if o.Status != tt.wantStatus || o.Hedges != tt.wantHedges || src.calls.Load() != tt.wantCalls {
					t.Errorf("status %s, hedges %d, calls %d; want %s, %d, %d", o.Status, o.Hedges, src.calls.Load(), tt.wantStatus, tt.wantHedges, tt.wantCalls)
				}
				if diff := cmp.Diff(tt.wantSeen, rec.seen); diff != "" {
					t.Errorf("observer mismatch (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tt.wantCtx, src.ctxErrs, cmp.Comparer(func(x, y error) bool { return x == y })); diff != "" {
					t.Errorf("request contexts mismatch (-want +got):\n%s", diff)
				}
				if l := leaked(); len(l) > 0 {
					t.Fatalf("goroutines outlived Run:\n%s", strings.Join(l, "\n\n"))
				}
			})
		})
	}
}

// TestRunWaitsForTheLoser: a hedging loser slow to notice its
// cancellation still ends before Run returns.
func TestRunWaitsForTheLoser(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := &fake{name: "S", prefixes: typs{"S"}, delays: []time.Duration{10 * time.Second, time.Second}, cancelDelay: time.Second}
		a := mustNew(t, []aggregate.Source{src}, &aggregate.Options{HedgeDelay: 2 * time.Second})
		start := time.Now()
		res := mustRun(t, a, context.Background(), minaarenda(pia))
		if l := leaked(); len(l) > 0 {
			t.Fatalf("goroutines outlived Run:\n%s", strings.Join(l, "\n\n"))
		}
		// The hedge answers at 3s; the cancelled first request returns at 4s.
		if got := time.Since(start); got != 4*time.Second {
			t.Errorf("Run took %v, want 4s", got)
		}
		if o := res.Outcomes[0]; o.Status != aggregate.StatusOK || o.Hedges != 1 || o.Duration != 3*time.Second {
			t.Errorf("outcome %s, %d hedges, %v; want ok, 1, 3s", o.Status, o.Hedges, o.Duration)
		}
	})
}

func TestLogging(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	good := &fake{name: "PRV", prefixes: typs{"PRV"}}
	bad := &fake{name: "Trasig", prefixes: typs{"TRASIG"}, err: errors.New("boom"), status: 500}
	mustRun(t, mustNew(t, []aggregate.Source{good, bad}, &aggregate.Options{Logger: log}), context.Background(), minaarenda(person))
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%v %v %v %v %v", rec["level"], rec["producer"], rec["status"], rec["attempt"], rec["error"]))
	}
	want := []string{"DEBUG PRV ok 1 <nil>", "WARN Trasig error 1 boom"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log mismatch (-want +got):\n%s", diff)
	}
	if strings.Contains(buf.String(), "199001012385") {
		t.Errorf("a personnummer reached the log:\n%s", buf.String())
	}
}
