// Command bevakning watches Mina ärenden cases and notifies when one moves:
// a new case opened, a komplettering asked for, the ball back with the
// producer, a decision made. It asks each subscription's question again
// and again, remembers what the last answer showed, and sends what changed
// as JSON — to stdout, or to a webhook signed per the Standard Webhooks
// specification.
//
// With no flags it runs a demo on local stand-ins for Pia's Tacotruck, the
// standard's worked example, with a temporary SQLite database it removes:
//
//	go run ./examples/bevakning
//
// A baseline pass stores what each of her four cases shows (and says
// nothing); then the PRV stand-in receives her komplettering and starts
// examining her trademark application; the second pass prints the
// notification. Run it from the repository root (its events come from
// testdata/pia).
//
// Against real producers, once an hour from cron:
//
//	bevakning -producers producers.json -subscriptions subscriptions.json \
//	    -db /var/lib/bevakning/bevakning.db -once \
//	    -webhook https://portal.example/hooks/arenden -webhook-secret-env BEVAKNING_WEBHOOK_SECRET
//
// or as a service, each subscription asked every -interval:
//
//	bevakning -producers producers.json -subscriptions subscriptions.json \
//	    -db postgres://bevakning@db.example/bevakning -interval 15m
//
// Flags:
//
//	-producers FILE        endpoints to ask, the format client.ReadEndpoints reads (default: the demo)
//	-catalog PATH          kundhändelsetypskatalog, a file or a directory (default: the embedded sample catalog)
//	-organisation ID       the consumer's own organisationsnummer, needed by producers speaking 4.1 or older
//	-timeout D             how long to wait for each producer (default 10s)
//	-subscriptions FILE    subscriptions to add or update in the store on start
//	-prune                 also remove the stored subscriptions -subscriptions does not name
//	-db DSN                a SQLite file (default bevakning.db), or postgres://… / postgresql://…
//	-webhook URL           POST each notification there, signed (default: print JSON lines to stdout)
//	-webhook-secret-env NAME  the environment variable holding the webhook's whsec_… secret
//	-once                  ask every subscription once, deliver, and exit
//	-interval D            how often each subscription is asked, ± 10 % (default 15m)
//	-lease D               how long a claim on a subscription or notification holds, more than twice -timeout (default 2m)
//	-notify-initial        notify every case on a subscription's first pass (default: a silent baseline)
//
// subscriptions.json is a JSON array; kundtyp defaults from the number,
// anvandare to kund when that is a person, and expect lists the
// producentärendetyper the kund is expected to go through:
//
//	[{"id": "sub-1", "kund": "165591234561", "kundtyp": "Organisationsnummer",
//	  "anvandare": "199001012385", "expect": ["PRV.VARUMARKE", "KOMMUN.FETTAVSKILJARE@Stockholms stad"]}]
//
// The id is yours: it is what notifications and logs carry, so it must not
// be a personal identity number. Subscriptions are added or updated by the
// file; their snapshots survive an update. With -prune, those the file no
// longer names are removed, snapshots and all.
//
// A notification is one JSON object (a stdout line, or the webhook body):
//
//	{"id": "…", "subscription": "sub-1", "change": "new_case|updated",
//	 "typ": "PRV.VARUMARKE", "producent": "PRV", "referens": "2026/01877", "namn": "Registrera varumärke",
//	 "status": {"from": "vantar_pa_kund", "to": "pagaende"},
//	 "bollen": {"from": "kund", "to": "producent"},
//	 "steg": {"from": "PRV.VARUMARKE.KOMPLETTERING", "to": "PRV.VARUMARKE.GRANSKNING"},
//	 "kundhandelser": ["…"], "rubrik": "Din ansökan granskas", "tidpunkt": "2026-03-27T09:12:00Z"}
//
// Its id is derived from the change: a notification delivered twice (after
// a crash, or a receiver that answered too late) carries the same id, and
// the receiver drops the repeat. A webhook receiver verifies the
// webhook-signature header with any Standard Webhooks library, or in Go
// with watch.Verify; a 2xx answer marks the notification delivered,
// anything else leaves it in the outbox for a later attempt.
//
// A producer that does not answer keeps its cases as last stored: nothing
// is said about them until it answers again, so a producer that comes and
// goes never causes a notification.
//
// Exit status with -once: 0 when every producer answered and every
// notification was delivered, 3 when some producer did not (its cases kept
// their stored state) or some notification could not be delivered (it
// stays stored for the next run), 2 a usage error (a bad flag
// or file; the message names the rule and the subscription, never the
// number), 1 any other failure (the database unreachable, a migration
// failing). Without -once it runs until SIGTERM or interrupt and exits 0.
// The demo exits as -once does.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // -producers zone names resolve on machines without a zone database

	"github.com/aterkoppling/minaarenden"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit statuses.
const (
	exitComplete = 0
	exitFailure  = 1
	exitUsage    = 2
	exitPartial  = 3
)

// errorf prints a one-line error to stderr, identifiers masked.
func errorf(stderr io.Writer, format string, args ...any) {
	fmt.Fprintln(stderr, "bevakning: "+minaarenden.Redact(fmt.Sprintf(format, args...)))
}

// redactWriter masks identifiers in everything written through it.
type redactWriter struct{ w io.Writer }

func (r redactWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(r.w, minaarenden.Redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
