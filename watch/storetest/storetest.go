// Package storetest checks that a watch.Store keeps the contract the Watcher
// relies on: subscriptions and snapshots kept, due times and leases honoured,
// Commit all or nothing, the outbox delivered in order, once per
// notification id.
//
// An implementation's test calls Run with a function that returns a new,
// empty store:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) watch.Store { return newStore(t) })
//	}
//
// Subtests run in parallel, each on a store of its own.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/flow"
	"github.com/aterkoppling/minaarenden/watch"
)

// Run runs the conformance tests, calling open for a new, empty store in
// each.
func Run(t *testing.T, open func(t *testing.T) watch.Store) {
	for _, tc := range []struct {
		name string
		test func(t *testing.T, s watch.Store)
	}{
		{"PutClaimReturnsTheQuestion", testPutClaim},
		{"PutReplacesTheQuestionKeepsSnapshotAndDueTime", testPutReplaces},
		{"PutRefusesAnInvalidSubscriptionWritingNothing", testPutInvalid},
		{"Remove", testRemove},
		{"SubscriptionIDs", testSubscriptionIDs},
		{"RemoveWhileClaimed", testRemoveWhileClaimed},
		{"ClaimTakesOnlyDueEarliestFirst", testClaimDue},
		{"ClaimLimit", testClaimLimit},
		{"PolledBefore", testPolledBefore},
		{"LeaseExcludesOtherOwnersAndItsOwn", testLeaseExclusive},
		{"ExpiredLeaseIsTakenOver", testLeaseTakeover},
		{"ExpiredLeaseNotTakenOverStillCommits", testExpiredUntaken},
		{"CommitWritesSnapshotOutboxAndDueTimeTogether", testCommit},
		{"CommitEndsTheLease", testCommitEndsLease},
		{"Release", testRelease},
		{"OutboxClaimAndDeliver", testOutboxDeliver},
		{"OutboxRetryCountsAttempts", testOutboxRetry},
		{"OutboxLeaseExpiry", testOutboxLease},
		{"OutboxIdsAreIdempotent", testOutboxIdempotent},
		{"PruneDeletesOnlyDeliveredBeforeTheCutoff", testPrune},
		{"ConcurrentClaimersShareWithoutOverlap", testConcurrentClaimers},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.test(t, open(t))
		})
	}
}

// t0 is when every test starts; tests pass instants, never read a clock.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

const lease = time.Minute

// sub is a subscription with real-looking identifiers: a store must keep
// their digits (their JSON form is a mask).
func sub(id string) watch.Subscription {
	return watch.Subscription{
		ID: id,
		Parter: []minaarenden.Part{
			{Kund: &minaarenden.Kund{Identifierare: "165560360793", Typ: minaarenden.Organisationsnummer}},
			{Kund: &minaarenden.Kund{Identifierare: "199001012385", Typ: minaarenden.Personnummer, Tillagg: "firma 2"}},
		},
		Anvandare: "199001612382",
		Expected:  []flow.Expected{{Typ: "BV.VERKLIG_HUVUDMAN"}, {Typ: "PRV.VARUMARKE", Producent: "PRV"}},
	}
}

func snapshot(ids ...string) watch.Snapshot {
	return watch.Snapshot{Cases: []watch.Case{{
		Key:           watch.CaseKey{Typ: "PRV.VARUMARKE", Producent: "PRV", Referens: "2026/0815"},
		Status:        flow.Pagaende,
		Bollen:        flow.BollenProducent,
		Steg:          "PRV.VARUMARKE.GRANSKNING",
		Kundhandelser: ids,
	}}}
}

func note(subID, id string) watch.Notification {
	return watch.Notification{
		ID: id, Subscription: subID, Change: watch.Updated,
		Typ: "PRV.VARUMARKE", Producent: "PRV", Referens: "2026/0815", Namn: "Registrera varumärke",
		Status:        watch.FromTo[string]{From: ptr("vantar_pa_kund"), To: "pagaende"},
		Bollen:        watch.FromTo[string]{From: ptr("kund"), To: "producent"},
		Steg:          watch.FromTo[string]{From: ptr("PRV.VARUMARKE.KOMPLETTERING"), To: "PRV.VARUMARKE.GRANSKNING"},
		Kundhandelser: []string{"PRV-" + id},
		Rubrik:        "Vi granskar din ansökan",
		Tidpunkt:      t0.Add(-time.Hour),
	}
}

