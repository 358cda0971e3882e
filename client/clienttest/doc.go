// Package clienttest is an in-memory Mina ärenden endpoint for tests: a
// producer (POST {base}/kundhandelser) in any version of the standard, or
// Skatteverket's forwarding service (POST {base}/kundhandelseFragaSynkron)
// with producers behind it, served by httptest, with faults on demand.
//
// Package client's tests use it, package aggregate's tests put many of them
// side by side, and examples/enkel serves its offline stand-in of the Enkel
// kundhändelsetjänst with it. Use it in your own tests the same way (events
// decoded from JSON have no Part until you give them one; ExampleNewServer):
//
//	s := clienttest.Start(t, clienttest.Config{
//		Version: minaarenden.V6_0,
//		Events:  events, // each event's Part says whose it is
//	})
//	s.Handler.SetFault(clienttest.Fault{HTTPCode: 503, RetryAfter: "2", Times: 1})
//	c, _ := client.New(s.URL, &client.Options{Version: minaarenden.V6_0})
//	answer, err := c.Query(ctx, fraga)
//	// s.Handler.Requests() holds what the client sent.
//
// # Requests
//
// A Handler checks requests as strictly as the spoken version's schema
// (additionalProperties: false): a wrong path is 404, another method 405,
// another Content-Type 415, and a body field or header the version does not
// have, or a missing required one, is 400 with the standard's
// {"message": "Bad request: ..."}. Messages name fields, never values, so
// no personnummer comes back in one. Per version:
//
//   - 3.1–4.1: headers anropandeOrganisation and anvandare required; body
//     kund (with tillagg), arende, kundhandelseTyper (whole types only
//     before 4.0), taggar from 4.0, startDatum, slutDatum.
//   - 5.0: anvandare, konsument, konsumenttjanst and sessionID (a UUID) in
//     the body; the 3.1 headers are refused, as they would carry a
//     personnummer the version does not expect.
//   - 6.0, 6.1: as 5.0 without sessionID; x-correlation-id is echoed.
//   - before 3.1 there is no published schema: the 3.1 body without
//     kund.tillagg (and without arende before 2.0); the headers are
//     optional. 1.0 asked with GET and the number in the URL; the stand-in
//     serves it the 1.1 way (POST) instead.
//   - forwarding: header skv_client_correlation_id required (printable
//     ASCII, at most 200), body {fraga: {parter, kundhandelseTyper, taggar,
//     startDatum, slutDatum, behandling}, anvandare}, unknown fields
//     refused, arende.typ spelled Producentarendereferens (the producer
//     RAML spells it Producentärendereferens), and the reference
//     implementation's limits (100 parter, types and tags; limit ≤ 1000).
//
// # Answers
//
// A producer writes tidpunkt the RAML way, "2025-08-12 14:03:55.00" without
// zone, in Config.Zone (Europe/Stockholm by default), and leaves
// kundhandelser out when nothing matches, as the schema allows. Per
// version: metadata.version from 3.0, referenser and utokadInformation
// from 3.0 (plain strings until 4.1, a link's URL or an array's first
// value), metadata.anvandare from 3.1, sessionID echoed only in 5.0, event
// taggar in 6.1. 2.0 has metadata but no version. Before 2.0 the answer is
// {"kundhändelser": [...]} with kundhändelseId, språk, kundhändelseTyp and
// a kundhandelsekategori in place of the two flags (see KategoriKlart):
// the real 1.x names and values were never published, so these follow the
// changelog's wording and package client's testdata.
//
// The forwarding service answers one kundhandelser entry per part in
// request order, each with totaltAntalKundhandelser (before paging), and
// one delfragor entry per producer and part. Events carry their producer's
// version and tidpunkt as RFC 3339 with the Swedish offset. The answer is
// 200, or 206 when any delfråga failed (SetProducerFault).
//
// # Filtering, sorting, paging
//
// A question's part matches an event when every kund and ärende the part
// names is the event's own (kund without tillagg covers every tillagg).
// kundhandelseTyper match whole types or prefixes on segment boundaries;
// a tag matches when the producer's Config.Taggar points it at the event's
// type or, as the reference implementation stores tags, the event carries
// the tag itself. Types and tags must both match when both are given, any
// entry within each. startDatum and slutDatum are inclusive whole days in
// Swedish time.
//
// The forwarding service orders newest first (ties by producent and
// kundhandelseId, so pages are stable), then stably by
// behandling.sortering. paginering without sortering is 400 "Paginering
// kräver att sortering anges"; an offset past the end gives []; no limit
// gives the rest. Paging is per part.
//
// # Faults
//
// SetFault makes the endpoint itself misbehave: latency, a stall until the
// request is cancelled, an error status (with Retry-After, or as an RFC
// 9457 problem), a truncated, malformed, oversized, slow or reset body, a
// wrong Content-Type, or (Fault.EndlessPages) a forwarding service that
// always has one more page; Fault.Times limits it to the first requests,
// for retry tests. SetProducerFault fails or slows one producer behind a
// forwarding service; it panics on a name the Config does not have, so a
// misspelt producer fails the test instead of faulting nothing. Timed
// faults use timers and the request's context, so they run in a
// testing/synctest bubble when the Handler is served on an in-memory
// listener there.
package clienttest
