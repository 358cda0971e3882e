package clienttest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aterkoppling/minaarenden"
	"github.com/google/go-cmp/cmp"
)

// paged is a forwarding question about parter, one page of limit events
// from offset.
func paged(offset, limit int, parter ...any) map[string]any {
	return map[string]any{
		"parter": parter,
		"behandling": map[string]any{
			"sortering":  []any{map[string]any{"attribut": "TIDPUNKT", "stigande": true}},
			"paginering": map[string]any{"offset": offset, "limit": limit},
		},
	}
}

// EndlessPages answers every page full, of events never seen on an earlier
// page, each one of the matching events under a fresh id, with a total
// past the page; a part nothing matches gets no events and a total of 0.
func TestEndlessPages(t *testing.T) {
	cfg := forwardingConfig()
	h := mustHandler(t, cfg)
	h.SetFault(Fault{EndlessPages: true})
	// What the person's events say, by id: 4 of Skatteverket's, 1 of the
	// kommun's.
	matching := map[string]string{}
	for _, p := range cfg.Producers {
		for _, e := range p.Events {
			if e.Part.Kund != nil && e.Part.Kund.Identifierare == pnr {
				matching[e.KundhandelseID] = e.Rubrik
			}
		}
	}
	otherPart := map[string]any{"kund": map[string]any{"identifierare": pnr2, "typ": "Personnummer"}}
	const limit = 7
	seen := map[string]bool{}
	for page := range 4 {
		offset := page * limit
		status, a, b := askForwarding(t, h, paged(offset, limit, personPart, otherPart))
		if status != http.StatusOK || len(a.Kundhandelser) != 2 {
			t.Fatalf("page %d: status %d, %d parts: %s", page, status, len(a.Kundhandelser), b)
		}
		person, other := a.Kundhandelser[0], a.Kundhandelser[1]
		if len(person.KundhandelserForPart) != limit || person.TotaltAntalKundhandelser <= offset+limit {
			t.Errorf("page %d: %d events of total %d, want a full page of %d and more to come", page, len(person.KundhandelserForPart), person.TotaltAntalKundhandelser, limit)
		}
		for _, e := range person.KundhandelserForPart {
			id, _ := e["kundhandelseId"].(string)
			if seen[id] {
				t.Errorf("page %d: %q came on an earlier page", page, id)
			}
			seen[id] = true
			was, round, _ := strings.Cut(id, "~")
			if rubrik, ok := matching[was]; !ok || e["rubrik"] != rubrik || round == "" {
				t.Errorf("page %d: event %q (rubrik %v) is not a matching event under a fresh id", page, id, e["rubrik"])
			}
		}
		if len(other.KundhandelserForPart) != 0 || other.TotaltAntalKundhandelser != 0 {
			t.Errorf("page %d: the part nothing matches got %d events, total %d", page, len(other.KundhandelserForPart), other.TotaltAntalKundhandelser)
		}
		var delfragor []string
		for _, d := range a.Delfragor {
			delfragor = append(delfragor, d.Producent+" "+d.Status)
		}
		want := []string{"Skatteverket OK", "Testköpings kommun OK", "Skatteverket OK", "Testköpings kommun OK"}
		if diff := cmp.Diff(want, delfragor); diff != "" {
			t.Errorf("page %d: delfragor mismatch (-want +got):\n%s", page, diff)
		}
	}
}

// Without paginering the page is as large as the reference service
// allows; with Times the fault ends and the real answer comes back.
func TestEndlessPagesUnpagedAndTimes(t *testing.T) {
	h := mustHandler(t, forwardingConfig())
	h.SetFault(Fault{EndlessPages: true, Times: 1})
	_, a, _ := askForwarding(t, h, nil)
	if n := len(a.Kundhandelser[0].KundhandelserForPart); n != maxLimit {
		t.Errorf("unpaged: %d events, want %d", n, maxLimit)
	}
	_, a, _ = askForwarding(t, h, nil)
	if n, total := len(a.Kundhandelser[0].KundhandelserForPart), a.Kundhandelser[0].TotaltAntalKundhandelser; n != 5 || total != 5 {
		t.Errorf("after Times: %d events of total %d, want the real 5 of 5", n, total)
	}
}

// EndlessPages is the forwarding service's own fault: set on a producer
// it would fault nothing, so it panics.
func TestEndlessPagesOnAProducerPanics(t *testing.T) {
	tests := []struct {
		name string
		set  func()
	}{
		{"SetFault on a producer endpoint", func() {
			mustHandler(t, skvConfig(minaarenden.V6_1)).SetFault(Fault{EndlessPages: true})
		}},
		{"SetProducerFault behind a forwarding service", func() {
			mustHandler(t, forwardingConfig()).SetProducerFault("Skatteverket", Fault{EndlessPages: true})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tt.set()
		})
	}
}
