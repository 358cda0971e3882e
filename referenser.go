package minaarenden

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// Referenser holds an event's references in the order sent, one Referens
// per key. Every key is kept, standard or not; Get and Lookup find one by
// key, and the standard's four keys have accessors. A slice rather than a
// map: an event has two or three references, and a map of even one key
// costs several times their JSON.
type Referenser []Referens

// Standard referenser keys.
const (
	// RefProducentarende references the producentärende instance the event
	// belongs to; flow uses it to tell cases of the same type apart.
	RefProducentarende = "producentarende"
	// RefKonsumentReferens is the consumer's own reference on the case.
	RefKonsumentReferens = "konsumentReferens"
	// RefEtjanst is the e-service where the customer can act.
	RefEtjanst = "etjanst"
	// RefAPI is an API the consumer system can call.
	RefAPI = "api"
)

// Lookup returns the reference sent under nyckel and whether there is one.
// A key given twice reads as its last value, as in a JSON object.
func (r Referenser) Lookup(nyckel string) (Referens, bool) {
	for i := len(r) - 1; i >= 0; i-- {
		if r[i].Nyckel == nyckel {
			return r[i], true
		}
	}
	return Referens{}, false
}

// Get returns the reference sent under nyckel, or the zero Referens.
func (r Referenser) Get(nyckel string) Referens {
	ref, _ := r.Lookup(nyckel)
	return ref
}

// Producentarende returns the producentarende reference.
func (r Referenser) Producentarende() Referens { return r.Get(RefProducentarende) }

// KonsumentReferens returns the konsumentReferens reference.
func (r Referenser) KonsumentReferens() Referens { return r.Get(RefKonsumentReferens) }

// Etjanst returns the etjanst reference.
func (r Referenser) Etjanst() Referens { return r.Get(RefEtjanst) }

// API returns the api reference.
func (r Referenser) API() Referens { return r.Get(RefAPI) }

