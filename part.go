package minaarenden

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// KundTyp is the kind of identifier in Kund.Identifierare.
type KundTyp string

// The kinds of kund the standard defines.
const (
	Personnummer        KundTyp = "Personnummer"
	Samordningsnummer   KundTyp = "Samordningsnummer"
	Organisationsnummer KundTyp = "Organisationsnummer"
)

// Kund is the customer a question is about: a person or an organisation.
type Kund struct {
	Identifierare Identifierare `json:"identifierare"`
	// Tillagg narrows an identifier that is not unique on its own, such as
	// one of several enskilda firmor of the same person (kund.tillagg, 3.1).
	Tillagg string  `json:"tillagg,omitempty"`
	Typ     KundTyp `json:"typ"`
}

// LogValue keeps the identifier out of structured logs: slog's JSON
// handler would otherwise marshal the struct, digits and all.
func (k Kund) LogValue() slog.Value {
	return slog.StringValue(fmt.Sprintf("%s %s", k.Typ, k.Identifierare))
}

// Validate checks the identifier against the rules of its Typ before any
// request leaves the process.
func (k Kund) Validate() error {
	return k.Identifierare.Validate(k.Typ)
}

// ArendeTyp is the kind of identifier in Arende.Identifierare.
type ArendeTyp string

// The kinds of ärende reference. The producer RAML spells
// Producentärendereferens with ä, the forwarding service without; both decode
// to ProducentarendeReferens and the client writes the spelling its dialect
// expects.
const (
	Konsumentreferens       ArendeTyp = "Konsumentreferens"
	ProducentarendeReferens ArendeTyp = "Producentarendereferens"
	Diarienummer            ArendeTyp = "Diarienummer"
	Kvittensnummer          ArendeTyp = "Kvittensnummer"
)

// UnmarshalJSON accepts both spellings of Producentärendereferens.
func (t *ArendeTyp) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	if s == "Producentärendereferens" {
		s = string(ProducentarendeReferens)
	}
	*t = ArendeTyp(s)
	return nil
}

// Arende is a case reference a question can ask about, for example a
// Bolagsverket case for a company that has no organisationsnummer yet.
type Arende struct {
	Identifierare string    `json:"identifierare"`
	Typ           ArendeTyp `json:"typ"`
}

// Part is one party of a question: a kund, an ärende, or both (then an event
// must match both).
type Part struct {
	Kund   *Kund   `json:"kund,omitempty"`
	Arende *Arende `json:"arende,omitempty"`
}

// Validate checks that the part names a kund or an ärende and that each is
// well-formed.
func (p Part) Validate() error {
	if p.Kund == nil && p.Arende == nil {
		return errors.New("minaarenden: a part needs a kund or an arende")
	}
	if p.Kund != nil {
		if err := p.Kund.Validate(); err != nil {
			return err
		}
	}
	if p.Arende != nil {
		if strings.TrimSpace(p.Arende.Identifierare) == "" {
			return errors.New("minaarenden: arende.identifierare is empty")
		}
		switch p.Arende.Typ {
		case Konsumentreferens, ProducentarendeReferens, Diarienummer, Kvittensnummer:
		default:
			return fmt.Errorf("minaarenden: arende.typ %q is not one of Konsumentreferens, Producentarendereferens, Diarienummer, Kvittensnummer", redactCut(string(p.Arende.Typ), 64))
		}
	}
	return nil
}

// String describes the part without revealing any identifier, so a Part can
// go into logs and errors: "kund Personnummer ************ + arende Diarienummer".
func (p Part) String() string {
	var b strings.Builder
	if p.Kund != nil {
		fmt.Fprintf(&b, "kund %s %s", p.Kund.Typ, p.Kund.Identifierare)
	}
	if p.Arende != nil {
		if b.Len() > 0 {
			b.WriteString(" + ")
		}
		fmt.Fprintf(&b, "arende %s", p.Arende.Typ)
	}
	if b.Len() == 0 {
		return "empty part"
	}
	return b.String()
}

// LogValue keeps identifiers out of structured logs.
func (p Part) LogValue() slog.Value { return slog.StringValue(p.String()) }

