package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium finds a headless-capable Chromium, or skips the test: .ci/run
// installs Debian's chromium so that CI never skips.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Skip("no chromium on PATH (apt-get install chromium): the dashboard is not checked in a browser")
	return ""
}

// pageCheck is what a dashboard must show in a browser.
type pageCheck struct {
	lines    []string // data-line sections or rows the page must have
	text     []string // text the page must show
	releases int      // release dots in the line tree, at least
}

// browse loads file in headless Chromium, fails on any console error or
// uncaught exception, checks the DOM, and keeps a screenshot as a test
// artifact ($TIERED_ARTIFACTS, else the test's temporary directory).
func browse(t *testing.T, exe, file string, want pageCheck) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1400, 1600))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	// Every console message of the page, read until the checks are done.
	cctx, stopConsole := context.WithCancel(ctx)
	messages := chromedp.Console(cctx)
	var problems []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning || m.IsException() {
				problems = append(problems, fmt.Sprintf("console %s: %s", m.Type, m.Text))
			}
		}
	}()
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+file)); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	eval := func(expr string) int {
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](expr))
		if err != nil {
			t.Fatalf("evaluate %s: %v", expr, err)
		}
		return n
	}
	svgs := eval(`document.querySelectorAll("svg.tree").length`)
	dots := eval(`document.querySelectorAll("svg.tree circle.release").length`)
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range want.lines {
		if eval(fmt.Sprintf(`document.querySelectorAll('[data-line=%q]').length`, line)) == 0 {
			t.Errorf("the page has no element for line %s", line)
		}
	}
	for _, s := range want.text {
		if !strings.Contains(text, s) {
			t.Errorf("the page does not show %q", s)
		}
	}
	if svgs != 1 || dots < want.releases {
		t.Errorf("line tree: %d svg, %d release dots; want 1 and at least %d", svgs, dots, want.releases)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
	if err != nil {
		t.Fatal(err)
	}
	stopConsole()
	<-done
	for _, p := range problems {
		t.Errorf("%s", p)
	}
	dir := os.Getenv("TIERED_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	os.MkdirAll(dir, 0o755)
	name := filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())+".jpg")
	if err := os.WriteFile(name, shot, 0o644); err != nil {
		t.Error(err)
	}
	t.Logf("screenshot: %s", name)
}

// The dashboard renders in a real browser with the line tree, every line,
// the next releases with their gates and rule IDs, and the pending
// backports; on the fixtures always, on a plain clone of the real libbpf
// (after tiered init) when TIERED_LIBBPF names one.
func TestReportInBrowser(t *testing.T) {
	exe := chromium(t)
	t.Run("fourtier", func(t *testing.T) {
		dir := fixture(t, "fourtier.sh")
		out := filepath.Join(t.TempDir(), "r")
		var stdout, stderr bytes.Buffer
		if code := run([]string{"--repo", dir, "report", "--out", out}, &stdout, &stderr); code != 0 {
			t.Fatalf("report: exit %d\n%s", code, stderr.String())
		}
		browse(t, exe, filepath.Join(out, "index.html"), pageCheck{
			lines:    []string{"trunk", "1.3", "1.3.1", "1.4"},
			text:     []string{"1.4.0.0 → 1.4.1.0", "Linux 6.9", "abi: passed"},
			releases: 4,
		})
	})
	src := os.Getenv("TIERED_LIBBPF")
	if src == "" {
		t.Log("TIERED_LIBBPF is not set: the real libbpf's dashboard is not checked")
		return
	}
	t.Run("libbpf", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "libbpf")
		if out, err := exec.Command("git", "clone", "-q", src, dir).CombinedOutput(); err != nil {
			t.Fatalf("git clone: %v\n%s", err, out)
		}
		var stdout, stderr bytes.Buffer
		if code := run([]string{"--repo", dir, "init"}, &stdout, &stderr); code != 0 {
			t.Fatalf("init: exit %d\n%s", code, stderr.String())
		}
		out := filepath.Join(t.TempDir(), "r")
		if code := run([]string{"--repo", dir, "report", "--out", out}, &stdout, &stderr); code != 0 {
			t.Fatalf("report: exit %d\n%s", code, stderr.String())
		}
		browse(t, exe, filepath.Join(out, "index.html"), pageCheck{
			lines:    []string{"trunk", "1.4", "1.7"},
			text:     []string{"1.4.7", "libbpf-1.4.7", "pending backports", "from trunk"},
			releases: 50,
		})
	})
}
