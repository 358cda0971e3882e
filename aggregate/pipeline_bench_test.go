package aggregate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"testing"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate"
	"github.com/aterkoppling/minaarenden/catalog/sample"
	"github.com/aterkoppling/minaarenden/client"
	"github.com/aterkoppling/minaarenden/flow"
	"github.com/aterkoppling/minaarenden/internal/benchpair"
)

// pipelineBody is a 6.1 producer answer of n events of about 700 bytes,
// ten to a case, worded and shaped like Skatteverket's: a servicelöfte, a
// producentarende reference and an e-tjänst link.
func pipelineBody(n int) []byte {
	body, _ := io.ReadAll(&pipelineAnswer{n: n})
	return body
}

// pipelineAnswer reads as pipelineBody(n) but formats each event only as
// it is read, so an answer of a million events need not be in memory.
type pipelineAnswer struct {
	n       int
	piece   int    // the next to format: 0 the head, 1..n the events, n+1 the tail
	pending []byte // formatted and not yet read
	scratch []byte
}

func (a *pipelineAnswer) Read(p []byte) (int, error) {
	for len(a.pending) == 0 {
		if a.piece > a.n+1 {
			return 0, io.EOF
		}
		a.pending = a.appendPiece(a.scratch[:0], a.piece)
		a.scratch = a.pending
		a.piece++
	}
	n := copy(p, a.pending)
	a.pending = a.pending[n:]
	return n, nil
}

// appendPiece appends piece i of the answer: the head, an event (after
// a comma, but for the first) or the tail.
func (a *pipelineAnswer) appendPiece(b []byte, i int) []byte {
	switch {
	case i == 0:
		return append(b, `{"metadata":{"version":"6.1"},"kundhandelser":[`...)
	case i == a.n+1:
		return append(b, `]}`...)
	case i > 1:
		b = append(b, ',')
	}
	return appendPipelineEvent(b, i-1)
}

// size is the answer's length in bytes, counted without keeping it.
func (a *pipelineAnswer) size() int64 {
	var n int64
	var b []byte
	for i := range a.n + 2 {
		b = a.appendPiece(b[:0], i)
		n += int64(len(b))
	}
	return n
}

// appendPipelineEvent appends the answer's event i.
func appendPipelineEvent(b []byte, i int) []byte {
	steps := [...]string{"SKV.MOMS.DEKL_INLAMAD", "SKV.MOMS.KONTROLL", "SKV.MOMS.KOMPLETTERING", "SKV.MOMS.KONTROLL", "SKV.MOMS.BESLUT",
		"SKV.MOMS.BETALNING", "SKV.MOMS.BETALD", "SKV.MOMS.DEKL_INLAMAD", "SKV.MOMS.KONTROLL", "SKV.MOMS.BESLUT"}
	step := steps[i%len(steps)]
	return fmt.Appendf(b, `{"kundhandelseId":"6f1c2a8e-0b7e-4c55-9a40-%012d","rubrik":"Momsdeklaration för perioden 2025-%02d","beskrivning":"Vi har tagit emot din momsdeklaration för perioden och handlägger den i turordning. Du behöver inte göra något just nu; vi hör av oss om vi behöver fler uppgifter.","sprak":"sv","producent":"Skatteverket","tidpunkt":"2025-%02d-%02dT%02d:%02d:55.000+02:00","kundhandelseTyp":%q,"producentarendetKraverKundatgard":%t,"producentarendetKlart":%t,"version":"6.1","utokadInformation":{"servicelofte":"30 dagar"},"referenser":{"producentarende":"MOMS-2025-%06d","etjanst":{"url":"https://www.skatteverket.se/moms/deklaration","lanktext":"Se din deklaration"}},"taggar":["moms"]}`,
		i, i/10%12+1, i/10%12+1, i%10+1, i%24, i%60, step, step == "SKV.MOMS.KOMPLETTERING", step == "SKV.MOMS.BETALD", i/10)
}

