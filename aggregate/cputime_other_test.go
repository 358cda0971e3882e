//go:build !unix

package aggregate_test

import "runtime/metrics"

// cpuSeconds is the CPU the process has spent in Go code and the garbage
// collector, as the runtime last estimated it: a snapshot taken at each
// garbage collection, so only a long run's total means much.
func cpuSeconds() float64 {
	s := []metrics.Sample{{Name: "/cpu/classes/user:cpu-seconds"}, {Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(s)
	return s[0].Value.Float64() + s[1].Value.Float64()
}
