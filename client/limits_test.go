package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden"
)

// parseWarning reads back what Warning.String wrote.
func parseWarning(t testing.TB, s string) Warning {
	t.Helper()
	var w Warning
	var events, lack string
	head, tail, ok := strings.Cut(s, "; ")
	if _, err := fmt.Sscanf(head, "%d %s %s %s", &w.Count, &events, &lack, &w.Field); !ok || err != nil {
		t.Fatalf("warning %q: not what Warning.String writes", s)
	}
	if tail == "dropped" {
		w.Dropped = true
	} else {
		w.Read = strings.TrimPrefix(tail, "read as ")
	}
	if w.String() != s {
		t.Fatalf("warning %q reads back as %q", s, w.String())
	}
	return w
}

// TestDecodeLackingFields: a required field missing or null is counted per
// field on the part; the event is kept (and the part answered) when it can
// still be placed, and dropped, failing the part, when it has no type or
// tidpunkt.
func TestDecodeLackingFields(t *testing.T) {
	const full = `"kundhandelseId":"%s","rubrik":"R","beskrivning":"B","sprak":"sv","producent":"P",` +
		`"tidpunkt":"2026-01-01T10:00:00Z","kundhandelseTyp":"P.A.B","producentarendetKraverKundatgard":false,"producentarendetKlart":false`
	event := func(id string, drop ...string) string {
		s := fmt.Sprintf(full, id)
		for _, d := range drop {
			field, null, _ := strings.Cut(d, "=")
			i := strings.Index(s, `"`+field+`":`)
			end := i + len(field) + 3
			switch {
			case s[end] == '"':
				end += strings.IndexByte(s[end+1:], '"') + 2
			default:
				end += strings.IndexAny(s[end:], ",") + 0
				if end < i+len(field)+3 {
					end = len(s)
				}
			}
			if null == "null" {
				s = s[:i] + `"` + field + `":null` + s[end:]
			} else {
				s = strings.Trim(s[:i]+s[end:], ",")
				s = strings.ReplaceAll(s, ",,", ",")
			}
		}
		return "{" + s + "}"
	}
	tests := []struct {
		name     string
		events   []string
		kept     int
		warnings []string
		bad      bool
	}{
		{"all there", []string{event("a"), event("b")}, 2, nil, false},
		{"missing and null flags read as false", []string{event("a", "producentarendetKlart"), event("b", "producentarendetKlart=null"), event("c", "producentarendetKraverKundatgard")}, 3,
			[]string{"1 event lacks producentarendetKraverKundatgard; read as false", "2 events lack producentarendetKlart; read as false"}, false},
		{"missing texts read as empty", []string{event("a", "rubrik", "producent=null"), event("b", "sprak", "beskrivning")}, 2,
			[]string{`1 event lacks rubrik; read as ""`, `1 event lacks beskrivning; read as ""`, `1 event lacks sprak; read as ""`, `1 event lacks producent; read as ""`}, false},
		{"no kundhandelseId is kept", []string{event("a", "kundhandelseId")}, 1, []string{`1 event lacks kundhandelseId; read as ""`}, false},
		{"no type or tidpunkt is dropped", []string{event("a", "kundhandelseTyp"), event("b", "tidpunkt=null"), event("c", "tidpunkt", "rubrik"), event("d")}, 1,
			[]string{"1 event lacks kundhandelseTyp; dropped", "2 events lack tidpunkt; dropped"}, true},
		{"pre-2.0 kundhandelsekategori stands for the flags", []string{`{"kundhändelseId":"a","rubrik":"R","beskrivning":"B","sprak":"sv","producent":"P","tidpunkt":"2020-01-01 10:00:00.00","kundhändelseTyp":"P.A.B","kundhandelsekategori":"Klar"}`}, 1, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"metadata":{"version":"6.1"},"kundhandelser":[` + strings.Join(tt.events, ",") + `]}`
			d, err := decodeAnswer([]byte(body), time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range d.groups[0].warnings("", true) {
				got = append(got, w.String())
			}
			if diff := cmp.Diff(tt.warnings, got); diff != "" {
				t.Errorf("warnings mismatch (-want +got):\n%s", diff)
			}
			if n := d.count(); n != tt.kept {
				t.Errorf("%d events kept, want %d", n, tt.kept)
			}
			if (d.bad != nil) != tt.bad {
				t.Errorf("bad = %v, want bad %v", d.bad, tt.bad)
			}
		})
	}
}

// The warnings reach the part's outcome; a part whose events were only
// lacking stays answered.
func TestQueryReportsLackingFields(t *testing.T) {
	body := `{"metadata":{"version":"6.1"},"kundhandelser":[` +
		`{"kundhandelseId":"a","rubrik":"R","beskrivning":"B","sprak":"sv","producent":"P","tidpunkt":"2026-01-01T10:00:00Z","kundhandelseTyp":"P.A.B","producentarendetKraverKundatgard":true},` +
		`{"kundhandelseId":"b","rubrik":"R","beskrivning":"B","sprak":"sv","producent":"P","tidpunkt":"2026-01-01T10:00:00Z","kundhandelseTyp":"P.A.B","producentarendetKraverKundatgard":false,"producentarendetKlart":null}]}`
	url, _ := serve(t, always(200, body))
	a, err := newClient(t, url, &Options{Name: "P"}).Query(t.Context(), minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr)}})
	if err != nil {
		t.Fatalf("err = %v, want none: lacking fields do not fail the part", err)
	}
	want := []Warning{{Field: "producentarendetKlart", Count: 2, Read: "false"}}
	if diff := cmp.Diff(want, a.Outcomes[0].Warnings); diff != "" {
		t.Errorf("warnings mismatch (-want +got):\n%s", diff)
	}
	if got := want[0].String(); got != "2 events lack producentarendetKlart; read as false" {
		t.Errorf("String() = %q", got)
	}
}

// manyEventsBody is a producer answer of n distinct events, each of its
// own case.
func manyEventsBody(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"metadata":{"version":"6.1"},"kundhandelser":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"kundhandelseId":"e%d","rubrik":"R","beskrivning":"B","sprak":"sv","producent":"P","tidpunkt":"2026-01-01T10:00:00Z","kundhandelseTyp":"P.A.B","producentarendetKraverKundatgard":false,"producentarendetKlart":false,"referenser":{"producentarende":"AR-%d"}}`, i, i)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// allocated returns the bytes f allocates: the least of three runs, since
// the count is the process's and other goroutines may allocate meanwhile.
func allocated(f func()) uint64 {
	least := uint64(math.MaxUint64)
	for range 3 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		f()
		runtime.ReadMemStats(&after)
		least = min(least, after.TotalAlloc-before.TotalAlloc)
	}
	return least
}

