package client

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/go-retryablehttp"
)

// RetryPolicy says when and how often a failed request is tried again.
// Only transport errors (an answer broken off mid-way among them) and 429,
// 502, 503 and 504 are retried; every other status, 4xx above all, is
// final at once. Nothing is retried once the context is done. The zero
// value is the default noted on each field.
type RetryPolicy struct {
	// MaxAttempts counts the first try; zero is 3, 1 (or less) never
	// retries. NoRetry is that policy.
	MaxAttempts int
	// MinBackoff and MaxBackoff bound the exponential wait between
	// attempts, of which a random half is kept (jitter, so producers that
	// failed together are not asked again together); zero is 100ms and 2s.
	MinBackoff, MaxBackoff time.Duration
	// MaxRetryAfter caps a producer's Retry-After (seconds or an HTTP
	// date); zero is 10s. When the wait would end after the context's
	// deadline the call fails at once with ErrRetryBeyondDeadline.
	MaxRetryAfter time.Duration
}

// NoRetry makes one attempt per request.
var NoRetry = RetryPolicy{MaxAttempts: 1}

func (p RetryPolicy) resolve() RetryPolicy {
	switch {
	case p.MaxAttempts == 0:
		p.MaxAttempts = 3
	case p.MaxAttempts < 0:
		p.MaxAttempts = 1
	}
	if p.MinBackoff <= 0 {
		p.MinBackoff = 100 * time.Millisecond
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = 2 * time.Second
	}
	if p.MaxBackoff < p.MinBackoff {
		p.MaxBackoff = p.MinBackoff
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = 10 * time.Second
	}
	return p
}

// wait returns how long to wait after the given failed attempt (1-based).
func (p RetryPolicy) wait(attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return min(d, p.MaxRetryAfter)
		}
	}
	d := p.MinBackoff
	for i := 1; i < attempt && d < p.MaxBackoff; i++ {
		if d > p.MaxBackoff/2 { // doubling would pass the cap (or overflow)
			d = p.MaxBackoff
			break
		}
		d *= 2
	}
	d = min(d, p.MaxBackoff)
	return d/2 + rand.N(d/2+1)
}

// retryAfter reads Retry-After as seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		if s > int64(24*time.Hour/time.Second) {
			s = int64(24 * time.Hour / time.Second) // no overflow; the cap applies anyway
		}
		return time.Duration(s) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retryableError reports whether a transport error may pass on its own.
// Certificate and handshake failures, refused redirects and a token source
// that failed will fail the same way again.
func retryableError(err error) bool {
	var (
		unknownAuthority x509.UnknownAuthorityError
		invalidCert      x509.CertificateInvalidError
		hostname         x509.HostnameError
		verify           *tls.CertificateVerificationError
		alert            tls.AlertError
		record           tls.RecordHeaderError
		token            *tokenError
		op               *net.OpError
	)
	if ae, ok := errors.AsType[*answerError](err); ok {
		return ae.retry && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
	}
	switch {
	case errors.As(err, &op) && op.Op == "remote error":
		// crypto/tls reports an alert from the peer this way: over TCP a
		// refused client certificate is "remote error: tls: certificate
		// required", not a tls.AlertError.
		return false
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, ErrRedirect), errors.Is(err, ErrTooManyRedirects),
		errors.As(err, &unknownAuthority), errors.As(err, &invalidCert), errors.As(err, &hostname),
		errors.As(err, &verify), errors.As(err, &alert), errors.As(err, &record), errors.As(err, &token):
		return false
	}
	return true
}

// DefaultIdleConnsPerHost is how many idle connections the default
// transport keeps per host: enough for a fan-out of that many concurrent
// questions (and their hedges) to one host — the forwarding service, or a
// kommun platform serving many kommuner — to reuse connections in steady
// load.
const DefaultIdleConnsPerHost = 256

// DefaultTransport returns a new transport tuned as the one every Client
// shares when Options give neither Transport nor an HTTPClient with one: a
// clone of http.DefaultTransport (proxy from the environment, TLS
// verification on, HTTP/2) that keeps DefaultIdleConnsPerHost idle
// connections per host instead of two, so steady load does not dial anew.
//
// Each call returns a transport of its own, with a pool of its own: change
// it freely (TLS settings for MTLS, a proxy) without changing what other
// clients use. The shared one is not handed out, so no caller can change
// every client's transport by accident; it is what clients get by leaving
// Options.Transport nil, and what APIKey and BearerToken use over a nil
// next. CloseIdleConnections closes its idle connections.
func DefaultTransport() *http.Transport { return newTransport() }

