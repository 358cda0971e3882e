package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
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
)

// serve runs the JSON API on addr until ctx is done.
func serve(ctx context.Context, svc *service, addr string, timeout time.Duration, stderr io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	srv := &http.Server{
		Handler:           svc.api(log, timeout),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      timeout + 10*time.Second,
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
func (s *service) api(log *slog.Logger, timeout time.Duration) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /arenden", func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		var req apiRequest
		if err := dec.Decode(&req); err != nil {
			apiError(w, http.StatusBadRequest, "body: "+err.Error())
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
	return logRequests(log, mux)
}

func (s *service) answer(w http.ResponseWriter, r *http.Request, timeout time.Duration, kund minaarenden.Kund, anvandare minaarenden.Identifierare, expect []flow.Expected) {
	ctx, cancel := context.WithTimeout(r.Context(), timeout+time.Second)
	defer cancel()
	rep, err := s.ask(ctx, kund, anvandare, expect)
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store") // a company's cases, per request
	writeJSON(w, rep)
}

func apiError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": redact(msg)})
}

// logRequests logs one line per request: method, the route it matched (not
// the path, which a caller could fill with an identifier; never the query),
// status and duration.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" {
			route = "(no route)"
		}
		log.Info("request", "method", r.Method, "route", route, "status", sw.status, "duration", time.Since(start))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}
