package flow

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/catalog"
)

// Place sorts events into producentärende instances following the Rules of
// the package documentation and returns them ordered by Typ, then
// Producent, then Referens, then the instant of their first event
// (instances with the same key, one opened after the other finished). Every event lands in exactly
// one instance; events is not modified, and the instances point into it
// (Instance.Events), so it must not be changed while they are in use. c may
// be nil: every event is then of an unknown type.
func Place(c *catalog.Catalog, events []minaarenden.Kundhandelse, opts *Options) []*Instance {
	if opts == nil {
		opts = &Options{}
	}
	// Cases run to a handful of events each; size the maps for that rather
	// than growing them step by step.
	guess := len(events)/4 + len(opts.Expected)
	p := placer{c: c, plans: make(map[planKey]*plan), chunk: min(max(guess, 16), 4096)}

	// Rule 1 only ever compares events with the same key, so events are
	// grouped by key in one pass in input order, and only each group is
	// sorted by instant: many small sorts instead of one large one, and a
	// walk that reads each case's events side by side.
	gs := groupByKey(events, guess)
	// Point at each group's events, in instant order, from one allocation
	// shared by all instances; an instance's Events is a run of it capped
	// at its own length, so appending to one never writes into another's.
	// Pointers, not copies: an event is some hundred bytes, and the caller
	// keeps the events anyway.
	all := make([]*minaarenden.Kundhandelse, len(events))
	for k, i := range gs.order {
		all[k] = &events[i]
	}
	for _, g := range gs.sorted {
		p.walk(gs.groups[g].key, all[gs.groups[g].start:gs.groups[g].end])
	}
	// Rule 8: groups were walked in key order, and a group's instances
	// opened in instant order, so out is in its final order whatever order
	// events arrived in. Expected types without events have keys no other
	// instance has; each goes in at its place.
	out := make([]*Instance, len(p.all), len(p.all)+len(opts.Expected))
	for i, b := range p.all {
		out[i] = b.finish(&p)
	}
	n := len(p.all)
	p.expect(opts)
	for _, b := range p.all[n:] {
		in := b.finish(&p)
		i, _ := slices.BinarySearchFunc(out, in, compareInstances)
		out = slices.Insert(out, i, in)
	}
	return out
}

// compareInstances orders instances by their key: Typ, Producent, Referens.
func compareInstances(a, b *Instance) int {
	return compareKeys(instanceKey{a.Producent, a.Typ, a.Referens}, instanceKey{b.Producent, b.Typ, b.Referens})
}

func compareKeys(a, b instanceKey) int {
	return cmp.Or(strings.Compare(a.typ, b.typ), strings.Compare(a.producent, b.producent), strings.Compare(a.ref, b.ref))
}

// walk places one key's events, given in instant order, opening an
// instance for the first and for each new start after a finished one
// (rule 1), and gives each instance its run of events.
func (p *placer) walk(key instanceKey, events []*minaarenden.Kundhandelse) {
	var b *builder
	from := 0
	for k, e := range events {
		// Rule 1: with an empty reference, a start step after a finished
		// instance opens a new instance. With a reference, the reference
		// says which case it is, so the event stays (and is after_end,
		// rule 7). A copy of the event that finished it is no new start.
		if b == nil || key.ref == "" && b.finished && b.plan != nil && b.startStep(e.Typ) && !b.isCopy(e) {
			if b != nil {
				b.in.Events, from = events[from:k:k], k
			}
			b = p.newBuilder(key.typ, key.producent, key.ref, p.plan(key.typ, key.producent))
		}
		b.add(e)
	}
	if b != nil {
		b.in.Events = events[from:len(events):len(events)]
	}
}

// keyGroups is events grouped by rule 1's key: order lists event indexes
// group after group in key order, each group in instant order. groups are
// numbered in the order their key first appears; sorted lists them in key
// order.
type keyGroups struct {
	order  []int32
	groups []keyGroup
	sorted []int32
}

type keyGroup struct {
	key        instanceKey
	start, end int // the group's run of order
}

