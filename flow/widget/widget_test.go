package widget_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/catalog"
	"github.com/aterkoppling/minaarenden/catalog/sample"
	"github.com/aterkoppling/minaarenden/flow"
	"github.com/aterkoppling/minaarenden/flow/widget"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func loadPia(t testing.TB) (*catalog.Catalog, []*flow.Instance) {
	t.Helper()
	cat, err := sample.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "pia", "kundhandelser.json"))
	if err != nil {
		t.Fatal(err)
	}
	var events []minaarenden.Kundhandelse
	if err := json.Unmarshal(data, &events); err != nil {
		t.Fatal(err)
	}
	var expected []flow.Expected
	for _, s := range []string{"BV.VERKLIG_HUVUDMAN", "SKV.ARBETSGIVARE", "PRV.VARUMARKE", "KOMMUN.FETTAVSKILJARE"} {
		ex, err := flow.ParseExpected(s)
		if err != nil {
			t.Fatal(err)
		}
		expected = append(expected, ex)
	}
	answered := []string{"Bolagsverket", "PRV", "Skatteverket", "Stockholms stad"}
	return cat, flow.Place(cat, events, &flow.Options{Expected: expected, Answered: answered})
}

func TestRenderGolden(t *testing.T) {
	cat, instances := loadPia(t)
	var b bytes.Buffer
	if err := widget.Render(&b, cat, instances); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "pia.html")
	if *update {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("Render mismatch (-want +got):\n%s", diff)
	}
	checkInert(t, b.String())
}

// TestRenderOrder checks that the cases where the customer must act come
// first and finished ones last, whatever order Place returned.
func TestRenderOrder(t *testing.T) {
	cat, instances := loadPia(t)
	doc := parse(t, render(t, cat, instances))
	var got []string
	for _, n := range doc.all("h3") {
		got = append(got, n.text())
	}
	want := []string{
		"Registrera varumärke",    // vantar_pa_kund
		"Anmäla verklig huvudman", // ej_paborjad
		"Anmäla fettavskiljare",   // pagaende
		"Registrera arbetsgivare", // klart
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("case order mismatch (-want +got):\n%s", diff)
	}
}

