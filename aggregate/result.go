package aggregate

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"

	"github.com/aterkoppling/minaarenden"
)

// Result is what Run found: the merged events and how every (source, part)
// fared.
type Result struct {
	// Events are deduplicated on (producent, kundhandelseId) and ordered by
	// instant, ties broken by producent, then kundhandelseId, then the
	// event's JSON form, so the same answers give the same slice whatever
	// order they arrived in. Each event's Part is the first part (in the
	// Fraga's order) it answered; Parter lists them all. An event a
	// producer source sent without a producent carries the source's
	// producer (Outcome.Producent). The slice can go straight to flow
	// placement.
	Events []minaarenden.Kundhandelse
	// Outcomes has one entry per (producer source, part) and per
	// forwarded delfråga, in the order of the sources given to New, then
	// part, then producer. Skipped sources are included.
	Outcomes []Outcome

	parter [][]minaarenden.Part // parallel to Events
	behind []string             // producers unheard behind a failed forwarding source
	asked  []minaarenden.Part   // the Fraga's distinct parter
}

// LogValue summarises the result without identifiers: slog's JSON handler
// would otherwise marshal every Outcome's Part, digits and all.
func (r *Result) LogValue() slog.Value {
	failed := 0
	for _, o := range r.Outcomes {
		if o.Status != StatusOK && o.Status != StatusSkipped {
			failed++
		}
	}
	return slog.GroupValue(slog.Int("events", len(r.Events)), slog.Int("outcomes", len(r.Outcomes)),
		slog.Int("failed", failed), slog.Bool("complete", failed == 0))
}

// MarshalJSON writes {"complete", "events", "outcomes"}: the events in
// their wire form and each outcome as Outcome.MarshalJSON does, with []
// rather than null for an empty list.
func (r *Result) MarshalJSON() ([]byte, error) {
	events, outcomes := r.Events, r.Outcomes
	if events == nil {
		events = []minaarenden.Kundhandelse{}
	}
	if outcomes == nil {
		outcomes = []Outcome{}
	}
	return json.Marshal(struct {
		Complete bool                       `json:"complete"`
		Events   []minaarenden.Kundhandelse `json:"events"`
		Outcomes []Outcome                  `json:"outcomes"`
	}{r.Complete(), events, outcomes})
}

// Parter returns every part Events[i] answered, in the Fraga's order: one
// event found for both a person and their ärende is one event, answered for
// two parter.
func (r *Result) Parter(i int) []minaarenden.Part { return r.parter[i] }

// Complete reports whether every source asked answered fully: every outcome
// is ok or skipped by routing.
func (r *Result) Complete() bool {
	for _, o := range r.Outcomes {
		if o.Status != StatusOK && o.Status != StatusSkipped {
			return false
		}
	}
	return true
}

// Err joins the failures, each naming its source, producer and part
// (masked), for callers who want one error. It is nil when Complete.
func (r *Result) Err() error {
	var errs []error
	for _, o := range r.Outcomes {
		if o.Status == StatusOK || o.Status == StatusSkipped {
			continue
		}
		cause := o.Err
		if cause == nil {
			cause = errors.New(string(o.Status))
		}
		errs = append(errs, fmt.Errorf("%s (producent %q, %s): %s: %w", o.Source, o.Producent, o.Part, o.Status, cause))
	}
	return errors.Join(errs...)
}

