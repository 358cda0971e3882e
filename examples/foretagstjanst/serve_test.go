package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aterkoppling/minaarenden/catalog/sample"
	"github.com/aterkoppling/minaarenden/client/clienttest"
)

const testToken = "s3cret-token-for-tests"

// lockedBuffer is a log sink the server's goroutines write to.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startAPI serves the API over Pia's stand-ins on loopback, as -serve
// does, and returns its /arenden URL and its log.
func startAPI(t *testing.T, s *standIns, cfg apiConfig) (string, *lockedBuffer) {
	t.Helper()
	cat, err := sample.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	svc, err := newService(cat, s.endpoints, &config{timeout: cfg.timeout, anvandare: piaPersonnummer, organisation: standInOrganisation})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.maxInFlight == 0 {
		cfg.maxInFlight = maxInFlight
	}
	logs := &lockedBuffer{}
	srv := httptest.NewServer(svc.api(slog.New(slog.NewTextHandler(logs, nil)), cfg))
	t.Cleanup(srv.Close)
	return srv.URL + "/arenden", logs
}

func do(t *testing.T, method, url, contentType, auth, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const piaBody = `{"kund": "165591234561", "kundtyp": "Organisationsnummer"}`

// TestAPIHostile sends what a hostile or careless client would: each gets
// its status, and the log names only known methods and the status sent.
func TestAPIHostile(t *testing.T) {
	url, logs := startAPI(t, startPia(t), apiConfig{timeout: 5 * time.Second, token: testToken})
	bearer := "Bearer " + testToken
	tests := []struct {
		name               string
		method, ctype      string
		auth, body, query  string
		wantStatus         int
		wantText           string
		wantHeader, wantHV string
	}{
		{name: "the token", method: "POST", ctype: "application/json", auth: bearer, body: piaBody, wantStatus: 200, wantText: `"arenden"`},
		{name: "the token, charset and lower-case scheme", method: "POST", ctype: "application/json; charset=utf-8", auth: "bearer " + testToken, body: piaBody, wantStatus: 200},
		{name: "GET with the token", method: "GET", auth: bearer, query: "?kund=165591234561", wantStatus: 200},
		{name: "no token", method: "POST", ctype: "application/json", body: piaBody, wantStatus: 401, wantText: "bearer token is required",
			wantHeader: "WWW-Authenticate", wantHV: `Bearer realm="foretagstjanst"`},
		{name: "wrong token", method: "POST", ctype: "application/json", auth: "Bearer " + testToken + "x", body: piaBody, wantStatus: 401},
		{name: "token prefix", method: "POST", ctype: "application/json", auth: "Bearer " + testToken[:5], body: piaBody, wantStatus: 401},
		{name: "basic scheme", method: "POST", ctype: "application/json", auth: "Basic " + testToken, body: piaBody, wantStatus: 401},
		{name: "GET without token", method: "GET", query: "?kund=165591234561", wantStatus: 401},
		{name: "unknown path without token", method: "GET", wantStatus: 401},
		{name: "form post", method: "POST", ctype: "application/x-www-form-urlencoded", auth: bearer, body: "kund=165591234561", wantStatus: 415},
		{name: "text/plain", method: "POST", ctype: "text/plain", auth: bearer, body: piaBody, wantStatus: 415},
		{name: "no content type", method: "POST", auth: bearer, body: piaBody, wantStatus: 415},
		{name: "a second object", method: "POST", ctype: "application/json", auth: bearer, body: piaBody + piaBody, wantStatus: 400, wantText: "trailing data"},
		{name: "garbage after the object", method: "POST", ctype: "application/json", auth: bearer, body: piaBody + " ]", wantStatus: 400},
		{name: "whitespace after the object", method: "POST", ctype: "application/json", auth: bearer, body: piaBody + " \n", wantStatus: 200},
		{name: "oversized", method: "POST", ctype: "application/json", auth: bearer, body: `{"kund": "` + strings.Repeat("1", maxBodyBytes) + `"}`, wantStatus: 413},
		{name: "wrong method", method: "PUT", ctype: "application/json", auth: bearer, body: piaBody, wantStatus: 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := do(t, tt.method, url+tt.query, tt.ctype, tt.auth, tt.body)
			body := readBody(t, resp)
			if resp.StatusCode != tt.wantStatus || !strings.Contains(body, tt.wantText) {
				t.Errorf("got %d %q, want %d containing %q", resp.StatusCode, body, tt.wantStatus, tt.wantText)
			}
			if tt.wantHeader != "" && resp.Header.Get(tt.wantHeader) != tt.wantHV {
				t.Errorf("%s = %q, want %q", tt.wantHeader, resp.Header.Get(tt.wantHeader), tt.wantHV)
			}
			checkNoIdentifiers(t, body)
			if strings.Contains(body, testToken) {
				t.Errorf("the answer holds the token: %s", body)
			}
		})
	}

	// A method is any token the client picks: one carrying an identifier
	// must not reach the log.
	resp := do(t, "X199001012385", url, "", bearer, "")
	readBody(t, resp)
	log := logs.String()
	checkNoIdentifiers(t, log)
	if strings.Contains(log, testToken) {
		t.Errorf("the log holds the token:\n%s", log)
	}
	if !strings.Contains(log, "method=OTHER") {
		t.Errorf("an unknown method is not logged as OTHER:\n%s", log)
	}
	for _, want := range []string{"status=401", "status=415", "status=413", "status=405", "status=400", "status=200"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log has no %s:\n%s", want, log)
		}
	}
}

