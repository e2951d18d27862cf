package dashboard

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"github.com/medusa-go/medusa/framework/config"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

//go:embed assets
var assetFS embed.FS

// DefaultPath is where the dashboard is served when Options.Path is empty
// (Medusa's default admin.path).
const DefaultPath = config.DefaultAdminPath

// Options configures New.
type Options struct {
	// Path is the URL path the dashboard is served under (DefaultPath when
	// empty). It must start with "/", must not end with "/", and must not
	// be /admin, /store or /auth (the API's prefixes), as Medusa checks
	// its admin.path.
	Path string
}

// ValidatePath checks a dashboard path the way Medusa checks admin.path.
func ValidatePath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("dashboard: the admin path is empty")
	case !strings.HasPrefix(p, "/"):
		return fmt.Errorf("dashboard: the admin path %q must start with \"/\"", p)
	case strings.HasSuffix(p, "/"):
		return fmt.Errorf("dashboard: the admin path %q must not end with \"/\"", p)
	case strings.ContainsAny(p, "?#{}\\ \t\r\n"):
		return fmt.Errorf("dashboard: the admin path %q may not contain spaces, ?, #, braces or backslashes", p)
	case path.Clean(p) != p:
		return fmt.Errorf("dashboard: the admin path %q is not clean (write %q)", p, path.Clean(p))
	}
	for _, api := range []string{"/admin", "/store", "/auth"} {
		if p == api || strings.HasPrefix(p, api+"/") {
			return fmt.Errorf("dashboard: the admin path %q is taken by the API (%s); choose another, such as /app", p, api)
		}
	}
	return nil
}

// asset is one embedded file, ready to serve.
type asset struct {
	contentType string
	raw, gz     []byte
	etag        string
	hash        string // content hash, the ?v= of the index's references
}

type handler struct {
	prefix string
	assets map[string]*asset // by name under assets/ ("app.css", "js/main.js")
	index  *asset
}

// csp is the dashboard's Content-Security-Policy: scripts, styles and API
// calls from its own origin only, no inline script or style, no framing;
// avatars may be images from any https origin.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self'; " +
	"font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// New returns the dashboard's handler, to be mounted at opts.Path and
// below it (both "<path>" and "<path>/"). It fails on an invalid path.
func New(opts Options) (http.Handler, error) {
	p := opts.Path
	if p == "" {
		p = DefaultPath
	}
	if err := ValidatePath(p); err != nil {
		return nil, err
	}
	h := &handler{prefix: p, assets: map[string]*asset{}}
	raw := map[string][]byte{}
	err := fs.WalkDir(assetFS, "assets", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := assetFS.ReadFile(name)
		if err != nil {
			return err
		}
		if rel := strings.TrimPrefix(name, "assets/"); rel != "index.html" {
			raw[rel] = b
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dashboard: read assets: %w", err)
	}
	for name := range raw {
		if _, err := h.load(name, raw, nil); err != nil {
			return nil, err
		}
	}
	index, err := h.renderIndex()
	if err != nil {
		return nil, err
	}
	h.index = newAsset("index.html", index)
	return h, nil
}

// importRe matches the relative imports of a script module: from "./x.js"
// and import "./x.js".
var importRe = regexp.MustCompile(`((?:from|import)\s*")(\./[A-Za-z0-9_./-]+\.js)(")`)

// load makes the asset name ready, a script module after the modules it
// imports: its imports are rewritten to carry their content hashes
// ("./ui.js?v=…"), so that every module is cached for good under its
// hash, and a changed module changes the hash of every module that
// imports it. loading holds the modules being loaded (an import cycle is
// an error).
func (h *handler) load(name string, raw map[string][]byte, loading []string) (*asset, error) {
	if a := h.assets[name]; a != nil {
		return a, nil
	}
	if slices.Contains(loading, name) {
		return nil, fmt.Errorf("dashboard: import cycle: %s -> %s", strings.Join(loading, " -> "), name)
	}
	b, ok := raw[name]
	if !ok {
		return nil, fmt.Errorf("dashboard: %s imports %s, which is not an asset", loading[len(loading)-1], name)
	}
	if strings.HasSuffix(name, ".js") {
		var ferr error
		b = importRe.ReplaceAllFunc(b, func(m []byte) []byte {
			sub := importRe.FindSubmatch(m)
			dep, err := h.load(path.Join(path.Dir(name), string(sub[2])), raw, append(loading, name))
			if err != nil {
				ferr = err
				return m
			}
			return []byte(string(sub[1]) + string(sub[2]) + "?v=" + dep.hash + string(sub[3]))
		})
		if ferr != nil {
			return nil, ferr
		}
	}
	a := newAsset(name, b)
	h.assets[name] = a
	return a, nil
}

func newAsset(name string, b []byte) *asset {
	sum := sha256.Sum256(b)
	hash := hex.EncodeToString(sum[:8])
	ct := mime.TypeByExtension(path.Ext(name))
	switch path.Ext(name) { // not left to the system's MIME table
	case ".js":
		ct = "text/javascript; charset=utf-8"
	case ".css":
		ct = "text/css; charset=utf-8"
	case ".html":
		ct = "text/html; charset=utf-8"
	case ".svg":
		ct = "image/svg+xml"
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	var buf bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	gzipWriters.Put(zw)
	return &asset{contentType: ct, raw: b, gz: buf.Bytes(), etag: `"` + hash + `"`, hash: hash}
}

// gzipWriters share the compressors of newAsset: a best-compression writer
// holds about 1 MB of tables, and one per asset left some 7 MB of garbage
// in the heap of every freshly started server.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestCompression)
	return zw
}}

