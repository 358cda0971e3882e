package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/flow"
	"github.com/aterkoppling/minaarenden/watch"
)

// subscriptionEntry is one entry of the -subscriptions file.
type subscriptionEntry struct {
	ID        string   `json:"id"`
	Kund      string   `json:"kund"`
	Kundtyp   string   `json:"kundtyp"`
	Anvandare string   `json:"anvandare"`
	Expect    []string `json:"expect"`
}

// readSubscriptions reads and checks the -subscriptions file.
func readSubscriptions(path string) ([]watch.Subscription, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("-subscriptions: %w", err)
	}
	subs, err := parseSubscriptions(data)
	if err != nil {
		return nil, fmt.Errorf("-subscriptions %s: %w", path, err)
	}
	return subs, nil
}

// parseSubscriptions reads the JSON array of a -subscriptions file. Every
// error names the rule broken and the subscription by its id (or its
// place in the file), and never holds anything that could be an
// identifier: what the file says is masked where an error quotes it.
func parseSubscriptions(data []byte) ([]watch.Subscription, error) {
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil {
		return nil, fmt.Errorf("not a JSON array of subscriptions: %s", minaarenden.Redact(err.Error()))
	}
	seen := map[string]bool{}
	subs := make([]watch.Subscription, 0, len(raws))
	for i, raw := range raws {
		sub, err := readSubscription(raw)
		name := fmt.Sprintf("subscription %d", i)
		if sub.ID != "" && minaarenden.Redact(sub.ID) == sub.ID {
			name = fmt.Sprintf("subscription %q", sub.ID)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %s", name, minaarenden.Redact(err.Error()))
		}
		if seen[sub.ID] {
			return nil, fmt.Errorf("%s: duplicate id: ids must be unique", name)
		}
		seen[sub.ID] = true
		subs = append(subs, sub)
	}
	return subs, nil
}

// readSubscription reads one entry. The returned subscription carries its
// id even with an error, so the error can name it.
func readSubscription(raw json.RawMessage) (watch.Subscription, error) {
	var e subscriptionEntry
	var id struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(raw, &id) // to name the subscription in any error below
	sub := watch.Subscription{ID: id.ID}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return sub, fmt.Errorf("field %s must be a %s", te.Field, te.Type)
		}
		return sub, errors.New(minaarenden.Redact(strings.TrimPrefix(err.Error(), "json: ")))
	}
	switch {
	case strings.TrimSpace(e.ID) == "":
		return sub, errors.New("id is required")
	case e.Kund == "":
		return sub, errors.New("kund is required")
	}
	kund, err := parseKund(e.Kund, e.Kundtyp)
	if err != nil {
		return sub, err
	}
	sub.Parter = []minaarenden.Part{{Kund: &kund}}
	if e.Anvandare != "" {
		a := minaarenden.Identifierare(e.Anvandare)
		if err := a.ValidatePerson(); err != nil {
			return sub, fmt.Errorf("anvandare: %w", err)
		}
		sub.Anvandare = a
	}
	for _, s := range e.Expect {
		ex, err := flow.ParseExpected(s)
		if err != nil {
			return sub, fmt.Errorf("expect: %w", err)
		}
		sub.Expected = append(sub.Expected, ex)
	}
	// The store's own check, the id's above all: ids go into
	// notifications and logs, so they must not be the number.
	return sub, sub.Validate()
}

// parseKund checks an identifier against its kundtyp, or, with none,
// against the kind its digits suggest: a legal person's
// organisationsnummer starts with 16, anything else is a person.
func parseKund(id, typ string) (minaarenden.Kund, error) {
	k := minaarenden.Kund{Identifierare: minaarenden.Identifierare(strings.TrimSpace(id))}
	switch {
	case typ != "":
		for _, t := range []minaarenden.KundTyp{minaarenden.Personnummer, minaarenden.Samordningsnummer, minaarenden.Organisationsnummer} {
			if strings.EqualFold(typ, string(t)) {
				k.Typ = t
			}
		}
		if k.Typ == "" {
			return k, fmt.Errorf("kundtyp %q: must be Personnummer, Samordningsnummer or Organisationsnummer", typ)
		}
	case strings.HasPrefix(string(k.Identifierare), "16"):
		k.Typ = minaarenden.Organisationsnummer
	default:
		k.Typ = minaarenden.Personnummer
		if k.Identifierare.ValidatePerson() == nil && k.Validate() != nil {
			k.Typ = minaarenden.Samordningsnummer
		}
	}
	if err := k.Validate(); err != nil {
		return k, fmt.Errorf("kund: %w", err)
	}
	return k, nil
}
