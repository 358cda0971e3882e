package aggregate

import (
	"context"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/client"
)

type instant struct{ name string }

func (s instant) Name() string                            { return s.name }
func (s instant) Prefixes() []minaarenden.Kundhandelsetyp { return []minaarenden.Kundhandelsetyp{"X"} }
func (s instant) Query(ctx context.Context, f minaarenden.Fraga) (*client.Answer, error) {
	return &client.Answer{Outcomes: []client.Outcome{{Producent: s.name, Part: f.Parter[0], HTTPCode: 200}}}, nil
}

// TestProcessBound holds every processing token and checks that answers
// wait for one: processing is bounded by Options.ProcessConcurrency.
func TestProcessBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, err := New([]Source{instant{"A"}, instant{"B"}, instant{"C"}}, &Options{ProcessConcurrency: 2})
		if err != nil {
			t.Fatal(err)
		}
		if cap(a.process) != 2 {
			t.Fatalf("process bound = %d, want 2", cap(a.process))
		}
		a.process <- struct{}{}
		a.process <- struct{}{}
		done := make(chan *Result)
		kund := minaarenden.Kund{Identifierare: "199001012385", Typ: minaarenden.Personnummer}
		go func() {
			res, _ := a.Run(context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{{Kund: &kund}}})
			done <- res
		}()
		time.Sleep(time.Hour)
		synctest.Wait()
		select {
		case <-done:
			t.Fatal("Run finished while every processing token was held")
		default:
		}
		<-a.process // one token free: the three answers go through it in turn
		res := <-done
		if !res.Complete() || len(res.Outcomes) != 3 {
			t.Fatalf("result after release: %+v", res.Outcomes)
		}
		<-a.process
	})
}

func TestProcessBoundDefault(t *testing.T) {
	a, err := New([]Source{instant{"A"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cap(a.process) != runtime.GOMAXPROCS(0) {
		t.Fatalf("default process bound = %d, want GOMAXPROCS (%d)", cap(a.process), runtime.GOMAXPROCS(0))
	}
}

// limiterProbe records the decode limiter each Query was handed and
// whether it had room beyond the bound.
type limiterProbe struct {
	instant
	seen chan client.Limiter
}

func (s limiterProbe) Query(ctx context.Context, f minaarenden.Fraga) (*client.Answer, error) {
	s.seen <- client.DecodeLimiterFrom(ctx)
	return s.instant.Query(ctx, f)
}

// Run hands every Query the Aggregator's decode bound, so a
// *client.Client decodes at most ProcessConcurrency answers at once.
func TestDecodeBoundHandedToQuery(t *testing.T) {
	seen := make(chan client.Limiter, 2)
	a, err := New([]Source{limiterProbe{instant{"A"}, seen}, limiterProbe{instant{"B"}, seen}}, &Options{ProcessConcurrency: 3})
	if err != nil {
		t.Fatal(err)
	}
	kund := minaarenden.Kund{Identifierare: "199001012385", Typ: minaarenden.Personnummer}
	if _, err := a.Run(context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{{Kund: &kund}}}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		l, ok := (<-seen).(*semaphore.Weighted)
		if !ok || l != a.decode {
			t.Fatalf("Query got limiter %v, want the Aggregator's decode bound", l)
		}
	}
	if !a.decode.TryAcquire(3) || a.decode.TryAcquire(1) {
		t.Fatal("decode bound is not ProcessConcurrency units, or a Query kept a unit")
	}
	a.decode.Release(3)
}
