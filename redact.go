package minaarenden

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Redact masks, digit for digit, everything in s that could be a
// personnummer, samordningsnummer or organisationsnummer, so that text a
// producer or a caller wrote — an error message, a malformed kundhandelseId,
// a type filter — can go into an error string or a log line.
//
// A digit is any Unicode decimal digit (full-width １９９０ too). Masked are
//
//   - every run of six or more digits: deliberately eager, as a date of
//     birth alone is personal data too;
//   - a date and four digits, the date as six or eight digits or as
//     year, month and day apart, each gap a space, a dash, a plus, a dot
//     or a slash with up to two spaces either side: 19900315-1231,
//     900315+1231, 900315 - 1231, 1990-03-15-1231, 1990 03 15 1231.
//
// A UUID (8-4-4-4-12 hexadecimal digits with at least one letter among
// them) is left whole, although its last group may hold twelve digits: it
// is a correlation id that must stay matchable against producers' logs. A
// date with a time (2025-08-12 14:03) is no identifier and stays.
func Redact(s string) string {
	groups := digitGroups(s)
	if len(groups) == 0 {
		return s
	}
	masked := make([]bool, len(groups))
	for i, g := range groups {
		if g.digits >= 6 {
			masked[i] = true
		}
		for _, p := range identifierShapes {
			if fits(groups[i:], p) {
				for j := range p {
					masked[i+j] = true
				}
			}
		}
	}
	var b strings.Builder
	b.Grow(len(s))
	at := 0
	for i, g := range groups {
		if !masked[i] {
			continue
		}
		b.WriteString(s[at:g.start])
		b.WriteString(strings.Repeat("*", g.digits))
		at = g.end
	}
	if at == 0 {
		return s
	}
	b.WriteString(s[at:])
	return b.String()
}

// redactCut returns s masked as Redact does and then, when longer than max
// bytes, cut on a rune boundary and marked "…": masked before the cut, which
// could leave too few of an identifier's digits to be masked. For quoting
// caller or producer text in an error.
func redactCut(s string, max int) string {
	s = Redact(s)
	if len(s) > max {
		s = strings.ToValidUTF8(s[:max], "") + "…"
	}
	return s
}

// identifierShapes are the digit counts of the groups of a date and four
// digits written apart: YYMMDD or YYYYMMDD, or YY/YYYY, MM and DD, then
// the four.
var identifierShapes = [][]int{{6, 4}, {8, 4}, {2, 2, 2, 4}, {4, 2, 2, 4}}

// digitGroup is a maximal run of digits outside a UUID: s[start:end].
type digitGroup struct {
	start, end int
	digits     int
	// joined: the text since the previous group is a gap within an
	// identifier (see gap).
	joined bool
}

// fits reports whether groups start with the shape's digit counts, joined.
func fits(groups []digitGroup, shape []int) bool {
	if len(groups) < len(shape) {
		return false
	}
	for j, n := range shape {
		if groups[j].digits != n || j > 0 && !groups[j].joined {
			return false
		}
	}
	return true
}

func digitGroups(s string) []digitGroup {
	var groups []digitGroup
	prevEnd := -1
	for i := 0; i < len(s); {
		if n := uuidAt(s, i); n > 0 {
			i += n
			prevEnd = -1 // a UUID between two groups parts them
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsDigit(r) {
			i += size
			continue
		}
		g := digitGroup{start: i}
		for i < len(s) {
			r, size := utf8.DecodeRuneInString(s[i:])
			if !unicode.IsDigit(r) {
				break
			}
			g.digits++
			i += size
		}
		g.end = i
		g.joined = prevEnd >= 0 && gap(s[prevEnd:g.start])
		prevEnd = g.end
		groups = append(groups, g)
	}
	return groups
}

// gap reports whether s may stand between two groups of one identifier: up
// to two spaces, at most one dash, plus, dot or slash, up to two spaces;
// not nothing.
func gap(s string) bool {
	if s == "" || len(s) > 16 {
		return false
	}
	spaces, marks := 0, 0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Zs, r) || r == '\t':
			spaces++
			if spaces > 2 {
				return false
			}
		case isMark(r):
			marks++
			if marks > 1 {
				return false
			}
			spaces = 0
		default:
			return false
		}
	}
	return true
}

// isMark reports a dash, plus, dot or slash, in any of its Unicode forms.
func isMark(r rune) bool {
	switch r {
	case '+', '.', '/', '−', '＋', '﹢', '．', '／':
		return true
	}
	return unicode.Is(unicode.Pd, r)
}

// uuidAt returns 36 when s[i:] starts a UUID that stands alone (no letter
// or digit either side), else 0.
func uuidAt(s string, i int) int {
	const n = 36
	if len(s)-i < n || s[i+8] != '-' {
		return 0
	}
	if r, _ := utf8.DecodeLastRuneInString(s[:i]); i > 0 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
		return 0
	}
	if r, _ := utf8.DecodeRuneInString(s[i+n:]); i+n < len(s) && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
		return 0
	}
	letter := false
	for j := range n {
		c := s[i+j]
		switch j {
		case 8, 13, 18, 23:
			if c != '-' {
				return 0
			}
			continue
		}
		switch {
		case c >= '0' && c <= '9':
		case c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
			letter = true
		default:
			return 0
		}
	}
	// Twelve digits shaped as a UUID are no random id: mask them.
	if !letter {
		return 0
	}
	return n
}
