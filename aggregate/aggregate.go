package aggregate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/client"
)

// Defaults for the zero Options.
const (
	// DefaultConcurrency is enough for every kommun and agency at once
	// without a queue: the work is waiting on the network, not the CPU.
	DefaultConcurrency = 128
	// DefaultSourceTimeout bounds one source when the caller's context has
	// no earlier deadline, so a stalled producer cannot hang Run.
	DefaultSourceTimeout = 10 * time.Second
	// DefaultSourceConcurrency bounds the requests in flight to one
	// producer source: a question about many parter (a batch) must not
	// land on a kommun's server as a hundred requests at once.
	DefaultSourceConcurrency = 8
)

// Options configures an Aggregator. The zero value (or nil) is a safe
// default: 128 requests in flight, a 10 s timeout per source, no hedging.
type Options struct {
	// Concurrency bounds the requests in flight, one per (producer source,
	// part) or per forwarding source. Zero means DefaultConcurrency. A
	// hedge runs inside its request's slot and does not count.
	Concurrency int
	// SourceConcurrency bounds the requests in flight to any one producer
	// source (one per part) within a Run. Zero means
	// DefaultSourceConcurrency, negative no bound beyond Concurrency. A
	// busy source's waiting parts never hold a Concurrency slot: other
	// sources' parts go first. A hedge rides on its request and does not
	// count, so with HedgeDelay a source may see twice as many.
	SourceConcurrency int
	// SourceTimeout bounds each (source, part) from its first request to
	// its answer, hedge included; the caller's context bounds the whole
	// Run. Zero means DefaultSourceTimeout, negative no per-source limit.
	SourceTimeout time.Duration
	// HedgeDelay, when positive, sends a second identical request to a
	// source that has not answered after this long. The first answer wins
	// and the other request is cancelled; Outcome.Hedges counts them. Use
	// it only for sources whose Query is a read without side effects (every
	// Mina ärenden query is).
	HedgeDelay time.Duration
	// ProcessConcurrency bounds how many answers are decoded at once and,
	// separately, how many are processed at once (spoof guard, event
	// copying, outcome building) once their Query has returned. Zero means
	// GOMAXPROCS. Decoding happens inside the Source's Query: Run hands the
	// bound to it with client.WithDecodeLimiter, which *client.Client
	// honours; other Sources may read it with client.DecodeLimiterFrom.
	ProcessConcurrency int
	// Producers registers, for the spoof guard of forwarding sources, the
	// prefixes each producer (as named in delfragor and in events'
	// producent) may emit: {"Skatteverket": {"SKV"}}. An event from a
	// producer not listed is dropped unless AllowAnyPrefix is set. When a
	// forwarding source fails as a whole, these are the producers
	// Result.Unanswered reports as unheard (none of them is in
	// Result.Answered unless another source heard it).
	Producers map[string][]minaarenden.Kundhandelsetyp
	// AllowAnyPrefix turns the spoof guard off for sources that register no
	// prefixes and for forwarded producers missing from Producers. Without
	// it New refuses a producer source with no prefixes, and a forwarding
	// source when Producers is empty: an unguarded source must be a
	// decision, not an oversight.
	AllowAnyPrefix bool
	// Observer, if set, sees every request start and finish.
	Observer Observer
	// Logger receives one record per outcome (Debug when ok, Warn
	// otherwise) with the keys producer, status, duration, attempt. Nil
	// is silent. Parts and identifiers are never logged.
	Logger *slog.Logger
}

// Aggregator asks many sources the same question and merges what they say.
// Build it once with New and reuse it; Run is safe for concurrent use.
type Aggregator struct {
	sources    []Source
	names      []string
	prefixes   [][]minaarenden.Kundhandelsetyp
	forwarding []bool
	byName     map[string]int // producer sources by name, for the producent check

	concurrency int
	perSource   int
	timeout     time.Duration
	hedge       time.Duration
	process     chan struct{}       // a token per answer being processed
	decode      *semaphore.Weighted // a unit per answer being decoded, handed to client.Query
	producers   map[string][]minaarenden.Kundhandelsetyp
	anyPrefix   bool
	obs         Observer
	log         *slog.Logger
}

