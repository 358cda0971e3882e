package minaarenden

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"time"
)

// ParseTidpunkt reads a tidpunkt as producers really send it:
//
//	2025-08-12T14:03:55Z                 RFC 3339
//	2025-08-12T14:03:55.123+02:00        any offset, 0–9 fractional digits
//	2025-08-12 14:03:55.00               the RAML form: space, no zone
//	2025-8-2 5:12:00.00                  one-digit fields the RAML pattern allows
//	2025-08-12T14:03                     seconds left out
//
// A value without an offset is read as wall-clock time in zone (nil means
// Europe/Stockholm). Wall times that do not map to exactly one instant are
// resolved the way java.time's ZonedDateTime.of does, which the reference
// implementation uses:
//
//   - in the autumn overlap (02:00–03:00 happens twice) the first occurrence,
//     summer time, is taken: 02:30 is 00:30Z;
//   - in the spring gap (02:00–03:00 never happens) the offset in force before
//     the gap is applied, moving the time forward by the gap: 02:30 is 01:30Z,
//     03:30 summer time.
//
// The result always carries its instant; order events with Before/Compare,
// never by the text.
//
// A number (1712345678901, as JSON or as text) is refused by name: the
// standard's tidpunkt is date-time text, and whether a producer's number
// counts seconds or milliseconds since 1970, and in which zone it was meant,
// is a guess an SDK must not make.
func ParseTidpunkt(s string, zone *time.Location) (time.Time, error) {
	if isNumber(s) {
		return time.Time{}, &TidpunktError{Value: s, Reason: numberReason(s)}
	}
	p := tidpunktParser{s: s, ok: true}
	year := p.digits(4, 4)
	p.expect('-')
	month := p.digits(1, 2)
	p.expect('-')
	day := p.digits(1, 2)
	if p.ok && p.i < len(s) && (s[p.i] == 'T' || s[p.i] == 't' || s[p.i] == ' ') {
		p.i++
	} else {
		p.fail("a 'T' or space between date and time")
	}
	hour := p.digits(1, 2)
	p.expect(':')
	minute := p.digits(1, 2)
	second, nanos := 0, 0
	if p.ok && p.i < len(s) && s[p.i] == ':' {
		p.i++
		second = p.digits(1, 2)
		if p.ok && p.i < len(s) && (s[p.i] == '.' || s[p.i] == ',') {
			p.i++
			start := p.i
			frac := p.digits(1, 9)
			for n := p.i - start; n < 9; n++ {
				frac *= 10
			}
			nanos = frac
		}
	}
	offset, hasZone := p.zone()
	if !p.ok {
		return time.Time{}, &TidpunktError{Value: s, Reason: p.reason}
	}
	if p.i != len(s) {
		return time.Time{}, &TidpunktError{Value: s, Reason: fmt.Sprintf("unexpected %q at position %d", redactCut(s[p.i:], 16), p.i)}
	}
	if year < 1000 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 60 {
		return time.Time{}, &TidpunktError{Value: s, Reason: "a field is out of range"}
	}
	if second == 60 { // a leap second: the standard library has none either
		second = 59
		nanos = 999_999_999
	}
	if hasZone {
		loc := time.UTC
		if offset != 0 {
			loc = time.FixedZone("", offset)
		}
		return time.Date(year, time.Month(month), day, hour, minute, second, nanos, loc), nil
	}
	if zone == nil {
		zone = Stockholm()
	}
	return wallClock(year, month, day, hour, minute, second, nanos, zone), nil
}

// wallClock returns the instant a zoneless wall time names in zone, with
// overlap and gap resolved as ParseTidpunkt documents. time.Date leaves that
// choice unspecified, so it is made here explicitly.
func wallClock(year, month, day, hour, minute, second, nanos int, zone *time.Location) time.Time {
	asUTC := time.Date(year, time.Month(month), day, hour, minute, second, nanos, time.UTC)
	// Offsets in force half a day either side: zone transitions are further
	// apart than that, so these are the only offsets the wall time can have.
	_, before := asUTC.Add(-12 * time.Hour).In(zone).Zone()
	_, after := asUTC.Add(12 * time.Hour).In(zone).Zone()
	fits := func(offset int) bool {
		_, o := asUTC.Add(-time.Duration(offset) * time.Second).In(zone).Zone()
		return o == offset
	}
	first, later := before, after
	if first < later { // try the larger offset first: it is the earlier instant
		first, later = later, first
	}
	switch {
	case fits(first):
		return asUTC.Add(-time.Duration(first) * time.Second).In(zone)
	case fits(later):
		return asUTC.Add(-time.Duration(later) * time.Second).In(zone)
	default: // in a gap
		return asUTC.Add(-time.Duration(before) * time.Second).In(zone)
	}
}

