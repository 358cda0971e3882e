package widget

import "net/http"

// ContentSecurityPolicy allows nothing but the page's own origin: no
// inline script or style, no framing by other sites, no <base> rewriting,
// forms posted only back to the site. The widget, and every page of the
// SDK's that shows it or a flow picture, is built to work under it.
const ContentSecurityPolicy = "default-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// Secure sets, on every response of next, the headers a page showing the
// widget should carry: ContentSecurityPolicy, X-Content-Type-Options:
// nosniff and Referrer-Policy: no-referrer (a case page's URL may name the
// case; it must not leak to the sites its links lead to).
func Secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}