func ptr[T any](v T) *T { return &v }

func opts(owner string, now time.Time, limit int) watch.ClaimOptions {
	return watch.ClaimOptions{Owner: owner, Now: now, Lease: lease, Limit: limit}
}

func put(t *testing.T, s watch.Store, subs ...watch.Subscription) {
	t.Helper()
	if err := s.Put(t.Context(), subs...); err != nil {
		t.Fatalf("Put: %v", err)
	}
}

func claim(t *testing.T, s watch.Store, o watch.ClaimOptions) []watch.Claim {
	t.Helper()
	cs, err := s.Claim(t.Context(), o)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	return cs
}

func claimOne(t *testing.T, s watch.Store, o watch.ClaimOptions) watch.Claim {
	t.Helper()
	cs := claim(t, s, o)
	if len(cs) != 1 {
		t.Fatalf("Claim(%s at %v) = %v, want one claim", o.Owner, o.Now.Sub(t0), ids(cs))
	}
	return cs[0]
}

func commit(t *testing.T, s watch.Store, c watch.Claim, snap watch.Snapshot, notes []watch.Notification, next time.Time) {
	t.Helper()
	if err := s.Commit(t.Context(), c, snap, notes, next); err != nil {
		t.Fatalf("Commit(%s): %v", c.Subscription.ID, err)
	}
}

func claimOutbox(t *testing.T, s watch.Store, o watch.ClaimOptions) []watch.OutboxEntry {
	t.Helper()
	es, err := s.ClaimOutbox(t.Context(), o)
	if err != nil {
		t.Fatalf("ClaimOutbox: %v", err)
	}
	return es
}

func ids(cs []watch.Claim) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.Subscription.ID)
	}
	return out
}

func entryIDs(es []watch.OutboxEntry) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

func wantIDs(t *testing.T, what string, want, got []string) {
	t.Helper()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, diff)
	}
}

func wantLeaseLost(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, watch.ErrLeaseLost) {
		t.Errorf("%s = %v, want watch.ErrLeaseLost", what, err)
	}
}

// commitAll claims and commits every due subscription with the given next
// due time and an empty snapshot.
func commitAll(t *testing.T, s watch.Store, now, next time.Time) {
	t.Helper()
	for _, c := range claim(t, s, opts("setup", now, 1000)) {
		commit(t, s, c, watch.Snapshot{}, nil, next)
	}
}

func testPutClaim(t *testing.T, s watch.Store) {
	put(t, s, sub("sub-1"))
	c := claimOne(t, s, opts("a", t0, 10))
	want := watch.Claim{Subscription: sub("sub-1"), Owner: "a", Until: t0.Add(lease)}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("claim of a new subscription mismatch (-want +got):\n%s", diff)
	}
}

func testPutReplaces(t *testing.T, s watch.Store) {
	put(t, s, sub("sub-1"))
	c := claimOne(t, s, opts("a", t0, 10))
	commit(t, s, c, snapshot("k1"), nil, t0.Add(time.Hour))

	changed := sub("sub-1")
	changed.Expected = nil
	changed.Anvandare = "200002290005"
	put(t, s, changed)
	// Replacing the question keeps the due time: a restart that puts every
	// subscription again does not make them all due at once.
	wantIDs(t, "claim before the due time", []string{}, ids(claim(t, s, opts("a", t0.Add(time.Minute), 10))))

	c = claimOne(t, s, opts("a", t0.Add(time.Hour), 10))
	want := watch.Claim{Subscription: changed, Snapshot: ptr(snapshot("k1")), Owner: "a", Until: t0.Add(time.Hour + lease)}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("claim after the question was replaced mismatch (-want +got):\n%s", diff)
	}
}