// New returns an Aggregator over sources. It reads each source's Name,
// Prefixes and dialect once, here, and copies Options.Producers. It fails
// on no sources at all (ErrNoSources), a nil source, two sources with the
// same name, a malformed prefix, or a source the spoof guard could not
// check (see Options.AllowAnyPrefix).
func New(sources []Source, opts *Options) (*Aggregator, error) {
	if len(sources) == 0 {
		return nil, ErrNoSources
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	a := &Aggregator{
		concurrency: o.Concurrency,
		timeout:     o.SourceTimeout,
		hedge:       o.HedgeDelay,
		producers:   make(map[string][]minaarenden.Kundhandelsetyp, len(o.Producers)),
		anyPrefix:   o.AllowAnyPrefix,
		byName:      make(map[string]int),
		obs:         o.Observer,
		log:         o.Logger,
	}
	if a.concurrency <= 0 {
		a.concurrency = DefaultConcurrency
	}
	switch {
	case o.SourceConcurrency > 0:
		a.perSource = o.SourceConcurrency
	case o.SourceConcurrency == 0:
		a.perSource = DefaultSourceConcurrency
	default:
		a.perSource = a.concurrency
	}
	if a.timeout == 0 {
		a.timeout = DefaultSourceTimeout
	}
	n := o.ProcessConcurrency
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	a.process = make(chan struct{}, n)
	a.decode = semaphore.NewWeighted(int64(n))
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	// A copy: Run reads the registry concurrently, and the caller's map
	// may change after New.
	for producent, ps := range o.Producers {
		for _, p := range ps {
			if err := p.ValidatePrefix(); err != nil {
				return nil, fmt.Errorf("aggregate: Options.Producers[%q]: %w", producent, err)
			}
		}
		a.producers[producent] = slices.Clone(ps)
	}
	seen := make(map[string]bool)
	for i, s := range sources {
		if s == nil {
			return nil, fmt.Errorf("aggregate: source %d is nil", i)
		}
		name := s.Name()
		if seen[name] {
			return nil, fmt.Errorf("aggregate: two sources are named %q; outcomes could not tell them apart (a client without Options.Name is named after its host)", name)
		}
		seen[name] = true
		ps := append([]minaarenden.Kundhandelsetyp(nil), s.Prefixes()...)
		for _, p := range ps {
			if err := p.ValidatePrefix(); err != nil {
				return nil, fmt.Errorf("aggregate: source %q: %w", name, err)
			}
		}
		fwd := isForwarding(s)
		switch {
		case o.AllowAnyPrefix:
		case fwd && len(o.Producers) == 0:
			return nil, fmt.Errorf("aggregate: forwarding source %q needs Options.Producers for the spoof guard (or Options.AllowAnyPrefix)", name)
		case !fwd && len(ps) == 0:
			return nil, fmt.Errorf("aggregate: source %q registers no prefixes; the spoof guard would drop all its events (set Options.AllowAnyPrefix to accept any)", name)
		}
		a.sources = append(a.sources, s)
		a.names = append(a.names, name)
		a.prefixes = append(a.prefixes, ps)
		a.forwarding = append(a.forwarding, fwd)
		if !fwd {
			a.byName[name] = i
		}
	}
	return a, nil
}

// task is one unit of the pool: a producer source asked about one part, or
// a forwarding source asked about all of them.
type task struct {
	src   int
	part  int // index into the Fraga's parter; -1 for a forwarding source
	fraga minaarenden.Fraga
	slot  int // index of the slot it fills
}

// slot is what one task leaves behind. Each task writes only its own slot,
// so the pool needs no lock and the merge reads slots in task order.
type slot struct {
	outcomes []Outcome
	events   []tagged
	// owned is the answer's event slice when the slot may reorder it:
	// the SDK's own client hands each answer a fresh slice, which the
	// Result takes over (see merge). A Source of another kind may keep
	// its slice, and its events are copied.
	owned []minaarenden.Kundhandelse
	// countDups asks merge to count, on the slot's one outcome, the
	// events that repeat an id within the slot.
	countDups bool
}

// tagged is an accepted event and the index of the part it answered
// (len(parter) when a forwarding source named a part that was not asked).
// ev points into the source's answer, at index at of the slot's owned
// slice (-1 for an event copied before merging).
type tagged struct {
	ev   *minaarenden.Kundhandelse
	part int
	at   int
}

// Run asks every routed source about f and returns what they said. It
// returns an error only for an invalid Fraga or a nil Aggregator: a source
// that fails, times out or misbehaves is an Outcome in the Result, and never
// cancels the others or loses their events. When ctx's deadline comes, Run
// returns promptly with every answer that arrived and a timeout outcome for
// each that did not. Run waits for every Query it started, so no goroutine
// of it outlives the call. A part named twice in f is asked once.
func (a *Aggregator) Run(ctx context.Context, f minaarenden.Fraga) (*Result, error) {
	if a == nil {
		return nil, errors.New("aggregate: Run on a nil Aggregator; use New")
	}
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("aggregate: %w", err)
	}
	f.Parter = distinct(f.Parter)
	ctx = client.WithDecodeLimiter(ctx, a.decode)
	// One slot per task, and one for each skipped source, in the order of
	// the sources: the merge reads them in this order.
	var tasks []task
	var slots []slot
	for si := range a.sources {
		filter, ask := route(a.prefixes[si], f.KundhandelseTyper)
		if !ask {
			var s slot
			for _, p := range f.Parter {
				s.outcomes = append(s.outcomes, Outcome{Source: a.names[si], Producent: a.names[si], Part: p, Status: StatusSkipped})
			}
			slots = append(slots, s)
			continue
		}
		q := f
		q.KundhandelseTyper = filter
		if a.forwarding[si] {
			tasks = append(tasks, task{src: si, part: -1, fraga: q, slot: len(slots)})
			slots = append(slots, slot{})
			continue
		}
		for pi, p := range f.Parter {
			q.Parter = []minaarenden.Part{p}
			tasks = append(tasks, task{src: si, part: pi, fraga: q, slot: len(slots)})
			slots = append(slots, slot{})
		}
	}

	a.runTasks(ctx, f, tasks, slots)

	res := merge(f, slots)
	res.behind = a.unheard(f, res.Outcomes)
	for i := range res.Outcomes {
		a.logOutcome(ctx, &res.Outcomes[i])
	}
	return res, nil
}

