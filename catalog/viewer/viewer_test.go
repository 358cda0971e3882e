package viewer_test

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden/catalog"
	"github.com/aterkoppling/minaarenden/catalog/sample"
	"github.com/aterkoppling/minaarenden/catalog/viewer"
	"github.com/aterkoppling/minaarenden/flow/widget"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// prefix is where the tests mount the viewer, so a link that assumes the
// root fails loudly.
const prefix = "/katalog/"

func sampleCatalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	c, err := sample.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// serve mounts the viewer for c under prefix on a loopback test server and
// returns the viewer's root URL.
func serve(t testing.TB, c *catalog.Catalog, opts *viewer.Options) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(prefix, http.StripPrefix(strings.TrimSuffix(prefix, "/"), viewer.New(c, opts)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + prefix
}

func get(t testing.TB, u string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// inlineCode matches anything Content-Security-Policy: default-src 'self'
// blocks, or that would run: script and style elements, style and event
// handler attributes, javascript: URLs.
var inlineCode = regexp.MustCompile(`(?i)<script|<style|\sstyle=|\son[a-z]+=|javascript:`)

// inlineMarkup is inlineCode for pages that show hostile text: it matches
// only inside tags, where the text cannot reach once escaped.
var inlineMarkup = regexp.MustCompile(`(?i)<(script|style)|<[^>]*\s(on[a-z]+|style)\s*=|href="\s*(javascript|data):`)

func TestPagesGolden(t *testing.T) {
	root := serve(t, sampleCatalog(t), nil)
	tests := []struct{ name, path string }{
		{"index.html", ""},
		{"index-filter.html", "?q=BYGG"},
		{"index-filter-none.html", "?q=finns+inte"},
		{"typ-KOMMUN.BYGGLOV.html", "typ/KOMMUN.BYGGLOV"},
		{"typ-PRV.VARUMARKE.html", "typ/PRV.VARUMARKE"},
		{"producent-Varmdo_kommun.html", "producent/V%C3%A4rmd%C3%B6%20kommun"},
		{"saknas-typ.html", "typ/X.Y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, body := get(t, root+tt.path)
			golden(t, tt.name, body)
			if m := inlineCode.FindString(body); m != "" {
				t.Errorf("page has %q, which the CSP would block", m)
			}
		})
	}
}

// Every response, page, stylesheet or error, carries the headers.
func TestHeaders(t *testing.T) {
	root := serve(t, sampleCatalog(t), nil)
	tests := []struct {
		path        string
		status      int
		contentType string
	}{
		{"", http.StatusOK, "text/html; charset=utf-8"},
		{"typ/SKV.MOMS", http.StatusOK, "text/html; charset=utf-8"},
		{"producent/PRV", http.StatusOK, "text/html; charset=utf-8"},
		{"viewer.css", http.StatusOK, "text/css; charset=utf-8"},
		{"typ/NOPE.NOPE", http.StatusNotFound, "text/html; charset=utf-8"},
		{"producent/Ingen", http.StatusNotFound, "text/html; charset=utf-8"},
		{"nope/deeper/still", http.StatusNotFound, "text/html; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, _ := get(t, root+tt.path)
			got := []string{resp.Header.Get("Content-Type"), resp.Header.Get("Content-Security-Policy"),
				resp.Header.Get("X-Content-Type-Options"), resp.Header.Get("Referrer-Policy")}
			want := []string{tt.contentType, widget.ContentSecurityPolicy, "nosniff", "no-referrer"}
			if diff := cmp.Diff(want, got); diff != "" || resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d; headers mismatch (-want +got):\n%s", resp.StatusCode, tt.status, diff)
			}
		})
	}
	if got := widget.ContentSecurityPolicy; got != "default-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'" {
		t.Errorf("CSP %q", got)
	}

	req, _ := http.NewRequest(http.MethodPost, root, strings.NewReader("q=x"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", resp.StatusCode)
	}
}

