package client

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/google/go-cmp/cmp"
)

// fakeTransport answers in memory, so it works inside a synctest bubble
// where loopback connections do not. It records when each attempt came,
// in the bubble's fake time.
type fakeTransport struct {
	mu         sync.Mutex
	at         []time.Time
	requestIDs []string
	closeIdle  int
	answer     func(n int) (*http.Response, error)
}

func (f *fakeTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	f.mu.Lock()
	n := len(f.at)
	f.at = append(f.at, time.Now())
	f.requestIDs = append(f.requestIDs, r.Header.Get("x-request-id"))
	f.mu.Unlock()
	resp, err := f.answer(n)
	if resp != nil {
		resp.Request = r
	}
	return resp, err
}

func (f *fakeTransport) CloseIdleConnections() {
	f.mu.Lock()
	f.closeIdle++
	f.mu.Unlock()
}

// gaps returns the waits between attempts.
func (f *fakeTransport) gaps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	var g []time.Duration
	for i := 1; i < len(f.at); i++ {
		g = append(g, f.at[i].Sub(f.at[i-1]))
	}
	return g
}

func (f *fakeTransport) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.at)
}

func response(status int, header http.Header, body string) *http.Response {
	h := http.Header{"Content-Type": {jsonCT}}
	for k, v := range header {
		h[k] = v
	}
	return &http.Response{StatusCode: status, Status: strconv.Itoa(status) + " " + http.StatusText(status), Header: h,
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body))}
}

// statuses answers with the given statuses in turn, 200 after them.
func statuses(codes ...int) func(int) (*http.Response, error) {
	return func(n int) (*http.Response, error) {
		if n < len(codes) {
			return response(codes[n], nil, `{"message":"`+http.StatusText(codes[n])+`"}`), nil
		}
		return response(200, nil, okEmpty), nil
	}
}

var oneKund = minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr)}}

func TestRetriedStatuses(t *testing.T) {
	for _, code := range []int{429, 502, 503, 504} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ft := &fakeTransport{answer: statuses(code, code)}
				c := newClient(t, "https://p.invalid"+base, &Options{Transport: ft})
				a, err := c.Query(t.Context(), oneKund)
				if err != nil {
					t.Fatalf("Query: %v", err)
				}
				if ft.calls() != 3 || a.Outcomes[0].Attempts != 3 || a.Outcomes[0].HTTPCode != 200 {
					t.Errorf("%d calls, outcome %+v; want 3 attempts ending in 200", ft.calls(), a.Outcomes[0])
				}
				// Jittered exponential backoff: half to all of 100ms, then of 200ms.
				g := ft.gaps()
				if g[0] < 50*time.Millisecond || g[0] > 100*time.Millisecond || g[1] < 100*time.Millisecond || g[1] > 200*time.Millisecond {
					t.Errorf("waits %v, want within [50ms,100ms] and [100ms,200ms]", g)
				}
				ids := ft.requestIDs
				if ids[0] == "" || ids[0] != ids[1] || ids[1] != ids[2] {
					t.Errorf("x-request-id %q: want one id for the whole attempt chain", ids)
				}
			})
		})
	}
}

func TestNotRetriedStatuses(t *testing.T) {
	for _, code := range []int{400, 401, 403, 404, 409, 415, 500, 501} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ft := &fakeTransport{answer: statuses(code)}
				c := newClient(t, "https://p.invalid"+base, &Options{Transport: ft})
				_, err := c.Query(t.Context(), oneKund)
				var e *Error
				if !errors.As(err, &e) || e.HTTPCode != code || e.Attempts != 1 || e.Message != http.StatusText(code) {
					t.Errorf("err = %v, want a *Error with %d after 1 attempt and the message", err, code)
				}
				if ft.calls() != 1 {
					t.Errorf("%d calls, want 1", ft.calls())
				}
			})
		})
	}
}

func TestRetriesExhausted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ft := &fakeTransport{answer: statuses(503, 503, 503, 503)}
		c := newClient(t, "https://p.invalid"+base, &Options{Transport: ft, Retry: RetryPolicy{MaxAttempts: 4}})
		_, err := c.Query(t.Context(), oneKund)
		var e *Error
		if !errors.As(err, &e) || e.HTTPCode != 503 || e.Attempts != 4 || e.Message != "Service Unavailable" {
			t.Errorf("err = %v, want 503 after 4 attempts with the producer's message", err)
		}
	})
}

