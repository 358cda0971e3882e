package tooltest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aterkoppling/minaarenden/internal/tooltest"
)

// TestFind runs a test needing a program that does not exist in a child
// process, with and without RequireEnv: it skips, or fails.
func TestFind(t *testing.T) {
	if os.Getenv("TOOLTEST_CHILD") != "" {
		tooltest.Find(t, "install nothing", "minaarenden-no-such-tool")
		t.Log("reached after a missing tool")
		return
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, require string
		wantFail      bool
		wantText      string
	}{
		{"skips without the variable", "", false, "--- SKIP: TestFind"},
		{"fails with the variable", "1", true, "MINAARENDEN_REQUIRE_TOOLS is set"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(exe, "-test.run=^TestFind$", "-test.v")
			cmd.Env = append(os.Environ(), "TOOLTEST_CHILD=1", tooltest.RequireEnv+"="+tt.require)
			out, err := cmd.CombinedOutput()
			if failed := err != nil; failed != tt.wantFail || !strings.Contains(string(out), tt.wantText) {
				t.Errorf("child failed %v (want %v), output lacks %q:\n%s", failed, tt.wantFail, tt.wantText, out)
			}
			if strings.Contains(string(out), "reached after a missing tool") {
				t.Errorf("the test went on without its tool:\n%s", out)
			}
		})
	}
	// A program that is there is found.
	dir := t.TempDir()
	tool := filepath.Join(dir, "minaarenden-fake-tool")
	if err := os.WriteFile(tool, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	if got := tooltest.Find(t, "", "minaarenden-missing", "minaarenden-fake-tool"); got != tool {
		t.Errorf("Find = %q, want %q", got, tool)
	}
}
