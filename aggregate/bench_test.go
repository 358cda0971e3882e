package aggregate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate"
	"github.com/aterkoppling/minaarenden/client"
	"github.com/aterkoppling/minaarenden/client/clienttest"
)

// The benchmarks run real HTTP over loopback (no synctest: they measure
// the wall clock), against clienttest producers behind a latency wrapper.

// latencyFunc returns how long one request to producer i waits; negative
// means it stalls until the request is cancelled.
type latencyFunc func(i int) time.Duration

// captured is a request as the SDK sent it, replayed by the baseline.
type captured struct {
	header http.Header
	body   []byte
}

type benchFleet struct {
	urls    []string // each producer's operation URL
	sources []aggregate.Source
	last    atomic.Pointer[captured]
	dials   atomic.Int64
	tr      *http.Transport
}

// newFleet starts n producers of 10 events each for person, behind
// latency. Its clients share a clone of aggregate.Transport whose dials
// are counted.
func newFleet(b *testing.B, n int, latency latencyFunc) *benchFleet {
	b.Helper()
	fl := &benchFleet{}
	fl.tr = aggregate.Transport().Clone()
	var d net.Dialer
	fl.tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		fl.dials.Add(1)
		return d.DialContext(ctx, network, addr)
	}
	b.Cleanup(fl.tr.CloseIdleConnections)
	for i := range n {
		name := fmt.Sprintf("Producent %03d", i)
		prefix := "PROD" + string(rune('A'+i/26%26)) + string(rune('A'+i%26))
		var evs []minaarenden.Kundhandelse
		for j := range 10 {
			e := ev(name, fmt.Sprintf("%s-%d", prefix, j), minaarenden.Kundhandelsetyp(prefix+".ARENDE.STEG"), j)
			e.Beskrivning = "Vi har tagit emot din ansökan och handlägger den i turordning."
			e.Part = person
			evs = append(evs, e)
		}
		h, err := clienttest.NewHandler(clienttest.Config{Producent: name, Events: evs, RecordLimit: -1})
		if err != nil {
			b.Fatal(err)
		}
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if fl.last.Load() == nil {
				fl.last.Store(&captured{header: r.Header.Clone(), body: body})
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			if d := latency(i); d < 0 {
				<-r.Context().Done()
				return
			} else if d > 0 {
				t := time.NewTimer(d)
				select {
				case <-t.C:
				case <-r.Context().Done():
					t.Stop()
					return
				}
			}
			h.ServeHTTP(w, r)
		}))
		ts.Config.ErrorLog = nil
		b.Cleanup(ts.Close)
		c, err := client.New(ts.URL+clienttest.DefaultBasePath, &client.Options{
			Name: name, Prefixes: []minaarenden.Kundhandelsetyp{minaarenden.Kundhandelsetyp(prefix)},
			Transport: fl.tr, Retry: client.NoRetry,
		})
		if err != nil {
			b.Fatal(err)
		}
		fl.urls = append(fl.urls, ts.URL+clienttest.DefaultBasePath+"/kundhandelser")
		fl.sources = append(fl.sources, c)
	}
	return fl
}