func groupByKey(events []minaarenden.Kundhandelse, guess int) keyGroups {
	index := make(map[instanceKey]int32, guess)
	var groups []keyGroup
	of := make([]int32, len(events))
	// Nanoseconds since 1970 fit an int64 for about ±292 years; an event
	// outside them makes the sort compare time.Time values instead.
	const maxSec = math.MaxInt64 / int64(time.Second)
	ns := make([]int64, len(events))
	wide := false
	for i := range events {
		e := &events[i]
		k := instanceKey{producent: e.Producent, typ: instanceTyp(e.Typ), ref: reference(e)}
		g, ok := index[k]
		if !ok {
			g = int32(len(groups))
			index[k] = g
			groups = append(groups, keyGroup{key: k})
		}
		groups[g].end++ // a count until the offsets below
		of[i] = g
		ns[i] = e.Tidpunkt.UnixNano()
		if sec := e.Tidpunkt.Unix(); sec <= -maxSec || sec >= maxSec {
			wide = true
		}
	}
	sorted := make([]int32, len(groups))
	for g := range sorted {
		sorted[g] = int32(g)
	}
	slices.SortFunc(sorted, func(a, b int32) int { return compareKeys(groups[a].key, groups[b].key) })
	next := 0
	for _, g := range sorted {
		n := groups[g].end
		groups[g].start, groups[g].end = next, next
		next += n
	}
	order := make([]int32, len(events))
	for i, g := range of {
		order[groups[g].end] = int32(i)
		groups[g].end++
	}
	less := func(a, b int32) int {
		if wide {
			if c := events[a].Tidpunkt.Compare(events[b].Tidpunkt); c != 0 {
				return c
			}
		} else if ns[a] != ns[b] {
			// The common case, distinct instants, decides on one compare.
			return cmp.Compare(ns[a], ns[b])
		}
		return instantTie(&events[a], &events[b])
	}
	for _, g := range groups {
		slices.SortFunc(order[g.start:g.end], less)
	}
	return keyGroups{order: order, groups: groups, sorted: sorted}
}

type placer struct {
	c     *catalog.Catalog
	plans map[planKey]*plan
	all   []*builder // in the order they were opened

	// Arenas: instances and their step lists are carved from a few large
	// allocations rather than one per instance (see take), chunk instances
	// at a time, sized from the input so a small call allocates little.
	chunk     int
	instances []Instance
	builders  []builder
	marks     []mark
	steg      []Steg
	typs      []minaarenden.Kundhandelsetyp
}

// take returns a slice of n elements from *buf, capped at n so appending
// to it reallocates instead of spilling into the next slice, refilling buf
// chunk elements at a time. n == 0 gives an empty, non-nil slice, which
// encodes as [].
func take[T any](buf *[]T, n, chunk int) []T {
	if n == 0 {
		return []T{}
	}
	if len(*buf) < n {
		*buf = make([]T, max(n, chunk))
	}
	s := (*buf)[:n:n]
	*buf = (*buf)[n:]
	return s
}

// newBuilder opens an instance; pl is nil for a type the catalog lacks.
func (p *placer) newBuilder(typ, producent, ref string, pl *plan) *builder {
	in := &take(&p.instances, 1, p.chunk)[0]
	*in = Instance{Typ: typ, Producent: producent, Referens: ref}
	b := &take(&p.builders, 1, p.chunk)[0]
	*b = builder{in: in, plan: pl, pos: -1}
	if pl != nil {
		b.marks = take(&p.marks, len(pl.g.Nodes), 8*p.chunk)
	}
	p.all = append(p.all, b)
	return b
}

type planKey struct{ typ, producent string }

// instanceKey is rule 1's key: producent + producentärendetyp + reference.
type instanceKey struct{ producent, typ, ref string }

// plan returns the cached plan for typ at producent, nil when the catalog
// has no such type. Rule 2: the graph is the producer's slice, or the union
// when it has none.
func (p *placer) plan(typ, producent string) *plan {
	k := planKey{typ, producent}
	if pl, ok := p.plans[k]; ok {
		return pl
	}
	var pl *plan
	if t := p.typ(typ); t != nil {
		pl = newPlan(t.Graph(producent))
	}
	p.plans[k] = pl
	return pl
}

// typ looks a producentärendetyp up. A catalog built in Go rather than
// loaded has no index, so a miss falls back to a scan.
func (p *placer) typ(id string) *catalog.Producentarendetyp {
	if p.c == nil {
		return nil
	}
	if t, ok := p.c.Type(id); ok {
		return t
	}
	for _, t := range p.c.Producentarendetyper {
		if t != nil && t.ID == id { // unvalidated: may hold a nil
			return t
		}
	}
	return nil
}

// instanceTyp is the producentärendetyp an event belongs to: its first two
// segments. A kundhandelseTyp with one segment (or none) has no
// producentärendetyp; it becomes an instance of its own, under the type as
// given, so the event is kept and shows as unknown_type.
func instanceTyp(t minaarenden.Kundhandelsetyp) string {
	if pt := t.Producentarendetyp(); pt != "" {
		return pt
	}
	return string(t)
}