func TestStylesheet(t *testing.T) {
	root := serve(t, sampleCatalog(t), nil)
	resp, css := get(t, root+"viewer.css")
	if resp.StatusCode != http.StatusOK || !strings.Contains(css, "svg.flode { display: block; max-width: 100%; height: auto; }") {
		t.Errorf("viewer.css: %d, does not scale the pictures:\n%s", resp.StatusCode, css)
	}
	if !strings.Contains(css, "@media (max-width: 40rem)") {
		t.Error("viewer.css has no phone-width rules")
	}
	req, _ := http.NewRequest(http.MethodGet, root+"viewer.css", nil)
	req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation: %d, want 304", resp2.StatusCode)
	}
}

var (
	hrefs    = regexp.MustCompile(`href="([^"]*)"`)
	typLinks = regexp.MustCompile(`<a href="(?:\.\./)?typ/([^"]*)">`)
	prodLink = regexp.MustCompile(`<li><a href="producent/([^"]*)">`)
)

// unescapeHTML undoes html/template's attribute escaping of a URL.
func unescapeHTML(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#39;", "'", "&#34;", `"`).Replace(s)
}

// The filter works on type ids and names and producer names, whatever the
// case, and with å, ä and ö.
func TestFilter(t *testing.T) {
	root := serve(t, sampleCatalog(t), nil)
	tests := []struct {
		q         string
		types     []string
		producers []string
	}{
		{"", []string{"KOMMUN.FETTAVSKILJARE", "BV.VERKLIG_HUVUDMAN", "KOMMUN.BYGGLOV", "SKV.MOMS", "SKV.ARBETSGIVARE", "PRV.VARUMARKE"},
			[]string{"Bolagsverket", "PRV", "Skatteverket", "Stockholms stad", "Värmdö kommun"}},
		{"bygglov", []string{"KOMMUN.BYGGLOV"}, nil},
		{"  VÄRMDÖ ", []string{"KOMMUN.BYGGLOV"}, []string{"Värmdö kommun"}},
		{"skv.", []string{"SKV.MOMS", "SKV.ARBETSGIVARE"}, nil},
		{"skatteverket", []string{"SKV.MOMS", "SKV.ARBETSGIVARE"}, []string{"Skatteverket"}},
		{"<script>", nil, nil},
		{"bygglov" + strings.Repeat(" ", 93) + "x", []string{"KOMMUN.BYGGLOV"}, nil}, // cut to 100 characters: "bygglov"
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			resp, body := get(t, root+"?q="+url.QueryEscape(tt.q))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			var types, producers []string
			for _, m := range typLinks.FindAllStringSubmatch(body, -1) {
				types = append(types, m[1])
			}
			for _, m := range prodLink.FindAllStringSubmatch(body, -1) {
				p, err := url.PathUnescape(unescapeHTML(m[1]))
				if err != nil {
					t.Fatal(err)
				}
				producers = append(producers, p)
			}
			if diff := cmp.Diff(tt.types, types); diff != "" {
				t.Errorf("types mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.producers, producers); diff != "" {
				t.Errorf("producers mismatch (-want +got):\n%s", diff)
			}
			if strings.Contains(body, "<script>") {
				t.Error("the query reached the page unescaped")
			}
		})
	}
}

// crawl follows every link from the index that stays on the viewer and
// returns the pages reached with their bodies; each must answer 200.
func crawl(t *testing.T, root string) map[string]string {
	t.Helper()
	pages := map[string]string{}
	queue := []string{root}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		if _, ok := pages[u]; ok {
			continue
		}
		resp, body := get(t, u)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", u, resp.StatusCode)
			continue
		}
		pages[u] = body
		base, _ := url.Parse(u)
		for _, m := range hrefs.FindAllStringSubmatch(body, -1) {
			ref, err := url.Parse(unescapeHTML(m[1]))
			if err != nil {
				t.Errorf("%s: link %q: %v", u, m[1], err)
				continue
			}
			if ref.IsAbs() {
				continue // the catalog's own api and dokumentation links
			}
			next := base.ResolveReference(ref).String()
			if !strings.HasPrefix(next, root) {
				t.Errorf("%s: link %q leaves the viewer (%s)", u, m[1], next)
				continue
			}
			queue = append(queue, next)
		}
	}
	return pages
}

