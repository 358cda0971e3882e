package aggregate

import (
	"cmp"
	"slices"
	"time"

	"github.com/aterkoppling/minaarenden"
)

// settleForwarding turns a forwarding-service answer (200 or 206) into one
// outcome per delfråga, that is per producer and part, and guards each
// event by the prefixes Options.Producers registers for its producent.
//
// Parts the service gave no delfråga for get an outcome under the source's
// own name carrying the request's error (or ok), so every part asked has at
// least one outcome. An event whose (producent, part) has no delfråga gets
// an outcome of its own: it is guarded like any other and never dropped
// silently.
func (a *Aggregator) settleForwarding(t *task, f minaarenden.Fraga, r raceResult, dur time.Duration) slot {
	name := a.names[t.src]
	partIndex := make(map[minaarenden.PartKey]int, len(f.Parter))
	for i, p := range f.Parter {
		if _, dup := partIndex[p.Key()]; !dup {
			partIndex[p.Key()] = i
		}
	}
	indexOf := func(p minaarenden.Part) int {
		if i, ok := partIndex[p.Key()]; ok {
			return i
		}
		return len(f.Parter)
	}

	type key struct {
		producent string
		part      minaarenden.PartKey
	}
	type entry struct {
		o     Outcome
		part  int
		guard guard
	}
	var entries []*entry
	byKey := make(map[key]*entry)
	add := func(o Outcome) *entry {
		o.Source, o.Hedges, o.Duration = name, r.hedges, dur
		if o.Attempts == 0 {
			o.Attempts = 1
		}
		ps, listed := a.producers[o.Producent]
		e := &entry{o: o, part: indexOf(o.Part), guard: guard{prefixes: ps, any: !listed && a.anyPrefix}}
		entries = append(entries, e)
		byKey[key{o.Producent, o.Part.Key()}] = e
		return e
	}

	covered := make(map[minaarenden.PartKey]bool)
	if r.ans != nil {
		for _, co := range r.ans.Outcomes {
			add(Outcome{Producent: co.Producent, Part: co.Part, HTTPCode: co.HTTPCode, Attempts: co.Attempts, Err: co.Err, Warnings: co.Warnings})
			covered[co.Part.Key()] = true
		}
	}
	for _, p := range f.Parter {
		if !covered[p.Key()] {
			add(Outcome{Producent: name, Part: p, Err: r.err})
			covered[p.Key()] = true
		}
	}

	var s slot
	if r.ans != nil {
		dupSeen := make(map[key]map[string]bool)
		for i := range r.ans.Events {
			ev := &r.ans.Events[i]
			part := ev.Part
			if len(f.Parter) == 1 && part.Kund == nil && part.Arende == nil {
				part = f.Parter[0]
			}
			k := key{ev.Producent, part.Key()}
			e := byKey[k]
			if e == nil {
				e = add(Outcome{Producent: ev.Producent, Part: part})
			}
			if !e.guard.check(ev.Typ) {
				continue
			}
			if ev.KundhandelseID != "" {
				if dupSeen[k] == nil {
					dupSeen[k] = make(map[string]bool)
				}
				if dupSeen[k][ev.KundhandelseID] {
					e.o.Duplicates++
				}
				dupSeen[k][ev.KundhandelseID] = true
			}
			e.o.Events++
			s.events = append(s.events, tagged{ev: ev, part: e.part})
		}
	}

	for _, e := range entries {
		e.o.Rejected = e.guard.rejected
		switch {
		case e.o.Err != nil:
			e.o.Status = statusOf(e.o.Err)
		case e.o.Rejected > 0:
			e.o.Status = StatusRejected
			e.o.Err = e.guard.err(name, e.o.Producent)
		default:
			e.o.Status = StatusOK
		}
	}
	// Delfragor come in the service's order; outcomes come by part, then
	// producer, so the Result does not depend on it.
	slices.SortStableFunc(entries, func(x, y *entry) int {
		return cmp.Or(cmp.Compare(x.part, y.part), cmp.Compare(x.o.Producent, y.o.Producent))
	})
	for _, e := range entries {
		s.outcomes = append(s.outcomes, e.o)
	}
	return s
}
