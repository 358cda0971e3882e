package sqlstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aterkoppling/minaarenden/internal/pgtest"
	"github.com/aterkoppling/minaarenden/watch"
)

// The replica tests run on PostgreSQL: each replica has a connection pool
// and a Store of its own on one shared schema, as separate processes would.

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func replicas(t *testing.T, n int) []*Store {
	t.Helper()
	dsn := pgtest.Schema(t)
	stores := make([]*Store, n)
	for i := range stores {
		stores[i] = newStore(t, pgtest.Open(t, dsn), PostgreSQL)
	}
	return stores
}

// tally counts what replicas did to each id, safely from many goroutines.
type tally struct {
	mu sync.Mutex
	by map[string][]string // id → the owners that did it, in order
}

func (c *tally) add(id, owner string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.by == nil {
		c.by = map[string][]string{}
	}
	c.by[id] = append(c.by[id], owner)
}

// once reports every id not done exactly once, and a count other than want.
func (c *tally) once(t *testing.T, what string, want int) {
	t.Helper()
	if len(c.by) != want {
		t.Errorf("%s: %d ids, want %d", what, len(c.by), want)
	}
	for _, id := range slices.Sorted(maps.Keys(c.by)) {
		if by := c.by[id]; len(by) != 1 {
			t.Errorf("%s: %s by %v, want exactly once", what, id, by)
		}
	}
}

// shares says how many ids each owner did, for the log.
func (c *tally) shares() map[string]int {
	out := map[string]int{}
	for _, by := range c.by {
		for _, o := range by {
			out[o]++
		}
	}
	return out
}

// work has one replica poll and deliver at now until nothing is left to
// claim: each claimed subscription is committed with one notification, each
// claimed entry delivered.
func work(ctx context.Context, t *testing.T, s *Store, owner string, now time.Time, round int, polled, delivered *tally) {
	o := watch.ClaimOptions{Owner: owner, Now: now, Lease: 10 * time.Minute, Limit: 20}
	for {
		claims, err := s.Claim(ctx, o)
		if err != nil {
			t.Errorf("%s: Claim: %v", owner, err)
			return
		}
		for _, c := range claims {
			polled.add(c.Subscription.ID, owner)
			note := watch.Notification{ID: fmt.Sprintf("%s/%d", c.Subscription.ID, round), Subscription: c.Subscription.ID, Change: watch.Updated}
			if err := s.Commit(ctx, c, watch.Snapshot{}, []watch.Notification{note}, now.Add(time.Hour)); err != nil {
				t.Errorf("%s: Commit: %v", owner, err)
			}
		}
		entries, err := s.ClaimOutbox(ctx, o)
		if err != nil {
			t.Errorf("%s: ClaimOutbox: %v", owner, err)
			return
		}
		for _, e := range entries {
			delivered.add(e.ID, owner)
			if err := s.Delivered(ctx, e); err != nil {
				t.Errorf("%s: Delivered: %v", owner, err)
			}
		}
		if len(claims) == 0 && len(entries) == 0 {
			return
		}
	}
}

// Two and three replicas poll 1000 subscriptions together, round after
// round: each subscription is polled by exactly one replica per round and
// each notification delivered exactly once.
func TestReplicasShareTheWork(t *testing.T) {
	pgtest.DSN(t)
	const subs, rounds = 1000, 2
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprintf("%d replicas", n), func(t *testing.T) {
			t.Parallel()
			stores := replicas(t, n)
			if err := stores[0].Put(t.Context(), subscriptions(subs)...); err != nil {
				t.Fatal(err)
			}
			var delivered tally
			ctx := context.WithoutCancel(t.Context())
			for round := range rounds {
				now := t0.Add(time.Duration(round) * time.Hour)
				var polled tally
				// All work at once; then all again, for the entries a
				// replica committed after another last looked.
				for range 2 {
					var wg sync.WaitGroup
					for i, s := range stores {
						wg.Go(func() { work(ctx, t, s, fmt.Sprintf("replica-%d", i), now, round, &polled, &delivered) })
					}
					wg.Wait()
				}
				polled.once(t, fmt.Sprintf("round %d: polled", round), subs)
				t.Logf("round %d: polled per replica %v", round, polled.shares())
			}
			delivered.once(t, "delivered", subs*rounds)
			t.Logf("delivered per replica %v", delivered.shares())
		})
	}
}

