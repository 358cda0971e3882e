package clienttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/google/go-cmp/cmp"
)

// result is what a client saw of one answer.
type result struct {
	status  int
	header  http.Header
	body    []byte
	readErr error
}

// send posts a valid 6.1 request through c to the producer at base.
func send(ctx context.Context, c *http.Client, base string) (result, error) {
	header, body := producerReq(minaarenden.V6_1, personPart, nil)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+DefaultBasePath+"/kundhandelser", bytes.NewReader(body))
	if err != nil {
		return result{}, err
	}
	req.Header = header
	resp, err := c.Do(req)
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	b, readErr := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, header: resp.Header, body: b, readErr: readErr}, nil
}

func TestBodyFaults(t *testing.T) {
	good := func(t *testing.T) []byte {
		s := Start(t, skvConfig(minaarenden.V6_1))
		r, err := send(t.Context(), s.Client(), strings.TrimSuffix(s.URL, DefaultBasePath))
		if err != nil || r.readErr != nil {
			t.Fatal(err, r.readErr)
		}
		return r.body
	}
	tests := []struct {
		name  string
		fault Fault
		check func(t *testing.T, r result, good []byte)
	}{
		{"status with message and Retry-After", Fault{HTTPCode: 503, Message: "underhåll", RetryAfter: "120"}, func(t *testing.T, r result, _ []byte) {
			got := []any{r.status, r.header.Get("Retry-After"), r.header.Get("Content-Type"), string(r.body)}
			want := []any{503, "120", "application/json", `{"message":"Service unavailable: underhåll"}` + "\n"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		}},
		{"status without message", Fault{HTTPCode: 429}, func(t *testing.T, r result, _ []byte) {
			if r.status != 429 || errorMessage(t, r.body) != "Too many requests" {
				t.Errorf("got %d %s, want 429 Too many requests", r.status, r.body)
			}
		}},
		{"RFC 9457 problem", Fault{HTTPCode: 500, Message: "databasen svarar inte", Problem: true}, func(t *testing.T, r result, _ []byte) {
			var p map[string]any
			if err := json.Unmarshal(r.body, &p); err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"type": "about:blank", "title": "Internal server error", "status": 500.0, "detail": "databasen svarar inte"}
			if diff := cmp.Diff(want, p); diff != "" || r.header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("Content-Type %q, mismatch (-want +got):\n%s", r.header.Get("Content-Type"), diff)
			}
		}},
		{"truncated", Fault{Truncate: true}, func(t *testing.T, r result, good []byte) {
			if r.status != 200 || json.Valid(r.body) || len(r.body) == 0 || !bytes.HasPrefix(good, r.body) || len(r.body) >= len(good) {
				t.Errorf("got %d %q, want 200 and a proper prefix of the answer", r.status, r.body)
			}
		}},
		{"malformed", Fault{Malformed: true}, func(t *testing.T, r result, _ []byte) {
			if r.status != 200 || json.Valid(r.body) || r.header.Get("Content-Type") != "application/json" {
				t.Errorf("got %d %q %q, want 200, JSON Content-Type, a body that is not JSON", r.status, r.header.Get("Content-Type"), r.body)
			}
		}},
		{"reset mid-body", Fault{ResetMidBody: true}, func(t *testing.T, r result, good []byte) {
			if !errors.Is(r.readErr, io.ErrUnexpectedEOF) || len(r.body) != len(good)/2 {
				t.Errorf("read %d of %d bytes, error %v; want half and unexpected EOF", len(r.body), len(good), r.readErr)
			}
		}},
		{"oversize", Fault{Oversize: 1 << 20}, func(t *testing.T, r result, good []byte) {
			if len(r.body) != 1<<20 || r.header.Get("Content-Length") != strconv.Itoa(1<<20) || !json.Valid(r.body) || !bytes.HasSuffix(r.body, good) {
				t.Errorf("got %d bytes (Content-Length %s), want 1 MiB of valid JSON ending in the answer", len(r.body), r.header.Get("Content-Length"))
			}
		}},
		{"content type", Fault{ContentType: "text/html; charset=utf-8"}, func(t *testing.T, r result, good []byte) {
			if r.header.Get("Content-Type") != "text/html; charset=utf-8" || !bytes.Equal(r.body, good) {
				t.Errorf("Content-Type %q, want text/html with the answer", r.header.Get("Content-Type"))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := good(t)
			s := Start(t, skvConfig(minaarenden.V6_1))
			s.Handler.SetFault(tt.fault)
			r, err := send(t.Context(), s.Client(), strings.TrimSuffix(s.URL, DefaultBasePath))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, r, g)
		})
	}
}

