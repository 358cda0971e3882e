package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/catalog"
)

func ExampleLoad() {
	c, err := catalog.Load("sample")
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range c.Producentarendetyper {
		fmt.Printf("%-22s %-24s %q\n", t.ID, t.Namn, t.Producenter)
	}
	// Output:
	// BV.VERKLIG_HUVUDMAN    Anmäla verklig huvudman  ["Bolagsverket"]
	// KOMMUN.BYGGLOV         Ansöka om bygglov        ["Stockholms stad" "Värmdö kommun"]
	// KOMMUN.FETTAVSKILJARE  Anmäla fettavskiljare    ["Stockholms stad"]
	// PRV.VARUMARKE          Registrera varumärke     ["PRV"]
	// SKV.ARBETSGIVARE       Registrera arbetsgivare  ["Skatteverket"]
	// SKV.MOMS               Momsdeklaration          ["Skatteverket"]
}

func ExampleProducentarendetyp_Graph() {
	c, err := catalog.Load("sample")
	if err != nil {
		log.Fatal(err)
	}
	bygglov, _ := c.Type("KOMMUN.BYGGLOV")
	for _, p := range []string{"", "Stockholms stad", "Värmdö kommun"} {
		g := bygglov.Graph(p)
		fmt.Printf("%q:", p)
		for i, n := range g.Nodes {
			fmt.Printf(" %s→%d", n.Steg(), len(g.Succ[i]))
		}
		fmt.Println()
	}
	// Output:
	// "": ANSOKAN→3 KOMPLETTERING→2 HANDLAGGNING→2 GRANNEHORANDE→1 REMISS→1 BESLUT→0
	// "Stockholms stad": ANSOKAN→1 HANDLAGGNING→2 GRANNEHORANDE→1 BESLUT→0
	// "Värmdö kommun": ANSOKAN→2 KOMPLETTERING→1 REMISS→1 BESLUT→0
}

func ExampleParse_validation() {
	_, err := catalog.Parse([]byte(`{"producentarendetyper": [{
	  "id": "SKV.ARBETSGIVARE",
	  "kundhandelsetyper": [{"id": "SKV.ARBETSGIVARE.ANSOKAN"}, {"id": "SKV.MOMS.BESLUT"}],
	  "flode": {"start": ["SKV.ARBETSGIVARE.ANSOKAN"], "overgangar": [], "slut": ["SKV.ARBETSGIVARE.BESLUT"]}}]}`))
	fmt.Println(err)
	var ve *catalog.ValidationError
	if errors.As(err, &ve) {
		fmt.Printf("first: type %s, node %s\n", ve.Typ, ve.Node)
	}
	// Output:
	// catalog: type "SKV.ARBETSGIVARE", node "SKV.MOMS.BESLUT": id is outside the type's prefix "SKV.ARBETSGIVARE"
	// catalog: type "SKV.ARBETSGIVARE", node "SKV.ARBETSGIVARE.BESLUT": slut names an unknown node
	// first: type SKV.ARBETSGIVARE, node SKV.MOMS.BESLUT
}

func ExampleMermaid() {
	c, err := catalog.Load("sample")
	if err != nil {
		log.Fatal(err)
	}
	arb, _ := c.Type("SKV.ARBETSGIVARE")
	fmt.Print(catalog.Mermaid(arb.Graph(""), map[minaarenden.Kundhandelsetyp]string{
		"SKV.ARBETSGIVARE.ANSOKAN":      catalog.StateDone,
		"SKV.ARBETSGIVARE.HANDLAGGNING": catalog.StateCurrent,
		"SKV.ARBETSGIVARE.BESLUT":       catalog.StateExpected,
	}))
	// Output:
	// flowchart TD
	//     %% SKV.ARBETSGIVARE Registrera arbetsgivare
	//     n0(["Ansökan mottagen för arbetsgivarregistrering<br/>ANSOKAN"])
	//     n1["Ansökan om arbetsgivarregistrering handläggs<br/>HANDLAGGNING"]
	//     n2[["Beslut om arbetsgivarregistrering<br/>BESLUT"]]
	//     n0 --> n1
	//     n1 --> n2
	//     classDef done fill:#c8e6c9,stroke:#2e7d32
	//     class n0 done
	//     classDef current fill:#ffe082,stroke:#ff6f00,stroke-width:3px
	//     class n1 current
	//     classDef expected fill:#ffffff,stroke:#616161,stroke-dasharray:3 3
	//     class n2 expected
}