// A part's events past the limit are not read: the part fails with
// ErrTooManyEvents, the first ones kept, and memory stays at the limit's
// worth whatever the answer's length.
func TestDecodeEventsPerPartLimit(t *testing.T) {
	body := manyEventsBody(100_000) // 100 000 distinct cases
	var d *decoded
	var err error
	bytes := allocated(func() { d, err = decodeAnswerLimit(body, time.UTC, 1000) })
	if err != nil {
		t.Fatal(err)
	}
	if n := d.count(); n != 1000 {
		t.Errorf("%d events kept, want the limit, 1000", n)
	}
	if !errors.Is(d.bad, ErrTooManyEvents) {
		t.Errorf("bad = %v, want ErrTooManyEvents", d.bad)
	}
	// 1000 events of about 200 bytes of text each, and their maps.
	if limit := uint64(4 << 20); bytes > limit {
		t.Errorf("reading 1000 of 100 000 events allocated %d bytes, want under %d", bytes, limit)
	}
}

// The events are presized from what is known (the body's length at the
// first event's size, capped), not from a count of a key anywhere in the
// body: an answer padded with "kundhandelseId" costs about its length (a
// count of the key cost twenty times it).
func TestDecodePresizeIgnoresPadding(t *testing.T) {
	pad := strings.Repeat(`"kundhandelseId",`, 1<<16) // 1.1 MB of the key
	for _, body := range []string{
		`{"x":[` + pad + `0],"kundhandelser":[{"kundhandelseId":"a","tidpunkt":"2026-01-01T10:00:00Z","kundhandelseTyp":"P.A.B"}]}`,
		`{"kundhandelser":[{"kundhandelseId":"a","tidpunkt":"2026-01-01T10:00:00Z","kundhandelseTyp":"P.A.B"}],"x":[` + pad + `0]}`,
		`{"kundhandelser":[{"kundhandelseId":"a","tidpunkt":"2026-01-01T10:00:00Z","kundhandelseTyp":"P.A.B","x":[` + pad + `0]}]}`,
	} {
		var d *decoded
		b := []byte(body)
		got := allocated(func() { d, _ = decodeAnswer(b, time.UTC) })
		if d == nil || d.count() != 1 {
			t.Fatalf("decoded %v, want one event", d)
		}
		if limit := uint64(len(body)) * 5 / 4; got > limit {
			t.Errorf("a %d-byte answer of one event allocated %d bytes, want about its length at most", len(body), got)
		}
	}
}

