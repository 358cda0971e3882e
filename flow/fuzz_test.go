package flow_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/flow"
)

// fuzzTypes are what a fuzzed event may carry: every step of the rules
// catalog (loops, a cycle through the end, a shared type), steps and types
// it lacks, and types too short to name a step.
var fuzzTypes = typs(
	"X.ENKEL.ANSOKAN", "X.ENKEL.HANDLAGGNING", "X.ENKEL.BESLUT",
	"X.MOMS.DEKL", "X.MOMS.KONTROLL", "X.MOMS.KOMPL", "X.MOMS.BESLUT", "X.MOMS.BETALNING", "X.MOMS.BETALD",
	"X.TVA.START", "X.TVA.A", "X.TVA.B", "X.TVA.SLUT_A", "X.TVA.SLUT_B",
	"X.CYKEL.A", "X.CYKEL.B", "X.CYKEL.C",
	"KOMMUN.BYGG.ANSOKAN", "KOMMUN.BYGG.KOMPL", "KOMMUN.BYGG.HANDL", "KOMMUN.BYGG.GRANNE", "KOMMUN.BYGG.REMISS", "KOMMUN.BYGG.BESLUT",
	"X.ENKEL.FINNS_INTE", "Y.OKAND.STEG", "X.MOMS", "X", "",
)

var (
	fuzzProducers = []string{"Xverket", "Yverket", "Alfa kommun", "Beta kommun"}
	fuzzRefs      = []string{"", "", "1", "2"}
)

// fuzzEvents reads four bytes per event: type, producer and reference,
// minute, flags and id. Ids come from a small set so duplicates and ties
// happen; Rubrik carries the input position so tests can find each event.
func fuzzEvents(data []byte) []minaarenden.Kundhandelse {
	var events []minaarenden.Kundhandelse
	for i := 0; i+4 <= len(data) && len(events) < 200; i += 4 {
		b := data[i : i+4]
		e := ev(fmt.Sprintf("id%d", b[3]>>2&7), int(b[2]), fuzzTypes[int(b[0])%len(fuzzTypes)],
			from(fuzzProducers[int(b[1])%len(fuzzProducers)]))
		if r := fuzzRefs[int(b[1]>>2)%len(fuzzRefs)]; r != "" {
			ref(r)(&e)
		}
		if b[3]&0x20 != 0 { // flags as sent, not as the node implies
			e.Klart, e.KraverKundatgard = b[3]&1 != 0, b[3]&2 != 0
		}
		if b[3]&0x40 != 0 { // the same instant in another zone
			e.Tidpunkt = e.Tidpunkt.In(minaarenden.Stockholm())
		}
		e.Rubrik = fmt.Sprint(len(events))
		events = append(events, e)
	}
	return events
}

// FuzzPlace checks that placement terminates on cyclic graphs, puts every
// event in exactly one instance, and gives the same bytes whatever the
// order of its input.
func FuzzPlace(f *testing.F) {
	f.Add([]byte{3, 0, 0, 0, 4, 0, 1, 4, 5, 0, 2, 8, 4, 0, 3, 12, 5, 0, 4, 16})
	f.Add([]byte{14, 0, 0, 0, 15, 0, 1, 0, 16, 0, 2, 0, 14, 0, 3, 0, 16, 0, 4, 0, 15, 0, 5, 0})
	f.Add([]byte{0, 0, 0, 0, 2, 0, 1, 4, 0, 0, 2, 8, 0, 4, 2, 8, 26, 1, 0, 0x63})
	c := rulesCatalog(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		events := fuzzEvents(data)
		opts := &flow.Options{
			Expected: []flow.Expected{{Typ: "X.TVA"}, {Typ: "KOMMUN.BYGG", Producent: "Alfa kommun"}, {Typ: "Y.OKAND"}},
			Answered: []string{"Xverket", "Alfa kommun"},
		}
		got := flow.Place(c, events, opts)
		seen := make([]int, len(events))
		for _, in := range got {
			for k, e := range in.Events {
				var pos int
				fmt.Sscan(e.Rubrik, &pos)
				seen[pos]++
				if k > 0 && e.Tidpunkt.Before(in.Events[k-1].Tidpunkt) {
					t.Errorf("%s: events out of instant order", in.Typ)
				}
			}
			if in.Status == "" || in.Bollen == "" {
				t.Errorf("%s: empty status or bollen", in.Typ)
			}
		}
		for pos, n := range seen {
			if n != 1 {
				t.Fatalf("event %d is in %d instances", pos, n)
			}
		}
		want, err := json.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(uint64(len(data)), 7))
		r.Shuffle(len(events), func(a, b int) { events[a], events[b] = events[b], events[a] })
		again, err := json.Marshal(flow.Place(c, events, opts))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(want, again) {
			t.Fatalf("shuffled input changed the output:\n%s\n%s", want, again)
		}
	})
}

// FuzzParseExpected: whatever is typed after -expect, ParseExpected either
// refuses it, with an error that never repeats the producent, or returns
// an Expected that validates and reads back from its String.
func FuzzParseExpected(f *testing.F) {
	for _, s := range []string{"SKV.MOMS", "KOMMUN.BYGGLOV@Värmdö kommun", "SKV.MOMS@199003151231",
		"SKV.MOMS@1990-03-15-1231", "skv.moms", "SKV.MOMS.DEKL", "A.B@\x1b[2J", "A.B@@", " A.B @ X "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ex, err := flow.ParseExpected(s)
		if err != nil {
			// A type or producent that could be an identity number is
			// never repeated.
			typ, producent, _ := strings.Cut(strings.TrimSpace(s), "@")
			for _, part := range []string{strings.TrimSpace(typ), strings.TrimSpace(producent)} {
				if manyDigits(part) && strings.Contains(err.Error(), part) {
					t.Errorf("error %q repeats %q", err, part)
				}
			}
			return
		}
		if err := ex.Validate(); err != nil {
			t.Errorf("ParseExpected(%q) = %+v, which Validate refuses: %v", s, ex, err)
		}
		if back, err := flow.ParseExpected(ex.String()); err != nil || back != ex {
			t.Errorf("String() = %q reads back as %+v, %v", ex.String(), back, err)
		}
	})
}

// manyDigits reports whether s holds six digits or more, in any script.
func manyDigits(s string) bool {
	n := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			n++
		}
	}
	return n >= 6
}
