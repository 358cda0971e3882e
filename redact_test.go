package minaarenden

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

func TestRedact(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"twelve digits", "Kund 199001012385 saknas", "Kund ************ saknas"},
		{"dash and plus", "pnr 19900101-2385 och 900101+2385", "pnr ********-**** och ******+****"},
		{"organisationsnummer", "orgnr 556036-0793", "orgnr ******-****"},
		{"date of birth alone", "född 900101", "född ******"},
		{"date and time stay", "HTTP 503 efter 2 försök, 2025-08-12 14:03", "HTTP 503 efter 2 försök, 2025-08-12 14:03"},
		{"a date alone stays", "perioden 2025-07-01", "perioden 2025-07-01"},
		{"long run in an id", "AG-2026-0418853", "AG-2026-*******"},
		{"empty", "", ""},
		{"dashes throughout", "kund 1990-03-15-1231 saknas", "kund ****-**-**-**** saknas"},
		{"spaces throughout", "kund 1990 03 15 1231 saknas", "kund **** ** ** **** saknas"},
		{"two-digit year apart", "kund 90-03-15-1231", "kund **-**-**-****"},
		{"dots in the date", "född 1990.03.15, nr 1990.03.15-1231", "född 1990.03.15, nr ****.**.**-****"},
		{"spaced dash", "kund 900315 - 1231 saknas", "kund ****** - **** saknas"},
		{"no-break space and en dash", "kund 900315\u00a0–\u00a01231", "kund ******\u00a0–\u00a0****"},
		{"full-width digits", "kund １９９００３１５１２３１ saknas", "kund ************ saknas"},
		{"full-width dash", "kund １９９００３１５－１２３１", "kund ********－****"},
		{"Arabic-Indic digits", "kund ١٩٩٠٠٣١٥١٢٣١", "kund ************"},
		{"UUID stays whole", "correlation id 3f2a9c1e-1234-4abc-9def-199003151231 (attempts: 2)", "correlation id 3f2a9c1e-1234-4abc-9def-199003151231 (attempts: 2)"},
		{"upper-case UUID stays whole", "3F2A9C1E-1234-4ABC-9DEF-199003151231", "3F2A9C1E-1234-4ABC-9DEF-199003151231"},
		{"UUID beside an identifier", "3f2a9c1e-1234-4abc-9def-199003151231 199003151231", "3f2a9c1e-1234-4abc-9def-199003151231 ************"},
		{"all-digit UUID shape is masked", "19900315-1231-1231-1231-199003151231", "********-****-1231-1231-************"},
		{"UUID with a longer last group is no UUID", "3f2a9c1e-1234-4abc-9def-1990031512310", "3f2a9c1e-1234-4abc-9def-*************"},
		{"UUID glued to a word is no UUID", "x3f2a9c1e-1234-4abc-9def-199003151231", "x3f2a9c1e-1234-4abc-9def-************"},
		{"three spaces part the groups", "nr 900315   1231", "nr ******   1231"},
		{"two marks part the groups", "nr 1990--03--15--1231", "nr 1990--03--15--1231"},
		{"time after a date", "2025-08-12T14:03:55Z", "2025-08-12T14:03:55Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Redact(tt.in); got != tt.want {
				t.Errorf("Redact(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

// identifierForms writes the twelve digits of an identifier in one of the
// shapes Redact must mask, as producers and people write them.
func identifierForms(id string, form uint8) string {
	seps := []string{"-", "+", " ", " - ", "\u00a0", "–", "－", ".", "/"}
	sep := seps[int(form>>4)%len(seps)]
	digits := id
	if form&8 != 0 {
		digits = strings.Map(func(r rune) rune { return r - '0' + '０' }, id) // full width
	}
	date, last := strings.Split(digits, "")[:8], strings.Join(strings.Split(digits, "")[8:], "")
	switch form & 7 {
	case 0:
		return digits
	case 1:
		return strings.Join(date[2:], "") + last // ten digits
	case 2:
		return strings.Join(date, "") + sep + last
	case 3:
		return strings.Join(date[2:], "") + sep + last
	case 4:
		return strings.Join(date[:4], "") + sep + strings.Join(date[4:6], "") + sep + strings.Join(date[6:], "") + sep + last
	default:
		return strings.Join(date[2:4], "") + sep + strings.Join(date[4:6], "") + sep + strings.Join(date[6:], "") + sep + last
	}
}

// FuzzRedact checks three things of Redact on any text: an identifier
// written in any of its shapes amid the text comes out with every digit
// masked, whatever stands around it; a UUID in the text comes out whole;
// and Redact of its own output changes nothing.
func FuzzRedact(f *testing.F) {
	f.Add("Kund ", " saknas", uint64(199003151231), uint8(0), "3f2a9c1e-1234-4abc-9def-199003151231")
	f.Add("HTTP 503, 2025-08-12 14:03 ", "", uint64(556036079312), uint8(0x13), "6f1c2a8e-0b7e-4c55-9a40-2d3b8a1e9f01")
	f.Add("", "-1231", uint64(199003151231), uint8(0x34), "")
	f.Add("1990-03-15", "1231", uint64(190001011234), uint8(0x3d), "x")
	f.Add("AG-2026-0418853 ", " １２", uint64(200012319999), uint8(0x4a), "00000000-0000-0000-0000-00000000000a")
	f.Fuzz(func(t *testing.T, before, after string, seed uint64, form uint8, uuid string) {
		id := identifierForms(fmt.Sprintf("%012d", seed%1_000_000_000_000), form)
		in := before + " " + id + " " + after
		out := Redact(in)
		masked := strings.Map(func(r rune) rune {
			if unicode.IsDigit(r) {
				return '*'
			}
			return r
		}, id)
		if !strings.Contains(out, " "+masked+" ") {
			t.Errorf("Redact(%q) = %q, want %q masked as %q", in, out, id, masked)
		}
		if again := Redact(out); again != out {
			t.Errorf("Redact is not idempotent:\n once  %q\n twice %q", out, again)
		}
		if isUUID(uuid) {
			in := before + " " + uuid + " " + after
			if out := Redact(in); !strings.Contains(out, " "+uuid+" ") {
				t.Errorf("Redact(%q) = %q lost UUID %s", in, out, uuid)
			}
		}
	})
}

func isUUID(s string) bool { return len(s) == 36 && uuidAt(s, 0) == 36 }

// BenchmarkRedact masks a producer's error message as a *client.Error does,
// beside the single regular expression a user would write by hand (six or
// more digits, or a date, a separator and four), which misses the shapes
// Redact covers.
func BenchmarkRedact(b *testing.B) {
	const msg = "Kunden 19900315-1231 saknas i registret (correlation id 3f2a9c1e-1234-4abc-9def-199003151231, 2025-08-12 14:03)"
	b.Run("sdk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = Redact(msg)
		}
	})
	b.Run("regexp", func(b *testing.B) {
		re := regexp.MustCompile(`[0-9]{6}(?:[0-9]{2})?[-+ ][0-9]{4}|[0-9]{6,}`)
		b.ReportAllocs()
		for b.Loop() {
			_ = re.ReplaceAllStringFunc(msg, func(m string) string { return strings.Repeat("*", len(m)) })
		}
	})
}