// Events a little shorter than the first still fit what presize reserved
// from it: the slice is never grown near the end, copying them all.
func TestDecodePresizeHasRoom(t *testing.T) {
	const n = 1000
	body := []byte(strings.Replace(string(manyEventsBody(n)), `"rubrik":"R"`, `"rubrik":"R longer"`, 1))
	d, err := decodeAnswer(body, time.UTC)
	if err != nil || d.count() != n {
		t.Fatalf("decoded %d events (err %v), want %d", d.count(), err, n)
	}
	// Grown, the slice would hold a quarter more than it needed.
	if got, limit := cap(d.groups[0].events), n+n/8+1; got > limit {
		t.Errorf("%d events in a slice of %d: grown while reading, want it reserved once, at most %d", n, got, limit)
	}
}

// A body read whole (one labelled with a Windows-1252 charset) with a
// Content-Length is read into one buffer of its length: no doubling copy
// at the end, when the read that finds EOF wants room.
func TestReadWholeOneBuffer(t *testing.T) {
	c, err := New("https://p.invalid/v6", nil)
	if err != nil {
		t.Fatal(err)
	}
	body := manyEventsBody(5000) // about 1.3 MB
	// A length the allocator need not round up: no spare room by luck.
	body = append(body, strings.Repeat(" ", 8192-len(body)%8192)...)
	var got []byte
	n := allocated(func() { got, err = c.readWhole(bytes.NewReader(body), int64(len(body))) })
	if err != nil || !slices.Equal(got, body) {
		t.Fatalf("read %d bytes (err %v), want the %d of the body", len(got), err, len(body))
	}
	// One buffer of the body's length (twice that built with -race, which
	// keeps a temporary bytes.Buffer's growth otherwise does without); a
	// doubling at EOF makes it three times or more.
	if limit := uint64(len(body)) * 5 / 2; n > limit {
		t.Errorf("reading a %d-byte answer allocated %d bytes, want at most %d", len(body), n, limit)
	}
}

// An answer is decoded as it arrives, never held whole: taking in a
// 2.6 MB answer of which only ten events are kept costs a small part of
// its length, where reading it first would cost all of it.
func TestAnswerNeverHeldWhole(t *testing.T) {
	c, err := New("https://p.invalid/v6", &Options{MaxEventsPerPart: 10})
	if err != nil {
		t.Fatal(err)
	}
	body := manyEventsBody(10000)
	var dec *decoded
	var decErr error
	n := allocated(func() {
		resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json; charset=utf-8"}},
			ContentLength: int64(len(body)), Body: io.NopCloser(bytes.NewReader(body))}
		dec, decErr, err = c.readAnswer(t.Context(), resp)
	})
	if err != nil || decErr != nil || dec.count() != 10 || !dec.groups[0].over {
		t.Fatalf("decoded %d events (over %v): %v, %v", dec.count(), dec != nil && dec.groups[0].over, decErr, err)
	}
	if limit := uint64(len(body)) / 8; n > limit {
		t.Errorf("taking in a %d-byte answer allocated %d bytes, want at most %d: is it read whole?", len(body), n, limit)
	}
}

// What the decoder keeps never points into the body, whose bytes the
// decoder's buffer holds only until the next piece of the answer arrives:
// every answer decodes to the same events after its body is overwritten.
func TestDecodedOutlivesBody(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(answersDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no answers in %s: %v", answersDir, err)
	}
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		d, err := decodeAnswer(body, nil)
		if err != nil {
			continue // not an answer: nothing kept
		}
		before := fmt.Sprintf("%#v", d.groups)
		for i := range body {
			body[i] = 'X'
		}
		if after := fmt.Sprintf("%#v", d.groups); after != before {
			t.Errorf("%s: what was decoded changed with the body", filepath.Base(file))
		}
	}
}

