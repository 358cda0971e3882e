package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/aterkoppling/minaarenden"
)

// SyncSource is one producer's own catalog, served with the three catalog
// API operations (Handler serves them) for the types it reports on.
type SyncSource struct {
	Producent string `json:"producent"` // as the central catalog's producenter name it
	URL       string `json:"url"`       // the API's base URL
	// Prefixes grants first segments of type ids ("SKV") under which the
	// producer may add new types, beside the prefixes of the types the
	// central catalog lists it alone for. A type it shares grants no
	// prefix: producers sharing KOMMUN.BYGGLOV each need "KOMMUN" here to
	// add KOMMUN types. A producer new to the central catalog can add
	// nothing without one.
	Prefixes []string `json:"prefixes,omitempty"`
}

// Validate checks the source on its own: a producent, an absolute http(s)
// URL without query or fragment, and prefixes of one segment each.
func (s SyncSource) Validate() error {
	if s.Producent == "" {
		return errors.New("catalog: no producent")
	}
	if err := NewClient(s.URL, nil).err; err != nil {
		return fmt.Errorf("catalog: %s: %s", quote(s.Producent), strings.TrimPrefix(err.Error(), "catalog: "))
	}
	for _, p := range s.Prefixes {
		if err := minaarenden.Kundhandelsetyp(p).ValidatePrefix(); err != nil || strings.Contains(p, ".") {
			return fmt.Errorf("catalog: %s: prefix %s is not one segment such as \"SKV\"", quote(s.Producent), quote(p))
		}
	}
	return nil
}

// SyncOptions bounds a Sync. The zero value (or nil) is the documented
// default for every field.
type SyncOptions struct {
	// HTTPClient fetches the producers' catalogs; nil means a plain
	// http.Client (TLS verified, no timeout of its own: the contexts bound it).
	HTTPClient *http.Client
	// Timeout bounds the whole sync (default 5 minutes); a producer not done
	// by then is unreachable, and the rest is merged.
	Timeout time.Duration
	// ProducerTimeout bounds the fetching of one producer's catalog
	// (default 1 minute).
	ProducerTimeout time.Duration
	// Concurrency is how many producers are fetched at once (default 8).
	Concurrency int
	// MaxTypes and MaxSteps cap one producer's catalog: its
	// producentärendetyper (default 500) and its kundhändelsetyper over all
	// of them (default 5000). A producer over a cap is refused.
	MaxTypes, MaxSteps int
	// MaxStepsPerType caps the kundhändelsetyper of any one of the
	// producer's types (default 200), so that no single flow grows too
	// large to lay out and draw (catalog.SVG refuses larger ones still). A
	// producer over it is refused.
	MaxStepsPerType int
	// MaxBytes caps the bytes read from one producer over all its answers
	// (default 32 MiB), beside the Client's MaxAnswerBytes per answer.
	MaxBytes int64
}

// The defaults of SyncOptions.
const (
	DefaultSyncTimeout         = 5 * time.Minute
	DefaultSyncProducerTimeout = time.Minute
	DefaultSyncConcurrency     = 8
	DefaultSyncMaxTypes        = 500
	DefaultSyncMaxSteps        = 5000
	DefaultSyncMaxStepsPerType = 200
	DefaultSyncMaxBytes        = 32 << 20
)

func (o *SyncOptions) withDefaults() SyncOptions {
	var r SyncOptions
	if o != nil {
		r = *o
	}
	if r.HTTPClient == nil {
		r.HTTPClient = &http.Client{}
	}
	if r.Timeout <= 0 {
		r.Timeout = DefaultSyncTimeout
	}
	if r.ProducerTimeout <= 0 {
		r.ProducerTimeout = DefaultSyncProducerTimeout
	}
	if r.Concurrency <= 0 {
		r.Concurrency = DefaultSyncConcurrency
	}
	if r.MaxTypes <= 0 {
		r.MaxTypes = DefaultSyncMaxTypes
	}
	if r.MaxSteps <= 0 {
		r.MaxSteps = DefaultSyncMaxSteps
	}
	if r.MaxStepsPerType <= 0 {
		r.MaxStepsPerType = DefaultSyncMaxStepsPerType
	}
	if r.MaxBytes <= 0 {
		r.MaxBytes = DefaultSyncMaxBytes
	}
	return r
}