// plainEvent is what a hand-written client decodes into: the fields as they
// come, tidpunkt left as text, referenser and utokadInformation left raw.
type plainEvent struct {
	KundhandelseID    string                     `json:"kundhandelseId"`
	Rubrik            string                     `json:"rubrik"`
	Beskrivning       string                     `json:"beskrivning"`
	Sprak             string                     `json:"sprak"`
	Producent         string                     `json:"producent"`
	Tidpunkt          string                     `json:"tidpunkt"`
	KundhandelseTyp   string                     `json:"kundhandelseTyp"`
	KraverKundatgard  bool                       `json:"producentarendetKraverKundatgard"`
	Klart             bool                       `json:"producentarendetKlart"`
	Version           string                     `json:"version"`
	UtokadInformation map[string]json.RawMessage `json:"utokadInformation"`
	Referenser        map[string]json.RawMessage `json:"referenser"`
	Taggar            []string                   `json:"taggar"`
}

type plainAnswer struct {
	Metadata struct {
		Version string `json:"version"`
	} `json:"metadata"`
	Kundhandelser []plainEvent `json:"kundhandelser"`
}

// bodyTransport answers every request with a fresh body from open, of
// size bytes, in memory, so the pipeline benchmark measures the SDK's work
// and not a socket's.
type bodyTransport struct {
	size int64
	open func() io.Reader
}

// bytesTransport answers every request with body.
func bytesTransport(body []byte) bodyTransport {
	return bodyTransport{int64(len(body)), func() io.Reader { return bytes.NewReader(body) }}
}

func (t bodyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{
		StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Request: r,
		Header:        http.Header{"Content-Type": {"application/json"}, "Content-Length": {strconv.FormatInt(t.size, 10)}},
		ContentLength: t.size, Body: io.NopCloser(t.open()),
	}, nil
}

// BenchmarkPipeline is the paired benchmark of the whole consumer path for
// one answer of 1000 events: the SDK's request, decode, aggregate and flow
// placement, against a hand-written json.Unmarshal of the same bytes into a
// plain struct, the two alternating in one loop. It reports sdk/base (the
// CPU ratio of medians), the SDK's allocations per event and bytes
// allocated per JSON byte, and, measured once, what the Result and the
// placed cases keep alive per JSON byte.
func BenchmarkPipeline(b *testing.B) {
	const n = 1000
	body := pipelineBody(n)
	cat, err := sample.Catalog()
	if err != nil {
		b.Fatal(err)
	}
	c, err := client.New("https://skv.invalid/minaarenden/v6", &client.Options{
		Name: "Skatteverket", Prefixes: []minaarenden.Kundhandelsetyp{"SKV"},
		Transport: bytesTransport(body), Retry: client.NoRetry,
	})
	if err != nil {
		b.Fatal(err)
	}
	agg := mustNew(b, []aggregate.Source{c}, nil)
	f := minaarenda(person)
	ctx := context.Background()
	sdk := func() (*aggregate.Result, []*flow.Instance) {
		res := mustRun(b, agg, ctx, f)
		if len(res.Events) != n || !res.Complete() {
			b.Fatalf("%d events, complete %v: %v", len(res.Events), res.Complete(), res.Err())
		}
		return res, flow.Place(cat, res.Events, &flow.Options{Answered: res.Answered()})
	}
	base := func() *plainAnswer {
		var a plainAnswer
		if err := json.Unmarshal(body, &a); err != nil || len(a.Kundhandelser) != n {
			b.Fatalf("baseline: %d events: %v", len(a.Kundhandelser), err)
		}
		return &a
	}

	// Retained: what the answer's Result and cases hold once the garbage
	// of getting them is collected.
	retained := func(keep func() any) float64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		v := keep()
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(v)
		return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(len(body))
	}
	sdkKept := retained(func() any { r, in := sdk(); return []any{r, in} })
	baseKept := retained(func() any { return base() })

	pair := benchpair.Run(b, func() { sdk() }, func() { base() })
	pair.ReportPerEvent(b, n, len(body))
	b.ReportMetric(float64(pair.SDK.Median().Microseconds()), "sdk-p50-µs")
	b.ReportMetric(float64(pair.Base.Median().Microseconds()), "base-p50-µs")
	b.ReportMetric(sdkKept, "sdk-kept/json")
	b.ReportMetric(baseKept, "base-kept/json")
}
