package watch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate"
)

// fakeAsker answers from events per producer; a producer set down fails.
type fakeAsker struct {
	mu     sync.Mutex
	events map[string][]minaarenden.Kundhandelse
	down   map[string]bool
	calls  atomic.Int32
	// during, when set, runs inside each question.
	during func(ctx context.Context, f minaarenden.Fraga)
	// inFlight and maxInFlight measure the concurrency.
	inFlight, maxInFlight atomic.Int32
	delay                 time.Duration
}

func newFakeAsker(events ...minaarenden.Kundhandelse) *fakeAsker {
	a := &fakeAsker{events: map[string][]minaarenden.Kundhandelse{}, down: map[string]bool{}}
	a.set(events...)
	return a
}

// set replaces the events of the producers the given events belong to.
func (a *fakeAsker) set(events ...minaarenden.Kundhandelse) {
	a.mu.Lock()
	defer a.mu.Unlock()
	seen := map[string]bool{}
	for _, e := range events {
		if !seen[e.Producent] {
			a.events[e.Producent] = nil
			seen[e.Producent] = true
		}
		a.events[e.Producent] = append(a.events[e.Producent], e)
	}
}

func (a *fakeAsker) setDown(producent string, down bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.down[producent] = down
}

func (a *fakeAsker) Run(ctx context.Context, f minaarenden.Fraga) (*aggregate.Result, error) {
	a.calls.Add(1)
	n := a.inFlight.Add(1)
	defer a.inFlight.Add(-1)
	for {
		m := a.maxInFlight.Load()
		if n <= m || a.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	if a.during != nil {
		a.during(ctx, f)
	}
	if a.delay > 0 {
		time.Sleep(a.delay)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	res := &aggregate.Result{}
	var names []string
	for p := range a.events {
		names = append(names, p)
	}
	for p := range a.down {
		if _, ok := a.events[p]; !ok {
			names = append(names, p)
		}
	}
	slices.Sort(names)
	for _, p := range names {
		o := aggregate.Outcome{Source: p, Producent: p, Part: f.Parter[0], Status: aggregate.StatusOK}
		if a.down[p] {
			o.Status, o.HTTPCode, o.Err = aggregate.StatusError, 503, errors.New("503 Service Unavailable")
		} else {
			res.Events = append(res.Events, a.events[p]...)
		}
		res.Outcomes = append(res.Outcomes, o)
	}
	return res, nil
}

// recordingSink keeps what it delivers; fail makes it fail (or panic).
type recordingSink struct {
	mu    sync.Mutex
	got   []Notification
	fail  func(e OutboxEntry) error
	tries int
}

func (s *recordingSink) Deliver(ctx context.Context, e OutboxEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tries++
	if s.fail != nil {
		if err := s.fail(e); err != nil {
			return err
		}
	}
	var n Notification
	if err := json.Unmarshal(e.Body, &n); err != nil {
		return err
	}
	if n.ID != e.ID {
		return errors.New("entry id and body id differ")
	}
	s.got = append(s.got, n)
	return nil
}

func (s *recordingSink) notifications() []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

func newWatcher(t *testing.T, store Store, ask Asker, sink Sink, opts *Options) *Watcher {
	t.Helper()
	w, err := New(store, ask, sampleCatalog(t), sink, opts)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func runOnce(t *testing.T, w *Watcher) Summary {
	t.Helper()
	sum, err := w.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func TestWatcherBaselineThenNotifies(t *testing.T) {
	store := NewMemoryStore()
	putAll(t, store, "sub-1")
	ask := newFakeAsker(join(prv(t, 2), skv(t))...)
	sink := &recordingSink{}
	w := newWatcher(t, store, ask, sink, nil)

	if diff := cmp.Diff(Summary{Polled: 1}, runOnce(t, w)); diff != "" {
		t.Errorf("baseline summary mismatch (-want +got):\n%s", diff)
	}
	if got := sink.notifications(); len(got) != 0 {
		t.Fatalf("the baseline notified: %+v", got)
	}
	if diff := cmp.Diff(Summary{Polled: 1}, runOnce(t, w)); diff != "" {
		t.Errorf("unchanged summary mismatch (-want +got):\n%s", diff)
	}
	ask.set(prv(t, 3)...)
	sum := runOnce(t, w)
	if diff := cmp.Diff(Summary{Polled: 1, Notified: 1, Delivered: 1}, sum); diff != "" {
		t.Errorf("summary mismatch (-want +got):\n%s", diff)
	}
	if !sum.Complete() {
		t.Error("every producer answered, yet the summary is not complete")
	}
	got := sink.notifications()
	if len(got) != 1 || got[0].Change != Updated || got[0].Steg.To != "PRV.VARUMARKE.GRANSKNING" || got[0].Subscription != "sub-1" {
		t.Fatalf("delivered %+v", got)
	}
	if got := runOnce(t, w); got.Delivered != 0 {
		t.Errorf("delivered again: %+v", got)
	}
}

func TestWatcherNotifyInitial(t *testing.T) {
	store := NewMemoryStore()
	putAll(t, store, "sub-1")
	sink := &recordingSink{}
	w := newWatcher(t, store, newFakeAsker(join(prv(t, 2), skv(t))...), sink, &Options{NotifyInitial: true})
	runOnce(t, w)
	got := sink.notifications()
	if len(got) != 2 || got[0].Change != NewCase || got[1].Change != NewCase {
		t.Errorf("delivered %+v, want two new cases", got)
	}
}

func TestWatcherProducerDown(t *testing.T) {
	store := NewMemoryStore()
	putAll(t, store, "sub-1")
	ask := newFakeAsker(join(prv(t, 2), skv(t))...)
	sink := &recordingSink{}
	w := newWatcher(t, store, ask, sink, nil)
	runOnce(t, w)

	ask.setDown("PRV", true)
	ask.set(prv(t, 3)...) // PRV moved on, but cannot say so
	sum := runOnce(t, w)
	if diff := cmp.Diff(Summary{Polled: 1, Partial: 1}, sum); diff != "" {
		t.Errorf("summary mismatch (-want +got):\n%s", diff)
	}
	if sum.Complete() {
		t.Error("PRV was down, yet the summary is complete")
	}
	ask.setDown("PRV", false)
	ask.set(prv(t, 2)...) // back, as it was: a flap, nothing to say
	runOnce(t, w)
	if got := sink.notifications(); len(got) != 0 {
		t.Errorf("a flapping producer notified: %+v", got)
	}
}

func TestWatcherQuestionFailedWholly(t *testing.T) {
	store := NewMemoryStore()
	putAll(t, store, "sub-1")
	ask := newFakeAsker(join(prv(t, 2), skv(t))...)
	ask.setDown("PRV", true)
	ask.setDown("Skatteverket", true)
	sink := &recordingSink{}
	w := newWatcher(t, store, ask, sink, nil)
	if diff := cmp.Diff(Summary{Failed: 1}, runOnce(t, w)); diff != "" {
		t.Errorf("summary mismatch (-want +got):\n%s", diff)
	}
	// Nothing was stored: the first pass that hears anyone is the
	// baseline, silent.
	ask.setDown("PRV", false)
	ask.setDown("Skatteverket", false)
	runOnce(t, w)
	if got := sink.notifications(); len(got) != 0 {
		t.Errorf("a failed first pass made the next one notify: %+v", got)
	}
}

func TestWatcherSubscriptionRemovedDuringPass(t *testing.T) {
	store := NewMemoryStore()
	putAll(t, store, "sub-1", "sub-2")
	ask := newFakeAsker(join(prv(t, 2), skv(t))...)
	ask.during = func(ctx context.Context, f minaarenden.Fraga) {
		if err := store.Remove(ctx, "sub-1"); err != nil {
			t.Error(err)
		}
	}
	w := newWatcher(t, store, ask, &recordingSink{}, nil)
	sum := runOnce(t, w)
	if diff := cmp.Diff(Summary{Polled: 1, LeaseLost: 1}, sum); diff != "" {
		t.Errorf("summary mismatch (-want +got):\n%s", diff)
	}
}

func TestWatcherConcurrencyBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := NewMemoryStore()
		var ids []string
		for i := range 10 {
			ids = append(ids, string(rune('a'+i)))
		}
		putAll(t, store, ids...)
		ask := newFakeAsker(skv(t)...)
		ask.delay = time.Second
		w := newWatcher(t, store, ask, &recordingSink{}, &Options{Concurrency: 3})
		sum := runOnce(t, w)
		if sum.Polled != 10 {
			t.Errorf("polled %d of 10", sum.Polled)
		}
		if got := ask.maxInFlight.Load(); got != 3 {
			t.Errorf("at most %d questions in flight, want 3", got)
		}
	})
}

func TestWatcherRunLoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := NewMemoryStore()
		putAll(t, store, "a", "b", "c")
		ask := newFakeAsker(skv(t)...)
		var mu sync.Mutex
		var asked []time.Duration
		start := time.Now()
		ask.during = func(ctx context.Context, f minaarenden.Fraga) {
			mu.Lock()
			defer mu.Unlock()
			asked = append(asked, time.Since(start))
		}
		w := newWatcher(t, store, ask, &recordingSink{}, &Options{Interval: 10 * time.Minute, PollEvery: time.Minute})
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour+30*time.Second)
		defer cancel()
		if err := w.Run(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Run = %v, want the context's error", err)
		}
		// Each of the three is asked at 0 and then every 9–11 minutes
		// (the 1-minute look rounds up): 6 or 7 times in the hour.
		if n := len(asked); n < 3*6 || n > 3*7 {
			t.Errorf("asked %d times in an hour, want 18 to 21: %v", n, asked)
		}
		// The jitter spreads them: not every look asks all three.
		byTime := map[time.Duration]int{}
		for _, d := range asked {
			byTime[d]++
		}
		if len(byTime) <= 7 {
			t.Errorf("all subscriptions asked at the same instants: %v", byTime)
		}
	})
}