// SyncStatus is what became of one producer in a sync.
type SyncStatus string

const (
	// SyncMerged: the producer's catalog was fetched, validated and merged
	// (which may have changed nothing).
	SyncMerged SyncStatus = "merged"
	// SyncRefused: the producer answered, but its catalog does not
	// validate, breaks a cap, or its changes would make the central
	// catalog invalid; nothing of it was merged.
	SyncRefused SyncStatus = "refused"
	// SyncUnreachable: the producer's catalog could not be fetched (network
	// error, timeout, a 5xx, 408 or 429 answer); nothing of it was merged.
	SyncUnreachable SyncStatus = "unreachable"
)

// ChangeKind says what a sync did to a producentärendetyp.
type ChangeKind string

const (
	ChangeAdded   ChangeKind = "added"
	ChangeChanged ChangeKind = "changed"
	ChangeRemoved ChangeKind = "removed"
)

// SyncReport says what a sync did, per producer in name order. Its JSON is
// the report examples/katalog prints with -json.
type SyncReport struct {
	Producenter []ProducerReport `json:"producenter"`
}

// ProducerReport is one producer's outcome.
type ProducerReport struct {
	Producent string     `json:"producent"`
	Status    SyncStatus `json:"status"`
	Error     string     `json:"error"` // why refused or unreachable, else ""
	// Changes are the types the producer's catalog changed, by type id.
	Changes []TypeChange `json:"changes"`
	// Ignored are the types the producer listed but does not own, by id.
	Ignored []IgnoredType `json:"ignored"`

	// Err is the error behind Error, for errors.Is and errors.As.
	Err error `json:"-"`
}

// TypeChange is one producentärendetyp a producer added, changed or removed.
// For a type the producer owns alone the steps and edges are the union
// flow's; for a shared type, the producer's own slice.
type TypeChange struct {
	Typ          string                        `json:"typ"`
	Change       ChangeKind                    `json:"change"`
	StepsAdded   []minaarenden.Kundhandelsetyp `json:"stepsAdded"`
	StepsRemoved []minaarenden.Kundhandelsetyp `json:"stepsRemoved"`
	EdgesAdded   []Overgang                    `json:"edgesAdded"`
	EdgesRemoved []Overgang                    `json:"edgesRemoved"`
}

// IgnoredType is a type a producer listed but may not change.
type IgnoredType struct {
	Typ    string `json:"typ"`
	Reason string `json:"reason"` // "owned by Skatteverket"
}

// Err joins the errors of the producers that were not merged, each naming
// its producer, or returns nil when every producer merged.
func (r *SyncReport) Err() error {
	var errs []error
	for _, p := range r.Producenter {
		if p.Status != SyncMerged {
			errs = append(errs, fmt.Errorf("%s %s: %w", quote(p.Producent), p.Status, p.Err))
		}
	}
	return errors.Join(errs...)
}

// Sync fetches every source's catalog through the catalog API, validates
// it, and merges it into a copy of central under ownership; central itself
// is not changed, and the merged catalog shares with it the steps no
// producer changed (both are read-only, as every loaded Catalog is). See the
// package doc for the rules. The report has every
// source, in producer-name order. A producer that fails is reported, never
// fatal to the others; the error is non-nil only for malformed sources, a
// cancelled ctx, or a merged catalog that does not validate, and then the
// catalog is nil.
func Sync(ctx context.Context, central *Catalog, sources []SyncSource, opts *SyncOptions) (*Catalog, *SyncReport, error) {
	o := opts.withDefaults()
	srcs, err := checkSources(sources)
	if err != nil {
		return nil, nil, err
	}
	own := ownership(central)

	fetchCtx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	results := make([]*fetched, len(srcs))
	var g errgroup.Group // a zero Group: one failing producer must not cancel the others
	g.SetLimit(o.Concurrency)
	for i, src := range srcs {
		g.Go(func() error {
			results[i] = fetchProducer(fetchCtx, src, own, &o)
			return nil
		})
	}
	g.Wait()
	if errors.Is(ctx.Err(), context.Canceled) {
		return nil, nil, fmt.Errorf("catalog: sync: %w", ctx.Err())
	}

	m := newMerger(central)
	report := &SyncReport{Producenter: make([]ProducerReport, len(results))}
	for i, f := range results {
		report.Producenter[i] = m.apply(f, own)
	}
	merged, err := build(&Catalog{Producentarendetyper: m.types, Extra: central.Extra})
	if err != nil {
		return nil, report, fmt.Errorf("catalog: sync: the merged catalog does not validate: %w", err)
	}
	return merged, report, nil
}