func testPutInvalid(t *testing.T, s watch.Store) {
	noParter := sub("no-parter")
	noParter.Parter = nil
	badAnvandare := sub("bad-anvandare")
	badAnvandare.Anvandare = "199001012386" // wrong check digit
	for _, tc := range []struct {
		name string
		sub  watch.Subscription
	}{
		{"empty id", sub("")},
		{"blank id", sub("  ")},
		{"personnummer as id", sub("199001012385")},
		{"personnummer with a dash inside the id", sub("kund-19900101-2385")},
		{"organisationsnummer as id", sub("556036-0793")},
		{"control character", sub("sub\n1")},
		{"not UTF-8", sub("sub\xff")},
		{"too long", sub(strings.Repeat("x", watch.MaxIDLength+1))},
		{"no parter", noParter},
		{"invalid anvandare", badAnvandare},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The valid one beside it is not written either.
			err := s.Put(t.Context(), sub("valid"), tc.sub)
			if !errors.Is(err, watch.ErrInvalidSubscription) {
				t.Fatalf("Put: %v, want watch.ErrInvalidSubscription", err)
			}
			if msg := err.Error(); minaarenden.Redact(msg) != msg {
				t.Errorf("Put's error %q holds an identifier", minaarenden.Redact(msg))
			}
			wantIDs(t, "claim after a refused Put", []string{}, ids(claim(t, s, opts("a", t0, 10))))
		})
	}
}

func testRemove(t *testing.T, s watch.Store) {
	put(t, s, sub("sub-1"), sub("sub-2"))
	if err := s.Remove(t.Context(), "sub-1"); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if err := s.Remove(t.Context(), "never-there"); err != nil {
		t.Errorf("Remove of an unknown id: %v, want nil", err)
	}
	wantIDs(t, "claim after Remove", []string{"sub-2"}, ids(claim(t, s, opts("a", t0, 10))))
}

func testSubscriptionIDs(t *testing.T, s watch.Store) {
	list := func(what string, want []string) {
		t.Helper()
		got, err := s.SubscriptionIDs(t.Context())
		if err != nil {
			t.Fatalf("SubscriptionIDs: %v", err)
		}
		if len(got) == 0 && len(want) == 0 {
			return
		}
		wantIDs(t, what, want, got)
	}
	list("an empty store", nil)
	put(t, s, sub("sub-b"), sub("sub-C"), sub("sub-a"), sub("sub-c"))
	put(t, s, sub("sub-a")) // replaced, still one
	list("after Put", []string{"sub-C", "sub-a", "sub-b", "sub-c"})
	if err := s.Remove(t.Context(), "sub-b"); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	list("after Remove", []string{"sub-C", "sub-a", "sub-c"})
}

func testRemoveWhileClaimed(t *testing.T, s watch.Store) {
	put(t, s, sub("sub-1"), sub("sub-2"))
	// sub-1's notification is in the outbox before it is removed.
	c := claimOne(t, s, opts("a", t0, 1))
	commit(t, s, c, snapshot("k1"), []watch.Notification{note("sub-1", "n1")}, t0)

	claims := map[string]watch.Claim{}
	for _, c := range claim(t, s, opts("a", t0, 10)) {
		claims[c.Subscription.ID] = c
	}
	if len(claims) != 2 {
		t.Fatalf("second claim took %v, want sub-1 and sub-2", claims)
	}
	for _, id := range []string{"sub-1", "sub-2"} {
		if err := s.Remove(t.Context(), id); err != nil {
			t.Fatalf("Remove(%s): %v", id, err)
		}
	}
	wantLeaseLost(t, "Commit of a removed subscription", s.Commit(t.Context(), claims["sub-1"], snapshot("k2"), []watch.Notification{note("sub-1", "n2")}, t0))
	wantLeaseLost(t, "Release of a removed subscription", s.Release(t.Context(), claims["sub-2"], t0))

	// The pending entry is still delivered; the lost commit's is not there.
	wantIDs(t, "outbox after Remove", []string{"n1"}, entryIDs(claimOutbox(t, s, opts("a", t0, 10))))
	wantIDs(t, "claim after Remove", []string{}, ids(claim(t, s, opts("a", t0.Add(time.Hour), 10))))
}

