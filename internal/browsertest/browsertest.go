// Package browsertest drives Debian's Chromium for the browser tests: it
// starts a headless browser, runs axe-core in pages, and saves a screenshot
// of each test's final page.
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// Chromium returns the browser to drive: $ROUNDTABLE_TEST_CHROMIUM, or
// chromium on the PATH. Without one the test fails and says what to install
// (make test installs it).
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("ROUNDTABLE_TEST_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "/usr/bin/chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("Chromium is not installed for the browser tests: run `make test`, which installs it, " +
		"or `apt-get install chromium`, or set ROUNDTABLE_TEST_CHROMIUM")
	return ""
}

// Browser is one headless Chromium with one tab.
type Browser struct {
	t   testing.TB
	ctx context.Context
	// JavaScript reports whether pages may run scripts.
	JavaScript bool
}

// Options choose how the browser behaves.
type Options struct {
	NoJavaScript   bool   // pages run without JavaScript
	AcceptLanguage string // the browser's language preference, e.g. "fr-FR,fr;q=0.9"
}

// New starts a browser for t; it is closed when t ends.
func New(t testing.TB, o Options) *Browser {
	t.Helper()
	flags := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Chromium(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.WindowSize(1280, 900),
	)
	if o.AcceptLanguage != "" {
		flags = append(flags, chromedp.Flag("accept-lang", o.AcceptLanguage), chromedp.Flag("lang", strings.Split(o.AcceptLanguage, ",")[0]))
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), flags...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	b := &Browser{t: t, ctx: ctx, JavaScript: !o.NoJavaScript}
	// The first run starts the browser, and must use the browser's own
	// context: a deadline on it would end the browser with it.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	if o.NoJavaScript {
		b.must("disable JavaScript", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
			return err
		}))
		// Make sure: a page's script must not run, its <noscript> must show.
		b.Visit(`data:text/html,<html><body><script>document.body.textContent="scripts run"</script><noscript>no scripts</noscript></body></html>`)
		if got := b.Text("body"); got != "no scripts" {
			t.Fatalf("JavaScript is still on in the browser: the page says %q", got)
		}
	}
	return b
}

// step runs actions with a deadline.
func (b *Browser) step(actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

func (b *Browser) must(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := b.step(actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// Visit opens url and waits for it to load.
func (b *Browser) Visit(url string) {
	b.t.Helper()
	b.must("visit "+url, chromedp.Navigate(url))
}

// Fill types text into the field selected by sel (a CSS selector), after
// clearing it.
func (b *Browser) Fill(sel, text string) {
	b.t.Helper()
	b.must("find "+sel, chromedp.WaitVisible(sel))
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if v, err := chromedp.Run(ctx, chromedp.Value(sel)); err == nil && v != "" {
		b.must("clear "+sel, chromedp.Clear(sel))
	}
	b.must("fill "+sel, chromedp.SendKeys(sel, text))
}

// Select chooses the option with value in the select sel.
func (b *Browser) Select(sel, value string) {
	b.t.Helper()
	b.must("select "+sel, chromedp.WaitVisible(sel), chromedp.SetValue(sel, value))
}

// Check ticks the checkbox or radio button sel.
func (b *Browser) Check(sel string) {
	b.t.Helper()
	b.must("check "+sel, chromedp.WaitVisible(sel), chromedp.Click(sel))
}

// Submit clicks the button sel and waits for the page it leads to.
func (b *Browser) Submit(sel string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(sel)); err != nil {
		b.t.Fatalf("submit %s: %v", sel, err)
	}
}

// Click follows the link sel and waits for the page it leads to.
func (b *Browser) Click(sel string) { b.t.Helper(); b.Submit(sel) }

// Text returns the visible text of the first element sel.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	// A page that replaces its document while it is read (a redirect
	// landing) loses the node found: read the new one.
	for try := 0; try < 5 && err != nil && strings.Contains(err.Error(), "No node with given id found"); try++ {
		time.Sleep(100 * time.Millisecond)
		s, err = chromedp.Run(ctx, chromedp.Text(sel))
	}
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// Attr returns the attribute name of the first element sel.
func (b *Browser) Attr(sel, name string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	m, err := chromedp.Run(ctx, chromedp.Attributes(sel))
	if err != nil {
		b.t.Fatalf("attributes of %s: %v", sel, err)
	}
	return m[name]
}

// Location returns the address of the page shown.
func (b *Browser) Location() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("location: %v", err)
	}
	return s
}

