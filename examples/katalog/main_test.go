package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden/catalog"
	"github.com/aterkoppling/minaarenden/catalog/sample"
)

// ownCatalog is producer p's own catalog: the sample's types that list p,
// plus extra types (JSON objects of the catalog format).
func ownCatalog(t *testing.T, p string, extra ...string) *catalog.Catalog {
	t.Helper()
	c, err := sample.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	var types []json.RawMessage
	for _, typ := range c.Producentarendetyper {
		if slices.Contains(typ.Producenter, p) {
			b, err := json.Marshal(typ)
			if err != nil {
				t.Fatal(err)
			}
			types = append(types, b)
		}
	}
	for _, e := range extra {
		types = append(types, json.RawMessage(e))
	}
	doc, err := json.Marshal(map[string]any{"producentarendetyper": types})
	if err != nil {
		t.Fatal(err)
	}
	own, err := catalog.Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	return own
}

// newSKV is a new type under Skatteverket's prefix, shaped like SKV.ARBETSGIVARE.
func newSKV(t *testing.T) string {
	t.Helper()
	c, err := sample.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	typ, _ := c.Type("SKV.ARBETSGIVARE")
	b, err := json.Marshal(typ)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "SKV.ARBETSGIVARE", "SKV.NY")
}

// producer is a producer's catalog API on loopback whose handler a test
// can replace.
type producer struct {
	h   atomic.Pointer[http.Handler]
	url string
}

func newProducer(t *testing.T, h http.Handler) *producer {
	p := &producer{}
	p.set(h)
	mux := http.NewServeMux()
	mux.Handle("/katalog/", http.StripPrefix("/katalog", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*p.h.Load()).ServeHTTP(w, r)
	})))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p.url = srv.URL + "/katalog"
	return p
}

func (p *producer) set(h http.Handler) { p.h.Store(&h) }

// producers serves every producer of the sample catalog as it is and
// writes the -sync file; over replaces a producer's handler.
func producers(t *testing.T, over map[string]http.Handler) (syncFile string, served map[string]*producer) {
	t.Helper()
	served = map[string]*producer{}
	var srcs []catalog.SyncSource
	for _, name := range []string{"Bolagsverket", "PRV", "Skatteverket", "Stockholms stad", "Värmdö kommun"} {
		h := over[name]
		if h == nil {
			h = catalog.Handler(ownCatalog(t, name))
		}
		served[name] = newProducer(t, h)
		srcs = append(srcs, catalog.SyncSource{Producent: name, URL: served[name].url})
	}
	return writeJSON(t, "producers.json", srcs), served
}

func writeJSON(t *testing.T, name string, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, name, string(b))
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// refusing answers a listing with one type twice, a catalog Sync refuses.
var refusing = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	io.WriteString(w, `{"producent":"Skatteverket","producentarendetyper":[{"id":"SKV.MOMS"},{"id":"SKV.MOMS"}]}`)
})

