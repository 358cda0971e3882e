package watch

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mathrand "math/rand/v2"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate"
	"github.com/aterkoppling/minaarenden/catalog"
	"github.com/aterkoppling/minaarenden/flow"
)

// Asker asks one question of many producers; *aggregate.Aggregator is one.
type Asker interface {
	Run(ctx context.Context, f minaarenden.Fraga) (*aggregate.Result, error)
}

// Defaults for the zero Options.
const (
	DefaultInterval     = 15 * time.Minute
	DefaultLease        = 2 * time.Minute
	DefaultConcurrency  = 16
	DefaultRetryBackoff = time.Minute
	// MaxRetryBackoff caps the wait before an undelivered notification is
	// tried again: a receiver back after a day gets its backlog within the
	// hour.
	MaxRetryBackoff = time.Hour
	// DefaultRetention is how long a delivered notification is kept.
	DefaultRetention = 7 * 24 * time.Hour
)

// Options configures a Watcher; the zero value (or nil) is a safe default.
type Options struct {
	// Owner names this replica in the store's leases; empty means the host
	// name, the process id and a random suffix.
	Owner string
	// Interval is how often each subscription is asked, ± 10 % jitter so
	// subscriptions added together spread out; zero means DefaultInterval.
	// Run also asks any subscription last asked longer ago than Interval
	// and its jitter, whatever due time a longer Interval stored: a
	// lowered Interval takes effect at once.
	Interval time.Duration
	// Lease is how long a claim on a subscription or an outbox entry
	// holds; another replica takes over work whose lease ended. A
	// question and a delivery are cut off at half the lease, so it must
	// exceed twice the time either takes (the aggregator's SourceTimeout;
	// a Webhook's attempts, timeouts and backoff). Zero means
	// DefaultLease.
	Lease time.Duration
	// Concurrency bounds the subscriptions asked, and the notifications
	// delivered, at once; zero means DefaultConcurrency.
	Concurrency int
	// PollEvery is how often Run looks for due work; zero means a tenth
	// of Interval, at most 30 s.
	PollEvery time.Duration
	// RetryBackoff is the wait before a failed delivery is tried again,
	// doubled for each attempt up to MaxRetryBackoff; zero means
	// DefaultRetryBackoff.
	RetryBackoff time.Duration
	// Retention is how long a delivered notification stays in the store
	// before the watcher prunes it; zero means DefaultRetention. It is
	// the window in which duplicates are dropped: while a notification
	// is kept, the same change seen again is not notified twice; a
	// repeat of a change older than Retention (a snapshot restored from
	// an old backup, say) may be delivered again.
	Retention time.Duration
	// NotifyInitial makes a producer's first answer for a subscription
	// (at its first pass, or the first after the producer was down or
	// added) report every case as new_case; by default that answer is a
	// silent baseline.
	NotifyInitial bool
	// Logger receives what the watcher does, by subscription id and
	// notification id, never an identifier; nil is silent.
	Logger *slog.Logger
}

// ErrNotConfigured is what RunOnce and Run of a zero Watcher{} or a nil
// *Watcher return.
var ErrNotConfigured = errors.New("watch: the Watcher is not configured: build it with watch.New")

// Watcher asks each subscription's question in turn, compares the answer
// with the stored snapshot and delivers what changed. Several Watchers,
// in one process or many, may share a Store: its leases share the work.
type Watcher struct {
	store Store
	ask   Asker
	cat   *catalog.Catalog
	sink  Sink
	opts  Options
	log   *slog.Logger
}