func TestNoRetry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ft := &fakeTransport{answer: statuses(503)}
		c := newClient(t, "https://p.invalid"+base, &Options{Transport: ft, Retry: NoRetry})
		if _, err := c.Query(t.Context(), oneKund); err == nil || ft.calls() != 1 {
			t.Errorf("err %v after %d calls; want a failure after 1", err, ft.calls())
		}
	})
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter func(now time.Time) string
		policy     RetryPolicy
		want       time.Duration
	}{
		{"seconds", func(time.Time) string { return "3" }, RetryPolicy{}, 3 * time.Second},
		{"http date", func(now time.Time) string { return now.Add(5 * time.Second).UTC().Format(http.TimeFormat) }, RetryPolicy{}, 5 * time.Second},
		{"date in the past", func(now time.Time) string { return now.Add(-time.Hour).UTC().Format(http.TimeFormat) }, RetryPolicy{}, 0},
		{"3600 capped at the default", func(time.Time) string { return "3600" }, RetryPolicy{}, 10 * time.Second},
		{"3600 capped at the policy's cap", func(time.Time) string { return "3600" }, RetryPolicy{MaxRetryAfter: 30 * time.Second}, 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ft := &fakeTransport{}
				ft.answer = func(n int) (*http.Response, error) {
					if n == 0 {
						return response(503, http.Header{"Retry-After": {tt.retryAfter(time.Now())}}, `{"message":"busy"}`), nil
					}
					return response(200, nil, okEmpty), nil
				}
				c := newClient(t, "https://p.invalid"+base, &Options{Transport: ft, Retry: tt.policy})
				if _, err := c.Query(t.Context(), oneKund); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff([]time.Duration{tt.want}, ft.gaps()); diff != "" {
					t.Errorf("wait mismatch (-want +got):\n%s", diff)
				}
			})
		})
	}
}

// A Retry-After that would end after the deadline fails at once rather
// than sleeping into the timeout.
func TestRetryBeyondDeadlineFailsFast(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ft := &fakeTransport{answer: func(int) (*http.Response, error) {
			return response(503, http.Header{"Retry-After": {"3600"}}, `{"message":"Service unavailable: try later"}`), nil
		}}
		c := newClient(t, "https://p.invalid"+base, &Options{Transport: ft})
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		start := time.Now()
		_, err := c.Query(ctx, oneKund)
		if took := time.Since(start); took != 0 {
			t.Errorf("took %v of fake time, want an immediate failure", took)
		}
		if !errors.Is(err, ErrRetryBeyondDeadline) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want ErrRetryBeyondDeadline matching context.DeadlineExceeded", err)
		}
		var e *Error
		if !errors.As(err, &e) || e.HTTPCode != 503 || e.Attempts != 1 || e.Message != "Service unavailable: try later" {
			t.Errorf("err = %#v, want the 503, 1 attempt and the producer's message kept", e)
		}
	})
}

func TestCancelMidBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ft := &fakeTransport{answer: statuses(503, 503)}
		c := newClient(t, "https://p.invalid"+base, &Options{Transport: ft, Retry: RetryPolicy{MinBackoff: 2 * time.Second, MaxBackoff: 2 * time.Second}})
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(300*time.Millisecond, cancel)
		start := time.Now()
		_, err := c.Query(ctx, oneKund)
		if took := time.Since(start); took != 300*time.Millisecond {
			t.Errorf("returned after %v, want at the cancel (300ms)", took)
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		var e *Error
		if !errors.As(err, &e) || e.Attempts != 1 || e.HTTPCode != 503 {
			t.Errorf("err = %#v, want a *Error after 1 attempt, with the 503 it got", e)
		}
		synctest.Wait()
		if ft.calls() != 1 {
			t.Errorf("%d calls, want no attempt after the cancel", ft.calls())
		}
	})
}

func TestTransportErrors(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantCalls int
	}{
		{"connection reset is retried", errors.New("read: connection reset by peer"), 2},
		{"unknown certificate authority is not", x509.UnknownAuthorityError{}, 1},
		{"a failed token source is not", &tokenError{errors.New("expired")}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ft := &fakeTransport{answer: func(n int) (*http.Response, error) {
					if n == 0 {
						return nil, tt.err
					}
					return response(200, nil, okEmpty), nil
				}}
				c := newClient(t, "https://p.invalid"+base, &Options{Transport: ft})
				_, err := c.Query(t.Context(), oneKund)
				if ft.calls() != tt.wantCalls {
					t.Errorf("%d calls, want %d (err %v)", ft.calls(), tt.wantCalls, err)
				}
			})
		})
	}
}

