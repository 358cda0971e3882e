package catalog_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http/httptest"
	"os"

	"github.com/aterkoppling/minaarenden/catalog"
)

// Värmdö kommun serves its own catalog: its bygglov without komplettering,
// and a claim on Skatteverket's SKV.MOMS. The sync takes its new slice of
// the shared KOMMUN.BYGGLOV and ignores the claim.
func ExampleSync() {
	central, err := catalog.Load("sample")
	if err != nil {
		log.Fatal(err)
	}
	own, err := catalog.Parse([]byte(`{"producentarendetyper": [
	  {"id": "KOMMUN.BYGGLOV", "namn": "Bygglov", "producenter": ["Värmdö kommun"],
	   "kundhandelsetyper": [{"id": "KOMMUN.BYGGLOV.ANSOKAN", "namn": "Ansökan mottagen"},
	                         {"id": "KOMMUN.BYGGLOV.REMISS", "namn": "På remiss"},
	                         {"id": "KOMMUN.BYGGLOV.BESLUT", "namn": "Beslut", "klart": true}],
	   "flode": {"start": ["KOMMUN.BYGGLOV.ANSOKAN"],
	             "overgangar": [["KOMMUN.BYGGLOV.ANSOKAN", "KOMMUN.BYGGLOV.REMISS"],
	                            ["KOMMUN.BYGGLOV.REMISS", "KOMMUN.BYGGLOV.BESLUT"]],
	             "slut": ["KOMMUN.BYGGLOV.BESLUT"]}},
	  {"id": "SKV.MOMS", "namn": "Moms", "producenter": ["Värmdö kommun"],
	   "kundhandelsetyper": [{"id": "SKV.MOMS.BESLUT", "namn": "Beslut", "klart": true}],
	   "flode": {"start": ["SKV.MOMS.BESLUT"], "overgangar": [], "slut": ["SKV.MOMS.BESLUT"]}}]}`))
	if err != nil {
		log.Fatal(err)
	}
	varmdo := httptest.NewServer(catalog.Handler(own))
	defer varmdo.Close()

	merged, report, err := catalog.Sync(context.Background(), central, []catalog.SyncSource{
		{Producent: "Värmdö kommun", URL: varmdo.URL},
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.Encode(report)
	bygglov, _ := merged.Type("KOMMUN.BYGGLOV")
	fmt.Println(bygglov.Graph("Värmdö kommun").Nodes)
	fmt.Println(bygglov.Graph("Stockholms stad").Nodes)
	// Output:
	// {
	//   "producenter": [
	//     {
	//       "producent": "Värmdö kommun",
	//       "status": "merged",
	//       "error": "",
	//       "changes": [
	//         {
	//           "typ": "KOMMUN.BYGGLOV",
	//           "change": "changed",
	//           "stepsAdded": [],
	//           "stepsRemoved": [
	//             "KOMMUN.BYGGLOV.KOMPLETTERING"
	//           ],
	//           "edgesAdded": [],
	//           "edgesRemoved": [
	//             [
	//               "KOMMUN.BYGGLOV.ANSOKAN",
	//               "KOMMUN.BYGGLOV.KOMPLETTERING"
	//             ],
	//             [
	//               "KOMMUN.BYGGLOV.KOMPLETTERING",
	//               "KOMMUN.BYGGLOV.REMISS"
	//             ]
	//           ]
	//         }
	//       ],
	//       "ignored": [
	//         {
	//           "typ": "SKV.MOMS",
	//           "reason": "owned by Skatteverket"
	//         }
	//       ]
	//     }
	//   ]
	// }
	// [KOMMUN.BYGGLOV.ANSOKAN KOMMUN.BYGGLOV.REMISS KOMMUN.BYGGLOV.BESLUT]
	// [KOMMUN.BYGGLOV.ANSOKAN KOMMUN.BYGGLOV.HANDLAGGNING KOMMUN.BYGGLOV.GRANNEHORANDE KOMMUN.BYGGLOV.BESLUT]
}
