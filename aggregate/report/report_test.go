package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate"
	"github.com/aterkoppling/minaarenden/aggregate/report"
	"github.com/aterkoppling/minaarenden/catalog/sample"
	"github.com/aterkoppling/minaarenden/client"
	"github.com/aterkoppling/minaarenden/flow"
)

var pia = minaarenden.Part{Kund: &minaarenden.Kund{Identifierare: "165591234561", Typ: minaarenden.Organisationsnummer}}

// source answers with the Pia events of its producer, or fails with err.
type source struct {
	name   string
	prefix minaarenden.Kundhandelsetyp
	events []minaarenden.Kundhandelse
	err    error
}

func (s source) Name() string { return s.name }
func (s source) Prefixes() []minaarenden.Kundhandelsetyp {
	return []minaarenden.Kundhandelsetyp{s.prefix}
}
func (s source) Query(ctx context.Context, f minaarenden.Fraga) (*client.Answer, error) {
	a := &client.Answer{}
	for _, p := range f.Parter {
		o := client.Outcome{Producent: s.name, Part: p, Attempts: 1, Err: s.err}
		if s.err == nil {
			for _, e := range s.events {
				if e.Producent == s.name {
					e.Part = p
					a.Events = append(a.Events, e)
					o.Events++
				}
			}
		}
		a.Outcomes = append(a.Outcomes, o)
	}
	return a, s.err
}

func piaEvents(t testing.TB) []minaarenden.Kundhandelse {
	t.Helper()
	events, err := readPiaEvents()
	if err != nil {
		t.Fatal(err)
	}
	return events
}

// readPiaEvents reads the events of the standard's worked example.
func readPiaEvents() ([]minaarenden.Kundhandelse, error) {
	b, err := os.ReadFile("../../testdata/pia/kundhandelser.json")
	if err != nil {
		return nil, err
	}
	var events []minaarenden.Kundhandelse
	err = json.Unmarshal(b, &events)
	return events, err
}

