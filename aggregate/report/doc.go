// Package report is the answer a företagstjänst or portal back end serves
// its front end: how every source fared and where every case stands, in
// one JSON document. It joins package aggregate (the sources) and package
// flow (the cases), so neither has to import the other.
//
// The JSON form is a stable contract, the one examples/foretagstjanst
// prints with -json and serves with -serve:
//
//	{"complete": true,
//	 "sources": [{"producent": "...", "status": "ok|error|timeout|rejected|skipped", "httpCode": 200, "events": 3, "error": ""}],
//	 "arenden": [{"typ": "SKV.ARBETSGIVARE", "producent": "Skatteverket", "referens": "...",
//	              "status": "ej_paborjad|pagaende|vantar_pa_kund|klart|okand",
//	              "bollen": "kund|producent|ingen",
//	              "steg": [{"typ": "SKV.ARBETSGIVARE.ANSOKAN", "state": "done|current|skipped|expected|unvisited"}],
//	              "nasta": ["..."], "aterstar": ["..."],
//	              "avvikelser": [{"kind": "...", "kundhandelseId": "...", "detail": "..."}]}]}
//
// sources has one entry per (source, part) asked, in the order of
// aggregate.Result.Outcomes; complete is false when any of them failed,
// timed out or was rejected. arenden come in flow.Place's deterministic
// order; readers look them up by typ, producent and referens. Keys may be
// added; none is removed or renamed. A source's error is masked
// (aggregate.Outcome.ErrorMessage): no identifier, no URL query.
//
// A back end builds one per question:
//
//	res, err := agg.Run(ctx, fraga)
//	if err != nil { … }
//	rep := report.New(cat, res, expected) // places with res.Answered()
//	w.Header().Set("Content-Type", "application/json")
//	err = rep.WriteJSON(ctx, w)           // streams, case by case
package report