func testClaimDue(t *testing.T, s watch.Store) {
	put(t, s, sub("c"), sub("a"), sub("b"))
	due := map[string]time.Time{"a": t0.Add(3 * time.Hour), "b": t0.Add(time.Hour), "c": t0.Add(2 * time.Hour)}
	for _, c := range claim(t, s, opts("setup", t0, 10)) {
		commit(t, s, c, watch.Snapshot{}, nil, due[c.Subscription.ID])
	}
	wantIDs(t, "claim before any is due", []string{}, ids(claim(t, s, opts("a", t0.Add(time.Hour-time.Second), 10))))
	wantIDs(t, "claim at 2h", []string{"b", "c"}, ids(claim(t, s, opts("a", t0.Add(2*time.Hour), 10))))
}

func testClaimLimit(t *testing.T, s watch.Store) {
	for i := range 5 {
		put(t, s, sub(fmt.Sprintf("sub-%d", i)))
	}
	var got []string
	for _, want := range []int{2, 2, 1, 0} {
		cs := claim(t, s, opts("a", t0, 2))
		if len(cs) != want {
			t.Fatalf("claim with limit 2 took %v, want %d", ids(cs), want)
		}
		got = append(got, ids(cs)...)
	}
	slices.Sort(got)
	wantIDs(t, "all claimed", []string{"sub-0", "sub-1", "sub-2", "sub-3", "sub-4"}, got)

	// A limit of zero or less takes one.
	put(t, s, sub("sub-5"), sub("sub-6"))
	for _, limit := range []int{0, -1} {
		if cs := claim(t, s, opts("a", t0, limit)); len(cs) != 1 {
			t.Errorf("claim with limit %d took %v, want one", limit, ids(cs))
		}
	}
}

func testPolledBefore(t *testing.T, s watch.Store) {
	put(t, s, sub("a"), sub("b"))
	commitAll(t, s, t0, t0.Add(24*time.Hour))
	put(t, s, sub("new"))

	// A -once pass: everything polled before it started, whatever its due
	// time; what it polled is not taken again.
	start := t0.Add(time.Minute)
	o := opts("a", start, 1)
	o.PolledBefore = start
	var got []string
	for range 4 {
		for _, c := range claim(t, s, o) {
			got = append(got, c.Subscription.ID)
			commit(t, s, c, watch.Snapshot{}, nil, t0.Add(24*time.Hour))
		}
		o.Now = o.Now.Add(time.Second)
	}
	slices.Sort(got)
	wantIDs(t, "claimed by the pass", []string{"a", "b", "new"}, got)

	// Without PolledBefore nothing is due.
	wantIDs(t, "claim without PolledBefore", []string{}, ids(claim(t, s, opts("a", start.Add(time.Minute), 10))))
}

func testLeaseExclusive(t *testing.T, s watch.Store) {
	put(t, s, sub("sub-1"))
	claimOne(t, s, opts("a", t0, 10))
	wantIDs(t, "claim by another owner", []string{}, ids(claim(t, s, opts("b", t0.Add(lease/2), 10))))
	wantIDs(t, "claim by the same owner", []string{}, ids(claim(t, s, opts("a", t0.Add(lease/2), 10))))
}

func testLeaseTakeover(t *testing.T, s watch.Store) {
	put(t, s, sub("sub-1"))
	ca := claimOne(t, s, opts("a", t0, 10))
	wantIDs(t, "claim just before expiry", []string{}, ids(claim(t, s, opts("b", t0.Add(lease-time.Second), 10))))
	cb := claimOne(t, s, opts("b", t0.Add(lease+time.Second), 10))
	if cb.Snapshot != nil {
		t.Errorf("takeover claim has a snapshot %v, want none", cb.Snapshot)
	}

	wantLeaseLost(t, "Commit by the owner whose lease was taken over",
		s.Commit(t.Context(), ca, snapshot("from-a"), []watch.Notification{note("sub-1", "from-a")}, t0))
	wantLeaseLost(t, "Release by the owner whose lease was taken over", s.Release(t.Context(), ca, t0))

	// Nothing of a's was written: no outbox entry, and b's lease still
	// holds, so b commits.
	wantIDs(t, "outbox after the lost commit", []string{}, entryIDs(claimOutbox(t, s, opts("c", t0.Add(lease+time.Second), 10))))
	commit(t, s, cb, snapshot("from-b"), nil, t0)
	c := claimOne(t, s, opts("c", t0.Add(2*lease), 10))
	if diff := cmp.Diff(ptr(snapshot("from-b")), c.Snapshot); diff != "" {
		t.Errorf("snapshot after takeover mismatch (-want +got):\n%s", diff)
	}
}

