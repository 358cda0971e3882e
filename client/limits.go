package client

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// The bounds a producer's answer is held to, besides
// Options.MaxResponseBytes: without them one producer could make a
// question take memory and time without end (a forwarding service that
// always has one more page, or an answer of a million events).
const (
	// DefaultMaxEventsPerPart is Options.MaxEventsPerPart's zero value:
	// far more than any one customer has, few enough to place at once.
	DefaultMaxEventsPerPart = 10_000
	// DefaultMaxPages is Options.MaxPages's zero value: with the default
	// page size, room for twice DefaultMaxEventsPerPart.
	DefaultMaxPages = 100
)

var (
	// ErrTooManyEvents: a part's answer held more events than
	// Options.MaxEventsPerPart. Those up to the limit are kept; the rest
	// were not read, so the part's outcome fails.
	ErrTooManyEvents = errors.New("more events than the limit per part")
	// ErrTooManyPages: the forwarding service still had pages for a part
	// after Options.MaxPages; paging stopped and the part's outcome fails.
	ErrTooManyPages = errors.New("more pages than the limit")
)

// Warning is a deviation from the standard that the answer was read past:
// Count events lacked the required Field (missing or null). Kept events
// read it as Read ("false", `""`); when Dropped, the events could not be
// placed without it (kundhandelseTyp, tidpunkt) and were
// left out, which also fails the outcome. A part with only kept events
// stays answered: nothing it sent was lost, and the warning tells the
// producer's integrator what to fix.
type Warning struct {
	Field   string
	Count   int
	Read    string
	Dropped bool
}

// String says it as a sentence: "3 events lack producentarendetKlart;
// read as false".
func (w Warning) String() string {
	events, lack := "events", "lack"
	if w.Count == 1 {
		events, lack = "event", "lacks"
	}
	if w.Dropped {
		return fmt.Sprintf("%d %s %s %s; dropped", w.Count, events, lack, w.Field)
	}
	return fmt.Sprintf("%d %s %s %s; read as %s", w.Count, events, lack, w.Field, w.Read)
}

// tally counts one producent's events that lacked required fields:
// lacks those kept, drops those left out for it.
type tally struct {
	producent    string
	lacks, drops [numRequired]int
}

func (t *tally) count(lacking uint16, dropped bool) {
	for f := range numRequired {
		if lacking&(1<<f) == 0 {
			continue
		}
		if dropped {
			// Only the field that cost the event is its reason.
			if f < numPlacing {
				t.drops[f]++
				return
			}
			continue
		}
		t.lacks[f]++
	}
}

func (g *group) tally(producent string) *tally {
	for i := range g.tallies {
		if g.tallies[i].producent == producent {
			return &g.tallies[i]
		}
	}
	g.tallies = append(g.tallies, tally{producent: producent})
	return &g.tallies[len(g.tallies)-1]
}

// warnings lists what the events of g lacked, those of producent only
// unless all.
func (g *group) warnings(producent string, all bool) []Warning {
	var ws []Warning
	for i := range g.tallies {
		t := &g.tallies[i]
		if !all && t.producent != producent {
			continue
		}
		for f := range numRequired {
			if n := t.drops[f]; n > 0 {
				ws = addWarnings(ws, []Warning{{Field: itemNames[f], Count: n, Dropped: true}})
			}
			if n := t.lacks[f]; n > 0 {
				read := `""`
				if f == fKraver || f == fKlart {
					read = "false"
				}
				ws = addWarnings(ws, []Warning{{Field: itemNames[f], Count: n, Read: read}})
			}
		}
	}
	return ws
}

// addWarnings merges ws into into, adding up counts of the same field and
// fate, and keeps them in one order: dropped first, then by field as the
// standard lists them.
func addWarnings(into, ws []Warning) []Warning {
	for _, w := range ws {
		i := slices.IndexFunc(into, func(v Warning) bool { return v.Field == w.Field && v.Dropped == w.Dropped })
		if i < 0 {
			into = append(into, w)
		} else {
			into[i].Count += w.Count
		}
	}
	slices.SortStableFunc(into, func(a, b Warning) int {
		if a.Dropped != b.Dropped {
			if a.Dropped {
				return -1
			}
			return 1
		}
		return cmp.Compare(slices.Index(itemNames, a.Field), slices.Index(itemNames, b.Field))
	})
	return into
}
