package client

import (
	"log/slog"

	"github.com/aterkoppling/minaarenden"
)

// Answer is what one endpoint said to one Query: the events of every part
// that was answered, and one Outcome per part (producer dialect) or per
// delfråga (forwarding dialect), failed ones included. Events already
// received are never dropped because another part failed.
type Answer struct {
	// Endpoint names the endpoint without query string or credentials.
	Endpoint string
	// Version is the standard version the answer said it speaks
	// (metadata.version, or the events' version), or "" for answers older
	// than 3.0 that carry none.
	Version minaarenden.Version
	// Events holds every decoded event, each with Part set to the part it
	// answered, in the order received.
	Events []minaarenden.Kundhandelse
	// Outcomes has one entry per part asked (producer dialect) or per
	// delfråga the forwarding service reported (one per producer and part).
	Outcomes []Outcome
}

// Outcome is how one part fared at one producer.
type Outcome struct {
	// Producent is the producer that answered: Options.Name for the producer
	// dialect, delfragor[].producent for the forwarding dialect.
	Producent string
	Part      minaarenden.Part
	// HTTPCode is the final HTTP status (the delfråga's httpCode for the
	// forwarding dialect); 0 when no response arrived.
	HTTPCode int
	// Status is the forwarding service's delfråga status ("OK"), or "".
	Status string
	// Message is the producer's error message, if any.
	Message string
	// Attempts counts HTTP attempts, retries included.
	Attempts int
	// Events counts the events decoded for this part.
	Events int
	// Total is totaltAntalKundhandelser when the answer gave one.
	Total int
	// Warnings lists the required fields this part's events lacked (missing
	// or null), with how many and how they were read. Events kept despite
	// them leave the outcome answered (Err nil); events dropped for them
	// fail it as well.
	Warnings []Warning
	// Err is nil when the part was answered; otherwise a *Error or the
	// context's error.
	Err error
}

// LogValue keeps the part's identifiers out of structured logs: slog's
// JSON handler would otherwise marshal Part, digits and all.
func (o Outcome) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("producer", redact(o.Producent)), slog.String("part", o.Part.String()),
		slog.Int("status", o.HTTPCode), slog.Int("attempt", o.Attempts), slog.Int("events", o.Events),
	}
	if o.Err != nil {
		attrs = append(attrs, slog.String("error", o.Err.Error()))
	}
	return slog.GroupValue(attrs...)
}

// LogValue summarises the answer without identifiers: slog's JSON handler
// would otherwise marshal every Outcome's Part, digits and all.
func (a Answer) LogValue() slog.Value {
	failed := 0
	for _, o := range a.Outcomes {
		if o.Err != nil {
			failed++
		}
	}
	return slog.GroupValue(slog.String("endpoint", a.Endpoint), slog.String("version", string(a.Version)),
		slog.Int("events", len(a.Events)), slog.Int("outcomes", len(a.Outcomes)), slog.Int("failed", failed))
}
