// Command katalog serves a kundhändelsetypskatalog — JSON API and pages for
// people — and keeps it in step with the producers that keep catalogs of
// their own.
//
//	go run ./examples/katalog                      # the sample catalog on http://127.0.0.1:8090/
//	go run ./examples/katalog -catalog my-catalog  # a file or a directory of *.json files
//
//	# One sync: fetch every producer's catalog, merge what each owns, write
//	# the merged catalog to -out (atomically) and print what changed.
//	go run ./examples/katalog -catalog catalog.json -sync producers.json -out catalog.json
//
//	# Serve, and sync at once and then every hour, swapping the served
//	# catalog after each sync whose merged catalog validates (and writing
//	# it to -out, if given).
//	go run ./examples/katalog -sync producers.json -interval 1h
//
// SIGINT or SIGTERM stops the server after the requests in flight (exit 0).
//
// The -sync file is a JSON array of the producers' catalog API base URLs,
// and optionally type-id prefixes under which a producer may add new types
// (see package catalog, "Keeping a central catalog in step with producers"):
//
//	[{"producent": "Skatteverket", "url": "https://katalog.skatteverket.example/v1"},
//	 {"producent": "Värmdö kommun", "url": "https://katalog.varmdo.example/v1", "prefixes": ["KOMMUN"]}]
//
// The pages for people (package catalog/viewer) are at / — an index with a
// name filter, /typ/{id} with the type's flows drawn, /producent/{namn} —
// and the JSON API beside them at its own paths
// (/producenter/{producent}/producentarendetyper,
// /producentarendetyper/{id}/flode, /kundhandelsetyper?id=…), so the
// server's root URL is also a catalog base URL another sync can read.
//
// A one-shot sync exits 0 when every producer merged, 3 when some were
// refused or unreachable (the rest is merged and written), 2 for a usage
// error (a bad flag, a malformed -sync file) and 1 for anything else (the
// catalog does not load, -out cannot be written: the old file is left as
// it was).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aterkoppling/minaarenden/catalog"
	"github.com/aterkoppling/minaarenden/catalog/sample"
	"github.com/aterkoppling/minaarenden/catalog/viewer"
)

// Exit codes.
const (
	exitOK      = 0
	exitOther   = 1
	exitUsage   = 2
	exitPartial = 3
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

type config struct {
	catalog  string
	addr     string
	sync     string
	out      string
	json     bool
	interval time.Duration
	sources  []catalog.SyncSource
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, code := parseFlags(args, stderr)
	if code >= 0 {
		return code
	}
	central, err := loadCatalog(cfg.catalog)
	if err != nil {
		fmt.Fprintf(stderr, "katalog: %v\n", err)
		return exitOther
	}
	if cfg.sync != "" && cfg.interval == 0 {
		return syncOnce(ctx, cfg, central, stdout, stderr)
	}
	return serve(ctx, cfg, central, stderr)
}

// parseFlags returns the configuration, or an exit code ≥ 0 when the
// program should stop.
func parseFlags(args []string, stderr io.Writer) (*config, int) {
	fs := flag.NewFlagSet("katalog", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := &config{}
	fs.StringVar(&cfg.catalog, "catalog", "", "the central catalog, a JSON file or a directory of them (default: the embedded sample catalog)")
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:8090", "`address` to serve the pages and the API on")
	fs.StringVar(&cfg.sync, "sync", "", "`file` listing the producers' catalogs: [{\"producent\": \"…\", \"url\": \"…\"}]")
	fs.StringVar(&cfg.out, "out", "", "`path` to write the merged catalog to (required for a one-shot -sync)")
	fs.BoolVar(&cfg.json, "json", false, "print a one-shot sync's report as JSON")
	fs.DurationVar(&cfg.interval, "interval", 0, "with -sync: serve, and sync at once and then every `duration`")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, exitOK
		}
		return nil, exitUsage
	}
	usage := func(format string, a ...any) (*config, int) {
		fmt.Fprintf(stderr, "katalog: "+format+"\n", a...)
		return nil, exitUsage
	}
	switch {
	case fs.NArg() > 0:
		return usage("unexpected argument %q", fs.Arg(0))
	case cfg.interval < 0:
		return usage("-interval must be positive")
	case cfg.interval > 0 && cfg.sync == "":
		return usage("-interval needs -sync")
	case cfg.sync != "" && cfg.interval == 0 && cfg.out == "":
		return usage("a one-shot -sync needs -out, where the merged catalog goes")
	case cfg.out != "" && cfg.sync == "":
		return usage("-out needs -sync")
	case cfg.json && (cfg.sync == "" || cfg.interval > 0):
		return usage("-json applies to a one-shot -sync")
	}
	if cfg.out != "" && insideCatalogDir(cfg.out, cfg.catalog) {
		return usage("-out %s is a *.json file in the -catalog directory, which the next load would read twice; write it elsewhere", cfg.out)
	}
	if cfg.sync != "" {
		srcs, err := readSources(cfg.sync)
		if err != nil {
			return usage("-sync %s: %v", cfg.sync, err)
		}
		cfg.sources = srcs
	}
	return cfg, -1
}

// insideCatalogDir reports whether out would be one of the files a
// catalog directory is loaded from.
func insideCatalogDir(out, catalogPath string) bool {
	if catalogPath == "" || filepath.Ext(out) != ".json" {
		return false
	}
	if fi, err := os.Stat(catalogPath); err != nil || !fi.IsDir() {
		return false
	}
	dir, err1 := filepath.Abs(catalogPath)
	file, err2 := filepath.Abs(out)
	return err1 == nil && err2 == nil && filepath.Dir(file) == dir
}

