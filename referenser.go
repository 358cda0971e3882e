package minaarenden

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// Referenser holds an event's references, keyed as on the wire. Every key is
// kept, standard or not; the standard's four keys have accessors.
type Referenser map[string]Referens

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

// Producentarende returns the producentarende reference.
func (r Referenser) Producentarende() Referens { return r[RefProducentarende] }

// KonsumentReferens returns the konsumentReferens reference.
func (r Referenser) KonsumentReferens() Referens { return r[RefKonsumentReferens] }

// Etjanst returns the etjanst reference.
func (r Referenser) Etjanst() Referens { return r[RefEtjanst] }

// API returns the api reference.
func (r Referenser) API() Referens { return r[RefAPI] }

// Referens is one referenser value. Since 4.1 a value may be a string, a
// link object {url, lanktext}, or an array of either; before that it was a
// string. A value of any other shape is kept verbatim (Raw) and has no Varden.
// The schema requires no key of a link object, so an array item without a
// url ({"lanktext": "…"}, {}) or of another shape is left out of Varden and
// the array's other values are kept; Raw still holds every item.
type Referens struct {
	Varden []ReferensVarde
	// Array records that the wire value was an array, so a re-encoded event
	// keeps its shape.
	Array bool
	// Raw is the value exactly as received, kept for link objects and
	// shapes this package does not know; plain strings and arrays of strings
	// are rebuilt from Varden instead.
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
	*r = Referens{}
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
	return nil
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
