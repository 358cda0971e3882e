// Command minasidor is a Mina sidor portal page — the kind a kommun or an
// agency offers its logged-in users — that shows the user's cases with the
// SDK's case-status widget (package flow/widget).
//
//	go run ./examples/minasidor            # then open http://127.0.0.1:8080/
//	go run ./examples/minasidor -addr 127.0.0.1:9000
//
// The logged-in person is fixed: Pia, who runs Pias Tacotruck AB, the
// standard's worked example. The portal asks, on every page load, a local
// stand-in of Skatteverket's forwarding service (vidareförmedlingstjänsten),
// behind which Bolagsverket, Skatteverket, PRV and Stockholms stad answer
// with the events in testdata/pia; it places them with the embedded sample catalog and
// renders the widget. Run it from the repository root, or give -catalog
// and -events.
//
// The page is served with Content-Security-Policy: default-src 'self' (and
// no framing): it has no script at all, and its look comes from two
// stylesheets served from its own origin, the portal's and the widget's.
// Producer text reaches the page only through html/template.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("minasidor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "`address` to serve on; keep it on loopback")
	catalogPath := fs.String("catalog", "", "kundhändelsetypskatalog, a JSON file or a directory (default: the embedded sample catalog)")
	eventsPath := fs.String("events", "testdata/pia/kundhandelser.json", "the stand-in producers' events, a JSON array in the 6.1 wire form")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "minasidor: unexpected argument %q\n", fs.Arg(0))
		return 2
	}

	p, err := newPortal(*catalogPath, *eventsPath)
	if err != nil {
		fmt.Fprintf(stderr, "minasidor: %v (run from the repository root, or give -catalog and -events)\n", err)
		return 1
	}
	defer p.Close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "minasidor: %v\n", err)
		return 1
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	srv := &http.Server{
		Handler:           p.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(stdout, "Mina sidor: http://%s/\n", ln.Addr())
	if err := serve(ctx, srv, ln); err != nil {
		fmt.Fprintf(stderr, "minasidor: %v\n", err)
		return 1
	}
	return 0
}

// serve runs srv on ln until ctx is done, then shuts it down. Serve
// returns as soon as Shutdown begins; serve waits for Shutdown, so the
// pages being rendered are sent before the program exits.
func serve(ctx context.Context, srv *http.Server, ln net.Listener) error {
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			srv.Shutdown(sctx)
		case <-done:
		}
	}()
	err := srv.Serve(ln)
	close(done)
	<-stopped
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