// stallingAsker never answers before its context ends.
type stallingAsker struct{ returned time.Time }

func (a *stallingAsker) Run(ctx context.Context, f minaarenden.Fraga) (*aggregate.Result, error) {
	<-ctx.Done()
	a.returned = time.Now()
	return nil, ctx.Err()
}

func TestWatcherCutsAQuestionOffAtHalfTheLease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := NewMemoryStore()
		putAll(t, store, "sub-1")
		ask := &stallingAsker{}
		w := newWatcher(t, store, ask, &recordingSink{}, &Options{Lease: 4 * time.Minute})
		start := time.Now()
		if diff := cmp.Diff(Summary{Failed: 1}, runOnce(t, w)); diff != "" {
			t.Errorf("summary mismatch (-want +got):\n%s", diff)
		}
		if d := ask.returned.Sub(start); d != 2*time.Minute {
			t.Errorf("the question ran %v, want half the lease", d)
		}
	})
}

// stallingSink never delivers before its context ends.
type stallingSink struct{ returned time.Time }

func (s *stallingSink) Deliver(ctx context.Context, e OutboxEntry) error {
	<-ctx.Done()
	s.returned = time.Now()
	return ctx.Err()
}

func TestWatcherCutsADeliveryOffAtHalfTheLease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := NewMemoryStore()
		putAll(t, store, "sub-1")
		sink := &stallingSink{}
		w := newWatcher(t, store, newFakeAsker(skv(t)...), sink, &Options{Lease: 4 * time.Minute, NotifyInitial: true})
		start := time.Now()
		if diff := cmp.Diff(Summary{Polled: 1, Notified: 1, Undelivered: 1}, runOnce(t, w)); diff != "" {
			t.Errorf("summary mismatch (-want +got):\n%s", diff)
		}
		if d := sink.returned.Sub(start); d != 2*time.Minute {
			t.Errorf("the delivery ran %v, want half the lease", d)
		}
	})
}