// go-retryablehttp closes the transport's idle connections after a failed
// request; the transport is shared by every producer's client, so the
// client must not let that through.
func TestSharedTransportKeepsIdleConnections(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ft := &fakeTransport{answer: func(int) (*http.Response, error) { return nil, errors.New("connection refused") }}
		c := newClient(t, "https://p.invalid"+base, &Options{Transport: ft, HTTPClient: &http.Client{}})
		if _, err := c.Query(t.Context(), oneKund); err == nil {
			t.Fatal("no error")
		}
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(10*time.Millisecond, cancel)
		_, _ = c.Query(ctx, oneKund)
		if ft.calls() < 4 {
			t.Fatalf("%d calls; the failing paths were not exercised", ft.calls())
		}
		if ft.closeIdle != 0 {
			t.Errorf("CloseIdleConnections reached the shared transport %d times", ft.closeIdle)
		}
	})
}

func TestLogKeys(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf bytes.Buffer
		logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		ft := &fakeTransport{answer: statuses(503, 503, 503)}
		c := newClient(t, "https://p.invalid"+base, &Options{Transport: ft, Name: "Skatteverket", Logger: logger})
		_, _ = c.Query(WithCorrelationID(t.Context(), "corr-42"), oneKund)
		var msgs []string
		for line := range strings.Lines(buf.String()) {
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatal(err)
			}
			msgs = append(msgs, rec["msg"].(string))
			for _, k := range []string{"producer", "attempt", "status", "correlation_id"} {
				if _, ok := rec[k]; !ok {
					t.Errorf("%q has no %s: %s", rec["msg"], k, line)
				}
			}
			if rec["producer"] != "Skatteverket" || rec["correlation_id"] != "corr-42" {
				t.Errorf("producer/correlation_id = %v/%v", rec["producer"], rec["correlation_id"])
			}
		}
		want := []string{
			"minaarenden: attempt", "minaarenden: retrying",
			"minaarenden: attempt", "minaarenden: retrying",
			"minaarenden: attempt", "minaarenden: request failed",
		}
		if diff := cmp.Diff(want, msgs); diff != "" {
			t.Errorf("log lines mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"120", 2 * time.Minute, true},
		{"-5", 0, false},
		{"99999999999999999", 24 * time.Hour, true},
		{"Thu, 01 Jan 2026 12:00:30 GMT", 30 * time.Second, true},
		{"soon", 0, false},
	}
	for _, tt := range tests {
		got, ok := retryAfter(tt.in, now)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestBackoffBounds(t *testing.T) {
	tests := []struct {
		policy   RetryPolicy
		attempt  int
		min, max time.Duration
	}{
		{RetryPolicy{}, 1, 50 * time.Millisecond, 100 * time.Millisecond},
		{RetryPolicy{}, 3, 200 * time.Millisecond, 400 * time.Millisecond},
		{RetryPolicy{}, 10, time.Second, 2 * time.Second},
		{RetryPolicy{}, 1000, time.Second, 2 * time.Second},
		{RetryPolicy{MinBackoff: 10 * time.Minute, MaxBackoff: time.Hour}, 60, 30 * time.Minute, time.Hour},
		{RetryPolicy{MinBackoff: time.Second, MaxBackoff: time.Millisecond}, 2, 500 * time.Millisecond, time.Second},
	}
	for _, tt := range tests {
		p := tt.policy.resolve()
		for range 50 {
			if got := p.wait(tt.attempt, nil); got < tt.min || got > tt.max {
				t.Errorf("%+v attempt %d: wait %v outside [%v, %v]", tt.policy, tt.attempt, got, tt.min, tt.max)
				break
			}
		}
	}
}

// brokenBody gives part of an answer, then the error a reset connection
// gives.
type brokenBody struct{ r io.Reader }

func (b *brokenBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}
func (b *brokenBody) Close() error { return nil }

func TestAnswerBrokenOffIsRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ft := &fakeTransport{answer: func(n int) (*http.Response, error) {
			resp := response(200, nil, okEmpty)
			if n == 0 {
				resp.Body = &brokenBody{strings.NewReader(okEmpty[:10])}
			}
			return resp, nil
		}}
		c := newClient(t, "https://p.invalid"+base, &Options{Transport: ft})
		a, err := c.Query(t.Context(), oneKund)
		if err != nil {
			t.Fatal(err)
		}
		if ft.calls() != 2 || a.Outcomes[0].Attempts != 2 {
			t.Errorf("%d calls, %d attempts; want the answer read on the second", ft.calls(), a.Outcomes[0].Attempts)
		}
	})
}
