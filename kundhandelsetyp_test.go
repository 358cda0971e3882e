package minaarenden

import (
	"errors"
	"strings"
	"testing"
)

func TestKundhandelsetypSegments(t *testing.T) {
	tests := []struct {
		typ                     Kundhandelsetyp
		prefix, arendetyp, steg string
	}{
		{"SKV.MOMS.DEKL_INLAMAD", "SKV", "SKV.MOMS", "DEKL_INLAMAD"},
		{"SKV.MOMS", "SKV", "SKV.MOMS", ""},
		{"SKV", "SKV", "", ""},
		{"A.B.C.D", "A", "A.B", "C.D"},
		{"", "", "", ""},
	}
	for _, tt := range tests {
		if got := tt.typ.ProducentPrefix(); got != tt.prefix {
			t.Errorf("%q.ProducentPrefix() = %q, want %q", tt.typ, got, tt.prefix)
		}
		if got := tt.typ.Producentarendetyp(); got != tt.arendetyp {
			t.Errorf("%q.Producentarendetyp() = %q, want %q", tt.typ, got, tt.arendetyp)
		}
		if got := tt.typ.Steg(); got != tt.steg {
			t.Errorf("%q.Steg() = %q, want %q", tt.typ, got, tt.steg)
		}
	}
}

func TestKundhandelsetypHasPrefix(t *testing.T) {
	tests := []struct {
		typ, prefix Kundhandelsetyp
		want        bool
	}{
		{"SKV.MOMS.X", "SKV", true},
		{"SKV.MOMS.X", "SKV.MOMS", true},
		{"SKV.MOMS.X", "SKV.MOMS.X", true},
		{"SKV.MOMS.X", "SKV.MO", false}, // segment boundaries only
		{"SKV.MOMS.X", "SK", false},
		{"SKV.MOMS.X", "SKV.MOMS.X.Y", false},
		{"SKV.MOMS.X", "", false},
		{"SKVX.MOMS.X", "SKV", false},
	}
	for _, tt := range tests {
		if got := tt.typ.HasPrefix(tt.prefix); got != tt.want {
			t.Errorf("%q.HasPrefix(%q) = %v, want %v", tt.typ, tt.prefix, got, tt.want)
		}
	}
	if !Kundhandelsetyp("SKV").Overlaps("SKV.MOMS") || !Kundhandelsetyp("SKV.MOMS").Overlaps("SKV") {
		t.Error("SKV and SKV.MOMS must overlap both ways")
	}
	if Kundhandelsetyp("SKV.MO").Overlaps("SKV.MOMS") {
		t.Error("SKV.MO must not overlap SKV.MOMS")
	}
}

func TestKundhandelsetypValidate(t *testing.T) {
	valid := []Kundhandelsetyp{"SKV.MOMS.DEKL_INLAMAD", "KOMMUN.FETTAVSKILJARE.ANSOKAN", "REFKOM.BYGG2.STEG_1", "A.B.C.D"}
	for _, typ := range valid {
		if err := typ.Validate(); err != nil {
			t.Errorf("%q: %v", typ, err)
		}
	}
	invalid := []Kundhandelsetyp{"", "SKV.MOMS", "skv.moms.x", "SKV..X", "SKV.MOMS.", ".SKV.MOMS", "S1.MOMS.X", "SKV.MÖMS.X", "SKV MOMS.X.Y"}
	for _, typ := range invalid {
		var te *TypError
		if err := typ.Validate(); !errors.As(err, &te) {
			t.Errorf("%q: got %v, want *TypError", typ, err)
		}
	}
	for _, p := range []Kundhandelsetyp{"SKV", "SKV.MOMS"} {
		if err := p.ValidatePrefix(); err != nil {
			t.Errorf("prefix %q: %v", p, err)
		}
	}
	if err := Kundhandelsetyp("SKV.").ValidatePrefix(); err == nil {
		t.Error(`prefix "SKV." accepted`)
	}
}

func TestTypErrorHidesIdentifiers(t *testing.T) {
	for _, typ := range []Kundhandelsetyp{"199001012385", "SKV.MOMS.19900101-2385", "skv.199001012385"} {
		err := typ.ValidatePrefix()
		if err == nil {
			err = typ.Validate()
		}
		if err == nil {
			t.Fatalf("%q accepted", typ)
		}
		if strings.Contains(err.Error(), "19900101") {
			t.Errorf("error %q reveals an identifier", err)
		}
	}
	// A type over the length bound is cut after it is masked: a cut first
	// left the few digits before it unmasked.
	long := Kundhandelsetyp("SKV." + strings.Repeat("X", 22) + ".199001012385" + strings.Repeat("Y", 200))
	if err := long.Validate(); err == nil || strings.Contains(err.Error(), "1990") {
		t.Errorf("error %v, want the long type refused without the identifier's first digits", err)
	}
	if got := (&TypError{Typ: "SKV.MO MS", Reason: "r"}).Error(); !strings.Contains(got, "SKV.MO MS") {
		t.Errorf("a harmless value must still be shown: %s", got)
	}
}

// Swedish letters are the likeliest mistake in a type; the error names
// the letter, not the first byte of its UTF-8 form.
func TestTypErrorNamesTheLetter(t *testing.T) {
	err := Kundhandelsetyp("SKV.MÖMS.X").Validate()
	var te *TypError
	if !errors.As(err, &te) || !strings.Contains(te.Reason, `'Ö'`) {
		t.Errorf("err = %v, want the reason to name 'Ö'", err)
	}
}
