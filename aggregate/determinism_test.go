package aggregate_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate"
)

// TestDeterministicMerge shuffles every source's latency, the order of its
// events and the pool size, and expects byte-identical merged output. The
// events are built to tie: equal instants across producers, the same
// instant in two zones, ids that tie on instant and producent, and the same
// event for two parter.
func TestDeterministicMerge(t *testing.T) {
	base := func() [][]minaarenden.Kundhandelse {
		var all [][]minaarenden.Kundhandelse
		for s := range 8 {
			name, prefix := producerName(s)
			var evs []minaarenden.Kundhandelse
			for j := range 12 {
				typ := minaarenden.Kundhandelsetyp(prefix + ".ARENDE.STEG")
				e := ev(name, fmt.Sprintf("%s-%02d", prefix, j%7), typ, j%3) // ids repeat: duplicates
				switch j % 4 {
				case 0:
					e.Part = pia
				case 1:
					e.Part = person
				case 2:
					e.Tidpunkt = e.Tidpunkt.In(time.FixedZone("CEST", 2*3600)) // same instant, other text
					e.Part = pia
				}
				if j >= 7 {
					e.Rubrik = "second copy" // a differing copy of an earlier id
				}
				evs = append(evs, e)
			}
			all = append(all, evs)
		}
		return all
	}
	var want []byte
	for seed := range 25 {
		rng := rand.New(rand.NewPCG(uint64(seed), 7))
		synctest.Test(t, func(t *testing.T) {
			var sources []aggregate.Source
			for s, evs := range base() {
				name, prefix := producerName(s)
				rng.Shuffle(len(evs), func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })
				sources = append(sources, &fake{
					name: name, prefixes: typs{minaarenden.Kundhandelsetyp(prefix)}, events: evs,
					delays: []time.Duration{time.Duration(rng.IntN(1000)) * time.Millisecond, time.Duration(rng.IntN(1000)) * time.Millisecond},
				})
			}
			rng.Shuffle(len(sources), func(i, j int) { sources[i], sources[j] = sources[j], sources[i] })
			a := mustNew(t, sources, &aggregate.Options{Concurrency: 1 + rng.IntN(16)})
			res := mustRun(t, a, context.Background(), minaarenda(pia, person))
			got := render(t, res)
			if want == nil {
				want = got
				if len(res.Events) != 8*7 {
					t.Fatalf("%d events, want 56 (7 distinct ids per producer)", len(res.Events))
				}
				return
			}
			if !bytes.Equal(want, got) {
				t.Fatalf("seed %d: merged output differs:\n%s\nwant:\n%s", seed, got, want)
			}
		})
	}
}
