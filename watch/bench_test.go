package watch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/aterkoppling/minaarenden/flow"
)

// BenchmarkCompare sets Pia's cases (four expected, three with events, one
// moved on) against the last snapshot: the comparison's share of a pass.
// The baseline is what a caller writes by hand without package watch:
// keep the cases' JSON and compare the bytes, which says only that
// something changed, not what.
func BenchmarkCompare(b *testing.B) {
	cat := sampleCatalog(b)
	before := flow.Place(cat, join(prv(b, 2), skv(b)), &flow.Options{Expected: piaExpect, Answered: producers})
	after := flow.Place(cat, join(prv(b, 3), skv(b)), &flow.Options{Expected: piaExpect, Answered: producers})
	opts := &CompareOptions{Answered: producers, Catalog: cat}
	prev, _ := Compare("sub-1", nil, before, opts)
	prevJSON, _ := json.Marshal(before)

	b.Run("watch", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, notes := Compare("sub-1", &prev, after, opts); len(notes) != 1 {
				b.Fatal(len(notes))
			}
		}
	})
	b.Run("json-bytes", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			now, err := json.Marshal(after)
			if err != nil || bytes.Equal(now, prevJSON) {
				b.Fatal("no change seen")
			}
		}
	})
}

// BenchmarkRunOnce is a -once pass over subscriptions on the memory store
// with an in-process asker: the watcher's own cost per subscription
// (claim, place, compare, commit, deliver), without network or database.
func BenchmarkRunOnce(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("subscriptions=%d", n), func(b *testing.B) {
			store := NewMemoryStore()
			subs := make([]Subscription, n)
			for i := range subs {
				subs[i] = testSubscription(fmt.Sprintf("sub-%d", i))
			}
			if err := store.Put(context.Background(), subs...); err != nil {
				b.Fatal(err)
			}
			w, err := New(store, newFakeAsker(join(prv(b, 2), skv(b))...), sampleCatalog(b), &recordingSink{}, &Options{Concurrency: 16})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				sum, err := w.RunOnce(context.Background())
				if err != nil || sum.Polled != n {
					b.Fatalf("%+v, %v", sum, err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "subscriptions/s")
		})
	}
}
