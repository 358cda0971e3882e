package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/flow"
)

// Limits of the -serve API. The write timeout leaves room for the slowest
// producer (the -timeout per source) plus encoding.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	idleTimeout       = 60 * time.Second
	maxHeaderBytes    = 16 << 10
	maxBodyBytes      = 16 << 10
	shutdownTimeout   = 5 * time.Second
	// answerSlack is what a question may take beyond -timeout: placing its
	// events and writing the answer run under the same deadline.
	answerSlack = 5 * time.Second
	// maxInFlight bounds the questions answered at once; each fans out to
	// every producer, so a burst beyond it is told to come back (503).
	maxInFlight = 32
	// retryAfter is the Retry-After of that 503, in seconds.
	retryAfter = "1"
)

// apiConfig is what the API needs beyond the service.
type apiConfig struct {
	timeout     time.Duration // -timeout, per producer
	token       string        // the bearer token every request must carry; "" for none (loopback only)
	maxInFlight int
}

// serve runs the JSON API on addr until ctx is done. Without a token it
// listens on loopback only: anyone who can reach the API can ask about any
// company.
func serve(ctx context.Context, svc *service, addr string, cfg apiConfig, stderr io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	// The flag was checked, but a name such as localhost can resolve
	// anywhere: what counts is the address actually bound.
	if tcp, ok := ln.Addr().(*net.TCPAddr); cfg.token == "" && (!ok || !tcp.IP.IsLoopback()) {
		ln.Close()
		return errors.New(beyondLoopback)
	}
	if cfg.maxInFlight <= 0 {
		cfg.maxInFlight = maxInFlight
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	srv := &http.Server{
		Handler:           svc.api(log, cfg),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      cfg.timeout + answerSlack + time.Second,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("listening", "url", "http://"+ln.Addr().String()+"/arenden")

	// Serve returns as soon as Shutdown begins; wait for Shutdown, so the
	// questions in flight get their answers before the program exits.
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
			defer cancel()
			srv.Shutdown(sctx)
		case <-done:
		}
	}()
	err = srv.Serve(ln)
	close(done)
	<-stopped
	if !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// apiRequest is the body of POST /arenden. Only kund is required.
type apiRequest struct {
	Kund      string   `json:"kund"`
	Kundtyp   string   `json:"kundtyp"`
	Anvandare string   `json:"anvandare"`
	Expect    []string `json:"expect"`
}

// api returns the HTTP API:
//
//	POST /arenden  {"kund": …, "kundtyp": …, "anvandare": …, "expect": […]}
//	GET  /arenden?kund=16…&expect=…   a legal person's organisationsnummer only
//
// Both answer 200 with the -json document, complete or not (a partial
// answer is data: see "complete" and "sources"), or 4xx with {"error": …}.
//
// Every request needs "Authorization: Bearer <token>" when the server has
// a token (401 otherwise). POST takes only Content-Type application/json
// (415 otherwise: a cross-site form cannot send it without a preflight),
// one JSON object and nothing after it (400), at most maxBodyBytes (413,
// at once when Content-Length says so). Beyond cfg.maxInFlight questions
// at once the answer is 503 with Retry-After.
func (s *service) api(log *slog.Logger, cfg apiConfig) http.Handler {
	timeout := cfg.timeout
	mux := http.NewServeMux()
	mux.HandleFunc("POST /arenden", func(w http.ResponseWriter, r *http.Request) {
		if !isJSON(r.Header.Get("Content-Type")) {
			apiError(w, http.StatusUnsupportedMediaType, "POST /arenden takes Content-Type: application/json")
			return
		}
		if r.ContentLength > maxBodyBytes {
			apiError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body: larger than %d bytes", maxBodyBytes))
			return
		}
		body := &bodyReader{r: http.MaxBytesReader(w, r.Body, maxBodyBytes)}
		dec := json.NewDecoder(body)
		dec.DisallowUnknownFields()
		var req apiRequest
		err := dec.Decode(&req)
		if err == nil {
			// One object and nothing after it: a second value is a
			// request the API did not read.
			if _, next := dec.Token(); next != io.EOF {
				err = errors.New("trailing data after the JSON object")
				if body.tooLarge {
					err = next
				}
			}
		}
		if err != nil {
			status := http.StatusBadRequest
			if body.tooLarge {
				status = http.StatusRequestEntityTooLarge
			}
			apiError(w, status, "body: "+err.Error())
			return
		}
		kund, err := parseKund(req.Kund, req.Kundtyp)
		if err != nil {
			apiError(w, http.StatusBadRequest, err.Error())
			return
		}
		anvandare := minaarenden.Identifierare(req.Anvandare)
		if anvandare != "" {
			if err := anvandare.ValidatePerson(); err != nil {
				apiError(w, http.StatusBadRequest, "anvandare: "+err.Error())
				return
			}
		}
		expect, err := parseExpect(strings.Join(req.Expect, ","))
		if err != nil {
			apiError(w, http.StatusBadRequest, err.Error())
			return
		}
		s.answer(w, r, timeout, kund, anvandare, expect)
	})
	mux.HandleFunc("GET /arenden", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		id := minaarenden.Identifierare(q.Get("kund"))
		// A URL ends up in proxies, access logs and browser histories. A
		// legal person's organisationsnummer (16, then a group number of 20
		// or more) is public; anything else could be a person's.
		if id.Validate(minaarenden.Organisationsnummer) != nil || !strings.HasPrefix(string(id), "16") {
			apiError(w, http.StatusBadRequest, "GET /arenden takes only a legal person's organisationsnummer (16…); "+
				"personal identity numbers never go into a URL: POST /arenden with a JSON body {\"kund\": …, \"kundtyp\": …}")
			return
		}
		expect, err := parseExpect(strings.Join(q["expect"], ","))
		if err != nil {
			apiError(w, http.StatusBadRequest, err.Error())
			return
		}
		s.answer(w, r, timeout, minaarenden.Kund{Identifierare: id, Typ: minaarenden.Organisationsnummer}, "", expect)
	})
	// Outermost first: every request is logged, a request without the
	// token takes no place among those in flight.
	return logRequests(log, requireToken(cfg.token, limitInFlight(cfg.maxInFlight, mux)))
}

