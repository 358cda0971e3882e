package client_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/client"
)

func TestReadEndpoints(t *testing.T) {
	t.Setenv("ENDPOINTS_TEST_KEY", "s3cret")
	in := `[{"name": "Skatteverket", "url": "https://skv.example/v6", "version": "6.0", "prefixes": ["SKV"],
	         "apiKeyHeader": "X-API-Key", "apiKeyEnv": "ENDPOINTS_TEST_KEY", "zone": "UTC"},
	        {"name": "Vidareförmedling", "url": "https://fwd.example", "dialect": "forwarding"}]`
	got, err := client.ReadEndpoints(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []client.Endpoint{
		{Name: "Skatteverket", URL: "https://skv.example/v6", Version: "6.0", Prefixes: []string{"SKV"},
			APIKeyHeader: "X-API-Key", APIKeyEnv: "ENDPOINTS_TEST_KEY", Zone: "UTC"},
		{Name: "Vidareförmedling", URL: "https://fwd.example", Dialect: "forwarding"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("endpoints mismatch (-want +got):\n%s", diff)
	}
}

func TestReadEndpointsRefuses(t *testing.T) {
	// Secrets and identifiers that must never reach an error.
	secrets := []string{"s3cret", "199001012385"}
	const ok = `{"name": "A", "url": "https://a.example", "prefixes": ["A"]}`
	tests := []struct {
		name, in string
		want     []string // in the error
	}{
		{"not JSON", `{`, []string{"not a JSON array of endpoints"}},
		{"an object", `{"name": "A"}`, []string{"not a JSON array of endpoints"}},
		{"empty", `[]`, []string{"no endpoints"}},
		{"something after", `[` + ok + `] [` + ok + `]`, []string{"something follows the array of endpoints"}},
		{"misspelt key", `[{"name": "A", "url": "https://a.example", "prefixes": ["A"], "apiKeyEnvv": "s3cret"}]`,
			[]string{`unknown field "apiKeyEnvv"`}},
		{"key in the file", `[{"name": "A", "url": "https://a.example", "prefixes": ["A"], "apiKey": "s3cret"}]`,
			[]string{`unknown field "apiKey"`}},
		{"no name", `[{"url": "https://a.example", "prefixes": ["A"]}]`, []string{"entry 0", "name is required"}},
		{"no url", `[` + ok + `, {"name": "B", "prefixes": ["B"]}]`, []string{`entry 1 ("B")`, "url is required"}},
		{"no prefixes", `[{"name": "A", "url": "https://a.example/?key=s3cret&pnr=199001012385"}]`,
			[]string{`entry 0 ("A")`, "prefixes are required"}},
		{"bad prefix", `[{"name": "A", "url": "https://a.example", "prefixes": ["a b"]}]`, []string{`entry 0 ("A")`}},
		{"unknown dialect", `[{"name": "A", "url": "https://a.example", "dialect": "soap"}]`, []string{`dialect "soap"`}},
		{"unknown version", `[{"name": "A", "url": "https://a.example", "prefixes": ["A"], "version": "7.0"}]`, []string{`version "7.0"`}},
		{"header without variable", `[{"name": "A", "url": "https://a.example", "prefixes": ["A"], "apiKeyHeader": "X-API-Key"}]`,
			[]string{"apiKeyHeader and apiKeyEnv go together"}},
		{"variable unset", `[{"name": "A", "url": "https://a.example", "prefixes": ["A"], "apiKeyHeader": "X-API-Key", "apiKeyEnv": "ENDPOINTS_TEST_UNSET"}]`,
			[]string{"ENDPOINTS_TEST_UNSET is not set"}},
		{"unknown zone", `[{"name": "A", "url": "https://a.example", "prefixes": ["A"], "zone": "Mars/Olympus"}]`, []string{`zone "Mars/Olympus"`}},
		{"two of a name", `[` + ok + `, ` + ok + `]`, []string{`entries 0 and 1 are both named "A"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eps, err := client.ReadEndpoints(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("no error; read %+v", eps)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			for _, s := range secrets {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q repeats %q", err, s)
				}
			}
		})
	}
}

// TestEndpointNew asks through a client built from an entry: the key goes
// in its header, a tidpunkt without offset is read in the entry's zone, and
// the options the entry does not set come from the caller.
func TestEndpointNew(t *testing.T) {
	t.Setenv("ENDPOINTS_TEST_KEY", "s3cret")
	var mu sync.Mutex
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = r.Header.Clone()
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"metadata":{"version":"3.1"},"kundhandelser":[
			{"kundhandelseId":"a","tidpunkt":"2023-05-02 10:00:00.00","kundhandelseTyp":"SKV.MOMS.INLAMNAD"}]}`))
	}))
	t.Cleanup(srv.Close)
	ep := client.Endpoint{Name: "Skatteverket", URL: srv.URL, Version: "3.1", Prefixes: []string{"SKV"},
		APIKeyHeader: "X-API-Key", APIKeyEnv: "ENDPOINTS_TEST_KEY", Zone: "UTC"}
	c, err := ep.New(&client.Options{AnropandeOrganisation: "165560360793"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Name() != "Skatteverket" || c.Dialect() != client.Producer {
		t.Errorf("client %q dialect %v, want Skatteverket, producer", c.Name(), c.Dialect())
	}
	if diff := cmp.Diff([]minaarenden.Kundhandelsetyp{"SKV"}, c.Prefixes()); diff != "" {
		t.Errorf("prefixes mismatch (-want +got):\n%s", diff)
	}
	a, err := c.Query(t.Context(), minaarenden.Fraga{Parter: []minaarenden.Part{{Kund: &minaarenden.Kund{
		Identifierare: "199001012385", Typ: minaarenden.Personnummer}}}})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if k := got.Get("X-API-Key"); k != "s3cret" {
		t.Errorf("X-API-Key %q, want the key from ENDPOINTS_TEST_KEY", k)
	}
	if o := got.Get("anropandeOrganisation"); o != "165560360793" {
		t.Errorf("anropandeOrganisation %q, want the caller's", o)
	}
	if len(a.Events) != 1 || !a.Events[0].Tidpunkt.Equal(time.Date(2023, 5, 2, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("events %+v, want one at 10:00 UTC", a.Events)
	}
}

func TestEndpointNewForwarding(t *testing.T) {
	c, err := client.Endpoint{Name: "Vidareförmedling", URL: "https://fwd.example", Dialect: "forwarding"}.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Dialect() != client.Forwarding {
		t.Errorf("dialect %v, want forwarding", c.Dialect())
	}
}

// TestEndpointNewRefuses checks that an entry built in code is checked as
// one read from a file, and that New's own checks still apply.
func TestEndpointNewRefuses(t *testing.T) {
	tests := []struct {
		name string
		ep   client.Endpoint
		want string
	}{
		{"variable unset", client.Endpoint{Name: "A", URL: "https://a.example", Prefixes: []string{"A"},
			APIKeyHeader: "X-API-Key", APIKeyEnv: "ENDPOINTS_TEST_UNSET"}, "ENDPOINTS_TEST_UNSET is not set"},
		{"no prefixes", client.Endpoint{Name: "A", URL: "https://a.example"}, "prefixes are required"},
		{"4.1 without organisation", client.Endpoint{Name: "A", URL: "https://a.example", Prefixes: []string{"A"}, Version: "4.1"},
			"requires Options.AnropandeOrganisation"},
		{"plain http", client.Endpoint{Name: "A", URL: "http://a.example/?key=s3cret", Prefixes: []string{"A"}}, "plain http"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.ep.New(nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q repeats the URL's query", err)
			}
		})
	}
}

// FuzzReadEndpoints checks that any input is read or refused without
// panicking, and that what is read survives writing and reading again.
func FuzzReadEndpoints(f *testing.F) {
	f.Add(`[{"name": "A", "url": "https://a.example", "prefixes": ["A"]}]`)
	f.Add(`[{"name": "F", "url": "https://f.example", "dialect": "forwarding", "version": "6.0", "zone": "UTC"}]`)
	f.Add(`[{"name": "A", "url": "x", "prefixes": ["A"]}, {"name": "A", "url": "y", "prefixes": ["B"]}]`)
	f.Add(`[] []`)
	f.Fuzz(func(t *testing.T, in string) {
		eps, err := client.ReadEndpoints(strings.NewReader(in))
		if err != nil {
			return
		}
		data, err := json.Marshal(eps)
		if err != nil {
			t.Fatal(err)
		}
		again, err := client.ReadEndpoints(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("written endpoints not read again: %v\n%s", err, data)
		}
		if diff := cmp.Diff(eps, again); diff != "" {
			t.Errorf("round trip mismatch (-want +got):\n%s", diff)
		}
	})
}

func ExampleReadEndpoints() {
	file := `[{"name": "Skatteverket", "url": "https://skv.example/minaarenden/v6", "version": "6.0", "prefixes": ["SKV"]},
	          {"name": "Vidareförmedling", "url": "https://fwd.example", "dialect": "forwarding"}]`
	eps, err := client.ReadEndpoints(strings.NewReader(file))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ep := range eps {
		c, err := ep.New(&client.Options{Konsumenttjanst: "Mina ärenden-portalen"})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(c.Name(), c.Dialect(), c.Prefixes())
	}
	// Output:
	// Skatteverket producer [SKV]
	// Vidareförmedling forwarding []
}

func TestLoadEndpoints(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", `[{"name": "A", "url": "https://a.example", "prefixes": ["A"]}]`)
	eps, err := client.LoadEndpoints(good)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]client.Endpoint{{Name: "A", URL: "https://a.example", Prefixes: []string{"A"}}}, eps); diff != "" {
		t.Errorf("endpoints mismatch (-want +got):\n%s", diff)
	}
	bad := write("bad.json", `[{"name": "A", "url": "https://a.example"}]`)
	tests := []struct {
		name, file string
		want       []string
	}{
		{"missing", filepath.Join(dir, "none.json"), []string{"none.json"}},
		{"bad entry", bad, []string{"client: " + bad + `: entry 0 ("A")`, "prefixes are required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.LoadEndpoints(tt.file)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}
