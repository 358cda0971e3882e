package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/internal/benchpair"
)

// memAnswer is a producer without a network: every request is read and
// answered with body, so what a request costs is the client's own work.
type memAnswer struct{ body []byte }

func (m memAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{
		StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		ContentLength: int64(len(m.body)),
		Body:          io.NopCloser(bytes.NewReader(m.body)),
		Request:       r,
	}, nil
}

// plainRequest is the 6.1 question a hand-written client sends.
type plainRequest struct {
	Kund struct {
		Identifierare string `json:"identifierare"`
		Typ           string `json:"typ"`
	} `json:"kund"`
	Anvandare string `json:"anvandare"`
}

// BenchmarkQuery asks one part of a producer that answers from memory,
// with Client.Query and with what a careful engineer writes by hand
// (net/http, the 6.1 body and headers, encoding/json into plainEvent),
// alternating in one loop. It reports sdk/base, the ratio of their median
// times (all on one goroutine, so CPU), and each one's allocations and
// bytes per request. An answer of no events leaves the fixed cost of a
// request; one of 10 is a usual producer's.
func BenchmarkQuery(b *testing.B) {
	for _, events := range []int{0, 10} {
		b.Run(fmt.Sprintf("events=%d", events), func(b *testing.B) { benchmarkQuery(b, events) })
	}
}

func benchmarkQuery(b *testing.B, events int) {
	rt := memAnswer{body: benchBody(events)}
	c, err := New("https://producent.example/api/v6", &Options{Transport: rt, Retry: NoRetry})
	if err != nil {
		b.Fatal(err)
	}
	hc := &http.Client{Transport: rt}
	ctx := context.Background()
	f := minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr)}}
	sdk := func() {
		if a, err := c.Query(ctx, f); err != nil || len(a.Events) != events {
			b.Fatalf("sdk: %d events: %v", len(a.Events), err)
		}
	}
	base := func() {
		var q plainRequest
		q.Kund.Identifierare, q.Kund.Typ, q.Anvandare = pnr, "Personnummer", pnr
		body, err := json.Marshal(q)
		if err != nil {
			b.Fatal(err)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://producent.example/api/v6/kundhandelser", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("x-request-id", newUUID())
		req.Header.Set("x-correlation-id", newUUID())
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		var a struct {
			Kundhandelser []plainEvent `json:"kundhandelser"`
		}
		if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&a) != nil || len(a.Kundhandelser) != events {
			b.Fatalf("baseline: status %d, %d events", resp.StatusCode, len(a.Kundhandelser))
		}
	}
	pair := benchpair.Run(b, sdk, base)
	b.ReportMetric(pair.Ratio(), "sdk/base")
	b.ReportMetric(float64(pair.SDK.Median().Nanoseconds())/1e3, "sdk-µs/req")
	b.ReportMetric(float64(pair.Base.Median().Nanoseconds())/1e3, "base-µs/req")
	b.ReportMetric(testing.AllocsPerRun(100, sdk), "sdk-allocs/req")
	b.ReportMetric(testing.AllocsPerRun(100, base), "base-allocs/req")
	b.ReportMetric(float64(allocated(sdk)), "sdk-B/req")
	b.ReportMetric(float64(allocated(base)), "base-B/req")
}
