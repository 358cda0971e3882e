package viewer_test

import (
	"flag"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden/catalog/viewer"
	"github.com/aterkoppling/minaarenden/flow/widget"
	"github.com/aterkoppling/minaarenden/internal/chromium"
)

var screenshot = flag.String("screenshot", "", "with TestBrowser, write a screenshot of KOMMUN.BYGGLOV's page to this PNG `file` (the README's docs/katalog-viewer.png)")

var (
	svgName = regexp.MustCompile(`<text class="steg__namn"[^>]*>((?:<tspan[^>]*>[^<]*</tspan>)*)</text>`)
	tspan   = regexp.MustCompile(`<tspan[^>]*>([^<]*)</tspan>`)
)

// namesDrawn returns the step names in a DOM's flow pictures, each name's
// lines joined by a space, as a reader selecting the text gets them.
func namesDrawn(dom string) []string {
	var out []string
	for _, m := range svgName.FindAllStringSubmatch(dom, -1) {
		var lines []string
		for _, l := range tspan.FindAllStringSubmatch(m[1], -1) {
			lines = append(lines, html.UnescapeString(l[1]))
		}
		out = append(out, strings.Join(lines, " "))
	}
	return out
}

// TestBrowser loads every type page in headless Chromium under the
// viewer's Content-Security-Policy: every step's name is in the pictures'
// text, and the console reports no CSP violation (a probe page with inline
// style shows that a violation would be reported).
func TestBrowser(t *testing.T) {
	browser := chromium.Skip(t)
	c := sampleCatalog(t)
	mux := http.NewServeMux()
	mux.Handle(prefix, http.StripPrefix(strings.TrimSuffix(prefix, "/"), viewer.New(c, nil)))
	mux.Handle("GET /csp-probe", widget.Secure(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><html lang="sv"><head><title>Prov</title></head><body><p style="color: red">inline</p></body></html>`)
	})))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	t.Run("CSP violations are reported", func(t *testing.T) {
		p := chromium.Load(t, browser, srv.URL+"/csp-probe")
		if !slices.ContainsFunc(p.Console, cspViolation) {
			t.Errorf("the probe's inline style gave no CSP message; console: %q", p.Console)
		}
	})
	// A shared type with two slices, a komplettering loop, a long flow: a
	// browser start each is slow, so not every type.
	for _, id := range []string{"KOMMUN.BYGGLOV", "PRV.VARUMARKE", "SKV.MOMS"} {
		typ, _ := c.Type(id)
		t.Run(typ.ID, func(t *testing.T) {
			p := chromium.Load(t, browser, srv.URL+prefix+"typ/"+typ.ID)
			if i := slices.IndexFunc(p.Console, cspViolation); i >= 0 {
				t.Errorf("CSP violation: %s", p.Console[i])
			}
			// The union's picture comes first and holds every step.
			var want []string
			for _, s := range typ.Kundhandelsetyper {
				want = append(want, s.Namn)
			}
			got := namesDrawn(p.DOM)
			if len(got) > len(want) {
				got = got[:len(want)]
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("step names in the picture mismatch (-want +got):\n%s", diff)
			}
		})
	}
	// Producer text with script in it is shown, never run.
	hostileRoot := serve(t, hostileCatalog(t), nil)
	t.Run("hostile catalog", func(t *testing.T) {
		p := chromium.Load(t, browser, hostileRoot+"typ/X.T")
		if i := slices.IndexFunc(p.Console, cspViolation); i >= 0 {
			t.Errorf("CSP violation: %s", p.Console[i])
		}
		if !strings.Contains(p.DOM, "<title>Typ &lt;script&gt;alert(1)&lt;/script&gt; – Kundhändelsetypskatalog</title>") {
			t.Errorf("the page's title changed or is not the escaped name:\n%s", p.DOM)
		}
		// The first name is one 25-character word, drawn over two lines.
		want := []string{"<script>alert(3)</script >", `"><svg onload=alert(6)>`, "Klart ]]> <!-- -->"}
		if diff := cmp.Diff(want, namesDrawn(p.DOM)[:3]); diff != "" {
			t.Errorf("step names in the picture mismatch (-want +got):\n%s", diff)
		}
	})
	if *screenshot != "" {
		chromium.Screenshot(t, browser, srv.URL+prefix+"typ/PRV.VARUMARKE", *screenshot, 1000, 1400)
	}
}

func cspViolation(msg string) bool { return strings.Contains(msg, "Content Security Policy") }
