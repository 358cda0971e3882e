package widget_test

import (
	"os"

	"github.com/aterkoppling/minaarenden/flow"
	"github.com/aterkoppling/minaarenden/flow/widget"
)

// A case rendered without a catalog at hand: the type id stands in for its
// name, and with no events there is no latest event or link to show.
func ExampleRender() {
	in := &flow.Instance{Typ: "SKV.ARBETSGIVARE", Producent: "Skatteverket",
		Status: flow.Pagaende, Bollen: flow.BollenProducent}
	if err := widget.Render(os.Stdout, nil, []*flow.Instance{in}); err != nil {
		panic(err)
	}
	// Output:
	// <section class="ma-arenden" aria-label="Dina ärenden">
	// <ul class="ma-arenden__lista">
	// <li class="ma-arende ma-arende--pagaende">
	// <h3 class="ma-arende__namn">SKV.ARBETSGIVARE</h3>
	// <p class="ma-arende__producent">Skatteverket</p>
	// <p class="ma-arende__status"><span class="ma-status ma-status--pagaende">Handläggs</span> <span class="ma-arende__bollen">Skatteverket arbetar med ärendet.</span></p>
	// </li>
	// </ul>
	// </section>
}