// Every relative link resolves under the prefix the viewer is mounted on,
// to a page that exists: each type, each producer, the stylesheet.
func TestLinks(t *testing.T) {
	c := sampleCatalog(t)
	root := serve(t, c, nil)
	pages := crawl(t, root)
	var got []string
	for u := range pages {
		got = append(got, strings.TrimPrefix(u, root))
	}
	slices.Sort(got)
	want := []string{"", "producent/Bolagsverket", "producent/PRV", "producent/Skatteverket",
		"producent/Stockholms%20stad", "producent/V%C3%A4rmd%C3%B6%20kommun",
		"typ/BV.VERKLIG_HUVUDMAN", "typ/KOMMUN.BYGGLOV", "typ/KOMMUN.FETTAVSKILJARE", "typ/PRV.VARUMARKE",
		"typ/SKV.ARBETSGIVARE", "typ/SKV.MOMS", "viewer.css"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pages reached mismatch (-want +got):\n%s", diff)
	}
}

// hostile is a catalog whose producer text tries every way into a page:
// markup in names, quotes that would end an attribute, a producer name with
// a slash and å, ä, ö, and links that are not http or https.
const hostile = `{"producentarendetyper": [{
  "id": "X.T", "namn": "Typ <script>alert(1)</script>", "beskrivning": "\"><img src=x onerror=alert(1)>",
  "producenter": ["P1 <b>fet</b>", "P2 \"><img src=x onerror=alert(2)>", "P3 / Åäö & co"],
  "kundhandelsetyper": [
    {"id": "X.T.A", "namn": "<script>alert(3)</script>", "rubrik": "<i>r</i>", "beskrivning": "</td></tr></table><script>x</script>",
     "behorighet": "' onmouseover='alert(4)", "api": "javascript:alert(5)", "dokumentation": "https://docs.example/a?b=1&c=\"2\""},
    {"id": "X.T.B", "namn": "\"><svg onload=alert(6)>", "kundatgard": true, "api": "data:text/html,<script>alert(7)</script>",
     "dokumentation": "//evil.example/x"},
    {"id": "X.T.C", "namn": "Klart ]]> <!-- -->", "klart": true, "api": "http://api.example/c"}],
  "flode": {"start": ["X.T.A"], "overgangar": [["X.T.A", "X.T.B"], ["X.T.B", "X.T.A"], ["X.T.A", "X.T.C"], ["X.T.B", "X.T.C"]], "slut": ["X.T.C"]},
  "varianter": [
    {"producent": "P1 <b>fet</b>", "kundhandelsetyper": ["X.T.A", "X.T.B", "X.T.C"]},
    {"producent": "P3 / Åäö & co", "kundhandelsetyper": ["X.T.A", "X.T.C"]}]}]}`

func hostileCatalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Parse([]byte(hostile))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var (
	figures = regexp.MustCompile(`<figure class="figur">\n<figcaption>([^<]*)</figcaption>\n<svg `)
	svgStep = regexp.MustCompile(`<g class="steg[^"]*" data-id="([^"]*)">`)
	follows = regexp.MustCompile(`<p>Följer hela flödet: (.*)\.</p>`)
	tagText = regexp.MustCompile(`<[^>]*>`)
)

// A type page draws the whole flow and each producer's slice where it
// differs; a producer following the whole flow, with or without a variant
// saying so, is named instead of drawn again.
func TestTypeFlows(t *testing.T) {
	tests := []struct {
		name      string
		c         *catalog.Catalog
		path      string
		captions  []string
		steps     int // data-id groups in all pictures
		following string
	}{
		{"shared type", sampleCatalog(t), "typ/KOMMUN.BYGGLOV",
			[]string{"Hela flödet", "Flödet hos Stockholms stad", "Flödet hos Värmdö kommun"}, 6 + 4 + 4, ""},
		{"one producer", sampleCatalog(t), "typ/PRV.VARUMARKE", []string{"Hela flödet"}, 5, ""},
		{"variants", hostileCatalog(t), "typ/X.T",
			[]string{"Hela flödet", "Flödet hos P3 / Åäö &amp; co"}, 3 + 2, "P1 &lt;b&gt;fet&lt;/b&gt;, P2 &#34;&gt;&lt;img src=x onerror=alert(2)&gt;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, body := get(t, serve(t, tt.c, nil)+tt.path)
			var captions []string
			for _, m := range figures.FindAllStringSubmatch(body, -1) {
				captions = append(captions, m[1])
			}
			if diff := cmp.Diff(tt.captions, captions); diff != "" {
				t.Errorf("pictures mismatch (-want +got):\n%s", diff)
			}
			if got := len(svgStep.FindAllString(body, -1)); got != tt.steps {
				t.Errorf("%d steps drawn, want %d", got, tt.steps)
			}
			following := ""
			if m := follows.FindStringSubmatch(body); m != nil {
				following = tagText.ReplaceAllString(m[1], "")
			}
			if following != tt.following {
				t.Errorf("following the whole flow: %q, want %q", following, tt.following)
			}
		})
	}
}

