package watch

import (
	"cmp"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"slices"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/catalog"
	"github.com/aterkoppling/minaarenden/flow"
)

// CompareOptions are Compare's inputs beyond the cases; nil means none.
type CompareOptions struct {
	// Answered are the producers heard this pass for every part asked
	// (aggregate.Result.Answered). Any other producer's cases keep their
	// stored state.
	Answered []string
	// Catalog names the cases' types (Notification.Namn); nil leaves Namn
	// empty.
	Catalog *catalog.Catalog
	// NotifyInitial makes a producer's first answer report its cases as
	// new_case; without it that answer is a silent baseline.
	NotifyInitial bool
}

// Compare sets the cases of one subscription placed now against its last
// snapshot prev (nil before the first pass) and returns the
// snapshot to store and the notifications to send, both sorted by case
// key. It is pure: the same input gives the same output whatever order the
// cases come in.
//
// The rules:
//
//   - new_case: a key prev lacks, for a case with events.
//   - updated: a known key whose status, bollen, current step or set of
//     kundhandelseIds changed.
//   - A case whose producer was not heard keeps its state in prev,
//     unchanged, and yields nothing, even when some of its events came
//     back; a producer that flaps (answers, fails, answers) therefore
//     never causes a notification.
//   - A case without events (the ej_paborjad or okand placeholder of an
//     expected type) is never stored and yields nothing, appearing or
//     going.
//   - A producer's first answer is its baseline (Snapshot.Heard): its
//     cases yield nothing then, whether it answered at the subscription's
//     first pass or later (down then, or added since).
//   - A stored case its heard producer no longer reports is dropped,
//     silently: there is no change kind for it. Should it come back as it
//     was, its new_case carries the id it had, and the outbox (or the
//     receiver) drops the repeat.
//   - Cases of one type and producer without a reference, one opened after
//     the other finished, share a key: the latest stands for it, so the
//     reopening is an update of the finished case.
func Compare(subscription string, prev *Snapshot, now []*flow.Instance, opts *CompareOptions) (Snapshot, []Notification) {
	if opts == nil {
		opts = &CompareOptions{}
	}
	answered := slices.Sorted(slices.Values(opts.Answered))
	heard := func(p string) bool { _, ok := slices.BinarySearch(answered, p); return ok }
	if prev == nil {
		prev = &Snapshot{}
	}
	current := make(map[CaseKey]*flow.Instance, len(now))
	for _, in := range now {
		if len(in.Events) == 0 || !heard(in.Producent) {
			continue
		}
		key := CaseKey{Typ: in.Typ, Producent: in.Producent, Referens: in.Referens}
		if old, ok := current[key]; ok && !later(in, old) {
			continue
		}
		current[key] = in
	}

	stored := make(map[CaseKey]Case, len(prev.Cases))
	next := Snapshot{Cases: make([]Case, 0, len(current)+len(prev.Cases))}
	for _, c := range prev.Cases {
		stored[c.Key] = c
		if !heard(c.Key.Producent) {
			next.Cases = append(next.Cases, c) // last known state, carried
		}
	}
	next.Heard = slices.Compact(slices.Sorted(slices.Values(slices.Concat(prev.Heard, answered))))

	var notes []Notification
	for key, in := range current {
		c := caseOf(key, in)
		next.Cases = append(next.Cases, c)
		if !slices.Contains(prev.Heard, key.Producent) && !opts.NotifyInitial {
			continue // the producer's first answer: its baseline
		}
		old, known := stored[key]
		if known && sameState(old, c) {
			continue
		}
		var before *Case
		if known {
			before = &old
		}
		notes = append(notes, notification(subscription, before, c, in, opts.Catalog))
	}
	slices.SortFunc(next.Cases, func(a, b Case) int { return compareKeys(a.Key, b.Key) })
	slices.SortFunc(notes, func(a, b Notification) int {
		return compareKeys(CaseKey{a.Typ, a.Producent, a.Referens}, CaseKey{b.Typ, b.Producent, b.Referens})
	})
	return next, notes
}