func ExampleDOT() {
	c, err := catalog.Load("sample")
	if err != nil {
		log.Fatal(err)
	}
	fett, _ := c.Type("KOMMUN.FETTAVSKILJARE")
	fmt.Print(catalog.DOT(fett.Graph("Stockholms stad"), nil))
	// Output:
	// digraph "KOMMUN.FETTAVSKILJARE" {
	// 	label="KOMMUN.FETTAVSKILJARE Anmäla fettavskiljare";
	// 	labelloc=t;
	// 	rankdir=TB;
	// 	node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica"];
	// 	n0 [label="Anmälan om fettavskiljare mottagen\nANSOKAN", penwidth=2, fillcolor="#e3f2fd", color="#1565c0"];
	// 	n1 [label="Anmälan om fettavskiljare handläggs\nHANDLAGGNING"];
	// 	n2 [label="Beslut om fettavskiljare\nBESLUT", peripheries=2, fillcolor="#e8f5e9", color="#2e7d32"];
	// 	n0 -> n1;
	// 	n1 -> n2;
	// }
}

// Serve a catalog under a base path and read a kommun's slice from it.
func ExampleHandler() {
	c, err := catalog.Load("sample")
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/katalog/", http.StripPrefix("/katalog", catalog.Handler(c)))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	cl := catalog.NewClient(srv.URL+"/katalog", srv.Client())
	ctx := context.Background()
	types, err := cl.ProducentarendetyperFor(ctx, "Värmdö kommun")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(types[0].ID, types[0].Namn, types[0].Variant)
	g, err := cl.Flode(ctx, "KOMMUN.BYGGLOV", "Värmdö kommun")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(g.Producent, g.Nodes)
	steps, err := cl.Kundhandelsetyper(ctx, "SKV.MOMS.BETALD")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(steps[0].Namn, steps[0].Klart)
	_, err = cl.Flode(ctx, "SKV.OKAND", "")
	fmt.Println(errors.Is(err, catalog.ErrNotFound))
	// Output:
	// KOMMUN.BYGGLOV Ansöka om bygglov true
	// Värmdö kommun [KOMMUN.BYGGLOV.ANSOKAN KOMMUN.BYGGLOV.KOMPLETTERING KOMMUN.BYGGLOV.REMISS KOMMUN.BYGGLOV.BESLUT]
	// Moms betalad true
	// true
}

// A portal without a local catalogue reads a kommun's slice of a shared
// type from the catalog API and draws it; the Graph a Client returns draws
// exactly as the loaded catalogue's would. An unlisted producer is a 404,
// matching ErrNotFound, and the error names the type and the producer.
func ExampleClient_Flode() {
	c, err := catalog.Load("sample")
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(catalog.Handler(c)) // the catalog API at the root
	defer srv.Close()

	cl := catalog.NewClient(srv.URL, srv.Client())
	ctx := context.Background()
	g, err := cl.Flode(ctx, "KOMMUN.BYGGLOV", "Värmdö kommun")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(catalog.Mermaid(g, nil))

	_, err = cl.Flode(ctx, "KOMMUN.BYGGLOV", "Ingen kommun")
	fmt.Println(errors.Is(err, catalog.ErrNotFound))
	// Output:
	// flowchart TD
	//     %% KOMMUN.BYGGLOV Ansöka om bygglov (Värmdö kommun)
	//     n0(["Ansökan om bygglov mottagen<br/>ANSOKAN"])
	//     n1{{"Komplettera din ansökan om bygglov<br/>KOMPLETTERING"}}
	//     n2["Ansökan på remiss<br/>REMISS"]
	//     n3[["Beslut om bygglov<br/>BESLUT"]]
	//     n0 --> n2
	//     n0 --> n1
	//     n1 --> n2
	//     n2 --> n3
	//     classDef start fill:#e3f2fd,stroke:#1565c0
	//     class n0 start
	//     classDef slut fill:#e8f5e9,stroke:#2e7d32,stroke-width:3px
	//     class n3 slut
	//     classDef kundatgard fill:#fff3e0,stroke:#ef6c00
	//     class n1 kundatgard
	// true
}