// WantText fails the test unless the page's text contains each of wants.
func (b *Browser) WantText(wants ...string) {
	b.t.Helper()
	body := b.Text("body")
	for _, w := range wants {
		if !strings.Contains(body, w) {
			b.t.Errorf("the page at %s does not say %q; it says:\n%s", b.Location(), w, body)
		}
	}
}

// Screenshot saves the page shown as a PNG named after the test (and
// name) in the screenshots folder, and returns its path.
func (b *Browser) Screenshot(name string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	dir := ScreenshotDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	file := regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(b.t.Name()+"-"+name, "_") + ".png"
	path := filepath.Join(dir, file)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return path
}

// ScreenshotDir is where screenshots go: $ROUNDTABLE_SCREENSHOTS, or
// .tmp/screenshots at the top of the source tree.
func ScreenshotDir() string {
	if d := os.Getenv("ROUNDTABLE_SCREENSHOTS"); d != "" {
		return d
	}
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", ".tmp", "screenshots")
}

// axeSource returns axe-core's script, as make test installs it.
func axeSource(t testing.TB) string {
	t.Helper()
	p := os.Getenv("ROUNDTABLE_TEST_AXE")
	if p == "" {
		_, file, _, _ := runtime.Caller(0)
		p = filepath.Join(filepath.Dir(file), "..", "..", "test", "e2e-node", "node_modules", "axe-core", "axe.min.js")
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("axe-core is not installed for the accessibility tests: run `make test` (or `npm install` in test/e2e-node), or set ROUNDTABLE_TEST_AXE: %v", err)
	}
	return string(b)
}

// Violation is one accessibility rule a page breaks.
type Violation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	Targets []string
	Nodes   []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// Axe runs axe-core on the page shown and fails the test for each serious
// or critical violation, naming the rule and the elements. The browser
// must run JavaScript.
func (b *Browser) Axe(page string) {
	b.t.Helper()
	if !b.JavaScript {
		b.t.Fatal("axe-core needs a browser that runs JavaScript")
	}
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axeSource(b.t)+";true")); err != nil {
		b.t.Fatalf("inject axe-core into %s: %v", page, err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("run axe-core on %s: %v", page, err)
	}
	var vs []Violation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		b.t.Fatalf("axe-core's answer on %s: %v", page, err)
	}
	for _, v := range vs {
		if v.Impact != "serious" && v.Impact != "critical" {
			continue
		}
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprint(n.Target)+" "+n.HTML)
		}
		b.t.Errorf("%s: %s violation %s (%s) at:\n  %s", page, v.Impact, v.ID, v.Help, strings.Join(where, "\n  "))
	}
}

// ViewShot saves, as the PNG file path, what a window of width×height
// pixels shows of the page with the element sel at its top (the page's top
// when sel is empty), and returns the file's size in bytes. The window keeps
// that size for the pages visited after.
func (b *Browser) ViewShot(path string, width, height int64, sel string) int {
	b.t.Helper()
	b.must("set the window to "+fmt.Sprint(width, "×", height), chromedp.EmulateViewport(width, height))
	js := `window.scrollTo(0, 0); true`
	if sel != "" {
		b.must("find "+sel, chromedp.WaitVisible(sel))
		js = fmt.Sprintf(`document.querySelector(%q).scrollIntoView({block: "start"}); true`, sel)
	}
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err != nil {
		b.t.Fatalf("scroll to %q: %v", sel, err)
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return len(png)
}