func TestRenderStatusText(t *testing.T) {
	tests := []struct {
		status     flow.Status
		bollen     flow.Bollen
		wantClass  string
		wantStatus string
		wantBollen string
	}{
		{flow.VantarPaKund, flow.BollenKund, "ma-status--vantar_pa_kund", "Väntar på dig", "Du behöver göra något."},
		{flow.Pagaende, flow.BollenProducent, "ma-status--pagaende", "Handläggs", "PRV arbetar med ärendet."},
		{flow.Klart, flow.BollenIngen, "ma-status--klart", "Klart", "Inget mer att göra."},
		{flow.EjPaborjad, flow.BollenKund, "ma-status--ej_paborjad", "Ej påbörjat", "Du behöver starta ärendet."},
		{flow.Okand, flow.BollenIngen, "ma-status--okand", "Okänt — producenten svarade inte", "Vi kunde inte fråga PRV. Försök igen senare."},
		// A status flow does not define is shown as unknown, never as a class.
		{flow.Status(`x" onclick="alert(1)`), flow.BollenIngen, "ma-status--okand", "Okänt — producenten svarade inte", "Vi kunde inte fråga PRV. Försök igen senare."},
	}
	for _, tt := range tests {
		t.Run(string(tt.status), func(t *testing.T) {
			in := &flow.Instance{Typ: "PRV.VARUMARKE", Producent: "PRV", Status: tt.status, Bollen: tt.bollen}
			out := render(t, nil, []*flow.Instance{in})
			checkInert(t, out)
			doc := parse(t, out)
			status := doc.withClass("ma-status")
			if len(status) != 1 {
				t.Fatalf("got %d status badges, want 1", len(status))
			}
			got := []string{status[0].attr("class"), status[0].text(), doc.withClass("ma-arende__bollen")[0].text()}
			want := []string{"ma-status " + tt.wantClass, tt.wantStatus, tt.wantBollen}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRenderEmpty(t *testing.T) {
	doc := parse(t, render(t, nil, nil))
	if got := doc.withClass("ma-arenden__tomt"); len(got) != 1 || got[0].text() != "Du har inga ärenden just nu." {
		t.Errorf("empty widget: got %v, want the no-cases line", got)
	}
}

// TestRenderSkipsNil: a nil entry in the list (a portal filtering in
// place) shows nothing, and does not stop the others.
func TestRenderSkipsNil(t *testing.T) {
	in := &flow.Instance{Typ: "X.ENKEL", Producent: "Xverket", Status: flow.Pagaende, Bollen: flow.BollenProducent}
	doc := parse(t, render(t, nil, []*flow.Instance{nil, in, nil}))
	if got := doc.withClass("ma-arende__namn"); len(got) != 1 || got[0].text() != "X.ENKEL" {
		t.Errorf("got cases %v, want only X.ENKEL", got)
	}
}

func TestProgress(t *testing.T) {
	_, instances := loadPia(t)
	got := map[string][2]int{}
	for _, in := range instances {
		passed, total := widget.Progress(in)
		got[in.Typ] = [2]int{passed, total}
	}
	want := map[string][2]int{
		"BV.VERKLIG_HUVUDMAN":   {0, 2}, // not started: the shortest way to the end
		"SKV.ARBETSGIVARE":      {3, 3},
		"PRV.VARUMARKE":         {2, 4}, // ansökan, komplettering; granskning, registrerad to go
		"KOMMUN.FETTAVSKILJARE": {2, 3},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Progress mismatch (-want +got):\n%s", diff)
	}
}

// hostile is producer text written to break out of every HTML context the
// widget puts text in.
const hostile = `<script>document.title="pwned"</script>"' onmouseover="alert(1)" <img src=x onerror=alert(2)>&amp;`

func TestRenderEscapes(t *testing.T) {
	when := time.Date(2026, 3, 24, 15, 20, 0, 0, time.UTC)
	link := func(nyckel, url, text string) minaarenden.Referens {
		return minaarenden.Referens{Nyckel: nyckel, Varden: []minaarenden.ReferensVarde{{URL: url, Lanktext: text}}}
	}
	in := &flow.Instance{
		Typ: "PRV.VARUMARKE", Producent: "PRV " + hostile, Referens: hostile,
		Status: flow.VantarPaKund, Bollen: flow.BollenKund,
		Events: []*minaarenden.Kundhandelse{
			{KundhandelseID: "1", Rubrik: hostile, Beskrivning: hostile, Tidpunkt: when,
				Referenser: minaarenden.Referenser{link("etjanst", "javascript:alert(3)", hostile)}},
			{KundhandelseID: "2", Rubrik: "R " + hostile, Beskrivning: "B " + hostile, Tidpunkt: when.Add(time.Hour),
				Referenser: minaarenden.Referenser{{Nyckel: "etjanst", Array: true, Varden: []minaarenden.ReferensVarde{
					{URL: " JaVaScRiPt:alert(4)", Lanktext: "bad1"},
					{URL: "data:text/html,<script>alert(5)</script>", Lanktext: "bad2"},
					{URL: "//evil.example/relative", Lanktext: "bad3"},
					{URL: `https://e-tjanst.example/"><script>alert(6)</script>?a=1&b='x'`, Lanktext: hostile},
					{Text: "vbscript:msgbox(7)"},
				}}}},
		},
	}
	out := render(t, nil, []*flow.Instance{in})
	checkInert(t, out)
	doc := parse(t, out)

	// Producer text comes back as text, character for character.
	texts := []struct{ class, want string }{
		{"ma-arende__producent", "PRV " + hostile + " Ärende " + hostile},
		{"ma-arende__referens", "Ärende " + hostile},
	}
	for _, tt := range texts {
		if got := doc.withClass(tt.class); len(got) != 1 || got[0].text() != tt.want {
			t.Errorf("%s: got %q, want %q", tt.class, got, tt.want)
		}
	}
	var rubriker, beskrivningar []string
	for _, n := range doc.withClass("ma-handelse__rubrik") {
		rubriker = append(rubriker, n.text())
	}
	for _, n := range doc.withClass("ma-handelse__beskrivning") {
		beskrivningar = append(beskrivningar, n.text())
	}
	if diff := cmp.Diff([]string{"R " + hostile, hostile}, rubriker); diff != "" {
		t.Errorf("rubrik mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"B " + hostile, hostile}, beskrivningar); diff != "" {
		t.Errorf("beskrivning mismatch (-want +got):\n%s", diff)
	}

	// Only the https link survives, from the latest event; its text is the
	// hostile lanktext as text and its URL cannot leave the attribute.
	links := doc.all("a")
	if len(links) != 1 {
		t.Fatalf("got %d links, want only the https one: %v", len(links), links)
	}
	if got := links[0].text(); got != hostile {
		t.Errorf("lanktext: got %q, want %q", got, hostile)
	}
	href := links[0].attr("href")
	if !strings.HasPrefix(href, "https://e-tjanst.example/") || strings.ContainsAny(href, `<>"' `) {
		t.Errorf("href %q is not a defused https URL", href)
	}
}

func TestSafeURL(t *testing.T) {
	tests := []struct {
		url  string
		want bool
	}{
		{"https://www.skatteverket.se/foretag", true},
		{"http://kommun.example/etjanst?id=1", true},
		{"HTTPS://PRV.SE/", true},
		{"javascript:alert(1)", false},
		{"JavaScript:alert(1)", false},
		{" javascript:alert(1)", false},
		{"java\tscript:alert(1)", false},
		{"data:text/html,hi", false},
		{"vbscript:msgbox(1)", false},
		{"mailto:info@example.se", false},
		{"//evil.example/", false},
		{"/relative/path", false},
		{"https:no-host", false},
		{"https://www.skatteverket.se@evil.example/", false},
		{"https://user:pass@kommun.example/", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			if got := widget.SafeURL(tt.url); got != tt.want {
				t.Errorf("SafeURL(%q) = %v, want %v", tt.url, got, tt.want)
			}
		})
	}
}

func TestStylesheet(t *testing.T) {
	srv := httptest.NewServer(widget.Stylesheet())
	t.Cleanup(srv.Close)

	resp, err := http.Get(srv.URL + "/widget.css")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	got := []string{resp.Header.Get("Content-Type"), resp.Header.Get("X-Content-Type-Options"), string(body)}
	want := []string{"text/css; charset=utf-8", "nosniff", widget.CSS()}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stylesheet mismatch (-want +got):\n%s", diff)
	}

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/widget.css", nil)
	req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation: got %d, want 304", resp2.StatusCode)
	}
}

// TestCSSCoversClasses checks that every status and step state the widget
// can put in a class attribute has a rule, so a state is never unstyled.
func TestCSSCoversClasses(t *testing.T) {
	for _, s := range []string{"vantar_pa_kund", "ej_paborjad", "pagaende", "klart", "okand"} {
		for _, class := range []string{".ma-arende--" + s, ".ma-status--" + s} {
			if !strings.Contains(widget.CSS(), class+" ") {
				t.Errorf("CSS has no rule for %s", class)
			}
		}
	}
	for _, s := range []flow.StegState{flow.StegDone, flow.StegCurrent, flow.StegSkipped, flow.StegExpected, flow.StegUnvisited} {
		if class := ".ma-steg--" + string(s); !strings.Contains(widget.CSS(), class) {
			t.Errorf("CSS has no rule for %s", class)
		}
	}
}

func render(t testing.TB, c *catalog.Catalog, instances []*flow.Instance) string {
	t.Helper()
	var b bytes.Buffer
	if err := widget.Render(&b, c, instances); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Allowed elements and attributes: what a strict CSP and a reviewer expect
// of the fragment. No script, no style, no on* handler, no other element.
var (
	allowedElements = map[string]bool{"section": true, "ul": true, "ol": true, "li": true, "h3": true,
		"p": true, "span": true, "div": true, "time": true, "a": true, "details": true, "summary": true}
	allowedAttrs = map[string]bool{"class": true, "aria-label": true, "datetime": true, "href": true, "rel": true}
)

// checkInert parses the fragment and fails on any element or attribute
// outside the allowlist and on any link that is not http(s).
func checkInert(t testing.TB, out string) {
	t.Helper()
	checkAllowed(t, out, allowedElements, allowedAttrs)
}

// checkAllowed is checkInert with the allowlists given.
func checkAllowed(t testing.TB, out string, elements, attrs map[string]bool) {
	t.Helper()
	doc := parse(t, out)
	var walk func(n *node)
	walk = func(n *node) {
		if n.name != "" && !elements[n.name] {
			t.Errorf("fragment has a <%s> element", n.name)
		}
		for _, a := range n.attrs {
			if !attrs[a.Name.Local] {
				t.Errorf("<%s> has a %s attribute", n.name, a.Name.Local)
			}
			if a.Name.Local == "href" && !widget.SafeURL(a.Value) {
				t.Errorf("<%s> links to %q", n.name, a.Value)
			}
		}
		for _, c := range n.children {
			walk(c)
		}
	}
	for _, c := range doc.children {
		walk(c)
	}
}

// node is a minimal DOM. The fragment is well-formed XML (html/template
// escapes every text and attribute, and the templates close every element),
// so encoding/xml can read it without a new dependency. A fragment that were
// not well-formed would fail the test, which is what we want too.
type node struct {
	name     string
	attrs    []xml.Attr
	children []*node
	chars    string // text directly in this node, for text nodes (name "")
}

func parse(t testing.TB, s string) *node {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader("<root>" + s + "</root>"))
	d.Strict = true
	root := &node{}
	stack := []*node{root}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("fragment is not well-formed: %v\n%s", err, s)
		}
		top := stack[len(stack)-1]
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{name: tok.Name.Local, attrs: tok.Copy().Attr}
			top.children = append(top.children, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			top.children = append(top.children, &node{chars: string(tok)})
		case xml.ProcInst, xml.Directive:
			t.Fatalf("fragment has %T", tok)
		}
	}
	if len(root.children) != 1 || root.children[0].name != "root" {
		t.Fatalf("unexpected structure")
	}
	return root.children[0]
}

