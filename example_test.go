package minaarenden_test

import (
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
