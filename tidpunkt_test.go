package minaarenden

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseTidpunkt(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return v
	}
	tests := []struct {
		in   string
		zone *time.Location
		want time.Time
	}{
		{"2025-08-12T14:03:55Z", nil, utc("2025-08-12T14:03:55Z")},
		{"2025-08-12T14:03:55.123456789+02:00", nil, utc("2025-08-12T12:03:55.123456789Z")},
		{"2025-08-12T14:03:55,5+0200", nil, utc("2025-08-12T12:03:55.5Z")},
		{"2025-08-12T14:03:55-05", nil, utc("2025-08-12T19:03:55Z")},
		{"2025-08-12t14:03:55z", nil, utc("2025-08-12T14:03:55Z")},
		// The RAML form: space, two fractional digits, no zone: Swedish summer time.
		{"2025-08-12 14:03:55.00", nil, utc("2025-08-12T12:03:55Z")},
		// Winter time.
		{"2025-01-12 14:03:55.25", nil, utc("2025-01-12T13:03:55.25Z")},
		// Hours 01–09, zero-padded (the RAML regex wrongly rejects these) and not.
		{"2025-08-12 05:12:00.00", nil, utc("2025-08-12T03:12:00Z")},
		{"2025-8-2 5:12:00.00", nil, utc("2025-08-02T03:12:00Z")},
		{"2025-08-12T14:03", nil, utc("2025-08-12T12:03:00Z")},
		{"2025-08-12 14:03:55", time.UTC, utc("2025-08-12T14:03:55Z")},
		// Autumn overlap: 02:30 happens twice; the first (summer time) is taken.
		{"2025-10-26 02:30:00.00", nil, utc("2025-10-26T00:30:00Z")},
		// Spring gap: 02:30 never happens; read with the winter offset (03:30 summer time).
		{"2025-03-30 02:30:00.00", nil, utc("2025-03-30T01:30:00Z")},
		// Just around the transitions.
		{"2025-10-26 03:00:00", nil, utc("2025-10-26T02:00:00Z")},
		{"2025-10-26 01:59:59", nil, utc("2025-10-25T23:59:59Z")},
		{"2025-03-30 03:00:00", nil, utc("2025-03-30T01:00:00Z")},
		{"2025-03-30 01:59:59", nil, utc("2025-03-30T00:59:59Z")},
		{"2016-12-31T23:59:60Z", nil, utc("2016-12-31T23:59:59.999999999Z")},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTidpunkt(tt.in, tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("ParseTidpunkt(%q) = %s, want %s", tt.in, got.UTC().Format(time.RFC3339Nano), tt.want.Format(time.RFC3339Nano))
			}
		})
	}
}

func TestParseTidpunktRejects(t *testing.T) {
	for _, in := range []string{
		"", "2025-08-12", "2025-08-12X14:03", "2025-13-01 10:00", "2025-02-30 10:00",
		"2025-08-12 24:00", "2025-08-12 10:60", "2025-08-12 10:00:00.", "2025-08-12 10:00:00.1234567890",
		"2025-08-12 10:00+25:00", "2025-08-12 10:00 ", "12/08/2025 10:00", "2025-08-12 10:00:00+02:00x",
	} {
		t.Run(in, func(t *testing.T) {
			_, err := ParseTidpunkt(in, nil)
			var te *TidpunktError
			if !errors.As(err, &te) {
				t.Fatalf("ParseTidpunkt(%q) error = %v, want *TidpunktError", in, err)
			}
		})
	}
}

// Ordering is by instant: 02:30+02:00 is earlier than 02:30+01:00 although
// it sorts after it as text, and a zoneless overlap pair sorts by instant.
func TestTidpunktOrdersByInstant(t *testing.T) {
	texts := []string{"2025-10-26T02:30:00+01:00", "2025-10-26T02:30:00+02:00", "2025-10-26 02:15:00.00", "2025-10-26T01:00:00Z"}
	var got []time.Time
	for _, s := range texts {
		v, err := ParseTidpunkt(s, nil)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	slices.SortFunc(got, time.Time.Compare)
	var order []string
	for _, v := range got {
		order = append(order, v.UTC().Format("15:04"))
	}
	want := []string{"00:15", "00:30", "01:00", "01:30"}
	if !slices.Equal(order, want) {
		t.Fatalf("order %v, want %v", order, want)
	}
}

// The zone this package embeds must behave like the system's, so a scratch
// container reads Swedish wall times the same way.
func TestEmbeddedStockholm(t *testing.T) {
	embedded := embeddedStockholm()
	for _, s := range []string{"2025-10-26 02:30:00", "2025-03-30 02:30:00", "2024-07-01 12:00:00", "2030-01-01 00:00:00"} {
		a, err := ParseTidpunkt(s, embedded)
		if err != nil {
			t.Fatal(err)
		}
		b, err := ParseTidpunkt(s, Stockholm())
		if err != nil {
			t.Fatal(err)
		}
		if !a.Equal(b) {
			t.Errorf("%s: embedded zone gives %s, system gives %s", s, a.UTC(), b.UTC())
		}
	}
}

func FuzzParseTidpunkt(f *testing.F) {
	for _, s := range []string{"2025-08-12T14:03:55Z", "2025-08-12 14:03:55.00", "2025-10-26 02:30:00.00", "2025-3-30 2:30:0.123456789+01:00", "2025-08-12T14:03"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTidpunkt(s, nil)
		if err != nil {
			return
		}
		if got.UTC().Year() < 1000 {
			return // RFC 3339 has no form for it (old LMT offsets can push 1000-01-01 back a year)
		}
		// Whatever was read re-reads to the same instant from RFC 3339.
		again, err := ParseTidpunkt(got.UTC().Format(time.RFC3339Nano), nil)
		if err != nil || !again.Equal(got) {
			t.Fatalf("%q read as %v, but its RFC 3339 form reads as %v (%v)", s, got, again, err)
		}
	})
}