func TestFaultTimes(t *testing.T) {
	s := Start(t, skvConfig(minaarenden.V6_1))
	s.Handler.SetFault(Fault{HTTPCode: 503, Times: 2})
	var got []int
	for range 4 {
		r, err := send(t.Context(), s.Client(), strings.TrimSuffix(s.URL, DefaultBasePath))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r.status)
	}
	s.Handler.SetFault(Fault{HTTPCode: 502, Times: 1}) // counting starts again
	r, _ := send(t.Context(), s.Client(), strings.TrimSuffix(s.URL, DefaultBasePath))
	got = append(got, r.status)
	s.Handler.SetFault(Fault{HTTPCode: 502})
	s.Handler.SetFault(Fault{}) // cleared
	r, _ = send(t.Context(), s.Client(), strings.TrimSuffix(s.URL, DefaultBasePath))
	got = append(got, r.status)
	if diff := cmp.Diff([]int{503, 503, 200, 200, 502, 200}, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

// TestTimedFaults runs in a synctest bubble, so the waits are exact and
// take no real time.
func TestTimedFaults(t *testing.T) {
	tests := []struct {
		name    string
		fault   Fault
		timeout time.Duration
		elapsed time.Duration
		wantErr error
	}{
		{name: "latency", fault: Fault{Latency: 3 * time.Second}, elapsed: 3 * time.Second},
		{name: "latency cut by the client's deadline", fault: Fault{Latency: time.Minute}, timeout: 5 * time.Second, elapsed: 5 * time.Second, wantErr: context.DeadlineExceeded},
		{name: "stall until cancelled", fault: Fault{Stall: true}, timeout: 10 * time.Second, elapsed: 10 * time.Second, wantErr: context.DeadlineExceeded},
		// Ten pieces, nine pauses between them.
		{name: "slow body", fault: Fault{SlowBody: 10 * time.Second}, elapsed: 9 * time.Second},
		{name: "latency then status", fault: Fault{Latency: time.Second, HTTPCode: 503}, elapsed: time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := mustHandler(t, skvConfig(minaarenden.V6_1))
				c, stop := servePipe(h)
				defer stop()
				// The answer without a fault, to compare bodies with.
				want, err := send(t.Context(), c, "http://clienttest")
				if err != nil {
					t.Fatal(err)
				}
				h.SetFault(tt.fault)
				ctx := t.Context()
				if tt.timeout > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.timeout)
					defer cancel()
				}
				start := time.Now()
				r, err := send(ctx, c, "http://clienttest")
				if elapsed := time.Since(start); elapsed != tt.elapsed {
					t.Errorf("took %v, want %v", elapsed, tt.elapsed)
				}
				if tt.wantErr != nil {
					if !errors.Is(err, tt.wantErr) {
						t.Errorf("error %v, want %v", err, tt.wantErr)
					}
					return
				}
				if err != nil || r.readErr != nil {
					t.Fatal(err, r.readErr)
				}
				if tt.fault.HTTPCode == 0 && !bytes.Equal(r.body, want.body) {
					t.Errorf("body changed:\n%s\nwant\n%s", r.body, want.body)
				}
				if tt.fault.HTTPCode != 0 && r.status != tt.fault.HTTPCode {
					t.Errorf("status %d, want %d", r.status, tt.fault.HTTPCode)
				}
			})
		})
	}
}

