package client

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden"
)

// requestFromStrings fills every field of a producer request from s, so
// a fuzzer's strings reach each member.
func requestFromStrings(s [6]string) producerRequest {
	return producerRequest{
		Kund:              &wireKund{Identifierare: s[0], Tillagg: s[1], Typ: s[2]},
		Arende:            &wireArende{Identifierare: s[3], Typ: s[4]},
		KundhandelseTyper: []minaarenden.Kundhandelsetyp{minaarenden.Kundhandelsetyp(s[5]), "SKV.MOMS"},
		Taggar:            []string{s[1], s[5]},
		StartDatum:        s[0], SlutDatum: s[1], Anvandare: s[2], Konsument: s[3], Konsumenttjanst: s[4], SessionID: s[5],
	}
}

// sameJSON fails t unless appendJSON writes what encoding/json writes:
// the same bytes, but for encoding/json's HTML escaping, which reads back
// the same.
func sameJSON(t *testing.T, r producerRequest) {
	t.Helper()
	want, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	got := r.appendJSON(nil)
	if !json.Valid(got) {
		t.Fatalf("not JSON: %s", got)
	}
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("appendJSON reads back other than encoding/json's mismatch (-want +got):\n%s", diff)
	}
	if !bytes.ContainsAny(want, `\`) && !bytes.Equal(want, got) {
		t.Errorf("appendJSON wrote\n%s\nencoding/json\n%s", got, want)
	}
}

// The hand-written body is what encoding/json makes of producerRequest's
// tags: members in order, empty omitempty ones left out, strings escaped.
func TestProducerRequestJSON(t *testing.T) {
	tests := []struct {
		name string
		r    producerRequest
	}{
		{"empty", producerRequest{}},
		{"kund with empty fields kept", producerRequest{Kund: &wireKund{}}},
		{"arende only", producerRequest{Arende: &wireArende{Identifierare: "AR-1", Typ: "Producentärendereferens"}}},
		{"6.1 question", producerRequest{Kund: &wireKund{Identifierare: pnr, Typ: "Personnummer"}, Anvandare: pnr,
			KundhandelseTyper: []minaarenden.Kundhandelsetyp{"SKV.MOMS", "PRV"}, StartDatum: "2025-01-01", Konsument: "Kommun", Konsumenttjanst: "Mina sidor"}},
		{"every field", requestFromStrings([6]string{pnr, "1", "Organisationsnummer", "DNR 1/2025", "Diarienummer", "SKV"})},
		{"escapes", requestFromStrings([6]string{`"quoted"`, `back\slash`, "tab\tnew\nline\x01", "<b>&amp;</b>", "\u2028\u2029", "å ä ö €"})},
		{"invalid UTF-8", requestFromStrings([6]string{"\xff", "a\xc3", "\xed\xa0\x80", "ok", "", "\x80x"})},
		{"empty lists left out", producerRequest{KundhandelseTyper: []minaarenden.Kundhandelsetyp{}, Taggar: []string{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { sameJSON(t, tt.r) })
	}
}

func FuzzProducerRequestJSON(f *testing.F) {
	f.Add(pnr, "", "Personnummer", "AR-1", "Producentärendereferens", "SKV.MOMS")
	f.Add("\xff", "<>&", "\u2028", `"\`, "\x00", "ä")
	f.Fuzz(func(t *testing.T, a, b, c, d, e, g string) {
		sameJSON(t, requestFromStrings([6]string{a, b, c, d, e, g}))
	})
}