// A replica that dies holding leases loses nothing: once the leases run out
// another replica takes its subscriptions and its outbox entries, and
// nothing is done twice.
func TestReplicaCrashIsTakenOver(t *testing.T) {
	pgtest.DSN(t)
	t.Parallel()
	const subs = 100
	stores := replicas(t, 3)
	survivor, crashPoll, crashDeliver := stores[0], stores[1], stores[2]
	ctx := t.Context()
	if err := survivor.Put(ctx, subscriptions(subs)...); err != nil {
		t.Fatal(err)
	}
	const lease = time.Minute
	opts := func(owner string, now time.Time, limit int) watch.ClaimOptions {
		return watch.ClaimOptions{Owner: owner, Now: now, Lease: lease, Limit: limit}
	}

	// The first replica claims 40 subscriptions and dies before it
	// commits any.
	lost, err := crashPoll.Claim(ctx, opts("dies-polling", t0, 40))
	if err != nil || len(lost) != 40 {
		t.Fatalf("claim by the replica that dies: %d, %v", len(lost), err)
	}
	crashPoll.db.Close()

	var polled, delivered tally
	pollAll := func(now time.Time) {
		for {
			cs, err := survivor.Claim(ctx, opts("survivor", now, 25))
			if err != nil {
				t.Fatalf("survivor: Claim: %v", err)
			}
			if len(cs) == 0 {
				return
			}
			for _, c := range cs {
				polled.add(c.Subscription.ID, "survivor")
				note := watch.Notification{ID: c.Subscription.ID + "/1", Subscription: c.Subscription.ID, Change: watch.NewCase}
				if err := survivor.Commit(ctx, c, watch.Snapshot{}, []watch.Notification{note}, now.Add(time.Hour)); err != nil {
					t.Fatalf("survivor: Commit: %v", err)
				}
			}
		}
	}
	pollAll(t0.Add(lease / 2))
	if len(polled.by) != subs-len(lost) {
		t.Errorf("inside the dead replica's lease the survivor polled %d, want %d", len(polled.by), subs-len(lost))
	}
	for _, c := range lost {
		if polled.by[c.Subscription.ID] != nil {
			t.Errorf("%s polled while the dead replica's lease held", c.Subscription.ID)
		}
	}
	pollAll(t0.Add(lease + time.Second))
	polled.once(t, "polled", subs)

	// The third replica claims half the outbox and dies before it marks
	// anything delivered.
	at := t0.Add(2 * lease)
	held, err := crashDeliver.ClaimOutbox(ctx, opts("dies-delivering", at, subs/2))
	if err != nil || len(held) != subs/2 {
		t.Fatalf("outbox claim by the replica that dies: %d, %v", len(held), err)
	}
	crashDeliver.db.Close()
	deliverAll := func(now time.Time) {
		for {
			es, err := survivor.ClaimOutbox(ctx, opts("survivor", now, 25))
			if err != nil {
				t.Fatalf("survivor: ClaimOutbox: %v", err)
			}
			if len(es) == 0 {
				return
			}
			for _, e := range es {
				delivered.add(e.ID, "survivor")
				if err := survivor.Delivered(ctx, e); err != nil {
					t.Fatalf("survivor: Delivered: %v", err)
				}
			}
		}
	}
	deliverAll(at.Add(lease / 2))
	if len(delivered.by) != subs/2 {
		t.Errorf("inside the dead replica's lease the survivor delivered %d, want %d", len(delivered.by), subs/2)
	}
	deliverAll(at.Add(lease + time.Second))
	delivered.once(t, "delivered", subs)
}

// recorder is a Sink that counts deliveries per notification id.
type recorder struct{ tally }

func (r *recorder) Deliver(_ context.Context, e watch.OutboxEntry) error {
	r.add(e.ID, e.Subscription)
	return nil
}

// Three Watchers, one per replica, run -once passes together over the same
// subscriptions: the baseline says nothing, and every change after it is
// delivered exactly once, by whichever replica got it.
func TestReplicaWatchers(t *testing.T) {
	pgtest.DSN(t)
	t.Parallel()
	const subs = 120
	stores := replicas(t, 3)
	if err := stores[0].Put(t.Context(), subscriptions(subs)...); err != nil {
		t.Fatal(err)
	}
	p := newProducers(t)
	var sink recorder
	watchers := make([]*watch.Watcher, len(stores))
	for i, s := range stores {
		w, err := watch.New(s, p.agg, p.cat, &sink, &watch.Options{Owner: fmt.Sprintf("replica-%d", i), Concurrency: 8})
		if err != nil {
			t.Fatal(err)
		}
		watchers[i] = w
	}
	pass := func() watch.Summary {
		t.Helper()
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			total watch.Summary
		)
		for _, w := range watchers {
			wg.Go(func() {
				sum, err := w.RunOnce(t.Context())
				if err != nil {
					t.Errorf("RunOnce: %v", err)
				}
				mu.Lock()
				defer mu.Unlock()
				total.Notified += sum.Notified
				total.Delivered += sum.Delivered
				total.LeaseLost += sum.LeaseLost
				total.Polled += sum.Polled
			})
		}
		wg.Wait()
		return total
	}

	if sum := pass(); sum.Notified != 0 || len(sink.by) != 0 {
		t.Fatalf("baseline pass notified %d, delivered %d; want nothing", sum.Notified, len(sink.by))
	}
	p.prv.Steps.Store(2) // every PRV case moves to GRANSKNING
	pass()
	sink.once(t, "after PRV moved", subs)
	p.bv.Steps.Store(2) // every Bolagsverket case is registered
	sum := pass()
	sink.once(t, "after Bolagsverket moved", 2*subs)
	if sum.LeaseLost != 0 {
		t.Errorf("%d leases lost in normal operation", sum.LeaseLost)
	}
	perSub := map[string]int{}
	for _, by := range sink.by {
		perSub[by[0]]++
	}
	for id, n := range perSub {
		if n != 2 {
			t.Errorf("%s got %d notifications, want 2", id, n)
		}
	}
}
