package minaarenden

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestFragaValidate(t *testing.T) {
	pia := &Kund{Identifierare: "165560360793", Typ: Organisationsnummer}
	person := &Kund{Identifierare: "199001012385", Typ: Personnummer}
	tests := []struct {
		name    string
		f       Fraga
		wantErr string // substring; "" means valid
	}{
		{"kund", Fraga{Parter: []Part{{Kund: pia}}}, ""},
		{"arende", Fraga{Parter: []Part{{Arende: &Arende{"BV-1", Diarienummer}}}}, ""},
		{"both", Fraga{Parter: []Part{{Kund: person, Arende: &Arende{"K-1", Konsumentreferens}}}, KundhandelseTyper: []Kundhandelsetyp{"SKV", "PRV.VARUMARKE"}}, ""},
		{"no parter", Fraga{}, "at least one part"},
		{"empty part", Fraga{Parter: []Part{{}}}, "part 0: minaarenden: a part needs a kund or an arende"},
		{"bad kund", Fraga{Parter: []Part{{Kund: pia}, {Kund: &Kund{Identifierare: "199001012386", Typ: Personnummer}}}}, "part 1: minaarenden: invalid Personnummer: check digit"},
		{"bad arende typ", Fraga{Parter: []Part{{Arende: &Arende{"X", "Personnummer"}}}}, "arende.typ"},
		{"empty arende", Fraga{Parter: []Part{{Arende: &Arende{" ", Diarienummer}}}}, "arende.identifierare is empty"},
		{"bad typ filter", Fraga{Parter: []Part{{Kund: pia}}, KundhandelseTyper: []Kundhandelsetyp{"SKV.MO MS"}}, "kundhandelseTyp"},
		{"dates reversed", Fraga{Parter: []Part{{Kund: pia}}, StartDatum: Datum{2025, 9, 1}, SlutDatum: Datum{2025, 8, 31}}, "slutDatum 2025-08-31 is before startDatum 2025-09-01"},
		{"bad anvandare", Fraga{Parter: []Part{{Kund: pia}}, Anvandare: "165560360793"}, "anvandare must be the personnummer or samordningsnummer of the person using the service: minaarenden: invalid Personnummer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.f.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate() = %v, want an error containing %q", err, tt.wantErr)
			}
			for _, id := range []string{"165560360793", "199001012385", "199001012386"} {
				if strings.Contains(err.Error(), id) {
					t.Errorf("error %q reveals an identifier", err)
				}
			}
		})
	}
}

func TestFragaUser(t *testing.T) {
	pia := &Kund{Identifierare: "165560360793", Typ: Organisationsnummer}
	person := &Kund{Identifierare: "199001012385", Typ: Personnummer}
	if got := (Fraga{Parter: []Part{{Kund: pia}, {Kund: person}}}).User(); got != "199001012385" {
		t.Errorf("User() picked the wrong part")
	}
	if got := (Fraga{Parter: []Part{{Kund: pia}}}).User(); got != "" {
		t.Errorf("User() made an organisation the user")
	}
	if got := (Fraga{Parter: []Part{{Kund: person}}, Anvandare: "199001612382"}).User(); got != "199001612382" {
		t.Errorf("User() ignored Anvandare")
	}
}

func TestPartKeyAndArendeTyp(t *testing.T) {
	a := Part{Kund: &Kund{Identifierare: "199001012385", Typ: Personnummer}}
	b := Part{Kund: &Kund{Identifierare: "199001012385", Typ: Personnummer}}
	c := Part{Kund: &Kund{Identifierare: "199001012385", Typ: Personnummer}, Arende: &Arende{"X", Diarienummer}}
	if a.Key() != b.Key() || a.Key() == c.Key() {
		t.Error("Key does not identify parts by value")
	}
	k := c.Key()
	if s := fmt.Sprintf("%v %+v %#v %s %q", k, k, k, k, k); strings.Contains(s, "9001012385") {
		t.Errorf("a PartKey prints the number: %s", s)
	}
	for _, spelling := range []string{`"Producentärendereferens"`, `"Producentarendereferens"`} {
		var typ ArendeTyp
		if err := json.Unmarshal([]byte(spelling), &typ); err != nil || typ != ProducentarendeReferens {
			t.Errorf("%s decoded to %q (%v)", spelling, typ, err)
		}
	}
}

func TestDatum(t *testing.T) {
	d, err := ParseDatum("2024-02-29")
	if err != nil || d != (Datum{2024, 2, 29}) || d.String() != "2024-02-29" {
		t.Fatalf("ParseDatum = %v, %v", d, err)
	}
	if _, err := ParseDatum("2025-02-29"); err == nil {
		t.Error("2025-02-29 accepted")
	}
	b, _ := json.Marshal(d)
	var back Datum
	if err := json.Unmarshal(b, &back); err != nil || back != d {
		t.Errorf("JSON round trip %s -> %v (%v)", b, back, err)
	}
	if !(Datum{2024, 12, 31}).Before(Datum{2025, 1, 1}) || (Datum{2025, 1, 1}).Before(Datum{2025, 1, 1}) {
		t.Error("Before is wrong")
	}
	if got := d.In(Stockholm()).UTC().Format("2006-01-02T15:04"); got != "2024-02-28T23:00" {
		t.Errorf("In(Stockholm) = %s", got)
	}
}

func TestVersion(t *testing.T) {
	if !V6_1.AtLeast(V5_0) || V4_1.AtLeast(V5_0) || !V5_0.AtLeast(V5_0) {
		t.Error("AtLeast order is wrong")
	}
	if !Version("7.0").AtLeast(V6_1) || Version("7.0").Known() || !V3_1.Known() {
		t.Error("unknown versions must rank newest and not be Known")
	}
}

// TestPartErrorsMaskIdentifiers: an arende.typ or a datum is the caller's
// text; an identifier put there by mistake must not come back in the error,
// nor a huge value make a huge error.
func TestPartErrorsMaskIdentifiers(t *testing.T) {
	long := strings.Repeat("x", 60) + "199001012385" + strings.Repeat("y", 1<<16)
	_, err3 := ParseDatum("19900101-2385")
	_, err4 := ParseDatum(long)
	for i, err := range []error{
		Part{Arende: &Arende{Identifierare: "A-1", Typ: "199001012385"}}.Validate(),
		Part{Arende: &Arende{Identifierare: "A-1", Typ: ArendeTyp(long)}}.Validate(),
		err3,
		err4,
	} {
		if err == nil {
			t.Fatalf("error %d is nil", i)
		}
		if msg := err.Error(); strings.Contains(msg, "1990") || len(msg) > 300 {
			t.Errorf("error %d leaks the number or is %d bytes long: %.300s", i, len(msg), msg)
		}
	}
}
