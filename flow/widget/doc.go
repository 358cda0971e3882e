// Package widget renders flow's producentärende instances as a case-status
// widget for a portal such as a kommun's Mina sidor: an html/template
// fragment showing each case (its name from the catalog and its producer),
// its status and who has the ball in plain Swedish ("Väntar på dig",
// "Handläggs", "Klart", "Ej påbörjat", "Okänt — producenten svarade inte"),
// its steps with their states, the latest kundhändelse, and the
// e-tjänst links the producer gave in referenser.etjanst.
//
// It lives under flow because it shows flow's output and needs nothing
// else but the catalog; a portal imports it without pulling in the client
// or aggregate packages, and no package imports examples/.
//
// # Safe under a strict Content-Security-Policy
//
// Producer text is untrusted. The templates are embedded and executed by
// html/template, so rubrik, beskrivning, lanktext, referens and names are
// escaped in their context. Links are rendered only for absolute http and
// https URLs (SafeURL); javascript: and other schemes never reach the page.
// The fragment has no script, no style attribute and no event handler: its
// look comes from classes (ma-arende, ma-status--vantar_pa_kund, ma-steg--done,
// …) styled by an embedded stylesheet the portal serves from its own origin,
// so the page works under Content-Security-Policy: default-src 'self'.
//
// # Usage
//
//	instances := flow.Place(cat, result.Events, &flow.Options{Expected: expected})
//
//	mux.Handle("GET /widget.css", widget.Stylesheet())
//	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
//		fragment, err := widget.Fragment(cat, instances)
//		if err != nil { … }
//		page.Execute(w, fragment) // {{.}} in the page's own html/template
//	})
//	http.ListenAndServe(addr, widget.Secure(mux)) // the CSP and the other headers
//
// with <link rel="stylesheet" href="/widget.css"> in the page's head. The
// cases come in the order given, except that those where the customer must
// act come first and finished ones last. Headings are <h3>, for a page
// whose own heading over the widget is an <h2>.
//
// # A case on its flow
//
// Flode draws one case as a picture: its flow laid out by catalog.SVG, the
// steps coloured by their state in the case, as inline SVG that needs no
// script or style, so it goes on the same page under the same CSP:
//
//	picture, err := widget.Flode(cat, instance) // template.HTML, "" for an unknown type
package widget