// pruneSpy records the cutoffs the watcher prunes at.
type pruneSpy struct {
	Store
	mu      sync.Mutex
	cutoffs []time.Time
}

func (p *pruneSpy) Prune(ctx context.Context, before time.Time) (int, error) {
	p.mu.Lock()
	p.cutoffs = append(p.cutoffs, before)
	p.mu.Unlock()
	return p.Store.Prune(ctx, before)
}

func TestWatcherPrunesDeliveredAfterRetention(t *testing.T) {
	for _, tt := range []struct {
		name      string
		retention time.Duration
		want      time.Duration
	}{
		{"default", 0, DefaultRetention},
		{"set", time.Hour, time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				store := &pruneSpy{Store: NewMemoryStore()}
				putAll(t, store, "sub-1")
				ask := newFakeAsker(join(prv(t, 2), skv(t))...)
				sink := &recordingSink{}
				w := newWatcher(t, store, ask, sink, &Options{NotifyInitial: true, Retention: tt.retention, Interval: 100 * 24 * time.Hour})
				start := time.Now()
				if sum := runOnce(t, w); sum.Delivered != 2 || sum.Pruned != 0 {
					t.Fatalf("first run: %+v, want 2 delivered, none pruned", sum)
				}
				time.Sleep(tt.want - time.Second)
				if sum := runOnce(t, w); sum.Pruned != 0 {
					t.Errorf("run within the retention pruned %d", sum.Pruned)
				}
				time.Sleep(2 * time.Second)
				if sum := runOnce(t, w); sum.Pruned != 2 {
					t.Errorf("run after the retention pruned %d, want 2", sum.Pruned)
				}
				store.mu.Lock()
				defer store.mu.Unlock()
				want := []time.Time{start.Add(-tt.want), start.Add(-time.Second), start.Add(time.Second)}
				if diff := cmp.Diff(want, store.cutoffs); diff != "" {
					t.Errorf("cutoffs mismatch (-want +got):\n%s", diff)
				}
			})
		})
	}
}