// checkSources refuses empty, repeated or malformed sources, naming them,
// and returns them in producer-name order, so the result does not depend on
// the order given.
func checkSources(sources []SyncSource) ([]SyncSource, error) {
	srcs := slices.Clone(sources)
	for i, s := range srcs {
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("catalog: sync source %d: %w", i, err)
		}
	}
	slices.SortFunc(srcs, func(a, b SyncSource) int { return strings.Compare(a.Producent, b.Producent) })
	for i := 1; i < len(srcs); i++ {
		if srcs[i].Producent == srcs[i-1].Producent {
			return nil, fmt.Errorf("catalog: sync source %s is listed twice", quote(srcs[i].Producent))
		}
	}
	return srcs, nil
}

// owners is the central catalog's ownership, read before anything merges,
// so each producer's rights do not depend on who merged first.
type owners struct {
	producenter map[string][]string        // type id → producenter
	byProducer  map[string][]string        // producent → type ids, catalog order
	prefixes    map[string]map[string]bool // producent → first segments of the types it owns alone
	byPrefix    map[string][]string        // first segment → those owners, sorted
}

func ownership(c *Catalog) *owners {
	o := &owners{producenter: map[string][]string{}, byProducer: map[string][]string{},
		prefixes: map[string]map[string]bool{}, byPrefix: map[string][]string{}}
	for _, t := range c.Producentarendetyper {
		o.producenter[t.ID] = slices.Clone(t.Producenter)
		prefix := minaarenden.Kundhandelsetyp(t.ID).ProducentPrefix()
		for _, p := range t.Producenter {
			o.byProducer[p] = append(o.byProducer[p], t.ID)
			// Only a type of its own grants its prefix: being listed on
			// a shared type gives no right to add types beside it.
			if len(t.Producenter) != 1 {
				continue
			}
			if o.prefixes[p] == nil {
				o.prefixes[p] = map[string]bool{}
			}
			o.prefixes[p][prefix] = true
			if !slices.Contains(o.byPrefix[prefix], p) {
				o.byPrefix[prefix] = append(o.byPrefix[prefix], p)
			}
		}
	}
	for _, ps := range o.byPrefix {
		slices.Sort(ps)
	}
	return o
}

// typeRight is what a producer may do with a type it lists.
type typeRight int

const (
	rightNone   typeRight = iota // another producer's: ignored
	rightOwn                     // listed for it alone: the whole type
	rightShared                  // listed for it and others: its variant only
	rightNew                     // not in the central catalog, under its prefix
)

func (o *owners) right(src SyncSource, id string) (typeRight, string) {
	if ps, ok := o.producenter[id]; ok {
		switch {
		case slices.Equal(ps, []string{src.Producent}):
			return rightOwn, ""
		case slices.Contains(ps, src.Producent):
			return rightShared, ""
		case len(ps) == 0:
			return rightNone, "listed for no producer"
		}
		return rightNone, "owned by " + strings.Join(ps, ", ")
	}
	prefix := minaarenden.Kundhandelsetyp(id).ProducentPrefix()
	if o.prefixes[src.Producent][prefix] || slices.Contains(src.Prefixes, prefix) {
		return rightNew, ""
	}
	if ps := o.byPrefix[prefix]; len(ps) > 0 {
		return rightNone, fmt.Sprintf("prefix %s is owned by %s", prefix, strings.Join(ps, ", "))
	}
	return rightNone, fmt.Sprintf("prefix %s is not %s's", prefix, src.Producent)
}

