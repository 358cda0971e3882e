package client

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aterkoppling/minaarenden"
)

// Sentinel errors a *Error wraps, for callers that branch with errors.Is.
var (
	// ErrResponseTooLarge: the answer was longer than Options.MaxResponseBytes.
	ErrResponseTooLarge = errors.New("response body exceeds the size limit")
	// ErrContentType: a successful answer was not application/json (nor
	// another application/…+json type than problem+json).
	ErrContentType = errors.New("response is not application/json")
	// ErrMalformedAnswer: the answer was not JSON of a known shape, or some
	// of its events could not be read (the readable ones are kept).
	ErrMalformedAnswer = errors.New("malformed answer")
	// ErrRetryBeyondDeadline: a retry was due but its wait would end after
	// the context's deadline, so the call failed at once instead of
	// sleeping into the timeout. It matches context.DeadlineExceeded, as
	// the outcome is the same.
	ErrRetryBeyondDeadline = fmt.Errorf("retry wait would pass the deadline: %w", context.DeadlineExceeded)
	// ErrRedirect: the endpoint redirected to another origin. The client
	// does not follow: the request carries credentials and personal data.
	// It also refuses a 301, 302 or 303, which would resend the POST as a
	// GET without the question.
	ErrRedirect = errors.New("redirect not followed")
	// ErrTooManyRedirects: the endpoint redirected more than 10 times
	// within its origin, a loop more likely than a path. Not retried.
	ErrTooManyRedirects = errors.New("stopped after 10 redirects")
	// ErrNotInVersion: the question needs something the spoken version of
	// the standard cannot express (taggar before 4.0, kund.tillagg before
	// 3.1, asking by ärende before 2.0). Nothing is sent.
	ErrNotInVersion = errors.New("not expressible in the spoken version")
	// ErrAnvandareRequired: the spoken version (3.1–4.1, or the forwarding
	// service) requires anvandare and the question has none.
	ErrAnvandareRequired = errors.New("anvandare is required by the spoken version")
	// ErrDelfraga: the forwarding service reported that one of its
	// delfrågor (one producer, one part) failed.
	ErrDelfraga = errors.New("delfråga failed at the forwarding service")
	// ErrPartialAnswer: the forwarding service answered 206 without saying
	// which delfråga failed.
	ErrPartialAnswer = errors.New("partial answer (206) without a failed delfråga")
	// ErrUnexpectedStatus: a status the dialect never answers with on
	// success (anything but 200, and 206 for the forwarding service).
	ErrUnexpectedStatus = errors.New("unexpected HTTP status")
	// ErrNotConfigured: the Client is a zero Client{} or a nil *Client;
	// build one with New. Nothing is sent.
	ErrNotConfigured = errors.New("the Client is not configured: build it with client.New")
)

// Error is how a request to one endpoint failed: a transport error, an HTTP
// status, an unreadable answer, or a delfråga the forwarding service
// reported as failed. It unwraps to the cause, so errors.Is(err,
// context.DeadlineExceeded) and errors.Is(err, ErrResponseTooLarge) work.
//
// Its text never holds a query string, a request body or an identifier:
// Message and Problem are cleaned of digit runs that could be a
// personnummer before they are stored, and Producent, which the forwarding
// service may write, when it is printed.
type Error struct {
	// Endpoint is the URL asked, without query string or credentials.
	Endpoint string
	// Producent is Options.Name, or the delfråga's producer.
	Producent string
	// HTTPCode is the final HTTP status (a delfråga's httpCode), 0 when no
	// response arrived.
	HTTPCode int
	// Message is the producer's {"message"}, or the problem's detail/title.
	Message string
	// Problem is the RFC 9457 problem document, when the error came as one.
	Problem *Problem
	// Attempts counts HTTP attempts, retries included.
	Attempts int
	// CorrelationID is the x-correlation-id / skv_client_correlation_id
	// sent, to quote to the producer's support.
	CorrelationID string
	// Err is the cause: a transport or context error or one of the Err…
	// sentinels of this package; nil for a plain HTTP error status.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("client")
	part := func(format string, a ...any) {
		b.WriteString(": ")
		fmt.Fprintf(&b, format, a...)
	}
	if e.Producent != "" {
		part("%s", redact(e.Producent)) // a delfråga's producent is the service's text
	}
	if e.Endpoint != "" {
		part("%s", e.Endpoint)
	}
	if e.HTTPCode != 0 {
		part("HTTP %d", e.HTTPCode)
	}
	if e.Message != "" {
		part("%q", e.Message)
	}
	if e.Err != nil {
		part("%s", e.Err)
	}
	fmt.Fprintf(&b, " (attempts: %d", e.Attempts)
	if e.CorrelationID != "" {
		fmt.Fprintf(&b, ", correlation id %s", e.CorrelationID)
	}
	b.WriteString(")")
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Problem is an RFC 9457 problem document (application/problem+json), the
// form RFC 7807 defined and RFC 9457 keeps.
type Problem struct {
	Type     string `json:"type,omitempty"`
	Title    string `json:"title,omitempty"`
	Status   int    `json:"status,omitempty"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
}

// maxMessage bounds how much of a producer's message is kept.
const maxMessage = 512

// redact makes producer-supplied text fit for an error string: identifiers
// masked, length bounded. Producers do echo the number they were asked
// about ("Kund 199001012385 saknas"); that must not reach a log.
func redact(s string) string {
	s = minaarenden.Redact(s)
	if len(s) > maxMessage {
		s = strings.ToValidUTF8(s[:maxMessage], "") + "…"
	}
	return s
}
