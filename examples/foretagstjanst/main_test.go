package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/catalog/sample"
	"github.com/aterkoppling/minaarenden/client"
	"github.com/aterkoppling/minaarenden/client/clienttest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// contract mirrors the -json output documented in main.go, field for field;
// decoding rejects any other field.
type contract struct {
	Complete *bool `json:"complete"`
	Sources  []struct {
		Producent string `json:"producent"`
		Status    string `json:"status"`
		HTTPCode  int    `json:"httpCode"`
		Events    int    `json:"events"`
		Error     string `json:"error"`
	} `json:"sources"`
	Arenden []struct {
		Typ       string `json:"typ"`
		Producent string `json:"producent"`
		Referens  string `json:"referens"`
		Status    string `json:"status"`
		Bollen    string `json:"bollen"`
		Steg      []struct {
			Typ   string `json:"typ"`
			State string `json:"state"`
		} `json:"steg"`
		Nasta      []string `json:"nasta"`
		Aterstar   []string `json:"aterstar"`
		Avvikelser []struct {
			Kind           string `json:"kind"`
			KundhandelseID string `json:"kundhandelseId"`
			Detail         string `json:"detail"`
		} `json:"avvikelser"`
	} `json:"arenden"`
}

func decodeContract(t *testing.T, out string) contract {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	var c contract
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("-json output does not decode into the contract: %v\n%s", err, out)
	}
	if c.Complete == nil || c.Sources == nil || c.Arenden == nil {
		t.Fatalf("-json output lacks complete, sources or arenden:\n%s", out)
	}
	// Every key of every case is present, slices as [] rather than null.
	var raw struct {
		Arenden []map[string]json.RawMessage `json:"arenden"`
	}
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	for _, a := range raw.Arenden {
		for _, k := range []string{"typ", "producent", "referens", "status", "bollen", "steg", "nasta", "aterstar", "avvikelser"} {
			if v, ok := a[k]; !ok || string(v) == "null" {
				t.Errorf("case %s: key %q is missing or null", a["typ"], k)
			}
		}
	}
	return c
}

// summary is a case as the worked example states it.
type summary struct{ Producent, Status, Bollen string }

func cases(c contract) map[string]summary {
	m := map[string]summary{}
	for _, a := range c.Arenden {
		m[a.Typ] = summary{a.Producent, a.Status, a.Bollen}
	}
	return m
}

// piaCases are the statuses of the worked example (Pia's Tacotruck, in the README), the same
// as flow's golden test.
var piaCases = map[string]summary{
	"BV.VERKLIG_HUVUDMAN":   {"Bolagsverket", "ej_paborjad", "kund"},
	"SKV.ARBETSGIVARE":      {"Skatteverket", "klart", "ingen"},
	"PRV.VARUMARKE":         {"PRV", "vantar_pa_kund", "kund"},
	"KOMMUN.FETTAVSKILJARE": {"Stockholms stad", "pagaende", "producent"},
}

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(t.Context(), args, &out, &errOut)
	checkNoIdentifiers(t, out.String()+errOut.String())
	return code, out.String(), errOut.String()
}

// identifierLike matches a personnummer or organisationsnummer in any
// usual form.
var identifierLike = regexp.MustCompile(`\d{10,}|\d{6}(?:\d{2})?[-+ ]\d{4}`)

// uuid matches a correlation or request id, which errors keep whole so it
// can be matched against a producer's logs; its hex groups may happen to
// be all digits.
var uuid = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

func checkNoIdentifiers(t *testing.T, s string) {
	t.Helper()
	if m := identifierLike.FindString(uuid.ReplaceAllString(s, "<uuid>")); m != "" {
		t.Errorf("output holds an identifier-like number %q", m)
	}
}

// inRepoRoot runs the test from the repository root, where the command's
// default path (testdata/pia) resolves.
func inRepoRoot(t *testing.T) {
	t.Chdir(filepath.Join("..", ".."))
}