func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 0 // no global cap: one busy host must not evict another's
	t.MaxIdleConnsPerHost = DefaultIdleConnsPerHost
	return t
}

// sharedTransport is the transport clients share by default, so one pool of
// connections serves every client of the process.
var sharedTransport = sync.OnceValue(newTransport)

// CloseIdleConnections closes the idle connections of the transport clients
// share by default. A batch job that is done, or that counts goroutines to
// find leaks, calls it: idle connections keep goroutines alive.
func CloseIdleConnections() { sharedTransport().CloseIdleConnections() }

// keepIdle hides the shared transport's CloseIdleConnections: go-retryablehttp
// calls it on every failed request, which would drop the pooled
// connections of every other producer sharing the transport.
type keepIdle struct{ rt http.RoundTripper }

func (k keepIdle) RoundTrip(r *http.Request) (*http.Response, error) { return k.rt.RoundTrip(r) }

func newHTTPClient(base *http.Client, rt http.RoundTripper) *http.Client {
	c := &http.Client{}
	if base != nil {
		*c = *base // a shallow copy: the caller's client is left as it was
	}
	if rt == nil {
		rt = c.Transport
	}
	if rt == nil {
		rt = sharedTransport()
	}
	c.Transport = keepIdle{rt}
	next := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !sameOrigin(req.URL, via[0].URL) {
			return fmt.Errorf("%w: it leads to another host", ErrRedirect)
		}
		if req.Method != via[0].Method {
			// 301, 302 and 303 turn the POST into a GET without the
			// question; only 307 and 308 keep it.
			return fmt.Errorf("%w: a %s redirect would resend the %s as %s", ErrRedirect, redirectStatus(req), via[0].Method, req.Method)
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return ErrTooManyRedirects
		}
		return nil
	}
	return c
}

// redirectStatus names the status that caused a redirect, for errors.
func redirectStatus(req *http.Request) string {
	if req.Response != nil {
		return strconv.Itoa(req.Response.StatusCode)
	}
	return "3xx"
}

// sameOrigin compares scheme, host and port, with default ports filled in.
func sameOrigin(a, b *url.URL) bool {
	return a.Scheme == b.Scheme && hostPort(a) == hostPort(b)
}

func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// exchange is one answered attempt chain.
type exchange struct {
	status   int
	attempts int
	// dec is the answer, decoded as it arrived; decErr says why it could
	// not be, when the reason is the answer's content (not JSON at all)
	// or the wait for a unit of the decode limiter, neither worth
	// another attempt.
	dec    *decoded
	decErr error
}

func okProducer(status int) bool { return status == http.StatusOK }
func okForwarding(status int) bool {
	return status == http.StatusOK || status == http.StatusPartialContent
}

const maxErrorBody = 64 << 10

// newRetrier returns the retry client c's requests share. Its hooks are
// plain functions: what they learn of one request's attempts lives in
// that request's attemptChain, found on its context.
func newRetrier(c *Client) *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient: c.http,
		Logger:     nil, // its own logger writes URLs to stderr
		// checkRetry counts attempts against the policy; RetryMax only
		// keeps the library's own counter out of the way.
		RetryMax:       c.retry.MaxAttempts,
		RequestLogHook: startAttempt,
		CheckRetry:     checkRetry,
		// The wait is slept in backOff: Backoff is not told which request
		// it is for when an attempt failed without a response.
		Backoff:      func(time.Duration, time.Duration, int, *http.Response) time.Duration { return 0 },
		PrepareRetry: backOff,
		ErrorHandler: keepErrorBody,
	}
}

// attemptChain is one request's attempts: the shared retry client's hooks
// keep their count and read the answer into it.
type attemptChain struct {
	c        *Client
	ctx      context.Context // the caller's, with its decode limiter
	corr     string
	ok       func(status int) bool
	attempts int
	last     int           // the status of the latest attempt, 0 when none arrived
	wait     time.Duration // before the next attempt, as checkRetry chose it
	start    time.Time     // of the latest attempt
	dec      *decoded      // the latest attempt's answer
	decErr   error
	// handled marks CheckRetry's second call for one attempt: the
	// library asks again after every run of the response handler.
	handled bool
	// waitCut is set when the context ended during a wait: the library
	// then still holds the last (already drained) error answer, which the
	// chain's failure does not read.
	waitCut bool
}

type chainKey struct{}

