package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"unicode"

	"github.com/aterkoppling/minaarenden"
)

// The catalog's structs keep the keys they do not know in Extra, so a
// catalog read and written again by this SDK loses nothing another tool put
// there. Each type decodes through an alias (no methods, so no recursion)
// and then collects the keys encoding/json did not consume.

// The JSON keys each struct knows; anything else goes to Extra.
var (
	keysCatalog            = []string{"producentarendetyper"}
	keysProducentarendetyp = []string{"id", "namn", "beskrivning", "producenter", "kundhandelsetyper", "flode", "varianter"}
	keysKundhandelsetyp    = []string{"id", "namn", "rubrik", "beskrivning", "kundatgard", "klart", "behorighet", "api", "dokumentation"}
	keysFlode              = []string{"start", "overgangar", "slut"}
	keysVariant            = []string{"producent", "kundhandelsetyper", "overgangar"}
)

// UnmarshalJSON reads a Catalog, keeping unknown keys in Extra.
func (c *Catalog) UnmarshalJSON(data []byte) error {
	type plain Catalog
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	extra, err := unknownKeys(data, keysCatalog)
	if err != nil {
		return err
	}
	*c = Catalog(p)
	c.Extra = extra
	return nil
}

// MarshalJSON writes a Catalog with its Extra keys after the known ones.
func (c Catalog) MarshalJSON() ([]byte, error) {
	type plain Catalog
	return withExtra(plain(c), c.Extra, keysCatalog)
}

// UnmarshalJSON reads a Producentarendetyp, keeping unknown keys in Extra.
func (t *Producentarendetyp) UnmarshalJSON(data []byte) error {
	type plain Producentarendetyp
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	extra, err := unknownKeys(data, keysProducentarendetyp)
	if err != nil {
		return err
	}
	*t = Producentarendetyp(p)
	t.Extra = extra
	return nil
}

// MarshalJSON writes a Producentarendetyp with its Extra keys after the known ones.
func (t Producentarendetyp) MarshalJSON() ([]byte, error) {
	type plain Producentarendetyp
	return withExtra(plain(t), t.Extra, keysProducentarendetyp)
}

// UnmarshalJSON reads a Step, keeping unknown keys in Extra.
func (s *Step) UnmarshalJSON(data []byte) error {
	type plain Step
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	extra, err := unknownKeys(data, keysKundhandelsetyp)
	if err != nil {
		return err
	}
	*s = Step(p)
	s.Extra = extra
	return nil
}

// MarshalJSON writes a Step with its Extra keys after the known ones.
func (s Step) MarshalJSON() ([]byte, error) {
	type plain Step
	return withExtra(plain(s), s.Extra, keysKundhandelsetyp)
}

// UnmarshalJSON reads a Flode, keeping unknown keys in Extra.
func (f *Flode) UnmarshalJSON(data []byte) error {
	type plain Flode
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	extra, err := unknownKeys(data, keysFlode)
	if err != nil {
		return err
	}
	*f = Flode(p)
	f.Extra = extra
	return nil
}

// MarshalJSON writes a Flode with its Extra keys after the known ones.
func (f Flode) MarshalJSON() ([]byte, error) {
	type plain Flode
	return withExtra(plain(f), f.Extra, keysFlode)
}

// UnmarshalJSON reads a Variant, keeping unknown keys in Extra.
func (v *Variant) UnmarshalJSON(data []byte) error {
	type plain Variant
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	extra, err := unknownKeys(data, keysVariant)
	if err != nil {
		return err
	}
	*v = Variant(p)
	v.Extra = extra
	return nil
}

// MarshalJSON writes a Variant with its Extra keys after the known ones.
func (v Variant) MarshalJSON() ([]byte, error) {
	type plain Variant
	return withExtra(plain(v), v.Extra, keysVariant)
}

// UnmarshalJSON reads the wire's [from, to] pair and refuses any other
// length, which encoding/json would otherwise pad or cut silently.
func (o *Overgang) UnmarshalJSON(data []byte) error {
	var ids []minaarenden.Kundhandelsetyp
	if err := json.Unmarshal(data, &ids); err != nil {
		return err
	}
	if len(ids) != 2 {
		return fmt.Errorf("catalog: an overgang is a [from, to] pair, got %d ids", len(ids))
	}
	*o = Overgang{ids[0], ids[1]}
	return nil
}

// unknownKeys returns the members of the JSON object data whose keys match
// none of known, values compacted, or nil when there are none. A key
// matches the way encoding/json matches field names, case-insensitively
// (with its Unicode folding), since encoding/json consumed those.
func unknownKeys(data []byte, known []string) (map[string]json.RawMessage, error) {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	var extra map[string]json.RawMessage
	for k, v := range all {
		if slices.ContainsFunc(known, func(name string) bool { return foldEqual(k, name) }) {
			continue
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, v); err != nil {
			return nil, err
		}
		if extra == nil {
			extra = make(map[string]json.RawMessage)
		}
		extra[k] = buf.Bytes()
	}
	return extra, nil
}

// foldEqual is encoding/json's key matching: equal after mapping every rune
// to upper(lower(r)), so "ID", "Id" and even "ſtart" (long s) match.
func foldEqual(a, b string) bool {
	fold := func(s string) string {
		r := []rune(s)
		for i := range r {
			r[i] = unicode.ToUpper(unicode.ToLower(r[i]))
		}
		return string(r)
	}
	return fold(a) == fold(b)
}

// withExtra marshals v, a struct, and appends the extra members in key order
// (skipping any that collide with a known key), so output is deterministic.
func withExtra(v any, extra map[string]json.RawMessage, known []string) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		if !slices.ContainsFunc(known, func(name string) bool { return foldEqual(k, name) }) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	b = b[:len(b)-1] // drop the closing brace
	for _, k := range keys {
		name, _ := json.Marshal(k)
		val := extra[k]
		if !json.Valid(val) {
			return nil, fmt.Errorf("catalog: Extra[%q] is not valid JSON", k)
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, name...)
		b = append(b, ':')
		b = append(b, val...)
	}
	return append(b, '}'), nil
}