// baseline is the hand-written fan-out a careful engineer would write
// without the SDK: net/http, an errgroup, decode into a plain struct,
// collect. It replays the SDK's request so both do the same work on the
// wire.
func (fl *benchFleet) baseline(ctx context.Context, hc *http.Client) (int, error) {
	req := fl.last.Load()
	results := make([][]plainEvent, len(fl.urls))
	var g errgroup.Group
	g.SetLimit(aggregate.DefaultConcurrency)
	for i, u := range fl.urls {
		g.Go(func() error {
			r, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(req.body))
			if err != nil {
				return err
			}
			r.Header = req.header.Clone()
			resp, err := hc.Do(r)
			if err != nil {
				return nil
			}
			defer resp.Body.Close()
			var body plainAnswer
			if resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&body) == nil {
				results[i] = body.Kundhandelser
			}
			return nil
		})
	}
	err := g.Wait()
	n := 0
	for _, r := range results {
		n += len(r)
	}
	return n, err
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkFanOut asks 100 producers × 10 events at 50 ms latency, with the
// SDK and with the hand-written baseline in the same loop, and reports the
// wall time above the 50 ms every answer costs, and the SDK/baseline ratio.
// A third arm fans the same clients out with a bare errgroup, separating
// what package aggregate costs from what package client does. It also
// counts dials per request once the pool is warm, and the CPU per
// producer request of the SDK and of the baseline.
func BenchmarkFanOut(b *testing.B) {
	const latency = 50 * time.Millisecond
	fl := newFleet(b, 100, func(int) time.Duration { return latency })
	agg := mustNew(b, fl.sources, &aggregate.Options{SourceTimeout: 5 * time.Second})
	hc := &http.Client{Transport: fl.tr}
	f := minaarenda(person)
	ctx := context.Background()
	// Warm the pool and capture the request the baseline replays.
	if res := mustRun(b, agg, ctx, f); len(res.Events) != 1000 || !res.Complete() {
		b.Fatalf("warm-up: %d events, complete %v: %v", len(res.Events), res.Complete(), res.Err())
	}
	if n, _ := fl.baseline(ctx, hc); n != 1000 {
		b.Fatalf("baseline warm-up: %d events", n)
	}
	// clientOnly is the same clients fanned out by a bare errgroup: the
	// difference to sdk is what package aggregate itself costs.
	clientOnly := func() int {
		answers := make([]*client.Answer, len(fl.sources))
		var g errgroup.Group
		for i, s := range fl.sources {
			g.Go(func() error {
				answers[i], _ = s.Query(ctx, f)
				return nil
			})
		}
		g.Wait()
		n := 0
		for _, a := range answers {
			n += len(a.Events)
		}
		return n
	}
	clientOnly()
	dials0 := fl.dials.Load()
	var sdk, base, cli []time.Duration
	var sdkCPU, baseCPU float64
	for b.Loop() {
		start, cpu := time.Now(), cpuSeconds()
		res := mustRun(b, agg, ctx, f)
		sdk = append(sdk, time.Since(start))
		sdkCPU += cpuSeconds() - cpu
		if len(res.Events) != 1000 {
			b.Fatalf("%d events, want 1000: %v", len(res.Events), res.Err())
		}
		start, cpu = time.Now(), cpuSeconds()
		if n, _ := fl.baseline(ctx, hc); n != 1000 {
			b.Fatalf("baseline: %d events", n)
		}
		base = append(base, time.Since(start))
		baseCPU += cpuSeconds() - cpu
		start = time.Now()
		if n := clientOnly(); n != 1000 {
			b.Fatalf("client only: %d events", n)
		}
		cli = append(cli, time.Since(start))
	}
	b.ReportMetric(ms(percentile(sdk, .5)-latency), "sdk-over-p50-ms")
	b.ReportMetric(ms(percentile(sdk, .9)-latency), "sdk-over-p90-ms")
	b.ReportMetric(ms(percentile(base, .5)-latency), "base-over-p50-ms")
	b.ReportMetric(ms(percentile(base, .9)-latency), "base-over-p90-ms")
	b.ReportMetric(float64(percentile(sdk, .5))/float64(percentile(base, .5)), "sdk/base")
	b.ReportMetric(ms(percentile(cli, .5)-latency), "client-over-p50-ms")
	b.ReportMetric(float64(percentile(sdk, .5))/float64(percentile(cli, .5)), "sdk/client")
	b.ReportMetric(float64(fl.dials.Load()-dials0)/float64(3*100*len(sdk)), "dials/req")
	// CPU per producer request, the stand-in servers' share included
	// (the same in both arms).
	b.ReportMetric(sdkCPU/float64(100*len(sdk))*1e6, "sdk-cpu-µs/req")
	b.ReportMetric(baseCPU/float64(100*len(base))*1e6, "base-cpu-µs/req")
	b.ReportMetric(sdkCPU/baseCPU, "sdk/base-cpu")
}

