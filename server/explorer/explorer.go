// Package explorer serves the GraphQL explorer (GraphiQL) from files built into the binary,
// so it works offline and behind proxies that block CDNs. Its page loads nothing from
// another origin, and its Content-Security-Policy says so to the browser.
package explorer

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
	"path"
	"sync"
	"time"
)

// page is the explorer's HTML; it refers to its assets relative to itself.
//
//go:embed index.html
var page []byte

// assets holds the page's script and style, GraphiQL and React (assets/README.md says where
// each comes from and how to update it) and their licences.
//
//go:embed assets/*.js assets/*.css assets/*.txt
var assets embed.FS

// AssetPrefix is the path under which the page's scripts, styles and licences are served.
const AssetPrefix = "/explorer/"

// ContentSecurityPolicy allows the page only its own origin. GraphiQL's stylesheet carries its
// fonts and icons as data: URLs; nothing needs inline or evaluated script.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Handler serves the explorer's page at "/" and its assets under AssetPrefix. Mount it on both.
func Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		serve(w, r, "index.html", files().page)
	})
	mux.HandleFunc("GET "+AssetPrefix+"{name}", func(w http.ResponseWriter, r *http.Request) {
		f, ok := files().assets[r.PathValue("name")]
		if !ok {
			setSecurityHeaders(w.Header())
			http.NotFound(w, r)
			return
		}
		serve(w, r, r.PathValue("name"), f)
	})
	return mux
}

// serve writes a file with the explorer's security headers. Files are answered by their
// content hash, so a browser revalidates cheaply and never keeps a stale GraphiQL after an
// upgrade.
func serve(w http.ResponseWriter, r *http.Request, name string, f file) {
	setSecurityHeaders(w.Header())
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", f.etag)
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.content))
}

// setSecurityHeaders keeps the page out of frames, stops type sniffing and confines every
// load and request of the page to its own origin.
func setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
}

type file struct {
	content []byte
	etag    string
}

func newFile(content []byte) file {
	sum := sha256.Sum256(content)
	return file{content: content, etag: `"` + hex.EncodeToString(sum[:16]) + `"`}
}

// files reads the embedded files once, on first use, and computes their ETags.
var files = sync.OnceValue(func() (all struct {
	page   file
	assets map[string]file
}) {
	all.page = newFile(page)
	all.assets = map[string]file{}
	entries, _ := assets.ReadDir("assets") // an embedded directory always reads
	for _, e := range entries {
		content, _ := assets.ReadFile(path.Join("assets", e.Name()))
		all.assets[e.Name()] = newFile(content)
	}
	return all
})