// reference is rule 1's reference: referenser.producentarende (a string, or
// the first string or url of an array or object, also in an array with
// items of other shapes), else the arende identifierare the event answered,
// else "". A producentarende of another shape (a number, say) is used as
// its JSON text, so two such cases are not merged into one.
func reference(e *minaarenden.Kundhandelse) string {
	pa := e.Referenser.Producentarende()
	if r := pa.First(); r != "" {
		return r
	}
	raw := bytes.TrimSpace(pa.Raw)
	if len(pa.Varden) == 0 && otherScalar(raw) {
		return string(raw)
	}
	if r := firstInArray(raw); r != "" {
		return r
	}
	if e.Part.Arende != nil {
		return e.Part.Arende.Identifierare
	}
	return ""
}

// firstInArray returns the first string or url among the items of a JSON
// array that Referens kept only as Raw because some item had another shape
// (["P-1", 7], or a link object without url before a string): the rule
// still names the first string or url there. "" for anything else.
func firstInArray(raw []byte) string {
	if len(raw) == 0 || raw[0] != '[' {
		return ""
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return ""
	}
	for _, item := range items {
		var s string
		if json.Unmarshal(item, &s) == nil && s != "" {
			return s
		}
		var link struct {
			URL string `json:"url"`
		}
		if json.Unmarshal(item, &link) == nil && link.URL != "" {
			return link.URL
		}
	}
	return ""
}

// otherScalar reports whether raw is a JSON number or boolean: neither a
// string, array or object (which Referens reads) nor null.
func otherScalar(raw []byte) bool {
	return len(raw) > 0 && string(raw) != "null" && !bytes.ContainsAny(raw[:1], `"[{`)
}

// expect adds an instance for each expected type that has none (rule 3),
// ej_paborjad when its producer answered and okand otherwise (see
// Options.Answered).
//
// "TYPE" is satisfied by an instance of the type from any producer, and
// "TYPE@Producent" only by one from that producer.
func (p *placer) expect(opts *Options) {
	answered := make(map[string]bool, len(opts.Answered))
	for _, a := range opts.Answered {
		answered[a] = true
	}
	// "TYPE@Producent" first: it also meets a "TYPE" for the same type, so
	// the result does not depend on the order the caller listed them in.
	specific := slices.SortedStableFunc(slices.Values(opts.Expected), func(a, b Expected) int {
		return compareBool(a.Producent == "", b.Producent == "")
	})
	for _, ex := range specific {
		if p.satisfied(ex) {
			continue
		}
		producent := ex.Producent
		invalid := ex.Validate()
		var t *catalog.Producentarendetyp
		if invalid == nil {
			t = p.typ(ex.Typ)
		}
		status := Okand
		switch {
		case invalid != nil:
		case producent != "":
			if answered[producent] {
				status = EjPaborjad
			}
		case t != nil && len(t.Producenter) > 0:
			if !slices.ContainsFunc(t.Producenter, func(pr string) bool { return !answered[pr] }) {
				status = EjPaborjad
			}
			if len(t.Producenter) == 1 {
				producent = t.Producenter[0]
			}
		}
		var pl *plan
		if t != nil {
			pl = p.plan(ex.Typ, producent)
		}
		typ := ex.Typ
		if invalid != nil {
			// It goes into the output: nothing identifier-like from it.
			typ = maskDigits(typ)
			if badProducent(producent) != "" {
				producent = ""
			}
		}
		b := p.newBuilder(typ, producent, "", pl)
		b.notStarted = status
		b.in.Events = []*minaarenden.Kundhandelse{}
		switch {
		case invalid != nil:
			b.in.Avvikelser = []Avvikelse{{Kind: UnknownType, Detail: strings.TrimPrefix(invalid.Error(), "flow: ")}}
		case t == nil:
			b.in.Avvikelser = []Avvikelse{{Kind: UnknownType, Detail: fmt.Sprintf("expected producentärendetyp %q is not in the catalog", ex.Typ)}}
		}
	}
}

// maskDigits replaces every digit of an identifier-like s with '*'.
func maskDigits(s string) string {
	if !identifierLike(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) {
			return '*'
		}
		return r
	}, s)
}

func (p *placer) satisfied(ex Expected) bool {
	for _, b := range p.all {
		if b.in.Typ == ex.Typ && (ex.Producent == "" || b.in.Producent == ex.Producent) {
			return true
		}
	}
	return false
}