// later reports whether a opened after b: the latest of the cases sharing a
// key stands for it. Ties go to the first event's id, so the choice does
// not depend on the order of the input.
func later(a, b *flow.Instance) bool {
	ea, eb := a.Events[0], b.Events[0]
	if c := ea.Tidpunkt.Compare(eb.Tidpunkt); c != 0 {
		return c > 0
	}
	return ea.KundhandelseID > eb.KundhandelseID
}

func compareKeys(a, b CaseKey) int {
	return cmp.Or(cmp.Compare(a.Typ, b.Typ), cmp.Compare(a.Producent, b.Producent), cmp.Compare(a.Referens, b.Referens))
}

// caseOf is what a snapshot keeps of an instance.
func caseOf(key CaseKey, in *flow.Instance) Case {
	c := Case{Key: key, Status: in.Status, Bollen: in.Bollen, Kundhandelser: make([]string, 0, len(in.Events))}
	for _, s := range in.Steg {
		if s.State == flow.StegCurrent {
			c.Steg = s.Typ
			break
		}
	}
	for i := range in.Events {
		c.Kundhandelser = append(c.Kundhandelser, in.Events[i].KundhandelseID)
	}
	slices.Sort(c.Kundhandelser)
	c.Kundhandelser = slices.Compact(c.Kundhandelser)
	return c
}

func sameState(a, b Case) bool {
	return a.Status == b.Status && a.Bollen == b.Bollen && a.Steg == b.Steg && slices.Equal(a.Kundhandelser, b.Kundhandelser)
}

// notification describes the change from before (nil for a new case) to
// c, whose events are in's.
func notification(subscription string, before *Case, c Case, in *flow.Instance, cat *catalog.Catalog) Notification {
	n := Notification{
		Subscription: subscription, Change: NewCase,
		Typ: c.Key.Typ, Producent: c.Key.Producent, Referens: c.Key.Referens,
		Status: FromTo[string]{To: string(c.Status)},
		Bollen: FromTo[string]{To: string(c.Bollen)},
		Steg:   FromTo[string]{To: string(c.Steg)},
	}
	var had []string
	if before != nil {
		n.Change = Updated
		n.Status.From = ptr(string(before.Status))
		n.Bollen.From = ptr(string(before.Bollen))
		n.Steg.From = ptr(string(before.Steg))
		had = before.Kundhandelser
	}
	if cat != nil {
		if t, ok := cat.Type(c.Key.Typ); ok {
			n.Namn = t.Namn
		}
	}
	// in.Events are in instant order: the last new one is the latest.
	n.Kundhandelser = []string{}
	var latest *minaarenden.Kundhandelse
	for _, e := range in.Events {
		if _, found := slices.BinarySearch(had, e.KundhandelseID); found || slices.Contains(n.Kundhandelser, e.KundhandelseID) {
			continue
		}
		n.Kundhandelser = append(n.Kundhandelser, e.KundhandelseID)
		latest = e
	}
	if latest != nil {
		n.Rubrik, n.Tidpunkt = latest.Rubrik, latest.Tidpunkt.UTC()
	}
	n.ID = notificationID(n)
	return n
}

func ptr[T any](v T) *T { return &v }

// idEncoding writes notification ids: lower case, no padding, safe in a
// header, a URL path and a file name.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// notificationID derives the id from the change itself — subscription,
// change, case key, new state, new event ids — so the same change seen
// again (a pass repeated after a crash) carries the same id and a
// receiver can drop the repeat. Each field is length-prefixed, so no two
// changes hash the same input.
func notificationID(n Notification) string {
	h := sha256.New()
	write := func(s string) {
		h.Write(binary.AppendUvarint(nil, uint64(len(s))))
		h.Write([]byte(s))
	}
	for _, s := range []string{n.Subscription, string(n.Change), n.Typ, n.Producent, n.Referens, n.Status.To, n.Bollen.To, n.Steg.To} {
		write(s)
	}
	ids := slices.Sorted(slices.Values(n.Kundhandelser))
	h.Write(binary.AppendUvarint(nil, uint64(len(ids))))
	for _, id := range ids {
		write(id)
	}
	return idEncoding.EncodeToString(h.Sum(nil))
}
