package watch

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// MemoryStore is a Store in process memory, for tests and single-process
// tools that may forget everything on exit. Its leases behave as a SQL
// store's do — an owner and an expiry, taken over once expired — so code
// tested against it meets no surprise on a database. It keeps
// subscriptions and snapshots in their storage forms (MarshalBinary), as
// a database would, so a caller's later change to a value it passed in or
// got back never reaches the store.
type MemoryStore struct {
	mu     sync.Mutex
	subs   map[string]*memSub
	outbox []*memEntry          // undelivered, in append order
	byID   map[string]*memEntry // every entry ever appended, delivered too
	seq    int
}

type memSub struct {
	sub      []byte // Subscription.MarshalBinary
	snap     []byte // Snapshot.MarshalBinary; nil before the first commit
	due      time.Time
	claimed  time.Time // zero: never claimed
	owner    string
	until    time.Time
	inserted int
}

type memEntry struct {
	OutboxEntry
	due         time.Time
	delivered   bool
	deliveredAt time.Time
}

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{subs: map[string]*memSub{}, byID: map[string]*memEntry{}}
}

var _ Store = (*MemoryStore)(nil)

// free reports whether a lease that holds until until may be taken at now.
func free(owner string, until, now time.Time) bool {
	return owner == "" || !now.Before(until)
}

// Put implements Store.
func (m *MemoryStore) Put(ctx context.Context, subs ...Subscription) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	forms := make([][]byte, len(subs))
	for i, s := range subs {
		if err := s.Validate(); err != nil {
			return fmt.Errorf("watch: put subscription %d: %w", i, err)
		}
		b, err := s.MarshalBinary()
		if err != nil {
			return err
		}
		forms[i] = b
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, s := range subs {
		if ms, ok := m.subs[s.ID]; ok {
			ms.sub = forms[i]
			continue
		}
		m.seq++
		m.subs[s.ID] = &memSub{sub: forms[i], inserted: m.seq}
	}
	return nil
}

// Remove implements Store.
func (m *MemoryStore) Remove(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.subs, id)
	return nil
}

// SubscriptionIDs implements Store.
func (m *MemoryStore) SubscriptionIDs(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Sorted(maps.Keys(m.subs)), nil
}

// Claim implements Store.
func (m *MemoryStore) Claim(ctx context.Context, opts ClaimOptions) ([]Claim, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var due []*memSub
	for _, s := range m.subs {
		if !free(s.owner, s.until, opts.Now) {
			continue
		}
		polled := !opts.PolledBefore.IsZero() && (s.claimed.IsZero() || s.claimed.Before(opts.PolledBefore))
		if !s.due.After(opts.Now) || polled {
			due = append(due, s)
		}
	}
	slices.SortFunc(due, func(a, b *memSub) int { return cmp.Or(a.due.Compare(b.due), cmp.Compare(a.inserted, b.inserted)) })
	due = due[:min(len(due), max(opts.Limit, 1))]
	claims := make([]Claim, 0, len(due))
	for _, s := range due {
		c := Claim{Owner: opts.Owner, Until: opts.Now.Add(opts.Lease)}
		if err := c.Subscription.UnmarshalBinary(s.sub); err != nil {
			return nil, err
		}
		if s.snap != nil {
			c.Snapshot = new(Snapshot)
			if err := c.Snapshot.UnmarshalBinary(s.snap); err != nil {
				return nil, err
			}
		}
		s.owner, s.until, s.claimed = c.Owner, c.Until, opts.Now
		claims = append(claims, c)
	}
	return claims, nil
}

// held returns the claim's subscription if its lease is still the claim's.
func (m *MemoryStore) held(c Claim) (*memSub, error) {
	s, ok := m.subs[c.Subscription.ID]
	if !ok || s.owner == "" || s.owner != c.Owner || !s.until.Equal(c.Until) {
		return nil, ErrLeaseLost
	}
	return s, nil
}

// Commit implements Store.
func (m *MemoryStore) Commit(ctx context.Context, c Claim, snap Snapshot, notes []Notification, next time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	form, err := snap.MarshalBinary()
	if err != nil {
		return err
	}
	bodies := make([][]byte, len(notes))
	for i, n := range notes {
		if bodies[i], err = json.Marshal(n); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.held(c)
	if err != nil {
		return err
	}
	for i, n := range notes {
		if m.byID[n.ID] != nil {
			continue
		}
		e := &memEntry{OutboxEntry: OutboxEntry{ID: n.ID, Subscription: n.Subscription, Body: bodies[i]}}
		m.byID[n.ID] = e
		m.outbox = append(m.outbox, e)
	}
	s.snap, s.due, s.owner, s.until = form, next, "", time.Time{}
	return nil
}

// Release implements Store.
func (m *MemoryStore) Release(ctx context.Context, c Claim, next time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.held(c)
	if err != nil {
		return err
	}
	s.due, s.owner, s.until = next, "", time.Time{}
	return nil
}

// ClaimOutbox implements Store.
func (m *MemoryStore) ClaimOutbox(ctx context.Context, opts ClaimOptions) ([]OutboxEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []OutboxEntry
	limit := max(opts.Limit, 1)
	for _, e := range m.outbox {
		if len(out) == limit {
			break
		}
		if e.due.After(opts.Now) || !free(e.Owner, e.Until, opts.Now) {
			continue
		}
		e.Owner, e.Until = opts.Owner, opts.Now.Add(opts.Lease)
		c := e.OutboxEntry
		c.Body = slices.Clone(e.Body)
		out = append(out, c)
	}
	return out, nil
}

// entry returns the entry if its lease is still e's.
func (m *MemoryStore) entry(e OutboxEntry) (*memEntry, error) {
	me := m.byID[e.ID]
	if me == nil || me.delivered || me.Owner == "" || me.Owner != e.Owner || !me.Until.Equal(e.Until) {
		return nil, ErrLeaseLost
	}
	return me, nil
}

// Delivered implements Store.
func (m *MemoryStore) Delivered(ctx context.Context, e OutboxEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	me, err := m.entry(e)
	if err != nil {
		return err
	}
	me.delivered, me.deliveredAt, me.Owner, me.Until = true, time.Now(), "", time.Time{}
	m.outbox = slices.DeleteFunc(m.outbox, func(x *memEntry) bool { return x == me })
	return nil
}

// Retry implements Store.
func (m *MemoryStore) Retry(ctx context.Context, e OutboxEntry, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	me, err := m.entry(e)
	if err != nil {
		return err
	}
	me.Attempts++
	me.due, me.Owner, me.Until = at, "", time.Time{}
	return nil
}

// Prune implements Store; the delivery time is the process clock's at
// Delivered.
func (m *MemoryStore) Prune(ctx context.Context, before time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for id, e := range m.byID {
		if e.delivered && e.deliveredAt.Before(before) {
			delete(m.byID, id)
			n++
		}
	}
	return n, nil
}
