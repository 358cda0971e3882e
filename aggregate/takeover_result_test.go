package aggregate_test

import (
	"context"
	"math"
	"reflect"
	"runtime"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate"
	"github.com/aterkoppling/minaarenden/client"
)

// notOwned is a client behind another Source type: the Aggregator cannot
// know it hands out fresh slices, so it copies its events.
type notOwned struct{ *client.Client }

// The Result takes over the SDK client's own answer instead of copying
// its events, and what it holds is the same as a copy gives: sorted,
// deduplicated, an event of another producer's prefix refused. Another
// Source's slice is never reordered.
func TestResultTakesOverClientAnswer(t *testing.T) {
	body := []byte(`{"metadata":{"version":"6.1"},"kundhandelser":[
		{"kundhandelseId":"c","producent":"Skatteverket","tidpunkt":"2026-03-02T12:00:00Z","kundhandelseTyp":"SKV.MOMS.BESLUT","producentarendetKraverKundatgard":false,"producentarendetKlart":true,"rubrik":"C"},
		{"kundhandelseId":"a","producent":"Skatteverket","tidpunkt":"2026-03-02T10:00:00Z","kundhandelseTyp":"SKV.MOMS.DEKL_INLAMAD","producentarendetKraverKundatgard":false,"producentarendetKlart":false,"rubrik":"A"},
		{"kundhandelseId":"x","producent":"Skatteverket","tidpunkt":"2026-03-02T09:00:00Z","kundhandelseTyp":"PRV.VARUMARKE.BESLUT","producentarendetKraverKundatgard":false,"producentarendetKlart":false,"rubrik":"X"},
		{"kundhandelseId":"b","producent":"Skatteverket","tidpunkt":"2026-03-02T11:00:00Z","kundhandelseTyp":"SKV.MOMS.KONTROLL","producentarendetKraverKundatgard":false,"producentarendetKlart":false,"rubrik":"B2"},
		{"kundhandelseId":"b","producent":"Skatteverket","tidpunkt":"2026-03-02T11:00:00Z","kundhandelseTyp":"SKV.MOMS.KONTROLL","producentarendetKraverKundatgard":false,"producentarendetKlart":false,"rubrik":"B1"}
	]}`)
	c, err := client.New("https://skv.invalid/minaarenden/v6", &client.Options{
		Name: "Skatteverket", Prefixes: []minaarenden.Kundhandelsetyp{"SKV"},
		Transport: bytesTransport(body), Retry: client.NoRetry,
	})
	if err != nil {
		t.Fatal(err)
	}
	f := minaarenda(person)
	owned := mustRun(t, mustNew(t, []aggregate.Source{c}, nil), t.Context(), f)
	copied := mustRun(t, mustNew(t, []aggregate.Source{notOwned{c}}, nil), t.Context(), f)
	if diff := cmp.Diff(copied.Events, owned.Events); diff != "" {
		t.Errorf("taken over events differ from copied ones (-copied +owned):\n%s", diff)
	}
	var got []string
	for _, e := range owned.Events {
		got = append(got, e.KundhandelseID+":"+e.Rubrik)
	}
	if diff := cmp.Diff([]string{"a:A", "b:B1", "c:C"}, got); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}
	for i := range owned.Events {
		if diff := cmp.Diff(copied.Parter(i), owned.Parter(i)); diff != "" {
			t.Errorf("event %d parts mismatch (-copied +owned):\n%s", i, diff)
		}
	}
	if o := owned.Outcomes[0]; o.Rejected != 1 || o.Duplicates != 1 {
		t.Errorf("outcome %+v, want one rejected and one duplicate", o)
	}

	// Without the copy a large answer costs one slice of events less.
	big := pipelineBody(2000)
	c2, err := client.New("https://skv.invalid/minaarenden/v6", &client.Options{
		Name: "Skatteverket", Prefixes: []minaarenden.Kundhandelsetyp{"SKV"},
		Transport: bytesTransport(big), Retry: client.NoRetry,
	})
	if err != nil {
		t.Fatal(err)
	}
	cost := func(s aggregate.Source) uint64 {
		agg := mustNew(t, []aggregate.Source{s}, nil)
		least := uint64(math.MaxUint64)
		for range 3 {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			res := mustRun(t, agg, t.Context(), f)
			runtime.ReadMemStats(&after)
			if len(res.Events) != 2000 {
				t.Fatalf("%d events, want 2000", len(res.Events))
			}
			least = min(least, after.TotalAlloc-before.TotalAlloc)
		}
		return least
	}
	eventsSlice := uint64(2000 * reflect.TypeFor[minaarenden.Kundhandelse]().Size())
	if own, cp := cost(c2), cost(notOwned{c2}); own+eventsSlice*3/4 > cp {
		t.Errorf("a Run allocated %d bytes taking the answer over and %d copying it: want at least %d less", own, cp, eventsSlice*3/4)
	}
}

// A Source of its own may hand out a slice it keeps: the Aggregator
// neither reorders it nor sets its events' parts.
func TestSourceEventsLeftAlone(t *testing.T) {
	events := []minaarenden.Kundhandelse{
		ev("Skatteverket", "2", "SKV.MOMS.BESLUT", 20),
		ev("Skatteverket", "1", "SKV.MOMS.DEKL_INLAMAD", 10),
	}
	src := &keptSource{answer: client.Answer{Events: events, Outcomes: []client.Outcome{{Producent: "Skatteverket", Part: person, HTTPCode: 200, Attempts: 1, Events: 2}}}}
	before := slices.Clone(events)
	res := mustRun(t, mustNew(t, []aggregate.Source{src}, nil), t.Context(), minaarenda(person))
	if len(res.Events) != 2 || res.Events[0].KundhandelseID != "1" {
		t.Fatalf("result events %v", ids(res))
	}
	if diff := cmp.Diff(before, src.answer.Events); diff != "" {
		t.Errorf("the source's own events changed (-before +after):\n%s", diff)
	}
}

// keptSource answers with the same Answer every time, as a cache would.
type keptSource struct{ answer client.Answer }

func (k *keptSource) Name() string { return "Skatteverket" }
func (k *keptSource) Prefixes() []minaarenden.Kundhandelsetyp {
	return []minaarenden.Kundhandelsetyp{"SKV"}
}
func (k *keptSource) Query(context.Context, minaarenden.Fraga) (*client.Answer, error) {
	return &k.answer, nil
}
