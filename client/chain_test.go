package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/google/go-cmp/cmp"
)

// byKund answers each request by the kund or ärende it asks about:
// failing[id] is the statuses its requests get in turn (0 for a transport
// error), 200 with no events after them.
type byKund struct {
	mu      sync.Mutex
	failing map[string][]int
	seen    map[string]int
}

func (b *byKund) RoundTrip(r *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	var q struct {
		Kund, Arende struct{ Identifierare string }
	}
	if err := json.Unmarshal(body, &q); err != nil {
		return nil, err
	}
	id := q.Kund.Identifierare + q.Arende.Identifierare
	b.mu.Lock()
	n := b.seen[id]
	b.seen[id]++
	b.mu.Unlock()
	if codes := b.failing[id]; n < len(codes) {
		if codes[n] == 0 {
			return nil, errors.New("read: connection reset by peer")
		}
		return response(codes[n], nil, `{"message":"`+http.StatusText(codes[n])+`"}`), nil
	}
	return response(200, nil, okEmpty), nil
}

// Every request of a Client shares one retry client: questions asked at
// once, each part failing its own way, still count their own attempts and
// report their own statuses.
func TestConcurrentAttemptChains(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		type got struct {
			Attempts, HTTPCode int
			Failed             bool
		}
		// Each part's failures in turn (0 a transport error), and what its
		// outcome must say after at most three attempts.
		parts := []struct {
			failures []int
			want     got
		}{
			{[]int{503, 503}, got{3, 200, false}},
			{[]int{0}, got{2, 200, false}},
			{nil, got{1, 200, false}},
			{[]int{429, 503, 502}, got{3, 502, true}},
		}
		const questions = 5
		rt := &byKund{seen: map[string]int{}, failing: map[string][]int{}}
		fragor := make([]minaarenden.Fraga, questions)
		for q := range questions {
			fragor[q].Anvandare = pnr
			for i, p := range parts {
				id := fmt.Sprintf("Q%d-P%d", q, i)
				rt.failing[id] = p.failures
				fragor[q].Parter = append(fragor[q].Parter,
					minaarenden.Part{Arende: &minaarenden.Arende{Identifierare: id, Typ: minaarenden.ProducentarendeReferens}})
			}
		}
		c := newClient(t, "https://p.invalid"+base, &Options{Transport: rt, Retry: RetryPolicy{MaxAttempts: 3}})
		var wg sync.WaitGroup
		results := make([][]got, questions)
		for q := range questions {
			wg.Go(func() {
				a, _ := c.Query(t.Context(), fragor[q])
				for _, o := range a.Outcomes {
					results[q] = append(results[q], got{o.Attempts, o.HTTPCode, o.Err != nil})
				}
			})
		}
		wg.Wait()
		var want []got
		for _, p := range parts {
			want = append(want, p.want)
		}
		for q, r := range results {
			if diff := cmp.Diff(want, r); diff != "" {
				t.Errorf("question %d: outcomes mismatch (-want +got):\n%s", q, diff)
			}
		}
	})
}

// Header names are written in canonical form, so that Header.Get finds
// them in a RoundTripper of the caller's (or package auth's).
func TestHeaderNamesCanonical(t *testing.T) {
	f := minaarenden.Fraga{Anvandare: pnr, Parter: []minaarenden.Part{kundPart(pnr)}}
	for _, v := range minaarenden.Versions() {
		opts := &Options{Version: v, AnropandeOrganisation: orgnr, AcceptLanguage: "sv"}
		c, err := New("https://p.invalid"+base, opts)
		if err != nil {
			continue // a version New refuses (1.0) sends nothing
		}
		check := func(name string, h http.Header) {
			for k := range h {
				if k != http.CanonicalHeaderKey(k) {
					t.Errorf("%s: header %q is not canonical (%q)", name, k, http.CanonicalHeaderKey(k))
				}
			}
			if len(h) < 4 {
				t.Errorf("%s: %d headers, want at least Content-Type, Accept, User-Agent and Accept-Language: %v", name, len(h), h)
			}
		}
		check(string(v), c.producerHeader(f, "corr"))
		check("forwarding", c.forwardingHeader("corr"))
	}
}

// A context that ends while waiting to retry fails with the status of
// the last answer, and nothing of its body: the retry client had already
// drained what it needed of it (4 KiB) and let it go, so what a
// transport's body still held past that is not the producer's message.
func TestCancelMidBackoffReadsNoStaleBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stale := strings.Repeat(" ", 8<<10) + `{"message":"stale"}`
		ft := &fakeTransport{answer: func(int) (*http.Response, error) { return response(503, nil, stale), nil }}
		c := newClient(t, "https://p.invalid"+base, &Options{Transport: ft, Retry: RetryPolicy{MinBackoff: time.Second, MaxBackoff: time.Second}})
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(100*time.Millisecond, cancel)
		_, err := c.Query(ctx, oneKund)
		e, ok := errors.AsType[*Error](err)
		if !ok || !errors.Is(err, context.Canceled) || e.HTTPCode != 503 || e.Attempts != 1 {
			t.Fatalf("err = %#v, want a *Error for the cancel after 1 attempt, with its 503", err)
		}
		if e.Message != "" || e.Problem != nil {
			t.Errorf("message %q, problem %v: read from a body already let go", e.Message, e.Problem)
		}
	})
}
