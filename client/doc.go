// Package client asks one Mina ärenden endpoint for kundhändelser
// (customer events): a producer's own API, or Skatteverket's forwarding
// service (vidareförmedlingstjänsten) that asks many producers at once.
//
// It is the HTTP layer of the SDK: request shapes per version of the
// standard, retries, auth, limits and the decoding of every answer shape.
// Its neighbours: the root package minaarenden holds the vocabulary
// (Kundhandelse, Fraga, Part); package aggregate fans a question out over
// many clients and merges what they answer; package clienttest is an
// in-memory producer to test against.
//
// # Asking
//
// Build one Client per endpoint and reuse it; it is safe for concurrent
// use:
//
//	skv, err := client.New("https://api.example.se/minaarenden/v6", &client.Options{
//		Name:      "Skatteverket",
//		Version:   minaarenden.V6_0, // what to speak
//		Prefixes:  []minaarenden.Kundhandelsetyp{"SKV"},
//		Transport: client.APIKey("X-API-Key", key, nil),
//		Logger:    logger, // nil is silent
//	})
//	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
//	defer cancel()
//	answer, err := skv.Query(ctx, minaarenden.Fraga{
//		Parter: []minaarenden.Part{{Kund: &minaarenden.Kund{
//			Identifierare: "199001012385", Typ: minaarenden.Personnummer}}},
//		KundhandelseTyper: []minaarenden.Kundhandelsetyp{"SKV.MOMS"},
//	})
//	for _, e := range answer.Events { … }   // whatever was answered
//	for _, o := range answer.Outcomes { … } // how each part fared
//	if err != nil { … }                     // errors.Join of *Error
//
// Query never loses an answered part because another failed: the Answer
// holds every event received and one Outcome per part (per delfråga from
// the forwarding service); err only summarises the failures.
//
// Set Name: without it a client is named by its URL's host, which every
// endpoint of one platform and every local stand-in (127.0.0.1) share, and
// package aggregate refuses two sources of the same name. Set Anvandare on
// the Fraga when no part is a person: the forwarding service and producers
// on 3.1–4.1 require one, and it must be a personnummer or
// samordningsnummer.
//
// # Dialects and versions
//
// Producer speaks the standard's RAML API, POST {base}/kundhandelser, one
// request per part, in the version set in Options.Version: up to 4.1 with
// the anropandeOrganisation and anvandare headers, 5.0 with anvandare,
// konsument, konsumenttjanst and sessionID in the body, 6.0 on with the
// x-correlation-id header. Each version's schema forbids unknown fields,
// so the body carries exactly the fields of the spoken version; a question
// the version cannot express (taggar before 4.0) fails with ErrNotInVersion
// before anything is sent, and a prefix filter sent to a pre-4.0 producer is
// applied by the client to the answer instead.
//
// Forwarding speaks POST {base}/kundhandelseFragaSynkron with every part in
// one request, sorted stably and paged (Options.PageSize) until each
// part's totaltAntalKundhandelser is reached; a full page that brings
// nothing new (a service ignoring offset, or overstating its total) stops
// the paging and fails the part with ErrMalformedAnswer, as does an answer
// that leaves a part out altogether (unknown is not "no events"). A 206 answer yields the
// events of the producers that answered and a failed Outcome, wrapping
// ErrDelfraga, for each that did not. A delfråga fails when its httpCode
// is outside 2xx or its status is anything but OK (the standard publishes
// no other value; the error names the one given), httpCode 0 or not.
// Each kundhandelser entry is given to its part by the part it echoes;
// one without an echo is placed by position only when the entries are one
// per part asked, as the standard orders them. An entry that can be
// placed nowhere keeps its events, without Part, and fails every part of
// that page with ErrMalformedAnswer: its events may be any of theirs.
// Events iterates the pages lazily. The reference implementation refuses
// more than 100 parter (and 100 types or tags) in one question with 400, so
// Query and Events ask about larger Fragor 100 parter at a time, each
// chunk paging on its own; types and tags are not split.
//
// Answers are read whatever version they carry: RAML 3.1 to 6.x, the
// forwarding shape, answers before 3.0 without version or referenser, and
// answers before 2.0 with ä in their names (kundhändelser,
// kundhändelseId, kundhändelseTyp, språk) and a kundhandelsekategori in
// place of the two flags. The category's values were never published, so
// it is mapped by its words, case and å/ä/ö ignored:
//
//	"åtgärd", "komplettera", "väntar på kund", "hos kund" → KraverKundatgard
//	"klar", "avslut", "färdig"                            → Klart
//	"ingen"/"ej"/"inte" in the same clause                → neither ("Ingen åtgärd krävs")
//	anything else ("Information", "Pågående")              → neither
//
// Answer.Version is the version the answer said it speaks ("" before 3.0).
// A tidpunkt without offset is read in Options.Zone (Europe/Stockholm by
// default). Unknown fields are ignored; an event whose tidpunkt cannot be
// read is left out and its part's Outcome fails with ErrMalformedAnswer,
// the other events kept.
//
// What producers send beside the schema is read where it has one plain
// meaning: a UTF-8 byte-order mark before the JSON is skipped; null for
// an object, array or string is as if absent; kundhandelseId, version and
// totaltAntalKundhandelser given as JSON numbers are taken as written
// (12345 is "12345", 6.0 is "6.0"), and a count given as digits in a
// string is the count; the two flags may be the strings "true" or
// "false", in any case. Anything else in those fields (an object for the
// id, 1 or "ja" for a flag) has no one reading: that event is left out and
// the error, wrapping ErrMalformedAnswer, names the field — a guessed
// false could hide that the customer must act. A totaltAntalKundhandelser
// that is no count fails that part's Outcome, its events kept. A wrong
// type in any other field leaves that field empty, keeps the event, and
// fails the Outcome (from the forwarding service, every part of that page:
// the decoder cannot tell whose event it was). An empty body is ErrMalformedAnswer ("the body is
// empty").
//
// A required field that is missing or null is read as empty (false for
// the two flags, unless a pre-2.0 kundhandelsekategori stands for them)
// and counted on the part's Outcome.Warnings, per field: "3 events lack
// producentarendetKlart; read as false". The events are kept and the part
// stays answered: nothing was lost, and the warning tells the producer
// what to fix. An event without kundhandelseTyp or tidpunkt cannot be
// placed in a case: it is left out, counted as dropped, and the part
// fails with ErrMalformedAnswer. One without kundhandelseId is kept:
// paging and merging know such an event by its content.
//
// # Bounds
//
// No producer can make a question unbounded. An answer is at most
// Options.MaxResponseBytes (32 MiB); a part keeps at most
// Options.MaxEventsPerPart events (10 000), across pages, past which the
// rest are not read and the part fails with ErrTooManyEvents; the
// forwarding service is asked at most Options.MaxPages pages (100),
// past which the unfinished parts fail with ErrTooManyPages. All the
// pages of a question are asked under its context: a deadline that
// passes between pages fails every producer of the parts still paging,
// those the earlier pages answered included, as their answer is cut
// short. An answer is decoded as it arrives, never held whole, so its
// cost is what is kept of it. Memory for events is reserved from what is
// known (the first event's size and the bytes left of a Content-Length,
// the service's totaltAntalKundhandelser — without a length at most 1024
// events), never more than the body's length.
//
// A good status's answer must be application/json or any structured
// application/…+json type (RFC 6839: application/hal+json, a vendor
// type), case and parameters aside; anything else, application/problem+json
// included, fails with ErrContentType and is not retried. The body must be
// UTF-8, as JSON is; whatever charset is declared, valid UTF-8 is read as
// such, a body labelled ISO-8859-1 that is not UTF-8 is transcoded (older
// systems write å, ä, ö as single bytes; such a body is the one read whole
// first), and anything else fails with ErrMalformedAnswer naming the
// charset rather than decoding into replacement characters, as soon as a
// byte that is not UTF-8 arrives.
//
// # Failures and retries
//
// Transport errors (an answer broken off mid-way among them: a body
// shorter than its Content-Length, a chunked body cut off) and 429, 502,
// 503 and 504 are retried with jittered exponential backoff, honouring
// Retry-After up to RetryPolicy.MaxRetryAfter; no other status is retried,
// nor anything once the context is done, and a wait that would pass the
// context's deadline fails at once (ErrRetryBeyondDeadline). Every failure
// is a *Error carrying the
// endpoint (no query string), status, the producer's message or RFC 9457
// problem, attempts and correlation id; it unwraps to the cause, so
// errors.Is(err, context.DeadlineExceeded) works.
//
// A gzip answer is read whether or not the client asked for it (Go's
// transport gunzips only what it asked for itself), the size limit
// counting the inflated bytes; a body that is no gzip is ErrMalformedAnswer,
// and any other Content-Encoding ErrContentType naming it, neither
// retried. Redirects within the origin are followed up to 10, then fail
// with ErrTooManyRedirects, not retried; only 307 and 308 are followed, as
// 301, 302 and 303 would resend the POST as a GET without the question
// (ErrRedirect). A 204 No Content, or any other
// 2xx but 200 (and 206 from the forwarding service), is
// ErrUnexpectedStatus: an answer without a body says nothing, not "no
// events".
//
// # Endpoints file
//
// A service that asks many endpoints keeps them in a file, which
// ReadEndpoints (or LoadEndpoints, from a named file) reads: a JSON array
// of Endpoint.
//
//	[{"name": "Skatteverket", "url": "https://…/minaarenden/v6", "dialect": "producer",
//	  "version": "6.0", "prefixes": ["SKV"], "apiKeyHeader": "X-API-Key",
//	  "apiKeyEnv": "SKV_API_KEY", "zone": "Europe/Stockholm"},
//	 {"name": "Vidareförmedling", "url": "https://…", "dialect": "forwarding"}]
//
// name is the producer as its events write producent; url the base URL
// New takes. dialect is "producer" (default) or "forwarding"; version
// defaults to 6.1; prefixes are required for a producer; zone defaults to
// Europe/Stockholm. The API key is read from the environment variable
// apiKeyEnv and sent as the header apiKeyHeader, never kept in the file.
// Unknown keys are refused, so a misspelt key fails rather than silently
// sending nothing. Endpoint.New builds the Client for an entry, the
// options the file does not hold (AnropandeOrganisation, Logger, …) given
// by the caller.
//
// # Privacy
//
// Questions go in POST bodies, never URLs. Logs go only to Options.Logger,
// with the keys producer, attempt, status, duration and correlation_id, and
// never carry a URL query, a body or an identifier; producer messages are
// masked of anything that looks like a personnummer before they reach a
// *Error. The client does not follow a redirect to another origin (an
// https endpoint redirecting to http is one), and the credential helpers
// (APIKey, BearerToken) only ever send to the origin a request chain
// started at. New refuses a plain http:// URL to anything but loopback
// unless Options.AllowInsecureHTTP says the network in between is trusted.
package client