// fetched is one producer's catalog as far as the sync needs it.
type fetched struct {
	src     SyncSource
	status  SyncStatus // "" while fetching goes well
	err     error
	listed  []string // the type ids it may change, sorted
	types   map[string]*fetchedType
	ignored []IgnoredType
}

type fetchedType struct {
	right typeRight
	union *Graph // rightOwn, rightNew
	slice *Graph // rightShared, or an owned type the producer has a variant of
}

func (f *fetched) fail(err error) *fetched {
	f.status, f.err = SyncRefused, err
	if unreachable(err) {
		f.status = SyncUnreachable
	}
	return f
}

// unreachable tells a producer that did not answer from one whose answer
// was wrong.
func unreachable(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.HTTPCode >= 500 || ae.HTTPCode == http.StatusRequestTimeout || ae.HTTPCode == http.StatusTooManyRequests
	}
	// context.DeadlineExceeded is a net.Error too; io.EOF is a connection
	// closed before any answer came, io.ErrUnexpectedEOF one cut short.
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, context.Canceled) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

func fetchProducer(ctx context.Context, src SyncSource, own *owners, o *SyncOptions) *fetched {
	ctx, cancel := context.WithTimeout(ctx, o.ProducerTimeout)
	defer cancel()
	f := &fetched{src: src, types: map[string]*fetchedType{}}
	hc := *o.HTTPClient
	hc.Transport = &budgetTransport{base: hc.Transport, left: o.MaxBytes}
	cl := NewClient(src.URL, &hc)

	sums, err := cl.ProducentarendetyperFor(ctx, src.Producent)
	if err != nil {
		return f.fail(err)
	}
	if len(sums) == 0 {
		// Handler answers 404 then; an empty list is a broken answer more
		// likely than a producer leaving, and would remove all it owns.
		return f.fail(errors.New("catalog: the producer lists no producentärendetyper; an empty list does not remove its types"))
	}
	if len(sums) > o.MaxTypes {
		return f.fail(fmt.Errorf("catalog: the producer lists %d producentärendetyper, more than the cap of %d", len(sums), o.MaxTypes))
	}
	for _, s := range sums {
		if err := minaarenden.Kundhandelsetyp(s.ID).ValidatePrefix(); err != nil || strings.Count(s.ID, ".") != 1 {
			return f.fail(fmt.Errorf("catalog: the producer lists a malformed type id %s", quote(s.ID)))
		}
		if _, dup := f.types[s.ID]; dup || slices.ContainsFunc(f.ignored, func(i IgnoredType) bool { return i.Typ == s.ID }) {
			return f.fail(fmt.Errorf("catalog: the producer lists type %s twice (duplicate id)", quote(s.ID)))
		}
		r, reason := own.right(src, s.ID)
		if r == rightNone {
			f.ignored = append(f.ignored, IgnoredType{Typ: s.ID, Reason: reason})
			continue
		}
		f.types[s.ID] = &fetchedType{right: r}
		f.listed = append(f.listed, s.ID)
	}
	slices.Sort(f.listed)
	slices.SortFunc(f.ignored, func(a, b IgnoredType) int { return strings.Compare(a.Typ, b.Typ) })

	steps := 0
	for _, s := range sums {
		ft := f.types[s.ID]
		if ft == nil {
			continue
		}
		if ft.right != rightShared {
			if ft.union, err = cl.Flode(ctx, s.ID, ""); err != nil {
				return f.fail(err)
			}
			steps += len(ft.union.Nodes)
		}
		if ft.right == rightShared || s.Variant {
			if ft.slice, err = cl.Flode(ctx, s.ID, src.Producent); err != nil {
				return f.fail(err)
			}
			if ft.right == rightShared {
				steps += len(ft.slice.Nodes)
			}
		}
		for _, g := range []*Graph{ft.union, ft.slice} {
			if g != nil && len(g.Nodes) > o.MaxStepsPerType {
				return f.fail(fmt.Errorf("catalog: type %s has %d kundhandelsetyper, more than the cap of %d per type", quote(s.ID), len(g.Nodes), o.MaxStepsPerType))
			}
		}
		if steps > o.MaxSteps {
			return f.fail(fmt.Errorf("catalog: the producer's types have more than the cap of %d kundhandelsetyper", o.MaxSteps))
		}
	}
	return f
}