func TestDefaultJSON(t *testing.T) {
	inRepoRoot(t)
	code, out, errOut := runCmd(t, "-json")
	if code != exitComplete {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, errOut)
	}
	// The contract's bytes, streamed case by case, are those json.Encoder
	// wrote when the report was built whole (the golden file predates
	// streaming).
	golden := filepath.Join("examples", "foretagstjanst", "testdata", "pia.json")
	if *update {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), out); diff != "" {
		t.Errorf("-json mismatch (-want +got):\n%s", diff)
	}
	c := decodeContract(t, out)
	if !*c.Complete {
		t.Errorf("complete = false, want true")
	}
	if diff := cmp.Diff(piaCases, cases(c)); diff != "" {
		t.Errorf("cases mismatch (-want +got):\n%s", diff)
	}
	var producers []string
	for _, s := range c.Sources {
		if s.Status != "ok" || s.HTTPCode != 200 || s.Error != "" {
			t.Errorf("source %s: status %s, HTTP %d, error %q; want ok, 200, none", s.Producent, s.Status, s.HTTPCode, s.Error)
		}
		producers = append(producers, s.Producent)
	}
	if diff := cmp.Diff([]string{"Bolagsverket", "Skatteverket", "PRV", "Stockholms stad"}, producers); diff != "" {
		t.Errorf("sources mismatch (-want +got):\n%s", diff)
	}
}

func TestDefaultTable(t *testing.T) {
	inRepoRoot(t)
	code, out, errOut := runCmd(t)
	if code != exitComplete {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, errOut)
	}
	golden := filepath.Join("examples", "foretagstjanst", "testdata", "pia.txt")
	if *update {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), out); diff != "" {
		t.Errorf("table mismatch (-want +got):\n%s", diff)
	}
}

// TestPartialFailure runs the command against clienttest producers given in
// a -producers file, one of which fails.
func TestPartialFailure(t *testing.T) {
	tests := []struct {
		name       string
		fail       func(s *standIns)
		args       []string
		wantSource summary // producent, status; Bollen holds the HTTP code as text
		wantOkand  string  // the failing producer's expected case
	}{
		{
			name: "producer answers 500",
			fail: func(s *standIns) {
				s.server("PRV").Handler.SetFault(clienttest.Fault{HTTPCode: http.StatusInternalServerError, Message: "databasen svarar inte"})
			},
			wantSource: summary{"PRV", "error", "500"},
			wantOkand:  "PRV.VARUMARKE",
		},
		{
			name:       "producer stalls",
			fail:       func(s *standIns) { s.server("Skatteverket").Handler.SetFault(clienttest.Fault{Stall: true}) },
			args:       []string{"-timeout", "300ms"},
			wantSource: summary{"Skatteverket", "timeout", "0"},
			wantOkand:  "SKV.ARBETSGIVARE",
		},
		{
			name: "producer behind the forwarding service fails",
			fail: func(s *standIns) {
				s.server(forwardingName).Handler.SetProducerFault("Stockholms stad", clienttest.Fault{HTTPCode: http.StatusBadGateway})
			},
			wantSource: summary{"Stockholms stad", "error", "502"},
			wantOkand:  "KOMMUN.FETTAVSKILJARE",
		},
		{
			name: "forwarding service answers 503",
			fail: func(s *standIns) {
				s.server(forwardingName).Handler.SetFault(clienttest.Fault{HTTPCode: http.StatusServiceUnavailable})
			},
			args:       []string{"-timeout", "2s"},
			wantSource: summary{forwardingName, "error", "503"},
			wantOkand:  "KOMMUN.FETTAVSKILJARE",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startPia(t)
			tt.fail(s)
			args := append([]string{"-producers", s.file(t), "-catalog", "../../catalog/sample",
				"-kund", string(piaOrganisation), "-kundtyp", "Organisationsnummer",
				"-anvandare", string(piaPersonnummer), "-organisation", string(standInOrganisation),
				"-expect", strings.Join(piaExpected, ","), "-json"}, tt.args...)
			code, out, errOut := runCmd(t, args...)
			if code != exitPartial {
				t.Errorf("exit %d, want 3; stderr:\n%s", code, errOut)
			}
			c := decodeContract(t, out)
			if *c.Complete {
				t.Errorf("complete = true, want false")
			}
			var failed []summary
			for _, src := range c.Sources {
				if src.Status == "ok" {
					continue
				}
				failed = append(failed, summary{src.Producent, src.Status, strconv.Itoa(src.HTTPCode)})
				if src.Error == "" {
					t.Errorf("source %s failed (%s) with an empty error", src.Producent, src.Status)
				}
			}
			if diff := cmp.Diff([]summary{tt.wantSource}, failed); diff != "" {
				t.Errorf("failed sources mismatch (-want +got):\n%s", diff)
			}
			// The other producers' cases are all there, and the failing
			// one's expected case is unknown, never "not started".
			want := map[string]summary{}
			for typ, s := range piaCases {
				want[typ] = s
			}
			w := want[tt.wantOkand]
			want[tt.wantOkand] = summary{w.Producent, "okand", "ingen"}
			if diff := cmp.Diff(want, cases(c)); diff != "" {
				t.Errorf("cases mismatch (-want +got):\n%s", diff)
			}
			if !strings.Contains(errOut, "partial answer") {
				t.Errorf("stderr does not say the answer is partial:\n%s", errOut)
			}
		})
	}
}