// mark is what the walk learnt about a node; finish turns marks into the
// step states of rule 5.
type mark uint8

const (
	markDone mark = 1 << iota
	markSkipped
	markExpected
)

// builder walks one instance's events in instant order.
type builder struct {
	in   *Instance
	plan *plan // nil: unknown type (rule 7)

	n        int // events placed here
	last     *minaarenden.Kundhandelse
	pos      int  // node of the latest event whose step is in the graph, -1 before any
	finished bool // the latest event finished the case (rule 3)
	kundatg  bool // the latest event gives the customer the ball (rule 3)
	marks    []mark

	notStarted Status // ej_paborjad or okand for an expected type without events
}

func (b *builder) startStep(t minaarenden.Kundhandelsetyp) bool {
	i, ok := b.plan.g.Index(t)
	return ok && b.plan.isStart[i]
}

// isCopy reports whether e is a copy of the previous event (two sources,
// or a producer resending): it is kept but says nothing new, so it makes
// no transition, no after_end and no new start.
func (b *builder) isCopy(e *minaarenden.Kundhandelse) bool {
	l := b.last
	return l != nil && e.KundhandelseID == l.KundhandelseID && e.Typ == l.Typ &&
		e.Klart == l.Klart && e.KraverKundatgard == l.KraverKundatgard && e.Tidpunkt.Equal(l.Tidpunkt)
}

func (b *builder) anomaly(kind AvvikelseKind, e *minaarenden.Kundhandelse, format string, args ...any) {
	b.in.Avvikelser = append(b.in.Avvikelser, Avvikelse{Kind: kind, KundhandelseID: e.KundhandelseID,
		Detail: fmt.Sprintf(format, args...)})
}

func (b *builder) add(e *minaarenden.Kundhandelse) {
	b.n++
	if b.isCopy(e) {
		return
	}
	b.last = e
	wasFinished := b.finished
	pl := b.plan
	if pl == nil {
		// Rule 7: an unknown type keeps its events; its status comes from
		// the flags alone.
		if b.n == 1 {
			b.anomaly(UnknownType, e, "the catalog has no producentärendetyp %q", b.in.Typ)
		}
		b.finished, b.kundatg = e.Klart, e.KraverKundatgard
		return
	}
	i, known := pl.g.Index(e.Typ)
	// Rule 3, from the latest event: its flags, or its node when known.
	b.finished = e.Klart || known && pl.isEnd[i]
	b.kundatg = e.KraverKundatgard || known && pl.kundatgard[i]
	if !known {
		where := "the catalog"
		if pl.g.Producent != "" {
			where = pl.g.Producent + "'s slice"
		}
		b.anomaly(UnknownStep, e, "step %q is not in %s of %s", e.Typ, where, b.in.Typ)
	}
	if wasFinished {
		b.anomaly(AfterEnd, e, "%q after the case finished", e.Typ)
	}
	if !known {
		return
	}
	if e.Klart != pl.isEnd[i] || e.KraverKundatgard != pl.kundatgard[i] {
		b.anomaly(FlagMismatch, e, "flags klart=%t kundatgard=%t, but %q is klart=%t kundatgard=%t",
			e.Klart, e.KraverKundatgard, e.Typ, pl.isEnd[i], pl.kundatgard[i])
	}
	switch {
	case wasFinished:
		// after_end already says it; a transition out of an end means nothing.
	case b.pos < 0:
		// Rule 5: a first event that is not a start skips the steps from
		// the nearest start to it, the start itself included.
		if !pl.isStart[i] {
			path := pl.path(pl.fromStart, i)
			if path == nil {
				b.anomaly(InvalidTransition, e, "%q cannot be reached from a start step", e.Typ)
			} else {
				b.skip(e, path[:len(path)-1])
			}
		}
	case i == b.pos, pl.isEdge(b.pos, i):
		// A step repeated (a reminder, a second source) is no transition.
	default:
		path := pl.path(pl.parent[b.pos], i)
		if path == nil {
			b.anomaly(InvalidTransition, e, "%q cannot be reached from %q", e.Typ, pl.g.Nodes[b.pos])
		} else {
			b.skip(e, path[1:len(path)-1])
		}
	}
	b.pos = i
	b.marks[i] |= markDone
}

