package sample_test

import (
	"fmt"
	"testing"

	"github.com/aterkoppling/minaarenden/catalog/sample"
)

func TestCatalogLoadsEveryFile(t *testing.T) {
	c, err := sample.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"BV.VERKLIG_HUVUDMAN", "KOMMUN.BYGGLOV", "KOMMUN.FETTAVSKILJARE", "PRV.VARUMARKE", "SKV.ARBETSGIVARE", "SKV.MOMS"}
	for _, id := range want {
		if _, ok := c.Type(id); !ok {
			t.Errorf("sample catalog lacks %s", id)
		}
	}
	if got := len(c.Producentarendetyper); got != len(want) {
		t.Errorf("sample catalog has %d types, want %d", got, len(want))
	}
	// Värmdö kommun's slice comes from its own file, merged on load.
	byggLov, _ := c.Type("KOMMUN.BYGGLOV")
	if _, ok := byggLov.Variant("Värmdö kommun"); !ok {
		t.Error("KOMMUN.BYGGLOV has no slice for Värmdö kommun: varmdo_kommun.json was not merged")
	}
}

func TestCatalogIsFreshEachCall(t *testing.T) {
	a, err := sample.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	a.Producentarendetyper = a.Producentarendetyper[:0]
	b, err := sample.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Producentarendetyper) == 0 {
		t.Error("changing one sample catalog changed the next one")
	}
}

func ExampleCatalog() {
	c, err := sample.Catalog()
	if err != nil {
		panic(err)
	}
	t, _ := c.Type("PRV.VARUMARKE")
	fmt.Println(t.Namn, len(t.Kundhandelsetyper), "steg")
	// Output: Registrera varumärke 5 steg
}
