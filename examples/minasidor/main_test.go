package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden/client/clienttest"
	"github.com/aterkoppling/minaarenden/flow"
	"github.com/aterkoppling/minaarenden/flow/widget"
	"github.com/aterkoppling/minaarenden/internal/chromium"
)

func newTestPortal(t *testing.T) *portal {
	t.Helper()
	p, err := newPortal("", filepath.Join("..", "..", "testdata", "pia", "kundhandelser.json"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// The rendered case list, as a reader sees it: name, producer and status
// per case, in page order. Both the served HTML and Chromium's DOM dump
// keep the widget's markup on one line per element.
var (
	caseName   = regexp.MustCompile(`<h3 class="ma-arende__namn">([^<]*)</h3>`)
	caseStatus = regexp.MustCompile(`<span class="ma-status ma-status--[a-z_]+">([^<]*)</span>`)
)

func caseList(html string) []string {
	var out []string
	names, statuses := caseName.FindAllStringSubmatch(html, -1), caseStatus.FindAllStringSubmatch(html, -1)
	for i := range names {
		s := names[i][1] + ": "
		if i < len(statuses) {
			s += statuses[i][1]
		}
		out = append(out, s)
	}
	return out
}

var piaList = []string{
	"Registrera varumärke: Väntar på dig",
	"Anmäla verklig huvudman: Ej påbörjat",
	"Anmäla fettavskiljare: Handläggs",
	"Registrera arbetsgivare: Klart",
}

// inlineCode matches anything a strict CSP would block or a reviewer
// would not accept: script elements, style elements or attributes, event
// handler attributes, javascript: URLs.
var inlineCode = regexp.MustCompile(`(?i)<script|<style|\sstyle=|\son[a-z]+=|javascript:`)

func TestPage(t *testing.T) {
	srv := httptest.NewServer(newTestPortal(t).Handler())
	t.Cleanup(srv.Close)

	resp, body := get(t, srv.URL+"/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /: %d", resp.StatusCode)
	}
	if got := resp.Header.Get("Content-Security-Policy"); !strings.HasPrefix(got, "default-src 'self'") {
		t.Errorf("Content-Security-Policy %q, want default-src 'self' first", got)
	}
	if m := inlineCode.FindString(body); m != "" {
		t.Errorf("page has %q, which the CSP would block or which is inline code", m)
	}
	if diff := cmp.Diff(piaList, caseList(body)); diff != "" {
		t.Errorf("case list mismatch (-want +got):\n%s", diff)
	}
	if strings.Contains(body, "portal-varning") {
		t.Errorf("page warns of an incomplete answer, but every producer answered")
	}
	for _, id := range []string{string(orgnr), string(personnummer)} {
		if strings.Contains(body, id) {
			t.Errorf("page shows an identifier")
		}
	}

	for _, path := range []string{"/widget.css", "/portal.css"} {
		resp, css := get(t, srv.URL+path)
		got := []string{resp.Header.Get("Content-Type"), resp.Header.Get("Content-Security-Policy")}
		want := []string{"text/css; charset=utf-8", widget.ContentSecurityPolicy}
		if diff := cmp.Diff(want, got); diff != "" || len(css) == 0 {
			t.Errorf("%s: headers mismatch (-want +got):\n%s(body %d bytes)", path, diff, len(css))
		}
	}
	if resp, _ := get(t, srv.URL+"/nope"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /nope: %d, want 404", resp.StatusCode)
	}
}

// TestPagePartial: a producer behind the forwarding service fails; its
// case is unknown, never "not started", and the page says the answer is
// incomplete.
func TestPagePartial(t *testing.T) {
	p := newTestPortal(t)
	p.forwarding.Handler.SetProducerFault("PRV", clienttest.Fault{HTTPCode: http.StatusInternalServerError})
	srv := httptest.NewServer(p.Handler())
	t.Cleanup(srv.Close)

	_, body := get(t, srv.URL+"/")
	want := []string{
		"Anmäla verklig huvudman: Ej påbörjat",
		"Registrera varumärke: Okänt — producenten svarade inte",
		"Anmäla fettavskiljare: Handläggs",
		"Registrera arbetsgivare: Klart",
	}
	if diff := cmp.Diff(want, caseList(body)); diff != "" {
		t.Errorf("case list mismatch (-want +got):\n%s", diff)
	}
	if !strings.Contains(body, `class="portal-varning"`) {
		t.Errorf("page does not warn that the answer is incomplete")
	}
}

// TestPageForwardingDown: the forwarding service itself fails, so no
// producer behind it was heard: every case is unknown, none "not started".
func TestPageForwardingDown(t *testing.T) {
	p := newTestPortal(t)
	p.forwarding.Handler.SetFault(clienttest.Fault{HTTPCode: http.StatusBadRequest})
	srv := httptest.NewServer(p.Handler())
	t.Cleanup(srv.Close)

	_, body := get(t, srv.URL+"/")
	var got []string
	for _, c := range caseList(body) {
		if !strings.HasSuffix(c, ": Okänt — producenten svarade inte") {
			got = append(got, c)
		}
	}
	if len(got) > 0 || len(caseList(body)) != 4 {
		t.Errorf("cases not okand: %q of %q", got, caseList(body))
	}
	if !strings.Contains(body, `class="portal-varning"`) {
		t.Errorf("page does not warn that the answer is incomplete")
	}
}

func TestRunUsage(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"unknown flag", []string{"-nope"}, 2, "flag provided but not defined"},
		{"argument", []string{"extra"}, 2, "unexpected argument"},
		{"no catalog here", []string{"-addr", "127.0.0.1:0"}, 1, "-catalog"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(t.Context(), tt.args, &out, &errOut); code != tt.wantCode {
				t.Errorf("exit %d, want %d", code, tt.wantCode)
			}
			if !strings.Contains(errOut.String(), tt.wantErr) {
				t.Errorf("stderr does not contain %q:\n%s", tt.wantErr, errOut.String())
			}
		})
	}
}

