package aggregate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/client"
)

// Status says how one (source, part) fared.
type Status string

// The statuses of an Outcome. Only StatusOK and StatusSkipped count as
// complete.
const (
	// StatusOK: the source answered and every event it sent was accepted.
	StatusOK Status = "ok"
	// StatusError: the source failed (HTTP error, broken body, panic).
	StatusError Status = "error"
	// StatusTimeout: no answer before the per-source timeout or the
	// overall deadline, including a source never asked because the
	// deadline came first.
	StatusTimeout Status = "timeout"
	// StatusRejected: the source answered, but sent events outside its
	// registered prefixes or in another producer's name; those were
	// dropped and counted in Rejected, the others kept.
	StatusRejected Status = "rejected"
	// StatusSkipped: routing did not ask the source, because none of its
	// prefixes can match the question's kundhandelseTyper.
	StatusSkipped Status = "skipped"
)

// Outcome is how one part fared at one source: for a producer source one
// Outcome per part asked, for a forwarding source one per delfråga (producer
// and part) it reported.
type Outcome struct {
	// Source is the Source's Name.
	Source string
	// Producent is the producer that answered: the client's name for a
	// producer source, delfragor[].producent for a forwarding source.
	Producent string
	Part      minaarenden.Part
	Status    Status
	// HTTPCode is the final HTTP status, 0 when no response arrived.
	HTTPCode int
	// Err is nil for StatusOK and StatusSkipped. It wraps the cause, so
	// errors.Is(o.Err, context.DeadlineExceeded) and errors.As with a
	// *client.Error work; for StatusRejected it is a *RejectedError.
	Err error
	// Attempts counts the HTTP attempts of the answer used (retries
	// included), as the source reported them.
	Attempts int
	// Hedges counts the extra requests sent because the first was slow.
	Hedges int
	// Duration runs from the first request to the answer used (or the
	// failure); 0 for a source never asked.
	Duration time.Duration
	// Events counts the events accepted from this answer, before
	// deduplication across parter and sources.
	Events int
	// Rejected counts the events dropped by the spoof guard.
	Rejected int
	// Duplicates counts events this answer repeated within itself (same
	// producent and kundhandelseId); they are merged, not dropped.
	Duplicates int
	// Warnings are the client's: required fields the events lacked. Kept
	// events leave the status ok; dropped ones fail it through Err.
	Warnings []client.Warning
}

// LogValue keeps the part's identifiers out of structured logs: slog's JSON
// handler would otherwise marshal Part, digits and all.
func (o Outcome) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("source", o.Source), slog.String("producer", o.Producent), slog.String("part", o.Part.String()),
		slog.String("status", string(o.Status)), slog.Int("http_code", o.HTTPCode), slog.Int("attempt", o.Attempts),
		slog.Int("hedges", o.Hedges), slog.Duration("duration", o.Duration), slog.Int("events", o.Events),
		slog.Int("rejected", o.Rejected),
	}
	if o.Err != nil {
		attrs = append(attrs, slog.String("error", o.Err.Error()))
	}
	return slog.GroupValue(attrs...)
}

// ErrNoSources is New's error for an empty source list: a question to no
// one would come back complete with nothing, which reads as "no cases".
var ErrNoSources = errors.New("aggregate: no sources: there is nothing to ask (give New at least one Source)")

// ErrSpoofed is the cause inside every *RejectedError.
var ErrSpoofed = errors.New("event outside the producer's registered prefixes or in another producer's name")

// RejectedError reports events the spoof guard dropped.
type RejectedError struct {
	Source, Producent string
	Count             int
	// Types lists the distinct kundhandelseTyper outside the registered
	// prefixes, in first-seen order, at most five.
	Types []minaarenden.Kundhandelsetyp
	// Producenter lists the distinct other producers a producer source's
	// events claimed to come from, in first-seen order, at most five.
	Producenter []string
}

