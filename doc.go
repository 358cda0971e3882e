// Package minaarenden is the vocabulary of Sweden's Mina ärenden standard,
// the consumer side: kundhändelser (customer events) that public bodies
// publish about a person's or a company's cases, and the questions a
// consumer service asks to get them. The standard itself, as the SDK reads
// it — versions, fields, the producer API and the forwarding service — is
// summarised in docs/mina-arenden.md in the repository.
//
// It holds the types every other package speaks — Kundhandelse,
// Kundhandelsetyp, Part, Kund, Arende, Referenser, Fraga, Version — plus
// the lenient tidpunkt parser and identifier validation. It does no I/O.
//
// Neighbours: package client asks one endpoint, package aggregate asks many
// and merges, package catalog holds the kundhändelsetypskatalog, and package
// flow places events into cases with it.
//
// # Personal identity numbers
//
// An Identifierare prints as a mask with every fmt verb and in slog, and
// errors about one name the broken rule, never the number:
//
//	id := minaarenden.Identifierare("199001012385")
//	fmt.Println(id)                                   // ************
//	err := id.Validate(minaarenden.Personnummer)      // nil
//
// # Time
//
// tidpunkt arrives in many forms (RFC 3339, the RAML's zoneless
// "2025-08-12 14:03:55.00", one-digit hours). ParseTidpunkt reads them all;
// a zoneless value is read in a zone chosen per producer, Europe/Stockholm
// by default, with daylight-saving overlaps and gaps resolved
// deterministically. The Stockholm zone is embedded, so it loads on a
// machine without a zone database.
package minaarenden