// errBudget is what reading past a producer's MaxBytes gives.
var errBudget = errors.New("the producer's answers exceed the sync's byte cap")

// budgetTransport counts the bytes of every answer from one producer
// against one budget, so many answers just under MaxAnswerBytes cannot add
// up to gigabytes.
type budgetTransport struct {
	base http.RoundTripper
	left int64 // atomic
}

func (t *budgetTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &budgetBody{ReadCloser: resp.Body, left: &t.left}
	return resp, nil
}

type budgetBody struct {
	io.ReadCloser
	left *int64
}

func (b *budgetBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if atomic.AddInt64(b.left, -int64(n)) < 0 {
		return n, errBudget
	}
	return n, err
}

// merger applies the producers' catalogs, one at a time in name order, to
// a private copy of the central catalog.
type merger struct {
	types []*Producentarendetyp // in the central catalog's order; new types appended
}

func newMerger(central *Catalog) *merger {
	m := &merger{types: make([]*Producentarendetyp, len(central.Producentarendetyper))}
	for i, t := range central.Producentarendetyper {
		// A shallow copy: building the merged catalog writes only the
		// type's own resolved graphs, never its steps or lists, so the
		// unchanged parts can be shared with central instead of copied.
		c := *t
		c.graphs = nil
		m.types[i] = &c
	}
	return m
}

// cloneType copies a type deeply, without its resolved graphs, so the
// central catalog (which others may be reading) is never written.
func cloneType(t *Producentarendetyp) (*Producentarendetyp, error) {
	b, err := json.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("catalog: sync: type %s: %w", quote(t.ID), err)
	}
	var c Producentarendetyp
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("catalog: sync: type %s: %w", quote(t.ID), err)
	}
	return &c, nil
}

func (m *merger) find(id string) (int, *Producentarendetyp) {
	for i, t := range m.types {
		if t.ID == id {
			return i, t
		}
	}
	return -1, nil
}

