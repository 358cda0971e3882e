package minaarenden_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The README shows code and a picture that tests produce elsewhere; this
// keeps them from drifting apart.
func TestREADMEMatchesItsSources(t *testing.T) {
	readme := read(t, "README.md")
	block := func(lang string) string {
		m := regexp.MustCompile("(?s)```" + lang + "\n(.*?)```").FindStringSubmatch(readme)
		if m == nil {
			t.Fatalf("README has no %s block", lang)
		}
		return m[1]
	}

	if got, want := block("mermaid"), read(t, "flow/testdata/pia.prv.varumarke.mmd"); got != want {
		t.Errorf("README's Mermaid picture differs from flow's golden pia.prv.varumarke.mmd:\n%s", got)
	}

	example := read(t, "examples/foretagstjanst/readme_test.go")
	m := regexp.MustCompile(`(?s)// README begins\n(.*?)\t// README ends\n.*// Output:\n(.*?)}`).FindStringSubmatch(example)
	if m == nil {
		t.Fatal("Example_readme has lost its README markers")
	}
	var want strings.Builder
	for _, line := range strings.SplitAfter(m[1], "\n") {
		want.WriteString(strings.TrimPrefix(line, "\t"))
	}
	want.WriteString(strings.ReplaceAll(m[2], "\t// ", "// "))
	if got := block("go"); got != want.String() {
		t.Errorf("README's Go example differs from Example_readme.\nREADME:\n%s\nExample:\n%s", got, want.String())
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