// TestRun serves on a free loopback port, answers, and stops when the
// context is done.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	out := &lineWriter{lines: make(chan string, 8)}
	var errOut bytes.Buffer
	exited := make(chan int)
	go func() {
		exited <- run(ctx, []string{"-addr", "127.0.0.1:0",
			"-catalog", filepath.Join("..", "..", "catalog", "sample"),
			"-events", filepath.Join("..", "..", "testdata", "pia", "kundhandelser.json")}, out, &errOut)
	}()
	var url string
	select {
	case line := <-out.lines:
		url = strings.TrimSpace(strings.TrimPrefix(line, "Mina sidor: "))
	case code := <-exited:
		t.Fatalf("run exited %d before serving: %s", code, errOut.String())
	}
	resp, body := get(t, url)
	if resp.StatusCode != http.StatusOK || len(caseList(body)) != 4 {
		t.Errorf("GET %s: %d with %d cases, want 200 with 4", url, resp.StatusCode, len(caseList(body)))
	}
	cancel()
	if code := <-exited; code != 0 {
		t.Errorf("exit %d after shutdown, want 0", code)
	}
}

// lineWriter hands each write (run prints whole lines) to a channel.
type lineWriter struct{ lines chan string }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.lines <- string(p)
	return len(p), nil
}

// TestBrowser loads the page in real headless Chromium: once to check the
// rendered case list, once to check that the page's CSP blocks inline
// script while script from the page's own origin runs.
func TestBrowser(t *testing.T) {
	browser := chromium.Skip(t)
	p := newTestPortal(t)
	mux := http.NewServeMux()
	mux.Handle("/", p.Handler())
	// The probe goes through widget.Secure, the same middleware as the page.
	mux.Handle("GET /csp-probe", widget.Secure(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, probePage)
	})))
	mux.Handle("GET /probe.js", widget.Secure(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		io.WriteString(w, `document.getElementById("external").textContent = "external script ran";`)
	})))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	t.Run("case list", func(t *testing.T) {
		page := chromium.Load(t, browser, srv.URL+"/")
		if diff := cmp.Diff(piaList, caseList(page.DOM)); diff != "" {
			t.Errorf("rendered case list mismatch (-want +got):\n%s", diff)
		}
		for _, msg := range page.Console {
			if strings.Contains(msg, "Content Security Policy") {
				t.Errorf("the page violates its CSP: %s", msg)
			}
		}
	})
	t.Run("CSP blocks inline script", func(t *testing.T) {
		page := chromium.Load(t, browser, srv.URL+"/csp-probe")
		dom := page.DOM
		// The console says so, which is what the check above relies on.
		if !slices.ContainsFunc(page.Console, func(msg string) bool { return strings.Contains(msg, "Content Security Policy") }) {
			t.Errorf("the blocked inline script left no CSP message; console: %q", page.Console)
		}
		got := []string{text(dom, "inline"), text(dom, "external")}
		// The external script running shows the browser runs script at
		// all, so the untouched inline paragraph is the CSP's doing.
		want := []string{"untouched", "external script ran"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("probe DOM mismatch (-want +got):\n%s\n%s", diff, dom)
		}
	})
}

const probePage = `<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>CSP probe</title></head>
<body>
<p id="inline">untouched</p>
<p id="external">untouched</p>
<script>document.getElementById("inline").textContent = "inline script ran";</script>
<script src="/probe.js"></script>
</body></html>
`

func text(dom, id string) string {
	m := regexp.MustCompile(`<p id="` + id + `">([^<]*)</p>`).FindStringSubmatch(dom)
	if m == nil {
		return "(no #" + id + ")"
	}
	return m[1]
}

// TestServeWaitsForPagesInFlight: a page being rendered when the server is
// told to stop is still sent before serve returns.
func TestServeWaitsForPagesInFlight(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	var finished atomic.Bool
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		io.WriteString(w, "sida")
		finished.Store(true)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error)
	go func() { served <- serve(ctx, srv, ln) }()
	go func() {
		if resp, err := http.Get("http://" + ln.Addr().String() + "/"); err == nil {
			resp.Body.Close()
		}
	}()
	<-entered
	cancel()
	// Give a serve that does not wait the chance to return early; the
	// delay decides nothing when serve is right.
	time.AfterFunc(50*time.Millisecond, func() { close(release) })
	if err := <-served; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if !finished.Load() {
		t.Error("serve returned while a page was still being rendered")
	}
}

// TestNewPortalRefusesBadExpected: a step id among the expected cases is a
// mistake caught at start, not an anomaly shown to every visitor.
func TestNewPortalRefusesBadExpected(t *testing.T) {
	saved := expected
	t.Cleanup(func() { expected = saved })
	expected = append(slices.Clone(saved), flow.Expected{Typ: "SKV.ARBETSGIVARE.ANSOKAN"})
	_, err := newPortal("", filepath.Join("..", "..", "testdata", "pia", "kundhandelser.json"))
	if err == nil || !strings.Contains(err.Error(), "not a producentärendetyp") {
		t.Fatalf("newPortal = %v, want the step id refused", err)
	}
}
