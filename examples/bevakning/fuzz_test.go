package main

import (
	"testing"

	"github.com/aterkoppling/minaarenden"
)

func FuzzParseSubscriptions(f *testing.F) {
	f.Add([]byte(`[{"id": "sub-1", "kund": "165591234561", "kundtyp": "Organisationsnummer", "anvandare": "199001012385", "expect": ["PRV.VARUMARKE"]}]`))
	f.Add([]byte(`[{"id": "a", "kund": "199001012385"}, {"id": "a", "kund": "199001012385"}]`))
	f.Add([]byte(`[{"id": "s", "kund": "165591234561", "kundtyp": "199001012385", "expect": ["199001012385"]}]`))
	f.Add([]byte(`[{"id": "s", "199001012385": 1}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		subs, err := parseSubscriptions(data)
		if err != nil {
			if msg := err.Error(); minaarenden.Redact(msg) != msg {
				t.Fatalf("error holds what could be an identifier: %q", msg)
			}
			return
		}
		seen := map[string]bool{}
		for _, s := range subs {
			if s.ID == "" || seen[s.ID] || minaarenden.Redact(s.ID) != s.ID {
				t.Fatalf("accepted id %q", s.ID)
			}
			seen[s.ID] = true
			if len(s.Parter) != 1 || s.Parter[0].Kund == nil || s.Parter[0].Kund.Validate() != nil {
				t.Fatalf("accepted an invalid kund in %q", s.ID)
			}
			if s.Anvandare != "" && s.Anvandare.ValidatePerson() != nil {
				t.Fatalf("accepted an invalid anvandare in %q", s.ID)
			}
		}
	})
}
