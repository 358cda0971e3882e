package minaarenden

import (
	"regexp"
	"strings"
)

// identifierLike matches what could be a personal identity number in free
// text: six or more digits in a row, or six or eight digits, a separator
// and four more (19900101-2385, 900101+2385).
var identifierLike = regexp.MustCompile(`[0-9]{6}(?:[0-9]{2})?[-+ ][0-9]{4}|[0-9]{6,}`)

// Redact masks, digit for digit, everything in s that could be a
// personnummer, samordningsnummer or organisationsnummer, so that text a
// producer or a caller wrote — an error message, a malformed kundhandelseId,
// a type filter — can go into an error string or a log line. Six digits is
// deliberately eager: a date of birth alone is personal data too.
func Redact(s string) string {
	return identifierLike.ReplaceAllStringFunc(s, func(m string) string {
		return strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return '*'
			}
			return r
		}, m)
	})
}