// runTasks runs every task, each filling its own slot, at most
// a.concurrency at once and at most a.perSource per source. The launcher
// hands the pool only tasks whose source has room, so a slow source's
// waiting parts queue here rather than in the pool, where they would hold
// slots other sources could use.
func (a *Aggregator) runTasks(ctx context.Context, f minaarenden.Fraga, tasks []task, slots []slot) {
	queues := make([][]*task, len(a.sources))
	for i := range tasks {
		t := &tasks[i]
		queues[t.src] = append(queues[t.src], t)
	}
	inflight := make([]int, len(a.sources))
	finished := make(chan int, len(tasks)) // the source of each finished task

	// A zero Group, not WithContext: one failing source must not cancel the
	// others. Each goroutine fills its own slot and returns nil.
	var g errgroup.Group
	g.SetLimit(a.concurrency)
	for left := len(tasks); left > 0; {
		launched := false
		for si := range queues { // one task per source per round: fair
			if len(queues[si]) == 0 || inflight[si] >= a.perSource {
				continue
			}
			t := queues[si][0]
			queues[si] = queues[si][1:]
			left--
			launched = true
			if err := ctx.Err(); err != nil {
				// The deadline has passed: no goroutine needed to say the
				// source was not asked.
				slots[t.slot] = a.notAsked(t, f, err)
				continue
			}
			inflight[si]++
			g.Go(func() error {
				defer func() { finished <- t.src }()
				if err := ctx.Err(); err != nil {
					// The deadline came while this task waited for the pool.
					slots[t.slot] = a.notAsked(t, f, err)
					return nil
				}
				a.do(ctx, t, f, &slots[t.slot])
				return nil
			})
		}
		if !launched { // every source with work left is at its bound
			inflight[<-finished]--
		}
		for drained := false; !drained; {
			select {
			case si := <-finished:
				inflight[si]--
			default:
				drained = true
			}
		}
	}
	g.Wait()
}

// distinct returns parter without repeats, in first-seen order: a part
// asked twice would get two outcomes per source and be listed twice in
// Result.Parter.
func distinct(parter []minaarenden.Part) []minaarenden.Part {
	seen := make(map[minaarenden.PartKey]bool, len(parter))
	out := make([]minaarenden.Part, 0, len(parter))
	for _, p := range parter {
		if k := p.Key(); !seen[k] {
			seen[k] = true
			out = append(out, p)
		}
	}
	return out
}

