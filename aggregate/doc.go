// Package aggregate asks many Mina ärenden sources the same question at once
// and merges what they say, losing nothing and reporting everything.
//
// A företagstjänst asks 4–40 producers about one company, a portal asks every
// kommun's and agency's endpoint about one person. Some are slow, some down,
// some misbehave. Run returns at the deadline with every event that arrived
// and one Outcome per (source, part) saying exactly what happened to the
// rest. Partial failure is data, not an error.
//
// Neighbours: package client asks one endpoint (a *client.Client is a
// Source); package flow places the merged events into cases and takes
// Result.Answered, so it never claims a case has not started when its
// producer was not heard: skipped by routing, failed, or not asked at all.
//
// # Worked usage
//
//	hc := aggregate.NewHTTPClient() // one tuned, shared connection pool
//	skv, _ := client.New("https://skv.example/minaarenden/v6", &client.Options{
//		Name: "Skatteverket", Prefixes: []minaarenden.Kundhandelsetyp{"SKV"}, HTTPClient: hc})
//	prv, _ := client.New("https://prv.example/api", &client.Options{
//		Name: "PRV", Version: minaarenden.V5_0, Prefixes: []minaarenden.Kundhandelsetyp{"PRV"}, HTTPClient: hc})
//	fwd, _ := client.New("https://skv.example/vidareformedling", &client.Options{
//		Name: "Vidareförmedlingen", Dialect: client.Forwarding, HTTPClient: hc})
//	agg, err := aggregate.New([]aggregate.Source{skv, prv, fwd}, &aggregate.Options{
//		SourceTimeout: 3 * time.Second,
//		HedgeDelay:    500 * time.Millisecond,
//		// what each producer behind fwd may send; New refuses fwd without it
//		Producers: map[string][]minaarenden.Kundhandelsetyp{"Stockholms stad": {"KOMMUN"}},
//	})
//	...
//	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
//	defer cancel()
//	res, err := agg.Run(ctx, minaarenden.Fraga{Parter: []minaarenden.Part{{Kund: &kund}}})
//	if err != nil { ... } // only an invalid Fraga
//	for _, o := range res.Outcomes {
//		fmt.Println(o.Source, o.Producent, o.Status, o.HTTPCode, o.Events, o.Err)
//	}
//	placed := flow.Place(cat, res.Events, &flow.Options{Expected: expected, Answered: res.Answered()})
//
// # How a question is asked
//
// A producer source (the standard's producer API, or any Source that does
// not say it is client.Forwarding) is asked once per part, so every (source,
// part) has its own timeout, hedge and outcome. A forwarding source
// (Skatteverket's vidareförmedlingstjänst) is asked once with every part;
// its delfragor, in a 200 or a 206, become one outcome per producer and part.
// A delfråga the service reports as failed is StatusError with its httpCode,
// also when it timed out there (504, status TIMEOUT): StatusTimeout is kept
// for Run's own timeouts, so count both when tallying the producers that did
// not answer in time.
//
// Routing asks a source only when one of its registered prefixes overlaps
// the question's kundhandelseTyper (segment-wise, so "SKV" is asked about
// "SKV.MOMS" but "SKV.MO" is not); it is sent only the filters that
// overlap. Sources not asked get a StatusSkipped outcome.
//
// Requests run on a bounded pool: Options.Concurrency requests in flight
// (an errgroup.Group with SetLimit; never WithContext, as one failure must
// not cancel the others), and at most Options.SourceConcurrency (8) to any
// one producer source, so a question about many parter does not land on a
// kommun's server all at once. Parts waiting for a busy source wait outside
// the pool, so they never hold a slot another source could use. Each is
// bounded by Options.SourceTimeout and all by the caller's context: at its deadline Run returns promptly, sources
// not yet asked reporting StatusTimeout with no attempts. A panicking
// Source becomes an error outcome carrying a *PanicError.
//
// With Options.HedgeDelay set, a request that has not answered after the
// delay gets a twin; the first answer wins, the other is cancelled, and
// Outcome.Hedges counts it. Hedging trims the tail a few slow answers cause
// at the cost of extra requests to exactly those sources (and, over
// HTTP/1.1, a new connection for each cancelled loser).
//
// When answers land at once, at most Options.ProcessConcurrency
// (GOMAXPROCS) of them are decoded at a time, and as many processed (spoof
// guard, copying, outcome building). Decoding happens inside client.Query;
// Run hands it the bound through the context (client.WithDecodeLimiter).
//
// # Trust
//
// The spoof guard lets a source emit events only under the prefixes it is
// registered for: Source.Prefixes for a producer source, Options.Producers
// for each producer behind a forwarding source. As the producent is half
// of the merge key, a producer source may also not name another producer
// source, nor a producer in Options.Producers outside that producer's
// prefixes: its copy could otherwise replace that producer's own event of
// the same id. Anything else is dropped and counted: the outcome is
// StatusRejected with Outcome.Rejected and a *RejectedError naming the
// offending types and producers, never a silent loss. A source that
// registers no prefixes can only be used with Options.AllowAnyPrefix.
//
// # Merging
//
// Events are deduplicated on (producent, kundhandelseId): the same event
// found for a person and for their ärende appears once, Result.Parter
// listing both parts. They are ordered by instant, ties broken by producent,
// kundhandelseId and finally the event's JSON form, so the Result is the
// same byte for byte whatever order and speed the answers came in.
//
// # Connections
//
// Clients share one transport keeping enough idle connections per host for
// the fan-out, so steady load does not dial (http.DefaultTransport keeps two
// per host). A client whose Options name no round tripper (no Transport, and
// no HTTPClient or one whose Transport is nil), or APIKey or BearerToken over
// a nil next, already uses it. Only a client given a transport of its own
// (for MTLS) leaves the pool, and should start from Transport(), which
// returns a new transport with the same tuning.
//
// Those idle connections are goroutines too (two per connection in the
// client, and one in an in-process server such as clienttest), up to
// client.DefaultIdleConnsPerHost per host: runtime.NumGoroutine after Run
// counts them, although no goroutine of Run itself is left. A batch job that
// watches for leaks, or is done, closes them with
// client.CloseIdleConnections().
//
// # Batch jobs
//
// A nightly job asking about thousands of customers runs one Run per chunk
// of parter (see ExampleAggregator_Run_batch):
//
//   - A forwarding source is asked with every part of the Run in one Query;
//     the client splits it into questions of at most 100 parter, the
//     reference forwarding service's limit, asked one after the other
//     within one SourceTimeout: keep Runs to about 100 parter, or raise
//     SourceTimeout for larger ones.
//   - Options.SourceConcurrency (8 by default) bounds the requests in flight
//     to one producer within a Run; Options.Concurrency (128) bounds them
//     all. Set SourceConcurrency to what the smallest producer tolerates;
//     concurrent Runs on one Aggregator each have their own bound.
//   - A producer that does not answer holds a slot for SourceTimeout per
//     part, every Run; the caller's context is the deadline for the whole
//     job, and a Run under it returns promptly when it passes.
//   - Fraga.Anvandare must be a personnummer or samordningsnummer; the
//     forwarding service and producers on 3.1–4.1 require one, so agree
//     with the producers what a job without a user sends.
//
// # Adapters
//
// Anything that can list events can be a Source: package filesource serves a
// kommun without an API from a JSON file.
package aggregate
