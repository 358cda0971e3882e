package clienttest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/client"
)

// DefaultBasePath is where a Handler serves when Config.BasePath is empty.
// It is deliberately not "/", so a client that builds an absolute path
// instead of joining it to its base URL gets a loud 404.
const DefaultBasePath = "/mina-arenden/v1"

// Config describes one stand-in endpoint.
type Config struct {
	// Dialect is the API served: client.Producer (POST {base}/kundhandelser)
	// or client.Forwarding (POST {base}/kundhandelseFragaSynkron).
	Dialect client.Dialect
	// Version is the standard version a producer speaks: the request shape
	// it demands and the answer shape it writes. Zero means 6.1. Behind a
	// forwarding service it is the version stamped on the producer's events.
	Version minaarenden.Version
	// Producent is the producer's name, used for delfragor and
	// SetProducerFault, and for events that leave Producent empty. Empty
	// means the first event's producent.
	Producent string
	// Events are the producer's events. Each event's Part says whose it is:
	// a question's part matches it when every kund and ärende the question
	// names is the event's own (a question without tillagg covers every
	// tillagg).
	Events []minaarenden.Kundhandelse
	// Taggar are the producer-defined tags: each tag points out the
	// kundhändelsetyper under the listed type prefixes.
	Taggar map[string][]minaarenden.Kundhandelsetyp
	// Producers are the producers behind a forwarding service, each with
	// its own Events, Taggar and Version. When a forwarding Config has no
	// Producers, the Config itself is its only producer.
	Producers []Config
	// BasePath is the path the API lives under; empty means
	// DefaultBasePath, "/" means the root.
	BasePath string
	// Zone is the zone a producer writes its zoneless tidpunkt in; nil
	// means Europe/Stockholm.
	Zone *time.Location
	// ProducerTimeout is how long a forwarding service waits for a producer
	// before it reports the producer's delfrågor as failed with 504 (status
	// TIMEOUT). Zero means no timeout: a slow producer is waited for, a
	// stalled one until the request is cancelled.
	ProducerTimeout time.Duration
	// RecordLimit is how many of the most recent requests Requests keeps:
	// zero means 1000, negative means none (for benchmarks).
	RecordLimit int
}

// Fault is a misbehaviour injected into answers. The zero Fault is none.
// Latency and Stall come first; then Status answers with an error;
// EndlessPages replaces a forwarding service's answer; the body faults
// (Truncate, Malformed, ResetMidBody, Oversize, SlowBody, ContentType)
// alter an otherwise good answer.
type Fault struct {
	// Latency delays the answer; a cancelled request ends the wait.
	Latency time.Duration
	// Stall never answers; the handler returns when the request's context
	// is done.
	Stall bool
	// HTTPCode, when non-zero, answers with this status and the standard's
	// error body {"message": "<Reason>[: Message]"}, or an RFC 9457 problem
	// when Problem is set. RetryAfter, when set, is sent as Retry-After.
	HTTPCode   int
	Message    string
	Problem    bool
	RetryAfter string
	// Truncate cuts the answer in the middle: a valid start, no end.
	Truncate bool
	// Malformed answers with a body that is not JSON, under a JSON
	// Content-Type.
	Malformed bool
	// ResetMidBody sends half the body and then closes the connection.
	ResetMidBody bool
	// Oversize pads the body with leading whitespace (still valid JSON) to
	// this many bytes.
	Oversize int64
	// SlowBody dribbles the body out in ten pieces spread over this time.
	SlowBody time.Duration
	// ContentType replaces the answer's Content-Type.
	ContentType string
	// EndlessPages makes a forwarding service that always has one more
	// page: every part asked gets a full page (paginering.limit events,
	// 1000 without paginering) of the events that match it, repeated
	// round after round under fresh kundhandelseIds ("<id>~<round>"), and
	// a totaltAntalKundhandelser a page past it. A part nothing matches
	// gets none. Producer faults do not apply to such a page. It is the
	// forwarding service's own fault: SetFault on a producer, and
	// SetProducerFault, panic on it.
	EndlessPages bool
	// Times applies the fault to the first Times requests only; zero means
	// every request. Counting starts when the fault is set.
	Times int
}