func chainOf(ctx context.Context) *attemptChain { return ctx.Value(chainKey{}).(*attemptChain) }

// startAttempt notes when an attempt begins, for its log line.
func startAttempt(_ retryablehttp.Logger, r *http.Request, _ int) {
	chainOf(r.Context()).start = time.Now()
}

// checkRetry counts and logs an attempt, then decides on another as the
// client's RetryPolicy says, choosing the wait before it.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	ch := chainOf(ctx)
	c := ch.c
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	if !ch.handled {
		ch.attempts++
		ch.last = status
		c.log.LogAttrs(ctx, slog.LevelDebug, "minaarenden: attempt",
			slog.String("producer", c.name), slog.Int("attempt", ch.attempts), slog.Int("status", status),
			slog.Duration("duration", time.Since(ch.start)), slog.String("correlation_id", ch.corr))
	}
	ch.handled = false
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if ch.attempts >= c.retry.MaxAttempts {
		return false, nil
	}
	if err != nil && !retryableError(err) || err == nil && !retryableStatus(status) {
		return false, nil
	}
	ch.wait = c.retry.wait(ch.attempts, resp)
	if dl, has := ctx.Deadline(); has && time.Now().Add(ch.wait).After(dl) {
		return false, ErrRetryBeyondDeadline
	}
	c.log.LogAttrs(ctx, slog.LevelInfo, "minaarenden: retrying",
		slog.String("producer", c.name), slog.Int("attempt", ch.attempts), slog.Int("status", status),
		slog.Duration("wait", ch.wait), slog.String("correlation_id", ch.corr))
	return true, nil
}

// backOff waits before another attempt, or until the context ends.
func backOff(r *http.Request) error {
	ch := chainOf(r.Context())
	t := time.NewTimer(ch.wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-r.Context().Done():
		ch.waitCut = true
		return r.Context().Err()
	}
}

// readResponse takes in a good status's answer inside the retry loop: a
// connection that breaks off mid-answer is a transport failure like any
// other and is retried.
func (ch *attemptChain) readResponse(resp *http.Response) error {
	ch.handled = true
	if !ch.ok(resp.StatusCode) {
		return nil // an error status: read after the loop, for the *Error
	}
	var err error
	ch.dec, ch.decErr, err = ch.c.readAnswer(ch.ctx, resp)
	return err
}

// post sends body with header, retrying as c.retry says, and returns the
// answer when its status is ok, or a *Error. The returned exchange is
// non-nil whenever an attempt was made, so callers can report status and
// attempts.
func (c *Client) post(ctx context.Context, body []byte, corr string, header http.Header, ok func(int) bool) (*exchange, error) {
	ch := &attemptChain{c: c, ctx: ctx, corr: corr, ok: ok}
	req, err := retryablehttp.NewRequestWithContext(context.WithValue(ctx, chainKey{}, ch), http.MethodPost, c.target, body)
	if err != nil {
		return nil, c.newError(0, 0, corr, err)
	}
	req.Header = header
	req.SetResponseHandler(ch.readResponse)
	chainFrom := time.Now()
	resp, err := c.retrier.Do(req)
	if ch.waitCut {
		resp = nil // as though the wait had been the library's own
	}
	attempts := ch.attempts
	// A context that ends during a backoff leaves no response, yet the
	// producer did answer: keep the status it last gave.
	ex := &exchange{attempts: attempts, status: ch.last}
	if resp != nil {
		ex.status = resp.StatusCode
	}
	fail := func(e *Error) (*exchange, error) {
		c.log.LogAttrs(ctx, slog.LevelWarn, "minaarenden: request failed",
			slog.String("producer", c.name), slog.Int("attempt", attempts), slog.Int("status", ex.status),
			slog.Duration("duration", time.Since(chainFrom)), slog.String("correlation_id", corr),
			slog.String("error", e.Error()))
		return ex, e
	}
	if err != nil {
		if ae, reading := errors.AsType[*answerError](err); reading {
			return fail(c.newError(ex.status, attempts, corr, ae.err))
		}
		e := c.newError(ex.status, attempts, corr, cleanTransportError(err, c.endpoint))
		if resp != nil {
			e.Message, e.Problem = readProblem(resp)
		}
		return fail(e)
	}
	defer resp.Body.Close()
	if !ok(resp.StatusCode) {
		e := c.newError(resp.StatusCode, attempts, corr, nil)
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			e.Err = ErrUnexpectedStatus
		}
		e.Message, e.Problem = readProblem(resp)
		return fail(e)
	}
	ex.dec, ex.decErr = ch.dec, ch.decErr
	c.log.LogAttrs(ctx, slog.LevelDebug, "minaarenden: answered",
		slog.String("producer", c.name), slog.Int("attempt", attempts), slog.Int("status", ex.status),
		slog.Duration("duration", time.Since(chainFrom)), slog.String("correlation_id", corr))
	return ex, nil
}