func testExpiredUntaken(t *testing.T, s watch.Store) {
	put(t, s, sub("sub-1"))
	c := claimOne(t, s, opts("a", t0, 10))
	// The lease ran out but nobody claimed: it is still a's.
	commit(t, s, c, snapshot("k1"), []watch.Notification{note("sub-1", "n1")}, t0.Add(time.Hour))
	wantIDs(t, "outbox", []string{"n1"}, entryIDs(claimOutbox(t, s, opts("a", t0.Add(time.Hour), 10))))
}

func testCommit(t *testing.T, s watch.Store) {
	put(t, s, sub("sub-1"))
	c := claimOne(t, s, opts("a", t0, 10))
	notes := []watch.Notification{note("sub-1", "n1"), note("sub-1", "n2")}
	next := t0.Add(time.Hour)
	commit(t, s, c, snapshot("k1", "k2"), notes, next)

	es := claimOutbox(t, s, opts("b", t0, 10))
	wantIDs(t, "outbox", []string{"n1", "n2"}, entryIDs(es))
	for i, e := range es {
		if e.Subscription != "sub-1" || e.Attempts != 0 || e.Owner != "b" || !e.Until.Equal(t0.Add(lease)) {
			t.Errorf("entry %s: subscription %q, attempts %d, owner %q, until %v; want sub-1, 0, b, t0+lease",
				e.ID, e.Subscription, e.Attempts, e.Owner, e.Until.Sub(t0))
		}
		var got watch.Notification
		if err := json.Unmarshal(e.Body, &got); err != nil {
			t.Fatalf("entry %s: body is not JSON: %v", e.ID, err)
		}
		if diff := cmp.Diff(notes[i], got); diff != "" {
			t.Errorf("entry %s: body mismatch (-want +got):\n%s", e.ID, diff)
		}
	}

	wantIDs(t, "claim before next", []string{}, ids(claim(t, s, opts("a", next.Add(-time.Second), 10))))
	c = claimOne(t, s, opts("a", next, 10))
	if diff := cmp.Diff(ptr(snapshot("k1", "k2")), c.Snapshot); diff != "" {
		t.Errorf("stored snapshot mismatch (-want +got):\n%s", diff)
	}
}

func testCommitEndsLease(t *testing.T, s watch.Store) {
	put(t, s, sub("sub-1"))
	c := claimOne(t, s, opts("a", t0, 10))
	commit(t, s, c, snapshot("k1"), nil, t0)
	// Due again at once and not leased: another owner takes it inside the
	// old lease's time, and the old claim is spent.
	cb := claimOne(t, s, opts("b", t0.Add(time.Second), 10))
	wantLeaseLost(t, "second Commit of one claim", s.Commit(t.Context(), c, snapshot("k2"), []watch.Notification{note("sub-1", "n2")}, t0))
	commit(t, s, cb, snapshot("k3"), nil, t0)
	wantIDs(t, "outbox", []string{}, entryIDs(claimOutbox(t, s, opts("a", t0.Add(time.Hour), 10))))
}

func testRelease(t *testing.T, s watch.Store) {
	put(t, s, sub("sub-1"))
	c := claimOne(t, s, opts("a", t0, 10))
	commit(t, s, c, snapshot("k1"), nil, t0)
	c = claimOne(t, s, opts("a", t0, 10))
	if err := s.Release(t.Context(), c, t0.Add(time.Hour)); err != nil {
		t.Fatalf("Release: %v", err)
	}
	wantLeaseLost(t, "second Release of one claim", s.Release(t.Context(), c, t0))
	wantIDs(t, "claim before the release's due time", []string{}, ids(claim(t, s, opts("b", t0.Add(30*time.Minute), 10))))
	c = claimOne(t, s, opts("b", t0.Add(time.Hour), 10))
	if diff := cmp.Diff(ptr(snapshot("k1")), c.Snapshot); diff != "" {
		t.Errorf("snapshot after Release mismatch (-want +got):\n%s", diff)
	}
}

