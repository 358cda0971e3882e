package aggregate

import (
	"context"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/client"
)

// Source is one place events come from: a producer's API, the forwarding
// service, or anything adapted to look like one (a file, a feed, a kommun
// without an API; see package filesource). A *client.Client satisfies it.
//
// Query must be safe for concurrent use and must return promptly once ctx is
// done: Run waits for every Query it started before it returns, so that no
// goroutine outlives it. It returns the events of every part it answered and
// one client.Outcome per part (or per delfråga). A nil Answer carries no
// events: with an error, every part asked fails with it; without one, every
// part is answered with nothing. An adapter that cannot fail per part may
// return one Outcome per part with HTTPCode 0.
type Source interface {
	// Name names the source in outcomes, errors and logs. It should be
	// unique among the sources of one Aggregator.
	Name() string
	// Prefixes are the kundhandelseTyp prefixes the source is registered
	// for ("SKV", "KOMMUN.FETTAVSKILJARE"). Routing asks a source only when
	// one of them can match the question's filter, and the spoof guard
	// drops every event outside them. A source with no prefixes is asked
	// for everything; New refuses it unless Options.AllowAnyPrefix says
	// its events may carry any type (a forwarding source is checked against
	// Options.Producers instead).
	Prefixes() []minaarenden.Kundhandelsetyp
	Query(ctx context.Context, f minaarenden.Fraga) (*client.Answer, error)
}

// dialecter is implemented by sources that say which API they speak, as
// *client.Client does. A source that does not is a producer: it is asked
// one part at a time.
type dialecter interface {
	Dialect() client.Dialect
}

func isForwarding(s Source) bool {
	d, ok := s.(dialecter)
	return ok && d.Dialect() == client.Forwarding
}

// route returns the filter to send to a source registered for prefixes,
// and whether to ask it at all. An empty filter asks for everything; an
// empty prefix list cannot be excluded. The filter sent keeps only the
// entries that overlap the source's prefixes, so a strict producer is never
// asked about another producer's types.
func route(prefixes, filter []minaarenden.Kundhandelsetyp) ([]minaarenden.Kundhandelsetyp, bool) {
	if len(filter) == 0 || len(prefixes) == 0 {
		return filter, true
	}
	var kept []minaarenden.Kundhandelsetyp
	for _, t := range filter {
		for _, p := range prefixes {
			if t.Overlaps(p) {
				kept = append(kept, t)
				break
			}
		}
	}
	return kept, len(kept) > 0
}

// allowed reports whether typ lies under one of prefixes.
func allowed(typ minaarenden.Kundhandelsetyp, prefixes []minaarenden.Kundhandelsetyp) bool {
	for _, p := range prefixes {
		if typ.HasPrefix(p) {
			return true
		}
	}
	return false
}
