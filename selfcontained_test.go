package minaarenden_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestRepositoryIsSelfContained: godoc, the README and docs/ must not send
// a reader to notes that are not in the repository. The names are built
// from parts so this file does not find itself.
func TestRepositoryIsSelfContained(t *testing.T) {
	outside := []string{"design" + ".md", "standard" + ".md", ".." + "/shared"}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && path != "." {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(path); ext != ".go" && ext != ".md" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			for _, o := range outside {
				if strings.Contains(line, o) {
					t.Errorf("%s:%d refers to %s, which is not in the repository: %s", path, i+1, o, strings.TrimSpace(line))
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestAdoptionFiles: what someone adopting the module looks for first is
// there and agrees with go.mod — the licence, the changelog, the install
// line, the supported Go versions and the versioning policy.
func TestAdoptionFiles(t *testing.T) {
	license := read(t, "LICENSE")
	for _, want := range []string{"MIT License", "Copyright (c) 2026 The minaarenden authors", "WITHOUT WARRANTY OF ANY KIND"} {
		if !strings.Contains(license, want) {
			t.Errorf("LICENSE lacks %q", want)
		}
	}
	changelog := read(t, "CHANGELOG.md")
	for _, want := range []string{"Keep a Changelog", "Semantic Versioning", "## [Unreleased]"} {
		if !strings.Contains(changelog, want) {
			t.Errorf("CHANGELOG.md lacks %q", want)
		}
	}
	readme := strings.Join(strings.Fields(read(t, "README.md")), " ") // wrapping aside
	gomod := read(t, "go.mod")
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(gomod)
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	for _, want := range []string{
		"go get github.com/aterkoppling/minaarenden@latest",
		"Supported Go versions: " + m[1] + " and later",
		"v0 until the API settles",
		"CHANGELOG.md", "LICENSE",
		"MINAARENDEN_REQUIRE_TOOLS", "--- SKIP",
	} {
		if !strings.Contains(readme, want) {
			t.Errorf("README lacks %q", want)
		}
	}
}
