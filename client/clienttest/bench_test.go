package clienttest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/client"
)

// manyEvents is n events for the test person, one a day.
func manyEvents(n int) []minaarenden.Kundhandelse {
	out := make([]minaarenden.Kundhandelse, n)
	start := time.Date(2024, 1, 1, 9, 0, 0, 0, minaarenden.Stockholm())
	for i := range out {
		out[i] = minaarenden.Kundhandelse{
			KundhandelseID: fmt.Sprintf("e%04d", i), Rubrik: "Momsdeklaration mottagen",
			Beskrivning: "Vi har tagit emot din momsdeklaration.", Sprak: "sv", Producent: "Skatteverket",
			Tidpunkt: start.AddDate(0, 0, i), Typ: "SKV.MOMS.DEKL_INLAMAD", Part: minaarenden.Part{Kund: person(pnr)},
		}
	}
	return out
}

// TestConcurrentClients has many clients ask at once while faults change,
// for the race detector.
func TestConcurrentClients(t *testing.T) {
	cfg := Config{Dialect: client.Forwarding, Producers: []Config{{Producent: "Skatteverket", Events: manyEvents(50)}, {Producent: "PRV"}}}
	s := Start(t, cfg)
	body := forwardingBody(nil, map[string]any{"behandling": map[string]any{
		"sortering": []any{map[string]any{"attribut": "TIDPUNKT", "stigande": true}}, "paginering": map[string]any{"offset": 10, "limit": 5}}})
	var wg sync.WaitGroup
	statuses := make([]int, 40)
	for i := range statuses {
		wg.Go(func() {
			if i%10 == 0 {
				s.Handler.SetProducerFault("PRV", Fault{HTTPCode: 503, Times: 1})
			}
			req, _ := http.NewRequest(http.MethodPost, s.URL+"/kundhandelseFragaSynkron", bytes.NewReader(body))
			req.Header = forwardingHeader()
			resp, err := s.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			if _, err := io.ReadAll(resp.Body); err != nil {
				t.Error(err)
			}
			statuses[i] = resp.StatusCode
			_ = s.Handler.Requests()
		})
	}
	wg.Wait()
	for i, st := range statuses {
		if st != http.StatusOK && st != http.StatusPartialContent {
			t.Errorf("request %d: status %d", i, st)
		}
	}
	if n := s.Handler.RequestCount(); n != len(statuses) {
		t.Errorf("counted %d requests, want %d", n, len(statuses))
	}
}

// BenchmarkProducer measures one answer of 20 events picked from a store
// of 1000, without the network.
func BenchmarkProducer(b *testing.B) {
	h, header, body := benchProducer(b)
	b.ReportAllocs()
	for b.Loop() {
		serveOnce(b, h, header, body)
	}
}

// BenchmarkProducer100Clients is BenchmarkProducer with a hundred clients
// asking at once, as aggregate's fan-out benchmarks do.
func BenchmarkProducer100Clients(b *testing.B) {
	h, header, body := benchProducer(b)
	b.ReportAllocs()
	b.SetParallelism(max(1, 100/runtime.GOMAXPROCS(0)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			serveOnce(b, h, header, body)
		}
	})
}

func benchProducer(b *testing.B) (*Handler, http.Header, []byte) {
	h, err := NewHandler(Config{Events: manyEvents(1000), RecordLimit: -1})
	if err != nil {
		b.Fatal(err)
	}
	header, body := producerReq(minaarenden.V6_1, personPart, map[string]any{"startDatum": "2025-01-01", "slutDatum": "2025-01-20"})
	return h, header, body
}

func serveOnce(b *testing.B, h *Handler, header http.Header, body []byte) {
	req := httptest.NewRequest(http.MethodPost, DefaultBasePath+"/kundhandelser", bytes.NewReader(body))
	req.Header = header
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		b.Fatalf("status %d", w.Code)
	}
}

// BenchmarkForwarding measures a paged forwarding answer over two
// producers of 1000 events each.
func BenchmarkForwarding(b *testing.B) {
	h, err := NewHandler(Config{Dialect: client.Forwarding, RecordLimit: -1, Producers: []Config{
		{Producent: "Skatteverket", Events: manyEvents(1000)}, {Producent: "PRV", Events: manyEvents(1000)},
	}})
	if err != nil {
		b.Fatal(err)
	}
	body := forwardingBody(nil, map[string]any{"behandling": map[string]any{
		"sortering": []any{map[string]any{"attribut": "TIDPUNKT", "stigande": true}}, "paginering": map[string]any{"offset": 200, "limit": 200}}})
	header := forwardingHeader()
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, DefaultBasePath+"/kundhandelseFragaSynkron", bytes.NewReader(body))
		req.Header = header
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}
