package aggregate_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate"
)

// parts returns n distinct valid organisationsnummer parts.
func parts(t testing.TB, n int) []minaarenden.Part {
	t.Helper()
	var out []minaarenden.Part
	for i := 0; len(out) < n; i++ {
		id := minaarenden.Identifierare(fmt.Sprintf("165560%05d", i))
		for d := 0; d <= 9; d++ {
			full := id + minaarenden.Identifierare(fmt.Sprint(d))
			if full.Validate(minaarenden.Organisationsnummer) == nil {
				out = append(out, minaarenden.Part{Kund: &minaarenden.Kund{Identifierare: full, Typ: minaarenden.Organisationsnummer}})
				break
			}
		}
	}
	return out
}

// A batch of many parter reaches each producer at most SourceConcurrency
// requests at a time.
func TestSourceConcurrency(t *testing.T) {
	for _, tt := range []struct {
		name string
		opt  int
		want int32
	}{
		{"default", 0, aggregate.DefaultSourceConcurrency},
		{"three", 3, 3},
		{"unbounded", -1, 20},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				a1 := &fake{name: "A", prefixes: typs{"A"}, delays: []time.Duration{time.Second}}
				b1 := &fake{name: "B", prefixes: typs{"B"}, delays: []time.Duration{time.Second}}
				agg := mustNew(t, []aggregate.Source{a1, b1}, &aggregate.Options{SourceConcurrency: tt.opt, SourceTimeout: -1})
				res := mustRun(t, agg, context.Background(), minaarenden.Fraga{Parter: parts(t, 20)})
				if !res.Complete() || len(res.Outcomes) != 40 {
					t.Fatalf("complete %v with %d outcomes", res.Complete(), len(res.Outcomes))
				}
				for _, f := range []*fake{a1, b1} {
					if got := f.maxInflight.Load(); got != tt.want {
						t.Errorf("%s: %d requests in flight at most, want %d", f.name, got, tt.want)
					}
				}
			})
		})
	}
}

// A slow source at its bound must not hold the pool: the fast source's
// parts go through while the slow one's wait.
func TestSlowSourceDoesNotBlockOthers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slow := &fake{name: "Slow", prefixes: typs{"S"}, delays: []time.Duration{10 * time.Second}}
		fast := &fake{name: "Fast", prefixes: typs{"F"}, delays: []time.Duration{time.Second}}
		var mu sync.Mutex
		fastDone := time.Duration(0)
		start := time.Now()
		obs := aggregate.ObserverFuncs{Done: func(_ context.Context, at aggregate.Attempt) {
			if at.Source == "Fast" {
				mu.Lock()
				fastDone = max(fastDone, time.Since(start))
				mu.Unlock()
			}
		}}
		agg := mustNew(t, []aggregate.Source{slow, fast}, &aggregate.Options{
			Concurrency: 2, SourceConcurrency: 1, SourceTimeout: -1, Observer: obs,
		})
		res := mustRun(t, agg, context.Background(), minaarenden.Fraga{Parter: parts(t, 5)})
		if !res.Complete() {
			t.Fatal(res.Err())
		}
		// Fast answers its five parts one after the other in 5s; Slow takes
		// 50s. Had Slow's waiting parts taken the second pool slot, Fast
		// would have finished only at the end.
		if fastDone != 5*time.Second || time.Since(start) != 50*time.Second {
			t.Errorf("fast done at %v, run took %v; want 5s and 50s", fastDone, time.Since(start))
		}
	})
}

// Parts still queued behind a source at its bound when the caller's
// deadline comes are not asked (StatusTimeout, 0 attempts), the one in
// flight is cut off, and Run returns at the deadline. A panicking source
// at its bound frees its place like any other answer.
func TestSourceConcurrencyDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slow := &fake{name: "Slow", prefixes: typs{"S"}, delays: []time.Duration{time.Second}}
		broken := &fake{name: "Broken", prefixes: typs{"B"}, panics: true}
		agg := mustNew(t, []aggregate.Source{slow, broken}, &aggregate.Options{SourceConcurrency: 1, SourceTimeout: -1})
		ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
		defer cancel()
		start := time.Now()
		res := mustRun(t, agg, ctx, minaarenden.Fraga{Parter: parts(t, 4)})
		if took := time.Since(start); took != 1500*time.Millisecond {
			t.Errorf("Run took %v, want the 1.5s deadline", took)
		}
		var got []string
		for _, o := range res.Outcomes {
			got = append(got, fmt.Sprintf("%s %s %d", o.Source, o.Status, o.Attempts))
		}
		want := []string{
			"Slow ok 1", "Slow timeout 1", "Slow timeout 0", "Slow timeout 0",
			"Broken error 1", "Broken error 1", "Broken error 1", "Broken error 1",
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("outcomes\n got %q\nwant %q", got, want)
		}
		if n := slow.calls.Load(); n != 2 {
			t.Errorf("Slow asked %d times, want 2", n)
		}
	})
}

// A question no source is routed to launches nothing and returns.
func TestSourceConcurrencyNothingToAsk(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a1 := &fake{name: "A", prefixes: typs{"A"}}
		agg := mustNew(t, []aggregate.Source{a1}, &aggregate.Options{SourceConcurrency: 1})
		res := mustRun(t, agg, context.Background(), minaarenden.Fraga{Parter: parts(t, 3), KundhandelseTyper: typs{"Z"}})
		for _, o := range res.Outcomes {
			if o.Status != aggregate.StatusSkipped {
				t.Errorf("%s: %s, want skipped", o.Source, o.Status)
			}
		}
		if len(res.Outcomes) != 3 || a1.calls.Load() != 0 {
			t.Errorf("%d outcomes, %d calls; want 3 skipped, 0 calls", len(res.Outcomes), a1.calls.Load())
		}
	})
}

// A metrics hook that panics must not take the fan-out down: errgroup does
// not recover, so Run does.
func TestPanickingObserver(t *testing.T) {
	src := &fake{name: "Skatteverket", prefixes: typs{"SKV"}}
	obs := aggregate.ObserverFuncs{Done: func(context.Context, aggregate.Attempt) { panic("metrics backend down") }}
	agg := mustNew(t, []aggregate.Source{src}, &aggregate.Options{Observer: obs})
	res := mustRun(t, agg, context.Background(), minaarenden.Fraga{Parter: parts(t, 2)})
	if !res.Complete() || len(res.Outcomes) != 2 {
		t.Fatalf("complete %v, outcomes %d: %v", res.Complete(), len(res.Outcomes), res.Err())
	}
}
