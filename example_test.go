package minaarenden_test

import (
	"errors"
	"fmt"

	"github.com/aterkoppling/minaarenden"
)

func ExampleParseTidpunkt() {
	// The RAML's zoneless form, read as Swedish time, in the autumn overlap.
	t, _ := minaarenden.ParseTidpunkt("2025-10-26 02:30:00.00", nil)
	fmt.Println(t.UTC())
	// Output: 2025-10-26 00:30:00 +0000 UTC
}

func ExampleIdentifierare() {
	id := minaarenden.Identifierare("199001012385")
	fmt.Println(id, id.Validate(minaarenden.Personnummer))
	fmt.Println(minaarenden.Identifierare("199001012386").Validate(minaarenden.Personnummer))
	// Output:
	// ************ <nil>
	// minaarenden: invalid Personnummer: check digit does not match (Luhn)
}

func ExampleKundhandelsetyp_HasPrefix() {
	typ := minaarenden.Kundhandelsetyp("SKV.MOMS.DEKL_INLAMAD")
	fmt.Println(typ.HasPrefix("SKV.MOMS"), typ.HasPrefix("SKV.MO"), typ.Producentarendetyp(), typ.Steg())
	// Output: true false SKV.MOMS DEKL_INLAMAD
}

// A question about a company: its organisationsnummer in the 12-digit form
// (16, then digits 5–6 of 20 or more, then the Luhn digit over the last
// ten), asked by a person. anvandare is always a person: the company's own
// number there is refused before anything is sent, and the error names the
// field, never the digits.
func ExampleFraga_Validate() {
	bolag := minaarenden.Part{Kund: &minaarenden.Kund{Identifierare: "165591234561", Typ: minaarenden.Organisationsnummer}}
	fmt.Println(minaarenden.Fraga{Parter: []minaarenden.Part{bolag}, Anvandare: "199001012385"}.Validate())

	err := minaarenden.Fraga{Parter: []minaarenden.Part{bolag}, Anvandare: "165591234561"}.Validate()
	fmt.Println(err)

	fel := minaarenden.Part{Kund: &minaarenden.Kund{Identifierare: "165591234562", Typ: minaarenden.Organisationsnummer}}
	err = minaarenden.Fraga{Parter: []minaarenden.Part{fel}}.Validate()
	fmt.Println(errors.Is(err, minaarenden.ErrIdentifierareLuhn), err)
	// Output:
	// <nil>
	// anvandare must be the personnummer or samordningsnummer of the person using the service: minaarenden: invalid Personnummer: date part is not a real date
	// true part 0: minaarenden: invalid Organisationsnummer: check digit does not match (Luhn)
}

func ExampleRedact() {
	// A producer's message, as it may reach an error string or a log line.
	fmt.Println(minaarenden.Redact("Kund 1990-03-15-1231 saknas (correlation id 3f2a9c1e-1234-4abc-9def-199003151231, 2025-08-12 14:03)"))
	// Output: Kund ****-**-**-**** saknas (correlation id 3f2a9c1e-1234-4abc-9def-199003151231, 2025-08-12 14:03)
}