// piaReport asks Skatteverket (answers) and Bolagsverket (fails) about
// Pia's Tacotruck, expecting four cases; PRV and Stockholms stad are not
// configured at all.
func piaReport(t testing.TB) *report.Report {
	t.Helper()
	events := piaEvents(t)
	agg, err := aggregate.New([]aggregate.Source{
		source{name: "Skatteverket", prefix: "SKV", events: events},
		source{name: "Bolagsverket", prefix: "BV", err: errors.New(`Post "https://bv.example/k?kund=165591234561": connection refused`)},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := agg.Run(context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{pia}})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := sample.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	var expected []flow.Expected
	for _, s := range []string{"BV.VERKLIG_HUVUDMAN", "SKV.ARBETSGIVARE", "PRV.VARUMARKE", "SKV.MOMS"} {
		ex, err := flow.ParseExpected(s)
		if err != nil {
			t.Fatal(err)
		}
		expected = append(expected, ex)
	}
	return report.New(cat, res, expected)
}

// TestNew: a failed producer's and an unconfigured producer's expected
// cases are okand; only the producer heard can have one not started.
func TestNew(t *testing.T) {
	rep := piaReport(t)
	var got []string
	for _, in := range rep.Arenden {
		got = append(got, fmt.Sprintf("%s %s %s", in.Typ, in.Producent, in.Status))
	}
	want := []string{
		"BV.VERKLIG_HUVUDMAN Bolagsverket okand", // its query failed
		"PRV.VARUMARKE PRV okand",                // no source asks PRV
		"SKV.ARBETSGIVARE Skatteverket klart",
		"SKV.MOMS Skatteverket ej_paborjad", // Skatteverket answered, with no such case
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cases mismatch (-want +got):\n%s", diff)
	}
	wantSources := []report.Source{
		{Producent: "Skatteverket", Status: aggregate.StatusOK, Events: 3},
		{Producent: "Bolagsverket", Status: aggregate.StatusError, Error: `Post "https://bv.example/k": connection refused`},
	}
	if diff := cmp.Diff(wantSources, rep.Sources); diff != "" {
		t.Errorf("sources mismatch (-want +got):\n%s", diff)
	}
	if rep.Complete || rep.Failed() != 1 {
		t.Errorf("Complete %v, Failed %d; want false, 1", rep.Complete, rep.Failed())
	}
}

// TestWriteJSONMatchesEncoder: the streamed document is byte for byte what
// json.Encoder makes of the whole report, and reads back into a Report.
func TestWriteJSONMatchesEncoder(t *testing.T) {
	for name, rep := range map[string]*report.Report{
		"pia":   piaReport(t),
		"empty": {Complete: true, Sources: []report.Source{}, Arenden: []*flow.Instance{}},
	} {
		t.Run(name, func(t *testing.T) {
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetIndent("", "  ")
			if err := enc.Encode(rep); err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := rep.WriteJSON(context.Background(), &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want.String(), got.String()); diff != "" {
				t.Errorf("WriteJSON mismatch (-Encoder +WriteJSON):\n%s", diff)
			}
			var back report.Report
			if err := json.Unmarshal(got.Bytes(), &back); err != nil {
				t.Fatal(err)
			}
			again, err := json.Marshal(&back)
			if err != nil {
				t.Fatal(err)
			}
			first, _ := json.Marshal(rep)
			if diff := cmp.Diff(string(first), string(again)); diff != "" {
				t.Errorf("the contract does not read back (-written +reread):\n%s", diff)
			}
		})
	}
	t.Run("nil lists are []", func(t *testing.T) {
		var got bytes.Buffer
		if err := (&report.Report{}).WriteJSON(context.Background(), &got); err != nil {
			t.Fatal(err)
		}
		if want := "{\n  \"complete\": false,\n  \"sources\": [],\n  \"arenden\": []\n}\n"; got.String() != want {
			t.Errorf("got %q, want %q", got.String(), want)
		}
	})
}

// TestWriteJSONStopsWhenDone: past the deadline WriteJSON stops between
// cases with the context's error, and what it wrote does not parse, so no
// reader takes a cut list for the whole.
func TestWriteJSONStopsWhenDone(t *testing.T) {
	rep := piaReport(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var got bytes.Buffer
	if err := rep.WriteJSON(ctx, &got); !errors.Is(err, context.Canceled) {
		t.Fatalf("WriteJSON = %v, want context.Canceled", err)
	}
	if json.Valid(got.Bytes()) {
		t.Errorf("a cut document parses:\n%s", got.String())
	}
	if strings.Contains(got.String(), `"typ"`) {
		t.Errorf("cases were written after the deadline:\n%s", got.String())
	}
}

// failWriter fails every write after the first n bytes.
type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n < len(p) {
		return 0, errors.New("broken pipe")
	}
	w.n -= len(p)
	return len(p), nil
}

// TestWriteJSONStopsOnWriteError: a failing writer ends the encoding with
// its error.
func TestWriteJSONStopsOnWriteError(t *testing.T) {
	if err := piaReport(t).WriteJSON(context.Background(), &failWriter{n: 10}); err == nil || err.Error() != "broken pipe" {
		t.Fatalf("WriteJSON = %v, want the writer's error", err)
	}
}

// TestNewSkippedByRouting: a question only about SKV types does not ask
// PRV, so PRV's expected case is okand — not "not started" with the ball
// at the customer, as it was when the caller passed only who failed.
func TestNewSkippedByRouting(t *testing.T) {
	events := piaEvents(t)
	agg, err := aggregate.New([]aggregate.Source{
		source{name: "Skatteverket", prefix: "SKV", events: events},
		source{name: "PRV", prefix: "PRV", events: events},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := agg.Run(context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{pia}, KundhandelseTyper: []minaarenden.Kundhandelsetyp{"SKV"}})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := sample.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	rep := report.New(cat, res, []flow.Expected{{Typ: "PRV.VARUMARKE"}, {Typ: "SKV.MOMS"}})
	got := map[string]flow.Status{}
	for _, in := range rep.Arenden {
		got[in.Typ] = in.Status
	}
	want := map[string]flow.Status{"PRV.VARUMARKE": flow.Okand, "SKV.MOMS": flow.EjPaborjad, "SKV.ARBETSGIVARE": flow.Klart}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statuses mismatch (-want +got):\n%s", diff)
	}
	if !rep.Complete {
		t.Error("a question that skipped PRV by routing is not complete")
	}
}
