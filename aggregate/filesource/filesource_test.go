package filesource_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate"
	"github.com/aterkoppling/minaarenden/aggregate/filesource"
)

var (
	person = minaarenden.Part{Kund: &minaarenden.Kund{Identifierare: "199001012385", Typ: minaarenden.Personnummer}}
	pia    = minaarenden.Part{Kund: &minaarenden.Kund{Identifierare: "165560360793", Typ: minaarenden.Organisationsnummer}}
)

func timra(t *testing.T) *filesource.Source {
	t.Helper()
	s, err := filesource.New(os.DirFS("testdata"), "timra.json", &filesource.Options{Name: "Timrå kommun", Prefixes: []minaarenden.Kundhandelsetyp{"TIMRA"}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func datum(s string) minaarenden.Datum {
	d, err := minaarenden.ParseDatum(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestQuery(t *testing.T) {
	tests := []struct {
		name string
		f    minaarenden.Fraga
		want []string // ids, in file order, per part in question order
		n    []int    // events per outcome
	}{
		{"a person", minaarenden.Fraga{Parter: []minaarenden.Part{person}}, []string{"TIMRA-BYGG-1", "TIMRA-BYGG-2", "TIMRA-SKOLA-1"}, []int{3}},
		{"two parter", minaarenden.Fraga{Parter: []minaarenden.Part{pia, person}}, []string{"TIMRA-SERV-1", "TIMRA-BYGG-1", "TIMRA-BYGG-2", "TIMRA-SKOLA-1"}, []int{1, 3}},
		{"type prefix on segments", minaarenden.Fraga{Parter: []minaarenden.Part{person}, KundhandelseTyper: []minaarenden.Kundhandelsetyp{"TIMRA.BYGGLOV", "TIMRA.FORSK"}}, []string{"TIMRA-BYGG-1", "TIMRA-BYGG-2"}, []int{2}},
		{"taggar", minaarenden.Fraga{Parter: []minaarenden.Part{person}, Taggar: []string{"bygg"}}, []string{"TIMRA-BYGG-1", "TIMRA-BYGG-2"}, []int{2}},
		{"inclusive days in Stockholm time", minaarenden.Fraga{Parter: []minaarenden.Part{person}, StartDatum: datum("2026-03-02"), SlutDatum: datum("2026-03-09")}, []string{"TIMRA-BYGG-1", "TIMRA-BYGG-2"}, []int{2}},
		{"after the last day", minaarenden.Fraga{Parter: []minaarenden.Part{person}, StartDatum: datum("2026-03-10")}, []string{"TIMRA-SKOLA-1"}, []int{1}},
		{"someone else", minaarenden.Fraga{Parter: []minaarenden.Part{{Kund: &minaarenden.Kund{Identifierare: "199001612382", Typ: minaarenden.Samordningsnummer}}}}, nil, []int{0}},
		{"same number, other typ", minaarenden.Fraga{Parter: []minaarenden.Part{{Kund: &minaarenden.Kund{Identifierare: "199001012385", Typ: minaarenden.Organisationsnummer}}}}, nil, []int{0}},
	}
	s := timra(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := s.Query(context.Background(), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range a.Events {
				got = append(got, e.KundhandelseID)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("events mismatch (-want +got):\n%s", diff)
			}
			var n []int
			for i, o := range a.Outcomes {
				n = append(n, o.Events)
				if o.Part.Key() != tt.f.Parter[i].Key() || o.Producent != "Timrå kommun" {
					t.Errorf("outcome %d = %+v, want part %d of Timrå kommun", i, o, i)
				}
			}
			if diff := cmp.Diff(tt.n, n); diff != "" {
				t.Errorf("events per outcome mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestQueryFailures(t *testing.T) {
	opts := &filesource.Options{Name: "Kommun", Prefixes: []minaarenden.Kundhandelsetyp{"K"}}
	fsys := fstest.MapFS{
		"broken.json":  {Data: []byte(`{"kundhandelser": [`)},
		"badtime.json": {Data: []byte(`{"kundhandelser": [{"part": {"kund": {"identifierare": "199001012385", "typ": "Personnummer"}}, "kundhandelserForPart": [{"kundhandelseId": "x", "tidpunkt": "igår"}]}]}`)},
		"nopart.json":  {Data: []byte(`{"kundhandelser": [{"part": {}, "kundhandelserForPart": []}]}`)},
	}
	tests := []struct {
		path    string
		ctx     func() context.Context
		wantErr string
		is      error
	}{
		{"missing.json", context.Background, "file does not exist", fs.ErrNotExist},
		{"broken.json", context.Background, "unexpected end of JSON input", nil},
		{"badtime.json", context.Background, `kundhandelserForPart[0]: minaarenden: kundhändelse "x"`, nil},
		{"nopart.json", context.Background, "kundhandelser[0].part: minaarenden: a part needs a kund or an arende", nil},
		{"broken.json", func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, "context canceled", context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.wantErr, func(t *testing.T) {
			s, err := filesource.New(fsys, tt.path, opts)
			if err != nil {
				t.Fatal(err)
			}
			a, err := s.Query(tt.ctx(), minaarenden.Fraga{Parter: []minaarenden.Part{person, pia}})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			if len(a.Outcomes) != 2 || a.Outcomes[0].Err == nil || a.Outcomes[1].Err == nil {
				t.Errorf("outcomes = %+v, want both parts failed", a.Outcomes)
			}
		})
	}
}

func TestNewRefuses(t *testing.T) {
	for _, tt := range []struct {
		name string
		path string
		opts *filesource.Options
	}{
		{"nil options", "a.json", nil},
		{"no name", "a.json", &filesource.Options{Prefixes: []minaarenden.Kundhandelsetyp{"K"}}},
		{"no prefixes", "a.json", &filesource.Options{Name: "K"}},
		{"bad path", "../a.json", &filesource.Options{Name: "K", Prefixes: []minaarenden.Kundhandelsetyp{"K"}}},
	} {
		if _, err := filesource.New(fstest.MapFS{}, tt.path, tt.opts); err == nil {
			t.Errorf("%s: New accepted it", tt.name)
		}
	}
}

// TestInAggregator runs the file next to a spoofing file: the aggregator
// holds each to its prefixes.
func TestInAggregator(t *testing.T) {
	fsys := fstest.MapFS{"spoof.json": {Data: []byte(`{"kundhandelser": [{"part": {"kund": {"identifierare": "199001012385", "typ": "Personnummer"}},
	  "kundhandelserForPart": [{"kundhandelseId": "fake-1", "producent": "Falsk kommun", "tidpunkt": "2026-01-01 00:00:00", "kundhandelseTyp": "SKV.MOMS.BESLUT"}]}]}`)}}
	spoof, err := filesource.New(fsys, "spoof.json", &filesource.Options{Name: "Falsk kommun", Prefixes: []minaarenden.Kundhandelsetyp{"FALSK"}})
	if err != nil {
		t.Fatal(err)
	}
	agg, err := aggregate.New([]aggregate.Source{timra(t), spoof}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := agg.Run(context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{person}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range res.Outcomes {
		got = append(got, o.Source+" "+string(o.Status))
	}
	if diff := cmp.Diff([]string{"Timrå kommun ok", "Falsk kommun rejected"}, got); diff != "" {
		t.Errorf("outcomes mismatch (-want +got):\n%s", diff)
	}
	if len(res.Events) != 3 {
		t.Errorf("%d events, want Timrå's 3", len(res.Events))
	}
}

func FuzzDecode(f *testing.F) {
	if data, err := os.ReadFile("testdata/timra.json"); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		groups, err := filesource.Decode(data, nil)
		if err != nil {
			return
		}
		for _, g := range groups {
			if err := g.Part.Validate(); err != nil {
				t.Fatalf("Decode returned an invalid part: %v", err)
			}
			for _, e := range g.Events {
				if e.Tidpunkt.IsZero() {
					t.Fatalf("Decode returned event %q without tidpunkt", e.KundhandelseID)
				}
			}
		}
	})
}