// fillOutbox commits one notification per id, in order, each from its own
// subscription's pass.
func fillOutbox(t *testing.T, s watch.Store, noteIDs ...string) {
	t.Helper()
	for _, id := range noteIDs {
		put(t, s, sub("sub-"+id))
		c := claimOne(t, s, opts("setup", t0, 1))
		commit(t, s, c, watch.Snapshot{}, []watch.Notification{note(c.Subscription.ID, id)}, t0.Add(24*time.Hour))
	}
}

func testOutboxDeliver(t *testing.T, s watch.Store) {
	fillOutbox(t, s, "n1", "n2", "n3")
	a := claimOutbox(t, s, opts("a", t0, 2))
	wantIDs(t, "first claim, oldest first", []string{"n1", "n2"}, entryIDs(a))
	wantIDs(t, "another owner's claim", []string{"n3"}, entryIDs(claimOutbox(t, s, opts("b", t0, 10))))
	if err := s.Delivered(t.Context(), a[0]); err != nil {
		t.Fatalf("Delivered: %v", err)
	}
	wantLeaseLost(t, "second Delivered", s.Delivered(t.Context(), a[0]))
	// After every lease ran out only the undelivered come back.
	wantIDs(t, "claim after the leases ran out", []string{"n2", "n3"}, entryIDs(claimOutbox(t, s, opts("c", t0.Add(2*lease), 10))))
}

func testOutboxRetry(t *testing.T, s watch.Store) {
	fillOutbox(t, s, "n1")
	e := claimOutbox(t, s, opts("a", t0, 10))
	for attempt := 1; attempt <= 2; attempt++ {
		at := e[0].Until.Add(5 * time.Minute)
		if err := s.Retry(t.Context(), e[0], at); err != nil {
			t.Fatalf("Retry: %v", err)
		}
		wantLeaseLost(t, "second Retry", s.Retry(t.Context(), e[0], at))
		wantIDs(t, "claim before the retry time", []string{}, entryIDs(claimOutbox(t, s, opts("a", at.Add(-time.Second), 10))))
		e = claimOutbox(t, s, opts("a", at, 10))
		wantIDs(t, "claim at the retry time", []string{"n1"}, entryIDs(e))
		if e[0].Attempts != attempt {
			t.Errorf("after %d retries Attempts = %d", attempt, e[0].Attempts)
		}
	}
	if err := s.Delivered(t.Context(), e[0]); err != nil {
		t.Fatalf("Delivered after retries: %v", err)
	}
	wantIDs(t, "claim after delivery", []string{}, entryIDs(claimOutbox(t, s, opts("a", t0.Add(24*time.Hour), 10))))
}

func testOutboxLease(t *testing.T, s watch.Store) {
	fillOutbox(t, s, "n1", "n2")
	a := claimOutbox(t, s, opts("a", t0, 10))
	wantIDs(t, "claim by a", []string{"n1", "n2"}, entryIDs(a))
	wantIDs(t, "claim by b inside a's lease", []string{}, entryIDs(claimOutbox(t, s, opts("b", t0.Add(lease-time.Second), 10))))
	b := claimOutbox(t, s, opts("b", t0.Add(lease+time.Second), 10))
	wantIDs(t, "claim by b after a's lease", []string{"n1", "n2"}, entryIDs(b))
	wantLeaseLost(t, "Delivered by a after takeover", s.Delivered(t.Context(), a[0]))
	wantLeaseLost(t, "Retry by a after takeover", s.Retry(t.Context(), a[1], t0))
	for _, e := range b {
		if e.Attempts != 0 {
			t.Errorf("entry %s: Attempts = %d after a's lost Retry, want 0", e.ID, e.Attempts)
		}
		if err := s.Delivered(t.Context(), e); err != nil {
			t.Errorf("Delivered by b: %v", err)
		}
	}
}