// Answered returns the sorted, distinct producers that answered every part
// of the question: each has a StatusOK outcome for every part asked, from
// any source (a producer asked directly, or a delfråga of a forwarding
// source). It is what flow.Options.Answered takes: an expected case of any
// other producer — skipped by routing, not configured, failed, timed out,
// rejected by the spoof guard, or answering only some parter — is okand,
// never "not started".
//
// A question about one kund is placed with
//
//	flow.Place(cat, res.Events, &flow.Options{Expected: ex, Answered: res.Answered()})
//
// A question about many parter placed part by part (a batch job, a watcher)
// uses AnsweredFor(part) with that part's events instead.
func (r *Result) Answered() []string {
	if len(r.asked) == 0 {
		return r.answered(nil)
	}
	asked := make(map[minaarenden.PartKey]bool, len(r.asked))
	for _, p := range r.asked {
		asked[p.Key()] = true
	}
	heard := make(map[string]map[minaarenden.PartKey]bool)
	for _, o := range r.Outcomes {
		if o.Status != StatusOK {
			continue
		}
		if k := o.Part.Key(); asked[k] {
			if heard[o.Producent] == nil {
				heard[o.Producent] = make(map[minaarenden.PartKey]bool, len(asked))
			}
			heard[o.Producent][k] = true
		}
	}
	var names []string
	for name, parts := range heard {
		if len(parts) == len(asked) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// AnsweredFor returns the sorted, distinct producers with a StatusOK
// outcome for part: those whose silence about it means it has no events
// there. A failure of one source does not undo another source's full
// answer for the same producer and part (a producer asked directly and
// also behind a forwarding service that failed was heard).
func (r *Result) AnsweredFor(part minaarenden.Part) []string {
	k := part.Key()
	return r.answered(&k)
}

// answered lists the producers with an ok outcome, for part when it is
// not nil.
func (r *Result) answered(part *minaarenden.PartKey) []string {
	var names []string
	for _, o := range r.Outcomes {
		if o.Status == StatusOK && (part == nil || o.Part.Key() == *part) {
			names = append(names, o.Producent)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// Unanswered returns the sorted, distinct producers with an outcome that is
// neither ok nor skipped, for reports and logs. It does not list producers
// no source was asked about (skipped, or not configured at all): to place
// events, pass Answered to flow instead. A producer that answered one
// part but not another is listed, as is one that sent spoofed events. When a
// forwarding source failed as a whole (no delfragor), every producer
// registered in Options.Producers is listed too, since none of them could
// be heard — except those another source answered directly for every part.
func (r *Result) Unanswered() []string {
	names := slices.Clone(r.behind)
	for _, o := range r.Outcomes {
		if o.Status != StatusOK && o.Status != StatusSkipped {
			names = append(names, o.Producent)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// merged is one distinct event while merging. It points at the event in
// its source's answer rather than copying it.
type merged struct {
	ev      *minaarenden.Kundhandelse
	at      int                // ev's index in its slot's owned slice, or -1
	slot    int                // the last slot that sent it
	parts   []int              // indices into the Fraga's parter, sorted
	extra   []minaarenden.Part // parts the Fraga did not ask (forwarding)
	content []byte             // the JSON form, computed only for ties
	one     [1]int             // parts' room for the usual single part
}

func (m *merged) json() []byte {
	if m.content == nil {
		b, err := json.Marshal(m.ev)
		if err != nil {
			b = []byte(fmt.Sprintf("%#v", *m.ev))
		}
		m.content = b
	}
	return m.content
}

// compare orders by instant, producent, kundhandelseId, then content.
func compare(x, y *merged) int {
	if c := x.ev.Tidpunkt.Compare(y.ev.Tidpunkt); c != 0 {
		return c
	}
	if c := cmp.Or(cmp.Compare(x.ev.Producent, y.ev.Producent), cmp.Compare(x.ev.KundhandelseID, y.ev.KundhandelseID)); c != 0 {
		return c
	}
	return bytes.Compare(x.json(), y.json())
}

// sameEvent reports whether a and b are equal but for the part they
// answered.
func sameEvent(a, b *minaarenden.Kundhandelse) bool {
	x, y := *a, *b
	x.Part, y.Part = minaarenden.Part{}, minaarenden.Part{}
	return reflect.DeepEqual(x, y)
}

// merge builds the Result from the slots, in source order. Each event is
// copied once, into Result.Events; an event answering one asked part
// shares that part's entry of the Fraga's parter instead of a slice of its
// own.
func merge(f minaarenden.Fraga, slots []slot) *Result {
	res := &Result{asked: f.Parter}
	type key struct{ producent, id string }
	n := 0
	for si := range slots {
		n += len(slots[si].events)
	}
	// ms does not grow past n, so pointers into it stay valid.
	ms := make([]merged, 0, n)
	all := make([]*merged, 0, n)
	byKey := make(map[key]*merged, n)
	for si := range slots {
		outcome := len(res.Outcomes)
		res.Outcomes = append(res.Outcomes, slots[si].outcomes...)
		for ti := range slots[si].events {
			t := &slots[si].events[ti]
			ms = append(ms, merged{ev: t.ev, at: t.at, slot: si})
			m := &ms[len(ms)-1]
			if t.part < len(f.Parter) {
				m.one[0] = t.part
				m.parts = m.one[:]
			} else {
				m.extra = []minaarenden.Part{t.ev.Part}
			}
			if t.ev.KundhandelseID == "" {
				// Without an id there is nothing to deduplicate on.
				all = append(all, m)
				continue
			}
			k := key{t.ev.Producent, t.ev.KundhandelseID}
			prev := byKey[k]
			if prev == nil {
				byKey[k] = m
				all = append(all, m)
				continue
			}
			if prev.slot == si && slots[si].countDups {
				res.Outcomes[outcome].Duplicates++
			}
			prev.slot = si
			// The same event again. If the two copies differ, keep the
			// one that sorts first, so the choice does not depend on
			// arrival order. Most repeats are the same event for another
			// part: equal copies skip the costly content comparison.
			if !sameEvent(m.ev, prev.ev) && compare(m, prev) < 0 {
				prev.ev, prev.at, prev.content = m.ev, m.at, m.content
			}
			for _, p := range m.parts {
				if !slices.Contains(prev.parts, p) {
					prev.parts = append(prev.parts, p)
				}
			}
			for _, p := range m.extra {
				if !slices.ContainsFunc(prev.extra, func(q minaarenden.Part) bool { return q.Key() == p.Key() }) {
					prev.extra = append(prev.extra, p)
				}
			}
		}
	}
	slices.SortFunc(all, compare)

	res.Events = takeOver(slots, all)
	copied := res.Events == nil
	if copied {
		res.Events = make([]minaarenden.Kundhandelse, len(all))
	}
	res.parter = make([][]minaarenden.Part, len(all))
	for i, m := range all {
		var ps []minaarenden.Part
		if len(m.parts) == 1 && len(m.extra) == 0 {
			pi := m.parts[0]
			ps = f.Parter[pi : pi+1 : pi+1]
		} else {
			slices.Sort(m.parts)
			ps = make([]minaarenden.Part, 0, len(m.parts)+len(m.extra))
			for _, pi := range m.parts {
				ps = append(ps, f.Parter[pi])
			}
			ps = append(ps, m.extra...)
		}
		if copied {
			res.Events[i] = *m.ev
		}
		res.Events[i].Part = ps[0]
		res.parter[i] = ps
	}
	return res
}

// takeOver returns the merged events, in order, in the slice of the one
// slot that has events, when that slot owns its slice and every event
// kept points into it: the Result then costs no copy of its events. It
// returns nil, changing nothing, in every other case. The events are
// moved in place, so the merged pointers into the slice are stale after.
func takeOver(slots []slot, all []*merged) []minaarenden.Kundhandelse {
	var owned []minaarenden.Kundhandelse
	for _, s := range slots {
		if len(s.events) == 0 {
			continue
		}
		if owned != nil || s.owned == nil {
			return nil // more than one slot with events, or one not owned
		}
		owned = s.owned
	}
	order := make([]int32, len(owned))
	used := make([]bool, len(owned))
	for i, m := range all {
		if m.at < 0 {
			return nil
		}
		order[i], used[m.at] = int32(m.at), true
	}
	// The events not kept fill the rest, so that order is a permutation.
	n := len(all)
	for i, u := range used {
		if !u {
			order[n], n = int32(i), n+1
		}
	}
	gather(owned, order)
	return owned[:len(all):len(all)]
}

// gather moves s[order[i]] to s[i] for every i, in place, following each
// cycle of the permutation order once; order is spent (set to -1).
func gather[T any](s []T, order []int32) {
	for start := range order {
		if order[start] < 0 {
			continue
		}
		first := s[start]
		at := start
		for {
			from := int(order[at])
			order[at] = -1
			if from == start {
				s[at] = first
				break
			}
			s[at] = s[from]
			at = from
		}
	}
}