// apply merges one producer's catalog all or nothing and reports it.
func (m *merger) apply(f *fetched, own *owners) ProducerReport {
	r := ProducerReport{Producent: f.src.Producent, Changes: []TypeChange{}, Ignored: []IgnoredType{}}
	if f.status != "" {
		r.Status, r.Err, r.Error = f.status, f.err, f.err.Error()
		return r
	}
	r.Ignored = append(r.Ignored, f.ignored...)
	p := f.src.Producent
	next := map[string]*Producentarendetyp{} // type id → its new version; nil removes it
	var errs []error
	for _, id := range f.listed {
		ft := f.types[id]
		_, old := m.find(id)
		switch ft.right {
		case rightNew:
			if old != nil { // another producer added it earlier in this sync
				r.Ignored = append(r.Ignored, IgnoredType{Typ: id, Reason: "owned by " + strings.Join(old.Producenter, ", ")})
				continue
			}
			t, err := ownedType(nil, p, ft)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			next[id] = t
			r.Changes = append(r.Changes, diff(id, ChangeAdded, nil, t.union()))
		case rightOwn:
			if old == nil {
				continue // not possible: only its owner removes a type
			}
			t, err := ownedType(old, p, ft)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			keepEdgeOrder(old, t)
			if !sameJSON(old, t) {
				next[id] = t
				r.Changes = append(r.Changes, diff(id, ChangeChanged, old.union(), t.union()))
			}
		case rightShared:
			t, change, reason, err := sharedType(old, p, ft.slice)
			switch {
			case err != nil:
				errs = append(errs, err)
			case reason != "":
				r.Ignored = append(r.Ignored, IgnoredType{Typ: id, Reason: reason})
			case t != nil:
				next[id] = t
				r.Changes = append(r.Changes, change)
			}
		}
	}
	// Types the central catalog lists the producer for that its own catalog
	// no longer lists: it takes them back.
	for _, id := range own.byProducer[p] {
		if _, listed := f.types[id]; listed {
			continue
		}
		_, old := m.find(id)
		if old == nil {
			continue
		}
		if len(old.Producenter) == 1 && old.Producenter[0] == p {
			next[id] = nil
			r.Changes = append(r.Changes, diff(id, ChangeRemoved, old.union(), nil))
			continue
		}
		t, err := cloneType(old)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		gone := old.Graph(p)
		t.Producenter = slices.DeleteFunc(t.Producenter, func(s string) bool { return s == p })
		t.Varianter = slices.DeleteFunc(t.Varianter, func(v Variant) bool { return v.Producent == p })
		next[id] = t
		if len(t.Producenter) == 0 {
			next[id] = nil
		}
		r.Changes = append(r.Changes, diff(id, ChangeRemoved, gone, nil))
	}

	var changed []*Producentarendetyp
	for _, id := range slices.Sorted(maps.Keys(next)) {
		if next[id] != nil {
			changed = append(changed, next[id])
		}
	}
	errs = append(errs, validate(&Catalog{Producentarendetyper: changed})...)
	if len(errs) > 0 {
		err := errors.Join(errs...)
		return ProducerReport{Producent: p, Status: SyncRefused, Err: err,
			Error:   strings.ReplaceAll(err.Error(), "\n", "; "),
			Changes: []TypeChange{}, Ignored: []IgnoredType{}}
	}
	for _, id := range slices.Sorted(maps.Keys(next)) {
		i, _ := m.find(id)
		switch t := next[id]; {
		case t == nil:
			m.types = slices.Delete(m.types, i, i+1)
		case i < 0:
			m.types = append(m.types, t)
		default:
			m.types[i] = t
		}
	}
	slices.SortFunc(r.Changes, func(a, b TypeChange) int { return strings.Compare(a.Typ, b.Typ) })
	slices.SortFunc(r.Ignored, func(a, b IgnoredType) int { return strings.Compare(a.Typ, b.Typ) })
	r.Status = SyncMerged
	return r
}

// ownedType is the producer's version of a type it owns alone (old) or
// adds (old nil): its steps, union flow and variant, with the central
// catalog's producenter and the keys only the central catalog holds.
func ownedType(old *Producentarendetyp, producent string, ft *fetchedType) (*Producentarendetyp, error) {
	u := ft.union.Typ
	t := &Producentarendetyp{ID: u.ID, Namn: u.Namn, Beskrivning: u.Beskrivning,
		Producenter:       []string{producent},
		Kundhandelsetyper: u.Kundhandelsetyper,
		Flode:             Flode{Start: u.Flode.Start, Overgangar: u.Flode.Overgangar, Slut: u.Flode.Slut}}
	if old != nil {
		t.Producenter, t.Extra, t.Flode.Extra = old.Producenter, old.Extra, old.Flode.Extra
	}
	if ft.slice != nil {
		v, missing := variantOf(t, producent, ft.slice)
		if len(missing) > 0 {
			return nil, &ValidationError{Typ: t.ID, Producent: producent, Node: missing[0], Reason: "the producer's slice names a step its union flow lacks"}
		}
		if v != nil {
			t.Varianter = []Variant{*v}
		}
	}
	return t, nil
}

// sharedType applies the producer's slice to a type it shares: only its
// variant changes. It returns nil when the slice is unchanged, and a reason
// to ignore the type when the slice names steps the shared flow lacks.
func sharedType(old *Producentarendetyp, producent string, slice *Graph) (*Producentarendetyp, TypeChange, string, error) {
	v, missing := variantOf(old, producent, slice)
	if len(missing) > 0 {
		others := slices.DeleteFunc(slices.Clone(old.Producenter), func(s string) bool { return s == producent })
		return nil, TypeChange{}, fmt.Sprintf("shared with %s; step %s is not in the shared flow", strings.Join(others, ", "), missing[0]), nil
	}
	before := old.Graph(producent)
	if sameGraph(before, slice) {
		return nil, TypeChange{}, "", nil
	}
	t, err := cloneType(old)
	if err != nil {
		return nil, TypeChange{}, "", err
	}
	i := slices.IndexFunc(t.Varianter, func(v Variant) bool { return v.Producent == producent })
	switch {
	case v == nil && i >= 0:
		t.Varianter = slices.Delete(t.Varianter, i, i+1)
	case v != nil && i >= 0:
		v.Extra = t.Varianter[i].Extra
		t.Varianter[i] = *v
	case v != nil:
		t.Varianter = append(t.Varianter, *v)
	}
	return t, diff(old.ID, ChangeChanged, before, slice), "", nil
}