// Request is one request as the handler received it.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

// Handler is the stand-in endpoint as an http.Handler, for tests that serve
// it on their own listener. It is safe for concurrent use.
type Handler struct {
	dialect   client.Dialect
	version   minaarenden.Version
	path      string // BasePath + the operation
	basePath  string
	producers []*producer
	byName    map[string]*producer
	ordered   []*event // forwarding: every producer's events in baseOrder
	timeout   time.Duration
	limit     int

	fault atomic.Pointer[faultState]

	mu       sync.Mutex
	requests []Request // a ring; the oldest is at next once it is full
	next     int
	count    int
}

// producer is one producer's events, prepared once so that answering is
// filtering plus copying pre-encoded bytes.
type producer struct {
	name    string
	version minaarenden.Version
	taggar  map[string][]minaarenden.Kundhandelsetyp
	events  []*event
	fault   atomic.Pointer[faultState]
}

type faultState struct {
	Fault
	used atomic.Int64
}

// take reports whether the fault applies to one more request.
func (f *faultState) take() bool {
	if f == nil {
		return false
	}
	return f.Times <= 0 || f.used.Add(1) <= int64(f.Times)
}

// NewHandler builds a stand-in endpoint from cfg.
func NewHandler(cfg Config) (*Handler, error) {
	h := &Handler{dialect: cfg.Dialect, version: cfg.Version, timeout: cfg.ProducerTimeout, limit: cfg.RecordLimit}
	if h.version == "" {
		h.version = minaarenden.V6_1
	}
	if !h.version.Known() {
		return nil, fmt.Errorf("clienttest: unknown version %q", cfg.Version)
	}
	if h.limit == 0 {
		h.limit = 1000
	}
	h.basePath = cfg.BasePath
	if h.basePath == "" {
		h.basePath = DefaultBasePath
	}
	h.basePath = strings.TrimRight(h.basePath, "/")
	if h.basePath != "" && !strings.HasPrefix(h.basePath, "/") {
		return nil, fmt.Errorf("clienttest: BasePath %q must start with /", cfg.BasePath)
	}
	h.byName = map[string]*producer{}
	switch cfg.Dialect {
	case client.Producer:
		if len(cfg.Producers) > 0 {
			return nil, errors.New("clienttest: Producers is for the Forwarding dialect")
		}
		h.path = h.basePath + "/kundhandelser"
		p, err := newProducer(cfg)
		if err != nil {
			return nil, err
		}
		h.producers = []*producer{p}
	case client.Forwarding:
		h.path = h.basePath + "/kundhandelseFragaSynkron"
		cfgs := cfg.Producers
		if len(cfgs) == 0 {
			cfgs = []Config{cfg}
		}
		for _, pc := range cfgs {
			if len(pc.Producers) > 0 {
				return nil, errors.New("clienttest: a producer behind a forwarding service has no Producers of its own")
			}
			p, err := newProducer(pc)
			if err != nil {
				return nil, err
			}
			if _, dup := h.byName[p.name]; dup {
				return nil, fmt.Errorf("clienttest: producer %q is listed twice", p.name)
			}
			h.producers = append(h.producers, p)
			h.byName[p.name] = p
		}
	default:
		return nil, fmt.Errorf("clienttest: unknown dialect %v", cfg.Dialect)
	}
	for i, p := range h.producers {
		h.byName[p.name] = p
		for _, e := range p.events {
			e.producer = i
			h.ordered = append(h.ordered, e)
		}
	}
	slices.SortFunc(h.ordered, baseOrder)
	for i, e := range h.ordered {
		e.order = i
	}
	return h, nil
}