// New returns a Watcher over store, asking through ask, placing with cat
// and delivering through sink.
func New(store Store, ask Asker, cat *catalog.Catalog, sink Sink, opts *Options) (*Watcher, error) {
	if store == nil || ask == nil || cat == nil || sink == nil {
		return nil, errors.New("watch: New needs a store, an asker, a catalog and a sink")
	}
	w := &Watcher{store: store, ask: ask, cat: cat, sink: sink}
	if opts != nil {
		w.opts = *opts
	}
	o := &w.opts
	if o.Owner == "" {
		o.Owner = defaultOwner()
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.PollEvery <= 0 {
		o.PollEvery = min(o.Interval/10, 30*time.Second)
	}
	if o.RetryBackoff <= 0 {
		o.RetryBackoff = DefaultRetryBackoff
	}
	if o.Retention <= 0 {
		o.Retention = DefaultRetention
	}
	w.log = o.Logger
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	return w, nil
}

func defaultOwner() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Summary counts what a RunOnce did.
type Summary struct {
	// Polled subscriptions were asked and their snapshots stored.
	Polled int
	// Partial of those had a producer that did not answer: its cases kept
	// their stored state.
	Partial int
	// Failed subscriptions got no answer at all; they are asked again at
	// their next turn.
	Failed int
	// LeaseLost subscriptions and notifications were taken over by another
	// claim, or removed, before this watcher finished with them.
	LeaseLost int
	// Notified is how many notifications the passes appended.
	Notified int
	// Delivered and Undelivered count delivery attempts; an undelivered
	// notification stays in the outbox for a later attempt.
	Delivered, Undelivered int
	// Pruned is how many notifications delivered longer than
	// Options.Retention ago were deleted.
	Pruned int
}

// Complete reports whether every producer answered every subscription.
func (s Summary) Complete() bool { return s.Failed == 0 && s.Partial == 0 }

func (s *Summary) add(o Summary) {
	s.Polled += o.Polled
	s.Partial += o.Partial
	s.Failed += o.Failed
	s.LeaseLost += o.LeaseLost
	s.Notified += o.Notified
	s.Delivered += o.Delivered
	s.Undelivered += o.Undelivered
	s.Pruned += o.Pruned
}

// RunOnce delivers the outbox's due notifications, asks every subscription
// claimed before the run began once, whatever its due time (one leased by
// another watcher is left to it), and delivers what that found. The error is the store's or the
// context's; producers and receivers that fail are counted in the
// Summary, not returned.
func (w *Watcher) RunOnce(ctx context.Context) (Summary, error) {
	var sum Summary
	if w == nil || w.store == nil {
		return sum, ErrNotConfigured
	}
	start := time.Now()
	if err := w.deliver(ctx, &sum); err != nil {
		return sum, err
	}
	if err := w.poll(ctx, start, &sum); err != nil {
		return sum, err
	}
	if err := w.deliver(ctx, &sum); err != nil {
		return sum, err
	}
	return sum, w.prune(ctx, &sum)
}

// Run asks each subscription when it is due and delivers what changed,
// until ctx is done; then it returns ctx's error. A store that fails is
// logged and tried again at the next look, so a database restart does not
// stop the watcher.
func (w *Watcher) Run(ctx context.Context) error {
	if w == nil || w.store == nil {
		return ErrNotConfigured
	}
	for {
		var sum Summary
		err := w.poll(ctx, time.Now().Add(-w.opts.Interval-w.opts.Interval/10), &sum)
		if err == nil {
			err = w.deliver(ctx, &sum)
		}
		if err == nil {
			err = w.prune(ctx, &sum)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			w.log.LogAttrs(ctx, slog.LevelError, "watch pass failed", slog.String("error", minaarenden.Redact(err.Error())))
		}
		if sum != (Summary{}) {
			w.log.LogAttrs(ctx, slog.LevelInfo, "watch pass", slog.Int("polled", sum.Polled), slog.Int("partial", sum.Partial),
				slog.Int("failed", sum.Failed), slog.Int("notified", sum.Notified), slog.Int("delivered", sum.Delivered),
				slog.Int("undelivered", sum.Undelivered), slog.Int("lease_lost", sum.LeaseLost), slog.Int("pruned", sum.Pruned))
		}
		t := time.NewTimer(w.opts.PollEvery)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// nextDue is when a subscription asked now is due again.
func (w *Watcher) nextDue(now time.Time) time.Time {
	iv := w.opts.Interval
	jitter := time.Duration((mathrand.Float64()*0.2 - 0.1) * float64(iv))
	return now.Add(iv + jitter)
}

// poll asks due subscriptions (with polledBefore, also those not asked
// since then) in batches of Concurrency until none is left.
func (w *Watcher) poll(ctx context.Context, polledBefore time.Time, sum *Summary) error {
	for {
		claims, err := w.store.Claim(ctx, ClaimOptions{Owner: w.opts.Owner, Now: time.Now(), Lease: w.opts.Lease,
			Limit: w.opts.Concurrency, PolledBefore: polledBefore})
		if err != nil {
			return fmt.Errorf("watch: claiming subscriptions: %w", err)
		}
		if len(claims) == 0 {
			return nil
		}
		results := make([]Summary, len(claims))
		errs := make([]error, len(claims))
		var wg sync.WaitGroup
		for i, c := range claims {
			wg.Go(func() { results[i], errs[i] = w.pollOne(ctx, c) })
		}
		wg.Wait()
		for i := range claims {
			sum.add(results[i])
		}
		if err := errors.Join(errs...); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// pollOne asks one claimed subscription, compares and commits. Its error is
// the store's; a lost lease is counted, not returned.
func (w *Watcher) pollOne(ctx context.Context, c Claim) (sum Summary, err error) {
	id := slog.String("subscription", c.Subscription.ID)
	// The question ends at half the lease, so what came back by then is
	// stored while the claim still holds; the producers cut off are
	// unheard, their cases kept.
	askCtx, cancel := context.WithTimeout(ctx, w.opts.Lease/2)
	res, err := w.askSafely(askCtx, c.Subscription.Fraga())
	cancel()
	now := time.Now()
	if ctx.Err() != nil {
		// Shutting down: not the subscription's failure. Give it back,
		// due at once, so the next replica (or start) need not wait for
		// the lease to run out.
		w.releaseOnShutdown(ctx, c, id, now)
		return sum, nil
	}
	if err == nil && !heardAny(res) {
		if err = res.Err(); err == nil {
			err = errors.New("no producer answered")
		}
	}
	if err != nil {
		sum.Failed++
		w.log.LogAttrs(ctx, slog.LevelWarn, "question failed", id, slog.String("error", minaarenden.Redact(err.Error())))
		return sum, w.settle(ctx, &sum, id, w.store.Release(ctx, c, w.nextDue(now)))
	}
	if !res.Complete() {
		sum.Partial++
	}
	answered := res.Answered()
	cases := flow.Place(w.cat, res.Events, &flow.Options{Expected: c.Subscription.Expected, Answered: answered})
	snap, notes := Compare(c.Subscription.ID, c.Snapshot, cases, &CompareOptions{Answered: answered, Catalog: w.cat, NotifyInitial: w.opts.NotifyInitial})
	if err := w.store.Commit(ctx, c, snap, notes, w.nextDue(now)); err != nil {
		return sum, w.settle(ctx, &sum, id, err)
	}
	sum.Polled++
	sum.Notified += len(notes)
	w.log.LogAttrs(ctx, slog.LevelDebug, "subscription polled", id, slog.Int("cases", len(snap.Cases)),
		slog.Int("notifications", len(notes)), slog.Int("answered", len(answered)))
	return sum, nil
}

// shutdownTimeout bounds what the watcher still writes once its context is
// done.
const shutdownTimeout = 5 * time.Second

// releaseOnShutdown releases a claim whose question the end of ctx cut
// off. Should the store not answer in time the lease simply runs out.
func (w *Watcher) releaseOnShutdown(ctx context.Context, c Claim, id slog.Attr, now time.Time) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	err := w.store.Release(rctx, c, now)
	w.log.LogAttrs(rctx, slog.LevelDebug, "question cut off by shutdown", id, slog.Bool("released", err == nil))
}

// settle counts a lost lease (another claim does the work; what this one
// found is found again there) and returns any other store error.
func (w *Watcher) settle(ctx context.Context, sum *Summary, id slog.Attr, err error) error {
	if errors.Is(err, ErrLeaseLost) {
		sum.LeaseLost++
		w.log.LogAttrs(ctx, slog.LevelWarn, "lease lost", id)
		return nil
	}
	if err != nil {
		return fmt.Errorf("watch: storing subscription %s: %w", id.Value, err)
	}
	return nil
}

// askSafely runs the question, turning a panicking Asker into a failed
// question: one subscription must not take the replica down.
func (w *Watcher) askSafely(ctx context.Context, f minaarenden.Fraga) (res *aggregate.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			w.log.LogAttrs(ctx, slog.LevelError, "asker panicked", slog.String("stack", string(debug.Stack())))
			res, err = nil, fmt.Errorf("watch: asker panicked: %v", p)
		}
	}()
	return w.ask.Run(ctx, f)
}

// heardAny reports whether any producer answered: a question nobody
// answered is no pass at all, not a snapshot of nothing.
func heardAny(res *aggregate.Result) bool {
	for _, o := range res.Outcomes {
		if o.Status == aggregate.StatusOK {
			return true
		}
	}
	return false
}

// deliver sends the outbox's due entries through the sink, Concurrency at
// a time, until none is due. Entries are not delivered in order: each
// notification carries its whole change.
func (w *Watcher) deliver(ctx context.Context, sum *Summary) error {
	for {
		entries, err := w.store.ClaimOutbox(ctx, ClaimOptions{Owner: w.opts.Owner, Now: time.Now(), Lease: w.opts.Lease, Limit: w.opts.Concurrency})
		if err != nil {
			return fmt.Errorf("watch: claiming notifications: %w", err)
		}
		if len(entries) == 0 {
			return nil
		}
		results := make([]Summary, len(entries))
		errs := make([]error, len(entries))
		var wg sync.WaitGroup
		for i, e := range entries {
			wg.Go(func() { results[i], errs[i] = w.deliverOne(ctx, e) })
		}
		wg.Wait()
		for i := range entries {
			sum.add(results[i])
		}
		if err := errors.Join(errs...); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// prune deletes the notifications delivered more than Retention ago, so
// the outbox does not grow for ever.
func (w *Watcher) prune(ctx context.Context, sum *Summary) error {
	n, err := w.store.Prune(ctx, time.Now().Add(-w.opts.Retention))
	if err != nil {
		return fmt.Errorf("watch: pruning delivered notifications: %w", err)
	}
	sum.Pruned += n
	return nil
}

// deliverOne delivers one entry and marks it delivered, or schedules a
// retry. Its error is the store's.
func (w *Watcher) deliverOne(ctx context.Context, e OutboxEntry) (sum Summary, err error) {
	attrs := []slog.Attr{slog.String("notification", e.ID), slog.String("subscription", e.Subscription)}
	// As a question, a delivery ends at half the lease, so its outcome
	// is stored while the claim holds.
	sendCtx, cancel := context.WithTimeout(ctx, w.opts.Lease/2)
	err = w.sendSafely(sendCtx, e)
	cancel()
	if err != nil && ctx.Err() != nil {
		// Shutting down: not the receiver's failure. The lease runs out
		// and the entry is claimed again, its attempts uncounted.
		w.log.LogAttrs(ctx, slog.LevelDebug, "delivery cut off by shutdown", attrs...)
		return sum, nil
	}
	if err != nil {
		sum.Undelivered++
		at := time.Now().Add(min(w.opts.RetryBackoff<<min(e.Attempts, 20), MaxRetryBackoff))
		w.log.LogAttrs(ctx, slog.LevelWarn, "delivery failed", append(attrs, slog.Int("attempt", e.Attempts+1),
			slog.Time("retry_at", at), slog.String("error", minaarenden.Redact(err.Error())))...)
		return sum, w.settleEntry(ctx, &sum, attrs, w.store.Retry(ctx, e, at))
	}
	sum.Delivered++
	w.log.LogAttrs(ctx, slog.LevelDebug, "notification delivered", attrs...)
	return sum, w.settleEntry(ctx, &sum, attrs, w.store.Delivered(ctx, e))
}

func (w *Watcher) settleEntry(ctx context.Context, sum *Summary, attrs []slog.Attr, err error) error {
	if errors.Is(err, ErrLeaseLost) {
		sum.LeaseLost++
		w.log.LogAttrs(ctx, slog.LevelWarn, "lease lost", attrs...)
		return nil
	}
	if err != nil {
		return fmt.Errorf("watch: storing the delivery of %s: %w", attrs[0].Value, err)
	}
	return nil
}

// sendSafely delivers through the sink, turning a panicking Sink into a
// failed delivery.
func (w *Watcher) sendSafely(ctx context.Context, e OutboxEntry) (err error) {
	defer func() {
		if p := recover(); p != nil {
			w.log.LogAttrs(ctx, slog.LevelError, "sink panicked", slog.String("notification", e.ID), slog.String("stack", string(debug.Stack())))
			err = fmt.Errorf("watch: sink panicked: %v", p)
		}
	}()
	return w.sink.Deliver(ctx, e)
}
