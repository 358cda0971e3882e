package minaarenden

import (
	"bytes"
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// Kundhandelse is one customer event: a short, user-readable message from a
// producer about a case ("Ansökan mottagen", "Komplettera din ansökan").
// Its JSON form is the 6.1 wire form; decoding tolerates unknown fields and
// reads tidpunkt leniently (see ParseTidpunkt), zoneless values in
// Europe/Stockholm. Clients that know a producer's zone decode with
// DecodeOptions instead.
type Kundhandelse struct {
	KundhandelseID string          `json:"kundhandelseId"`
	Rubrik         string          `json:"rubrik"`
	Beskrivning    string          `json:"beskrivning"`
	Sprak          string          `json:"sprak"`     // ISO 639-1 language of rubrik and beskrivning
	Producent      string          `json:"producent"` // human-readable producer name, "Skatteverket"
	Tidpunkt       time.Time       `json:"tidpunkt"`  // when it happened; compare instants, never text
	Typ            Kundhandelsetyp `json:"kundhandelseTyp"`
	// KraverKundatgard (producentarendetKraverKundatgard) is true when the
	// customer has the ball: the case waits for them to act.
	KraverKundatgard bool `json:"producentarendetKraverKundatgard"`
	// Klart (producentarendetKlart) is true when the producer considers the
	// case finished with this event.
	Klart bool `json:"producentarendetKlart"`
	// Version is the standard version the producer implements, from the
	// event itself (forwarding service) or the answer's metadata (producer).
	// Empty for answers older than 3.0.
	Version           Version           `json:"version,omitempty"`
	UtokadInformation UtokadInformation `json:"utokadInformation,omitempty"`
	Referenser        Referenser        `json:"referenser,omitempty"`
	Taggar            []string          `json:"taggar,omitempty"`

	// Part is the part (kund and/or ärende) whose question this event
	// answered. It is not part of the wire form.
	Part Part `json:"-"`
}

// Servicelofte returns the standard utokadInformation key servicelofte
// (since 6.0, e.g. "30 dagar"), or "".
func (k *Kundhandelse) Servicelofte() string {
	var s string
	if raw, ok := k.UtokadInformation.Lookup("servicelofte"); ok {
		_ = json.Unmarshal(raw, &s) // a non-string servicelofte reads as absent
	}
	return s
}

// UtokadInformation is an event's utokadInformation object as sent: the
// standard's extensions (servicelofte) and a producer's own, each value
// raw JSON. It is kept as the one value it came as, not a map, so that an
// event costs about its JSON: Lookup and All read it when asked. Build one
// with json.Marshal of a map or struct.
type UtokadInformation json.RawMessage

// Lookup returns the value under key, raw, and whether there is one. A
// key given twice reads as its last value, as in a JSON object.
func (u UtokadInformation) Lookup(key string) (json.RawMessage, bool) {
	var found json.RawMessage
	for k, v := range u.All() {
		if k == key {
			found = v
		}
	}
	return found, found != nil
}

// All yields every key and raw value in the order sent; nothing for null,
// an empty value or one that is not an object.
func (u UtokadInformation) All() iter.Seq2[string, json.RawMessage] {
	return func(yield func(string, json.RawMessage) bool) {
		dec := jsontext.NewDecoder(bytes.NewReader(u), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
		if dec.PeekKind() != '{' {
			return
		}
		if _, err := dec.ReadToken(); err != nil {
			return
		}
		for dec.PeekKind() == '"' {
			tok, err := dec.ReadToken()
			if err != nil {
				return
			}
			name := tok.String() // the token is valid only until the next read
			v, err := dec.ReadValue()
			if err != nil || !yield(name, bytes.Clone(v)) {
				return
			}
		}
	}
}

// MarshalJSON writes the object as held; empty is null.
func (u UtokadInformation) MarshalJSON() ([]byte, error) {
	if len(u) == 0 {
		return []byte("null"), nil
	}
	return u, nil
}

// UnmarshalJSON keeps an object as sent; null reads as none, and another
// kind is refused by name.
func (u *UtokadInformation) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	switch {
	case string(data) == "null":
		*u = nil
	case len(data) > 0 && data[0] == '{':
		*u = UtokadInformation(bytes.Clone(data))
	default:
		return fmt.Errorf("minaarenden: utokadInformation is %s, not an object", kindName(jsontext.Value(data).Kind()))
	}
	return nil
}

// wireKundhandelse is Kundhandelse with tidpunkt as text, so that the time
// can be read leniently and in a chosen zone.
type wireKundhandelse struct {
	KundhandelseID    string            `json:"kundhandelseId"`
	Rubrik            string            `json:"rubrik"`
	Beskrivning       string            `json:"beskrivning"`
	Sprak             string            `json:"sprak"`
	Producent         string            `json:"producent"`
	Tidpunkt          wireTidpunkt      `json:"tidpunkt"`
	Typ               Kundhandelsetyp   `json:"kundhandelseTyp"`
	KraverKundatgard  bool              `json:"producentarendetKraverKundatgard"`
	Klart             bool              `json:"producentarendetKlart"`
	Version           Version           `json:"version,omitempty"`
	UtokadInformation UtokadInformation `json:"utokadInformation,omitempty"`
	Referenser        Referenser        `json:"referenser,omitempty"`
	Taggar            []string          `json:"taggar,omitempty"`
}

// wireTidpunkt is a tidpunkt as sent: a string's text, or a number kept as
// written for ParseTidpunkt to name; any other kind is named in bad. It
// never fails, so a number (epoch milliseconds) is reported as what it is,
// not as encoding/json's type mismatch or a missing tidpunkt.
type wireTidpunkt struct {
	text string
	bad  string
}

func (t *wireTidpunkt) UnmarshalJSON(data []byte) error {
	switch data[0] {
	case '"':
		return json.Unmarshal(data, &t.text)
	case '{':
		t.bad = "an object"
	case '[':
		t.bad = "an array"
	case 't', 'f':
		t.bad = "a boolean"
	case 'n': // null is absent
	default:
		t.text = string(data)
	}
	return nil
}

func (t wireTidpunkt) MarshalJSON() ([]byte, error) { return json.Marshal(t.text) }

// MarshalJSON writes the 6.1 wire form with tidpunkt as RFC 3339 in UTC, as
// the REST API profile asks of answers.
func (k Kundhandelse) MarshalJSON() ([]byte, error) {
	w := wireKundhandelse{
		KundhandelseID: k.KundhandelseID, Rubrik: k.Rubrik, Beskrivning: k.Beskrivning,
		Sprak: k.Sprak, Producent: k.Producent, Typ: k.Typ,
		KraverKundatgard: k.KraverKundatgard, Klart: k.Klart, Version: k.Version,
		UtokadInformation: k.UtokadInformation, Referenser: k.Referenser, Taggar: k.Taggar,
	}
	if !k.Tidpunkt.IsZero() {
		w.Tidpunkt.text = k.Tidpunkt.UTC().Format(time.RFC3339Nano)
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads one event, zoneless tidpunkt in Europe/Stockholm.
func (k *Kundhandelse) UnmarshalJSON(data []byte) error {
	return DecodeOptions{}.Unmarshal(data, k)
}

// DecodeOptions says how to read the parts of an event the standard leaves
// open. The zero value reads zoneless tidpunkt in Europe/Stockholm.
type DecodeOptions struct {
	// Zone is used for a tidpunkt that carries no offset. Nil means
	// Europe/Stockholm, the producers' own time in every known
	// implementation; set time.UTC for a producer that follows the REST API
	// profile's "answer in UTC" without writing the Z.
	Zone *time.Location
}

// Unmarshal decodes one event in the 6.x wire form into k.
func (o DecodeOptions) Unmarshal(data []byte, k *Kundhandelse) error {
	var w wireKundhandelse
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	return o.fromWire(&w, k)
}

func (o DecodeOptions) fromWire(w *wireKundhandelse, k *Kundhandelse) error {
	part := k.Part
	*k = Kundhandelse{
		KundhandelseID: w.KundhandelseID, Rubrik: w.Rubrik, Beskrivning: w.Beskrivning,
		Sprak: w.Sprak, Producent: w.Producent, Typ: w.Typ,
		KraverKundatgard: w.KraverKundatgard, Klart: w.Klart, Version: w.Version,
		UtokadInformation: w.UtokadInformation, Referenser: w.Referenser, Taggar: w.Taggar,
		Part: part,
	}
	// Producers build ids from what they have, an identifier included, so
	// the id is quoted masked.
	if w.Tidpunkt.bad != "" {
		return fmt.Errorf("minaarenden: kundhändelse %q: tidpunkt is %s, want date-time text such as 2025-08-12T14:03:55Z", Redact(w.KundhandelseID), w.Tidpunkt.bad)
	}
	if w.Tidpunkt.text == "" {
		return fmt.Errorf("minaarenden: kundhändelse %q has no tidpunkt", Redact(w.KundhandelseID))
	}
	t, err := ParseTidpunkt(w.Tidpunkt.text, o.Zone)
	if err != nil {
		return fmt.Errorf("minaarenden: kundhändelse %q: %w", Redact(w.KundhandelseID), err)
	}
	k.Tidpunkt = t
	return nil
}

// Version is a version of the Mina ärenden standard, as carried in
// metadata.version or an event's version ("6.0").
type Version string

// The published versions. 1.0, 1.1 and 2.0 are the labels the RAML enum gives
// to the pre-RAML Tjänstebeskrivning versions.
const (
	V1_0 Version = "1.0"
	V1_1 Version = "1.1"
	V2_0 Version = "2.0"
	V3_0 Version = "3.0"
	V3_1 Version = "3.1"
	V4_0 Version = "4.0"
	V4_1 Version = "4.1"
	V5_0 Version = "5.0"
	V6_0 Version = "6.0"
	V6_1 Version = "6.1"
)

var published = []Version{V1_0, V1_1, V2_0, V3_0, V3_1, V4_0, V4_1, V5_0, V6_0, V6_1}

// Versions lists every published version, oldest first. The slice is a
// copy: changing it changes nothing here.
func Versions() []Version { return slices.Clone(published) }

// Known reports whether v is a published version.
func (v Version) Known() bool { return v.rank() >= 0 }

func (v Version) rank() int {
	for i, k := range published {
		if k == v {
			return i
		}
	}
	return -1
}

// AtLeast reports whether v is w or newer. Unknown versions are newer than
// every known one, so a producer ahead of this SDK is spoken to in the newest
// form it knows.
func (v Version) AtLeast(w Version) bool {
	rv, rw := v.rank(), w.rank()
	if rv < 0 {
		rv = len(published)
	}
	if rw < 0 {
		rw = len(published)
	}
	return rv >= rw
}
