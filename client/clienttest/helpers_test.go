package clienttest

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// Test identifiers: valid Luhn, invented.
const (
	pnr   = "199001012385" // personnummer
	pnr2  = "198112189876" // personnummer, someone else
	orgnr = "165560360793" // organisationsnummer
)

func person(id string) *minaarenden.Kund {
	return &minaarenden.Kund{Identifierare: minaarenden.Identifierare(id), Typ: minaarenden.Personnummer}
}

func company(tillagg string) *minaarenden.Kund {
	return &minaarenden.Kund{Identifierare: orgnr, Typ: minaarenden.Organisationsnummer, Tillagg: tillagg}
}

// at is a Swedish wall-clock time.
func at(s string) time.Time {
	t, err := minaarenden.ParseTidpunkt(s, nil)
	if err != nil {
		panic(err)
	}
	return t
}

func link(nyckel, url, text string) minaarenden.Referens {
	return minaarenden.Referens{Nyckel: nyckel, Varden: []minaarenden.ReferensVarde{{URL: url, Lanktext: text}}}
}

func text(nyckel, s string) minaarenden.Referens {
	return minaarenden.Referens{Nyckel: nyckel, Varden: []minaarenden.ReferensVarde{{Text: s}}}
}

// skvEvents is a small Skatteverket data set: a person's momsdeklaration, a
// company's arbetsgivare case (two firms under one number told apart by
// tillagg), and an event filed under a person and a diarienummer.
func skvEvents() []minaarenden.Kundhandelse {
	ev := func(id, typ, tid string, part minaarenden.Part) minaarenden.Kundhandelse {
		return minaarenden.Kundhandelse{
			KundhandelseID: id, Rubrik: "Rubrik " + id, Beskrivning: "Beskrivning " + id, Sprak: "sv",
			Producent: "Skatteverket", Tidpunkt: at(tid), Typ: minaarenden.Kundhandelsetyp(typ), Part: part,
		}
	}
	e1 := ev("m1", "SKV.MOMS.DEKL_INLAMAD", "2025-08-12 14:03:55.00", minaarenden.Part{Kund: person(pnr)})
	e1.UtokadInformation = minaarenden.UtokadInformation(`{"servicelofte":"30 dagar"}`)
	e1.Referenser = minaarenden.Referenser{
		text("producentarende", "MOMS-2025-07"),
		link("etjanst", "https://example.invalid/moms", "Se din deklaration"),
	}
	e2 := ev("m2", "SKV.MOMS.KOMPLETTERING", "2025-08-31 23:30:00", minaarenden.Part{Kund: person(pnr)})
	e2.KraverKundatgard = true
	e3 := ev("o1", "SKV.MOMSOMPROVNING.BESLUT", "2025-09-01 00:30:00", minaarenden.Part{Kund: person(pnr)})
	e4 := ev("a1", "SKV.ARBETSGIVARE.ANSOKAN", "2025-03-02 09:14:07", minaarenden.Part{Kund: company("1")})
	e5 := ev("a2", "SKV.ARBETSGIVARE.BESLUT", "2025-03-09 05:02:00", minaarenden.Part{Kund: company("2")})
	e5.Klart = true
	e6 := ev("d1", "SKV.FASTIGHET.BESLUT", "2025-10-26 02:30:00", minaarenden.Part{
		Kund: person(pnr), Arende: &minaarenden.Arende{Identifierare: "DNR-131-2025", Typ: minaarenden.Diarienummer}})
	e6.Taggar = []string{"bostad"}
	return []minaarenden.Kundhandelse{e1, e2, e3, e4, e5, e6}
}

func skvConfig(v minaarenden.Version) Config {
	return Config{
		Version:   v,
		Producent: "Skatteverket",
		Events:    skvEvents(),
		Taggar:    map[string][]minaarenden.Kundhandelsetyp{"foretagande": {"SKV.MOMS", "SKV.ARBETSGIVARE"}},
	}
}

// producerRequest builds a valid request for version v about part, with
// extra body fields merged in (a nil value deletes a field).
func producerReq(v minaarenden.Version, part map[string]any, extra map[string]any) (http.Header, []byte) {
	h := http.Header{"Content-Type": {"application/json"}}
	body := map[string]any{}
	for k, val := range part {
		body[k] = val
	}
	switch {
	case v.AtLeast(minaarenden.V5_0):
		body["anvandare"] = pnr
		if v == minaarenden.V5_0 {
			body["sessionID"] = "0b9e5b3e-3c4f-4b1e-9d6a-2f7e8c1d0a11"
		}
		if v.AtLeast(minaarenden.V6_0) {
			h.Set("x-correlation-id", "corr-1")
		}
	default:
		h.Set("anropandeOrganisation", orgnr)
		h.Set("anvandare", pnr)
	}
	for k, val := range extra {
		if val == nil {
			delete(body, k)
			continue
		}
		body[k] = val
	}
	b, _ := json.Marshal(body)
	return h, b
}

var personPart = map[string]any{"kund": map[string]any{"identifierare": pnr, "typ": "Personnummer"}}

// do sends one request to h in-process and returns the response.
func do(t *testing.T, h http.Handler, method, path string, header http.Header, body []byte) (int, http.Header, []byte) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

func mustHandler(t *testing.T, cfg Config) *Handler {
	t.Helper()
	h, err := NewHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	var indented bytes.Buffer
	if err := json.Indent(&indented, got, "", "  "); err != nil {
		t.Fatalf("answer is not JSON: %v\n%s", err, got)
	}
	indented.WriteByte('\n')
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, indented.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), indented.String()); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

// pipeListener is a net.Listener over net.Pipe, so a server and its clients
// can run inside a synctest bubble, where blocking on a pipe counts as
// durably blocked and the fake clock can move.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error { l.once.Do(func() { close(l.done) }); return nil }

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// servePipe serves h on a pipe listener and returns a client that reaches
// it at http://clienttest. Call the returned stop before the bubble ends.
func servePipe(h http.Handler) (*http.Client, func()) {
	l := newPipeListener()
	s := &http.Server{Handler: h}
	go s.Serve(l)
	tr := &http.Transport{DialContext: l.dial}
	return &http.Client{Transport: tr}, func() {
		tr.CloseIdleConnections()
		s.Close()
	}
}
