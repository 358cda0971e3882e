package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/internal/benchpair"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/answers/*.want.json from what the decoder reads")

const answersDir = "../testdata/answers"

// decodedForm is what a *.want.json holds: the detected version, the
// events in the 6.1 wire form (tidpunkt in UTC), and what the events
// lacked.
type decodedForm struct {
	Version  minaarenden.Version        `json:"version"`
	Events   []minaarenden.Kundhandelse `json:"events"`
	Warnings []string                   `json:"warnings,omitempty"`
}

func answerFiles(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join(answersDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var answers []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".want.json") {
			answers = append(answers, f)
		}
	}
	if len(answers) == 0 {
		t.Fatal("no answers in " + answersDir)
	}
	return answers
}

// TestDecodeAnswers reads every answer shape in testdata/answers and
// compares the events with the paired *.want.json.
func TestDecodeAnswers(t *testing.T) {
	for _, file := range answerFiles(t) {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			d, err := decodeAnswer(body, minaarenden.Stockholm())
			if err != nil {
				t.Fatalf("decodeAnswer: %v", err)
			}
			if d.bad != nil {
				t.Fatalf("decodeAnswer reported unreadable events: %v", d.bad)
			}
			got := decodedForm{Version: d.version, Events: []minaarenden.Kundhandelse{}}
			for _, g := range d.groups {
				got.Events = append(got.Events, g.events...)
				for _, w := range g.warnings("", true) {
					got.Warnings = append(got.Warnings, w.String())
				}
			}
			gotJSON, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			wantFile := strings.TrimSuffix(file, ".json") + ".want.json"
			if *update {
				if err := os.WriteFile(wantFile, append(gotJSON, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			wantJSON, err := os.ReadFile(wantFile)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(normalize(t, wantJSON), normalize(t, gotJSON)); diff != "" {
				t.Errorf("decoded %s mismatch (-want +got):\n%s", name, diff)
			}
		})
	}
}

func normalize(t testing.TB, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("invalid JSON: %v", err)
	}
	return v
}

