package aggregate_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate"
	"github.com/aterkoppling/minaarenden/client"
)

// TestAnswered: only a producer with an ok outcome for every part asked
// is answered. One skipped by routing, one that failed, one answering some
// parter only, and one behind a forwarding service that failed as a whole
// are not — so flow calls their expected cases okand, never "not started".
func TestAnswered(t *testing.T) {
	failed := errors.New("delfråga failed")
	down := errors.New("service down")
	tests := []struct {
		name    string
		sources func() []aggregate.Source
		opts    *aggregate.Options
		filter  []minaarenden.Kundhandelsetyp
		want    []string
		wantFor map[string][]string // part → AnsweredFor
	}{
		{
			name: "skipped by routing and failed are not answered",
			sources: func() []aggregate.Source {
				return []aggregate.Source{
					&fake{name: "Skatteverket", prefixes: typs{"SKV"}},
					&fake{name: "PRV", prefixes: typs{"PRV"}, err: failed},
					&fake{name: "Stockholms stad", prefixes: typs{"KOMMUN"}},
				}
			},
			filter:  typs{"SKV", "PRV"},
			want:    []string{"Skatteverket"},
			wantFor: map[string][]string{pia.String(): {"Skatteverket"}, person.String(): {"Skatteverket"}},
		},
		{
			name: "a producer answering one part of two answered that part only",
			sources: func() []aggregate.Source {
				return []aggregate.Source{&forwardingFake{name: "Vidareformedling", answer: client.Answer{
					Outcomes: []client.Outcome{
						{Producent: "Skatteverket", Part: pia, Status: "OK"},
						{Producent: "PRV", Part: pia, Err: failed},
						{Producent: "Skatteverket", Part: person, Status: "OK"},
						{Producent: "PRV", Part: person, Status: "OK"},
					},
				}}}
			},
			opts:    &aggregate.Options{Producers: map[string]typs{"Skatteverket": {"SKV"}, "PRV": {"PRV"}}},
			want:    []string{"Skatteverket"},
			wantFor: map[string][]string{pia.String(): {"Skatteverket"}, person.String(): {"PRV", "Skatteverket"}},
		},
		{
			name: "behind a failed forwarding service, only a producer heard directly answered",
			sources: func() []aggregate.Source {
				return []aggregate.Source{
					&forwardingFake{name: "Vidareformedling", err: down},
					&fake{name: "Skatteverket", prefixes: typs{"SKV"}},
				}
			},
			opts:    &aggregate.Options{Producers: map[string]typs{"Skatteverket": {"SKV"}, "PRV": {"PRV"}}},
			want:    []string{"Skatteverket"},
			wantFor: map[string][]string{pia.String(): {"Skatteverket"}, person.String(): {"Skatteverket"}},
		},
		{
			name: "nobody answered",
			sources: func() []aggregate.Source {
				return []aggregate.Source{&fake{name: "PRV", prefixes: typs{"PRV"}, err: failed}}
			},
			want:    nil,
			wantFor: map[string][]string{pia.String(): nil, person.String(): nil},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := mustNew(t, tt.sources(), tt.opts)
			res := mustRun(t, a, context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{pia, person}, KundhandelseTyper: tt.filter})
			if diff := cmp.Diff(tt.want, res.Answered()); diff != "" {
				t.Errorf("Answered mismatch (-want +got):\n%s", diff)
			}
			got := map[string][]string{}
			for _, p := range []minaarenden.Part{pia, person} {
				got[p.String()] = res.AnsweredFor(p)
			}
			if diff := cmp.Diff(tt.wantFor, got); diff != "" {
				t.Errorf("AnsweredFor mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
