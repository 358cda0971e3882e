package widget_test

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/flow"
	"github.com/aterkoppling/minaarenden/flow/widget"
)

// FuzzRender feeds arbitrary producer text and link URLs through the
// widget and checks the fragment stays inert: only allowed elements and
// attributes, every href an http(s) URL, and the text coming back as text.
func FuzzRender(f *testing.F) {
	f.Add("Ansökan mottagen", "Vi har tagit emot din ansökan.", "Komplettera", "https://e-tjanst.example/a?b=1&c=2", "2026/01877")
	f.Add(hostile, hostile, hostile, "javascript:alert(1)", hostile)
	f.Add(`"><img src=x onerror=alert(1)>`, `</p><script>x</script>`, `' onclick='y`, `https://x.example/"onmouseover="z`, `]]><!--`)
	f.Add("a", "b", "c", "HTTPS://EXAMPLE.SE/%3Cscript%3E", "")
	f.Fuzz(func(t *testing.T, rubrik, beskrivning, lanktext, url, referens string) {
		// encoding/xml, the checker, refuses invalid UTF-8 and most control
		// characters that html/template passes through as text. JSON
		// decoding has already replaced invalid UTF-8 in real events.
		clean := func(s string) string {
			if !utf8.ValidString(s) {
				s = strings.ToValidUTF8(s, "\uFFFD")
			}
			return strings.Map(func(r rune) rune {
				if unicode.IsControl(r) || r == 0xFFFE || r == 0xFFFF {
					return ' '
				}
				return r
			}, s)
		}
		rubrik, beskrivning, lanktext, url, referens = clean(rubrik), clean(beskrivning), clean(lanktext), clean(url), clean(referens)
		in := &flow.Instance{Typ: "PRV.VARUMARKE", Producent: "PRV", Referens: referens,
			Status: flow.VantarPaKund, Bollen: flow.BollenKund,
			Events: []*minaarenden.Kundhandelse{{KundhandelseID: "1", Rubrik: rubrik, Beskrivning: beskrivning,
				Tidpunkt:   time.Date(2026, 3, 24, 15, 20, 0, 0, time.UTC),
				Referenser: minaarenden.Referenser{{Nyckel: "etjanst", Varden: []minaarenden.ReferensVarde{{URL: url, Lanktext: lanktext}}}}}},
		}
		out := render(t, nil, []*flow.Instance{in})
		checkInert(t, out)
		doc := parse(t, out)
		norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }
		if got := doc.withClass("ma-handelse__rubrik"); len(got) != 1 || got[0].text() != norm(rubrik) {
			t.Errorf("rubrik %q came back as %v", rubrik, got)
		}
	})
}

func BenchmarkRender(b *testing.B) {
	cat, instances := loadPia(b)
	var sb strings.Builder
	for b.Loop() {
		sb.Reset()
		if err := widget.Render(&sb, cat, instances); err != nil {
			b.Fatal(err)
		}
	}
}
