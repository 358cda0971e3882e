package minaarenden

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Identifierare is a personnummer, samordningsnummer or organisationsnummer in
// the standard's 12-digit form (ÅÅÅÅMMDDNNNC; organisationsnummer of legal
// persons prefixed with 16).
//
// It is personal data. String, GoString, Format, LogValue and MarshalJSON
// all print a mask, so an Identifierare that slips into a log line (slog's
// JSON handler marshals structs field by field), an error or a %v prints
// nothing personal. Code that must send the digits — package client's
// request bodies — converts explicitly with string(id). Decoding JSON reads
// the digits as usual.
type Identifierare string

const identifierareMask = "************"

// String returns a mask, never the number.
func (Identifierare) String() string { return identifierareMask }

// GoString returns a mask, never the number.
func (Identifierare) GoString() string {
	return `minaarenden.Identifierare("` + identifierareMask + `")`
}

// Format prints the mask for every verb, %d and %q included.
func (id Identifierare) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, id.GoString())
		return
	}
	fmt.Fprint(f, identifierareMask)
}

// LogValue keeps the number out of structured logs.
func (Identifierare) LogValue() slog.Value { return slog.StringValue(identifierareMask) }

// MarshalJSON writes the mask: any struct holding an Identifierare — a Kund,
// a Part, an outcome — can be logged or dumped as JSON without leaking it.
func (Identifierare) MarshalJSON() ([]byte, error) { return []byte(`"` + identifierareMask + `"`), nil }

// Errors an identifier check wraps, for callers that branch with errors.Is.
var (
	ErrIdentifierareLength = errors.New("must be exactly 12 digits")
	ErrIdentifierareDigits = errors.New("must contain only digits 0-9")
	ErrIdentifierareDate   = errors.New("date part is not a real date")
	ErrIdentifierareLuhn   = errors.New("check digit does not match (Luhn)")
	ErrIdentifierareOrg    = errors.New("organisationsnummer with prefix 16 needs a group number of 20 or more in digits 5-6")
	ErrIdentifierareTyp    = errors.New("kund.typ must be Personnummer, Samordningsnummer or Organisationsnummer")
)

// IdentifierareError says which rule an identifier broke. It never holds
// the identifier itself.
type IdentifierareError struct {
	Typ KundTyp
	Err error // one of the ErrIdentifierare values
}

func (e *IdentifierareError) Error() string {
	return fmt.Sprintf("minaarenden: invalid %s: %v", e.Typ, e.Err)
}

func (e *IdentifierareError) Unwrap() error { return e.Err }

// Validate checks id as an identifier of the given kind: 12 digits, a real
// date (day+60 for samordningsnummer; none for organisationsnummer of legal
// persons, where digits 5–6 are 20 or more) and the Luhn check digit over the
// last ten digits.
func (id Identifierare) Validate(typ KundTyp) error {
	fail := func(err error) error { return &IdentifierareError{Typ: typ, Err: err} }
	switch typ {
	case Personnummer, Samordningsnummer, Organisationsnummer:
	default:
		return fail(ErrIdentifierareTyp)
	}
	if len(id) != 12 {
		return fail(ErrIdentifierareLength)
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return fail(ErrIdentifierareDigits)
		}
	}
	switch {
	case typ == Organisationsnummer && id[:2] == "16":
		if id[4] < '2' {
			return fail(ErrIdentifierareOrg)
		}
	case typ == Organisationsnummer:
		// An enskild firma: the owner's personnummer or samordningsnummer.
		if !validDate(id, false) && !validDate(id, true) {
			return fail(ErrIdentifierareDate)
		}
	default:
		if !validDate(id, typ == Samordningsnummer) {
			return fail(ErrIdentifierareDate)
		}
	}
	if !luhn(string(id[2:])) {
		return fail(ErrIdentifierareLuhn)
	}
	return nil
}

// ValidatePerson checks id as a personnummer or, failing its date rule, a
// samordningsnummer: the form of anvandare.
func (id Identifierare) ValidatePerson() error {
	err := id.Validate(Personnummer)
	if errors.Is(err, ErrIdentifierareDate) {
		if id.Validate(Samordningsnummer) == nil {
			return nil
		}
	}
	return err
}

// validDate checks the ÅÅÅÅMMDD part; a samordningsnummer adds 60 to the day.
func validDate(id Identifierare, samordning bool) bool {
	num := func(s Identifierare) int {
		n := 0
		for i := 0; i < len(s); i++ {
			n = n*10 + int(s[i]-'0')
		}
		return n
	}
	year, month, day := num(id[:4]), num(id[4:6]), num(id[6:8])
	if samordning {
		day -= 60
	}
	if year < 1800 || month < 1 || month > 12 || day < 1 {
		return false
	}
	t := time.Date(year, time.Month(month), day, 12, 0, 0, 0, time.UTC)
	return t.Day() == day
}

// luhn reports whether the digits pass the Luhn check with weights 2,1,2,…
// from the left, as Swedish ten-digit numbers do.
func luhn(digits string) bool {
	sum := 0
	for i := 0; i < len(digits); i++ {
		d := int(digits[i] - '0')
		if i%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}