func (e *RejectedError) Error() string {
	var why []string
	if len(e.Types) > 0 {
		ts := make([]string, len(e.Types))
		for i, t := range e.Types {
			ts[i] = printable(string(t))
		}
		why = append(why, "outside its registered prefixes ("+strings.Join(ts, ", ")+")")
	}
	if len(e.Producenter) > 0 {
		ps := make([]string, len(e.Producenter))
		for i, p := range e.Producenter {
			ps[i] = strconv.Quote(printable(p))
		}
		why = append(why, "in the name of another producer ("+strings.Join(ps, ", ")+")")
	}
	return fmt.Sprintf("aggregate: %s (producent %q) sent %d event(s) %s: dropped",
		e.Source, e.Producent, e.Count, strings.Join(why, " or "))
}

// printable shortens what a producer wrote for an error string, and masks
// every run of six or more digits: a rejected type or producent is the
// producer's text, and neither a flood of it nor a personal identity number
// in it may reach a log line.
func printable(s string) string {
	const max = 80
	s = minaarenden.Redact(s)
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// Unwrap returns ErrSpoofed.
func (e *RejectedError) Unwrap() error { return ErrSpoofed }

// PanicError is the Err of an outcome whose Source panicked. errgroup does not
// recover panics; Run does, so one broken adapter cannot take down the
// process or the other sources' answers.
type PanicError struct {
	Source string
	Value  any
	Stack  []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("aggregate: source %s panicked: %v", e.Source, e.Value)
}

// statusOf classifies a failure: a deadline (the per-source timeout or the
// caller's) is a timeout, anything else an error.
func statusOf(err error) Status {
	switch {
	case err == nil:
		return StatusOK
	case errors.Is(err, context.DeadlineExceeded):
		return StatusTimeout
	default:
		return StatusError
	}
}

// urlQuery matches the query string and fragment of a URL in free text.
var urlQuery = regexp.MustCompile(`(?i)(\b[a-z][a-z0-9+.-]*://[^\s?#"']*)[?#][^\s"']*`)

// ErrorMessage returns Err's message as it may be shown or served: every
// identifier-like number masked (minaarenden.Redact) and every URL cut
// before its query string, which could carry one. It is "" when Err is
// nil.
func (o Outcome) ErrorMessage() string {
	if o.Err == nil {
		return ""
	}
	return minaarenden.Redact(urlQuery.ReplaceAllString(o.Err.Error(), "$1"))
}

// outcomeJSON is an Outcome's JSON form.
type outcomeJSON struct {
	Source     string `json:"source"`
	Producent  string `json:"producent"`
	Part       string `json:"part"`
	Status     Status `json:"status"`
	HTTPCode   int    `json:"httpCode"`
	Error      string `json:"error"`
	Attempts   int    `json:"attempts"`
	Hedges     int    `json:"hedges"`
	DurationMs int64  `json:"durationMs"`
	Events     int    `json:"events"`
	Rejected   int    `json:"rejected"`
	Duplicates int    `json:"duplicates"`
	// Warnings are Warning.String's sentences; they name fields, never
	// values.
	Warnings []string `json:"warnings,omitempty"`
}

// MarshalJSON writes the outcome with camelCase keys, the duration in
// whole milliseconds (durationMs), the error as ErrorMessage, the warnings
// as sentences (left out when there are none), and the part
// as Part.String, which names its kind with the identifier masked: the
// form can be logged or served without a personal identity number in it.
func (o Outcome) MarshalJSON() ([]byte, error) {
	j := outcomeJSON{
		Source: o.Source, Producent: o.Producent, Part: o.Part.String(), Status: o.Status,
		HTTPCode: o.HTTPCode, Error: o.ErrorMessage(), Attempts: o.Attempts, Hedges: o.Hedges,
		DurationMs: o.Duration.Milliseconds(), Events: o.Events, Rejected: o.Rejected, Duplicates: o.Duplicates,
	}
	for _, w := range o.Warnings {
		j.Warnings = append(j.Warnings, w.String())
	}
	return json.Marshal(j)
}
