package client

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// decodeBoth decodes body in place and as a stream read in pieces, and
// fails unless the two agree.
func decodeBoth(t *testing.T, name string, body []byte, r io.Reader, size int64) {
	t.Helper()
	got, gotErr := decodeStream(&source{r: r, max: -1}, size, nil, DefaultMaxEventsPerPart)
	if !utf8.Valid(body) {
		// Whole, such a body is refused before it is decoded.
		if !errors.Is(gotErr, errNotUTF8) {
			t.Fatalf("%s: a body that is not UTF-8 read with error %v", name, gotErr)
		}
		return
	}
	want, wantErr := decodeAnswer(bytes.Clone(body), nil)
	// Both malformed is agreement: where a read cuts a character, the
	// syntax error may quote its first byte rather than the character.
	bothMalformed := errors.Is(wantErr, ErrMalformedAnswer) && errors.Is(gotErr, ErrMalformedAnswer)
	if !bothMalformed && fmt.Sprint(wantErr) != fmt.Sprint(gotErr) {
		t.Fatalf("%s: error %v from a stream, %v in place", name, gotErr, wantErr)
	}
	if diff := cmp.Diff(render(want), render(got)); diff != "" {
		t.Errorf("%s: a stream read in pieces decodes differently from the body in place (-whole +stream):\n%s", name, diff)
	}
}

// render writes out what was decoded, pointers followed.
func render(d *decoded) []string {
	if d == nil {
		return nil
	}
	out := []string{fmt.Sprint(d.version, d.delfragor, d.bad, d.answerBad)}
	for _, g := range d.groups {
		part, _ := json.Marshal(g.part)
		total := "none"
		if g.total != nil {
			total = fmt.Sprint(*g.total)
		}
		out = append(out, fmt.Sprint(string(part), total, g.sent, g.bad, g.skipped, g.firstErr, g.tallies, g.over))
		for _, e := range g.events {
			b, err := json.Marshal(e)
			out = append(out, fmt.Sprint(string(b), e.Tidpunkt.Location(), e.Part, err))
		}
	}
	return out
}

// Decoding as the answer arrives gives what decoding it whole gives, for
// every answer of the conformance set and however the reads cut it.
func TestDecodeStreamMatchesWhole(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(answersDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no answers: %v", err)
	}
	bodies := map[string][]byte{
		"empty":     nil,
		"blank":     []byte(" \n\t"),
		"bom":       append(bytes.Clone(bom), `{"kundhandelser":[]}`...),
		"bom only":  bytes.Clone(bom),
		"bom start": append(bytes.Clone(bom[:2]), `{}`...),
		"two boms":  append(append(bytes.Clone(bom), bom...), `{}`...),
		"truncated": []byte(`{"kundhandelser":[{"kundhandelseId":"a"`),
		"trailing":  []byte(`{"kundhandelser":[]} {}`),
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		bodies[filepath.Base(f)] = b
	}
	for name, body := range bodies {
		for _, size := range []int64{int64(len(body)), -1} {
			decodeBoth(t, name+" byte by byte", body, iotest.OneByteReader(bytes.NewReader(body)), size)
			decodeBoth(t, name+" in halves", body, iotest.HalfReader(bytes.NewReader(body)), size)
			decodeBoth(t, name+" with EOF on the last data", body, iotest.DataErrReader(bytes.NewReader(body)), size)
		}
	}
}

func TestUTF8Check(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	valid := []byte(`{"rubrik":"Åtgärd krävs — betala 1 000 € före 31/12 🙂","x":"日本"}`)
	check := func(b []byte, cuts int) bool {
		var u utf8Check
		for len(b) > 0 {
			n := rng.IntN(min(len(b), cuts) + 1)
			if !u.check(b[:n], false) {
				return false
			}
			b = b[n:]
		}
		return u.check(nil, true)
	}
	for range 500 {
		if !check(valid, 5) {
			t.Fatal("valid UTF-8 cut into pieces read as invalid")
		}
	}
	for i, bad := range [][]byte{
		append(bytes.Clone(valid), 0xC3),                  // cut at the end
		append([]byte("rubrik: "), 0xE5, 'x'),             // Latin-1 å
		append([]byte("a"), 0xED, 0xA0, 0x80, 'b'),        // a surrogate
		append([]byte("a"), 0xF0, 0x9F, 0x99, 'b', 'c'),   // four-byte start cut short
		append([]byte("ok "), 0xC0, 0xAF),                 // overlong
		append(bytes.Clone(valid[:20]), 0xFF, 0xFE, 0xFD), // never valid
	} {
		for range 50 {
			if check(bad, 3) {
				t.Fatalf("case %d (% x) read as UTF-8", i, bad)
			}
		}
		if utf8.Valid(bad) {
			t.Fatalf("case %d is valid: a broken test", i)
		}
	}
}

// countingLimiter is a Limiter that records whether a unit is held.
type countingLimiter struct{ held, most atomic.Int32 }

func (l *countingLimiter) Acquire(context.Context, int64) error {
	n := l.held.Add(1)
	for m := l.most.Load(); n > m && !l.most.CompareAndSwap(m, n); m = l.most.Load() {
	}
	return nil
}
func (l *countingLimiter) Release(int64) { l.held.Add(-1) }

// probe is a body that records whether the limiter's unit was held while
// it was read.
type probe struct {
	r        io.Reader
	l        *countingLimiter
	heldRead bool
}

func (p *probe) Read(b []byte) (int, error) {
	if p.l.held.Load() != 0 {
		p.heldRead = true
	}
	return p.r.Read(b)
}

