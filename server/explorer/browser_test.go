package explorer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/stakegraph/stakegraph/internal/apitest"
)

// TestExplorerInBrowser opens the explorer in a headless Chromium that cannot reach anything
// beyond loopback, pastes a token into the prefilled headers, runs the page's own query and
// finds its result on the page; after a reload the token is still there. Every request the
// page makes goes to the server's own origin, and nothing is refused by the page's
// Content-Security-Policy or throws.
func TestExplorerInBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	env := apitest.New(t, "sqlite")
	token := env.Token("acme", "ADMIN", "explorer-admin")
	env.Do(token, `mutation { createAccount(input: {name: "Zeppelin Explorer Test", tier: KEY, stage: ACTIVE}) { id } }`, nil).
		MustOK(t, nil)

	page := newPage(t, chromium)
	if err := chromedp.Do(page.ctx, chromedp.Navigate(env.URL+"/")); err != nil {
		t.Fatalf("opening the explorer: %v", err)
	}
	page.poll(t, graphiqlReady)

	headers := page.eval(t, headersEditor+`.getValue()`)
	if !strings.Contains(headers, `"Authorization": "Bearer "`) {
		t.Fatalf("headers editor holds %q, want it prefilled with an empty bearer token", headers)
	}

	// Without a token the page sends nothing and says what to do.
	if err := chromedp.Do(page.ctx, chromedp.Click(chromedp.CSS(".graphiql-execute-button"))); err != nil {
		t.Fatalf("running the query: %v", err)
	}
	page.poll(t, `document.querySelector('.result-window').innerText.includes('No token yet') ? 'told' : ''`)

	// Paste the token after "Bearer ", as a user would.
	page.eval(t, `(() => {
		const cm = `+headersEditor+`;
		const at = cm.getValue().indexOf('Bearer ') + 'Bearer '.length;
		cm.focus();
		cm.setCursor(cm.posFromIndex(at));
		return '';
	})()`)
	if err := chromedp.Do(page.ctx, chromedp.Func(func(ctx context.Context, tab *chromedp.Target) error {
		_, err := cdp.Call(ctx, tab, input.InsertText, input.InsertTextParams{Text: token})
		return err
	})); err != nil {
		t.Fatalf("pasting the token: %v", err)
	}

	// With a token, GraphiQL loads the schema: the documentation shows the API's root types.
	if err := chromedp.Do(page.ctx, chromedp.Click(chromedp.CSS(`button[aria-label="Show Documentation Explorer"]`))); err != nil {
		t.Fatalf("opening the documentation: %v", err)
	}
	page.poll(t, `document.querySelector('.graphiql-doc-explorer')?.innerText.includes('Mutation') ? 'schema' : ''`)
	if err := chromedp.Do(page.ctx, chromedp.Click(chromedp.CSS(".graphiql-execute-button"))); err != nil {
		t.Fatalf("running the query: %v", err)
	}
	result := page.poll(t, `(() => {
		const text = document.querySelector('.result-window').innerText;
		return text.includes('Zeppelin Explorer Test') ? text : '';
	})()`)
	if !strings.Contains(result, `"totalCount": 1`) {
		t.Errorf("result pane shows %q, want the one account of the tenant", result)
	}

	page.poll(t, `(localStorage.getItem('graphiql:headers') || '').includes(`+jsString(token)+`) ? 'saved' : ''`)
	if err := chromedp.Do(page.ctx, chromedp.Reload()); err != nil {
		t.Fatalf("reloading the explorer: %v", err)
	}
	page.poll(t, graphiqlReady)
	if headers := page.eval(t, headersEditor+`.getValue()`); !strings.Contains(headers, "Bearer "+token) {
		t.Errorf("after a reload the headers editor holds %q, want the pasted token", headers)
	}

	page.checkStayedHome(t, env.URL)
}

// graphiqlReady is true once GraphiQL has mounted.
const graphiqlReady = `document.querySelector('.graphiql-execute-button') ? 'ready' : ''`

// headersEditor finds the CodeMirror instance of GraphiQL's headers editor.
const headersEditor = `[...document.querySelectorAll('.CodeMirror')].map(e => e.CodeMirror)
	.find(cm => cm.getValue().includes('Authorization'))`

// chromiumPath finds a Chromium or Chrome binary, or skips the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium binary on the PATH: install it (apt-get install chromium) to run the explorer's browser test")
	return ""
}

// page is a tab of a fresh headless browser, with what the page did on the network and in
// its console.
type page struct {
	ctx      context.Context
	mu       sync.Mutex
	requests []string // URLs of every request the page made
	problems []string // exceptions, console errors, refused loads
}

// newPage starts a headless Chromium with a fresh profile. Its only proxy is a closed port
// on loopback, so any request beyond loopback fails.
func newPage(t *testing.T, chromium string) *page {
	t.Helper()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.ProxyServer("http://127.0.0.1:9"),
		chromedp.WindowSize(1280, 800),
	)
	t.Cleanup(cancelAlloc)
	p := &page{}
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithListener(p.record))
	t.Cleanup(cancelTab)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancelTimeout)
	p.ctx = ctx
	return p
}

// record runs in the tab's event loop: it only notes what happened.
func (p *page) record(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		p.requests = append(p.requests, ev.Request.URL)
	case *runtime.EventExceptionThrown:
		p.problems = append(p.problems, "exception: "+ev.ExceptionDetails.Text+" "+describe(ev.ExceptionDetails.Exception))
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError || ev.Entry.Source == cdplog.EntrySourceSecurity {
			p.problems = append(p.problems, fmt.Sprintf("%s %s: %s %s", ev.Entry.Level, ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError {
			p.problems = append(p.problems, "console.error: "+describeArgs(ev.Args))
		}
	}
}

// checkStayedHome fails the test when the page asked anything of another origin, or ran into
// an error on its way.
func (p *page) checkStayedHome(t *testing.T, origin string) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.requests) == 0 {
		t.Error("no request was recorded")
	}
	for _, u := range p.requests {
		if !strings.HasPrefix(u, origin+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("the page requested %s, outside %s", u, origin)
		}
	}
	for _, problem := range p.problems {
		t.Errorf("the page reported %s", problem)
	}
}

// eval evaluates a JavaScript expression that yields a string.
func (p *page) eval(t *testing.T, expr string) string {
	t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return s
}

// poll waits until a JavaScript expression yields a non-empty string, and returns it.
func (p *page) poll(t *testing.T, expr string) string {
	t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Poll[string](expr, chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		text, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("waiting for %s: %v; the page shows:\n%s", expr, err, text)
	}
	return s
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func describe(o *runtime.RemoteObject) string {
	if o == nil {
		return ""
	}
	return o.Description
}

func describeArgs(args []*runtime.RemoteObject) string {
	var parts []string
	for _, a := range args {
		if a.Value != nil {
			parts = append(parts, string(a.Value))
		} else {
			parts = append(parts, a.Description)
		}
	}
	return strings.Join(parts, " ")
}
