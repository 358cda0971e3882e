package watch

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func claimIDs(cs []Claim) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Subscription.ID)
	}
	return out
}

func mustClaim(t *testing.T, s Store, opts ClaimOptions) []Claim {
	t.Helper()
	cs, err := s.Claim(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func putAll(t *testing.T, s Store, ids ...string) {
	t.Helper()
	var subs []Subscription
	for _, id := range ids {
		subs = append(subs, testSubscription(id))
	}
	if err := s.Put(context.Background(), subs...); err != nil {
		t.Fatal(err)
	}
}

func TestMemoryStoreClaim(t *testing.T) {
	ctx := context.Background()
	s := NewMemoryStore()
	putAll(t, s, "a", "b", "c")

	got := mustClaim(t, s, ClaimOptions{Owner: "r1", Now: t0, Lease: time.Minute, Limit: 2})
	if diff := cmp.Diff([]string{"a", "b"}, claimIDs(got)); diff != "" {
		t.Errorf("first claim mismatch (-want +got):\n%s", diff)
	}
	if got[0].Snapshot != nil || got[0].Until != t0.Add(time.Minute) || got[0].Owner != "r1" {
		t.Errorf("claim = %+v, want no snapshot, owner r1, until t0+1m", got[0])
	}
	if diff := cmp.Diff(testSubscription("a"), got[0].Subscription); diff != "" {
		t.Errorf("claimed subscription mismatch (-want +got):\n%s", diff)
	}
	// Leased ones are not taken again, by anyone, until the lease ends.
	if diff := cmp.Diff([]string{"c"}, claimIDs(mustClaim(t, s, ClaimOptions{Owner: "r2", Now: t0.Add(30 * time.Second), Lease: time.Minute, Limit: 5}))); diff != "" {
		t.Errorf("second claim mismatch (-want +got):\n%s", diff)
	}
	if got := mustClaim(t, s, ClaimOptions{Owner: "r1", Now: t0.Add(59 * time.Second), Lease: time.Minute, Limit: 5}); len(got) != 0 {
		t.Errorf("claimed %v under live leases", claimIDs(got))
	}
	// Commit: snapshot stored, due at next, lease ended.
	snap := Snapshot{Cases: []Case{{Key: CaseKey{"A.B", "P", "r"}, Kundhandelser: []string{"x"}}}}
	if err := s.Commit(ctx, got0(got), snap, nil, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// b's and c's leases ended: taken over. a is not due yet.
	if diff := cmp.Diff([]string{"b", "c"}, claimIDs(mustClaim(t, s, ClaimOptions{Owner: "r2", Now: t0.Add(59 * time.Minute), Lease: time.Hour, Limit: 5}))); diff != "" {
		t.Errorf("claim after expiry mismatch (-want +got):\n%s", diff)
	}
	again := mustClaim(t, s, ClaimOptions{Owner: "r2", Now: t0.Add(time.Hour), Lease: time.Minute, Limit: 5})
	if diff := cmp.Diff([]string{"a"}, claimIDs(again)); diff != "" {
		t.Fatalf("claim when due mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&snap, again[0].Snapshot); diff != "" {
		t.Errorf("stored snapshot mismatch (-want +got):\n%s", diff)
	}
}

func got0(cs []Claim) Claim { return cs[0] }

func TestMemoryStoreLeaseLost(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// after runs between the claim and the commit.
		after func(s *MemoryStore, c Claim)
		lost  bool
	}{
		{"held", func(*MemoryStore, Claim) {}, false},
		{"expired but not taken is still held", func(*MemoryStore, Claim) {}, false},
		{"taken over after expiry", func(s *MemoryStore, c Claim) {
			mustClaim(t, s, ClaimOptions{Owner: "r2", Now: c.Until, Lease: time.Minute})
		}, true},
		{"taken again by the same owner", func(s *MemoryStore, c Claim) {
			mustClaim(t, s, ClaimOptions{Owner: c.Owner, Now: c.Until.Add(time.Second), Lease: time.Minute})
		}, true},
		{"removed", func(s *MemoryStore, c Claim) {
			if err := s.Remove(ctx, c.Subscription.ID); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"already committed", func(s *MemoryStore, c Claim) {
			if err := s.Commit(ctx, c, Snapshot{}, nil, t0); err != nil {
				t.Fatal(err)
			}
		}, true},
	}
	for _, tt := range tests {
		for _, op := range []string{"commit", "release"} {
			t.Run(tt.name+"/"+op, func(t *testing.T) {
				s := NewMemoryStore()
				putAll(t, s, "a")
				c := mustClaim(t, s, ClaimOptions{Owner: "r1", Now: t0, Lease: time.Minute})[0]
				tt.after(s, c)
				note := Notification{ID: "n1", Subscription: "a"}
				var err error
				if op == "commit" {
					err = s.Commit(ctx, c, Snapshot{Cases: []Case{}}, []Notification{note}, t0.Add(time.Hour))
				} else {
					err = s.Release(ctx, c, t0.Add(time.Hour))
				}
				if tt.lost != errors.Is(err, ErrLeaseLost) {
					t.Fatalf("err = %v, want lease lost: %v", err, tt.lost)
				}
				// A lost commit wrote nothing: no outbox entry.
				entries, _ := s.ClaimOutbox(ctx, ClaimOptions{Owner: "d", Now: t0.Add(2 * time.Hour), Lease: time.Minute, Limit: 10})
				wantEntries := 0
				if op == "commit" && !tt.lost {
					wantEntries = 1
				}
				if len(entries) != wantEntries {
					t.Errorf("%d outbox entries, want %d", len(entries), wantEntries)
				}
			})
		}
	}
}

func TestMemoryStorePolledBefore(t *testing.T) {
	ctx := context.Background()
	s := NewMemoryStore()
	putAll(t, s, "a", "b")
	for _, c := range mustClaim(t, s, ClaimOptions{Owner: "r", Now: t0, Lease: time.Minute, Limit: 2}) {
		if err := s.Commit(ctx, c, Snapshot{}, nil, t0.Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	start := t0.Add(time.Hour)
	opts := ClaimOptions{Owner: "once", Now: start, Lease: time.Minute, Limit: 1, PolledBefore: start}
	var seen []string
	for {
		cs := mustClaim(t, s, opts)
		if len(cs) == 0 {
			break
		}
		seen = append(seen, claimIDs(cs)...)
		// Failed or not, the subscription was polled in this run.
		if err := s.Release(ctx, cs[0], t0.Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		opts.Now = opts.Now.Add(time.Second)
		if len(seen) > 2 {
			break
		}
	}
	if diff := cmp.Diff([]string{"a", "b"}, seen); diff != "" {
		t.Errorf("a -once run took mismatch (-want +got):\n%s", diff)
	}
}

func TestMemoryStorePutKeepsSnapshotAndRemoveKeepsOutbox(t *testing.T) {
	ctx := context.Background()
	s := NewMemoryStore()
	putAll(t, s, "a")
	c := mustClaim(t, s, ClaimOptions{Owner: "r", Now: t0, Lease: time.Minute})[0]
	snap := Snapshot{Cases: []Case{{Key: CaseKey{"A.B", "P", ""}, Kundhandelser: []string{"x"}}}}
	if err := s.Commit(ctx, c, snap, []Notification{{ID: "n1", Subscription: "a"}}, t0); err != nil {
		t.Fatal(err)
	}
	changed := testSubscription("a")
	changed.Expected = nil
	if err := s.Put(ctx, changed); err != nil {
		t.Fatal(err)
	}
	c = mustClaim(t, s, ClaimOptions{Owner: "r", Now: t0, Lease: time.Minute})[0]
	if diff := cmp.Diff(changed, c.Subscription); diff != "" {
		t.Errorf("replaced question mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&snap, c.Snapshot); diff != "" {
		t.Errorf("snapshot lost on Put (-want +got):\n%s", diff)
	}
	// A change to the returned value never reaches the store.
	c.Snapshot.Cases[0].Kundhandelser[0] = "changed"
	if err := s.Remove(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(ctx, "unknown"); err != nil {
		t.Errorf("removing an unknown id: %v", err)
	}
	entries, err := s.ClaimOutbox(ctx, ClaimOptions{Owner: "d", Now: t0, Lease: time.Minute, Limit: 10})
	if err != nil || len(entries) != 1 {
		t.Fatalf("outbox after remove: %v, %v", entries, err)
	}
}

func TestMemoryStoreOutbox(t *testing.T) {
	ctx := context.Background()
	s := NewMemoryStore()
	putAll(t, s, "a")
	commit := func(ids ...string) {
		t.Helper()
		c := mustClaim(t, s, ClaimOptions{Owner: "r", Now: t0, Lease: time.Minute})[0]
		var notes []Notification
		for _, id := range ids {
			notes = append(notes, Notification{ID: id, Subscription: "a", Change: NewCase})
		}
		if err := s.Commit(ctx, c, Snapshot{}, notes, t0); err != nil {
			t.Fatal(err)
		}
	}
	commit("n1", "n2")
	commit("n2", "n3") // n2 again: one notification
	claim := func(owner string, now time.Time) []OutboxEntry {
		t.Helper()
		es, err := s.ClaimOutbox(ctx, ClaimOptions{Owner: owner, Now: now, Lease: time.Minute, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	ids := func(es []OutboxEntry) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	es := claim("d1", t0)
	if diff := cmp.Diff([]string{"n1", "n2", "n3"}, ids(es)); diff != "" {
		t.Fatalf("outbox mismatch (-want +got):\n%s", diff)
	}
	var body Notification
	if err := json.Unmarshal(es[0].Body, &body); err != nil || body.ID != "n1" || body.Subscription != "a" {
		t.Errorf("body %s: %v", es[0].Body, err)
	}
	if got := claim("d2", t0.Add(30*time.Second)); len(got) != 0 {
		t.Errorf("leased entries claimed again: %v", ids(got))
	}
	if err := s.Delivered(ctx, es[0]); err != nil {
		t.Fatal(err)
	}
	if err := s.Retry(ctx, es[1], t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Delivered(ctx, es[0]); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("delivered twice: %v", err)
	}
	// n3's lease ended and d3 took it: d1 lost it.
	taken := claim("d3", t0.Add(time.Minute))
	if got := ids(taken); !slices.Equal(got, []string{"n3"}) {
		t.Fatalf("after expiry claimed %v, want n3", got)
	}
	if err := s.Delivered(ctx, es[2]); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("delivered under a lost lease: %v", err)
	}
	if err := s.Delivered(ctx, taken[0]); err != nil {
		t.Fatal(err)
	}
	got := claim("d4", t0.Add(time.Hour))
	if diff := cmp.Diff([]string{"n2"}, ids(got)); diff != "" {
		t.Errorf("retry mismatch (-want +got):\n%s", diff)
	}
	if len(got) == 1 && got[0].Attempts != 1 {
		t.Errorf("attempts = %d, want 1", got[0].Attempts)
	}
}

func TestMemoryStoreHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := NewMemoryStore()
	if err := s.Put(ctx, testSubscription("a")); !errors.Is(err, context.Canceled) {
		t.Errorf("Put: %v", err)
	}
	if _, err := s.Claim(ctx, ClaimOptions{Now: t0}); !errors.Is(err, context.Canceled) {
		t.Errorf("Claim: %v", err)
	}
}

func TestMemoryStoreRefusesClaimsWithoutALease(t *testing.T) {
	s := NewMemoryStore()
	putAll(t, s, "a")
	for _, opts := range []ClaimOptions{
		{Now: t0, Lease: time.Minute},
		{Owner: "r", Now: t0},
		{Owner: "r", Lease: time.Minute},
	} {
		if _, err := s.Claim(context.Background(), opts); err == nil {
			t.Errorf("Claim(%+v) took a lease", opts)
		}
		if _, err := s.ClaimOutbox(context.Background(), opts); err == nil {
			t.Errorf("ClaimOutbox(%+v) took a lease", opts)
		}
	}
}