// isNumber reports whether s is a JSON number: -?digits[.digits][e±digits].
func isNumber(s string) bool {
	i := 0
	digits := func() int {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - start
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	if digits() == 0 {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// numberReason says what a number given as tidpunkt most likely is, by the
// count of its integer digits: 10 are seconds and 13 milliseconds since
// 1970 for every date from 2001 to 2286.
func numberReason(s string) string {
	n := 0
	for _, c := range strings.TrimPrefix(s, "-") {
		if c < '0' || c > '9' {
			break
		}
		n++
	}
	guess := ""
	switch {
	case n >= 12 && n <= 13:
		guess = " (epoch milliseconds?)"
	case n >= 9 && n <= 10:
		guess = " (epoch seconds?)"
	}
	return "a number" + guess + ", want date-time text such as 2025-08-12T14:03:55Z"
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// TidpunktError reports a tidpunkt that could not be read.
type TidpunktError struct {
	Value  string
	Reason string
}

// Error quotes the value masked by Redact and cut short: the text came from
// a producer, and a personnummer in the wrong field must not reach a log
// through it.
func (e *TidpunktError) Error() string {
	return fmt.Sprintf("minaarenden: tidpunkt %q: %s", redactCut(e.Value, 64), Redact(e.Reason))
}

type tidpunktParser struct {
	s      string
	i      int
	ok     bool
	reason string
}

func (p *tidpunktParser) fail(want string) {
	if p.reason == "" {
		p.reason = "expected " + want + fmt.Sprintf(" at position %d", p.i)
	}
	p.ok = false
}

func (p *tidpunktParser) digits(min, max int) int {
	if !p.ok {
		return 0
	}
	n, start := 0, p.i
	for p.i < len(p.s) && p.i-start < max && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		n = n*10 + int(p.s[p.i]-'0')
		p.i++
	}
	if p.i-start < min {
		p.fail(fmt.Sprintf("%d–%d digits", min, max))
	}
	return n
}

func (p *tidpunktParser) expect(c byte) {
	if !p.ok {
		return
	}
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return
	}
	p.fail(fmt.Sprintf("%q", c))
}

// zone reads an optional Z, ±hh:mm, ±hhmm or ±hh.
func (p *tidpunktParser) zone() (offset int, ok bool) {
	if !p.ok || p.i >= len(p.s) {
		return 0, false
	}
	switch p.s[p.i] {
	case 'Z', 'z':
		p.i++
		return 0, true
	case '+', '-':
	default:
		return 0, false
	}
	sign := 1
	if p.s[p.i] == '-' {
		sign = -1
	}
	p.i++
	h := p.digits(2, 2)
	m := 0
	if p.ok && p.i < len(p.s) {
		if p.s[p.i] == ':' {
			p.i++
		}
		m = p.digits(2, 2)
	}
	if h > 23 || m > 59 {
		p.fail("an offset of at most 23:59")
	}
	return sign * (h*3600 + m*60), true
}

//go:embed zoneinfo/Europe_Stockholm
var stockholmTZif []byte

var stockholm = sync.OnceValue(func() *time.Location {
	if loc, err := time.LoadLocation("Europe/Stockholm"); err == nil {
		return loc
	}
	return embeddedStockholm()
})

// embeddedStockholm loads the zone this package carries (from Go's own
// lib/time/zoneinfo.zip), for machines without a zone database such as
// scratch containers. Sweden's rules are those of the EU since 1996; a change
// would need a new release of this SDK, which is why the system's database
// is preferred when there is one.
func embeddedStockholm() *time.Location {
	loc, err := time.LoadLocationFromTZData("Europe/Stockholm", stockholmTZif)
	if err != nil {
		panic("minaarenden: embedded Europe/Stockholm zone is corrupt: " + err.Error())
	}
	return loc
}

// Stockholm returns the Europe/Stockholm zone, from the system when it has
// one and from the copy this package embeds otherwise. It never fails.
func Stockholm() *time.Location { return stockholm() }
