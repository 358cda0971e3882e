package minaarenden

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Kundhandelsetyp is the type of a kundhändelse (customer event):
// PRODUCENT.PRODUCENTARENDETYP.STEG, for example SKV.MOMS.DEKL_INLAMAD.
// The first segment names the producer, the first two together the
// producentärendetyp (the kind of case), and the rest the step in that case.
//
// The same type also carries the prefixes a Fraga filters on ("SKV",
// "SKV.MOMS"); prefixes only ever match on segment boundaries.
type Kundhandelsetyp string

// ProducentPrefix returns the first segment, the producer's prefix ("SKV").
func (t Kundhandelsetyp) ProducentPrefix() string {
	if i := strings.IndexByte(string(t), '.'); i >= 0 {
		return string(t[:i])
	}
	return string(t)
}

// Producentarendetyp returns the first two segments, the producentärendetyp
// ("SKV.MOMS"), or "" when t has fewer than two segments.
func (t Kundhandelsetyp) Producentarendetyp() string {
	s := string(t)
	i := strings.IndexByte(s, '.')
	if i < 0 {
		return ""
	}
	if j := strings.IndexByte(s[i+1:], '.'); j >= 0 {
		return s[:i+1+j]
	}
	return s
}

// Steg returns everything after the producentärendetyp: the step
// ("DEKL_INLAMAD"), or "" when t has fewer than three segments.
func (t Kundhandelsetyp) Steg() string {
	p := t.Producentarendetyp()
	if p == "" || len(p) == len(t) {
		return ""
	}
	return string(t[len(p)+1:])
}

// HasPrefix reports whether prefix is t itself or a leading run of t's whole
// segments: SKV.MOMS matches SKV.MOMS.DEKL_INLAMAD, but SKV.MO does not match
// SKV.MOMS.X. An empty prefix matches nothing.
func (t Kundhandelsetyp) HasPrefix(prefix Kundhandelsetyp) bool {
	if prefix == "" || !strings.HasPrefix(string(t), string(prefix)) {
		return false
	}
	return len(t) == len(prefix) || t[len(prefix)] == '.'
}

// Overlaps reports whether a filter prefix and a type prefix can match a
// common event type: one is a segment prefix of the other. Routing uses it to
// decide whether a producer registered for "SKV" can answer "SKV.MOMS".
func (t Kundhandelsetyp) Overlaps(other Kundhandelsetyp) bool {
	return t.HasPrefix(other) || other.HasPrefix(t)
}

// Validate checks that t is a complete type: at least three segments, the
// first of upper-case letters, the others of upper-case letters, digits and
// underscores (the standard's rule, widened to digits as producers use them).
func (t Kundhandelsetyp) Validate() error {
	n, err := t.check()
	if err != nil {
		return err
	}
	if n < 3 {
		return &TypError{Typ: t, Reason: fmt.Sprintf("has %d segment(s), a kundhandelseTyp needs PRODUCENT.ARENDETYP.STEG", n)}
	}
	return nil
}

// ValidatePrefix checks that t is a well-formed filter: a complete type or a
// prefix of one or more whole segments ("SKV", "SKV.MOMS").
func (t Kundhandelsetyp) ValidatePrefix() error {
	_, err := t.check()
	return err
}

// maxTypLength bounds a type's length; the reference implementation uses 200.
const maxTypLength = 200

func (t Kundhandelsetyp) check() (segments int, err error) {
	if t == "" {
		return 0, &TypError{Typ: t, Reason: "is empty"}
	}
	if len(t) > maxTypLength {
		return 0, &TypError{Typ: t, Reason: fmt.Sprintf("is longer than %d characters", maxTypLength)}
	}
	segments = 1
	start := 0
	for i := 0; i <= len(t); i++ {
		if i < len(t) && t[i] != '.' {
			c := t[i]
			switch {
			case c >= 'A' && c <= 'Z':
			case (c >= '0' && c <= '9' || c == '_') && segments > 1:
			default:
				r, _ := utf8.DecodeRuneInString(string(t[i:])) // Ö, not the first byte of its UTF-8
				return 0, &TypError{Typ: t, Reason: fmt.Sprintf("segment %d has %q; only A–Z (and 0–9, _ after the first segment) are allowed", segments, r)}
			}
			continue
		}
		if i == start {
			return 0, &TypError{Typ: t, Reason: fmt.Sprintf("segment %d is empty", segments)}
		}
		if i < len(t) {
			segments++
			start = i + 1
		}
	}
	return segments, nil
}

// TypError reports a malformed kundhandelseTyp or prefix.
type TypError struct {
	Typ    Kundhandelsetyp
	Reason string
}

// Error quotes the type masked, and cut short when over the length bound:
// masked before the cut, which could leave too few of an identifier's
// digits to be masked.
func (e *TypError) Error() string {
	typ := Redact(string(e.Typ))
	if len(e.Typ) > maxTypLength {
		typ = redactCut(string(e.Typ), 32)
	}
	return fmt.Sprintf("minaarenden: kundhandelseTyp %q %s", typ, e.Reason)
}
