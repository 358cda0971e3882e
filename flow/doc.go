// Package flow places kundhändelser into producentärende instances — the
// cases a person or company has at each producer — using the flow graphs of
// a kundhändelsetypskatalog (package catalog), so a consumer can show per
// case which steps are done, which remain, which branch was taken, whether
// it is finished and who has the ball.
//
// Its input is events from any source (package client for one producer,
// aggregate for many) and a catalog; it does no I/O.
//
// # Rules
//
//  1. Instance key: producent + producentärendetyp (the first two segments
//     of kundhandelseTyp) + reference, where the reference is
//     referenser.producentarende (its first string or url), else the
//     Part.Arende identifierare the event answered, else "" (a number or
//     boolean producentarende counts as its JSON text). Events are
//     walked in instant order, ties by kundhandelseId. With an empty
//     reference a start step after a finished instance opens a new one;
//     with a reference it stays (and is after_end).
//  2. Graph: the producer's slice of the type's flow, or the union.
//  3. Status from the latest event: klart (klart flag or end node), else
//     vantar_pa_kund (kundåtgärd flag or node), else pagaende. An expected
//     type without events is ej_paborjad when its producer answered
//     (Options.Answered), else okand: never "not started" for a producer
//     that was skipped, failed, or not asked at all.
//  4. Bollen: klart → ingen, vantar_pa_kund → kund, pagaende → producent,
//     ej_paborjad → kund, okand → ingen.
//  5. Steg: every node in catalog order as current, done, skipped, expected
//     or unvisited, a step that qualifies twice taking the first.
//  6. Nasta: the current step's successors in edge order. Aterstar: the
//     shortest path to the nearest end, ties by edge order.
//  7. Avvikelser: unknown_type, unknown_step, invalid_transition,
//     skipped_steps, after_end, flag_mismatch; no event is ever dropped.
//  8. The same events in any order give byte-identical output.
//
// # Choices where the standard is silent
//
//   - Instances come ordered by Typ, Producent, Referens, then the instant
//     of their first event.
//   - An event whose step is not in the graph (unknown_step) counts for the
//     status through its flags but does not move the walk: the current step
//     is that of the latest event whose step is in the graph. With none, the
//     whole start→end path is aterstar and nasta is empty.
//   - The same step twice in a row (a reminder) is no transition and no
//     anomaly. A copy of the previous event (same kundhandelseId, instant,
//     step and flags, as two sources deliver it) is kept in Events but says
//     nothing new, so a copy of a finishing event is not after_end, nor a
//     new start.
//   - An event after the end is reported as after_end only; its transition
//     is not checked.
//   - flag_mismatch compares the klart flag with "is an end node" and the
//     kundåtgärd flag with the node's kundatgard, both ways.
//   - A kundhandelseTyp with two segments names its type and no step
//     (unknown_step when the type is known); with one segment or none it is
//     an instance of its own under the type as given (unknown_type).
//   - Expected "TYPE" is met by an instance of the type from any producer,
//     also the not-started one a "TYPE@Producent" gets, whatever the order
//     they are listed in; "TYPE@Producent" only by one from that producer.
//     Without events, "TYPE" gets the type's only producent, or "" and the
//     union flow when the catalog lists several. It is ej_paborjad only
//     when every producer the catalog lists for the type answered: the
//     case could be at any of them, and one that was not heard may have it
//     (name the producer, "TYPE@Producent", to judge one alone). A type the
//     catalog lacks, or lists no producer for, is okand, as no one can be
//     said to have been asked; it carries an unknown_type anomaly with no
//     kundhandelseId, as does an entry that is no producentärendetyp at
//     all (a step id, lower case: Options.Validate refuses those). Nasta is
//     empty for a case that has not started; aterstar[0] is where it
//     starts.
//   - For an unknown type, status comes from the flags and instances are
//     split by key only.
//
// # Usage
//
//	c, err := sample.Catalog() // or catalog.Load("my-catalog")
//	if err != nil { … }
//	var res *aggregate.Result // from aggregate.Aggregator.Run
//	ex, err := flow.ParseExpected("KOMMUN.BYGGLOV@Värmdö kommun") // refuses a step id or an identifier
//	if err != nil { … }
//	for _, in := range flow.Place(c, res.Events, &flow.Options{
//		Expected: []flow.Expected{ex},
//		Answered: res.Answered(), // who was heard: anyone else's expected case is okand
//	}) {
//		fmt.Println(in.Typ, in.Producent, in.Status, in.Bollen, in.Aterstar)
//		if typ, ok := c.Type(in.Typ); ok { // draw the case on the flow Place walked
//			fmt.Print(catalog.Mermaid(typ.Graph(in.Producent), in.States()))
//		}
//	}
//
// Place precomputes shortest paths once per (type, producent) graph, and
// groups events by instance key before sorting each group by instant, so
// its cost per event is a few lookups and a sort among the case's own
// events; see BenchmarkPlace.
package flow
