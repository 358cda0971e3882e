package watch

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

var errKilled = errors.New("process killed")

// faultStore is a Store whose process dies at a chosen call: from the
// n-th call of op on (before it, or right after it took effect), every
// call fails, as nothing more is written by a dead process.
type faultStore struct {
	Store
	op    string
	n     int
	after bool

	mu    sync.Mutex
	calls map[string]int
	dead  bool
}

func (f *faultStore) kill() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dead = true
}

// call runs do unless the process is dead or dies at this call.
func (f *faultStore) call(op string, do func() error) error {
	f.mu.Lock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[op]++
	dies := op == f.op && f.calls[op] == f.n
	dead := f.dead
	if dies && !f.after {
		f.dead = true
	}
	f.mu.Unlock()
	if dead || (dies && !f.after) {
		return errKilled
	}
	err := do()
	if dies {
		f.kill()
		return errKilled
	}
	return err
}

func (f *faultStore) Claim(ctx context.Context, opts ClaimOptions) (cs []Claim, err error) {
	err = f.call("Claim", func() error { cs, err = f.Store.Claim(ctx, opts); return err })
	return cs, err
}

func (f *faultStore) Commit(ctx context.Context, c Claim, snap Snapshot, notes []Notification, next time.Time) error {
	return f.call("Commit", func() error { return f.Store.Commit(ctx, c, snap, notes, next) })
}

func (f *faultStore) Release(ctx context.Context, c Claim, next time.Time) error {
	return f.call("Release", func() error { return f.Store.Release(ctx, c, next) })
}

func (f *faultStore) ClaimOutbox(ctx context.Context, opts ClaimOptions) (es []OutboxEntry, err error) {
	err = f.call("ClaimOutbox", func() error { es, err = f.Store.ClaimOutbox(ctx, opts); return err })
	return es, err
}

func (f *faultStore) Delivered(ctx context.Context, e OutboxEntry) error {
	return f.call("Delivered", func() error { return f.Store.Delivered(ctx, e) })
}

func (f *faultStore) Retry(ctx context.Context, e OutboxEntry, at time.Time) error {
	return f.call("Retry", func() error { return f.Store.Retry(ctx, e, at) })
}

// TestWatcherCrashSafety kills the watcher at every step between finding a
// change and marking it delivered, restarts it (another owner, once the
// dead one's leases ran out), and checks the change was delivered at least
// once, every time with the id a clean run gives it.
func TestWatcherCrashSafety(t *testing.T) {
	tests := []struct {
		name string
		// fault configures the first run's store, or its sink.
		store *faultStore
		sink  func(f *faultStore) func(OutboxEntry) error
		// delivered: the first run's receiver got it before the crash.
		delivered bool
	}{
		{name: "before the snapshot is stored", store: &faultStore{op: "Commit", n: 1}},
		{name: "between snapshot and delivery", store: &faultStore{op: "Commit", n: 1, after: true}},
		{name: "before claiming the outbox", store: &faultStore{op: "ClaimOutbox", n: 2}},
		{name: "after claiming the outbox", store: &faultStore{op: "ClaimOutbox", n: 2, after: true}},
		{name: "during delivery", store: &faultStore{}, sink: func(f *faultStore) func(OutboxEntry) error {
			return func(OutboxEntry) error { f.kill(); return errKilled }
		}},
		{name: "after delivery, before marking it", store: &faultStore{op: "Delivered", n: 1}, delivered: true},
		{name: "while scheduling a retry", store: &faultStore{op: "Retry", n: 1},
			sink: func(*faultStore) func(OutboxEntry) error {
				return func(OutboxEntry) error { return errors.New("receiver down") }
			}},
	}
	// The id a clean run gives the change.
	want := func() string {
		store := NewMemoryStore()
		putAll(t, store, "sub-1")
		ask := newFakeAsker(prv(t, 2)...)
		sink := &recordingSink{}
		w := newWatcher(t, store, ask, sink, nil)
		runOnce(t, w)
		ask.set(prv(t, 3)...)
		runOnce(t, w)
		if got := sink.notifications(); len(got) != 1 {
			t.Fatalf("clean run delivered %+v", got)
		}
		return sink.notifications()[0].ID
	}()

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				store := NewMemoryStore()
				putAll(t, store, "sub-1")
				ask := newFakeAsker(prv(t, 2)...)
				runOnce(t, newWatcher(t, store, ask, &recordingSink{}, nil)) // the baseline
				ask.set(prv(t, 3)...)
				time.Sleep(time.Second) // RunOnce takes what was claimed before it began; the bubble's clock stands still

				fs := tt.store
				fs.Store = store
				first := &recordingSink{}
				if tt.sink != nil {
					first.fail = tt.sink(fs)
				}
				if _, err := newWatcher(t, fs, ask, first, &Options{Owner: "dead"}).RunOnce(context.Background()); tt.sink == nil && !errors.Is(err, errKilled) {
					t.Fatalf("the first run did not die: %v", err)
				}
				fs.mu.Lock()
				dead := fs.dead
				fs.mu.Unlock()
				if !dead {
					t.Fatal("the fault never struck")
				}
				if got := len(first.notifications()) > 0; got != tt.delivered {
					t.Fatalf("delivered before the crash: %v, want %v", got, tt.delivered)
				}

				time.Sleep(DefaultLease + DefaultRetryBackoff) // the dead replica's leases run out
				second := &recordingSink{}
				if _, err := newWatcher(t, store, ask, second, &Options{Owner: "restarted"}).RunOnce(context.Background()); err != nil {
					t.Fatal(err)
				}
				all := append(first.notifications(), second.notifications()...)
				if len(all) == 0 {
					t.Fatal("the change was lost")
				}
				for _, n := range all {
					if n.ID != want {
						t.Errorf("delivered id %q, want %q as in a clean run", n.ID, want)
					}
				}
				if len(second.notifications()) != 1 {
					t.Errorf("after the restart delivered %d, want exactly the one missing mark", len(second.notifications()))
				}
				// Nothing is left over: a third run says nothing.
				third := &recordingSink{}
				time.Sleep(DefaultRetryBackoff)
				runOnce(t, newWatcher(t, store, ask, third, nil))
				if got := third.notifications(); len(got) != 0 {
					t.Errorf("a third run delivered again: %+v", got)
				}
			})
		})
	}
}