func (a *Aggregator) logOutcome(ctx context.Context, o *Outcome) {
	level := slog.LevelDebug
	if o.Status != StatusOK && o.Status != StatusSkipped {
		level = slog.LevelWarn
	}
	if !a.log.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("source", o.Source),
		slog.String("producer", o.Producent),
		slog.String("status", string(o.Status)),
		slog.Duration("duration", o.Duration),
		slog.Int("attempt", o.Attempts),
		slog.Int("events", o.Events),
	}
	if o.HTTPCode != 0 {
		attrs = append(attrs, slog.Int("http_code", o.HTTPCode))
	}
	if o.Err != nil {
		attrs = append(attrs, slog.String("error", o.Err.Error()))
	}
	a.log.LogAttrs(ctx, level, "aggregate: outcome", attrs...)
}

// unheard returns the producers registered behind a forwarding source
// that failed as a whole: its outcomes then carry the source's own name,
// not a delfråga's producer, and flow must not read their silence as "not
// started". A producer that another source (asked directly) answered for
// every part was heard after all and is left out.
func (a *Aggregator) unheard(f minaarenden.Fraga, outcomes []Outcome) []string {
	fwd := make(map[string]bool)
	for i, name := range a.names {
		if a.forwarding[i] {
			fwd[name] = true
		}
	}
	failed := false
	answered := make(map[string]map[minaarenden.PartKey]bool)
	for _, o := range outcomes {
		if fwd[o.Source] && o.Producent == o.Source && o.Status != StatusOK && o.Status != StatusSkipped {
			failed = true
		}
		if o.Status == StatusOK {
			if answered[o.Producent] == nil {
				answered[o.Producent] = make(map[minaarenden.PartKey]bool)
			}
			answered[o.Producent][o.Part.Key()] = true
		}
	}
	if !failed {
		return nil
	}
	var names []string
	for p := range a.producers {
		if len(answered[p]) < len(f.Parter) {
			names = append(names, p)
		}
	}
	return names
}

// notAsked is the slot of a task the deadline overtook before it started.
func (a *Aggregator) notAsked(t *task, f minaarenden.Fraga, cause error) slot {
	err := fmt.Errorf("aggregate: %s not asked before the question ended: %w", a.names[t.src], cause)
	var s slot
	for _, p := range t.parts(f) {
		s.outcomes = append(s.outcomes, Outcome{
			Source: a.names[t.src], Producent: a.names[t.src], Part: p,
			Status: statusOf(cause), Err: err,
		})
	}
	return s
}

func (t *task) parts(f minaarenden.Fraga) []minaarenden.Part {
	if t.part < 0 {
		return f.Parter
	}
	return f.Parter[t.part : t.part+1]
}

// do runs one task: the request (and its hedge) under the per-source
// timeout, then the answer's processing under the process bound.
func (a *Aggregator) do(ctx context.Context, t *task, f minaarenden.Fraga, out *slot) {
	if a.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, a.timeout)
		defer cancel()
	}
	start := time.Now()
	r := a.race(ctx, t)
	dur := r.settled.Sub(start)

	// Bound the CPU-side work of many answers landing at once to about
	// the number of CPUs, so a burst does not stretch every answer's
	// processing to the time of the slowest.
	a.process <- struct{}{}
	defer func() { <-a.process }()
	if t.part < 0 {
		*out = a.settleForwarding(t, f, r, dur)
	} else {
		*out = a.settleProducer(t, f, r, dur)
	}
}

// reply is one request's result.
type reply struct {
	ans *client.Answer
	err error
	at  Attempt
	ctx context.Context // as SourceStart returned it
}

// answered reports whether r brought an answer worth using: no error, or
// (forwarding) at least one delfråga answered.
func (r *reply) answered() bool {
	if r.err == nil {
		return true
	}
	if r.ans != nil {
		for _, o := range r.ans.Outcomes {
			if o.Err == nil {
				return true
			}
		}
	}
	return false
}

// raceResult is the reply used and the number of hedges sent.
type raceResult struct {
	reply
	hedges int
	// settled is when the answer used arrived, or when the last request
	// failed: not when a cancelled loser got round to returning.
	settled time.Time
}