// newHeader returns one request's headers: those every request of c
// carries, then extra as name, value pairs, each name in canonical form
// (as http.CanonicalHeaderKey writes it). The values share one array, so
// a request's headers cost three allocations rather than one per header.
func (c *Client) newHeader(extra ...string) http.Header {
	n := 4 + len(extra)/2
	values := make([]string, 0, n)
	h := make(http.Header, n)
	add := func(name, value string) {
		values = append(values, value)
		h[name] = values[len(values)-1 : len(values) : len(values)]
	}
	add("Content-Type", "application/json")
	add("Accept", "application/json, application/problem+json")
	add("User-Agent", userAgent)
	if c.lang != "" {
		add("Accept-Language", c.lang)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		add(extra[i], extra[i+1])
	}
	return h
}

// answerError is a failure to take in a good status's answer. Only a broken
// connection is worth another attempt; a wrong content type or an answer
// over the limit will be the same next time.
type answerError struct {
	err   error
	retry bool
}

func (e *answerError) Error() string { return e.err.Error() }
func (e *answerError) Unwrap() error { return e.err }

// readAnswer checks a good status's answer and decodes it as it arrives,
// and closes its body. An error is for the retry loop (an *answerError, a
// broken connection worth another attempt or not); decErr is a decode
// that failed on the answer's content, or on the wait for the decode
// limiter, kept for the caller.
func (c *Client) readAnswer(ctx context.Context, resp *http.Response) (dec *decoded, decErr, err error) {
	defer resp.Body.Close()
	if mt := mediaType(resp); !isJSON(mt) || mt == "application/problem+json" {
		ct := resp.Header.Get("Content-Type")
		ct = redact(ct) // before the cut, which could leave digits too few to mask
		if len(ct) > 64 {
			ct = ct[:64]
		}
		return nil, nil, &answerError{err: fmt.Errorf("%w (got %q)", ErrContentType, ct)}
	}
	if resp.ContentLength > c.maxBytes {
		return nil, nil, &answerError{err: fmt.Errorf("%w (Content-Length %d, limit %d)", ErrResponseTooLarge, resp.ContentLength, c.maxBytes)}
	}
	body, err := uncompressed(resp)
	if err != nil {
		return nil, nil, err
	}
	size := resp.ContentLength
	if _, gunzipped := body.(*gzip.Reader); gunzipped {
		size = -1 // the length was the compressed one
	}
	contentType := resp.Header.Get("Content-Type")
	if windows1252Labels[charsetLabel(contentType)] {
		// A body that may be Windows-1252 is only known to be UTF-8 or
		// not once read whole.
		whole, err := c.readWhole(body, size)
		if err == nil {
			whole, err = utf8Body(whole, contentType)
		}
		if err != nil {
			return nil, nil, err
		}
		dec, decErr = c.decodeWhole(ctx, whole)
		return dec, decErr, nil
	}
	src := &source{r: body, max: c.maxBytes, ctx: ctx, limiter: DecodeLimiterFrom(ctx)}
	dec, err = decodeStream(src, size, c.zone, c.maxEvents)
	src.done()
	if se, ok := errors.AsType[*sourceError](err); ok {
		return nil, nil, readError(se.err)
	}
	switch {
	case errors.Is(err, errTooLarge):
		return nil, nil, &answerError{err: fmt.Errorf("%w (limit %d bytes)", ErrResponseTooLarge, c.maxBytes)}
	case errors.Is(err, errNotUTF8):
		return nil, nil, notUTF8(contentType)
	}
	return dec, err, nil
}

// readWhole reads a body whole, within the client's limit.
func (c *Client) readWhole(body io.Reader, size int64) ([]byte, error) {
	var buf bytes.Buffer
	if size > 0 {
		// ReadFrom wants bytes.MinRead free before every read, the one that
		// finds EOF too: without room for it a full buffer doubles, copying
		// the whole body, just to learn it has ended.
		buf.Grow(int(size) + bytes.MinRead)
	}
	// The limit counts bytes after gunzipping: a small gzip body can
	// inflate a thousandfold.
	n, err := buf.ReadFrom(io.LimitReader(body, c.maxBytes+1))
	if err != nil {
		return nil, readError(err)
	}
	if n > c.maxBytes {
		return nil, &answerError{err: fmt.Errorf("%w (limit %d bytes)", ErrResponseTooLarge, c.maxBytes)}
	}
	return buf.Bytes(), nil
}