func newProducer(cfg Config) (*producer, error) {
	p := &producer{name: cfg.Producent, version: cfg.Version, taggar: cfg.Taggar}
	if p.version == "" {
		p.version = minaarenden.V6_1
	}
	if !p.version.Known() {
		return nil, fmt.Errorf("clienttest: unknown version %q", cfg.Version)
	}
	if p.name == "" && len(cfg.Events) > 0 {
		p.name = cfg.Events[0].Producent
	}
	if p.name == "" {
		p.name = "Producent"
	}
	zone := cfg.Zone
	if zone == nil {
		zone = minaarenden.Stockholm()
	}
	for i, k := range cfg.Events {
		if k.KundhandelseID == "" {
			return nil, fmt.Errorf("clienttest: %s event %d has no kundhandelseId", p.name, i)
		}
		if k.Tidpunkt.IsZero() {
			return nil, fmt.Errorf("clienttest: %s event %q has no tidpunkt", p.name, k.KundhandelseID)
		}
		if k.Part.Kund == nil && k.Part.Arende == nil {
			return nil, fmt.Errorf("clienttest: %s event %q has no Part, so no question can match it", p.name, k.KundhandelseID)
		}
		if k.Producent == "" {
			k.Producent = p.name
		}
		e, err := prepare(k, p.version, zone)
		if err != nil {
			return nil, fmt.Errorf("clienttest: %s event %q: %w", p.name, k.KundhandelseID, err)
		}
		p.events = append(p.events, e)
	}
	return p, nil
}

// SetFault makes the endpoint itself misbehave: the producer, or the
// forwarding service as a whole. The zero Fault clears it.
func (h *Handler) SetFault(f Fault) {
	if f.EndlessPages && h.dialect != client.Forwarding {
		panic("clienttest: EndlessPages is a forwarding service's fault; a producer does not page")
	}
	h.fault.Store(newFaultState(f))
}

// SetProducerFault makes one producer behind a forwarding service misbehave:
// a Status or a body fault fails its delfrågor (the answer becomes 206 with
// the failure in delfragor), Latency and SlowBody delay the whole answer,
// and Stall (or a delay beyond Config.ProducerTimeout) fails its delfrågor
// with 504 once the timeout passes. For the producer dialect it is SetFault
// when producent names the producer. The zero Fault clears it.
func (h *Handler) SetProducerFault(producent string, f Fault) {
	p, ok := h.byName[producent]
	if !ok {
		panic(fmt.Sprintf("clienttest: no producer %q", producent))
	}
	if h.dialect == client.Producer {
		h.SetFault(f)
		return
	}
	if f.EndlessPages {
		panic("clienttest: EndlessPages is the forwarding service's own fault; use SetFault")
	}
	p.fault.Store(newFaultState(f))
}

func newFaultState(f Fault) *faultState {
	if f == (Fault{}) {
		return nil
	}
	return &faultState{Fault: f}
}

// Requests returns the most recent requests received, oldest first.
func (h *Handler) Requests() []Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]Request, 0, len(h.requests))
	out = append(out, h.requests[h.next:]...)
	return append(out, h.requests[:h.next]...)
}

// RequestCount returns how many requests have arrived, recorded or not.
func (h *Handler) RequestCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.count
}

// record keeps r in a ring of the last h.limit requests, so a long
// benchmark neither grows memory nor copies the record on every request.
func (h *Handler) record(r *http.Request, body []byte) {
	req := Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.count++
	switch {
	case h.limit < 0:
	case len(h.requests) < h.limit:
		h.requests = append(h.requests, req)
	default:
		h.requests[h.next] = req
		h.next = (h.next + 1) % h.limit
	}
}

// buffers holds answer buffers between requests: answers are built by
// copying pre-encoded events, and a hundred concurrent clients should not
// mean a hundred fresh buffers per round.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxRequestBody bounds what a handler reads of a request.
const maxRequestBody = 1 << 20

// ServeHTTP answers one request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	h.record(r, body)
	if err != nil {
		return // the client went away mid-request
	}
	var f *Fault
	if fs := h.fault.Load(); fs.take() {
		f = &fs.Fault
	}
	if f != nil {
		if f.Stall {
			<-r.Context().Done()
			return
		}
		if f.Latency > 0 && !sleep(r, f.Latency) {
			return
		}
		if f.HTTPCode != 0 {
			writeFault(w, f)
			return
		}
	}
	if e := h.route(r); e != nil {
		writeError(w, e)
		return
	}
	if len(body) > maxRequestBody {
		writeError(w, badRequest("the body is larger than %d bytes", maxRequestBody))
		return
	}
	answer := buffers.Get().(*bytes.Buffer)
	defer func() {
		answer.Reset()
		buffers.Put(answer)
	}()
	var (
		status = http.StatusOK
		e      *httpError
	)
	switch {
	case h.dialect == client.Producer:
		e = h.answerProducer(r, body, answer)
	case f != nil && f.EndlessPages:
		e = h.answerEndless(r, body, answer)
	default:
		status, e = h.answerForwarding(r, body, answer)
	}
	if e != nil {
		writeError(w, e)
		return
	}
	// Correlation ids come back, so a client can match logs on both sides.
	for _, name := range []string{"x-correlation-id", "skv_client_correlation_id"} {
		if id := r.Header.Get(name); id != "" {
			w.Header().Set(name, id)
		}
	}
	writeAnswer(w, r, status, answer.Bytes(), f)
}