func TestRunUsage(t *testing.T) {
	good, _ := producers(t, nil)
	catalogDir := t.TempDir()
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"unknown flag", []string{"-nope"}, exitUsage, "flag provided but not defined"},
		{"argument", []string{"extra"}, exitUsage, `unexpected argument "extra"`},
		{"interval without sync", []string{"-interval", "1h"}, exitUsage, "-interval needs -sync"},
		{"negative interval", []string{"-sync", good, "-interval", "-1s"}, exitUsage, "-interval must be positive"},
		{"sync without out", []string{"-sync", good}, exitUsage, "needs -out"},
		{"out without sync", []string{"-out", "x.json"}, exitUsage, "-out needs -sync"},
		{"json without sync", []string{"-json"}, exitUsage, "-json applies to a one-shot -sync"},
		{"no sync file", []string{"-sync", filepath.Join(t.TempDir(), "saknas.json"), "-out", "x.json"}, exitUsage, "no such file"},
		{"not an array", []string{"-sync", writeFile(t, "p.json", `{"producent":"PRV"}`), "-out", "x.json"}, exitUsage, "not a JSON array"},
		{"unknown field", []string{"-sync", writeFile(t, "p.json", `[{"producent":"PRV","url":"http://127.0.0.1:1"},{"producent":"SKV","url":"http://127.0.0.1:1","prefix":"SKV"}]`), "-out", "x.json"},
			exitUsage, `entry 1: json: unknown field "prefix"`},
		{"bad url", []string{"-sync", writeFile(t, "p.json", `[{"producent":"PRV","url":"katalog.prv.se"}]`), "-out", "x.json"},
			exitUsage, `entry 0: "PRV": base URL "katalog.prv.se" is not an absolute http(s) URL`},
		{"no producent", []string{"-sync", writeFile(t, "p.json", `[{"url":"http://127.0.0.1:1"}]`), "-out", "x.json"}, exitUsage, "entry 0: no producent"},
		{"bad prefix", []string{"-sync", writeFile(t, "p.json", `[{"producent":"PRV","url":"http://127.0.0.1:1","prefixes":["prv"]}]`), "-out", "x.json"},
			exitUsage, `entry 0: "PRV": prefix "prv" is not one segment`},
		{"producent twice", []string{"-sync", writeFile(t, "p.json", `[{"producent":"PRV","url":"http://127.0.0.1:1"},{"producent":"PRV","url":"http://127.0.0.1:2"}]`), "-out", "x.json"},
			exitUsage, "entry 1 (PRV): the producent is also entry 0"},
		{"no producers", []string{"-sync", writeFile(t, "p.json", `[]`), "-out", "x.json"}, exitUsage, "lists no producers"},
		{"out inside the catalog directory", []string{"-catalog", catalogDir, "-sync", good, "-out", filepath.Join(catalogDir, "merged.json")},
			exitUsage, "is a *.json file in the -catalog directory"},
		{"catalog missing", []string{"-catalog", filepath.Join(t.TempDir(), "saknas")}, exitOther, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(t.Context(), tt.args, &out, &errOut); code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.wantCode, errOut.String())
			}
			if !strings.Contains(errOut.String(), tt.wantErr) {
				t.Errorf("stderr does not contain %q:\n%s", tt.wantErr, errOut.String())
			}
		})
	}
}

func TestSyncOnce(t *testing.T) {
	t.Run("all merged: exit 0, the catalog written", func(t *testing.T) {
		syncFile, _ := producers(t, map[string]http.Handler{"Skatteverket": catalog.Handler(ownCatalog(t, "Skatteverket", newSKV(t)))})
		out := filepath.Join(t.TempDir(), "catalog.json")
		var stdout, stderr bytes.Buffer
		if code := run(t.Context(), []string{"-sync", syncFile, "-out", out}, &stdout, &stderr); code != exitOK {
			t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr.String())
		}
		c, err := catalog.Load(out)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := c.Type("SKV.NY"); !ok {
			t.Error("the written catalog lacks the new type SKV.NY")
		}
		if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o644 {
			t.Errorf("-out mode %v (%v), want 0644", fi.Mode(), err)
		}
		for _, want := range []string{"PRODUCENT  ", "Skatteverket     merged", "added  SKV.NY  3 steps, 2 edges"} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("report does not contain %q:\n%s", want, stdout.String())
			}
		}
	})
	t.Run("one unreachable, one refused: exit 3, the rest written", func(t *testing.T) {
		// A server that drops every connection unanswered: a closed
		// server's port could be taken meanwhile by a test running beside
		// this one, which would answer.
		dropping := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
		}))
		t.Cleanup(dropping.Close)
		syncFile, _ := producers(t, map[string]http.Handler{"Skatteverket": refusing})
		var srcs []catalog.SyncSource
		b, _ := os.ReadFile(syncFile)
		json.Unmarshal(b, &srcs)
		srcs[0].URL = dropping.URL // Bolagsverket
		syncFile = writeJSON(t, "producers.json", srcs)
		out := filepath.Join(t.TempDir(), "catalog.json")
		var stdout, stderr bytes.Buffer
		if code := run(t.Context(), []string{"-sync", syncFile, "-out", out, "-json"}, &stdout, &stderr); code != exitPartial {
			t.Fatalf("exit %d, want 3; stderr:\n%s", code, stderr.String())
		}
		var report catalog.SyncReport
		if err := json.Unmarshal(stdout.Bytes(), &report); err != nil {
			t.Fatalf("-json output: %v\n%s", err, stdout.String())
		}
		var got []string
		for _, p := range report.Producenter {
			got = append(got, p.Producent+" "+string(p.Status))
		}
		want := []string{"Bolagsverket unreachable", "PRV merged", "Skatteverket refused", "Stockholms stad merged", "Värmdö kommun merged"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("statuses mismatch (-want +got):\n%s", diff)
		}
		c, err := catalog.Load(out)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := c.Type("SKV.MOMS"); !ok {
			t.Error("the refused producer's type is gone from the written catalog")
		}
	})
	t.Run("-out unwritable: exit 1, the old file untouched", func(t *testing.T) {
		syncFile, _ := producers(t, nil)
		dir := t.TempDir()
		out := filepath.Join(dir, "catalog.json")
		const old = `{"producentarendetyper": []}` // what was there before
		if err := os.WriteFile(out, []byte(old), 0o644); err != nil {
			t.Fatal(err)
		}
		makeUnwritable(t, dir)
		var stdout, stderr bytes.Buffer
		if code := run(t.Context(), []string{"-sync", syncFile, "-out", out}, &stdout, &stderr); code != exitOther {
			t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr.String())
		}
		if !strings.Contains(stderr.String(), "writing "+out) {
			t.Errorf("stderr does not name -out:\n%s", stderr.String())
		}
		if b, err := os.ReadFile(out); err != nil || string(b) != old {
			t.Errorf("old file now %q (%v), want it untouched", b, err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Errorf("the directory holds %d entries, want only the old file", len(entries))
		}
	})
	t.Run("-out a directory: exit 1, nothing left behind", func(t *testing.T) {
		syncFile, _ := producers(t, nil)
		dir := t.TempDir()
		out := filepath.Join(dir, "catalog.json")
		if err := os.Mkdir(out, 0o755); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		if code := run(t.Context(), []string{"-sync", syncFile, "-out", out}, &stdout, &stderr); code != exitOther {
			t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr.String())
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Errorf("the directory holds %d entries, want no temporary file left", len(entries))
		}
	})
}