// decodeWhole decodes a body read whole, holding a unit of the context's
// decode limiter if it has one.
func (c *Client) decodeWhole(ctx context.Context, body []byte) (*decoded, error) {
	if l := DecodeLimiterFrom(ctx); l != nil {
		if err := l.Acquire(ctx, 1); err != nil {
			return nil, err
		}
		defer l.Release(1)
	}
	return decodeAnswerLimit(body, c.zone, c.maxEvents)
}

// utf8Body returns body as UTF-8. JSON is UTF-8 (RFC 8259), and a body that
// is valid UTF-8 is taken as such whatever charset its Content-Type claims.
// A body that is not is read as Windows-1252 when its charset is any label
// the WHATWG Encoding standard gives that encoding — ISO-8859-1, latin1
// and US-ASCII among them (older Swedish systems write å, ä and ö as single
// bytes, and a Windows one labelled ISO-8859-1 writes ’ and € in
// 0x80–0x9F) — and refused by name otherwise, rather than decoded into
// replacement characters.
func utf8Body(body []byte, contentType string) ([]byte, error) {
	if utf8.Valid(body) {
		return body, nil
	}
	if !windows1252Labels[charsetLabel(contentType)] {
		return nil, notUTF8(contentType)
	}
	out := make([]byte, 0, len(body)+len(body)/8)
	for _, b := range body {
		r := rune(b)
		if b >= 0x80 && b < 0xA0 {
			r = cp1252[b-0x80]
		}
		out = utf8.AppendRune(out, r)
	}
	return out, nil
}

// charsetLabel is a Content-Type's charset as the Encoding standard's "get
// an encoding" compares it: ASCII whitespace trimmed, case folded.
func charsetLabel(contentType string) string {
	return strings.ToLower(strings.Trim(charset(contentType), "\t\n\f\r "))
}

// notUTF8 refuses a body that is not UTF-8, naming the charset it claimed.
func notUTF8(contentType string) error {
	cs := charsetLabel(contentType)
	if cs == "" {
		cs = "none given"
	}
	cs = redact(cs) // before the cut, which could leave digits too few to mask
	if len(cs) > 32 {
		cs = strings.ToValidUTF8(cs[:32], "")
	}
	return &answerError{err: fmt.Errorf("%w: the body is not UTF-8 (charset %s)", ErrMalformedAnswer, cs)}
}

