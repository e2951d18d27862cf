package admin_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/medusa-go/medusa/app"
	"github.com/medusa-go/medusa/framework/config"
	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/notification"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/modules/auth"
	"github.com/medusa-go/medusa/modules/user"
	userflows "github.com/medusa-go/medusa/modules/user/flows"
)

var screenshots = flag.Bool("screenshots", false, "write a PNG of each dashboard page into docs/admin/")

// One browser per test binary, started on first use and killed at exit.
var (
	browserOnce   sync.Once
	browserCtx    context.Context
	browserCancel context.CancelFunc
	browserErr    error
	browserDir    string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if browserCancel != nil {
		browserCancel()
	}
	if browserDir != "" {
		_ = os.RemoveAll(browserDir)
	}
	if err := pgtest.Shutdown(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
	}
	os.Exit(code)
}

// chromiumPath finds Debian's chromium ($CHROMIUM_BIN overrides).
func chromiumPath() (string, bool) {
	if p := os.Getenv("CHROMIUM_BIN"); p != "" {
		return p, true
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, true
		}
	}
	return "", false
}

// browser returns the shared browser's context. Without chromium the test
// is skipped, except in CI (CI=true), where that is a failure.
func browser(tb testing.TB) context.Context {
	tb.Helper()
	bin, ok := chromiumPath()
	if !ok {
		if os.Getenv("CI") == "true" {
			tb.Fatal("chromium is not installed; CI must install it (.ci/run runs apt-get install chromium)")
		}
		tb.Skip("chromium is not installed (apt-get install chromium); skipping the browser tests")
	}
	browserOnce.Do(func() {
		browserDir, browserErr = os.MkdirTemp("", "dashboard-chromium-")
		if browserErr != nil {
			return
		}
		opts := []chromedp.ExecAllocatorOption{
			chromedp.ExecPath(bin),
			chromedp.UserDataDir(browserDir),
			chromedp.Flag("headless", true),
			chromedp.Flag("no-sandbox", true),
			chromedp.Flag("disable-gpu", true),
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("no-first-run", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.WindowSize(1280, 900),
		}
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancel := chromedp.NewContext(alloc)
		if err := chromedp.Do(ctx); err != nil {
			browserErr = fmt.Errorf("start %s: %w", bin, err)
		}
		browserCtx = ctx
		browserCancel = func() { cancel(); cancelAlloc() }
	})
	if browserErr != nil {
		tb.Fatal(browserErr)
	}
	return browserCtx
}

// tab is a page in its own browser context (its own cookies), which
// records JavaScript dialogs (dismissing them), uncaught exceptions,
// console errors and the browser's own error reports (a Content Security
// Policy violation, say).
type tab struct {
	t       testing.TB
	ctx     context.Context
	base    string
	dialogs atomic.Int32
	mu      sync.Mutex
	errs    []string
}

func newTab(t testing.TB, base string, width, height int64) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser(t), chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	tb := &tab{t: t, ctx: ctx, base: base}
	note := func(s string) {
		tb.mu.Lock()
		tb.errs = append(tb.errs, s)
		tb.mu.Unlock()
	}
	err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *page.EventJavascriptDialogOpening:
			tb.dialogs.Add(1)
			go func() {
				_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
			}()
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			note("exception: " + msg)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, fmt.Sprint(a.Value)+a.Description)
				}
				note("console.error: " + strings.Join(parts, " "))
			}
		case *cdplog.EventEntryAdded:
			// Refused API calls (a 400, a 401) are reported by the browser
			// as network errors; the pages show those themselves.
			if e.Entry.Level == cdplog.EntryLevelError && e.Entry.Source != cdplog.EntrySourceNetwork {
				note(string(e.Entry.Source) + ": " + e.Entry.Text)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	tb.do(chromedp.EmulateViewport(width, height))
	t.Cleanup(func() {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		for _, e := range tb.errs {
			t.Errorf("browser: %s", e)
		}
	})
	return tb
}

func (b *tab) fail(err error) {
	b.t.Helper()
	body, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	b.t.Fatalf("browser: %v\npage %s:\n%s", err, b.url(), body)
}

// do runs actions with a timeout.
func (b *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail(err)
	}
}

func (b *tab) url() string {
	u, _ := chromedp.Run(b.ctx, chromedp.Location())
	return u
}

// open loads a dashboard page ("/app/users") or an absolute URL.
func (b *tab) open(u string) {
	b.t.Helper()
	if strings.HasPrefix(u, "/") {
		u = b.base + u
	}
	b.do(chromedp.Navigate(u))
}

// eval evaluates a JavaScript expression.
func eval[T any](b *tab, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.fail(err)
	}
	return v
}

// poll waits until a JavaScript expression is truthy and returns it.
func poll[T any](b *tab, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Poll[T](expr, chromedp.WithPollingTimeout(15*time.Second)))
	if err != nil {
		b.fail(err)
	}
	return v
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`).Replace(s) + "'"
}

// waitText waits until the page shows text.
func (b *tab) waitText(text string) {
	b.t.Helper()
	poll[bool](b, `!!document.body && document.body.innerText.includes(`+jsString(text)+`)`)
}

// controlFor returns the id of the control that a visible <label> with
// exactly this text labels: the test fails when there is none.
func (b *tab) controlFor(label string) string {
	b.t.Helper()
	return poll[string](b, `(() => { const l = [...document.querySelectorAll('label')].find(l => l.textContent.trim() === `+jsString(label)+` && l.offsetParent !== null); return l && l.control && l.control.id || false })()`)
}

// fill types into the control labelled label (after clearing it).
func (b *tab) fill(label, value string) {
	b.t.Helper()
	id := b.controlFor(label)
	eval[bool](b, `(() => { document.getElementById(`+jsString(id)+`).value = ""; return true })()`)
	b.do(chromedp.SendKeys(chromedp.ID(id), value))
}

// value reads the value of the control labelled label.
func (b *tab) value(label string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID(b.controlFor(label))))
	if err != nil {
		b.fail(err)
	}
	return v
}

// click clicks the visible button or link whose text is exactly text.
func (b *tab) click(text string) {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.Search(fmt.Sprintf(`//*[(self::button or self::a) and normalize-space(.)=%q]`, text)), chromedp.NodeVisible))
}

