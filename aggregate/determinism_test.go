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

// FuzzMergeOrder builds events from the input (few producers, ids and
// instants, so ties and duplicates are common), answers them in two
// different orders across sources, and expects the same merged bytes.
func FuzzMergeOrder(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, uint64(1))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0}, uint64(2))
	f.Add([]byte("the same event twice, twice"), uint64(3))
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		if len(data) > 400 {
			return
		}
		var evs []minaarenden.Kundhandelse
		for i := 0; i+1 < len(data); i += 2 {
			a, b := data[i], data[i+1]
			name, prefix := producerName(int(a % 3))
			e := ev(name, fmt.Sprintf("id%d", b%5), minaarenden.Kundhandelsetyp(prefix+".X.Y"), int(a/3%4))
			if b&0x80 != 0 {
				e.Tidpunkt = e.Tidpunkt.In(time.FixedZone("", 3600))
			}
			if b&0x40 != 0 {
				e.Rubrik = "other copy"
			}
			if b&0x20 != 0 {
				e.Part = pia
			} else {
				e.Part = person
			}
			evs = append(evs, e)
		}
		run := func(order []int) []byte {
			// Sources split the events round-robin in the given order.
			var srcs [3][]minaarenden.Kundhandelse
			for k, i := range order {
				srcs[k%3] = append(srcs[k%3], evs[i])
			}
			var sources []aggregate.Source
			for s := range 3 {
				// Every source may emit every producer's prefix here.
				sources = append(sources, &fake{name: fmt.Sprint("S", s), prefixes: typs{"PRODA", "PRODB", "PRODC"}, events: srcs[s]})
			}
			a := mustNew(t, sources, nil)
			return render(t, mustRun(t, a, context.Background(), minaarenda(pia, person)))
		}
		order := make([]int, len(evs))
		for i := range order {
			order[i] = i
		}
		want := run(order)
		rand.New(rand.NewPCG(seed, 9)).Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		if got := run(order); !bytes.Equal(want, got) {
			t.Fatalf("merge depends on arrival order:\n%s\nvs\n%s", want, got)
		}
	})
}
