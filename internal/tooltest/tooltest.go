// Package tooltest finds the external programs some tests need (Graphviz
// dot, Chromium). Where one is missing the test is skipped, saying what to
// install — or fails, when MINAARENDEN_REQUIRE_TOOLS is set, as .ci/run
// sets it: in CI a check that skipped is a check that did not run.
package tooltest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// RequireEnv is the environment variable that turns a missing tool from a
// skip into a failure.
const RequireEnv = "MINAARENDEN_REQUIRE_TOOLS"

// Find returns the path of the first of names on PATH. With none found it
// skips t, or fails it when RequireEnv is set; install says how to get
// one ("apt-get install graphviz").
func Find(t testing.TB, install string, names ...string) string {
	t.Helper()
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	why := strings.Join(names, ", ") + " not found"
	if len(names) > 1 {
		why = "none of " + strings.Join(names, ", ") + " found"
	}
	why += "; " + install + " to run this test"
	if os.Getenv(RequireEnv) != "" {
		t.Fatal(why + " (" + RequireEnv + " is set)")
	}
	t.Skip(why)
	return ""
}