func (n *node) attr(name string) string {
	for _, a := range n.attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n *node) text() string {
	var b strings.Builder
	var walk func(*node)
	walk = func(n *node) {
		b.WriteString(n.chars)
		for _, c := range n.children {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

func (n *node) find(match func(*node) bool) []*node {
	var out []*node
	var walk func(*node)
	walk = func(n *node) {
		if n.name != "" && match(n) {
			out = append(out, n)
		}
		for _, c := range n.children {
			walk(c)
		}
	}
	walk(n)
	return out
}

func (n *node) all(name string) []*node {
	return n.find(func(m *node) bool { return m.name == name })
}

func (n *node) withClass(class string) []*node {
	return n.find(func(m *node) bool {
		for _, c := range strings.Fields(m.attr("class")) {
			if c == class {
				return true
			}
		}
		return false
	})
}

func (n *node) String() string { return "<" + n.name + ">" + n.text() }

// TestFragment checks that the template.HTML a portal embeds is exactly
// what Render writes, so it passes through the portal's own html/template
// unescaped and unchanged.
func TestFragment(t *testing.T) {
	cat, instances := loadPia(t)
	frag, err := widget.Fragment(cat, instances)
	if err != nil {
		t.Fatal(err)
	}
	page := template.Must(template.New("page").Parse(`<main>{{.}}</main>`))
	var b bytes.Buffer
	if err := page.Execute(&b, frag); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("<main>"+render(t, cat, instances)+"</main>", b.String()); diff != "" {
		t.Errorf("Fragment in a page mismatch (-want +got):\n%s", diff)
	}
}

// TestSecure checks the headers on every response, whatever the handler
// sets and whatever its status.
func TestSecure(t *testing.T) {
	h := widget.Secure(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.NotFound(w, r)
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/nope", nil))
	got := []string{rec.Header().Get("Content-Security-Policy"), rec.Header().Get("X-Content-Type-Options"), rec.Header().Get("Referrer-Policy")}
	want := []string{"default-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'", "nosniff", "no-referrer"}
	if diff := cmp.Diff(want, got); diff != "" || rec.Code != http.StatusNotFound {
		t.Errorf("headers mismatch (-want +got):\n%s(status %d)", diff, rec.Code)
	}
}