// TestDecodeZonelessTidpunkt pins the times the 6.0 answer must decode to,
// independent of the golden file: hours 01–09 (which the RAML's own pattern
// rejects) and a DST-overlap pair whose instants order opposite to their
// text.
func TestDecodeZonelessTidpunkt(t *testing.T) {
	body, err := os.ReadFile(filepath.Join(answersDir, "producer-6.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := decodeAnswer(body, minaarenden.Stockholm())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]time.Time{}
	for _, e := range d.groups[0].events {
		got[e.KundhandelseID[len(e.KundhandelseID)-2:]] = e.Tidpunkt.UTC()
	}
	want := map[string]time.Time{
		"01": time.Date(2025, 8, 12, 3, 12, 0, 0, time.UTC),     // 05:12 summer time
		"02": time.Date(2025, 1, 9, 8, 59, 59, 990e6, time.UTC), // 09:59:59.99 winter time
		"03": time.Date(2025, 10, 26, 0, 30, 0, 0, time.UTC),    // 02:30 in the overlap: the first, summer time
		"04": time.Date(2025, 10, 26, 1, 15, 0, 0, time.UTC),    // 02:15+01:00: the second pass
		"05": time.Date(2025, 3, 4, 0, 2, 3, 0, time.UTC),       // 1:02:03, one-digit fields
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tidpunkt mismatch (-want +got):\n%s", diff)
	}
	if !got["03"].Before(got["04"]) {
		t.Error("02:30 (first pass) must be before 02:15+01:00 (second pass) although its text sorts after")
	}
}

func TestDecodeZoneOption(t *testing.T) {
	body := []byte(`{"metadata":{"version":"6.0"},"kundhandelser":[{"kundhandelseId":"a","tidpunkt":"2025-08-12 05:12:00.00","kundhandelseTyp":"A.B.C"}]}`)
	d, err := decodeAnswer(body, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2025, 8, 12, 5, 12, 0, 0, time.UTC)
	if got := d.groups[0].events[0].Tidpunkt; !got.Equal(want) {
		t.Errorf("zoneless tidpunkt in UTC = %v, want %v", got, want)
	}
}

func TestDecodeShapes(t *testing.T) {
	tests := []struct {
		name        string
		body        string
		wantVersion minaarenden.Version
		wantEvents  int
		wantBad     bool
		wantErr     error
	}{
		{"absent kundhandelser is empty", `{"metadata":{"version":"6.0"}}`, "6.0", 0, false, nil},
		{"null kundhandelser is empty", `{"metadata":{"version":"5.0"},"kundhandelser":null}`, "5.0", 0, false, nil},
		{"3.0 version beside the events", `{"version":"3.0","kundhandelser":[{"kundhandelseId":"a","tidpunkt":"2022-12-22 10:00:00.00","kundhandelseTyp":"P.ARENDE.STEG"}]}`, "3.0", 1, false, nil},
		{"unknown version kept", `{"metadata":{"version":"7.2"},"kundhandelser":[]}`, "7.2", 0, false, nil},
		{"version as an object is reported", `{"metadata":{"version":{"major":6}},"kundhandelser":[{"kundhandelseId":"a","tidpunkt":"2025-01-01T10:00:00Z","kundhandelseTyp":"P.ARENDE.STEG"}]}`, "", 1, true, nil},
		{"not JSON", `<html>`, "", 0, false, ErrMalformedAnswer},
		{"truncated", `{"metadata":{"version":"6.0"},"kundhandelser":[{"kundhandelseId":"a"`, "", 0, false, ErrMalformedAnswer},
		{"one unreadable tidpunkt keeps the other event", `{"kundhandelser":[{"kundhandelseId":"a","tidpunkt":"igår","kundhandelseTyp":"P.ARENDE.STEG"},{"kundhandelseId":"b","tidpunkt":"2025-01-01T10:00:00Z","kundhandelseTyp":"P.ARENDE.STEG"}]}`, "", 1, true, nil},
		{"missing tidpunkt", `{"kundhandelser":[{"kundhandelseId":"a"}]}`, "", 0, true, nil},
		// The decoder sizes the events from a count of "kundhandelseId";
		// a pre-2.0 answer with that name elsewhere still reads its events.
		{"pre-2.0 events with kundhandelseId in utokad information", `{"kundhändelser":[{"kundhändelseId":"a","tidpunkt":"2022-05-01 10:00:00.00","kundhandelseTyp":"P.ARENDE.STEG","utokadInformation":{"kundhandelseId":"x"}}]}`, "", 1, false, nil},
		// A flag that is no boolean costs its event (a guessed false could
		// hide that the customer must act); a wrong type elsewhere keeps it.
		{"unreadable flag costs its event, keeps the rest", `{"kundhandelser":[{"kundhandelseId":"a","tidpunkt":"2025-01-01T10:00:00Z","kundhandelseTyp":"P.ARENDE.STEG","producentarendetKlart":"ja"},{"kundhandelseId":"b","tidpunkt":"2025-01-01T10:00:00Z","kundhandelseTyp":"P.ARENDE.STEG"}]}`, "", 1, true, nil},
		{"wrong type keeps the rest", `{"kundhandelser":[{"kundhandelseId":"a","tidpunkt":"2025-01-01T10:00:00Z","kundhandelseTyp":"P.ARENDE.STEG","rubrik":42},{"kundhandelseId":"b","tidpunkt":"2025-01-01T10:00:00Z","kundhandelseTyp":"P.ARENDE.STEG"}]}`, "", 2, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := decodeAnswer([]byte(tt.body), nil)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if d.version != tt.wantVersion || d.count() != tt.wantEvents || (d.bad != nil) != tt.wantBad {
				t.Errorf("version %q, %d events, bad %v; want %q, %d, bad %v", d.version, d.count(), d.bad, tt.wantVersion, tt.wantEvents, tt.wantBad)
			}
			if d.bad != nil && !errors.Is(d.bad, ErrMalformedAnswer) {
				t.Errorf("bad = %v, want it to wrap ErrMalformedAnswer", d.bad)
			}
		})
	}
}

func TestKategoriFlags(t *testing.T) {
	tests := []struct {
		kategori          string
		kundatgard, klart bool
	}{
		{"Information", false, false},
		{"INFORMATION", false, false},
		{"Åtgärd krävs", true, false},
		{"KUNDATGARD", true, false},
		{"Komplettering", true, false},
		{"Väntar på kund", true, false},
		{"Bollen hos kund", true, false},
		{"Pågående", false, false},
		{"KLART", false, true},
		{"Avslutad", false, true},
		{"Färdigbehandlad", false, true},
		{"Ärendet klart", false, true},
		{"Handläggningen klar", false, true},
		// Negations and words that only contain the keywords.
		{"Ingen åtgärd krävs", false, false},
		{"Åtgärd krävs ej", false, false},
		{"Inte klart", false, false},
		{"Ej avslutat", false, false},
		{"Klart, ingen åtgärd", false, true},
		{"Förklaring", false, false},
		{"Oklart", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.kategori, func(t *testing.T) {
			kundatgard, klart := kategoriFlags(tt.kategori)
			if kundatgard != tt.kundatgard || klart != tt.klart {
				t.Errorf("kategoriFlags(%q) = %v, %v; want %v, %v", tt.kategori, kundatgard, klart, tt.kundatgard, tt.klart)
			}
		})
	}
}

func FuzzDecodeAnswer(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(answersDir, "*.json"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := decodeAnswer(body, nil)
		if err != nil {
			if !errors.Is(err, ErrMalformedAnswer) {
				t.Fatalf("error %v does not wrap ErrMalformedAnswer", err)
			}
			return
		}
		if len(d.groups) == 0 {
			t.Fatal("no groups: every answer has at least the empty one")
		}
		for _, g := range d.groups {
			for _, e := range g.events {
				if e.Tidpunkt.IsZero() {
					t.Fatalf("event %q decoded without tidpunkt", e.KundhandelseID)
				}
				// What was read must re-encode in the 6.1 form and read back,
				// for the years RFC 3339 can write: a zoneless year-1000
				// midnight in Stockholm's local mean time is 999 in UTC.
				if y := e.Tidpunkt.UTC().Year(); y < 1000 || y > 9999 {
					continue
				}
				b, err := json.Marshal(e)
				if err != nil {
					t.Fatalf("re-encoding: %v", err)
				}
				var back minaarenden.Kundhandelse
				if err := json.Unmarshal(b, &back); err != nil {
					t.Fatalf("reading back %s: %v", b, err)
				}
				if !back.Tidpunkt.Equal(e.Tidpunkt) {
					t.Fatalf("tidpunkt %v came back as %v", e.Tidpunkt, back.Tidpunkt)
				}
			}
		}
	})
}

