package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/flow"
)

// Subscription is one watched question: an id the caller chooses (never an
// identifier: it appears in notifications and logs) and what to ask.
type Subscription struct {
	ID        string
	Parter    []minaarenden.Part
	Anvandare minaarenden.Identifierare
	Expected  []flow.Expected
}

// LogValue is the subscription's id alone: slog's JSON handler would
// otherwise marshal the parter, and a store's error would quote them.
func (s Subscription) LogValue() slog.Value { return slog.StringValue(s.ID) }

// MaxIDLength bounds a subscription id, in bytes.
const MaxIDLength = 200

// ErrInvalidSubscription is wrapped by every error of Subscription.Validate.
var ErrInvalidSubscription = errors.New("watch: invalid subscription")

// Validate checks what a Store's Put requires: an id that is not empty, at
// most MaxIDLength bytes of printable UTF-8 and not identifier-like
// (minaarenden.Redact leaves it unchanged: it is logged and sent in every
// notification), and a question whose parter and anvandare are valid. The
// error quotes the id only when it passed those checks.
func (s Subscription) Validate() error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidSubscription, fmt.Sprintf(format, args...))
	}
	switch {
	case strings.TrimSpace(s.ID) == "":
		return fail("the id is empty")
	case len(s.ID) > MaxIDLength:
		return fail("the id is %d bytes, more than %d", len(s.ID), MaxIDLength)
	case !utf8.ValidString(s.ID):
		return fail("the id is not UTF-8")
	case minaarenden.Redact(s.ID) != s.ID:
		return fail("the id looks like a personal identity number (ids are logged and sent in notifications); choose one that is not")
	}
	for _, r := range s.ID {
		if !unicode.IsPrint(r) {
			return fail("the id has the unprintable character %U", r)
		}
	}
	if err := s.Fraga().Validate(); err != nil {
		return fmt.Errorf("%w %q: %w", ErrInvalidSubscription, s.ID, err)
	}
	return nil
}

// Fraga is the question a pass asks for the subscription.
func (s Subscription) Fraga() minaarenden.Fraga {
	return minaarenden.Fraga{Parter: s.Parter, Anvandare: s.Anvandare}
}

// CaseKey names one case across passes: cases match by type, producer and
// reference.
type CaseKey struct {
	Typ       string
	Producent string
	Referens  string
}

// Case is what a snapshot remembers of one case: no event texts, only what
// the comparison needs.
type Case struct {
	Key    CaseKey
	Status flow.Status
	Bollen flow.Bollen
	// Steg is the current step, "" when the case has none (finished with
	// no current step, or never started).
	Steg minaarenden.Kundhandelsetyp
	// Kundhandelser are the ids of the case's events, sorted.
	Kundhandelser []string
}

// Snapshot is what a subscription's last pass saw, its cases sorted by key.
// It holds cases with events only: the not-started placeholder of an
// expected case is never stored. When several cases share a key (cases of
// one type and producer without a reference, one opened after the other
// finished), the latest stands for the key.
type Snapshot struct {
	Cases []Case
	// Heard are the producers, sorted, that have answered since the
	// subscription's first pass. A producer's first answer is its
	// baseline: a producer down at the first pass, or added later, does
	// not report its existing cases as new.
	Heard []string
}

// Claim is a leased subscription: until Until no other claim takes it. The
// lease is identified by Owner and Until together: a later claim of the same
// subscription, by any owner, ends it.
type Claim struct {
	Subscription Subscription
	// Snapshot is the stored snapshot; nil before the first pass, which is
	// a baseline.
	Snapshot *Snapshot
	Owner    string
	Until    time.Time
}

// OutboxEntry is one notification waiting to be delivered.
type OutboxEntry struct {
	// ID is the notification's id, stable across repeats of the same
	// change (the webhook-id a receiver deduplicates on).
	ID           string
	Subscription string
	Body         []byte // the notification's JSON
	Attempts     int    // deliveries tried before this claim
	Owner        string
	Until        time.Time
}

