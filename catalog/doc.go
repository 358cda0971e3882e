// Package catalog is the kundhändelsetypskatalog (customer-event type
// catalogue) of Mina ärenden: which producentärendetyper (kinds of case) a
// producer reports on, the kundhändelsetyper (steps) in each, and the flow
// that says which step may follow which. Package flow uses it to place
// events into cases; this package loads, validates, serves and draws it.
//
// Neighbours: the root package minaarenden gives the Kundhandelsetyp
// strings this package describes; package flow builds on Graph; package
// catalog/viewer shows a catalog to people as HTML pages.
//
// # Worked usage
//
//	c, err := catalog.Load("my-catalog") // a file or a directory; sample.Catalog() is the embedded sample
//	if err != nil {
//		log.Fatal(err) // every problem, each naming the type and node
//	}
//	typ, _ := c.Type("KOMMUN.BYGGLOV")
//	g := typ.Graph("Värmdö kommun") // the kommun's slice of the shared type
//	fmt.Println(catalog.Mermaid(g, nil))
//
//	// Serve the catalog API, and read it elsewhere.
//	http.Handle("/katalog/", http.StripPrefix("/katalog", catalog.Handler(c)))
//	cl := catalog.NewClient("https://katalog.example.se/katalog", nil)
//	g, err = cl.Flode(ctx, "KOMMUN.BYGGLOV", "Värmdö kommun")
//
// # The JSON format
//
// The standard names what a catalogue must hold but not its format; this is
// the project's. Keys are Swedish, as the catalogue is the
// standard's concept:
//
//	{"producentarendetyper": [{
//	   "id": "SKV.ARBETSGIVARE",              // PRODUCENT.ARENDETYP
//	   "namn": "Registrera arbetsgivare",
//	   "beskrivning": "…",                    // optional
//	   "producenter": ["Skatteverket"],       // who reports on the type
//	   "kundhandelsetyper": [                 // the steps, in display order
//	     {"id": "SKV.ARBETSGIVARE.ANSOKAN",   // PRODUCENT.ARENDETYP.STEG
//	      "namn": "Ansökan mottagen",         // SKALL
//	      "rubrik": "…", "beskrivning": "…",  // KAN
//	      "kundatgard": false,                // the customer has the ball
//	      "klart": false,                     // the step finishes the case
//	      "behorighet": "…",                  // SKALL: who may see such events
//	      "api": "https://…",                 // SKALL: the producer API serving them
//	      "dokumentation": "https://…"}],     // KAN
//	   "flode": {"start": ["SKV.ARBETSGIVARE.ANSOKAN"],
//	             "overgangar": [["SKV.ARBETSGIVARE.ANSOKAN", "SKV.ARBETSGIVARE.HANDLAGGNING"]],
//	             "slut": ["SKV.ARBETSGIVARE.BESLUT"]},
//	   "varianter": [{"producent": "Stockholms stad",
//	                  "kundhandelsetyper": ["KOMMUN.BYGGLOV.ANSOKAN", "…"],
//	                  "overgangar": [["…", "…"]]}]
//	}]}
//
// flode is the union flow across every producer of the type; cycles are
// allowed (a komplettering loop). A variant is one producer's slice: a subset
// of the steps and, optionally, its own transitions (a missing or empty
// overgangar means the union's transitions between its steps). A slice's
// start and end steps are the union's that it contains. Unknown keys at any
// level are kept in Extra, written back by MarshalJSON, and otherwise
// ignored. A producent name is non-empty, listed once per type, and not
// "." or ".." (it is a path segment of the API and the viewer's pages).
// The SKALL fields namn, behorighet and api are not enforced, so a
// catalogue can be built up step by step.
//
// # Files and merging
//
// Load takes one file or a directory; from a directory it reads every
// *.json file directly in it (not subdirectories) in file-name order, one
// type or one producer per file by convention, as if they were one document.
// LoadFS does the same on an fs.FS, such as an embed.FS.
//
// The same type id may appear more than once, so a producer's file can add
// its slice to a type defined in another file. The first entry that has
// kundhandelsetyper or a flode is the definition; every other entry is an
// extension that may only add producenter and varianter (and unknown keys),
// appended after the definition's own in document order, producenter without
// repeats. An extension that sets namn or beskrivning, or a second
// definition, is an error. catalog/sample/varmdo_kommun.json adds Värmdö
// kommun's variant of KOMMUN.BYGGLOV this way.
//
// # Validation
//
// Loading fails, joining every problem as a *ValidationError in catalog
// order (errors.Join), for: a malformed or duplicate id of a type or a step;
// a step id outside its type's prefix; a start, slut or transition naming an
// unknown node, or listing one twice; a node unreachable from every start; a
// node from which no end is reachable; a type with no start or no end; a
// step whose klart flag disagrees with whether slut lists it (the two say
// the same thing, and flow goes by slut); a null type or step; and, per
// variant, a missing or repeated producent, a
// producent the type does not list, an unknown or repeated node, a
// transition outside the variant's nodes, and a slice with no start, no end
// or a node it cannot reach or leave. A Catalog that loaded is read-only and
// safe for concurrent use.
//
// # The catalog API
//
// The standard's material proposes three open, read-only operations.
// Handler serves them and Client reads them; paths are relative to a
// base URL, path segments percent-escaped:
//
//	GET {base}/producenter/{producent}/producentarendetyper
//	  200 {"producent": "Värmdö kommun",
//	       "producentarendetyper": [{"id": "KOMMUN.BYGGLOV", "namn": "…",
//	         "beskrivning": "…", "producenter": ["…"], "variant": true}]}
//	  404 when no type lists the producer.
//
//	GET {base}/producentarendetyper/{id}/flode[?producent=…]
//	  200 {"id": "KOMMUN.BYGGLOV", "namn": "…", "beskrivning": "…",
//	       "producent": "Värmdö kommun",   // absent for the union
//	       "kundhandelsetyper": [{…step as in the file…}],
//	       "flode": {"start": […], "overgangar": […], "slut": […]}}
//	  The answer is a type entry of the file format cut to one flow: the
//	  union, or the producer's slice (the union for a listed producer
//	  without a variant). 404 for an unknown type or an unlisted producer.
//
//	GET {base}/kundhandelsetyper?id=…&id=…   (1 to 100 ids)
//	  200 {"kundhandelsetyper": [{…step…}], "saknas": ["unknown ids"]}
//	  Steps in the order asked, repeats dropped; 400 for a malformed id,
//	  for no id, or for more than 100 (repeats counted).
//
// Every error is JSON {"message": "…"} with 400, 404 or 405 (Allow: GET,
// HEAD). The Client bounds answers to MaxAnswerBytes, reports non-200
// answers as *APIError (a 404 matches ErrNotFound), and validates a fetched
// flow as loading would before resolving it to a Graph. Its
// Kundhandelsetyper refuses more than 100 ids before sending anything, so
// split a longer list, and returns nothing for none. A Graph from Flode
// draws exactly as the loaded catalogue's (see ExampleClient_Flode).
//
// # Keeping a central catalog in step with producers
//
// Producers that keep a catalog of their own (Skatteverket, a kommun) serve
// it with the same three operations. Sync fetches each one through Client
// (its types from GET /producenter/{producent}/producentarendetyper, then
// each type's flow), validates it as loading would, and merges it into a
// copy of the central catalog; the central one is not changed:
//
//	merged, report, err := catalog.Sync(ctx, central, []catalog.SyncSource{
//		{Producent: "Skatteverket", URL: "https://katalog.skatteverket.example/v1"},
//		{Producent: "Värmdö kommun", URL: "https://katalog.varmdo.example/v1"},
//	}, nil)
//
// Ownership comes from the central catalog as it was before the sync: a
// producer owns the types whose producenter list it alone, shares those
// that list it with others, and may add new types under its prefixes — the
// first segments of the types the central catalog lists it alone for
// ("SKV"), plus any SyncSource.Prefixes grants. A shared type grants no
// prefix, so producers sharing KOMMUN.BYGGLOV add KOMMUN types only with a
// grant, and a producer new to the central catalog needs one too. What a
// producer's catalog lists:
//
//   - a type it owns replaces the central one: namn, beskrivning, steps,
//     flow and its own variant; the central producenter and unknown keys stay.
//     Övergångar are a set: the same ones in another order change nothing.
//   - a type it shares changes only its own variant, from the slice it
//     answers for ?producent=…; the union flow and the steps' text are not
//     one producer's to change. A slice with a step the shared flow lacks
//     is ignored, naming the others.
//   - a new type under its prefix is added, listing it alone; when two
//     producers add the same id, the first by name has it.
//   - anything else is ignored, the owner named ("owned by Skatteverket").
//
// A type the central catalog lists the producer for that its catalog no
// longer lists is removed: the whole type when it owned it alone, else its
// name and variant (the type goes when no producer is left). A producer's
// 404 or empty list for its own types is a refusal, not a removal of
// everything.
//
// A producer merges whole or not at all. It is unreachable when its catalog
// cannot be fetched (a network error, a timeout, a 5xx, 408 or 429 answer),
// and refused when an answer is malformed or over a bound, its catalog does
// not validate (a cycle without an end, an edge to an unknown step, a
// duplicate id…), or its changes would leave a type invalid. The rest merges.
// Bounds (SyncOptions; zero means the default): 5 minutes for the whole
// sync and 1 for each producer, 8 producers at once, per producer 500
// producentärendetyper, 5000 kundhändelsetyper, 200 kundhändelsetyper in
// any one type and 32 MiB read, beside MaxAnswerBytes per answer.
//
// The result does not depend on the order of the sources or the timing of
// the answers: producers merge in name order, existing types keep the
// central order, new types follow by producer name and id, the report lists
// producers by name and changes by type id. The merged catalog is validated
// as a whole (Sync fails, returning no catalog, if it is not) and writes
// out as one document that Load reads back unchanged. Producer text is
// kept as given; it is escaped where it is drawn, never stored escaped.
// The report's JSON, which examples/katalog prints with -json:
//
//	{"producenter": [{"producent": "Värmdö kommun", "status": "merged",  // or refused, unreachable
//	  "error": "",                                                      // why, when not merged
//	  "changes": [{"typ": "KOMMUN.BYGGLOV", "change": "changed",        // added, changed, removed
//	               "stepsAdded": [], "stepsRemoved": ["KOMMUN.BYGGLOV.KOMPLETTERING"],
//	               "edgesAdded": [], "edgesRemoved": [["…", "…"]]}],
//	  "ignored": [{"typ": "SKV.MOMS", "reason": "owned by Skatteverket"}]}]}
//
// # Pictures
//
// Mermaid and DOT draw a Graph deterministically: start steps as stadiums
// (Mermaid) or bold boxes (DOT), end steps as double-bordered boxes,
// kundåtgärd steps as hexagons, each labelled with its namn over its step
// segment. Given one instance's step states (step → "done", "current",
// "skipped", "expected" or "unvisited", the strings package flow uses) the
// steps are coloured by state instead of by kind. Labels are escaped for
// each format, so catalogue text cannot break out of a picture.
//
// SVG draws the same picture itself, as SVG for a web page, laid out in
// layers (Sugiyama-style, in pure Go): a depth-first search from the start
// steps turns the edge closing each loop (komplettering) into a back edge,
// drawn dashed beside the forward one; layers by longest path put the start
// at the top and the ends on the bottom row; barycenter sweeps reduce
// crossings; and a least-squares pass centres each step over its
// neighbours. Text is real <text>, XML-escaped; colours are presentation
// attributes, so the SVG can be inlined into a page under
// Content-Security-Policy: default-src 'self' (package catalog/viewer does;
// flow/widget's Flode draws a case).
//
// To draw a case package flow placed, take the graph it walked and its
// states; the Graph must not be nil, so check Type's ok first:
//
//	if typ, ok := c.Type(in.Typ); ok {
//		fmt.Print(catalog.Mermaid(typ.Graph(in.Producent), in.States()))
//	}
package catalog
