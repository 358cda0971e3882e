package minaarenden

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestIdentifierareValidate(t *testing.T) {
	tests := []struct {
		name string
		id   Identifierare
		typ  KundTyp
		want error
	}{
		{"personnummer", "199001012385", Personnummer, nil},
		{"personnummer leap day", "200002290005", Personnummer, nil},
		{"samordningsnummer day+60", "199001612382", Samordningsnummer, nil},
		{"organisationsnummer legal person", "165560360793", Organisationsnummer, nil},
		{"organisationsnummer enskild firma", "199001012385", Organisationsnummer, nil},
		{"too short", "9001012385", Personnummer, ErrIdentifierareLength},
		{"hyphen", "19900101-238", Personnummer, ErrIdentifierareDigits},
		{"bad month", "199013012385", Personnummer, ErrIdentifierareDate},
		{"no 30 February", "199002302385", Personnummer, ErrIdentifierareDate},
		{"samordning day is a personnummer day", "199001012385", Samordningsnummer, ErrIdentifierareDate},
		{"luhn", "199001012386", Personnummer, ErrIdentifierareLuhn},
		{"org group number below 20", "165510360793", Organisationsnummer, ErrIdentifierareOrg},
		{"org luhn", "165560360794", Organisationsnummer, ErrIdentifierareLuhn},
		{"unknown typ", "199001012385", "Pass", ErrIdentifierareTyp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.id.Validate(tt.typ)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Validate(%s) = %v, want %v", tt.typ, err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), string(tt.id)) {
				t.Errorf("error %q reveals the identifier", err)
			}
		})
	}
}

func TestValidatePersonAcceptsSamordningsnummer(t *testing.T) {
	if err := Identifierare("199001612382").ValidatePerson(); err != nil {
		t.Fatalf("samordningsnummer as anvandare: %v", err)
	}
	if err := Identifierare("165560360793").ValidatePerson(); !errors.Is(err, ErrIdentifierareDate) {
		t.Fatalf("organisationsnummer as anvandare: got %v, want a date error", err)
	}
}

// Every way an identifier can be printed or logged must show the mask.
func TestIdentifierareNeverPrinted(t *testing.T) {
	const pnr = "199001012385"
	id := Identifierare(pnr)
	kund := Kund{Identifierare: id, Typ: Personnummer}
	part := Part{Kund: &kund}

	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	logger.Info("q", "id", id, "part", part)
	jl := slog.New(slog.NewJSONHandler(&logs, nil))
	jl.Info("q", "id", id, "part", part)

	dumped, err := json.Marshal(map[string]any{"part": part, "parts": []Part{part}, "kund": kund})
	if err != nil {
		t.Fatal(err)
	}
	var back Kund
	if err := json.Unmarshal([]byte(`{"identifierare":"`+pnr+`","typ":"Personnummer"}`), &back); err != nil || string(back.Identifierare) != pnr {
		t.Errorf("decoding must still read the digits: %v", err)
	}

	printed := []string{string(dumped),
		fmt.Sprint(id), fmt.Sprintf("%v %+v %#v %s %q %d %x", id, id, id, id, id, id, id),
		fmt.Sprintf("%v %+v", kund, &kund), fmt.Sprintf("%v %+v %s", part, part, part),
		logs.String(),
	}
	for _, s := range printed {
		if strings.Contains(s, pnr) || strings.Contains(s, pnr[2:]) {
			t.Errorf("identifier leaked: %s", s)
		}
	}
}

func FuzzIdentifierareValidate(f *testing.F) {
	for _, s := range []string{"199001012385", "165560360793", "199001612382", "", "1990010123851", "abcdefghijkl"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, typ := range []KundTyp{Personnummer, Samordningsnummer, Organisationsnummer} {
			err := Identifierare(s).Validate(typ)
			if err == nil {
				if len(s) != 12 || !luhn(s[2:]) {
					t.Fatalf("%s accepted without 12 digits and a Luhn check digit", typ)
				}
				continue
			}
			var ie *IdentifierareError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v is not an *IdentifierareError", err)
			}
			if len(s) >= 4 && strings.Contains(err.Error(), s) {
				t.Fatalf("error %q reveals its input", err)
			}
		}
	})
}

// slog's JSON handler marshals a value that has no LogValue, so every type
// that holds an identifier must have one.
func TestJSONLogsMask(t *testing.T) {
	const pnr = "199001012385"
	kund := Kund{Identifierare: pnr, Typ: Personnummer}
	f := Fraga{Parter: []Part{{Kund: &kund}}, Anvandare: pnr}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("q", "kund", kund, "fraga", f)
	if s := logs.String(); strings.Contains(s, pnr[2:]) || !strings.Contains(s, "************") {
		t.Errorf("identifier leaked or not logged: %s", s)
	}
}