// skip marks steps skipped (rule 5) and reports them (rule 7).
func (b *builder) skip(e *minaarenden.Kundhandelse, steps []int) {
	names := make([]string, len(steps))
	for k, s := range steps {
		b.marks[s] |= markSkipped
		names[k] = string(b.plan.g.Nodes[s])
	}
	b.anomaly(SkippedSteps, e, "%q skipped %s", e.Typ, strings.Join(names, ", "))
}

// finish applies rules 3 to 6 to what the walk learnt.
func (b *builder) finish(p *placer) *Instance {
	in := b.in
	switch {
	case b.notStarted != "":
		in.Status = b.notStarted
	case b.finished:
		in.Status = Klart
	case b.kundatg:
		in.Status = VantarPaKund
	default:
		in.Status = Pagaende
	}
	in.Bollen = bollen(in.Status)
	if in.Avvikelser == nil {
		in.Avvikelser = []Avvikelse{}
	}
	pl := b.plan
	if pl == nil {
		in.Steg, in.Nasta, in.Aterstar = []Steg{}, []minaarenden.Kundhandelsetyp{}, []minaarenden.Kundhandelsetyp{}
		return in
	}
	current := -1
	var nasta, aterstar []int
	if !b.finished {
		current = b.pos
		if current >= 0 {
			nasta, aterstar = pl.g.Succ[current], pl.toEnd[current]
		} else {
			// Not started, or no event's step is in the graph: the whole way
			// is still to go.
			aterstar = pl.startToEnd
		}
	}
	in.Nasta = take(&p.typs, len(nasta), 8*p.chunk)
	for k, s := range nasta {
		in.Nasta[k] = pl.g.Nodes[s]
	}
	in.Aterstar = take(&p.typs, len(aterstar), 8*p.chunk)
	for k, s := range aterstar {
		in.Aterstar[k] = pl.g.Nodes[s]
		b.marks[s] |= markExpected
	}
	in.Steg = take(&p.steg, len(pl.g.Nodes), 8*p.chunk)
	for i, id := range pl.g.Nodes {
		// Rule 5: a step that qualifies twice takes the first of current,
		// done, skipped, expected, unvisited.
		st := StegUnvisited
		switch m := b.marks[i]; {
		case i == current:
			st = StegCurrent
		case m&markDone != 0:
			st = StegDone
		case m&markSkipped != 0:
			st = StegSkipped
		case m&markExpected != 0:
			st = StegExpected
		}
		in.Steg[i] = Steg{Typ: id, State: st}
	}
	return in
}

// instantTie orders two events at the same instant by kundhandelseId and
// then by content, so the order never depends on the order events arrived
// in (rule 8).
func instantTie(a, b *minaarenden.Kundhandelse) int {
	if c := strings.Compare(a.KundhandelseID, b.KundhandelseID); c != 0 {
		return c
	}
	return sameIDOrder(a, b)
}

// sameIDOrder orders two events with the same instant and id — duplicates
// from two sources, or a producer reusing an id — by what placement reads,
// then by their whole wire form, then by the part they answered. Events
// equal in all of it are equal as values, so their order cannot show.
func sameIDOrder(a, b *minaarenden.Kundhandelse) int {
	if c := cmp.Or(strings.Compare(a.Producent, b.Producent), strings.Compare(string(a.Typ), string(b.Typ)),
		strings.Compare(reference(a), reference(b)), compareBool(a.Klart, b.Klart),
		compareBool(a.KraverKundatgard, b.KraverKundatgard)); c != 0 {
		return c
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if c := bytes.Compare(ja, jb); c != 0 {
		return c
	}
	// The same event answered for two parts differs only in Part, which
	// the wire form leaves out.
	return comparePart(a.Part, b.Part)
}

func comparePart(a, b minaarenden.Part) int {
	var ka, kb minaarenden.Kund
	if a.Kund != nil {
		ka = *a.Kund
	}
	if b.Kund != nil {
		kb = *b.Kund
	}
	var aa, ab minaarenden.Arende
	if a.Arende != nil {
		aa = *a.Arende
	}
	if b.Arende != nil {
		ab = *b.Arende
	}
	return cmp.Or(compareBool(a.Kund != nil, b.Kund != nil), compareBool(a.Arende != nil, b.Arende != nil),
		strings.Compare(string(ka.Identifierare), string(kb.Identifierare)), strings.Compare(ka.Tillagg, kb.Tillagg),
		strings.Compare(string(ka.Typ), string(kb.Typ)),
		strings.Compare(aa.Identifierare, ab.Identifierare), strings.Compare(string(aa.Typ), string(ab.Typ)))
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