// makeUnwritable makes dir refuse new files: by its mode, or, for root
// (whom modes do not stop), by the immutable attribute. It skips the test
// when neither works here.
func makeUnwritable(t *testing.T, dir string) {
	t.Helper()
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	writable := func() bool {
		f, err := os.CreateTemp(dir, "probe")
		if err != nil {
			return false
		}
		f.Close()
		os.Remove(f.Name())
		return true
	}
	if !writable() {
		return
	}
	if err := exec.Command("chattr", "+i", dir).Run(); err == nil {
		t.Cleanup(func() { exec.Command("chattr", "-i", dir).Run() })
	}
	if writable() {
		t.Skip("cannot make a directory unwritable here (root without chattr)")
	}
}

// logBuffer collects run's stderr and lets a test wait for what it writes.
type logBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	written chan struct{} // closed and replaced on every write
}

func newLogBuffer() *logBuffer { return &logBuffer{written: make(chan struct{})} }

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	close(l.written)
	l.written = make(chan struct{})
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// await re-checks cond after every write until it holds. The watchdog only
// keeps a broken test from hanging; nothing is asserted on time.
func (l *logBuffer) await(t *testing.T, what string, cond func(log string) bool) {
	t.Helper()
	watchdog := time.After(time.Minute)
	for {
		l.mu.Lock()
		log, written := l.b.String(), l.written
		l.mu.Unlock()
		if cond(log) {
			return
		}
		select {
		case <-written:
		case <-watchdog:
			t.Fatalf("waiting for %s; stderr:\n%s", what, log)
		}
	}
}

