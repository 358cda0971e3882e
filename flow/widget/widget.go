package widget

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/catalog"
	"github.com/aterkoppling/minaarenden/flow"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

var tmpl = template.Must(template.ParseFS(templateFS, "templates/*.tmpl"))

// Render writes the widget for instances as an HTML fragment: one
// <section class="ma-arenden"> holding a list of cases, the ones where the
// customer has the ball first, otherwise in the order given (flow.Place's
// order). Case and step names come from c; a nil c falls back to the type ids.
//
// Every piece of producer text goes through html/template's contextual
// escaping, and links are kept only when they are absolute http or https
// URLs. The fragment has no script, no inline style and no event-handler
// attributes; its look comes from CSS classes (see CSS and Stylesheet).
func Render(w io.Writer, c *catalog.Catalog, instances []*flow.Instance) error {
	if err := tmpl.ExecuteTemplate(w, "arenden", newView(c, instances)); err != nil {
		return fmt.Errorf("widget: %w", err)
	}
	return nil
}

// Fragment renders the widget into a template.HTML, for a portal that puts
// it into its own html/template page with {{.}}. The value is safe to trust
// because html/template produced it.
func Fragment(c *catalog.Catalog, instances []*flow.Instance) (template.HTML, error) {
	var b bytes.Buffer
	if err := Render(&b, c, instances); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}

// view is everything the template shows, decided here so that the template
// only prints. Strings are plain text; html/template escapes them.
type view struct {
	Arenden []arende
}

type arende struct {
	Namn, Producent, Referens string
	Status                    string // CSS modifier, one of the flow statuses
	StatusText, BollenText    string
	Klara, Totalt             int // steps passed, steps in the path; Totalt 0 when unknown
	Steg                      []steg
	Senaste                   *handelse
	Tidigare                  []handelse // older events, newest first
	Lankar                    []lank
	Servicelofte              string
}

type steg struct {
	Namn       string
	State      string // CSS modifier, one of the flow step states
	StateText  string
	Kundatgard bool
}

type handelse struct {
	Rubrik, Beskrivning string
	Datum, DatumISO     string
}

type lank struct {
	URL, Text string
}

var statusText = map[flow.Status]string{
	flow.VantarPaKund: "Väntar på dig",
	flow.Pagaende:     "Handläggs",
	flow.Klart:        "Klart",
	flow.EjPaborjad:   "Ej påbörjat",
	flow.Okand:        "Okänt — producenten svarade inte",
}

// statusOrder puts the cases where the customer must act first, and
// finished cases last: a portal's reader looks for what to do.
var statusOrder = map[flow.Status]int{
	flow.VantarPaKund: 0,
	flow.EjPaborjad:   1,
	flow.Okand:        2,
	flow.Pagaende:     3,
	flow.Klart:        4,
}

func newView(c *catalog.Catalog, instances []*flow.Instance) view {
	v := view{Arenden: make([]arende, 0, len(instances))}
	// A nil entry shows nothing; it is dropped before sorting reads it.
	sorted := slices.DeleteFunc(slices.Clone(instances), func(in *flow.Instance) bool { return in == nil })
	slices.SortStableFunc(sorted, func(a, b *flow.Instance) int {
		return rank(a.Status) - rank(b.Status)
	})
	for _, in := range sorted {
		v.Arenden = append(v.Arenden, newArende(c, in))
	}
	return v
}

func rank(s flow.Status) int {
	if r, ok := statusOrder[s]; ok {
		return r
	}
	return len(statusOrder)
}

