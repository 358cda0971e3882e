package viewer

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aterkoppling/minaarenden/catalog"
	"github.com/aterkoppling/minaarenden/flow/widget"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

//go:embed viewer.css
var css []byte

var (
	tmpl    = template.Must(template.ParseFS(templateFS, "templates/*.tmpl"))
	cssETag = func() string {
		sum := sha256.Sum256(css)
		return `"` + hex.EncodeToString(sum[:8]) + `"`
	}()
)

// Options configures the viewer. The zero value, or nil, is the default.
type Options struct {
	// Title heads every page and names the site in the browser's title
	// bar; default "Kundhändelsetypskatalog".
	Title string
}

// maxQuery bounds the filter text and any name from a URL shown on a
// page; a longer one is cut, not refused.
const maxQuery = 100

func cut(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) > maxQuery {
		s = string([]rune(s)[:maxQuery]) + "…"
	}
	return s
}

// New returns an http.Handler serving the pages for c, read-only, from the
// root of its paths:
//
//	GET /                  the index: producers and producentärendetyper, ?q= filters by name
//	GET /typ/{id}          a producentärendetyp: its flows as SVG and its steps
//	GET /producent/{namn}  a producer and its producentärendetyper
//	GET /viewer.css        the stylesheet the pages link to
//
// Every link is relative, so the viewer may be mounted under any prefix
// with http.StripPrefix. The paths do not clash with catalog.Handler's, so
// both can share one root (see the package documentation). Every response
// carries widget.Secure's headers; an unknown path, type or producer gets a
// 404 page. c must not be nil and must not change while served: New draws
// every type's flows once, and the pages serve those pictures; serve a
// changed catalog with a new handler. A flow too large to draw
// (catalog.ErrFlowTooLarge) shows a short note in its place; its step
// table still shows.
func New(c *catalog.Catalog, opts *Options) http.Handler {
	v := &viewer{c: c, title: "Kundhändelsetypskatalog", byProducer: make(map[string][]*catalog.Producentarendetyp)}
	if opts != nil && opts.Title != "" {
		v.title = opts.Title
	}
	for _, t := range c.Producentarendetyper {
		for _, p := range t.Producenter {
			v.byProducer[p] = append(v.byProducer[p], t)
		}
	}
	for p := range v.byProducer {
		v.producers = append(v.producers, p)
	}
	slices.SortFunc(v.producers, compareSwedish)
	v.types = slices.Clone(c.Producentarendetyper)
	v.flows = make(map[string]typeFlows, len(c.Producentarendetyper))
	for _, t := range c.Producentarendetyper {
		v.flows[t.ID] = drawFlows(t)
	}
	slices.SortStableFunc(v.types, func(a, b *catalog.Producentarendetyp) int { return compareSwedish(a.Namn, b.Namn) })

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", v.index)
	mux.HandleFunc("GET /typ/{id}", v.typ)
	mux.HandleFunc("GET /producent/{namn}", v.producent)
	mux.HandleFunc("GET /viewer.css", stylesheet)
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		v.notFound(w, r, "Sidan finns inte.")
	})
	return widget.Secure(mux)
}

type viewer struct {
	c          *catalog.Catalog
	title      string
	producers  []string // sorted
	types      []*catalog.Producentarendetyp
	byProducer map[string][]*catalog.Producentarendetyp
	flows      map[string]typeFlows // type id → its pictures, drawn by New
}

// page is what every template gets: the site's title, the relative path
// back to the viewer's root, and the page's own data.
type page struct {
	Site  string
	Title string
	Root  string // "" on the index, "../" one level down
	Data  any
}

func stylesheet(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("ETag", cssETag)
	http.ServeContent(w, r, "viewer.css", time.Time{}, bytes.NewReader(css))
}