// The decode limiter bounds decoding, not waiting: a unit is held while
// the decoder works on what arrived and never while the next piece is
// read from the connection.
func TestSourceHoldsLimiterOnlyToDecode(t *testing.T) {
	body := manyEventsBody(200)
	l := &countingLimiter{}
	p := &probe{r: iotest.HalfReader(bytes.NewReader(body)), l: l}
	s := &source{r: p, max: -1, ctx: t.Context(), limiter: l}
	d, err := decodeStream(s, -1, nil, DefaultMaxEventsPerPart)
	s.done()
	if err != nil || d.count() != 200 {
		t.Fatalf("decoded %v events: %v", d, err)
	}
	if p.heldRead {
		t.Error("a unit of the limiter was held while the body was read")
	}
	if l.most.Load() != 1 || l.held.Load() != 0 {
		t.Errorf("limiter held at most %d, %d at the end; want 1 and 0", l.most.Load(), l.held.Load())
	}
}

func TestSourceFailures(t *testing.T) {
	body := manyEventsBody(50)
	broken := errors.New("connection reset by peer")
	tests := []struct {
		name string
		src  *source
		want func(error) bool
	}{
		{"over the limit", &source{r: bytes.NewReader(body), max: int64(len(body)) - 1},
			func(err error) bool { return errors.Is(err, errTooLarge) }},
		{"at the limit", &source{r: bytes.NewReader(body), max: int64(len(body))},
			func(err error) bool { return err == nil }},
		{"not UTF-8", &source{r: bytes.NewReader(bytes.Replace(body, []byte(`"rubrik":"R"`), []byte("\"rubrik\":\"R\xe5\""), 1)), max: -1},
			func(err error) bool { return errors.Is(err, errNotUTF8) }},
		{"connection broken", &source{r: io.MultiReader(bytes.NewReader(body[:len(body)/2]), iotest.ErrReader(broken)), max: -1},
			func(err error) bool { _, ok := errors.AsType[*sourceError](err); return ok && errors.Is(err, broken) }},
		{"cut short", &source{r: io.MultiReader(bytes.NewReader(body[:len(body)/2]), iotest.ErrReader(io.ErrUnexpectedEOF)), max: -1},
			func(err error) bool { _, ok := errors.AsType[*sourceError](err); return ok }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeStream(tt.src, -1, nil, DefaultMaxEventsPerPart)
			if !tt.want(err) {
				t.Errorf("error %v", err)
			}
			if err != nil && errors.Is(err, ErrMalformedAnswer) {
				t.Errorf("a failure of the source read as a malformed answer: %v", err)
			}
		})
	}
}

// Without a length, a forwarding service's count reserves no more than a
// bound: a count of a billion costs nothing.
func TestPresizeUnsizedBounded(t *testing.T) {
	body := strings.Replace(fwdPage(0, 3, 3), `"totaltAntalKundhandelser":3`, `"totaltAntalKundhandelser":1000000000`, 1)
	d, err := decodeStream(strings.NewReader(body), -1, nil, 0)
	if err != nil || len(d.groups) != 1 || len(d.groups[0].events) != 3 {
		t.Fatalf("decoded %+v: %v", d, err)
	}
	if c := cap(d.groups[0].events); c > maxUnsizedPresize {
		t.Errorf("reserved %d events from a count alone, want at most %d", c, maxUnsizedPresize)
	}
}

// FuzzDecodeStream holds decoding as the answer arrives to decoding it
// whole, for any body cut anywhere.
func FuzzDecodeStream(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(answersDir, "*.json"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b, uint8(7))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, piece uint8) {
		r := &pieces{b: body, n: int(piece%64) + 1}
		decodeBoth(t, "fuzzed", body, r, -1)
	})
}

// pieces reads b at most n bytes at a time.
type pieces struct {
	b []byte
	n int
}

func (p *pieces) Read(b []byte) (int, error) {
	if len(p.b) == 0 {
		return 0, io.EOF
	}
	n := copy(b[:min(len(b), p.n)], p.b)
	p.b = p.b[n:]
	return n, nil
}

// uncomparableBody is a response body whose type cannot be compared, as
// a caller's transport may hand out.
type uncomparableBody struct {
	r *bytes.Reader
	_ [0]func() // no == for this type
}

func (b uncomparableBody) Read(p []byte) (int, error) { return b.r.Read(p) }
func (b uncomparableBody) Close() error               { return nil }

// A gzipped answer's Content-Length is the compressed one: events are
// reserved from the forwarding count instead, and any body type will do.
func TestReadAnswerGzipSize(t *testing.T) {
	c, err := New("https://p.invalid/v6", nil)
	if err != nil {
		t.Fatal(err)
	}
	page := fwdPage(0, 500, 500)
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	zw.Write([]byte(page))
	zw.Close()
	for name, enc := range map[string]string{"gzip": "gzip", "identity": ""} {
		body := []byte(page)
		if enc != "" {
			body = zipped.Bytes()
		}
		resp := &http.Response{StatusCode: 200, ContentLength: int64(len(body)),
			Header: http.Header{"Content-Type": {"application/json"}, "Content-Encoding": {enc}},
			Body:   uncomparableBody{r: bytes.NewReader(body)}}
		dec, decErr, err := c.readAnswer(t.Context(), resp)
		if err != nil || decErr != nil || dec.count() != 500 {
			t.Fatalf("%s: %d events: %v, %v", name, dec.count(), decErr, err)
		}
		// From the compressed length, a few dozen events would fit.
		if got := cap(dec.groups[0].events); enc != "" && got != 500 {
			t.Errorf("%s: room for %d events reserved, want the 500 counted", name, got)
		}
	}
}