// route checks path, method and Content-Type, in the order a gateway does.
func (h *Handler) route(r *http.Request) *httpError {
	if r.URL.Path != h.path {
		return &httpError{status: http.StatusNotFound}
	}
	if r.Method != http.MethodPost {
		return &httpError{status: http.StatusMethodNotAllowed}
	}
	if !isJSON(r.Header.Get("Content-Type")) {
		return &httpError{status: http.StatusUnsupportedMediaType, detail: "Content-Type must be application/json"}
	}
	return nil
}

// sleep waits d or until the request is cancelled; it reports whether the
// wait ran to the end.
func sleep(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// Server is a Handler on an httptest server.
type Server struct {
	// URL is the base URL to give a client: the server's address plus
	// BasePath.
	URL     string
	Handler *Handler
	server  *httptest.Server
}

// NewServer starts a Handler for cfg on a local httptest server. Close it
// when done.
func NewServer(cfg Config) (*Server, error) { return newServer(cfg, false) }

// NewTLSServer is NewServer over TLS; Client returns an *http.Client that
// trusts it.
func NewTLSServer(cfg Config) (*Server, error) { return newServer(cfg, true) }

func newServer(cfg Config, tls bool) (*Server, error) {
	h, err := NewHandler(cfg)
	if err != nil {
		return nil, err
	}
	var ts *httptest.Server
	if tls {
		ts = httptest.NewTLSServer(h)
	} else {
		ts = httptest.NewServer(h)
	}
	// A handler that aborts mid-body on purpose is not worth a log line.
	ts.Config.ErrorLog = nil
	return &Server{URL: ts.URL + h.basePath, Handler: h, server: ts}, nil
}

// Client returns an *http.Client set up for the server (trusting its
// certificate for a TLS server).
func (s *Server) Client() *http.Client { return s.server.Client() }

// Close shuts the server down, cancelling stalled requests first.
func (s *Server) Close() {
	s.server.CloseClientConnections()
	s.server.Close()
}

// Start is NewServer for tests: it fails tb on a bad Config and closes the
// server when the test ends.
func Start(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	s, err := NewServer(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

// httpError is an error answer in the standard's form.
type httpError struct {
	status int
	detail string
}

func badRequest(format string, args ...any) *httpError {
	return &httpError{status: http.StatusBadRequest, detail: fmt.Sprintf(format, args...)}
}

// reason is the standard's sentence-case reason phrase ("Bad request",
// "Method not allowed"), as Skatteverket's API definition writes them.
func reason(status int) string {
	s := http.StatusText(status)
	if s == "" {
		return "Error"
	}
	return s[:1] + strings.ToLower(s[1:])
}

func writeError(w http.ResponseWriter, e *httpError) {
	msg := reason(e.status)
	if e.detail != "" {
		msg += ": " + e.detail
	}
	if e.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", http.MethodPost)
	}
	writeJSON(w, e.status, "application/json", map[string]string{"message": msg})
}

func writeFault(w http.ResponseWriter, f *Fault) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	if f.Problem {
		writeJSON(w, f.HTTPCode, "application/problem+json", problem{
			Type: "about:blank", Title: reason(f.HTTPCode), Status: f.HTTPCode, Detail: f.Message,
		})
		return
	}
	writeError(w, &httpError{status: f.HTTPCode, detail: f.Message})
}

// problem is an RFC 9457 problem document.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	var b bytes.Buffer
	_ = jsonEncoder(&b).Encode(v) // maps and flat structs of strings cannot fail
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", fmt.Sprint(b.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}