// render executes a template into a buffer first, so a failure sends a
// clean 500 rather than half a page.
func (v *viewer) render(w http.ResponseWriter, status int, name string, p page) {
	p.Site = v.title
	var b bytes.Buffer
	if err := tmpl.ExecuteTemplate(&b, name, p); err != nil {
		http.Error(w, "Sidan kunde inte visas.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

func (v *viewer) notFound(w http.ResponseWriter, r *http.Request, message string) {
	// The 404 page may be deep or shallow; links from it go to the root,
	// found by counting the path's segments below it.
	// The escaped path, as the browser resolves links against it: a
	// producer named "a/b" is one segment, "a%2Fb".
	root := strings.Repeat("../", strings.Count(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/"))
	v.render(w, http.StatusNotFound, "saknas", page{Title: "Sidan finns inte", Root: root, Data: message})
}

// typeRow is one producentärendetyp in a list.
type typeRow struct {
	ID, Namn, Path string
	Producenter    []producerLink
	Steg           int
	Variant        bool // on a producer's page: the producer has its own slice
}

type producerLink struct {
	Namn, Path string
}

// typeRow describes t for a page root below the viewer's root.
func (v *viewer) typeRow(t *catalog.Producentarendetyp, root string) typeRow {
	r := typeRow{ID: t.ID, Namn: t.Namn, Path: root + "typ/" + url.PathEscape(t.ID), Steg: len(t.Kundhandelsetyper)}
	for _, p := range t.Producenter {
		r.Producenter = append(r.Producenter, producerLink{p, producerPath(root, p)})
	}
	return r
}

// producerPath is the producer page's path from a page root below the
// viewer's root. Names hold spaces, å, ä, ö and any other character;
// PathEscape keeps each one segment.
func producerPath(root, p string) string { return root + "producent/" + url.PathEscape(p) }

type indexData struct {
	Query          string
	Types          []typeRow
	Producers      []producerRow
	TotalTypes     int
	TotalProducers int
}

type producerRow struct {
	producerLink
	Typer int
}

func (v *viewer) index(w http.ResponseWriter, r *http.Request) {
	q := strings.ToValidUTF8(strings.TrimSpace(r.URL.Query().Get("q")), "\uFFFD")
	if utf8.RuneCountInString(q) > maxQuery {
		q = strings.TrimSpace(string([]rune(q)[:maxQuery])) // the form's maxlength; a longer one is cut
	}
	match := func(s string) bool { return strings.Contains(strings.ToLower(s), strings.ToLower(q)) }
	d := indexData{Query: q, TotalTypes: len(v.types), TotalProducers: len(v.producers)}
	for _, t := range v.types {
		if q == "" || match(t.ID) || match(t.Namn) || slices.ContainsFunc(t.Producenter, match) {
			d.Types = append(d.Types, v.typeRow(t, ""))
		}
	}
	for _, p := range v.producers {
		if q == "" || match(p) {
			d.Producers = append(d.Producers, producerRow{producerLink{p, producerPath("", p)}, len(v.byProducer[p])})
		}
	}
	v.render(w, http.StatusOK, "index", page{Title: v.title, Data: d})
}

type typData struct {
	typeRow
	Beskrivning string
	Flows       []flowView
	// Following are the producers whose flow is the whole union.
	Following []producerLink
	Steps     []stepRow
}

type flowView struct {
	Caption string
	SVG     template.HTML
	Note    string // instead of SVG, when the flow is too large to draw
}

type stepRow struct {
	ID, Namn, Rubrik, Beskrivning string
	Kundatgard, Klart             bool
	Behorighet                    string
	API, Dokumentation            link
}

// link is a URL from the catalog: Href is set only for an absolute http or
// https URL (widget.SafeURL), anything else is shown as text.
type link struct {
	Text, Href string
}

func newLink(s string) link {
	if widget.SafeURL(s) {
		return link{Text: s, Href: s}
	}
	return link{Text: s}
}

func (v *viewer) typ(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	t, ok := v.c.Type(id)
	if !ok {
		v.notFound(w, r, fmt.Sprintf("Det finns ingen producentärendetyp ”%s” i katalogen.", cut(id)))
		return
	}
	f := v.flows[t.ID]
	d := typData{typeRow: v.typeRow(t, "../"), Beskrivning: t.Beskrivning, Flows: f.flows}
	for _, p := range f.following {
		d.Following = append(d.Following, producerLink{p, producerPath("../", p)})
	}
	for _, s := range t.Kundhandelsetyper {
		d.Steps = append(d.Steps, stepRow{ID: string(s.ID), Namn: s.Namn, Rubrik: s.Rubrik, Beskrivning: s.Beskrivning,
			Kundatgard: s.Kundatgard, Klart: s.Klart, Behorighet: s.Behorighet,
			API: newLink(s.API), Dokumentation: newLink(s.Dokumentation)})
	}
	title := t.Namn
	if title == "" {
		title = t.ID
	}
	v.render(w, http.StatusOK, "typ", page{Title: title, Root: "../", Data: d})
}

// typeFlows is a type's pictures: the union, then each producer's slice
// that differs from it.
type typeFlows struct {
	flows     []flowView
	following []string // the producers whose flow is the whole union
}

func drawFlows(t *catalog.Producentarendetyp) typeFlows {
	var f typeFlows
	union := t.Graph("")
	f.flows = append(f.flows, drawFlow("Hela flödet", union))
	for _, p := range t.Producenter {
		g := t.Graph(p)
		if sameFlow(g, union) {
			// Worth saying only when another producer's flow differs.
			if len(t.Producenter) > 1 {
				f.following = append(f.following, p)
			}
			continue
		}
		f.flows = append(f.flows, drawFlow("Flödet hos "+p, g))
	}
	return f
}

// tooLarge stands in for a picture catalog.SVG refuses to draw.
const tooLarge = "Flödet är för stort för att ritas; stegen står i tabellen nedan."

// drawFlow draws g for inlining. catalog.SVG escapes all text and writes
// no script or style, which is what makes it safe to trust as HTML. Into
// a strings.Builder its only error is ErrFlowTooLarge.
func drawFlow(caption string, g *catalog.Graph) flowView {
	var b strings.Builder
	if err := catalog.SVG(&b, g, nil); err != nil {
		return flowView{Caption: caption, Note: tooLarge}
	}
	return flowView{Caption: caption, SVG: template.HTML(b.String())}
}

// sameFlow reports whether a producer's graph is the union itself.
func sameFlow(g, union *catalog.Graph) bool {
	return slices.Equal(g.Nodes, union.Nodes) && slices.Equal(g.Edges, union.Edges)
}

type producentData struct {
	Namn  string
	Types []typeRow
}

func (v *viewer) producent(w http.ResponseWriter, r *http.Request) {
	p := r.PathValue("namn")
	types := v.byProducer[p]
	if len(types) == 0 {
		v.notFound(w, r, fmt.Sprintf("Det finns ingen producent ”%s” i katalogen.", cut(p)))
		return
	}
	d := producentData{Namn: p}
	for _, t := range types {
		row := v.typeRow(t, "../")
		_, row.Variant = t.Variant(p)
		row.Steg = len(t.Graph(p).Nodes)
		d.Types = append(d.Types, row)
	}
	v.render(w, http.StatusOK, "producent", page{Title: p, Root: "../", Data: d})
}

// compareSwedish orders names as a Swedish reader expects: case folded,
// and å, ä, ö after z in that order (Unicode puts ä before å).
func compareSwedish(a, b string) int {
	return strings.Compare(swedishKey(a), swedishKey(b))
}

func swedishKey(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case 'å', 'Å':
			return 'z' + 1
		case 'ä', 'Ä', 'æ', 'Æ':
			return 'z' + 2
		case 'ö', 'Ö', 'ø', 'Ø':
			return 'z' + 3
		}
		return unicode.ToLower(r)
	}, s)
}
