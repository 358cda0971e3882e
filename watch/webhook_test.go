package watch

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The Standard Webhooks specification's published test vector, from its
// reference libraries (github.com/standard-webhooks/standard-webhooks,
// libraries/go/webhook_test.go, TestWebhookSign; the same values are in
// every language's tests there).
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = 1614265330
	vectorBody      = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSignMatchesTheStandardWebhooksTestVector(t *testing.T) {
	got, err := Sign(vectorSecret, vectorID, time.Unix(vectorTimestamp, 0), []byte(vectorBody))
	if err != nil {
		t.Fatal(err)
	}
	if got != vectorSignature {
		t.Errorf("Sign = %q, want the specification's %q", got, vectorSignature)
	}
}

func TestVerify(t *testing.T) {
	at := time.Unix(vectorTimestamp, 0)
	header := func(edit func(h http.Header)) http.Header {
		h := http.Header{}
		h.Set(HeaderWebhookID, vectorID)
		h.Set(HeaderWebhookTimestamp, fmt.Sprint(vectorTimestamp))
		h.Set(HeaderWebhookSignature, vectorSignature)
		if edit != nil {
			edit(h)
		}
		return h
	}
	tests := []struct {
		name   string
		secret string
		h      http.Header
		body   string
		now    time.Time
		ok     bool
	}{
		{"the vector", vectorSecret, header(nil), vectorBody, at, true},
		{"secret without prefix", strings.TrimPrefix(vectorSecret, "whsec_"), header(nil), vectorBody, at, true},
		{"one of several signatures", vectorSecret, header(func(h http.Header) {
			h.Set(HeaderWebhookSignature, "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,x "+vectorSignature)
		}), vectorBody, at, true},
		{"within tolerance", vectorSecret, header(nil), vectorBody, at.Add(4 * time.Minute), true},
		{"too old", vectorSecret, header(nil), vectorBody, at.Add(6 * time.Minute), false},
		{"from the future", vectorSecret, header(nil), vectorBody, at.Add(-6 * time.Minute), false},
		{"body changed", vectorSecret, header(nil), `{"test": 2432232315}`, at, false},
		{"id changed", vectorSecret, header(func(h http.Header) { h.Set(HeaderWebhookID, "msg_other") }), vectorBody, at, false},
		{"wrong secret", "whsec_" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", header(nil), vectorBody, at, false},
		{"no signature", vectorSecret, header(func(h http.Header) { h.Del(HeaderWebhookSignature) }), vectorBody, at, false},
		{"timestamp not a number", vectorSecret, header(func(h http.Header) { h.Set(HeaderWebhookTimestamp, "soon") }), vectorBody, at, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.secret, tt.h, []byte(tt.body), tt.now, 5*time.Minute)
			if tt.ok != (err == nil) {
				t.Fatalf("Verify = %v, want ok %v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrSignature) {
				t.Errorf("error %v does not wrap ErrSignature", err)
			}
		})
	}
}