// race sends the request and, if HedgeDelay passes without an answer, a
// second one. The first answer wins and the other request is cancelled. A
// failure does not end the race while the other request may still answer;
// when both fail, the first failure is reported. race returns only when
// every request it started has returned.
func (a *Aggregator) race(ctx context.Context, t *task) raceResult {
	replies := make(chan reply, 2)
	var cancels []context.CancelFunc
	// A reply is sent before its goroutine ends: the WaitGroup makes sure
	// no goroutine of Run is left, even unwinding, when Run returns.
	var running sync.WaitGroup
	defer running.Wait()
	launch := func(hedge bool) {
		qctx, cancel := context.WithCancel(ctx)
		cancels = append(cancels, cancel)
		if a.hedge <= 0 {
			// Nothing to race: ask on this goroutine, which saves a
			// goroutine per (source, part) of a fan-out. replies has room.
			a.attempt(qctx, t, hedge, replies)
			return
		}
		running.Go(func() { a.attempt(qctx, t, hedge, replies) })
	}
	cancelAll := func() {
		for _, c := range cancels {
			c()
		}
	}
	defer cancelAll()

	launch(false)
	inflight, hedges := 1, 0
	var hedgeC <-chan time.Time
	if a.hedge > 0 {
		tm := time.NewTimer(a.hedge)
		defer tm.Stop()
		hedgeC = tm.C
	}
	var got [2]reply // the first request, then the hedge
	winner := -1
	var settled time.Time
	for inflight > 0 {
		select {
		case r := <-replies:
			inflight--
			i := 0
			if r.at.Hedge {
				i = 1
			}
			got[i] = r
			if winner < 0 {
				settled = time.Now()
			}
			if winner < 0 && r.answered() {
				winner = i
				cancelAll() // the loser, if any
			}
		case <-hedgeC:
			hedgeC = nil
			if winner < 0 && ctx.Err() == nil {
				launch(true)
				inflight++
				hedges++
			}
		}
	}
	if winner < 0 {
		// Both failed: report the first request's failure, whatever order
		// the two failures came in.
		winner = 0
	}
	if a.obs != nil {
		for i := range hedges + 1 {
			got[i].at.Won = i == winner
			a.observeDone(got[i].ctx, got[i].at)
		}
	}
	return raceResult{reply: got[winner], hedges: hedges, settled: settled}
}

// observeDone tells the Observer an attempt is done. A panicking Observer
// is logged and otherwise ignored: errgroup does not recover, and a metrics
// hook must not take the fan-out down with it.
func (a *Aggregator) observeDone(ctx context.Context, at Attempt) {
	defer func() {
		if v := recover(); v != nil {
			a.log.LogAttrs(ctx, slog.LevelError, "aggregate: Observer.SourceDone panicked",
				slog.String("source", at.Source), slog.String("panic", minaarenden.Redact(fmt.Sprint(v))))
		}
	}()
	a.obs.SourceDone(ctx, at)
}

// attempt runs one Query and sends its reply. It recovers a panicking
// Source into an error: errgroup deliberately does not, and one broken
// adapter must not take the process down with everyone's answers.
func (a *Aggregator) attempt(ctx context.Context, t *task, hedge bool, replies chan<- reply) {
	r := reply{ctx: ctx, at: Attempt{Source: a.names[t.src], Hedge: hedge, Start: time.Now()}}
	if t.part >= 0 {
		r.at.Part = t.fraga.Parter[0]
	}
	defer func() {
		if v := recover(); v != nil {
			r.ans, r.err = nil, &PanicError{Source: a.names[t.src], Value: v, Stack: debug.Stack()}
		}
		r.at.Duration = time.Since(r.at.Start)
		r.at.Status = statusOf(r.err)
		if r.ans != nil && len(r.ans.Outcomes) > 0 {
			r.at.HTTPCode = r.ans.Outcomes[0].HTTPCode
		}
		r.at.Err = r.err
		replies <- r
	}()
	if a.obs != nil {
		r.ctx = a.obs.SourceStart(ctx, r.at)
	}
	r.ans, r.err = a.sources[t.src].Query(r.ctx, t.fraga)
}

