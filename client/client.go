package client

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/sync/errgroup"
)

// Options configures a Client. The zero value of every field is a safe
// default; a nil *Options is the zero value.
type Options struct {
	// Dialect is the API the endpoint speaks; zero is Producer.
	Dialect Dialect
	// Version is the version of the standard to speak to a Producer
	// endpoint; zero is 6.1. Answers are read whatever version they carry.
	//   - 3.1–4.1: anropandeOrganisation and anvandare as (required) headers;
	//     1.1–3.0 had no published schema and are spoken as 3.1 without
	//     what came later, the headers sent when known;
	//   - 5.0: anvandare, konsument, konsumenttjanst and sessionID in the body;
	//   - 6.0, 6.1: x-correlation-id header, no sessionID.
	// 1.0 asked with GET and the identifier in the URL; it is refused.
	Version minaarenden.Version
	// Name is the producer this endpoint is ("Skatteverket"), used in
	// outcomes, logs and errors; zero is the base URL's host.
	Name string
	// Prefixes are the kundhandelseTyp prefixes this endpoint is registered
	// for. The client only reports them; package aggregate routes on them
	// and drops events outside them.
	Prefixes []minaarenden.Kundhandelsetyp
	// HTTPClient is used for requests (its Transport, Jar, Timeout); nil
	// means a client without timeout (use the context) on Transport. It is
	// copied, not changed. Redirects to another origin are never followed;
	// its CheckRedirect, if any, decides on the others.
	HTTPClient *http.Client
	// Transport, when set, is the round tripper used, replacing
	// HTTPClient's. Compose auth here: APIKey, BearerToken, or an
	// *http.Transport with MTLS. Nil means HTTPClient's, else the transport
	// every such client shares, tuned for fan-out as DefaultTransport
	// describes.
	Transport http.RoundTripper
	// Retry says when and how often a failed request is tried again.
	Retry RetryPolicy
	// MaxResponseBytes bounds an answer's body; zero is 32 MiB.
	MaxResponseBytes int64
	// Zone reads a tidpunkt that carries no offset; nil is
	// Europe/Stockholm. Set time.UTC for a producer that answers in UTC
	// without writing the Z.
	Zone *time.Location
	// AcceptLanguage is sent as Accept-Language ("sv", "en"); empty sends
	// none and producers answer in Swedish.
	AcceptLanguage string
	// AnropandeOrganisation is the consumer's organisationsnummer, the
	// header 3.1–4.1 require; New refuses those versions without it.
	AnropandeOrganisation minaarenden.Identifierare
	// Konsument and Konsumenttjanst name the consumer organisation and
	// service, sent in the body from 5.0 on when set.
	Konsument, Konsumenttjanst string
	// Logger receives one line per attempt and per failure, with the keys
	// producer, attempt, status, duration and correlation_id; never a URL
	// query, a body or an identifier. Nil is silent.
	Logger *slog.Logger
	// PageSize is the forwarding service's paginering.limit per page; zero
	// is 200, negative asks for everything in one unpaged request.
	PageSize int
	// MaxEventsPerPart bounds the events kept for one part of a question,
	// across pages; zero is DefaultMaxEventsPerPart (10 000). Past it the
	// rest are not read and the part's outcome fails with
	// ErrTooManyEvents, the events up to it kept.
	MaxEventsPerPart int
	// MaxPages bounds the pages asked of the forwarding service for one
	// question; zero is DefaultMaxPages (100). Parts still unfinished then
	// fail with ErrTooManyPages.
	MaxPages int
	// AllowInsecureHTTP lets New accept a plain http:// base URL to a host
	// other than loopback. Every request carries credentials and personal
	// identity numbers, so New refuses such a URL by default. It exists for
	// a test lab behind a TLS-terminating proxy on a trusted network; never
	// set it for a producer on the internet. Loopback (127.0.0.0/8, ::1,
	// localhost), where a stand-in such as clienttest listens, needs no
	// option.
	AllowInsecureHTTP bool
}

const (
	defaultMaxResponseBytes = 32 << 20
	defaultPageSize         = 200
	userAgent               = "minaarenden-go"
)