// TestExpectedProducerNotAsked leaves Skatteverket out of the -producers
// file: its expected case is okand, since nobody asked it, not ej_paborjad.
func TestExpectedProducerNotAsked(t *testing.T) {
	s := startPia(t)
	var kept []client.Endpoint
	for _, ep := range s.endpoints {
		if ep.Name != "Skatteverket" {
			kept = append(kept, ep)
		}
	}
	s.endpoints = kept
	code, out, errOut := runCmd(t, "-producers", s.file(t), "-catalog", "../../catalog/sample",
		"-kund", string(piaOrganisation), "-anvandare", string(piaPersonnummer), "-organisation", string(standInOrganisation),
		"-expect", strings.Join(piaExpected, ","), "-json")
	if code != exitComplete {
		t.Fatalf("exit %d, want 0 (every source asked answered); stderr:\n%s", code, errOut)
	}
	want := map[string]summary{}
	for typ, s := range piaCases {
		want[typ] = s
	}
	want["SKV.ARBETSGIVARE"] = summary{"Skatteverket", "okand", "ingen"}
	if diff := cmp.Diff(want, cases(decodeContract(t, out))); diff != "" {
		t.Errorf("cases mismatch (-want +got):\n%s", diff)
	}
}

// TestProducersFileAPIKey checks that apiKeyHeader and apiKeyEnv send the
// key from the environment.
func TestProducersFileAPIKey(t *testing.T) {
	s := startPia(t)
	t.Setenv("PRV_TEST_KEY", "hemlig-nyckel")
	for i := range s.endpoints {
		if s.endpoints[i].Name == "PRV" {
			s.endpoints[i].APIKeyHeader, s.endpoints[i].APIKeyEnv = "X-API-Key", "PRV_TEST_KEY"
		}
	}
	code, _, errOut := runCmd(t, "-producers", s.file(t), "-catalog", "../../catalog/sample",
		"-kund", string(piaOrganisation), "-anvandare", string(piaPersonnummer), "-organisation", string(standInOrganisation))
	if code != exitComplete {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, errOut)
	}
	for name, want := range map[string]string{"PRV": "hemlig-nyckel", "Skatteverket": ""} {
		reqs := s.server(name).Handler.Requests()
		if len(reqs) == 0 {
			t.Fatalf("%s got no request", name)
		}
		if got := reqs[0].Header.Get("X-API-Key"); got != want {
			t.Errorf("%s: X-API-Key %q, want %q", name, got, want)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	old := write("old.json", `[{"name": "Bolagsverket", "url": "http://127.0.0.1:1/x", "version": "4.1", "prefixes": ["BV"]}]`)
	tests := []struct {
		name     string
		args     []string
		wantText string // in stderr
	}{
		{"unknown flag", []string{"-nope"}, "flag provided but not defined"},
		{"identifier in a duration flag", []string{"-timeout", "199001012385"}, `invalid value "************" for flag -timeout`},
		{"positional argument", []string{"extra"}, "unexpected argument"},
		{"kund fails Luhn", []string{"-kund", "165591234562"}, "check digit does not match (Luhn)"},
		{"personnummer with a bad date", []string{"-kund", "199013012385", "-kundtyp", "Personnummer"}, "date part is not a real date"},
		{"kund too short", []string{"-kund", "5591234561", "-kundtyp", "organisationsnummer"}, "must be exactly 12 digits"},
		{"unknown kundtyp", []string{"-kund", "165591234561", "-kundtyp", "Bolag"}, "must be Personnummer, Samordningsnummer or Organisationsnummer"},
		{"kundtyp without kund", []string{"-kundtyp", "Personnummer"}, "-kundtyp needs -kund"},
		{"anvandare fails Luhn", []string{"-anvandare", "199001012386"}, "-anvandare"},
		{"expect not a type", []string{"-expect", "SKV"}, "-expect"},
		{"expect a step id", []string{"-expect", "SKV.ARBETSGIVARE.ANSOKAN"}, "not a producentärendetyp"},
		{"expect an identifier as producent", []string{"-expect", "SKV.ARBETSGIVARE@199003151231"}, "looks like an identity number"},
		{"expect a hyphenated identifier as producent", []string{"-expect", "SKV.ARBETSGIVARE@1990-03-15-1231"}, "looks like an identity number"},
		{"expect an escape sequence as producent", []string{"-expect", "SKV.ARBETSGIVARE@PRV\x1b[2J"}, "control or non-printing"},
		{"json and serve", []string{"-json", "-serve", "127.0.0.1:0"}, "exclude each other"},
		{"serve on every interface without a token", []string{"-serve", ":8081"}, "listens beyond loopback"},
		{"serve on 0.0.0.0 without a token", []string{"-serve", "0.0.0.0:0"}, "listens beyond loopback"},
		{"serve on a public address without a token", []string{"-serve", "192.0.2.1:8081"}, "listens beyond loopback"},
		{"serve on [::] without a token", []string{"-serve", "[::]:0"}, "listens beyond loopback"},
		{"token-env without serve", []string{"-token-env", "HOME"}, "-token-env needs -serve"},
		{"token-env unset", []string{"-serve", "0.0.0.0:0", "-token-env", "FORETAGSTJANST_TEST_UNSET"}, "FORETAGSTJANST_TEST_UNSET is not set or empty"},
		{"producers without kund", []string{"-producers", old}, "-kund is required"},
		{"producers file missing", []string{"-producers", filepath.Join(dir, "none.json"), "-kund", "165591234561"}, "-producers"},
		{"producers key misspelt", []string{"-producers", write("typo.json", `[{"name": "A", "url": "http://a.example", "prefixes": ["A"], "apiKeyEnvv": "X"}]`), "-kund", "165591234561"}, `unknown field "apiKeyEnvv"`},
		{"producer without prefixes", []string{"-producers", write("nopfx.json", `[{"name": "A", "url": "http://a.example"}]`), "-kund", "165591234561"}, "prefixes are required"},
		{"api key variable unset", []string{"-producers", write("key.json", `[{"name": "A", "url": "http://a.example", "prefixes": ["A"], "apiKeyHeader": "X-API-Key", "apiKeyEnv": "FORETAGSTJANST_TEST_UNSET"}]`), "-kund", "165591234561"}, "FORETAGSTJANST_TEST_UNSET is not set"},
		{"unknown version", []string{"-producers", write("ver.json", `[{"name": "A", "url": "http://a.example", "prefixes": ["A"], "version": "7.0"}]`), "-kund", "165591234561"}, `version "7.0"`},
		{"4.1 without organisation", []string{"-producers", old, "-kund", "165591234561", "-catalog", "../../catalog/sample"}, "give -organisation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, tt.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want 2; stderr:\n%s", code, errOut)
			}
			if out != "" {
				t.Errorf("stdout is not empty:\n%s", out)
			}
			if !strings.Contains(errOut, tt.wantText) {
				t.Errorf("stderr does not contain %q:\n%s", tt.wantText, errOut)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	code, out, errOut := runCmd(t, "-h")
	if code != exitComplete || out != "" || !strings.Contains(errOut, "-producers file") {
		t.Errorf("-h: exit %d, stdout %q, stderr:\n%s\nwant exit 0 and the usage on stderr", code, out, errOut)
	}
}

// TestNoCatalog gives a -catalog path that does not exist: the message names
// -catalog and the path.
func TestNoCatalog(t *testing.T) {
	code, _, errOut := runCmd(t, "-catalog", "no-such-catalog")
	if code != exitFailure {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(errOut, "-catalog") || !strings.Contains(errOut, "no-such-catalog") {
		t.Errorf("stderr does not name -catalog and the path:\n%s", errOut)
	}
}

func TestServe(t *testing.T) {
	inRepoRoot(t)
	ctx, cancel := context.WithCancel(t.Context())
	stderr := newURLWriter()
	var stdout bytes.Buffer
	exited := make(chan int)
	go func() { exited <- run(ctx, []string{"-serve", "127.0.0.1:0"}, &stdout, stderr) }()
	var base string
	select {
	case base = <-stderr.url:
	case code := <-exited:
		t.Fatalf("run exited %d before serving:\n%s", code, stderr)
	}

	post := func(body string) (int, string) {
		resp, err := http.Post(base, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	get := func(query string) (int, string) {
		resp, err := http.Get(base + query)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	t.Run("POST", func(t *testing.T) {
		status, body := post(`{"kund": "165591234561", "kundtyp": "Organisationsnummer", "anvandare": "199001012385"}`)
		if status != http.StatusOK {
			t.Fatalf("status %d, want 200: %s", status, body)
		}
		c := decodeContract(t, body)
		if diff := cmp.Diff(piaCases, cases(c)); diff != "" {
			t.Errorf("cases mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("GET with a legal person's organisationsnummer", func(t *testing.T) {
		status, body := get("?kund=165591234561&expect=PRV.VARUMARKE")
		if status != http.StatusOK {
			t.Fatalf("status %d, want 200: %s", status, body)
		}
		// anvandare, which the 4.1 producer and the forwarding service
		// need, is the server's -anvandare (Pia, with the stand-ins).
		c := decodeContract(t, body)
		want := map[string]summary{"PRV.VARUMARKE": piaCases["PRV.VARUMARKE"]}
		for typ, s := range piaCases {
			if typ != "PRV.VARUMARKE" {
				want[typ] = s // cases with events are there, expected or not
			}
		}
		delete(want, "BV.VERKLIG_HUVUDMAN") // not expected, and no events
		if diff := cmp.Diff(want, cases(c)); diff != "" || !*c.Complete {
			t.Errorf("complete %v; cases mismatch (-want +got):\n%s", *c.Complete, diff)
		}
	})
	for _, tt := range []struct{ name, body, query, want string }{
		{name: "GET with a personnummer", query: "?kund=199001012385", want: "never go into a URL"},
		{name: "POST with an invalid kund", body: `{"kund": "199001012386"}`, want: "Luhn"},
		{name: "POST with an unknown field", body: `{"kund": "165591234561", "personnummer": "199001012385"}`, want: "unknown field"},
		{name: "POST expecting an identifier as producent", body: `{"kund": "165591234561", "expect": ["SKV.MOMS@199003151231"]}`, want: "looks like an identity number"},
		{name: "GET expecting an identifier as producent", query: "?kund=165591234561&expect=SKV.MOMS@1990-03-15-1231", want: "looks like an identity number"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var status int
			var body string
			if tt.query != "" {
				status, body = get(tt.query)
			} else {
				status, body = post(tt.body)
			}
			if status != http.StatusBadRequest || !strings.Contains(body, tt.want) {
				t.Errorf("got %d %s, want 400 containing %q", status, body, tt.want)
			}
			checkNoIdentifiers(t, body)
		})
	}

	cancel()
	if code := <-exited; code != exitComplete {
		t.Errorf("run exited %d after shutdown, want 0", code)
	}
	logs := stderr.String()
	checkNoIdentifiers(t, logs)
	if strings.Contains(logs, "kund=") {
		t.Errorf("logs hold a query string:\n%s", logs)
	}
	if n := strings.Count(logs, `msg=request`); n != 7 {
		t.Errorf("logged %d requests, want 7:\n%s", n, logs)
	}
}

// urlWriter collects stderr and hands over the URL from the "listening"
// line.
type urlWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
	url chan string
}

func newURLWriter() *urlWriter { return &urlWriter{url: make(chan string, 1)} }

var listening = regexp.MustCompile(`msg=listening url=(\S+)`)

func (w *urlWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	sc := bufio.NewScanner(bytes.NewReader(p))
	for sc.Scan() {
		if m := listening.FindStringSubmatch(sc.Text()); m != nil {
			w.url <- m[1]
		}
	}
	return len(p), nil
}

func (w *urlWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// startPia starts the stand-ins the command starts without flags, for
// tests that inject faults and give them as a -producers file.
func startPia(t *testing.T) *standIns {
	t.Helper()
	s, err := startStandIns(piaKund(), filepath.Join("..", "..", piaEvents))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func (s *standIns) server(name string) *clienttest.Server {
	for i, ep := range s.endpoints {
		if ep.Name == name {
			return s.servers[i]
		}
	}
	panic("no stand-in " + name)
}

// file writes the stand-ins' endpoints as a -producers file.
func (s *standIns) file(t *testing.T) string {
	t.Helper()
	data, err := json.Marshal(s.endpoints)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "producers.json")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAnvandareDefaultsToKund: with no -anvandare (and, under -serve, no
// anvandare in the request) a question about a person is asked as that
// person (see the package doc), not as the configured or stand-in user.
func TestAnvandareDefaultsToKund(t *testing.T) {
	const other = minaarenden.Identifierare("198112189876") // not Pia
	for _, tt := range []struct {
		name string
		args []string
		want minaarenden.Identifierare
	}{
		{"stand-ins, kund a person", []string{"-kund", string(other)}, other},
		{"stand-ins, kund a company", []string{"-kund", string(piaOrganisation)}, piaPersonnummer},
		{"producers, kund a person", []string{"-producers", "p.json", "-kund", string(other)}, other},
		{"producers, kund a company", []string{"-producers", "p.json", "-kund", string(piaOrganisation)}, ""},
		{"given", []string{"-kund", string(other), "-anvandare", string(piaPersonnummer)}, piaPersonnummer},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseFlags(tt.args, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.anvandare != tt.want {
				t.Errorf("anvandare = %q, want %q", string(cfg.anvandare), string(tt.want))
			}
		})
	}

	t.Run("serve request about a person", func(t *testing.T) {
		kund := minaarenden.Kund{Identifierare: other, Typ: minaarenden.Personnummer}
		s, err := startStandIns(kund, filepath.Join("..", "..", piaEvents))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		cat, err := sample.Catalog()
		if err != nil {
			t.Fatal(err)
		}
		// The server's -anvandare is Pia; the request names no anvandare.
		svc, err := newService(cat, s.endpoints, &config{timeout: 5 * time.Second, organisation: standInOrganisation, anvandare: piaPersonnummer})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ask(t.Context(), kund, "", nil); err != nil {
			t.Fatal(err)
		}
		reqs := s.server("Skatteverket").Handler.Requests() // 6.0: anvandare in the body
		if len(reqs) == 0 {
			t.Fatal("Skatteverket got no request")
		}
		var body struct{ Anvandare string }
		if err := json.Unmarshal(reqs[0].Body, &body); err != nil {
			t.Fatal(err)
		}
		if body.Anvandare != string(other) {
			t.Errorf("asked as %q, want the kund", minaarenden.Identifierare(body.Anvandare))
		}
	})
}

// TestServeShutdownAnswersInFlight: a question in flight when the server
// is told to stop still gets its answer before run returns.
func TestServeShutdownAnswersInFlight(t *testing.T) {
	s := startPia(t)
	s.server("Skatteverket").Handler.SetFault(clienttest.Fault{Stall: true}) // holds the question for -timeout
	ctx, cancel := context.WithCancel(t.Context())
	stderr := newURLWriter()
	exited := make(chan int)
	go func() {
		exited <- run(ctx, []string{"-serve", "127.0.0.1:0", "-producers", s.file(t), "-catalog", "../../catalog/sample",
			"-anvandare", string(piaPersonnummer), "-organisation", string(standInOrganisation), "-timeout", "1s"}, io.Discard, stderr)
	}()
	var base string
	select {
	case base = <-stderr.url:
	case code := <-exited:
		t.Fatalf("run exited %d before serving:\n%s", code, stderr)
	}
	answered := make(chan int, 1)
	go func() {
		resp, err := http.Get(base + "?kund=" + string(piaOrganisation))
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	for s.server("Skatteverket").Handler.RequestCount() == 0 {
		time.Sleep(time.Millisecond) // until the question is in flight
	}
	cancel()
	if code := <-exited; code != exitComplete {
		t.Errorf("run exited %d, want 0", code)
	}
	// run has returned: the question in flight must have been answered
	// and logged by now.
	if !strings.Contains(stderr.String(), "msg=request method=GET") {
		t.Errorf("run returned before the question in flight was answered:\n%s", stderr)
	}
	if code := <-answered; code != http.StatusOK {
		t.Errorf("question in flight got %d, want 200", code)
	}
}
