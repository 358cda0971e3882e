package aggregate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate"
	"github.com/aterkoppling/minaarenden/client"
)

var (
	pia    = minaarenden.Part{Kund: &minaarenden.Kund{Identifierare: "165560360793", Typ: minaarenden.Organisationsnummer}}
	person = minaarenden.Part{Kund: &minaarenden.Kund{Identifierare: "199001012385", Typ: minaarenden.Personnummer}}
	day    = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
)

// ev builds an event at day plus minutes.
func ev(producent, id string, typ minaarenden.Kundhandelsetyp, minutes int) minaarenden.Kundhandelse {
	return minaarenden.Kundhandelse{
		KundhandelseID: id, Producent: producent, Typ: typ, Rubrik: "Rubrik " + id,
		Sprak: "sv", Tidpunkt: day.Add(time.Duration(minutes) * time.Minute),
	}
}

// fake is a Source in memory. Each call waits delay (or the next of delays),
// honouring ctx, and answers with the events whose Part matches the part
// asked (an event with a zero Part answers every part).
type fake struct {
	name     string
	prefixes []minaarenden.Kundhandelsetyp
	events   []minaarenden.Kundhandelse
	status   int   // HTTP status reported; 0 means 200
	err      error // returned as the outcome's error
	panics   bool
	// cancelDelay is how long a call takes to return once ctx is done: a
	// source slow to notice cancellation.
	cancelDelay time.Duration

	mu      sync.Mutex
	delays  []time.Duration // per call, in call order; the last repeats
	filters [][]minaarenden.Kundhandelsetyp
	ctxErrs []error // ctx.Err() as each call returned

	calls, inflight, maxInflight atomic.Int32
}

func (f *fake) Name() string                            { return f.name }
func (f *fake) Prefixes() []minaarenden.Kundhandelsetyp { return f.prefixes }

func (f *fake) nextDelay() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.delays) == 0 {
		return 0
	}
	d := f.delays[0]
	if len(f.delays) > 1 {
		f.delays = f.delays[1:]
	}
	return d
}

func (f *fake) Query(ctx context.Context, q minaarenden.Fraga) (*client.Answer, error) {
	f.calls.Add(1)
	n := f.inflight.Add(1)
	for {
		m := f.maxInflight.Load()
		if n <= m || f.maxInflight.CompareAndSwap(m, n) {
			break
		}
	}
	defer f.inflight.Add(-1)
	f.mu.Lock()
	f.filters = append(f.filters, q.KundhandelseTyper)
	f.mu.Unlock()
	if f.panics {
		panic("adapter bug")
	}
	a := &client.Answer{Endpoint: "mem://" + f.name}
	fail := func(err error, status int) (*client.Answer, error) {
		f.mu.Lock()
		f.ctxErrs = append(f.ctxErrs, ctx.Err())
		f.mu.Unlock()
		for _, p := range q.Parter {
			a.Outcomes = append(a.Outcomes, client.Outcome{Producent: f.name, Part: p, HTTPCode: status, Attempts: 1, Err: err})
		}
		return a, err
	}
	if d := f.nextDelay(); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			time.Sleep(f.cancelDelay)
			return fail(ctx.Err(), 0)
		}
	}
	if f.err != nil {
		return fail(f.err, f.status)
	}
	f.mu.Lock()
	f.ctxErrs = append(f.ctxErrs, ctx.Err())
	f.mu.Unlock()
	status := f.status
	if status == 0 {
		status = 200
	}
	for _, p := range q.Parter {
		n := 0
		for _, e := range f.events {
			if e.Part.Kund == nil && e.Part.Arende == nil || e.Part.Key() == p.Key() {
				e.Part = p
				a.Events = append(a.Events, e)
				n++
			}
		}
		a.Outcomes = append(a.Outcomes, client.Outcome{Producent: f.name, Part: p, HTTPCode: status, Attempts: 1, Events: n})
	}
	return a, nil
}

// forwardingFake answers like the forwarding service: a fixed Answer.
type forwardingFake struct {
	name   string
	answer client.Answer
	err    error
}

func (f *forwardingFake) Name() string                            { return f.name }
func (f *forwardingFake) Prefixes() []minaarenden.Kundhandelsetyp { return nil }
func (f *forwardingFake) Dialect() client.Dialect                 { return client.Forwarding }
func (f *forwardingFake) Query(ctx context.Context, q minaarenden.Fraga) (*client.Answer, error) {
	a := f.answer
	return &a, f.err
}

func mustNew(t testing.TB, sources []aggregate.Source, opts *aggregate.Options) *aggregate.Aggregator {
	t.Helper()
	a, err := aggregate.New(sources, opts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func mustRun(t testing.TB, a *aggregate.Aggregator, ctx context.Context, f minaarenden.Fraga) *aggregate.Result {
	t.Helper()
	res, err := a.Run(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// outcomeRow is an Outcome reduced to what tests compare.
type outcomeRow struct {
	Source, Producent, Part string
	Status                  aggregate.Status
	HTTPCode                int
	Attempts, Hedges        int
	Events, Rejected, Dups  int
}

func rows(res *aggregate.Result) []outcomeRow {
	var rs []outcomeRow
	for _, o := range res.Outcomes {
		rs = append(rs, outcomeRow{o.Source, o.Producent, o.Part.String(), o.Status, o.HTTPCode, o.Attempts, o.Hedges, o.Events, o.Rejected, o.Duplicates})
	}
	return rs
}

func ids(res *aggregate.Result) []string {
	var s []string
	for _, e := range res.Events {
		s = append(s, e.Producent+"/"+e.KundhandelseID)
	}
	return s
}

// render is the Result's events and their parter as bytes, for the
// byte-identical checks.
func render(t testing.TB, res *aggregate.Result) []byte {
	t.Helper()
	var b bytes.Buffer
	for i, e := range res.Events {
		j, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
		for _, p := range res.Parter(i) {
			fmt.Fprintf(&b, " %s", p.Kund.Typ)
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// leaked returns the stacks of goroutines running this package's or
// package client's code (other than the caller): once Run has returned
// there must be none, not even one unwinding, so call it right after Run.
// Called inside a synctest bubble it looks only at that bubble: an earlier
// test outside any bubble may still have a goroutine unwinding.
func leaked() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	gs := strings.Split(string(buf), "\n\n")
	bubble := bubbleOf(gs[0]) // the caller's
	var out []string
	for _, g := range gs[1:] {
		if bubble != "" && bubbleOf(g) != bubble {
			continue
		}
		if strings.Contains(g, "minaarenden/aggregate.") || strings.Contains(g, "minaarenden/client.") {
			out = append(out, g)
		}
	}
	return out
}

// bubbleOf returns the "synctest bubble N]:" of a goroutine's header line,
// or "" for a goroutine outside every bubble.
func bubbleOf(g string) string {
	header, _, _ := strings.Cut(g, "\n")
	if i := strings.Index(header, "synctest bubble "); i >= 0 {
		return header[i:]
	}
	return ""
}

// checkNoLeak fails t if a goroutine of this package is still around,
// outside a synctest bubble, where goroutines of earlier tests may still
// be unwinding: it waits (at most a second) for the stragglers to exit.
// Inside a bubble call leaked right after Run instead.
func checkNoLeak(t testing.TB) {
	t.Helper()
	var l []string
	for range 100 {
		if l = leaked(); len(l) == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%d goroutine(s) outlived Run:\n%s", len(l), strings.Join(l, "\n\n"))
}