// Client asks one endpoint: a producer's /kundhandelser or the forwarding
// service's /kundhandelseFragaSynkron. Build one per endpoint and reuse it;
// it is safe for concurrent use.
type Client struct {
	target   string // the URL requests go to, query included
	endpoint string // the same without query or credentials
	dialect  Dialect
	version  minaarenden.Version
	name     string
	prefixes []minaarenden.Kundhandelsetyp
	http     *http.Client
	retrier  *retryablehttp.Client // shared by c's requests
	retry    RetryPolicy
	maxBytes int64
	zone     *time.Location
	lang     string
	org      minaarenden.Identifierare
	kons     string
	konsTj   string
	log      *slog.Logger
	pageSize int
	maxEvents,
	maxPages int
}

// New returns a client for the endpoint at baseURL, the path the standard's
// operation hangs under ("https://api.example.se/minaarenden/v6"); the
// operation's own segment (/kundhandelser or /kundhandelseFragaSynkron) is
// added unless baseURL already ends with it.
func New(baseURL string, opts *Options) (*Client, error) {
	if opts == nil {
		opts = &Options{}
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("client: base URL must be an absolute http or https URL")
	}
	if u.Scheme == "http" && !opts.AllowInsecureHTTP && !isLoopback(u.Hostname()) {
		// The host is not quoted: the URL is the caller's configuration
		// and may carry credentials.
		return nil, errors.New("client: base URL is plain http to a host other than loopback, which would send credentials and personal identity numbers unencrypted; use https, or set Options.AllowInsecureHTTP for a test lab behind a TLS-terminating proxy")
	}
	op := "kundhandelser"
	if opts.Dialect == Forwarding {
		op = "kundhandelseFragaSynkron"
	} else if opts.Dialect != Producer {
		return nil, fmt.Errorf("client: unknown dialect %d", opts.Dialect)
	}
	path := strings.TrimSuffix(u.Path, "/")
	if path != op && !strings.HasSuffix(path, "/"+op) {
		path += "/" + op
	}
	u.Path, u.RawPath = path, ""
	c := &Client{
		target:    u.String(),
		endpoint:  redactURL(u),
		dialect:   opts.Dialect,
		version:   opts.Version,
		name:      opts.Name,
		prefixes:  append([]minaarenden.Kundhandelsetyp(nil), opts.Prefixes...),
		retry:     opts.Retry.resolve(),
		maxBytes:  opts.MaxResponseBytes,
		zone:      opts.Zone,
		lang:      opts.AcceptLanguage,
		org:       opts.AnropandeOrganisation,
		kons:      opts.Konsument,
		konsTj:    opts.Konsumenttjanst,
		log:       opts.Logger,
		pageSize:  opts.PageSize,
		maxEvents: cmp.Or(max(opts.MaxEventsPerPart, 0), DefaultMaxEventsPerPart),
		maxPages:  cmp.Or(max(opts.MaxPages, 0), DefaultMaxPages),
	}
	if c.version == "" {
		c.version = minaarenden.V6_1
	}
	if c.name == "" {
		c.name = u.Hostname()
	}
	if c.maxBytes <= 0 {
		c.maxBytes = defaultMaxResponseBytes
	}
	if c.zone == nil {
		c.zone = minaarenden.Stockholm()
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.pageSize == 0 {
		c.pageSize = defaultPageSize
	}
	for _, p := range c.prefixes {
		if err := p.ValidatePrefix(); err != nil {
			return nil, fmt.Errorf("client: prefix: %w", err)
		}
	}
	if !c.version.Known() {
		// A typo ("6.2", "v6.0") would otherwise be spoken as the newest form.
		return nil, fmt.Errorf("client: version %q is not a published version of the standard (%v)", c.version, minaarenden.Versions())
	}
	if c.dialect == Producer {
		if !c.version.AtLeast(minaarenden.V1_1) {
			return nil, errors.New("client: version 1.0 asks with GET and the identifier in the URL; speak 1.1 or newer")
		}
		// 3.1–4.1 require the anropandeOrganisation header; before 3.1 there
		// is no published schema, so it is sent when set.
		if c.version.AtLeast(minaarenden.V3_1) && !c.version.AtLeast(minaarenden.V5_0) {
			if c.org == "" {
				return nil, fmt.Errorf("client: version %s requires Options.AnropandeOrganisation", c.version)
			}
		}
		if c.org != "" {
			if err := c.org.Validate(minaarenden.Organisationsnummer); err != nil {
				return nil, fmt.Errorf("client: anropandeOrganisation: %w", err)
			}
		}
	}
	c.http = newHTTPClient(opts.HTTPClient, opts.Transport)
	c.retrier = newRetrier(c)
	return c, nil
}

// Name returns the producer this endpoint is (Options.Name); "" for a
// Client not built with New.
func (c *Client) Name() string {
	if c == nil {
		return ""
	}
	return c.name
}

// Prefixes returns the kundhandelseTyp prefixes the endpoint is registered
// for (Options.Prefixes).
func (c *Client) Prefixes() []minaarenden.Kundhandelsetyp {
	if c == nil {
		return nil
	}
	return append([]minaarenden.Kundhandelsetyp(nil), c.prefixes...)
}

// Dialect returns the API the endpoint speaks.
func (c *Client) Dialect() Dialect {
	if c == nil {
		return Producer
	}
	return c.dialect
}

// configured reports whether c was built by New. A zero Client or a nil
// *Client has nothing to ask; its methods say so instead of panicking, the
// more so as Query works in goroutines where a panic ends the program.
func (c *Client) configured() bool { return c != nil && c.http != nil }

// Query asks about every part of f: one POST per part to a Producer
// endpoint (up to four at a time), or one request per 100 parter to the
// Forwarding service, one chunk after the other (following its pages).
//
// The *Answer is never nil. It holds the events of every part that was
// answered and one Outcome per part (Producer) or per delfråga (Forwarding).
// err is nil when everything was answered; otherwise it is errors.Join of
// the failures, each a *Error (which may wrap the context's error). f is
// validated first; when it is invalid nothing is sent.
func (c *Client) Query(ctx context.Context, f minaarenden.Fraga) (*Answer, error) {
	a := &Answer{Events: []minaarenden.Kundhandelse{}}
	corr, err := c.prepare(ctx, f)
	if c != nil {
		a.Endpoint = c.endpoint
	}
	if err != nil {
		for _, p := range f.Parter {
			a.Outcomes = append(a.Outcomes, Outcome{Producent: c.Name(), Part: p, Err: err})
		}
		return a, err
	}
	if c.dialect == Forwarding {
		p := c.newPager(f, corr)
		for page := range p.pages(ctx) {
			a.Events = append(a.Events, page...)
		}
		p.finish(a)
		return a, joinOutcomeErrors(a.Outcomes)
	}
	c.queryProducer(ctx, f, corr, a)
	return a, joinOutcomeErrors(a.Outcomes)
}

// Events yields the events of every part of f. From the Forwarding service
// it pages with a stable sort (tidpunkt, producent, type, rubrik) until each
// part's totaltAntalKundhandelser is reached, so memory holds one page at a
// time; from a Producer it yields Query's events. Failures are yielded as
// (zero Kundhandelse, *Error) and paging goes on unless the request itself
// failed; stop early by breaking out of the loop.
func (c *Client) Events(ctx context.Context, f minaarenden.Fraga) iter.Seq2[minaarenden.Kundhandelse, error] {
	return func(yield func(minaarenden.Kundhandelse, error) bool) {
		if c.Dialect() != Forwarding {
			a, err := c.Query(ctx, f)
			for _, e := range a.Events {
				if !yield(e, nil) {
					return
				}
			}
			if err != nil {
				yield(minaarenden.Kundhandelse{}, err)
			}
			return
		}
		corr, err := c.prepare(ctx, f)
		if err != nil {
			yield(minaarenden.Kundhandelse{}, err)
			return
		}
		p := c.newPager(f, corr)
		reported := 0
		for page := range p.pages(ctx) {
			for _, e := range page {
				if !yield(e, nil) {
					return
				}
			}
			for ; reported < len(p.failures); reported++ {
				if !yield(minaarenden.Kundhandelse{}, p.failures[reported]) {
					return
				}
			}
		}
		for ; reported < len(p.failures); reported++ {
			if !yield(minaarenden.Kundhandelse{}, p.failures[reported]) {
				return
			}
		}
	}
}

// prepare validates c and f and returns the correlation id for this
// question. Its errors are *Error too, so callers handle every failure
// alike.
func (c *Client) prepare(ctx context.Context, f minaarenden.Fraga) (string, error) {
	if !c.configured() {
		return "", &Error{Err: ErrNotConfigured}
	}
	if err := f.Validate(); err != nil {
		return "", c.newError(0, 0, "", fmt.Errorf("invalid fraga: %w", err))
	}
	if c.dialect == Forwarding {
		// What the service refuses whatever the parter (no anvandare)
		// fails here once, not in each 100-part chunk.
		if _, err := forwardingBody(f, nil, 0, 0); err != nil {
			return "", c.newError(0, 0, "", err)
		}
	}
	corr := CorrelationID(ctx)
	if corr == "" {
		return newUUID(), nil
	}
	if len(corr) > 200 || strings.IndexFunc(corr, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
		return "", c.newError(0, 0, "", errors.New("correlation id must be 1–200 printable ASCII characters"))
	}
	// The id goes to every producer as a header and into every log line
	// and error, unmasked so it stays matchable: it must hold nothing
	// Redact would mask. The id itself is not quoted.
	if minaarenden.Redact(corr) != corr {
		return "", c.newError(0, 0, "", errors.New("correlation id must not hold six or more digits in a row or a personnummer-like value (a UUID is fine)"))
	}
	return corr, nil
}

func (c *Client) queryProducer(ctx context.Context, f minaarenden.Fraga, corr string, a *Answer) {
	type result struct {
		events  []minaarenden.Kundhandelse
		version minaarenden.Version
		outcome Outcome
	}
	if len(f.Parter) == 1 {
		// One part, the usual question, is asked on this goroutine: a
		// fan-out over many producers pays no extra hop per producer.
		events, version, outcome := c.askPart(ctx, f, f.Parter[0], corr)
		if events != nil {
			a.Events = events
		}
		a.Outcomes = append(a.Outcomes, outcome)
		a.Version = version
		return
	}
	results := make([]result, len(f.Parter))
	var g errgroup.Group
	g.SetLimit(4)
	for i, part := range f.Parter {
		g.Go(func() error {
			r := &results[i]
			r.events, r.version, r.outcome = c.askPart(ctx, f, part, corr)
			return nil // a failed part is data in its outcome, never a reason to stop the others
		})
	}
	_ = g.Wait()
	for _, r := range results {
		a.Events = append(a.Events, r.events...)
		a.Outcomes = append(a.Outcomes, r.outcome)
		if a.Version == "" {
			a.Version = r.version
		}
	}
}

// askPart sends one part to a Producer endpoint and decodes the answer.
func (c *Client) askPart(ctx context.Context, f minaarenden.Fraga, part minaarenden.Part, corr string) ([]minaarenden.Kundhandelse, minaarenden.Version, Outcome) {
	out := Outcome{Producent: c.name, Part: part}
	body, filter, err := c.producerBody(f, part, corr)
	if err != nil {
		out.Err = c.newError(0, 0, corr, err)
		return nil, "", out
	}
	ex, err := c.post(ctx, body, corr, c.producerHeader(f, corr), okProducer)
	if ex != nil {
		out.HTTPCode, out.Attempts = ex.status, ex.attempts
	}
	if err != nil {
		out.Err = err
		out.Message = errorMessage(err)
		return nil, "", out
	}
	dec, derr := ex.dec, ex.decErr
	if isContextErr(derr) {
		out.Err = c.newError(ex.status, ex.attempts, corr, derr) // gave up waiting to decode
		return nil, "", out
	}
	if derr != nil {
		out.Err = c.unreadable(ctx, ex, corr, derr)
		return nil, "", out
	}
	// The decoded events are the answer's own: filtered in place, not
	// copied, in the usual case of one group.
	var events []minaarenden.Kundhandelse
	if len(dec.groups) == 1 {
		events = dec.groups[0].events[:0]
	} else {
		events = make([]minaarenden.Kundhandelse, 0, dec.count())
	}
	for _, g := range dec.groups {
		for i := range g.events {
			if len(filter) > 0 && !matchesAny(g.events[i].Typ, filter) {
				continue
			}
			g.events[i].Part = part
			events = append(events, g.events[i])
		}
	}
	out.Events = len(events)
	for i := range dec.groups {
		out.Warnings = addWarnings(out.Warnings, dec.groups[i].warnings("", true))
	}
	if dec.bad != nil {
		out.Err = c.unreadable(ctx, ex, corr, dec.bad)
	}
	return events, dec.version, out
}

func matchesAny(t minaarenden.Kundhandelsetyp, prefixes []minaarenden.Kundhandelsetyp) bool {
	for _, p := range prefixes {
		if t.HasPrefix(p) {
			return true
		}
	}
	return false
}

// joinOutcomeErrors joins the distinct errors of the outcomes: a forwarding
// request that failed as a whole shares one *Error across its parts.
func joinOutcomeErrors(outs []Outcome) error {
	var errs []error
	for _, o := range outs {
		if o.Err != nil && !containsErr(errs, o.Err) {
			errs = append(errs, o.Err)
		}
	}
	return errors.Join(errs...)
}

func containsErr(errs []error, err error) bool {
	for _, e := range errs {
		if e == err {
			return true
		}
	}
	return false
}

func errorMessage(err error) string {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Message
	}
	return ""
}