// Key returns a comparable identity for p, for maps and deduplication. It
// holds the identifiers: never log or print it.
func (p Part) Key() PartKey {
	var k PartKey
	if p.Kund != nil {
		k.kund, k.tillagg, k.kundTyp = string(p.Kund.Identifierare), p.Kund.Tillagg, p.Kund.Typ
	}
	if p.Arende != nil {
		k.arende, k.arendeTyp = p.Arende.Identifierare, p.Arende.Typ
	}
	return k
}

// PartKey is a comparable form of a Part. Its fields are unexported and it
// prints nothing personal.
type PartKey struct {
	kund, tillagg string
	kundTyp       KundTyp
	arende        string
	arendeTyp     ArendeTyp
}

// String never reveals the identifiers.
func (PartKey) String() string { return "PartKey(…)" }

// GoString never reveals the identifiers: without it %#v prints the
// unexported fields, numbers and all.
func (PartKey) GoString() string { return "minaarenden.PartKey{…}" }

// Fraga is one consumer question: which parter, optionally narrowed by
// kundhändelsetyper (full types or prefixes), taggar and a date range.
type Fraga struct {
	Parter []Part
	// KundhandelseTyper filters on full types or segment prefixes ("SKV",
	// "SKV.MOMS"); empty means every type the user may see.
	KundhandelseTyper []Kundhandelsetyp
	// Taggar filters on producer-defined tags; an event matches if its type
	// is pointed out by any of them.
	Taggar []string
	// StartDatum and SlutDatum are inclusive whole days; zero means open.
	StartDatum, SlutDatum Datum
	// Anvandare is the person using the consumer service, sent as the
	// anvandare header (3.1–4.1) or body field (5.0 on). Zero means the
	// kund of the first part when that is a personnummer.
	Anvandare Identifierare
}

// LogValue keeps identifiers out of structured logs: the parts and
// anvandare print masked, as with %v.
func (f Fraga) LogValue() slog.Value { return slog.StringValue(fmt.Sprintf("%+v", f)) }

// Validate checks every part, every type filter, the dates and anvandare.
// Errors name the part by index and never carry an identifier.
func (f Fraga) Validate() error {
	if len(f.Parter) == 0 {
		return errors.New("minaarenden: a fraga needs at least one part")
	}
	for i, p := range f.Parter {
		if err := p.Validate(); err != nil {
			return fmt.Errorf("part %d: %w", i, err)
		}
	}
	for _, t := range f.KundhandelseTyper {
		if err := t.ValidatePrefix(); err != nil {
			return err
		}
	}
	if !f.StartDatum.IsZero() && !f.SlutDatum.IsZero() && f.SlutDatum.Before(f.StartDatum) {
		return fmt.Errorf("minaarenden: slutDatum %s is before startDatum %s", f.SlutDatum, f.StartDatum)
	}
	if f.Anvandare != "" {
		if err := f.Anvandare.ValidatePerson(); err != nil {
			return fmt.Errorf("anvandare must be the personnummer or samordningsnummer of the person using the service: %w", err)
		}
	}
	return nil
}

// User returns the anvandare to send: Anvandare, else the first part's kund
// when that is a person, else "".
func (f Fraga) User() Identifierare {
	if f.Anvandare != "" {
		return f.Anvandare
	}
	for _, p := range f.Parter {
		if p.Kund != nil && (p.Kund.Typ == Personnummer || p.Kund.Typ == Samordningsnummer) {
			return p.Kund.Identifierare
		}
	}
	return ""
}

// Datum is a calendar day, the form of startDatum and slutDatum (YYYY-MM-DD).
type Datum struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDatum reads YYYY-MM-DD and rejects days that do not exist.
func ParseDatum(s string) (Datum, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Datum{}, fmt.Errorf("minaarenden: datum %q is not a valid YYYY-MM-DD day", redactCut(s, 64))
	}
	return DatumOf(t), nil
}

// DatumOf returns the calendar day of t in t's own location.
func DatumOf(t time.Time) Datum {
	y, m, d := t.Date()
	return Datum{y, m, d}
}

// IsZero reports whether d is unset.
func (d Datum) IsZero() bool { return d == Datum{} }

// Before reports whether d is an earlier day than e.
func (d Datum) Before(e Datum) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// String formats d as YYYY-MM-DD.
func (d Datum) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// In returns the first instant of d in loc.
func (d Datum) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// MarshalJSON writes "YYYY-MM-DD".
func (d Datum) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads "YYYY-MM-DD".
func (d *Datum) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	v, err := ParseDatum(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}
