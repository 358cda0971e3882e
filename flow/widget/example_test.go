package widget_test

import (
	"encoding/json"
	"html/template"
	"os"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/catalog"
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

// The common case: placed events, with the catalog for names, put into the
// portal's own page with {{.}}. The page links the embedded stylesheet from
// its own origin, so it works under default-src 'self'.
func ExampleFragment() {
	cat, err := catalog.Load("../../catalog/sample")
	if err != nil {
		panic(err)
	}
	data, err := os.ReadFile("../../testdata/pia/kundhandelser.json")
	if err != nil {
		panic(err)
	}
	var events []minaarenden.Kundhandelse
	if err := json.Unmarshal(data, &events); err != nil {
		panic(err)
	}
	var prv []minaarenden.Kundhandelse
	for _, e := range events {
		if e.Producent == "PRV" {
			prv = append(prv, e)
		}
	}
	instances := flow.Place(cat, prv, nil)

	page := template.Must(template.New("sida").Parse(`<link rel="stylesheet" href="/widget.css">
<h2>Mina ärenden</h2>
{{.}}`))
	fragment, err := widget.Fragment(cat, instances)
	if err != nil {
		panic(err)
	}
	if err := page.Execute(os.Stdout, fragment); err != nil {
		panic(err)
	}
	// Output:
	// <link rel="stylesheet" href="/widget.css">
	// <h2>Mina ärenden</h2>
	// <section class="ma-arenden" aria-label="Dina ärenden">
	// <ul class="ma-arenden__lista">
	// <li class="ma-arende ma-arende--vantar_pa_kund">
	// <h3 class="ma-arende__namn">Registrera varumärke</h3>
	// <p class="ma-arende__producent">PRV <span class="ma-arende__referens">Ärende 2026/01877</span></p>
	// <p class="ma-arende__status"><span class="ma-status ma-status--vantar_pa_kund">Väntar på dig</span> <span class="ma-arende__bollen">Du behöver göra något.</span></p>
	// <div class="ma-arende__senaste">
	// <p class="ma-handelse__rubrik">Komplettera din ansökan för varumärke</p>
	// <p class="ma-handelse__datum"><time datetime="2026-03-24T15:20:00&#43;01:00">24 mars 2026</time></p>
	// <p class="ma-handelse__beskrivning">Vi behöver en tydligare bild av varumärket och en precisering av varorna och tjänsterna i klass 43 innan vi kan pröva ansökan. Komplettera senast den 24 april 2026.</p>
	// </div>
	// <ul class="ma-arende__lankar">
	// <li><a class="ma-lank" href="https://e-tjanster.prv.se/varumarke/komplettering" rel="noopener noreferrer">Komplettera din ansökan</a></li>
	// </ul>
	// <p class="ma-arende__progress">2 av 4 steg</p>
	// <ol class="ma-arende__steg">
	// <li class="ma-steg ma-steg--done"><span class="ma-steg__namn">Ansökan om varumärke mottagen</span> <span class="ma-steg__state">Klart</span></li>
	// <li class="ma-steg ma-steg--expected"><span class="ma-steg__namn">Varumärkesansökan granskas</span> <span class="ma-steg__state">Återstår</span></li>
	// <li class="ma-steg ma-steg--current ma-steg--kundatgard"><span class="ma-steg__namn">Komplettera din ansökan för varumärke</span> <span class="ma-steg__state">Väntar på dig</span></li>
	// <li class="ma-steg ma-steg--expected"><span class="ma-steg__namn">Varumärket registrerat</span> <span class="ma-steg__state">Återstår</span></li>
	// <li class="ma-steg ma-steg--unvisited"><span class="ma-steg__namn">Varumärkesansökan avslagen</span> <span class="ma-steg__state">Möjligt steg</span></li>
	// </ol>
	// <details class="ma-arende__historik">
	// <summary>Tidigare händelser</summary>
	// <ol class="ma-historik">
	// <li class="ma-handelse"><p class="ma-handelse__rubrik">Ansökan om varumärkesregistrering mottagen</p><p class="ma-handelse__datum"><time datetime="2026-03-10T08:31:12&#43;01:00">10 mars 2026</time></p><p class="ma-handelse__beskrivning">Vi har tagit emot din ansökan om att registrera varumärket PIAS TACOTRUCK i klass 43. Ansökan har fått nummer 2026/01877.</p></li>
	// </ol>
	// </details>
	// </li>
	// </ul>
	// </section>
}