func TestWatcherSinkFailureRetriesLater(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := NewMemoryStore()
		putAll(t, store, "sub-1")
		ask := newFakeAsker(prv(t, 2)...)
		sink := &recordingSink{}
		w := newWatcher(t, store, ask, sink, &Options{RetryBackoff: time.Minute})
		runOnce(t, w)
		ask.set(prv(t, 3)...)
		time.Sleep(time.Second) // RunOnce takes what was claimed before it began
		failures := 0
		sink.fail = func(OutboxEntry) error {
			failures++
			if failures == 2 {
				panic("receiver library bug")
			}
			if failures <= 3 {
				return errors.New("receiver down")
			}
			return nil
		}
		if diff := cmp.Diff(Summary{Polled: 1, Notified: 1, Undelivered: 1}, runOnce(t, w)); diff != "" {
			t.Errorf("summary mismatch (-want +got):\n%s", diff)
		}
		// Due again after 1, then 2, then 4 minutes.
		for i, wait := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute} {
			time.Sleep(wait - time.Second)
			if got := runOnce(t, w); got.Delivered+got.Undelivered != 0 {
				t.Fatalf("try %d came early: %+v", i+2, got)
			}
			time.Sleep(time.Second)
			got := runOnce(t, w)
			if got.Delivered+got.Undelivered != 1 {
				t.Fatalf("try %d did not come after %v: %+v", i+2, wait, got)
			}
		}
		if got := sink.notifications(); len(got) != 1 {
			t.Errorf("delivered %d, want 1", len(got))
		}
	})
}

func TestWatcherLogsNoIdentifier(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	store := NewMemoryStore()
	putAll(t, store, "sub-1")
	ask := newFakeAsker(join(prv(t, 2), skv(t))...)
	sink := &recordingSink{}
	w := newWatcher(t, store, ask, sink, &Options{Logger: log})
	runOnce(t, w)
	ask.setDown("Skatteverket", true)
	ask.set(prv(t, 3)...)
	sink.fail = func(OutboxEntry) error { return errors.New("receiver says 199001012385 unknown") }
	runOnce(t, w)
	ask.setDown("PRV", true)
	runOnce(t, w)
	out := buf.String()
	for _, id := range []string{string(testOrg), string(testPerson)} {
		if strings.Contains(out, id) {
			t.Errorf("an identifier reached the log:\n%s", out)
		}
	}
	for _, want := range []string{`"subscription":"sub-1"`, `"msg":"delivery failed"`, `"msg":"question failed"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
}

// flakyStore fails Claim while down is set: a database restarting.
type flakyStore struct {
	Store
	down atomic.Bool
}

func (f *flakyStore) Claim(ctx context.Context, opts ClaimOptions) ([]Claim, error) {
	if f.down.Load() {
		return nil, errors.New("connection refused")
	}
	return f.Store.Claim(ctx, opts)
}

func TestWatcherRunOutlivesAStoreOutage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &flakyStore{Store: NewMemoryStore()}
		putAll(t, store, "sub-1")
		store.down.Store(true)
		ask := newFakeAsker(skv(t)...)
		var buf bytes.Buffer
		log := slog.New(slog.NewTextHandler(&buf, nil))
		w := newWatcher(t, store, ask, &recordingSink{}, &Options{Interval: 10 * time.Minute, PollEvery: time.Minute, Logger: log})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- w.Run(ctx) }()
		time.Sleep(5 * time.Minute)
		synctest.Wait()
		if n := ask.calls.Load(); n != 0 {
			t.Fatalf("asked %d times with the store down", n)
		}
		store.down.Store(false)
		time.Sleep(time.Minute)
		synctest.Wait()
		if n := ask.calls.Load(); n != 1 {
			t.Errorf("asked %d times once the store was back, want 1", n)
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
		if !strings.Contains(buf.String(), "connection refused") {
			t.Errorf("the outage was not logged:\n%s", buf.String())
		}
	})
}
