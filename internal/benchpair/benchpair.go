// Package benchpair runs the SDK and a hand-written baseline alternately in
// one benchmark loop, so that a busy machine slows both alike, and reports
// what the repository's paired benchmarks report: the ratio of their
// median times and each one's allocations. Test support only.
package benchpair

import (
	"runtime"
	"slices"
	"testing"
	"time"
)

// Arm is what one side of the pair cost over the loop.
type Arm struct {
	Times   []time.Duration // one per run
	Mallocs uint64          // heap allocations, all runs
	Bytes   uint64          // bytes allocated, all runs
}

// Median is the median run's time.
func (a Arm) Median() time.Duration {
	s := slices.Clone(a.Times)
	slices.Sort(s)
	return s[len(s)/2]
}

// PerRun is x, a total over the loop, per run.
func (a Arm) PerRun(x uint64) float64 { return float64(x) / float64(len(a.Times)) }

// Pair is what both sides cost.
type Pair struct{ SDK, Base Arm }

// Ratio is sdk/base: the SDK's median time over the baseline's.
func (p Pair) Ratio() float64 { return float64(p.SDK.Median()) / float64(p.Base.Median()) }

// Run runs sdk and then base once per iteration of b.Loop, timing each and
// counting its allocations (read between the timings, not within them).
func Run(b *testing.B, sdk, base func()) Pair {
	var p Pair
	var m0, m1, m2 runtime.MemStats
	for b.Loop() {
		runtime.ReadMemStats(&m0)
		start := time.Now()
		sdk()
		mid := time.Now()
		runtime.ReadMemStats(&m1)
		base()
		end := time.Now()
		runtime.ReadMemStats(&m2)
		p.SDK.add(mid.Sub(start), &m0, &m1)
		p.Base.add(end.Sub(mid), &m1, &m2)
	}
	return p
}

func (a *Arm) add(d time.Duration, before, after *runtime.MemStats) {
	a.Times = append(a.Times, d)
	a.Mallocs += after.Mallocs - before.Mallocs
	a.Bytes += after.TotalAlloc - before.TotalAlloc
}

// ReportPerEvent reports sdk/base, and each side's allocations per event
// and bytes allocated per byte of JSON, for an answer of events events and
// jsonBytes bytes.
func (p Pair) ReportPerEvent(b *testing.B, events, jsonBytes int) {
	b.ReportMetric(p.Ratio(), "sdk/base")
	for _, side := range []struct {
		name string
		arm  Arm
	}{{"sdk", p.SDK}, {"base", p.Base}} {
		b.ReportMetric(side.arm.PerRun(side.arm.Mallocs)/float64(events), side.name+"-allocs/event")
		b.ReportMetric(side.arm.PerRun(side.arm.Bytes)/float64(jsonBytes), side.name+"-alloc/json")
	}
}