var stepRow = regexp.MustCompile(`<tr id="[^"]*">(.*)</tr>`)
var cell = regexp.MustCompile(`<td data-label="([^"]*)">(.*?)</td>`)

// The step table shows every catalog field, links only for http and https.
func TestStepTable(t *testing.T) {
	_, body := get(t, serve(t, hostileCatalog(t), nil)+"typ/X.T")
	var got [][]string
	for _, row := range stepRow.FindAllStringSubmatch(body, -1) {
		var cells []string
		for _, c := range cell.FindAllStringSubmatch(row[1], -1) {
			cells = append(cells, c[1]+": "+c[2])
		}
		got = append(got, cells)
	}
	want := [][]string{{
		"Id: <code>X.T.A</code>",
		"Namn: &lt;script&gt;alert(3)&lt;/script&gt;",
		"Rubrik: &lt;i&gt;r&lt;/i&gt;",
		"Beskrivning: &lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;x&lt;/script&gt;",
		"Kundåtgärd: Nej",
		"Klart: Nej",
		"Behörighet: &#39; onmouseover=&#39;alert(4)",
		"API: javascript:alert(5)",
		`Dokumentation: <a href="https://docs.example/a?b=1&amp;c=%222%22" rel="noopener noreferrer">https://docs.example/a?b=1&amp;c=&#34;2&#34;</a>`,
	}, {
		"Id: <code>X.T.B</code>",
		"Namn: &#34;&gt;&lt;svg onload=alert(6)&gt;",
		"Rubrik: ",
		"Beskrivning: ",
		"Kundåtgärd: Ja",
		"Klart: Nej",
		"Behörighet: ",
		"API: data:text/html,&lt;script&gt;alert(7)&lt;/script&gt;",
		"Dokumentation: //evil.example/x",
	}, {
		"Id: <code>X.T.C</code>",
		"Namn: Klart ]]&gt; &lt;!-- --&gt;",
		"Rubrik: ",
		"Beskrivning: ",
		"Kundåtgärd: Nej",
		"Klart: Ja",
		"Behörighet: ",
		`API: <a href="http://api.example/c" rel="noopener noreferrer">http://api.example/c</a>`,
		"Dokumentation: ",
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("step table mismatch (-want +got):\n%s", diff)
	}
}

// Producer text never reaches a page as markup, on any page the links
// lead to, and the links to a producer named with a slash and å, ä, ö work.
func TestEscapes(t *testing.T) {
	root := serve(t, hostileCatalog(t), nil)
	pages := crawl(t, root)
	if len(pages) != 1+1+3+1 { // index, type, three producers, stylesheet
		t.Errorf("reached %d pages, want 6: %v", len(pages), slices.Sorted(mapsKeys(pages)))
	}
	for u, body := range pages {
		// The hostile text shows, escaped; only markup counts.
		if m := inlineMarkup.FindString(body); m != "" {
			t.Errorf("%s has %q", u, m)
		}
		if strings.Contains(body, "<img") || strings.Contains(body, "<b>") || strings.Contains(body, "<i>") || strings.Contains(body, "<svg onload") {
			t.Errorf("%s has producer markup unescaped", u)
		}
	}
	_, body := get(t, root+"producent/"+url.PathEscape("P3 / Åäö & co"))
	if !strings.Contains(body, "<h1>P3 / Åäö &amp; co</h1>") {
		t.Errorf("the producer page of a name with a slash does not show it:\n%s", body)
	}
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestNotFound(t *testing.T) {
	root := serve(t, sampleCatalog(t), nil)
	tests := []struct {
		path, message, home string
	}{
		{"typ/SKV.NOPE", "Det finns ingen producentärendetyp ”SKV.NOPE” i katalogen.", "../"},
		{"typ/%3Cscript%3E", "Det finns ingen producentärendetyp ”&lt;script&gt;” i katalogen.", "../"},
		{"producent/Ingen%20alls", "Det finns ingen producent ”Ingen alls” i katalogen.", "../"},
		// One segment with an escaped slash: one level down, not two.
		{"producent/a%2Fb", "Det finns ingen producent ”a/b” i katalogen.", "../"},
		{"nope", "Sidan finns inte.", "./"},
		{"a/b/c", "Sidan finns inte.", "../../"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := get(t, root+tt.path)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("status %d, want 404", resp.StatusCode)
			}
			if !strings.Contains(body, "<p>"+tt.message+"</p>") {
				t.Errorf("page does not say %q:\n%s", tt.message, body)
			}
			if !strings.Contains(body, `<a href="`+tt.home+`">Till katalogens startsida</a>`) {
				t.Errorf("page does not link home with %q:\n%s", tt.home, body)
			}
		})
	}
}