func newArende(c *catalog.Catalog, in *flow.Instance) arende {
	a := arende{
		Namn:      in.Typ,
		Producent: in.Producent,
		Referens:  in.Referens,
		Status:    string(flow.Okand),
	}
	if c != nil {
		if t, ok := c.Type(in.Typ); ok && t.Namn != "" {
			a.Namn = t.Namn
		}
	}
	// Only the statuses flow defines become CSS classes; anything else is
	// shown as unknown rather than trusted into a class attribute.
	if text, ok := statusText[in.Status]; ok {
		a.Status, a.StatusText = string(in.Status), text
	} else {
		a.StatusText = statusText[flow.Okand]
	}
	a.BollenText = bollenText(in)

	for _, s := range in.Steg {
		st := steg{Namn: string(s.Typ), State: string(s.State), StateText: stateText(in.Status, s.State)}
		if c != nil {
			if k, ok := c.Step(s.Typ); ok {
				if k.Namn != "" {
					st.Namn = k.Namn
				}
				st.Kundatgard = k.Kundatgard
			}
		}
		if st.StateText == "" {
			continue // a state flow does not define: nothing true to show
		}
		a.Steg = append(a.Steg, st)
	}
	a.Klara, a.Totalt = Progress(in)

	for i := len(in.Events) - 1; i >= 0; i-- {
		e := in.Events[i]
		h := handelse{Rubrik: e.Rubrik, Beskrivning: e.Beskrivning}
		if !e.Tidpunkt.IsZero() {
			t := e.Tidpunkt.In(minaarenden.Stockholm())
			h.Datum, h.DatumISO = datum(t), t.Format(time.RFC3339)
		}
		if a.Senaste == nil {
			a.Senaste = &h
		} else {
			a.Tidigare = append(a.Tidigare, h)
		}
		if a.Lankar == nil {
			a.Lankar = links(e.Referenser.Etjanst())
		}
		if a.Servicelofte == "" && in.Status == flow.Pagaende {
			a.Servicelofte = e.Servicelofte()
		}
	}
	return a
}

// Progress counts an instance's steps for a "2 av 4 steg" line: passed are
// the steps with an event (done and current) plus those the case went past
// without reporting (skipped); total adds the steps still expected on the
// shortest way to the end. Steps on branches not taken count in neither.
// Both are 0 for a type the catalog lacks.
func Progress(in *flow.Instance) (passed, total int) {
	for _, s := range in.Steg {
		switch s.State {
		case flow.StegDone, flow.StegCurrent, flow.StegSkipped:
			passed++
			total++
		case flow.StegExpected:
			total++
		}
	}
	return passed, total
}

func bollenText(in *flow.Instance) string {
	vem := in.Producent
	if vem == "" {
		vem = "Myndigheten"
	}
	switch in.Status {
	case flow.VantarPaKund:
		return "Du behöver göra något."
	case flow.EjPaborjad:
		return "Du behöver starta ärendet."
	case flow.Pagaende:
		return vem + " arbetar med ärendet."
	case flow.Klart:
		return "Inget mer att göra."
	}
	if in.Producent == "" {
		return "Vi kunde inte fråga alla myndigheter. Försök igen senare."
	}
	return "Vi kunde inte fråga " + in.Producent + ". Försök igen senare."
}

func stateText(status flow.Status, s flow.StegState) string {
	switch s {
	case flow.StegDone:
		return "Klart"
	case flow.StegCurrent:
		if status == flow.VantarPaKund {
			return "Väntar på dig"
		}
		return "Pågår"
	case flow.StegSkipped:
		return "Hoppades över"
	case flow.StegExpected:
		return "Återstår"
	case flow.StegUnvisited:
		if status == flow.Klart {
			return "Inte aktuellt"
		}
		return "Möjligt steg"
	}
	return ""
}

// links keeps the etjanst links a browser may follow: absolute http and
// https URLs with a host. javascript:, data: and relative URLs are dropped
// here, before html/template's own URL filter would have defused them.
func links(r minaarenden.Referens) []lank {
	var out []lank
	for _, l := range r.Links() {
		if !SafeURL(l.URL) {
			continue
		}
		text := strings.TrimSpace(l.Lanktext)
		if text == "" {
			text = "Gå till e-tjänsten"
		}
		out = append(out, lank{URL: l.URL, Text: text})
	}
	return out
}

// SafeURL reports whether s is an absolute http or https URL with a host
// and no user info, the only links the widget renders. User info is
// refused because "https://www.skatteverket.se@evil.example/" reads as the
// agency's address but goes to evil.example.
func SafeURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil {
		return false
	}
	return u.Scheme == "http" || u.Scheme == "https" // Parse lower-cases the scheme
}

var manader = [...]string{"januari", "februari", "mars", "april", "maj", "juni",
	"juli", "augusti", "september", "oktober", "november", "december"}

// datum writes a day the Swedish way, "24 mars 2026".
func datum(t time.Time) string {
	return fmt.Sprintf("%d %s %d", t.Day(), manader[t.Month()-1], t.Year())
}