// variantOf turns a producer's slice into the variant t would hold: its
// steps in t's order, its own edges only where they differ from t's union
// edges between those steps, and nil when the slice is the whole union. It
// returns the slice's steps t lacks instead, if any.
func variantOf(t *Producentarendetyp, producent string, slice *Graph) (*Variant, []minaarenden.Kundhandelsetyp) {
	var missing []minaarenden.Kundhandelsetyp
	for _, n := range slice.Nodes {
		if !slices.ContainsFunc(t.Kundhandelsetyper, func(s *Step) bool { return s.ID == n }) {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return nil, missing
	}
	v := &Variant{Producent: producent}
	for _, s := range t.Kundhandelsetyper {
		if slices.Contains(slice.Nodes, s.ID) {
			v.Kundhandelsetyper = append(v.Kundhandelsetyper, s.ID)
		}
	}
	implied := t.slice(&Variant{Producent: producent, Kundhandelsetyper: v.Kundhandelsetyper})
	if !sameSet(implied.Edges, slice.Edges) {
		v.Overgangar = slices.Clone(slice.Edges)
	}
	if v.Overgangar == nil && len(v.Kundhandelsetyper) == len(t.Kundhandelsetyper) {
		return nil, nil // the whole union: no variant needed
	}
	return v, nil
}

func sameGraph(a, b *Graph) bool {
	return sameSet(a.Nodes, b.Nodes) && sameSet(a.Edges, b.Edges)
}

func sameSet[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// keepEdgeOrder gives t the central catalog's order of the same edges, in
// its flow and its variants: edges are a set, and a producer answering
// them in another order has changed nothing.
func keepEdgeOrder(old, t *Producentarendetyp) {
	if sameSet(old.Flode.Overgangar, t.Flode.Overgangar) {
		t.Flode.Overgangar = old.Flode.Overgangar
	}
	for i, v := range t.Varianter {
		j := slices.IndexFunc(old.Varianter, func(w Variant) bool { return w.Producent == v.Producent })
		if j >= 0 && sameSet(old.Varianter[j].Overgangar, v.Overgangar) {
			t.Varianter[i].Overgangar = old.Varianter[j].Overgangar
		}
	}
}

func sameJSON(a, b *Producentarendetyp) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// diff reports the steps and edges between two flows; either may be nil.
func diff(id string, kind ChangeKind, before, after *Graph) TypeChange {
	c := TypeChange{Typ: id, Change: kind, StepsAdded: []minaarenden.Kundhandelsetyp{}, StepsRemoved: []minaarenden.Kundhandelsetyp{},
		EdgesAdded: []Overgang{}, EdgesRemoved: []Overgang{}}
	var bn, an []minaarenden.Kundhandelsetyp
	var be, ae []Overgang
	if before != nil {
		bn, be = before.Nodes, before.Edges
	}
	if after != nil {
		an, ae = after.Nodes, after.Edges
	}
	c.StepsAdded = appendMissing(c.StepsAdded, an, bn)
	c.StepsRemoved = appendMissing(c.StepsRemoved, bn, an)
	c.EdgesAdded = appendMissing(c.EdgesAdded, ae, be)
	c.EdgesRemoved = appendMissing(c.EdgesRemoved, be, ae)
	return c
}

// appendMissing appends the elements of from that are not in other, in
// from's order.
func appendMissing[T comparable](dst, from, other []T) []T {
	for _, x := range from {
		if !slices.Contains(other, x) {
			dst = append(dst, x)
		}
	}
	return dst
}