// answer asks, places and writes under one deadline: -timeout for the
// producers plus answerSlack. The answer is streamed case by case.
func (s *service) answer(w http.ResponseWriter, r *http.Request, timeout time.Duration, kund minaarenden.Kund, anvandare minaarenden.Identifierare, expect []flow.Expected) {
	ctx, cancel := context.WithTimeout(r.Context(), timeout+answerSlack)
	defer cancel()
	rep, err := s.ask(ctx, kund, anvandare, expect)
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	if ctx.Err() != nil {
		apiError(w, http.StatusServiceUnavailable, "the question ran out of time")
		return
	}
	deadline, _ := ctx.Deadline()
	http.NewResponseController(w).SetWriteDeadline(deadline)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store") // a company's cases, per request
	rep.WriteJSON(ctx, w)                       // a failure here is the client's connection: nothing to tell it
}

// isJSON reports whether a Content-Type is application/json, parameters
// (charset) aside.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}

// beyondLoopback refuses a listening address anyone could reach when no
// token guards it.
const beyondLoopback = "listens beyond loopback without a token; anyone who can reach it could ask about any company: " +
	"give -token-env NAME (an environment variable holding a bearer token), or listen on 127.0.0.1"

// loopbackHost reports whether host in a -serve address is loopback by
// name or address. The empty host listens on every interface.
func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// requireToken answers 401 to a request without "Authorization: Bearer
// <token>". Both sides are hashed before the constant-time compare, so
// neither the token's bytes nor its length show in the timing. An empty
// token requires nothing (the server then listens on loopback only).
func requireToken(token string, next http.Handler) http.Handler {
	if token == "" {
		return next
	}
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, got, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		sum := sha256.Sum256([]byte(got))
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="foretagstjanst"`)
			apiError(w, http.StatusUnauthorized, "a bearer token is required (Authorization: Bearer …)")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// limitInFlight answers 503 with Retry-After to a request beyond n in
// flight, rather than queue it: each question fans out to every producer.
func limitInFlight(n int, next http.Handler) http.Handler {
	slots := make(chan struct{}, n)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			next.ServeHTTP(w, r)
		default:
			w.Header().Set("Retry-After", retryAfter)
			apiError(w, http.StatusServiceUnavailable, "too many questions in flight; try again shortly")
		}
	})
}

func apiError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": redact(msg)})
}

// logRequests logs one line per request: the method when it is a known
// one (a method is any token the client chose, an identifier included),
// the route it matched (not the path, which a caller could fill with an
// identifier; never the query), the status delivered and the duration.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" {
			route = "(no route)"
		}
		status := sw.status
		if status == 0 {
			status = http.StatusOK // nothing written: net/http sends 200
		}
		log.Info("request", "method", knownMethod(r.Method), "route", route, "status", status, "duration", time.Since(start))
	})
}

// knownMethod returns m when it is one of the methods net/http names, else
// "OTHER".
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// statusWriter records the status sent: the first WriteHeader (net/http
// ignores later ones), or 200 at the first Write.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection (write
// deadlines, flushing).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// bodyReader notes when the body passed its bound. encoding/json on the v2
// engine (Go 1.27, GOEXPERIMENT=jsonv2) does not always return an error
// that unwraps to the *http.MaxBytesError, so the reader, not the error,
// tells a 413 from a 400.
type bodyReader struct {
	r        io.Reader
	tooLarge bool
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if errors.As(err, new(*http.MaxBytesError)) {
		b.tooLarge = true
	}
	return n, err
}
