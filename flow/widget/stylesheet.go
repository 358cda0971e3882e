package widget

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"time"
)

//go:embed widget.css
var css string

// CSS returns the widget's stylesheet. Serve it from the portal's own
// origin (Stylesheet does) and link it with <link rel="stylesheet">: a
// Content-Security-Policy of default-src 'self' then allows it, where an
// inline <style> would be blocked.
func CSS() string { return css }

var cssETag = func() string {
	sum := sha256.Sum256([]byte(css))
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}()

// Stylesheet returns an http.Handler that serves CSS as text/css, with an
// ETag so browsers revalidate cheaply. Mount it at any path, for example
// mux.Handle("GET /widget.css", widget.Stylesheet()).
func Stylesheet() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/css; charset=utf-8")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "public, max-age=3600")
		h.Set("ETag", cssETag)
		http.ServeContent(w, r, "widget.css", time.Time{}, bytes.NewReader([]byte(css)))
	})
}
