package watch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/flow"
)

// storageVersion is the version of the storage forms below; a form from a
// later version is refused rather than half read.
const storageVersion = 1

// storedSubscription is a Subscription's storage form. It spells the
// identifiers out as plain strings: minaarenden.Identifierare marshals a
// mask, and a store that kept the mask could never ask again.
type storedSubscription struct {
	V         int          `json:"v"`
	ID        string       `json:"id"`
	Parter    []storedPart `json:"parter"`
	Anvandare string       `json:"anvandare,omitempty"`
	Expected  []string     `json:"expected,omitempty"`
}

type storedPart struct {
	Kund   *storedKund         `json:"kund,omitempty"`
	Arende *minaarenden.Arende `json:"arende,omitempty"`
}

type storedKund struct {
	Identifierare string              `json:"identifierare"`
	Tillagg       string              `json:"tillagg,omitempty"`
	Typ           minaarenden.KundTyp `json:"typ"`
}

// MarshalBinary is the subscription's storage form, identifiers and all. It
// is for a Store's column only: never log, print or send it.
func (s Subscription) MarshalBinary() ([]byte, error) {
	st := storedSubscription{V: storageVersion, ID: s.ID, Anvandare: string(s.Anvandare)}
	for _, p := range s.Parter {
		sp := storedPart{Arende: p.Arende}
		if p.Kund != nil {
			sp.Kund = &storedKund{Identifierare: string(p.Kund.Identifierare), Tillagg: p.Kund.Tillagg, Typ: p.Kund.Typ}
		}
		st.Parter = append(st.Parter, sp)
	}
	for _, e := range s.Expected {
		st.Expected = append(st.Expected, e.String())
	}
	return json.Marshal(st)
}

// UnmarshalBinary reads what MarshalBinary wrote. Its errors never quote
// the data.
func (s *Subscription) UnmarshalBinary(data []byte) error {
	var st storedSubscription
	if err := decodeStrict(data, &st); err != nil {
		return fmt.Errorf("watch: stored subscription: %w", err)
	}
	if st.V != storageVersion {
		return fmt.Errorf("watch: stored subscription has version %d, this build reads %d", st.V, storageVersion)
	}
	out := Subscription{ID: st.ID, Anvandare: minaarenden.Identifierare(st.Anvandare)}
	for _, sp := range st.Parter {
		p := minaarenden.Part{Arende: sp.Arende}
		if sp.Kund != nil {
			p.Kund = &minaarenden.Kund{Identifierare: minaarenden.Identifierare(sp.Kund.Identifierare), Tillagg: sp.Kund.Tillagg, Typ: sp.Kund.Typ}
		}
		out.Parter = append(out.Parter, p)
	}
	for _, e := range st.Expected {
		ex, err := flow.ParseExpected(e)
		if err != nil {
			return fmt.Errorf("watch: stored subscription %q: %w", st.ID, err)
		}
		out.Expected = append(out.Expected, ex)
	}
	*s = out
	return nil
}

// storedCase is a Case's storage form: short keys, as a store keeps one
// snapshot per subscription and millions of them.
type storedCase struct {
	Typ       string                      `json:"t"`
	Producent string                      `json:"p"`
	Referens  string                      `json:"r,omitempty"`
	Status    flow.Status                 `json:"s"`
	Bollen    flow.Bollen                 `json:"b"`
	Steg      minaarenden.Kundhandelsetyp `json:"g,omitempty"`
	IDs       []string                    `json:"k"`
}

type storedSnapshot struct {
	V     int          `json:"v"`
	Cases []storedCase `json:"c"`
	Heard []string     `json:"h,omitempty"`
}

// MarshalBinary is the snapshot's storage form. It holds no identifier and
// no event text.
func (s Snapshot) MarshalBinary() ([]byte, error) {
	st := storedSnapshot{V: storageVersion, Cases: make([]storedCase, len(s.Cases)), Heard: s.Heard}
	for i, c := range s.Cases {
		st.Cases[i] = storedCase{Typ: c.Key.Typ, Producent: c.Key.Producent, Referens: c.Key.Referens,
			Status: c.Status, Bollen: c.Bollen, Steg: c.Steg, IDs: c.Kundhandelser}
		if st.Cases[i].IDs == nil {
			st.Cases[i].IDs = []string{}
		}
	}
	return json.Marshal(st)
}

// UnmarshalBinary reads what MarshalBinary wrote.
func (s *Snapshot) UnmarshalBinary(data []byte) error {
	var st storedSnapshot
	if err := decodeStrict(data, &st); err != nil {
		return fmt.Errorf("watch: stored snapshot: %w", err)
	}
	if st.V != storageVersion {
		return fmt.Errorf("watch: stored snapshot has version %d, this build reads %d", st.V, storageVersion)
	}
	out := Snapshot{Cases: make([]Case, len(st.Cases)), Heard: st.Heard}
	for i, c := range st.Cases {
		out.Cases[i] = Case{Key: CaseKey{Typ: c.Typ, Producent: c.Producent, Referens: c.Referens},
			Status: c.Status, Bollen: c.Bollen, Steg: c.Steg, Kundhandelser: c.IDs}
	}
	*s = out
	return nil
}

// decodeStrict decodes one JSON value with no unknown fields and nothing
// after it. Its errors name a field or an offset, never a value.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return fmt.Errorf("field %s: not a %s", te.Field, te.Type)
		}
		return errors.New(minaarenden.Redact(err.Error()))
	}
	if dec.More() {
		return errors.New("data after the JSON value")
	}
	return nil
}