// settleProducer turns a producer source's answer to one part into its
// outcome and accepted events.
func (a *Aggregator) settleProducer(t *task, f minaarenden.Fraga, r raceResult, dur time.Duration) slot {
	name := a.names[t.src]
	part := f.Parter[t.part]
	o := Outcome{Source: name, Producent: name, Part: part, Hedges: r.hedges, Duration: dur, Attempts: 1}
	cause := r.err
	if r.ans != nil && len(r.ans.Outcomes) > 0 {
		co := r.ans.Outcomes[0]
		if co.Producent != "" {
			o.Producent = co.Producent
		}
		o.HTTPCode, o.Warnings = co.HTTPCode, co.Warnings
		if co.Attempts > 0 {
			o.Attempts = co.Attempts
		}
		if co.Err != nil {
			cause = co.Err
		}
	}
	var s slot
	if r.ans != nil {
		g := guard{prefixes: a.prefixes[t.src], any: a.anyPrefix && len(a.prefixes[t.src]) == 0}
		s.events = make([]tagged, 0, len(r.ans.Events))
		for i := range r.ans.Events {
			// Asked about one part, every event answers that part,
			// whatever the source wrote: merge gives it t.part.
			ev, at := &r.ans.Events[i], i
			if ev.Producent == "" {
				// The producent is required, but a producer that leaves
				// it out must not share the merge key ("", id) with
				// every other that does: it is the producer asked.
				c := *ev
				c.Producent = o.Producent
				ev, at = &c, -1
			}
			if !g.check(ev.Typ) {
				continue
			}
			if !g.any && !a.mayClaim(t.src, o.Producent, ev.Producent, ev.Typ) {
				g.rejectClaim(ev.Typ, ev.Producent)
				continue
			}
			o.Events++
			s.events = append(s.events, tagged{ev: ev, part: t.part, at: at})
		}
		if _, fresh := a.sources[t.src].(*client.Client); fresh {
			s.owned = r.ans.Events
		}
		o.Rejected = g.rejected
		if g.rejected > 0 {
			o.Err = g.err(name, o.Producent)
		}
	}
	switch {
	case cause != nil:
		o.Status, o.Err = statusOf(cause), cause
	case o.Rejected > 0:
		o.Status = StatusRejected
	default:
		o.Status = StatusOK
	}
	s.outcomes = []Outcome{o}
	s.countDups = true // merge finds them, keyed as across answers
	return s
}

// mayClaim reports whether producer source src, answering as own, may
// emit an event that names producent and has type typ. The producent is
// half of the key events are deduplicated on, so an event naming another
// producer could stand in for that producer's own event of the same id:
// a producer source may not name another producer source of the
// Aggregator, nor a producer Options.Producers registers unless typ lies
// under that producer's prefixes.
func (a *Aggregator) mayClaim(src int, own, producent string, typ minaarenden.Kundhandelsetyp) bool {
	if producent == "" || producent == own || producent == a.names[src] {
		return true
	}
	if _, other := a.byName[producent]; other {
		return false
	}
	if ps, ok := a.producers[producent]; ok {
		return allowed(typ, ps)
	}
	return true
}

// guard is the spoof guard for one answer (or one producer within a
// forwarding answer): it counts what it rejects and remembers a few types
// and producers claimed.
type guard struct {
	prefixes    []minaarenden.Kundhandelsetyp
	any         bool
	rejected    int
	types       []minaarenden.Kundhandelsetyp
	producenter []string
}

func (g *guard) check(typ minaarenden.Kundhandelsetyp) bool {
	if g.any || allowed(typ, g.prefixes) {
		return true
	}
	g.rejected++
	if len(g.types) < maxListed && !slices.Contains(g.types, typ) {
		g.types = append(g.types, typ)
	}
	return false
}

// rejectClaim counts an event rejected for the producer it names.
func (g *guard) rejectClaim(typ minaarenden.Kundhandelsetyp, producent string) {
	g.rejected++
	if len(g.producenter) < maxListed && !slices.Contains(g.producenter, producent) {
		g.producenter = append(g.producenter, producent)
	}
}

func (g *guard) err(source, producent string) *RejectedError {
	return &RejectedError{Source: source, Producent: producent, Count: g.rejected, Types: g.types, Producenter: g.producenter}
}

// maxListed bounds the types and producers a RejectedError lists.
const maxListed = 5