// ClaimOptions say what a Claim or ClaimOutbox call may take. Only what is
// not leased, or whose lease ended by Now (Until <= Now), is taken. Owner,
// Now and a positive Lease are required.
type ClaimOptions struct {
	Owner string        // this replica's name, stored with the lease
	Now   time.Time     // due on or before Now; the store's only clock
	Lease time.Duration // the claim holds until Now+Lease
	Limit int           // at most this many; zero or less means 1
	// PolledBefore, when not zero, also makes due every subscription last
	// claimed before it (or never), whatever its due time: a -once pass
	// takes every subscription exactly once. Claim records Now as the
	// subscription's claim time. ClaimOutbox ignores it.
	PolledBefore time.Time
}

// Validate refuses options without which a lease means nothing: no owner,
// no lease, no time. Every Store's Claim and ClaimOutbox call it.
func (o ClaimOptions) Validate() error {
	switch {
	case o.Owner == "":
		return errors.New("watch: ClaimOptions.Owner is empty")
	case o.Lease <= 0:
		return fmt.Errorf("watch: ClaimOptions.Lease %v is not positive", o.Lease)
	case o.Now.IsZero():
		return errors.New("watch: ClaimOptions.Now is not set")
	}
	return nil
}

// ErrLeaseLost is returned by Commit, Release, Delivered and Retry when the
// claim is no longer held: its lease ended and another claim took the
// subscription or entry, or the subscription was removed. A lease that
// ended but was not taken is still held. Nothing was written.
var ErrLeaseLost = errors.New("watch: lease lost")

// Store keeps subscriptions, their snapshots and the outbox. Implementations
// are safe for concurrent use; on a shared database several replicas use one
// Store each, and the leases keep them from doing the same work twice.
type Store interface {
	// Put inserts subscriptions or replaces their question, keeping a
	// replaced one's snapshot; a new one is due at once. A subscription
	// that fails Validate is refused, and then none is written.
	Put(ctx context.Context, subs ...Subscription) error
	// Remove deletes a subscription and its snapshot; its pending outbox
	// entries are still delivered. Removing an unknown id is not an error.
	Remove(ctx context.Context, id string) error
	// SubscriptionIDs returns the id of every stored subscription, sorted
	// byte-wise.
	SubscriptionIDs(ctx context.Context) ([]string, error)
	// Claim leases due subscriptions, earliest due first.
	Claim(ctx context.Context, opts ClaimOptions) ([]Claim, error)
	// Commit stores snap as the claim's snapshot, appends notes to the
	// outbox, makes the subscription due at next and ends the lease — all
	// in one transaction, or nothing. A note whose ID is already in the
	// outbox (delivered or not) is not appended again: the same change
	// seen twice is one notification.
	Commit(ctx context.Context, c Claim, snap Snapshot, notes []Notification, next time.Time) error
	// Release ends the lease without a new snapshot (the pass could not
	// ask), due again at next.
	Release(ctx context.Context, c Claim, next time.Time) error
	// ClaimOutbox leases undelivered entries due for delivery, oldest
	// first. A new entry is due at once.
	ClaimOutbox(ctx context.Context, opts ClaimOptions) ([]OutboxEntry, error)
	// Delivered marks an entry delivered; it is not claimed again.
	Delivered(ctx context.Context, e OutboxEntry) error
	// Retry ends the lease of an entry whose delivery failed and makes it
	// due again at at, counting the attempt.
	Retry(ctx context.Context, e OutboxEntry, at time.Time) error
	// Prune deletes the entries delivered before before (by the store's
	// clock at Delivered) and returns how many. Undelivered entries stay.
	// A pruned entry's id no longer keeps Commit from appending it again:
	// the same change seen after its notification was pruned is notified
	// again.
	Prune(ctx context.Context, before time.Time) (int, error)
}
