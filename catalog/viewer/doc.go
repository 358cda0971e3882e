// Package viewer serves a kundhändelsetypskatalog as Swedish HTML pages for
// people: anyone may read it, since the catalog holds kinds of case and
// their steps, never persons. It sits beside catalog.Handler, which serves
// the same catalog as JSON for programs.
//
// The pages: an index of producentärendetyper and producers with a filter
// by name (a plain GET form, ?q=, so it works without JavaScript); a page
// per producentärendetyp with its flow drawn by catalog.SVG — the whole
// flow, and each producer's slice where it differs — and a table of its
// kundhändelsetyper with every catalog field; a page per producer.
//
// The catalog is immutable while served: New draws every flow once, and a
// page view only fills in a template. A flow too large to draw
// (catalog.ErrFlowTooLarge) shows a short note in place of its picture,
// with its step table as usual. To serve a changed catalog, build a new
// handler (examples/katalog swaps handlers after each sync).
//
// # Safe under a strict Content-Security-Policy
//
// Catalog text comes from producers and is untrusted. Pages are built with
// html/template, so every name, rubrik and beskrivning is escaped in its
// context; the flow pictures are inline SVG whose text catalog.SVG has
// XML-escaped; only absolute http and https URLs become links. There is no
// script, no <style> and no style attribute: the look comes from an
// embedded stylesheet served at viewer.css. Every response carries
// widget.Secure's headers (Content-Security-Policy: default-src 'self';
// base-uri 'none'; frame-ancestors 'none'; form-action 'self', nosniff, no
// referrer). The pages are readable at phone width: tables turn into cards
// and pictures scale with the page.
//
// # Paths
//
//	/                  index, ?q= filters
//	/typ/{id}          one producentärendetyp, e.g. /typ/KOMMUN.BYGGLOV
//	/producent/{namn}  one producer, the name path-escaped: /producent/V%C3%A4rmd%C3%B6%20kommun
//	/viewer.css        the stylesheet
//
// All links between pages are relative, so the viewer works under any
// prefix with http.StripPrefix. Its paths do not clash with the JSON API's
// (/producenter/…, /producentarendetyper/…, /kundhandelsetyper), so both can
// share one root:
//
//	api := catalog.Handler(c)
//	mux := http.NewServeMux()
//	mux.Handle("/producenter/", api)
//	mux.Handle("/producentarendetyper/", api)
//	mux.Handle("/kundhandelsetyper", api)
//	mux.Handle("/", viewer.New(c, nil))
//
// A Catalog is read-only, so the handler is safe for concurrent use. To
// serve a newer catalog, build a new handler with New and swap it in (an
// atomic.Pointer[http.Handler] behind a small http.HandlerFunc does).
package viewer
