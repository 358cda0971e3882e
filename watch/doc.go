// Package watch turns one Mina ärenden question into notifications: it asks
// each subscriber's question again and again, remembers what the last
// answer showed, and tells the subscriber when one of their cases moved.
//
// The standard has no push: a consumer learns of a change only by asking
// again. A Watcher does that for many subscriptions, on one replica or
// several sharing a database:
//
//  1. Claim due subscriptions from the Store, each under a lease (an owner
//     and an expiry), so two replicas never ask for the same one at once
//     and a dead replica's work is taken over once its lease runs out.
//  2. Ask the question through an Asker (an *aggregate.Aggregator), place
//     the events with the catalog (package flow), and Compare the cases
//     with the stored Snapshot.
//  3. Commit, in one transaction, the new snapshot and the notifications
//     to an outbox.
//  4. Deliver the outbox through a Sink and mark each entry delivered.
//  5. Prune the entries delivered longer than Options.Retention ago.
//
// A crash between any two steps loses nothing: what was not committed is
// found again by the next pass, what was committed is delivered by the
// next one. At worst a notification is delivered twice, with the same id
// both times, since the id is derived from the change itself: receivers
// drop repeats by id.
//
// # What is a change
//
// Compare's rules: new_case when a key (typ, producent, referens) is new
// and the case has events; updated when a case's status, bollen, current
// step or set of kundhandelseIds changed. Nothing is said for a case whose
// producer did not answer (its last known state stays stored, so a
// producer that flaps between answering and failing never causes a
// notification), for the not-started placeholder of an expected case, or
// for order. A subscription's first pass is a silent baseline unless
// Options.NotifyInitial is set.
//
// # The notification
//
// One JSON object, the body of a webhook and a line of JSONLines:
//
//	{"id": "…", "subscription": "sub-1", "change": "new_case|updated",
//	 "typ": "PRV.VARUMARKE", "producent": "PRV", "referens": "2026/01877", "namn": "Registrera varumärke",
//	 "status": {"from": "vantar_pa_kund", "to": "pagaende"},
//	 "bollen": {"from": "kund", "to": "producent"},
//	 "steg": {"from": "PRV.VARUMARKE.KOMPLETTERING", "to": "PRV.VARUMARKE.GRANSKNING"},
//	 "kundhandelser": ["the ids new since the last snapshot of the case"],
//	 "rubrik": "the latest new event's rubrik", "tidpunkt": "its instant, RFC 3339 UTC"}
//
// For new_case every from is null; tidpunkt is null when the change
// brought no new event.
//
// # Delivery
//
// Webhook POSTs each notification signed per the Standard Webhooks
// specification (webhook-id, webhook-timestamp, webhook-signature "v1,"
// HMAC-SHA256 under a whsec_ secret), so any Standard Webhooks library
// verifies it; Verify does so in Go. A 2xx is a delivery; anything else is
// retried within the call, then left in the outbox and tried again later
// with a growing wait, under the same id. JSONLines writes to a stream.
// Notifications are delivered several at a time, so not necessarily in
// the order they were found: each carries its case's whole change (from
// and to), and none depends on another.
//
// # Stores
//
// MemoryStore keeps everything in process memory, with the same leases as
// a database. Package watch/sqlstore keeps it in SQLite or PostgreSQL over
// database/sql; the application imports the driver.
//
// # Privacy
//
// A subscription's identifiers are stored only because the question must
// be asked with them (Subscription.MarshalBinary is a storage form, never
// for display), and never logged: logs name subscriptions by their id. A
// notification carries the subscription id, never an identifier. A
// snapshot holds no event text: per case the key, status, bollen, current
// step and event ids.
//
// # Worked usage
//
//	store := watch.NewMemoryStore()
//	store.Put(ctx, watch.Subscription{ID: "sub-1", Parter: []minaarenden.Part{{Kund: &kund}},
//		Expected: []flow.Expected{{Typ: "PRV.VARUMARKE"}}})
//	sink, err := watch.NewWebhook("https://receiver.example/hook", os.Getenv("WEBHOOK_SECRET"), nil)
//	w, err := watch.New(store, agg, cat, sink, &watch.Options{Interval: 15 * time.Minute, Logger: log})
//	err = w.Run(ctx) // until ctx is done; RunOnce for one pass over every subscription
package watch