// MarshalJSON writes the wire object, keys in order; a key given twice is
// written once, with its last value.
func (r Referenser) MarshalJSON() ([]byte, error) {
	if r == nil {
		return []byte("null"), nil
	}
	b := []byte{'{'}
	for i, ref := range r {
		if slices.ContainsFunc(r[i+1:], func(later Referens) bool { return later.Nyckel == ref.Nyckel }) {
			continue
		}
		v, err := ref.MarshalJSON()
		if err != nil {
			return nil, err
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		if b, err = jsontext.AppendQuote(b, ref.Nyckel); err != nil {
			return nil, err
		}
		b = append(append(b, ':'), v...)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads the wire object; null reads as none. A key given
// twice keeps its place and takes its last value.
func (r *Referenser) UnmarshalJSON(data []byte) error {
	*r = nil
	dec := jsontext.NewDecoder(bytes.NewReader(data), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	switch dec.PeekKind() {
	case 'n':
		return nil
	case '{':
	default:
		return fmt.Errorf("minaarenden: referenser is %s, not an object", kindName(dec.PeekKind()))
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	refs := Referenser{}
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return err
		}
		name := tok.String() // the token is valid only until the next read
		v, err := dec.ReadValue()
		if err != nil {
			return err
		}
		var ref Referens
		if err := ref.UnmarshalJSON(v); err != nil {
			return err
		}
		refs = refs.with(name, ref)
	}
	*r = refs
	return nil
}

// with returns r with ref under nyckel: in place of the value it had, or
// appended.
func (r Referenser) with(nyckel string, ref Referens) Referenser {
	ref.Nyckel = nyckel
	for i := range r {
		if r[i].Nyckel == nyckel {
			r[i] = ref
			return r
		}
	}
	return append(r, ref)
}

// kindName names a JSON kind as jsontext peeks it, for errors.
func kindName(k jsontext.Kind) string {
	switch k {
	case '"':
		return "text"
	case '0':
		return "a number"
	case 't', 'f':
		return "a boolean"
	case '[':
		return "an array"
	case '{':
		return "an object"
	}
	return "not JSON"
}

// Referens is one referenser value. Since 4.1 a value may be a string, a
// link object {url, lanktext}, or an array of either; before that it was a
// string. A value of any other shape is kept verbatim (Raw) and has no Varden.
// The schema requires no key of a link object, so an array item without a
// url ({"lanktext": "…"}, {}) or of another shape is left out of Varden and
// the array's other values are kept; Raw still holds every item.
type Referens struct {
	// Nyckel is the key the value was sent under ("producentarende"). It
	// is not part of the value's JSON.
	Nyckel string
	Varden []ReferensVarde
	// Array records that the wire value was an array, so a re-encoded event
	// keeps its shape.
	Array bool
	// Raw is the value exactly as received when Varden and Array cannot
	// rebuild it: a shape this package does not know, a link without url,
	// a link object with other keys, an array with such items. Nil when
	// they can, which is almost always: MarshalJSON rebuilds the same JSON
	// value.
	Raw json.RawMessage
}

// ReferensVarde is one string or link inside a Referens. A plain string sets
// Text (an identifier, or a URL for etjanst and api); a link object sets URL
// and Lanktext.
type ReferensVarde struct {
	Text     string
	URL      string
	Lanktext string
}

// First returns the first value's text, or its URL for a link object: the
// identifier a producentarende reference names. "" when there is none.
func (r Referens) First() string {
	for _, v := range r.Varden {
		if v.Text != "" {
			return v.Text
		}
		if v.URL != "" {
			return v.URL
		}
	}
	return ""
}

// Links returns every value as a link: link objects as given, plain strings
// as a URL without lanktext (the form etjanst and api took before 4.1).
// Whether a URL is safe to show is the caller's call: check its scheme.
func (r Referens) Links() []ReferensVarde {
	links := make([]ReferensVarde, 0, len(r.Varden))
	for _, v := range r.Varden {
		if v.URL != "" {
			links = append(links, ReferensVarde{URL: v.URL, Lanktext: v.Lanktext})
		} else if v.Text != "" {
			links = append(links, ReferensVarde{URL: v.Text})
		}
	}
	return links
}

// IsZero reports whether r holds nothing.
func (r Referens) IsZero() bool { return len(r.Varden) == 0 && len(r.Raw) == 0 }

type wireLank struct {
	URL      string `json:"url,omitempty"`
	Lanktext string `json:"lanktext,omitempty"`
}

// UnmarshalJSON reads every polymorphic form. Plain strings and arrays of
// strings — most referenser — are taken without a second decode and need no
// Raw copy, since MarshalJSON rebuilds them exactly; link objects and other
// shapes are kept in Raw.
func (r *Referens) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	*r = Referens{Nyckel: r.Nyckel}
	if s, ok := plainString(data); ok {
		r.Varden = []ReferensVarde{{Text: s}}
		return nil
	}
	if len(data) > 0 && data[0] == '[' {
		var texts []string
		if json.Unmarshal(data, &texts) == nil {
			r.Array = true
			r.Varden = make([]ReferensVarde, len(texts))
			for i, t := range texts {
				r.Varden[i].Text = t
			}
			return nil
		}
	}
	r.Raw = append(json.RawMessage(nil), data...)
	if len(data) == 0 {
		return nil
	}
	switch data[0] {
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(data, &items); err != nil {
			return err
		}
		r.Array = true
		for _, item := range items {
			// One item that is no link must not cost the others.
			if v, ok := decodeReferensVarde(item); ok {
				r.Varden = append(r.Varden, v)
			}
		}
	default:
		if v, ok := decodeReferensVarde(data); ok {
			r.Varden = []ReferensVarde{v}
		}
	}
	if r.rebuilds() {
		r.Raw = nil
	}
	return nil
}

// rebuilds reports whether Varden and Array write the same JSON value as
// Raw, compared in the canonical form of RFC 8785; a value with a repeated
// name or invalid UTF-8 has none, and is kept.
func (r Referens) rebuilds() bool {
	built, err := Referens{Varden: r.Varden, Array: r.Array}.MarshalJSON()
	if err != nil {
		return false
	}
	a, b := jsontext.Value(built), jsontext.Value(bytes.Clone(r.Raw))
	return a.Canonicalize() == nil && b.Canonicalize() == nil && bytes.Equal(a, b)
}

// plainString returns the text of a JSON string that needs no unescaping.
func plainString(data []byte) (string, bool) {
	if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
		return "", false
	}
	body := data[1 : len(data)-1]
	for _, c := range body {
		if c == '\\' || c == '"' || c < 0x20 {
			return "", false
		}
	}
	if !utf8.Valid(body) {
		return "", false
	}
	return string(body), true
}

func decodeReferensVarde(data []byte) (ReferensVarde, bool) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return ReferensVarde{}, false
	}
	switch data[0] {
	case '"':
		var s string
		if json.Unmarshal(data, &s) != nil {
			return ReferensVarde{}, false
		}
		return ReferensVarde{Text: s}, true
	case '{':
		var l wireLank
		if json.Unmarshal(data, &l) != nil || l.URL == "" {
			return ReferensVarde{}, false
		}
		return ReferensVarde{URL: l.URL, Lanktext: l.Lanktext}, true
	}
	return ReferensVarde{}, false
}

// MarshalJSON writes the value back in its wire shape: Raw when the value
// was decoded, otherwise a string, a link object, or an array of them.
func (r Referens) MarshalJSON() ([]byte, error) {
	if len(r.Raw) > 0 {
		return r.Raw, nil
	}
	items := make([]any, len(r.Varden))
	for i, v := range r.Varden {
		switch {
		case v.URL != "":
			items[i] = wireLank{URL: v.URL, Lanktext: v.Lanktext}
		default:
			items[i] = v.Text
		}
	}
	switch {
	case r.Array || len(items) > 1:
		return json.Marshal(items)
	case len(items) == 1:
		return json.Marshal(items[0])
	}
	return []byte("null"), nil
}
