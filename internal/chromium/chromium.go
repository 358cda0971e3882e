// Package chromium runs headless Chromium for the browser tests of the
// pages the SDK serves (examples/minasidor's portal, catalog/viewer's
// catalog): load a page as a user's browser would, under its real
// Content-Security-Policy, and read back the DOM, the console or a
// screenshot. Tests skip when no Chromium is installed, and fail in CI.
package chromium

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aterkoppling/minaarenden/internal/tooltest"
)

// Skip returns the browser's path. Without one it skips t, or fails it
// when tooltest.RequireEnv is set, as in CI; -short skips too.
func Skip(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skipping the headless-browser test")
	}
	return tooltest.Find(t, "apt-get install chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
}

// Page is what one page load gave.
type Page struct {
	DOM string // the DOM after load, serialised (--dump-dom)
	// Console holds the page's console messages, CSP violations among
	// them ("… violates the following Content Security Policy directive …").
	Console []string
}

var consoleLine = regexp.MustCompile(`:INFO:CONSOLE[^\]]*\] (.*)`)

// Load loads url in headless Chromium and returns the DOM and the console.
func Load(t testing.TB, browser, url string) Page {
	t.Helper()
	stdout, stderr := run(t, browser, "--enable-logging=stderr", "--v=0", "--dump-dom", url)
	p := Page{DOM: stdout}
	for _, m := range consoleLine.FindAllStringSubmatch(stderr, -1) {
		p.Console = append(p.Console, m[1])
	}
	return p
}

// Screenshot loads url in a window of width×height CSS pixels and writes
// a PNG of it to file.
func Screenshot(t testing.TB, browser, url, file string, width, height int) {
	t.Helper()
	run(t, browser, "--hide-scrollbars", "--screenshot="+file,
		"--window-size="+strconv.Itoa(width)+","+strconv.Itoa(height), url)
}

func run(t testing.TB, browser string, args ...string) (stdout, stderr string) {
	t.Helper()
	// Chromium may still be writing its profile as it exits; remove it
	// without failing the test over it.
	profile, err := os.MkdirTemp("", "minaarenden-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(profile) })
	// A guard against a hung browser, not a timing assertion.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + profile}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", browser, err, lastLines(errOut.String(), 20))
	}
	return out.String(), errOut.String()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