// BenchmarkStalledProducer has one producer of 100 that never answers and a
// 200 ms deadline: Run must return the other 99 answers at the deadline.
func BenchmarkStalledProducer(b *testing.B) {
	const deadline = 200 * time.Millisecond
	fl := newFleet(b, 100, func(i int) time.Duration {
		if i == 42 {
			return -1
		}
		return 10 * time.Millisecond
	})
	agg := mustNew(b, fl.sources, nil)
	f := minaarenda(person)
	warm, cancel := context.WithTimeout(context.Background(), 5*time.Second/2)
	mustRun(b, agg, warm, f) // open the pool; the stalled one times out
	cancel()
	var over []time.Duration
	missing := 0
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		start := time.Now()
		res := mustRun(b, agg, ctx, f)
		over = append(over, time.Since(start)-deadline)
		cancel()
		if res.Outcomes[42].Status != aggregate.StatusTimeout {
			b.Fatalf("stalled outcome %s", res.Outcomes[42].Status)
		}
		// On a loaded machine a healthy producer can miss the deadline
		// too; count it rather than fail.
		missing += 990 - len(res.Events)
	}
	b.ReportMetric(ms(percentile(over, .5)), "past-deadline-p50-ms")
	b.ReportMetric(ms(percentile(over, .9)), "past-deadline-p90-ms")
	b.ReportMetric(float64(missing)/float64(len(over)), "healthy-events-missed/run")
}

// BenchmarkHeavyTail: 1 % of answers take 20× the usual 10 ms. It reports
// the p99 of one (source, part)'s answer time and of a whole Run, with and
// without hedging at 75 ms (a fast answer under 100 concurrent requests on
// a small machine takes tens of milliseconds), and the extra requests
// hedging costs.
func BenchmarkHeavyTail(b *testing.B) {
	const fast, slow = 10 * time.Millisecond, 200 * time.Millisecond
	for _, hedge := range []time.Duration{0, 75 * time.Millisecond} {
		b.Run(fmt.Sprintf("hedge=%v", hedge), func(b *testing.B) {
			var mu sync.Mutex
			rng := rand.New(rand.NewPCG(1, 2))
			fl := newFleet(b, 100, func(int) time.Duration {
				mu.Lock()
				defer mu.Unlock()
				if rng.IntN(100) == 0 {
					return slow
				}
				return fast
			})
			agg := mustNew(b, fl.sources, &aggregate.Options{HedgeDelay: hedge})
			f := minaarenda(person)
			mustRun(b, agg, context.Background(), f) // open the pool
			dials0 := fl.dials.Load()
			var answers, runs []time.Duration
			hedges, requests := 0, 0
			for b.Loop() {
				start := time.Now()
				res := mustRun(b, agg, context.Background(), f)
				runs = append(runs, time.Since(start))
				if !res.Complete() {
					b.Fatal(res.Err())
				}
				for _, o := range res.Outcomes {
					answers = append(answers, o.Duration)
					hedges += o.Hedges
					requests++
				}
			}
			b.ReportMetric(ms(percentile(answers, .5)), "answer-p50-ms")
			b.ReportMetric(ms(percentile(answers, .99)), "answer-p99-ms")
			b.ReportMetric(ms(percentile(runs, .5)), "run-p50-ms")
			b.ReportMetric(ms(percentile(runs, .99)), "run-p99-ms")
			b.ReportMetric(float64(hedges)/float64(requests), "extra-req/req")
			// A cancelled HTTP/1.1 request takes its connection with it.
			b.ReportMetric(float64(fl.dials.Load()-dials0)/float64(requests+hedges), "dials/req")
		})
	}
}

// BenchmarkMerge measures merging alone: 100 sources × 10 events for two
// parter, answered instantly in memory.
func BenchmarkMerge(b *testing.B) {
	var sources []aggregate.Source
	for s := range 100 {
		name := fmt.Sprintf("Producent %03d", s)
		prefix := "PROD" + string(rune('A'+s/26%26)) + string(rune('A'+s%26))
		var evs []minaarenden.Kundhandelse
		for j := range 10 {
			evs = append(evs, ev(name, fmt.Sprintf("%s-%d", prefix, j), minaarenden.Kundhandelsetyp(prefix+".ARENDE.STEG"), (s*7+j)%50))
		}
		sources = append(sources, &fake{name: name, prefixes: typs{minaarenden.Kundhandelsetyp(prefix)}, events: evs})
	}
	agg := mustNew(b, sources, nil)
	f := minaarenda(pia, person)
	b.ReportAllocs()
	for b.Loop() {
		if res := mustRun(b, agg, context.Background(), f); len(res.Events) != 1000 {
			b.Fatalf("%d events", len(res.Events))
		}
	}
}