func TestOptionsTitle(t *testing.T) {
	_, body := get(t, serve(t, sampleCatalog(t), &viewer.Options{Title: "Värmdös <katalog>"})+"typ/SKV.MOMS")
	for _, want := range []string{"<title>Momsdeklaration – Värmdös &lt;katalog&gt;</title>", `<a class="sidhuvud__namn" href="../">Värmdös &lt;katalog&gt;</a>`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// fanCatalog holds one valid type whose layout is the costliest kind: a
// chain of n steps and an edge from the start to every step.
func fanCatalog(t testing.TB, n int) *catalog.Catalog {
	t.Helper()
	var steps, edges []string
	for i := range n {
		steps = append(steps, fmt.Sprintf(`{"id": "F.T.S%d", "namn": "Steg %d", "klart": %v}`, i, i, i == n-1))
		if i > 0 {
			edges = append(edges, fmt.Sprintf(`["F.T.S%d", "F.T.S%d"]`, i-1, i))
		}
		if i > 1 {
			edges = append(edges, fmt.Sprintf(`["F.T.S0", "F.T.S%d"]`, i))
		}
	}
	c, err := catalog.Parse([]byte(`{"producentarendetyper": [{"id": "F.T", "namn": "Solfjäder", "producenter": ["P"],
		"kundhandelsetyper": [` + strings.Join(steps, ",") + `],
		"flode": {"start": ["F.T.S0"], "overgangar": [` + strings.Join(edges, ",") + `], "slut": ["F.T.S` + fmt.Sprint(n-1) + `"]}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A flow too large to draw leaves a note in its place and the step table
// whole; one that can be drawn is drawn once, by New, not per request.
func TestLargeFlows(t *testing.T) {
	t.Run("too large", func(t *testing.T) {
		resp, body := get(t, serve(t, fanCatalog(t, 800), nil)+"typ/F.T")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d, want 200", resp.StatusCode)
		}
		if !strings.Contains(body, "Flödet är för stort för att ritas") || strings.Contains(body, "<svg") {
			t.Errorf("page has no note in place of the picture:\n%.2000s", body)
		}
		if !strings.Contains(body, "F.T.S799") {
			t.Error("page lacks the last step in its table")
		}
	})
	t.Run("drawn once", func(t *testing.T) {
		h := viewer.New(fanCatalog(t, 100), nil) // about 130 000 allocations to draw
		req := httptest.NewRequest(http.MethodGet, "/typ/F.T", nil)
		allocs := testing.AllocsPerRun(5, func() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "<svg") {
				t.Fatalf("status %d, or no picture", rec.Code)
			}
		})
		if allocs > 20000 {
			t.Errorf("a page view allocates %v times; the flow is drawn per request", allocs)
		}
	})
}