// fwdPage is a forwarding page for pnr of n fresh events from offset,
// claiming total.
func fwdPage(offset, n, total int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"kundhandelser":[{"part":{"kund":{"identifierare":"%s","typ":"Personnummer"}},"totaltAntalKundhandelser":%d,"kundhandelserForPart":[`, pnr, total)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"kundhandelseId":"e%d","rubrik":"R","beskrivning":"B","sprak":"sv","producent":"Skatteverket","tidpunkt":"2026-01-01T10:00:00Z","kundhandelseTyp":"SKV.A.B","producentarendetKraverKundatgard":false,"producentarendetKlart":false}`, offset+i)
	}
	b.WriteString(`]}],"delfragor":[{"producent":"Skatteverket","status":"OK","httpCode":200}]}`)
	return b.String()
}

// A forwarding question whose deadline passes between pages fails the
// relayed producer that the first page answered: its later pages were
// never read, so it has not answered.
func TestForwardingTimeoutMidPaging(t *testing.T) {
	url, _ := serve(t, func(n int, w http.ResponseWriter, r *http.Request, _ map[string]any) {
		if n == 0 {
			writeJSON(w, 200, fwdPage(0, 2, 10))
			return
		}
		<-r.Context().Done() // the second page never comes
	})
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	a, err := newClient(t, url, &Options{Dialect: Forwarding, PageSize: 2, Retry: NoRetry}).Query(ctx, minaarenden.Fraga{Anvandare: pnr, Parter: []minaarenden.Part{kundPart(pnr)}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the deadline", err)
	}
	found := false
	for _, o := range a.Outcomes {
		if o.Producent == "Skatteverket" {
			found = true
			if !errors.Is(o.Err, context.DeadlineExceeded) {
				t.Errorf("Skatteverket's outcome: err %v, want the deadline, not ok", o.Err)
			}
		}
	}
	if !found {
		t.Errorf("no outcome for Skatteverket in %+v", a.Outcomes)
	}
	if len(a.Events) != 2 {
		t.Errorf("%d events, want the first page's 2 kept", len(a.Events))
	}
}

// The decoder's quick read of a link object gives what
// Referens.UnmarshalJSON gives, and leaves every other shape to it.
func TestLinkMatchesReferens(t *testing.T) {
	for _, v := range []string{
		`{"url":"https://e.se/a","lanktext":"Till ärendet"}`,
		`{ "lanktext" : "Text" , "url" : "https://e.se" }`,
		`{"url":"https://e.se"}`,
		`{"lanktext":"utan url"}`,
		`{}`,
		`{"url":"https://e.se","url":"https://f.se"}`,
		// Left to Referens.UnmarshalJSON:
		`{"URL":"https://e.se"}`,
		`{"url":"https:\/\/e.se"}`,
		`{"url":null,"lanktext":"x"}`,
		`"AR-1"`,
		`""`,
		// Left to Referens.UnmarshalJSON too:
		`{"url":"https://e.se","extra":1}`,
		`"AR-\u0031"`,
		`["AR-1","AR-2"]`,
	} {
		var want minaarenden.Referens
		if err := want.UnmarshalJSON([]byte(v)); err != nil {
			t.Fatal(err)
		}
		r := &reader{}
		got, ok := r.link([]byte(v))
		if !ok {
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("link(%s) mismatch (-want +got):\n%s", v, diff)
		}
	}
	if _, ok := (&reader{}).link([]byte(`{"url":"https://e.se","lanktext":"x"}`)); !ok {
		t.Error("the usual link object is not read quickly")
	}
}

// Raw values kept from one answer share the slab's allocations, yet
// appending to one never writes into the next.
func TestCloneIsCapped(t *testing.T) {
	r := &reader{}
	a, b := r.clone([]byte(`"30 dagar"`)), r.clone([]byte(`"60 dagar"`))
	_ = append(a, "XXXX"...)
	if string(b) != `"60 dagar"` {
		t.Errorf("appending to one raw value changed the next: %s", b)
	}
	long := bytes.Repeat([]byte("x"), 8<<10)
	if got := r.clone(long); !bytes.Equal(got, long) {
		t.Error("a long value is not copied whole")
	}
}