// charset returns the charset parameter of a Content-Type. A label with a
// character MIME reserves, unquoted (charset=iso_8859-1:1987), fails
// mime.ParseMediaType; it is then read as browsers read it.
func charset(contentType string) string {
	if _, params, err := mime.ParseMediaType(contentType); err == nil {
		return params["charset"]
	}
	for _, p := range strings.Split(contentType, ";")[1:] {
		if k, v, ok := strings.Cut(p, "="); ok && strings.EqualFold(strings.TrimSpace(k), "charset") {
			return strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return ""
}

// windows1252Labels are the labels of windows-1252 in the WHATWG Encoding
// standard (https://encoding.spec.whatwg.org/#names-and-labels), lower case.
var windows1252Labels = map[string]bool{
	"ansi_x3.4-1968": true, "ascii": true, "cp1252": true, "cp819": true, "csisolatin1": true,
	"ibm819": true, "iso-8859-1": true, "iso-ir-100": true, "iso8859-1": true, "iso88591": true,
	"iso_8859-1": true, "iso_8859-1:1987": true, "l1": true, "latin1": true, "us-ascii": true,
	"windows-1252": true, "x-cp1252": true,
}

// cp1252 is what Windows-1252 puts in 0x80–0x9F; the five bytes it leaves
// undefined keep their ISO-8859-1 meaning, as in the WHATWG table.
var cp1252 = [32]rune{
	'€', 0x81, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0x8D, 'Ž', 0x8F,
	0x90, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0x9D, 'ž', 'Ÿ',
}

// mediaType is the response's media type, lower case, without parameters
// (a malformed parameter does not hide the type).
func mediaType(resp *http.Response) string {
	ct := resp.Header.Get("Content-Type")
	if ct == "application/json" {
		return ct // the usual answer, without parsing
	}
	mt, _, _ := mime.ParseMediaType(ct)
	return mt
}

// isJSON accepts application/json and any structured +json type (RFC
// 6839): producers behind API gateways answer application/hal+json or a
// vendor type. A problem+json on a good status is still no answer.
func isJSON(mt string) bool {
	return mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")
}

// uncompressed returns the body as sent before any Content-Encoding. The
// transport gunzips only when it asked for gzip itself; a producer may send
// gzip unasked, or the caller's transport may not ask (DisableCompression),
// and such an answer is read all the same. Other encodings are refused
// by name rather than read as malformed JSON.
func uncompressed(resp *http.Response) (io.Reader, error) {
	switch enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
		return resp.Body, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(resp.Body)
		if err == io.EOF {
			// No body at all, not a gzip stream cut short: read it as the
			// empty answer it is, as net/http does when it gunzips.
			return http.NoBody, nil
		}
		if err != nil {
			return nil, readError(err)
		}
		return zr, nil
	default:
		enc = redact(enc) // before the cut, which could leave digits too few to mask
		if len(enc) > 32 {
			enc = enc[:32]
		}
		return nil, &answerError{err: fmt.Errorf("%w: Content-Encoding %q is not supported", ErrContentType, enc)}
	}
}

// readError classes a failure to read an answer's body: a gzip stream that
// is no gzip will be the same next time; anything else (a connection
// broken off, a body shorter than its Content-Length, a chunked body cut)
// is a transport failure and retried.
func readError(err error) error {
	var corrupt flate.CorruptInputError
	if errors.Is(err, gzip.ErrHeader) || errors.Is(err, gzip.ErrChecksum) || errors.As(err, &corrupt) {
		return &answerError{err: fmt.Errorf("%w: gzip: %w", ErrMalformedAnswer, err)}
	}
	return &answerError{err: fmt.Errorf("reading answer: %w", err), retry: true}
}

// keepErrorBody replaces go-retryablehttp's default error handler, which
// drains and drops the body: the producer's {"message"} or problem is kept
// (bounded) for the *Error.
func keepErrorBody(resp *http.Response, err error, _ int) (*http.Response, error) {
	if resp != nil {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(b))
	}
	return resp, err
}

// readProblem reads an error body: the standard's {"message"} or an RFC
// 9457 problem. Any other body is ignored: it may be a gateway's HTML page,
// and nothing from it is worth a log line.
func readProblem(resp *http.Response) (string, *Problem) {
	mt := mediaType(resp)
	if !isJSON(mt) {
		return "", nil
	}
	body, err := uncompressed(resp)
	if err != nil {
		return "", nil
	}
	b, _ := io.ReadAll(io.LimitReader(body, maxErrorBody))
	b = bytes.TrimPrefix(b, bom)
	if u, err := utf8Body(b, resp.Header.Get("Content-Type")); err == nil {
		b = u // a message in the charset the answers come in, as they are read
	}
	var w struct {
		Message string `json:"message"`
		Problem
	}
	if json.Unmarshal(b, &w) != nil {
		return "", nil
	}
	msg := redact(w.Message)
	if mt != "application/problem+json" && w.Type == "" && w.Title == "" && w.Detail == "" {
		return msg, nil
	}
	p := &Problem{Type: redact(w.Type), Title: redact(w.Title), Status: w.Status, Detail: redact(w.Detail), Instance: redact(w.Instance)}
	if msg == "" {
		msg = p.Detail
	}
	if msg == "" {
		msg = p.Title
	}
	return msg, p
}

// cleanTransportError keeps a *url.Error (for callers that check Timeout)
// but names the endpoint without its query string.
func cleanTransportError(err error, endpoint string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: endpoint, Err: ue.Err}
	}
	return err
}

// unreadable reports an answer that arrived but could not (all) be read.
func (c *Client) unreadable(ctx context.Context, ex *exchange, corr string, err error) *Error {
	e := c.newError(ex.status, ex.attempts, corr, err)
	c.log.LogAttrs(ctx, slog.LevelWarn, "minaarenden: answer unreadable",
		slog.String("producer", c.name), slog.Int("attempt", ex.attempts), slog.Int("status", ex.status),
		slog.String("correlation_id", corr), slog.String("error", e.Error()))
	return e
}

func (c *Client) newError(status, attempts int, corr string, err error) *Error {
	return &Error{Endpoint: c.endpoint, Producent: c.name, HTTPCode: status, Attempts: attempts, CorrelationID: corr, Err: err}
}