func TestForwardingProducerFaults(t *testing.T) {
	tests := []struct {
		name     string
		fault    Fault
		timeout  time.Duration // Config.ProducerTimeout
		deadline time.Duration // the client's
		status   int
		elapsed  time.Duration
		kommun   []any // the kommun's delfraga for the first part: status, httpCode, message
	}{
		{name: "status", fault: Fault{HTTPCode: 500}, status: 206, kommun: []any{"FEL", 500.0, "Internal server error"}},
		{name: "not found with message", fault: Fault{HTTPCode: 404, Message: "okänd kund"}, status: 206, kommun: []any{"FEL", 404.0, "Not found: okänd kund"}},
		{name: "malformed answer", fault: Fault{Malformed: true}, status: 206, kommun: []any{"FEL", 502.0, "Bad gateway: the producer's answer could not be read"}},
		{name: "wrong content type", fault: Fault{ContentType: "text/html"}, status: 206, kommun: []any{"FEL", 502.0, "Bad gateway: the producer's answer could not be read"}},
		{name: "slow", fault: Fault{Latency: 2 * time.Second}, status: 200, elapsed: 2 * time.Second, kommun: []any{"OK", 200.0, nil}},
		{name: "slow within the timeout", fault: Fault{Latency: 2 * time.Second}, timeout: 3 * time.Second, status: 200, elapsed: 2 * time.Second, kommun: []any{"OK", 200.0, nil}},
		{name: "slower than the timeout", fault: Fault{Latency: time.Minute}, timeout: 3 * time.Second, status: 206, elapsed: 3 * time.Second, kommun: []any{"TIMEOUT", 504.0, "Gateway timeout"}},
		{name: "stalled, timeout", fault: Fault{Stall: true}, timeout: 3 * time.Second, status: 206, elapsed: 3 * time.Second, kommun: []any{"TIMEOUT", 504.0, "Gateway timeout"}},
		{name: "stalled, no timeout", fault: Fault{Stall: true}, deadline: 7 * time.Second, elapsed: 7 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := forwardingConfig()
				cfg.ProducerTimeout = tt.timeout
				h := mustHandler(t, cfg)
				h.SetProducerFault("Testköpings kommun", tt.fault)
				c, stop := servePipe(h)
				defer stop()
				ctx := t.Context()
				if tt.deadline > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.deadline)
					defer cancel()
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://clienttest"+DefaultBasePath+"/kundhandelseFragaSynkron", bytes.NewReader(forwardingBody(nil, nil)))
				req.Header = forwardingHeader()
				start := time.Now()
				resp, err := c.Do(req)
				if elapsed := time.Since(start); elapsed != tt.elapsed {
					t.Errorf("took %v, want %v", elapsed, tt.elapsed)
				}
				if tt.status == 0 {
					if !errors.Is(err, context.DeadlineExceeded) {
						t.Errorf("error %v, want the deadline", err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var a struct {
					Kundhandelser []struct{ KundhandelserForPart []map[string]any }
					Delfragor     []map[string]any
				}
				if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
					t.Fatal(err)
				}
				d := a.Delfragor[1]
				got := []any{resp.StatusCode, d["producent"], d["status"], d["httpCode"], d["message"]}
				want := append([]any{tt.status, "Testköpings kommun"}, tt.kommun...)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("mismatch (-want +got):\n%s", diff)
				}
				kommunEvents := 0
				for _, ev := range a.Kundhandelser[0].KundhandelserForPart {
					if ev["producent"] == "Testköpings kommun" {
						kommunEvents++
					}
				}
				if wantEvents := map[bool]int{true: 1, false: 0}[tt.status == 200]; kommunEvents != wantEvents {
					t.Errorf("%d kommun events, want %d", kommunEvents, wantEvents)
				}
			})
		})
	}
}

func TestForwardingServiceFault(t *testing.T) {
	s := Start(t, forwardingConfig())
	s.Handler.SetFault(Fault{HTTPCode: 503, RetryAfter: "3600"})
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL+"/kundhandelseFragaSynkron", bytes.NewReader(forwardingBody(nil, nil)))
	req.Header = forwardingHeader()
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "3600" {
		t.Errorf("got %d Retry-After %q, want 503 and 3600", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

func TestSetProducerFaultOnUnknownProducerPanics(t *testing.T) {
	h := mustHandler(t, forwardingConfig())
	defer func() {
		if recover() == nil {
			t.Error("no panic for a producer that is not configured")
		}
	}()
	h.SetProducerFault("Okänd", Fault{HTTPCode: 500})
}

func TestTLSServer(t *testing.T) {
	s, err := NewTLSServer(skvConfig(minaarenden.V6_1))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !strings.HasPrefix(s.URL, "https://") || !strings.HasSuffix(s.URL, DefaultBasePath) {
		t.Errorf("URL %q, want https://…%s", s.URL, DefaultBasePath)
	}
	s.Handler.SetFault(Fault{ResetMidBody: true, Times: 1})
	r, err := send(t.Context(), s.Client(), strings.TrimSuffix(s.URL, DefaultBasePath))
	if err != nil || r.readErr == nil {
		t.Errorf("error %v, read error %v; want the body cut short over TLS too", err, r.readErr)
	}
	r, err = send(t.Context(), s.Client(), strings.TrimSuffix(s.URL, DefaultBasePath))
	if err != nil || r.readErr != nil || r.status != 200 {
		t.Errorf("status %d, error %v %v; want a good answer once the fault is spent", r.status, err, r.readErr)
	}
}