// A shutdown (the parent context done) is no failure: nothing is logged
// above debug or counted, and a cut-off question is released, due at once,
// for the next replica.
func TestWatcherShutdownIsNoFailure(t *testing.T) {
	for _, tt := range []struct {
		name string
		ask  Asker
		sink Sink
	}{
		{"during a question", &stallingAsker{}, &recordingSink{}},
		{"during a delivery", newFakeAsker(skv(t)...), &stallingSink{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var buf bytes.Buffer
				log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
				store := NewMemoryStore()
				putAll(t, store, "sub-1") // one: the stalling fakes are not safe for concurrent use
				w := newWatcher(t, store, tt.ask, tt.sink, &Options{Logger: log, NotifyInitial: true})
				ctx, cancel := context.WithCancel(context.Background())
				var sum Summary
				var err error
				done := make(chan struct{})
				go func() {
					sum, err = w.RunOnce(ctx)
					close(done)
				}()
				synctest.Wait() // every question or delivery under way
				cancel()
				<-done
				if !errors.Is(err, context.Canceled) {
					t.Errorf("RunOnce = %v, want context.Canceled", err)
				}
				if sum.Failed != 0 || sum.Undelivered != 0 {
					t.Errorf("summary %+v counts the shutdown as failures", sum)
				}
				if buf.Len() > 0 {
					t.Errorf("the shutdown was logged:\n%s", buf.String())
				}
				if _, ok := tt.ask.(*stallingAsker); ok {
					cs, err := store.Claim(context.Background(), ClaimOptions{Owner: "next", Now: time.Now(), Lease: time.Minute, Limit: 10})
					if err != nil || len(cs) != 1 {
						t.Errorf("the next replica claimed %d subscriptions (%v), want the released one", len(cs), err)
					}
				}
			})
		})
	}
}

func TestWatcherNotConfigured(t *testing.T) {
	for name, w := range map[string]*Watcher{"nil": nil, "zero": {}} {
		t.Run(name, func(t *testing.T) {
			if _, err := w.RunOnce(t.Context()); !errors.Is(err, ErrNotConfigured) {
				t.Errorf("RunOnce = %v, want ErrNotConfigured", err)
			}
			if err := w.Run(t.Context()); !errors.Is(err, ErrNotConfigured) {
				t.Errorf("Run = %v, want ErrNotConfigured", err)
			}
		})
	}
}

// A due time stored under a longer Interval does not hold back a watcher
// with a shorter one.
func TestWatcherLoweredIntervalTakesEffect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := NewMemoryStore()
		putAll(t, store, "sub-1")
		ask := newFakeAsker(skv(t)...)
		runOnce(t, newWatcher(t, store, ask, &recordingSink{}, &Options{Interval: 30 * 24 * time.Hour}))
		ask.calls.Store(0)
		w := newWatcher(t, store, ask, &recordingSink{}, &Options{Interval: 10 * time.Minute, PollEvery: time.Minute})
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		if err := w.Run(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Run = %v, want the context's error", err)
		}
		// Every 9–11 minutes, the first at 11 at the latest: 5 or 6 times.
		if n := ask.calls.Load(); n < 5 || n > 6 {
			t.Errorf("asked %d times in an hour, want 5 or 6", n)
		}
	})
}