var indexTmpl = template.Must(template.ParseFS(assetFS, "assets/index.html"))

// renderIndex renders index.html with the path and a preload of every
// script module, each referenced with its content hash.
func (h *handler) renderIndex() ([]byte, error) {
	var modules []string
	for name := range h.assets {
		if strings.HasSuffix(name, ".js") {
			modules = append(modules, name)
		}
	}
	sort.Strings(modules)
	url := func(name string) string { return h.prefix + "/assets/" + name + "?v=" + h.assets[name].hash }
	data := struct {
		Path, CSS, Main string
		Preload         []string
	}{Path: h.prefix, CSS: url("app.css"), Main: url("js/main.js")}
	for _, m := range modules {
		data.Preload = append(data.Preload, url(m))
	}
	var b bytes.Buffer
	if err := indexTmpl.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("dashboard: render index: %w", err)
	}
	return b.Bytes(), nil
}

func securityHeaders(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
}

// ServeHTTP serves an asset under <path>/assets/, and the index for any
// other path under the prefix.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	securityHeaders(w)
	rest, ok := strings.CutPrefix(r.URL.Path, h.prefix)
	if !ok || (rest != "" && !strings.HasPrefix(rest, "/")) {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if name, isAsset := strings.CutPrefix(rest, "/assets/"); isAsset {
		a := h.assets[name]
		if a == nil {
			http.NotFound(w, r)
			return
		}
		if v := r.URL.Query().Get("v"); v != "" && v == a.hash {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		serve(w, r, a)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	serve(w, r, h.index)
}

func serve(w http.ResponseWriter, r *http.Request, a *asset) {
	hd := w.Header()
	hd.Set("Content-Type", a.contentType)
	hd.Set("ETag", a.etag)
	hd.Add("Vary", "Accept-Encoding")
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.raw
	if acceptsGzip(r) {
		hd.Set("Content-Encoding", "gzip")
		body = a.gz
	}
	hd.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			continue
		}
		q, hasQ := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
		if !hasQ {
			return true
		}
		v, err := strconv.ParseFloat(q, 64)
		return err == nil && v > 0
	}
	return false
}

// Sizes reports the dashboard's script and style assets: their total size
// and their total gzip-compressed size (what a browser downloads), in
// bytes.
func Sizes() (raw, gzipped int, err error) {
	h, err := New(Options{})
	if err != nil {
		return 0, 0, err
	}
	for name, a := range h.(*handler).assets {
		if strings.HasSuffix(name, ".js") || strings.HasSuffix(name, ".css") {
			raw += len(a.raw)
			gzipped += len(a.gz)
		}
	}
	return raw, gzipped, nil
}