// clickLabelled clicks the button whose accessible name (aria-label) is name.
func (b *tab) clickLabelled(name string) {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.Search(fmt.Sprintf(`//button[@aria-label=%q]`, name)), chromedp.NodeVisible))
}

// key presses keys ("\t" Tab, "\r" Enter) on the focused element.
func (b *tab) key(keys string) {
	b.t.Helper()
	b.do(chromedp.KeyEvent(keys))
}

// focused describes the focused element: its name attribute, or its text.
func (b *tab) focused() string {
	b.t.Helper()
	return eval[string](b, `(() => { const e = document.activeElement; return e ? (e.getAttribute('name') || e.textContent.trim()) : '' })()`)
}

// path is the page's path and query.
func (b *tab) path() string {
	b.t.Helper()
	return eval[string](b, `location.pathname + location.search`)
}

// noHorizontalScroll fails when the page is wider than the viewport.
func (b *tab) noHorizontalScroll() {
	b.t.Helper()
	w, vw := eval[int](b, `document.documentElement.scrollWidth`), eval[int](b, `window.innerWidth`)
	if w > vw {
		b.t.Errorf("%s is %d px wide in a %d px viewport", b.path(), w, vw)
	}
}

// shot writes a full-page PNG to docs/admin/<name>.png with -screenshots.
func (b *tab) shot(name string) {
	b.t.Helper()
	if !*screenshots {
		return
	}
	b.do(chromedp.Sleep(150 * time.Millisecond))
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.fail(err)
	}
	dir := filepath.Join("..", "..", "docs", "admin")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// recorder is the notification provider of the tests: the real event bus
// delivers to it.
type recorder struct {
	mu   sync.Mutex
	sent []notification.Notification
}

func (r *recorder) Send(_ context.Context, n notification.Notification) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, n)
	return nil
}

// wait returns the n-th (1-based) notification of template to, waiting for it.
func (r *recorder) wait(t testing.TB, to, template string, n int) notification.Notification {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		seen := 0
		for _, x := range r.sent {
			if x.To == to && x.Template == template {
				if seen++; seen == n {
					r.mu.Unlock()
					return x
				}
			}
		}
		r.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no notification #%d %q to %s", n, template, to)
	return notification.Notification{}
}

// env is a running application: its URL, the app, and the recorder.
type env struct {
	URL   string
	App   *app.App
	Users *user.Service
	Sent  *recorder
}

func start(t testing.TB, opts ...app.Option) *env {
	t.Helper()
	return startApp(t, app.Config{}, opts...)
}

// startApp serves application def (its settings under the test's
// environment: a JWT secret only).
func startApp(t testing.TB, def app.Config, opts ...app.Option) *env {
	t.Helper()
	ctx := context.Background()
	srcs, err := app.Migrations(def)
	if err != nil {
		t.Fatal(err)
	}
	pool := pgtest.NewPool(t, srcs...)
	def.Settings, err = config.Load(config.Development, def.Settings, func(k string) string {
		return map[string]string{"JWT_SECRET": "dashboard-test-secret-0123456789"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	opts = append([]app.Option{
		func(a *app.App) { container.MustRegister[notification.Provider](a.Container, notification.Key, rec) },
		app.WithLogger(testLogger(t)),
	}, opts...)
	a, err := app.New(ctx, def, pool, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Container.Start(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		srv.Close()
		_ = a.Container.Stop(context.Background())
	})
	users, err := container.Resolve(a.Container, user.Key)
	if err != nil {
		t.Fatal(err)
	}
	return &env{URL: srv.URL, App: a, Users: users, Sent: rec}
}

// testLogger keeps the application's log and prints it when the test fails.
func testLogger(t testing.TB) *slog.Logger {
	var mu sync.Mutex
	var buf bytes.Buffer
	t.Cleanup(func() {
		if t.Failed() {
			mu.Lock()
			defer mu.Unlock()
			t.Logf("application log:\n%s", buf.String())
		}
	})
	return slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	}), &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// account creates a user who can sign in with email and password.
func (e *env) account(t testing.TB, email, password, first, last string) user.User {
	t.Helper()
	ctx := context.Background()
	auths, err := container.Resolve(e.App.Container, auth.Key)
	if err != nil {
		t.Fatal(err)
	}
	ai, err := auths.Register(ctx, email, password)
	if err != nil {
		t.Fatal(err)
	}
	in := user.CreateUserInput{Email: email}
	if first != "" {
		in.FirstName = &first
	}
	if last != "" {
		in.LastName = &last
	}
	u, err := userflows.CreateUserAccountWorkflow.Run(ctx, e.App.Container, userflows.CreateUserAccountInput{AuthIdentityID: ai.ID, UserData: in})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// signIn signs in through the login page with the mouse.
func (b *tab) signIn(email, password string) {
	b.t.Helper()
	b.open("/app/login")
	b.fill("Email", email)
	b.fill("Password", password)
	b.click("Sign in")
	b.waitText("Sign out")
}
