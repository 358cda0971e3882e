// Command foretagstjanst is the main job of the minaarenden SDK: the back end
// of a företagstjänst (a service such as Verksamt) that shows a company
// every case it has with public bodies, where each case stands and who has
// the ball.
//
// With no flags it starts local stand-in producers for Pia's Tacotruck — the
// standard's own worked example — and prints her four cases:
//
//	go run ./examples/foretagstjanst
//
// Bolagsverket (speaking 4.1), Skatteverket (6.0) and PRV (5.0) answer as
// producers; Stockholms stad (6.1) is reached through a stand-in of
// Skatteverket's forwarding service. Their events come from
// testdata/pia/kundhandelser.json, the SDK's embedded sample catalog (package catalog/sample): run it
// from the repository root, or give -catalog.
//
// Against real endpoints:
//
//	go run ./examples/foretagstjanst -producers producers.json \
//	    -kund 165591234561 -kundtyp Organisationsnummer -anvandare 199001012385 \
//	    -catalog catalog/ -expect SKV.ARBETSGIVARE,PRV.VARUMARKE -json
//
// producers.json is a JSON array of endpoints, the format
// client.ReadEndpoints reads:
//
//	[{"name": "Skatteverket", "url": "https://…", "dialect": "producer", "version": "6.0",
//	  "prefixes": ["SKV"], "apiKeyHeader": "X-API-Key", "apiKeyEnv": "SKV_API_KEY",
//	  "zone": "Europe/Stockholm"}]
//
// name is the producer as its events write producent ("Skatteverket"):
// expected cases and the spoof guard match on it. dialect is "producer"
// (default) or "forwarding"; version defaults to 6.1;
// the API key is read from the environment variable apiKeyEnv, never from
// the file. Events from a producer behind a forwarding entry are accepted
// under the producentärendetyper the catalog lists that producer for (the
// spoof guard of package aggregate).
//
// Flags:
//
//	-producers FILE   endpoints to ask (default: local stand-ins for Pia's Tacotruck)
//	-catalog PATH     kundhändelsetypskatalog, a file or a directory (default: the embedded sample catalog)
//	-kund ID          the kund asked about (default: Pia's Tacotruck AB with the stand-ins)
//	-kundtyp TYP      Personnummer, Samordningsnummer or Organisationsnummer (default: guessed from -kund)
//	-anvandare ID     personnummer of the person using the service (default: -kund when that is a personnummer)
//	-organisation ID  the consumer's own organisationsnummer (anropandeOrganisation), needed by producers speaking 4.1 or older
//	-expect TYPES     comma-separated producentärendetyper the kund is expected to go through, TYPE or TYPE@Producent
//	-timeout D        how long to wait for each producer (default 10s)
//	-json             print the result as JSON (the contract below)
//	-serve ADDR       serve the same as a JSON HTTP API on ADDR instead
//	-token-env NAME   with -serve: the environment variable holding the bearer token every request needs
//
// The -json output is a stable contract, package report's Report (a back
// end imports it to serve the same document), written case by case as it
// is encoded rather than built in memory first:
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
// sources has one entry per (source, part) asked. complete is false when any
// of them failed, timed out or was rejected; the events of the others are
// still placed. An expected case of a producer that did not answer, or that
// no endpoint in -producers asks, is okand, never ej_paborjad.
//
// Exit status: 0 complete, 3 partial (the output is still printed), 2 usage
// error (a bad flag, an invalid identifier — the message names the rule,
// never the number), 1 any other failure. Neither output nor errors ever
// contain a personal identity number.
//
// # -serve
//
// With -serve ADDR the program is the JSON API a företagstjänst's back end
// would offer its front end:
//
//	POST /arenden   {"kund": "…", "kundtyp": "…", "anvandare": "…", "expect": ["…"]}
//	GET  /arenden?kund=16…   organisationsnummer of legal persons only
//
// Both answer with the -json document. A request that names no anvandare
// asks as its kund when that is a person, else as the server's -anvandare;
// one that names no expect gets the server's -expect. POST is the main form: personal
// identity numbers (and the organisationsnummer of an enskild firma, which is
// its owner's personnummer) never go into a URL, where proxies, access logs
// and browser histories keep them. GET is offered for the organisationsnummer
// of a legal person, which is public; any other identifier in the query is
// refused with 400. The server has read, write and idle timeouts; asking,
// placing and writing one answer share one deadline (-timeout plus a few
// seconds). It logs the method (when a known one), route, the status
// delivered and the duration — never a query string, a body, a token or an
// identifier.
//
// Access: with -token-env NAME every request must carry
// "Authorization: Bearer <token>", the token read from the environment
// variable NAME (never a flag, which ps shows); anything else is 401 with
// WWW-Authenticate. Without a token, -serve refuses any address but
// loopback (127.0.0.1, ::1, localhost). POST takes only Content-Type
// application/json (415 otherwise, so a cross-site form cannot post),
// exactly one JSON object (400 for anything after it) of at most 16 KiB
// (413, at once when Content-Length announces more). Beyond 32 questions
// in flight the answer is 503 with Retry-After.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // -producers zone names resolve on machines without a zone database
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit statuses, as the package doc lists them.
const (
	exitComplete = 0
	exitFailure  = 1
	exitUsage    = 2
	exitPartial  = 3
)

// errorf prints a one-line error to stderr. Every message passes through
// redact, so an identifier that slipped into an error is masked.
func errorf(stderr io.Writer, format string, args ...any) {
	fmt.Fprintln(stderr, "foretagstjanst: "+redact(fmt.Sprintf(format, args...)))
}