func testOutboxIdempotent(t *testing.T, s watch.Store) {
	put(t, s, sub("sub-1"))
	c := claimOne(t, s, opts("a", t0, 10))
	commit(t, s, c, snapshot("k1"), []watch.Notification{note("sub-1", "n1"), note("sub-1", "n1")}, t0)
	c = claimOne(t, s, opts("a", t0, 10))
	commit(t, s, c, snapshot("k1"), []watch.Notification{note("sub-1", "n1"), note("sub-1", "n2")}, t0)
	es := claimOutbox(t, s, opts("a", t0, 10))
	wantIDs(t, "outbox", []string{"n1", "n2"}, entryIDs(es))

	// Delivered, n1 is still known: the same change seen again is not a
	// second notification.
	if err := s.Delivered(t.Context(), es[0]); err != nil {
		t.Fatalf("Delivered: %v", err)
	}
	c = claimOne(t, s, opts("a", t0, 10))
	commit(t, s, c, snapshot("k1"), []watch.Notification{note("sub-1", "n1"), note("sub-1", "n3")}, t0)
	wantIDs(t, "outbox after n1 was delivered", []string{"n2", "n3"}, entryIDs(claimOutbox(t, s, opts("a", t0.Add(2*lease), 10))))
}

// testPrune reads the clock, unlike the other tests: Delivered takes no
// instant, so an entry's delivery time is the store's own. The cutoffs lie
// an hour either side of now.
func testPrune(t *testing.T, s watch.Store) {
	fillOutbox(t, s, "n1", "n2", "n3")
	es := claimOutbox(t, s, opts("a", t0, 10))
	if err := s.Delivered(t.Context(), es[0]); err != nil {
		t.Fatalf("Delivered: %v", err)
	}
	if err := s.Retry(t.Context(), es[1], t0); err != nil {
		t.Fatalf("Retry: %v", err)
	}
	prune := func(before time.Time, want int) {
		t.Helper()
		n, err := s.Prune(t.Context(), before)
		if err != nil {
			t.Fatalf("Prune: %v", err)
		}
		if n != want {
			t.Errorf("Prune(%v) = %d, want %d", before, n, want)
		}
	}
	prune(time.Now().Add(-time.Hour), 0) // delivered after the cutoff
	prune(time.Now().Add(time.Hour), 1)
	prune(time.Now().Add(time.Hour), 0)

	// The undelivered stay, retried (n2) or leased (n3).
	wantIDs(t, "claim after Prune", []string{"n2", "n3"}, entryIDs(claimOutbox(t, s, opts("b", t0.Add(2*lease), 10))))
	// n1 is forgotten: the same change seen again is notified again.
	put(t, s, sub("sub-n1"))
	now := t0.Add(2 * lease) // b's leases on n2 and n3 still hold
	c := claimOne(t, s, watch.ClaimOptions{Owner: "c", Now: now, Lease: lease, PolledBefore: now})
	commit(t, s, c, watch.Snapshot{}, []watch.Notification{note(c.Subscription.ID, "n1")}, t0.Add(72*time.Hour))
	wantIDs(t, "claim after n1 was seen again", []string{"n1"}, entryIDs(claimOutbox(t, s, opts("c", now, 10))))
}

// testConcurrentClaimers has owners claim at one instant from many
// goroutines: every subscription goes to exactly one of them.
func testConcurrentClaimers(t *testing.T, s watch.Store) {
	const n, owners = 60, 4
	var subs []watch.Subscription
	for i := range n {
		subs = append(subs, sub(fmt.Sprintf("sub-%02d", i)))
	}
	put(t, s, subs...)

	var (
		mu  sync.Mutex
		got = map[string][]string{}
		wg  sync.WaitGroup
	)
	ctx := context.WithoutCancel(t.Context())
	for o := range owners {
		owner := fmt.Sprintf("owner-%d", o)
		wg.Go(func() {
			for {
				cs, err := s.Claim(ctx, opts(owner, t0, 3))
				if err != nil {
					t.Errorf("Claim(%s): %v", owner, err)
					return
				}
				if len(cs) == 0 {
					return
				}
				mu.Lock()
				for _, c := range cs {
					got[c.Subscription.ID] = append(got[c.Subscription.ID], owner)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(got) != n {
		t.Errorf("%d of %d subscriptions claimed", len(got), n)
	}
	for id, by := range got {
		if len(by) != 1 {
			t.Errorf("%s claimed by %v, want one owner", id, by)
		}
	}
}