type correlationKey struct{}

// WithCorrelationID returns a context whose Query and Events calls send id
// as x-correlation-id (6.0 and on) or skv_client_correlation_id
// (forwarding): one id per consumer question, shared by every producer and
// part asked for it. Without it every Query uses a fresh UUID. The id must be
// printable ASCII, at most 200 characters, and hold nothing that could be
// a personal identity number (see minaarenden.Redact): it is sent to
// producers and logged as it is.
func WithCorrelationID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, correlationKey{}, id)
}

// Limiter bounds concurrent work. *semaphore.Weighted from
// golang.org/x/sync/semaphore satisfies it.
type Limiter interface {
	Acquire(ctx context.Context, n int64) error
	Release(n int64)
}

type limiterKey struct{}

// WithDecodeLimiter returns a context under which Query and Events decode
// only while holding one unit of l. An answer is decoded as it arrives:
// a unit is taken when a piece of it has been read and given back before
// the next is read, so reading, which is waiting on the network, holds
// none, and a producer that answers slowly keeps no one else from being
// decoded. When a fan-out gets many large answers at once, a limiter about
// the size of GOMAXPROCS decodes them a few at a time instead of all at
// once, which keeps the slowest answer's wait short. Package aggregate
// sets one for every Run.
func WithDecodeLimiter(ctx context.Context, l Limiter) context.Context {
	return context.WithValue(ctx, limiterKey{}, l)
}

// DecodeLimiterFrom returns the limiter set by WithDecodeLimiter, or nil.
func DecodeLimiterFrom(ctx context.Context) Limiter {
	l, _ := ctx.Value(limiterKey{}).(Limiter)
	return l
}

// isContextErr reports a context's error; decoding itself never returns one,
// so from decode it means the wait for a limiter slot was given up.
func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// CorrelationID returns the id set by WithCorrelationID, or "".
func CorrelationID(ctx context.Context) string {
	id, _ := ctx.Value(correlationKey{}).(string)
	return id
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails since Go 1.24
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// isLoopback reports whether host (without port) is the local machine:
// localhost or a loopback address. Only these may be asked over plain
// http without Options.AllowInsecureHTTP.
func isLoopback(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// redactURL names an endpoint without credentials or query string.
func redactURL(u *url.URL) string {
	v := *u
	v.User, v.RawQuery, v.ForceQuery, v.Fragment = nil, "", false, ""
	return v.String()
}