// TestAPIOversizedAtOnce: a Content-Length beyond the bound is answered
// 413 before the body is read, so a client cannot hold the connection by
// announcing a large body and sending it slowly.
func TestAPIOversizedAtOnce(t *testing.T) {
	url, _ := startAPI(t, startPia(t), apiConfig{timeout: 5 * time.Second})
	host := strings.TrimPrefix(strings.TrimSuffix(url, "/arenden"), "http://")
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /arenden HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", host, 1<<30)
	// Only a guard against a hang; the test asserts nothing about time.
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer before the body was sent: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", resp.StatusCode)
	}
}

// TestAPIInFlightBound: beyond the bound a question is answered 503 with
// Retry-After at once, not queued.
func TestAPIInFlightBound(t *testing.T) {
	s := startPia(t)
	s.server("Skatteverket").Handler.SetFault(clienttest.Fault{Stall: true}) // holds the first question until -timeout
	url, _ := startAPI(t, s, apiConfig{timeout: time.Second, maxInFlight: 1})
	first := make(chan int, 1)
	go func() {
		resp, err := http.Post(url, "application/json", strings.NewReader(piaBody))
		if err != nil {
			first <- 0
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	for s.server("Skatteverket").Handler.RequestCount() == 0 {
		time.Sleep(time.Millisecond) // until the first question is in flight
	}
	resp := do(t, "POST", url, "application/json", "", piaBody)
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("second question: %d Retry-After %q %s; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if code := <-first; code != http.StatusOK {
		t.Errorf("first question: %d, want 200 (partial)", code)
	}
	// The place is free again.
	resp = do(t, "POST", url, "application/json", "", piaBody)
	if readBody(t, resp); resp.StatusCode != http.StatusOK {
		t.Errorf("after the first answered: %d, want 200", resp.StatusCode)
	}
}

// TestLogStatusDelivered: the log shows the status the client got — the
// first WriteHeader, or 200 for a handler that writes nothing.
func TestLogStatusDelivered(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"two WriteHeaders", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusCreated)
			w.WriteHeader(http.StatusInternalServerError)
		}, "status=201"},
		{"nothing written", func(w http.ResponseWriter, r *http.Request) {}, "status=200"},
		{"Write without WriteHeader, then WriteHeader", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "x")
			w.WriteHeader(http.StatusTeapot)
		}, "status=200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			srv := httptest.NewServer(logRequests(slog.New(slog.NewTextHandler(&logs, nil)), tt.handler))
			resp, err := http.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			srv.Close() // waits for the handler, and so for its log line
			if !strings.Contains(logs.String(), tt.want) {
				t.Errorf("log %q, want %s (the client got %d)", logs.String(), tt.want, resp.StatusCode)
			}
		})
	}
}

// TestServeTokenEnv runs -serve with -token-env: the token comes from the
// environment, and a request without it is refused.
func TestServeTokenEnv(t *testing.T) {
	inRepoRoot(t)
	t.Setenv("FORETAGSTJANST_TEST_TOKEN", testToken)
	ctx, cancel := context.WithCancel(t.Context())
	stderr := newURLWriter()
	exited := make(chan int)
	go func() {
		exited <- run(ctx, []string{"-serve", "127.0.0.1:0", "-token-env", "FORETAGSTJANST_TEST_TOKEN"}, io.Discard, stderr)
	}()
	var url string
	select {
	case url = <-stderr.url:
	case code := <-exited:
		t.Fatalf("run exited %d before serving:\n%s", code, stderr)
	}
	for _, tt := range []struct {
		auth string
		want int
	}{{"", http.StatusUnauthorized}, {"Bearer wrong", http.StatusUnauthorized}, {"Bearer " + testToken, http.StatusOK}} {
		resp := do(t, "POST", url, "application/json", tt.auth, piaBody)
		if body := readBody(t, resp); resp.StatusCode != tt.want {
			t.Errorf("Authorization %q: %d %s, want %d", tt.auth, resp.StatusCode, body, tt.want)
		}
	}
	cancel()
	if code := <-exited; code != exitComplete {
		t.Errorf("run exited %d, want 0", code)
	}
	if strings.Contains(stderr.String(), testToken) {
		t.Errorf("the log holds the token:\n%s", stderr)
	}
}

// TestAPIOversizedChunked: a body of unannounced length is cut at the
// bound and answered 413, not 400.
func TestAPIOversizedChunked(t *testing.T) {
	url, _ := startAPI(t, startPia(t), apiConfig{timeout: 5 * time.Second})
	body := io.MultiReader(strings.NewReader(`{"kund": "`), strings.NewReader(strings.Repeat("1", 2*maxBodyBytes)), strings.NewReader(`"}`))
	req, err := http.NewRequest("POST", url, body) // a MultiReader has no known length: chunked
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b := readBody(t, resp); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d %s, want 413", resp.StatusCode, b)
	}
	if req.ContentLength != 0 {
		t.Fatalf("the request announced its length (%d): not the case under test", req.ContentLength)
	}
}