// benchBody is a 6.0 producer answer with n events, in the shapes real
// producers send (zoneless tidpunkt, referenser, utokadInformation).
func benchBody(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"metadata":{"kund":{"identifierare":"199001012385","typ":"Personnummer"},"anvandare":"199001012385","version":"6.0"},"kundhandelser":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"kundhandelseId":"6f1c2a8e-0b7e-4c55-9a40-%012d","rubrik":"Momsdeklaration mottagen","beskrivning":"Vi har tagit emot din momsdeklaration för perioden 2025-07.","sprak":"sv","producent":"Skatteverket","tidpunkt":"2025-08-%02d %02d:%02d:55.00","kundhandelseTyp":"SKV.MOMS.DEKL_INLAMAD","producentarendetKraverKundatgard":false,"producentarendetKlart":%t,"utokadInformation":{"servicelofte":"30 dagar"},"referenser":{"producentarende":"MOMS-%d","etjanst":{"url":"https://example.invalid/moms","lanktext":"Se din deklaration"}}}`,
			i, i%28+1, i%24, i%60, i%7 == 0, i)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// plainEvent is what a hand-written client would decode into: the fields
// as they come, tidpunkt left as text, referenser left raw.
type plainEvent struct {
	KundhandelseID    string                     `json:"kundhandelseId"`
	Rubrik            string                     `json:"rubrik"`
	Beskrivning       string                     `json:"beskrivning"`
	Sprak             string                     `json:"sprak"`
	Producent         string                     `json:"producent"`
	Tidpunkt          string                     `json:"tidpunkt"`
	KundhandelseTyp   string                     `json:"kundhandelseTyp"`
	KraverKundatgard  bool                       `json:"producentarendetKraverKundatgard"`
	Klart             bool                       `json:"producentarendetKlart"`
	UtokadInformation map[string]json.RawMessage `json:"utokadInformation"`
	Referenser        map[string]json.RawMessage `json:"referenser"`
}

// BenchmarkDecode reads one answer of 1000 events with the SDK's decoder
// and with encoding/json into plainEvent, alternating in one loop, and
// reports the ratio of their medians (sdk/base) and the SDK's allocations
// per event and per JSON byte.
func BenchmarkDecode(b *testing.B) {
	const n = 1000
	body := benchBody(n)
	zone := minaarenden.Stockholm()
	sdk := func() {
		if d, err := decodeAnswer(body, zone); err != nil || d.count() != n {
			b.Fatalf("decoded %v, want %d events: %v", d, n, err)
		}
	}
	base := func() {
		var v struct {
			Kundhandelser []plainEvent `json:"kundhandelser"`
		}
		if err := json.Unmarshal(body, &v); err != nil || len(v.Kundhandelser) != n {
			b.Fatalf("baseline: %d events: %v", len(v.Kundhandelser), err)
		}
	}
	b.SetBytes(int64(len(body)))
	benchpair.Run(b, sdk, base).ReportPerEvent(b, n, len(body))
}

// TestDecodeProducerDrift pins what the decoder makes of the shapes real
// producers send beside the schema: a byte-order mark, null for an object,
// array or string, and per-event type drift. Drift with one plain reading
// is accepted and the event kept; anything else costs that one event, and
// the error names the field.
func TestDecodeProducerDrift(t *testing.T) {
	type ev struct {
		ID, Rubrik      string
		Kundatgard      bool
		Klart           bool
		Version         minaarenden.Version
		Referenser, Tag int
		Utokad          int
	}
	const tp = `"tidpunkt":"2025-01-01T10:00:00Z","kundhandelseTyp":"SKV.MOMS.DEKL_INLAMAD"`
	one := func(fields string) string {
		return `{"metadata":{"version":"6.0"},"kundhandelser":[{` + fields + `,` + tp + `}]}`
	}
	tests := []struct {
		name        string
		body        string
		wantVersion minaarenden.Version
		want        []ev
		wantBad     string // a substring of the error; "" for none
	}{
		{"byte-order mark", "\xef\xbb\xbf" + one(`"kundhandelseId":"a"`), "6.0", []ev{{ID: "a", Version: "6.0"}}, ""},
		{"byte-order mark and whitespace", "\xef\xbb\xbf\r\n " + one(`"kundhandelseId":"a"`), "6.0", []ev{{ID: "a", Version: "6.0"}}, ""},
		{"null referenser", one(`"kundhandelseId":"a","referenser":null`), "6.0", []ev{{ID: "a", Version: "6.0"}}, ""},
		{"null utokadInformation", one(`"kundhandelseId":"a","utokadInformation":null`), "6.0", []ev{{ID: "a", Version: "6.0"}}, ""},
		{"null taggar", one(`"kundhandelseId":"a","taggar":null`), "6.0", []ev{{ID: "a", Version: "6.0"}}, ""},
		{"null rubrik", one(`"kundhandelseId":"a","rubrik":null`), "6.0", []ev{{ID: "a", Version: "6.0"}}, ""},
		{"null flags and version", one(`"kundhandelseId":"a","producentarendetKlart":null,"producentarendetKraverKundatgard":null,"version":null`), "6.0", []ev{{ID: "a", Version: "6.0"}}, ""},
		{"null metadata", `{"metadata":null,"kundhandelser":[{"kundhandelseId":"a",` + tp + `}]}`, "", []ev{{ID: "a"}}, ""},
		{"null kundhandelser with BOM", "\xef\xbb\xbf" + `{"metadata":{"version":"6.0"},"kundhandelser":null}`, "6.0", nil, ""},
		{"null referens and tagg kept as written", one(`"kundhandelseId":"a","referenser":{"producentarende":null},"taggar":[null,"x"]`), "6.0", []ev{{ID: "a", Version: "6.0", Referenser: 1, Tag: 2}}, ""},
		{"kundhandelseId as a number", one(`"kundhandelseId":12345`), "6.0", []ev{{ID: "12345", Version: "6.0"}}, ""},
		{"kundhandelseId as a long number keeps every digit", one(`"kundhandelseId":123456789012345678901234`), "6.0", []ev{{ID: "123456789012345678901234", Version: "6.0"}}, ""},
		{"kundhandelseId as an object costs the event", `{"kundhandelser":[{"kundhandelseId":{"id":1},` + tp + `},{"kundhandelseId":"b",` + tp + `}]}`, "", []ev{{ID: "b"}}, "kundhandelseId"},
		{"flags as strings", one(`"kundhandelseId":"a","producentarendetKlart":"true","producentarendetKraverKundatgard":"False"`), "6.0", []ev{{ID: "a", Klart: true, Version: "6.0"}}, ""},
		{"flag as an unknown word costs the event", `{"kundhandelser":[{"kundhandelseId":"a","producentarendetKraverKundatgard":"ja",` + tp + `},{"kundhandelseId":"b",` + tp + `}]}`, "", []ev{{ID: "b"}}, "producentarendetKraverKundatgard"},
		{"flag as a number costs the event", `{"kundhandelser":[{"kundhandelseId":"a","producentarendetKlart":1,` + tp + `},{"kundhandelseId":"b",` + tp + `}]}`, "", []ev{{ID: "b"}}, "producentarendetKlart"},
		{"version as a number", `{"kundhandelser":[{"kundhandelseId":"a","version":6.0,` + tp + `}]}`, "6.0", []ev{{ID: "a", Version: "6.0"}}, ""},
		{"metadata version as a number", `{"metadata":{"version":5.0},"kundhandelser":[{"kundhandelseId":"a",` + tp + `}]}`, "5.0", []ev{{ID: "a", Version: "5.0"}}, ""},
		{"version as an object costs the event", `{"kundhandelser":[{"kundhandelseId":"a","version":{"v":6},` + tp + `},{"kundhandelseId":"b",` + tp + `}]}`, "", []ev{{ID: "b"}}, "version"},
		{"pre-2.0 id as a number", `{"kundhändelser":[{"kundhändelseId":7,` + tp + `}]}`, "", []ev{{ID: "7"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := decodeAnswer([]byte(tt.body), nil)
			if err != nil {
				t.Fatalf("decodeAnswer: %v", err)
			}
			var got []ev
			for _, g := range d.groups {
				for _, e := range g.events {
					got = append(got, ev{e.KundhandelseID, e.Rubrik, e.KraverKundatgard, e.Klart, e.Version, len(e.Referenser), len(e.Taggar), len(e.UtokadInformation)})
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("events mismatch (-want +got):\n%s", diff)
			}
			if d.version != tt.wantVersion {
				t.Errorf("version %q, want %q", d.version, tt.wantVersion)
			}
			switch {
			case tt.wantBad == "" && d.bad != nil:
				t.Errorf("bad = %v, want none", d.bad)
			case tt.wantBad != "" && (!errors.Is(d.bad, ErrMalformedAnswer) || !strings.Contains(d.bad.Error(), tt.wantBad)):
				t.Errorf("bad = %v, want ErrMalformedAnswer naming %s", d.bad, tt.wantBad)
			}
		})
	}
}

// An empty 200 body is a malformed answer that says so, not "unexpected
// end of JSON input".
func TestDecodeEmptyBody(t *testing.T) {
	for _, body := range []string{"", " \r\n", "\xef\xbb\xbf"} {
		_, err := decodeAnswer([]byte(body), nil)
		if !errors.Is(err, ErrMalformedAnswer) || !strings.Contains(err.Error(), "empty") || strings.Contains(err.Error(), "end of JSON") {
			t.Errorf("decodeAnswer(%q) = %v, want ErrMalformedAnswer saying the body is empty", body, err)
		}
	}
}

// A wrong-typed value quoted in an error is masked before it is cut short:
// cut first, the last digits of an identifier were too few to mask.
func TestDescribeMasksBeforeCutting(t *testing.T) {
	body := []byte(`{"kundhandelser":[{"kundhandelseId":"a","tidpunkt":"2026-01-01T10:00:00Z","kundhandelseTyp":"P.ARENDE.STEG","producentarendetKlart":"klart enligt beslut om ej:  199001012385"}]}`)
	d, err := decodeAnswer(body, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if d.bad == nil || strings.Contains(d.bad.Error(), "1990") {
		t.Errorf("bad = %v, want an error with no digits of the identifier", d.bad)
	}
}

// The same for a charset or encoding named in an error.
func TestHeaderValuesMaskedBeforeCutting(t *testing.T) {
	long := "x-" + strings.Repeat("a", 25) + "199001012385"
	if _, err := utf8Body([]byte{0xff}, "application/json; charset="+long); err == nil || strings.Contains(err.Error(), "1990") {
		t.Errorf("err = %v, want one with no digits of the identifier", err)
	}
	resp := &http.Response{Header: http.Header{"Content-Encoding": {long}}, Body: http.NoBody}
	if _, err := uncompressed(resp); err == nil || strings.Contains(err.Error(), "1990") {
		t.Errorf("err = %v, want one with no digits of the identifier", err)
	}
}

// encoding/json quotes a number too large for its field in full; an
// identifier sent there must not reach the error.
func TestTypeErrorMasked(t *testing.T) {
	d, err := decodeAnswer([]byte(`{"kundhandelser":[],"delfragor":[{"producent":"P","httpCode":199001012385199001012385}]}`), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if d.bad == nil || !errors.Is(d.bad, ErrMalformedAnswer) || strings.Contains(d.bad.Error(), "1990") {
		t.Errorf("bad = %v, want ErrMalformedAnswer with no digits of the identifier", d.bad)
	}
}