// start runs the program with args until the test ends and returns the URL
// it serves on.
func start(t *testing.T, args ...string) (url string, log *logBuffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	log = newLogBuffer()
	exited := make(chan int, 1)
	go func() { exited <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), io.Discard, log) }()
	serving := regexp.MustCompile(`serving (http://\S+)/\n`)
	log.await(t, "the URL", func(s string) bool { return serving.MatchString(s) })
	url = serving.FindStringSubmatch(log.String())[1]
	stopped := false
	stop = func() int {
		stopped = true
		cancel()
		return <-exited
	}
	t.Cleanup(func() {
		if !stopped {
			stop()
		}
	})
	return url, log, stop
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// With no flags it serves the embedded sample catalog's API, and stops
// cleanly when its context (SIGINT, SIGTERM) is done.
func TestServeSample(t *testing.T) {
	url, log, stop := start(t)
	code, body := get(t, url+"/producenter/Skatteverket/producentarendetyper")
	if code != http.StatusOK || !strings.Contains(body, `"SKV.MOMS"`) {
		t.Errorf("GET producenter/Skatteverket: %d %s", code, body)
	}
	resp, err := http.Get(url + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") ||
		!strings.Contains(string(page), "typ/SKV.MOMS") {
		t.Errorf("GET /: %d, CSP %q, want the viewer's index linking SKV.MOMS:\n%s", resp.StatusCode, resp.Header.Get("Content-Security-Policy"), page)
	}
	if code := stop(); code != exitOK {
		t.Errorf("exit %d after stop, want 0; stderr:\n%s", code, log.String())
	}
}

// Serving while syncing: a producer's change shows in the served API after
// a sync; a producer refused later leaves the served catalog as it was.
func TestServeSwap(t *testing.T) {
	syncFile, served := producers(t, nil)
	url, log, stop := start(t, "-sync", syncFile, "-interval", "10ms")
	flow := url + "/producentarendetyper/SKV.NY/flode"
	if code, _ := get(t, flow); code != http.StatusNotFound {
		t.Fatalf("GET SKV.NY: %d before the producer added it", code)
	}

	served["Skatteverket"].set(catalog.Handler(ownCatalog(t, "Skatteverket", newSKV(t))))
	var before string
	log.await(t, "SKV.NY served", func(string) bool {
		code, body := get(t, flow)
		before = body
		return code == http.StatusOK
	})
	if code, page := get(t, url+"/typ/SKV.NY"); code != http.StatusOK || !strings.Contains(page, "<svg") {
		t.Errorf("GET /typ/SKV.NY: %d, want the viewer's page with its flow:\n%s", code, page)
	}

	served["Skatteverket"].set(refusing)
	mark := len(log.String())
	log.await(t, "a refused sync", func(s string) bool {
		return strings.Contains(s[mark:], "producer=Skatteverket status=refused") && strings.Contains(s[mark:], "catalog swapped")
	})
	if code, body := get(t, flow); code != http.StatusOK || body != before {
		t.Errorf("GET SKV.NY after a refused sync: %d %s, want the catalog unchanged:\n%s", code, body, before)
	}
	if code := stop(); code != exitOK {
		t.Errorf("exit %d after stop, want 0; stderr:\n%s", code, log.String())
	}
}

// The README's command lines are ones this program accepts.
func TestREADMECommands(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start := strings.Index(readme, "## The catalog for people")
	if start < 0 {
		t.Fatal("README has no section The catalog for people")
	}
	section := readme[start:]
	section = section[:strings.Index(section[3:], "\n## ")+3]
	syncFile := writeFile(t, "producers.json", `[{"producent": "Skatteverket", "url": "https://katalog.skatteverket.example/v1"}]`)
	cmds := regexp.MustCompile(`(?m)katalog( -[^\x60\n]*)`).FindAllStringSubmatch(section, -1)
	if len(cmds) < 3 {
		t.Fatalf("found %d command lines in the README's section, want the systemd, cron and serving ones", len(cmds))
	}
	for _, m := range cmds {
		args := strings.Fields(strings.ReplaceAll(m[1], "producers.json", syncFile))
		if _, code := parseFlags(args, io.Discard); code >= 0 {
			t.Errorf("README's katalog%s: exit %d, want it accepted", m[1], code)
		}
	}
}

// TestMain lets TestSignals run this test binary as the program itself.
func TestMain(m *testing.M) {
	if os.Getenv("KATALOG_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// SIGINT and SIGTERM stop the server cleanly: exit 0, after the requests
// in flight.
func TestSignals(t *testing.T) {
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-addr", "127.0.0.1:0")
			cmd.Env = append(os.Environ(), "KATALOG_RUN_MAIN=1")
			log := newLogBuffer()
			cmd.Stderr = log
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			serving := regexp.MustCompile(`serving (http://\S+)/\n`)
			log.await(t, "the URL", func(s string) bool { return serving.MatchString(s) })
			url := serving.FindStringSubmatch(log.String())[1]
			if code, _ := get(t, url+"/producenter/PRV/producentarendetyper"); code != http.StatusOK {
				t.Errorf("GET: %d before the signal", code)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Wait(); err != nil {
				t.Errorf("after %v: %v, want exit 0; stderr:\n%s", sig, err, log.String())
			}
		})
	}
}
