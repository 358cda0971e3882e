package aggregate_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"testing"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate"
	"github.com/aterkoppling/minaarenden/catalog/sample"
	"github.com/aterkoppling/minaarenden/client"
	"github.com/aterkoppling/minaarenden/flow"
)

// The environment of TestPeakRSS: the number of events (default a
// million), a directory for heap profiles of each phase (off by default;
// taking them collects garbage, which changes the peak), and, set by the
// test itself, the child mode.
const (
	rssEventsEnv  = "MINAARENDEN_RSS_EVENTS"
	rssProfileEnv = "MINAARENDEN_RSS_PROFILE"
	rssChildEnv   = "MINAARENDEN_RSS_CHILD"
)

// maxPeakPerJSON is the most resident memory a program may reach, as a
// multiple of the answer's JSON, to take in one answer, merge it and
// place its events.
const maxPeakPerJSON = 2.5

// One answer of a million events (about 700 MB of JSON, the shape of
// BenchmarkPipeline's) is read, merged and placed with a peak resident
// size of at most maxPeakPerJSON times the JSON. The work runs in a child
// process of its own, so that nothing this process did counts, with the
// runtime's defaults, as a user's program runs; GOGC or GOMEMLIMIT set in
// the environment reach it, to see what they change. The figures after
// each phase are logged:
//
//	MINAARENDEN_RSS_EVENTS=200000 go test ./aggregate -run '^TestPeakRSS$' -v
func TestPeakRSS(t *testing.T) {
	if os.Getenv(rssChildEnv) == "1" {
		peakRSSChild(t)
		return
	}
	switch {
	case testing.Short():
		t.Skip("takes in a very large answer; not with -short")
	case raceEnabled:
		t.Skip("the race detector's memory would be measured; not with -race")
	case runtime.GOOS != "linux":
		t.Skip("reads the peak from /proc/self/status (Linux only)")
	}
	args := []string{"-test.run=^TestPeakRSS$"}
	if d, ok := t.Deadline(); ok {
		args = append(args, "-test.timeout="+time.Until(d).String())
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], args...)
	cmd.Env = append(os.Environ(), rssChildEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	for _, line := range bytes.Split(out, []byte("\n")) {
		if bytes.HasPrefix(line, []byte("rss: ")) && !bytes.HasPrefix(line, []byte("rss: json")) {
			t.Logf("%s", line)
		}
	}
	m := regexp.MustCompile(`(?m)^rss: json (\d+) bytes, peak (\d+) bytes$`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("child printed no figures:\n%s", out)
	}
	size, _ := strconv.ParseFloat(string(m[1]), 64)
	peak, _ := strconv.ParseFloat(string(m[2]), 64)
	ratio := peak / size
	t.Logf("peak RSS %.0f MiB for %.0f MiB of JSON = %.2f×", peak/(1<<20), size/(1<<20), ratio)
	if ratio > maxPeakPerJSON {
		t.Errorf("peak RSS is %.2f× the JSON, want at most %.1f×", ratio, maxPeakPerJSON)
	}
}

// peakRSSChild takes in the answer, generated as it is read, through the
// SDK's client, aggregate and flow, and prints the figures after each
// phase: the peak so far tells where it happens, the heap's figures what
// is live then.
func peakRSSChild(t *testing.T) {
	n := 1_000_000
	if s := os.Getenv(rssEventsEnv); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			t.Fatalf("%s=%q: want a number of events", rssEventsEnv, s)
		}
	}
	size := (&pipelineAnswer{n: n}).size()
	cat, err := sample.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	phase := func(name string) int64 {
		peak, resident := residentBytes(t)
		ms := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/goal:bytes"}}
		metrics.Read(ms)
		fmt.Printf("rss: %-9s at %5.1fs: peak %5d MiB, resident %5d MiB; heap objects %5d MiB, live at the last GC %5d MiB, goal %5d MiB\n",
			name, time.Since(start).Seconds(), peak>>20, resident>>20, ms[1].Value.Uint64()>>20, ms[0].Value.Uint64()>>20, ms[2].Value.Uint64()>>20)
		if dir := os.Getenv(rssProfileEnv); dir != "" {
			writeHeapProfile(t, filepath.Join(dir, name+".pprof"))
		}
		return peak
	}
	phase("start")

	c, err := client.New("https://skv.invalid/minaarenden/v6", &client.Options{
		Name: "Skatteverket", Prefixes: []minaarenden.Kundhandelsetyp{"SKV"},
		Transport: bodyTransport{size, func() io.Reader {
			return io.MultiReader(&pipelineAnswer{n: n}, atEOF(func() { phase("read") }))
		}},
		Retry: client.NoRetry, MaxResponseBytes: size, MaxEventsPerPart: n,
	})
	if err != nil {
		t.Fatal(err)
	}
	// The source is done when its answer is decoded, before the merge.
	decoded := aggregate.ObserverFuncs{Done: func(context.Context, aggregate.Attempt) { phase("decoded") }}
	agg := mustNew(t, []aggregate.Source{c}, &aggregate.Options{SourceTimeout: -1, Observer: decoded})
	res := mustRun(t, agg, t.Context(), minaarenda(person))
	phase("run")
	if len(res.Events) != n || !res.Complete() {
		t.Fatalf("%d events of %d, complete %v: %v", len(res.Events), n, res.Complete(), res.Err())
	}
	cases := flow.Place(cat, res.Events, &flow.Options{Answered: res.Answered()})
	peak := phase("placed")
	if want := (n + 9) / 10; len(cases) != want {
		t.Fatalf("%d cases, want %d", len(cases), want)
	}
	fmt.Printf("rss: json %d bytes, peak %d bytes\n", size, peak)
	runtime.KeepAlive(res)
	runtime.KeepAlive(cases)
}

// atEOF is a reader of nothing that calls itself when read: put last in
// an io.MultiReader, it runs as the reader before it ends.
type atEOF func()

func (f atEOF) Read([]byte) (int, error) {
	f()
	return 0, io.EOF
}

// residentBytes returns the process's peak and current resident sizes.
func residentBytes(t *testing.T) (peak, resident int64) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		var kB int64
		if _, err := fmt.Sscanf(s.Text(), "VmHWM: %d kB", &kB); err == nil {
			peak = kB << 10
		} else if _, err := fmt.Sscanf(s.Text(), "VmRSS: %d kB", &kB); err == nil {
			resident = kB << 10
		}
	}
	if peak == 0 || resident == 0 {
		t.Fatal("no VmHWM or VmRSS in /proc/self/status")
	}
	return peak, resident
}

// writeHeapProfile writes what is live now, by where it was allocated.
func writeHeapProfile(t *testing.T, path string) {
	runtime.GC()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		t.Fatal(err)
	}
}