func loadCatalog(path string) (*catalog.Catalog, error) {
	if path == "" {
		return sample.Catalog()
	}
	return catalog.Load(path)
}

// readSources reads the -sync file strictly: an unknown key, a missing or
// repeated producent or a URL that is not absolute http(s) is an error
// naming the entry.
func readSources(name string) ([]catalog.SyncSource, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return parseSources(data)
}

func parseSources(data []byte) ([]catalog.SyncSource, error) {
	var entries []json.RawMessage
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, fmt.Errorf("not a JSON array of {\"producent\", \"url\"}: %w", err)
	}
	if len(entries) == 0 {
		return nil, errors.New("lists no producers")
	}
	srcs := make([]catalog.SyncSource, len(entries))
	seen := map[string]int{}
	for i, raw := range entries {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		s := &srcs[i]
		if err := dec.Decode(s); err != nil {
			return nil, fmt.Errorf("entry %d: %w", i, err)
		}
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("entry %d: %s", i, strings.TrimPrefix(err.Error(), "catalog: "))
		}
		if j, ok := seen[s.Producent]; ok {
			return nil, fmt.Errorf("entry %d (%s): the producent is also entry %d", i, s.Producent, j)
		}
		seen[s.Producent] = i
	}
	return srcs, nil
}

// syncOnce runs one sync, writes the merged catalog and prints the report.
func syncOnce(ctx context.Context, cfg *config, central *catalog.Catalog, stdout, stderr io.Writer) int {
	merged, report, err := catalog.Sync(ctx, central, cfg.sources, nil)
	if report != nil {
		if perr := printReport(stdout, report, cfg.json); perr != nil {
			fmt.Fprintf(stderr, "katalog: %v\n", perr)
			return exitOther
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "katalog: %v\n", err)
		return exitOther
	}
	if err := writeCatalog(cfg.out, merged); err != nil {
		fmt.Fprintf(stderr, "katalog: %v\n", err)
		return exitOther
	}
	if report.Err() != nil {
		return exitPartial
	}
	return exitOK
}

// writeCatalog writes c to path atomically: a temporary file in the same
// directory, synced to disk, renamed over path. A reader sees the old
// catalog or the new one, never half of one; on any failure the old file
// is left as it was.
func writeCatalog(path string, c *catalog.Catalog) (err error) {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the merged catalog: %w", err)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(append(data, '\n')); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Chmod(0o644); err != nil { // the catalog is public; CreateTemp makes 0600
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	// Sync the directory too, so the rename itself survives a crash.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// handlerFor serves one catalog: the pages for people at / and the JSON
// API beside them, at its own paths, which the viewer's do not use; so
// this server's root is also a catalog base URL another sync can read.
func handlerFor(c *catalog.Catalog) http.Handler {
	api := catalog.Handler(c)
	mux := http.NewServeMux()
	mux.Handle("/producenter/", api)
	mux.Handle("/producentarendetyper/", api)
	mux.Handle("/kundhandelsetyper", api)
	mux.Handle("/", viewer.New(c, nil))
	return mux
}

// swapHandler serves whatever handler was stored last, so a new catalog
// replaces the old one between two requests, never during one.
type swapHandler struct {
	current atomic.Pointer[http.Handler]
}

func (s *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.current.Load()).ServeHTTP(w, r)
}

func serve(ctx context.Context, cfg *config, central *catalog.Catalog, stderr io.Writer) int {
	log := slog.New(slog.NewTextHandler(stderr, nil))
	h := &swapHandler{}
	first := handlerFor(central)
	h.current.Store(&first)

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		fmt.Fprintf(stderr, "katalog: %v\n", err)
		return exitOther
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(stderr, "katalog: serving http://%s/\n", ln.Addr())

	syncDone := make(chan struct{})
	go func() {
		defer close(syncDone)
		if cfg.interval > 0 {
			syncLoop(ctx, cfg, central, h, log)
		}
	}()
	err = serveUntil(ctx, srv, ln)
	<-syncDone
	if err != nil {
		fmt.Fprintf(stderr, "katalog: %v\n", err)
		return exitOther
	}
	return exitOK
}

// syncLoop syncs at once and then every cfg.interval until ctx is done,
// each time from the catalog served, swapping in the merged one when the
// sync succeeds (Sync returns a catalog only when it validates).
func syncLoop(ctx context.Context, cfg *config, central *catalog.Catalog, h *swapHandler, log *slog.Logger) {
	ticker := time.NewTicker(cfg.interval)
	defer ticker.Stop()
	for {
		merged, report, err := catalog.Sync(ctx, central, cfg.sources, nil)
		if ctx.Err() != nil {
			return
		}
		if report != nil {
			logReport(log, report)
		}
		if err != nil {
			log.Error("sync failed; the served catalog is unchanged", "error", err)
		} else {
			central = merged
			next := handlerFor(merged)
			h.current.Store(&next)
			log.Info("catalog swapped", "types", len(merged.Producentarendetyper))
			if cfg.out != "" {
				if err := writeCatalog(cfg.out, merged); err != nil {
					log.Error("writing the merged catalog", "error", err)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

func logReport(log *slog.Logger, r *catalog.SyncReport) {
	for _, p := range r.Producenter {
		attrs := []any{"producer", p.Producent, "status", string(p.Status), "changes", len(p.Changes), "ignored", len(p.Ignored)}
		if p.Error != "" {
			attrs = append(attrs, "error", p.Error)
			log.Warn("sync", attrs...)
			continue
		}
		log.Info("sync", attrs...)
	}
}

// serveUntil runs srv on ln until ctx is done, then shuts it down and
// waits for the requests in flight.
func serveUntil(ctx context.Context, srv *http.Server, ln net.Listener) error {
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