func BenchmarkParseTidpunkt(b *testing.B) {
	for _, s := range []string{"2025-08-12T14:03:55.123+02:00", "2025-08-12 14:03:55.00"} {
		b.Run(s, func(b *testing.B) {
			for b.Loop() {
				if _, err := ParseTidpunkt(s, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A tidpunkt or kundhandelseId is the producer's text; a personnummer put
// there by mistake must not come back in an error, and a huge value must
// not make a huge error.
func TestTidpunktErrorsMaskDigits(t *testing.T) {
	const pnr = "199001012385"
	_, err := ParseTidpunkt(pnr, nil)
	_, err2 := ParseTidpunkt("2025-08-12T14:03:55Z"+pnr+strings.Repeat("x", 1<<16), nil)
	var k Kundhandelse
	err3 := json.Unmarshal([]byte(`{"kundhandelseId":"`+pnr+`-1","tidpunkt":"då"}`), &k)
	err4 := json.Unmarshal([]byte(`{"kundhandelseId":"`+pnr+`-1"}`), &k)
	for i, err := range []error{err, err2, err3, err4} {
		if err == nil {
			t.Fatalf("error %d is nil", i)
		}
		if msg := err.Error(); strings.Contains(msg, "9001012385") || len(msg) > 300 {
			t.Errorf("error %d leaks the number or is %d bytes long: %.300s", i, len(msg), msg)
		}
	}
}

// TestTidpunktErrorCut: a long value is masked before it is cut, so the
// cut leaves no few digits of an identifier unmasked, and cut on a rune.
func TestTidpunktErrorCut(t *testing.T) {
	tests := []struct{ name, value, notWant string }{
		{"identifier across the cut", strings.Repeat("x", 60) + "199001012385", "1990"},
		{"letter across the cut", strings.Repeat("x", 63) + "åå", `\x`},
		{"identifier across the cut of the rest", "2025-08-12T14:03:55Z" + strings.Repeat("x", 12) + "199001012385", "1990"},
		{"letter across the cut of the rest", "2025-08-12T14:03:55Z" + strings.Repeat("x", 15) + "åå", `\x`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTidpunkt(tt.value, nil)
			if err == nil {
				t.Fatal("accepted")
			}
			if msg := err.Error(); strings.Contains(msg, tt.notWant) {
				t.Errorf("error has %q: %s", tt.notWant, msg)
			}
		})
	}
}

// TestTidpunktNotText: a tidpunkt that is no date-time text is refused
// with what it was, never as a missing tidpunkt, and without its digits.
func TestTidpunktNotText(t *testing.T) {
	tests := []struct {
		name    string
		event   string
		wantErr string
	}{
		{"epoch milliseconds", `{"kundhandelseId":"a","tidpunkt":1712345678901}`,
			`minaarenden: kundhändelse "a": minaarenden: tidpunkt "*************": a number (epoch milliseconds?), want date-time text such as 2025-08-12T14:03:55Z`},
		{"epoch milliseconds as text", `{"kundhandelseId":"a","tidpunkt":"1712345678901"}`,
			`minaarenden: kundhändelse "a": minaarenden: tidpunkt "*************": a number (epoch milliseconds?), want date-time text such as 2025-08-12T14:03:55Z`},
		{"epoch seconds", `{"kundhandelseId":"a","tidpunkt":1712345678}`,
			`minaarenden: kundhändelse "a": minaarenden: tidpunkt "**********": a number (epoch seconds?), want date-time text such as 2025-08-12T14:03:55Z`},
		{"a fraction in exponent form", `{"kundhandelseId":"a","tidpunkt":1.7e12}`,
			`minaarenden: kundhändelse "a": minaarenden: tidpunkt "1.7e12": a number, want date-time text such as 2025-08-12T14:03:55Z`},
		{"an object", `{"kundhandelseId":"a","tidpunkt":{"epochMillis":1712345678901}}`,
			`minaarenden: kundhändelse "a": tidpunkt is an object, want date-time text such as 2025-08-12T14:03:55Z`},
		{"a boolean", `{"kundhandelseId":"a","tidpunkt":true}`,
			`minaarenden: kundhändelse "a": tidpunkt is a boolean, want date-time text such as 2025-08-12T14:03:55Z`},
		{"null", `{"kundhandelseId":"a","tidpunkt":null}`, `minaarenden: kundhändelse "a" has no tidpunkt`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var k Kundhandelse
			err := json.Unmarshal([]byte(tt.event), &k)
			if err == nil {
				t.Fatalf("accepted, tidpunkt %v", k.Tidpunkt)
			}
			if got := err.Error(); got != tt.wantErr {
				t.Errorf("error\n got %s\nwant %s", got, tt.wantErr)
			}
		})
	}
	// Only a JSON number is called one; for anything else the parser's own
	// reason stands.
	for in, number := range map[string]bool{
		"2025": true, "-12.5E+3": true, "-": false, "1.": false, "1e": false, "0x1p3": false, "12 34": false,
	} {
		_, err := ParseTidpunkt(in, nil)
		if err == nil {
			t.Fatalf("ParseTidpunkt(%q) accepted", in)
		}
		if got := strings.Contains(err.Error(), "a number"); got != number {
			t.Errorf("ParseTidpunkt(%q) = %v; called a number: %v, want %v", in, err, got, number)
		}
	}
}