func TestNewWebhookRefuses(t *testing.T) {
	for _, tt := range []struct{ url, secret, want string }{
		{"ftp://x/y", vectorSecret, "http or https"},
		{"/relative", vectorSecret, "http or https"},
		{"https://x/y", "whsec_not base64!", "base64"},
		{"https://x/y", "", "base64"},
		{"http://10.1.1.1/hook?token=t0ps3cret", vectorSecret, "plain http to a host other than loopback"},
		{"http://hooks.example.se/hook", vectorSecret, "AllowInsecureHTTP"},
		{"http://127.0.0.1.example.se/hook", vectorSecret, "plain http"},
		// 23 bytes of key, one short.
		{"https://x/y", "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 23)), "23 bytes, fewer than the 24"},
		{"https://x/y", "whsec_c2VjcmV0", "6 bytes"},
	} {
		_, err := NewWebhook(tt.url, tt.secret, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewWebhook(%q, …) = %v, want an error saying %q", tt.url, err, tt.want)
		}
		if err != nil && tt.secret != "" && strings.Contains(err.Error(), tt.secret) {
			t.Errorf("error quotes the secret: %v", err)
		}
		if err != nil && strings.Contains(err.Error(), "t0ps3cret") {
			t.Errorf("error quotes the URL's query: %v", err)
		}
	}
}

func TestNewWebhookAccepts(t *testing.T) {
	for _, tt := range []struct {
		url  string
		opts *WebhookOptions
	}{
		{"https://hooks.example.se/hook", nil},
		{"http://127.0.0.1:8080/hook", nil},
		{"http://[::1]:8080/hook", nil},
		{"http://localhost/hook", nil},
		{"http://10.1.1.1/hook", &WebhookOptions{AllowInsecureHTTP: true}},
	} {
		if _, err := NewWebhook(tt.url, vectorSecret, tt.opts); err != nil {
			t.Errorf("NewWebhook(%q, %+v): %v", tt.url, tt.opts, err)
		}
	}
	// 64 bytes, the longest Standard Webhooks secret.
	if _, err := NewWebhook("https://x/y", "whsec_"+base64.StdEncoding.EncodeToString(make([]byte, 64)), nil); err != nil {
		t.Errorf("NewWebhook with a 64-byte key: %v", err)
	}
}

// receiver is a webhook receiver on loopback that verifies what it gets
// and answers with the statuses given, then 204.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	statuses []int
	got      []http.Header
	bodies   [][]byte
	verified []error
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{statuses: statuses}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.got = append(r.got, req.Header.Clone())
		r.bodies = append(r.bodies, body)
		r.verified = append(r.verified, Verify(vectorSecret, req.Header, body, time.Now(), time.Minute))
		status := http.StatusNoContent
		if len(r.statuses) > 0 {
			status, r.statuses = r.statuses[0], r.statuses[1:]
		}
		w.WriteHeader(status)
		if status >= 300 {
			fmt.Fprint(w, "receiver down for 199001012385's sake")
		}
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

var testEntry = OutboxEntry{ID: "n-1", Subscription: "sub-1", Body: []byte(`{"id":"n-1","subscription":"sub-1"}`)}

func TestWebhookDelivers(t *testing.T) {
	r := newReceiver(t)
	w, err := NewWebhook(r.URL+"/hook?token=secret", vectorSecret, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Deliver(context.Background(), testEntry); err != nil {
		t.Fatal(err)
	}
	if r.requests() != 1 {
		t.Fatalf("%d requests, want 1", r.requests())
	}
	if r.verified[0] != nil {
		t.Errorf("the receiver could not verify the signature: %v", r.verified[0])
	}
	if got := r.got[0].Get(HeaderWebhookID); got != "n-1" {
		t.Errorf("webhook-id = %q, want the notification id", got)
	}
	if got := r.got[0].Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
	if diff := cmp.Diff(string(testEntry.Body), string(r.bodies[0])); diff != "" {
		t.Errorf("body mismatch (-want +got):\n%s", diff)
	}
}

func TestWebhookRetries(t *testing.T) {
	tests := []struct {
		name     string
		statuses []int
		attempts int
		ok       bool
	}{
		{"503 then 200", []int{503, 503}, 3, true},
		{"429 then 200", []int{429}, 2, true},
		{"down for good", []int{500, 502, 503, 504}, 3, false},
		{"400 is not retried", []int{400}, 1, false},
		{"a redirect is not a delivery", []int{302, 302, 302}, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newReceiver(t, tt.statuses...)
			w, err := NewWebhook(r.URL, vectorSecret, &WebhookOptions{Backoff: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			err = w.Deliver(context.Background(), testEntry)
			if tt.ok != (err == nil) {
				t.Fatalf("Deliver = %v, want ok %v", err, tt.ok)
			}
			if r.requests() != tt.attempts {
				t.Errorf("%d requests, want %d", r.requests(), tt.attempts)
			}
			for i, h := range r.got {
				if h.Get(HeaderWebhookID) != "n-1" || r.verified[i] != nil {
					t.Errorf("attempt %d: id %q, verified %v", i, h.Get(HeaderWebhookID), r.verified[i])
				}
			}
			if err != nil {
				msg := err.Error()
				if strings.Contains(msg, "199001012385") || strings.Contains(msg, r.URL) {
					t.Errorf("error leaks the URL or an identifier: %q", msg)
				}
				if !strings.Contains(msg, "HTTP ") {
					t.Errorf("error %q does not name the status", msg)
				}
			}
		})
	}
}

func TestWebhookDoesNotFollowRedirectsElsewhere(t *testing.T) {
	other := newReceiver(t)
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/stolen", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirect.Close)
	w, err := NewWebhook(redirect.URL, vectorSecret, &WebhookOptions{Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Deliver(context.Background(), testEntry); err == nil {
		t.Error("a redirect to another host counted as delivered")
	}
	if other.requests() != 0 {
		t.Errorf("the signed notification followed the redirect to another host")
	}
}

func TestWebhookVerifiesTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
	srv.StartTLS()
	t.Cleanup(srv.Close)
	w, err := NewWebhook(srv.URL, vectorSecret, &WebhookOptions{Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	err = w.Deliver(context.Background(), testEntry)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("Deliver to a self-signed server = %v, want a certificate error", err)
	}
	// With the server's own client (trusting its certificate) it goes.
	w, _ = NewWebhook(srv.URL, vectorSecret, &WebhookOptions{Client: srv.Client()})
	if err := w.Deliver(context.Background(), testEntry); err != nil {
		t.Error(err)
	}
}

// roundTripFunc lets synctest tests answer without a network, whose I/O
// would keep the bubble's clock from moving.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestWebhookBackoffAndTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var at []time.Duration
		start := time.Now()
		var calls atomic.Int32
		client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			at = append(at, time.Since(start))
			if calls.Add(1) == 1 {
				<-r.Context().Done() // the first attempt stalls until its timeout
				return nil, r.Context().Err()
			}
			return &http.Response{StatusCode: 503, Body: io.NopCloser(bytes.NewReader(nil))}, nil
		})}
		w, err := NewWebhook("https://receiver.invalid/hook", vectorSecret, &WebhookOptions{
			Client: client, Timeout: 5 * time.Second, Attempts: 4, Backoff: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		err = w.Deliver(context.Background(), testEntry)
		if err == nil || !strings.Contains(err.Error(), "HTTP 503") {
			t.Fatalf("Deliver = %v, want the last failure, HTTP 503", err)
		}
		if len(at) != 4 {
			t.Fatalf("%d attempts, want 4", len(at))
		}
		// Attempt 1 times out at 5s; then waits of [1s,2s), [2s,4s), [4s,8s).
		gaps := []time.Duration{at[1] - at[0], at[2] - at[1], at[3] - at[2]}
		lows := []time.Duration{5*time.Second + time.Second, 2 * time.Second, 4 * time.Second}
		for i, g := range gaps {
			if g < lows[i] || g > 2*lows[i] {
				t.Errorf("gap %d = %v, want within [%v, %v]", i, g, lows[i], 2*lows[i])
			}
		}
	})
}

func TestWebhookStopsWhenCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 503, Body: io.NopCloser(bytes.NewReader(nil))}, nil
		})}
		w, _ := NewWebhook("https://receiver.invalid/hook", vectorSecret, &WebhookOptions{Client: client, Attempts: 10, Backoff: time.Hour})
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		start := time.Now()
		err := w.Deliver(ctx, testEntry)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Deliver = %v, want the context's error", err)
		}
		if d := time.Since(start); d != time.Minute {
			t.Errorf("returned after %v, want at the context's deadline", d)
		}
	})
}

func TestJSONLines(t *testing.T) {
	var buf bytes.Buffer
	s := NewJSONLines(&buf)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			e := OutboxEntry{ID: fmt.Sprint(i), Body: []byte(fmt.Sprintf("{\n  \"id\": \"%d\"\n}", i))}
			if err := s.Deliver(context.Background(), e); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 20 {
		t.Fatalf("%d lines, want 20:\n%s", len(lines), buf.String())
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, `{"id":"`) || !strings.HasSuffix(l, `"}`) {
			t.Errorf("line %q is not one compact JSON object", l)
		}
	}
	if err := s.Deliver(context.Background(), OutboxEntry{ID: "x", Body: []byte("not json")}); err == nil {
		t.Error("a body that is not JSON was written")
	}
}
