//go:build unix

package aggregate_test

import "syscall"

// cpuSeconds is the CPU the process has spent, user and system, as the
// kernel counts it. (runtime/metrics' /cpu/classes are a snapshot taken at
// each garbage collection, too coarse to tell apart two arms of one loop.)
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
