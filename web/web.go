// Package web serves the web console at http.listen: overview, feeds,
// watches, stories, outbox and a query box over the stored history.
//
// Pages are server-rendered with html/template and work without
// JavaScript; the stylesheet is embedded, nothing comes from a CDN, charts
// are inline SVG. Everything a feed supplies is hostile: html/template
// escapes it by context (a javascript: link becomes "#ZgotmplZ"), and bidi
// controls are removed so an RTL override cannot disguise a title.
//
// Security: with http.auth set, every page needs either the token as
// "Authorization: Bearer TOKEN" or a session cookie from the login form
// (the token, or USER and password checked against a bcrypt hash). Every
// change is a POST that carries a CSRF token bound to the browser's
// cookie, and cross-origin POSTs are refused (http.CrossOriginProtection).
// A strict Content-Security-Policy forbids scripts altogether.
package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/watchlist"
	"golang.org/x/crypto/bcrypt"
)

//go:embed assets templates
var files embed.FS

// Deps is what the console reads and changes.
type Deps struct {
	Store store.Store
	// Watchlist returns the compiled config in force (it changes on reload).
	Watchlist func() *watchlist.Set
	// Auth is http.auth: "" (loopback only), a token, or USER:BCRYPT_HASH.
	Auth string
	// Listen is http.listen; off loopback an empty Auth is refused.
	Listen string
	// LastCycle returns when the last poll cycle ended (zero before one).
	LastCycle func() time.Time
	// Wake, if set, is called after alerts are re-queued.
	Wake func()
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	Log *slog.Logger
}

// Server is the console's handler.
type Server struct {
	d     Deps
	mux   *http.ServeMux
	tmpl  map[string]*template.Template
	key   []byte // signs CSRF tokens and sessions; new at every start
	mu    sync.Mutex
	sess  map[string]time.Time // session id -> expiry
	coop  *http.CrossOriginProtection
	user  string
	hash  []byte
	token string
	// budget is the query page's work bound (queryBudget; tests lower it).
	budget int
}

// sessionTTL is how long a login lasts.
const sessionTTL = 12 * time.Hour

// ErrAuthRequired is returned by New for a listen address off loopback
// without http.auth.
var ErrAuthRequired = errors.New("web: http.listen is not a loopback address and http.auth is empty: refusing to serve the console to everyone")

// New returns the console. It refuses (ErrAuthRequired) to serve off
// loopback without auth, whatever the config check did.
func New(d Deps) (*Server, error) {
	if d.Auth == "" && d.Listen != "" && !config.IsLoopback(d.Listen) {
		return nil, ErrAuthRequired
	}
	if err := config.CheckAuth(d.Auth); err != nil {
		return nil, err
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.LastCycle == nil {
		d.LastCycle = func() time.Time { return time.Time{} }
	}
	if d.Wake == nil {
		d.Wake = func() {}
	}
	s := &Server{d: d, mux: http.NewServeMux(), sess: make(map[string]time.Time), coop: http.NewCrossOriginProtection(), budget: queryBudget}
	if u, h, ok := config.AuthUser(d.Auth); ok {
		s.user, s.hash = u, []byte(h)
	} else {
		s.token = d.Auth
	}
	s.key = make([]byte, 32)
	rand.Read(s.key)
	var err error
	if s.tmpl, err = parseTemplates(); err != nil {
		return nil, err
	}
	static, _ := fs.Sub(files, "assets")
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	s.mux.HandleFunc("GET /login", s.loginPage)
	s.mux.HandleFunc("POST /login", s.login)
	s.mux.Handle("POST /logout", s.authed(s.logout))
	s.mux.Handle("GET /{$}", s.authed(s.overview))
	s.mux.Handle("GET /feeds", s.authed(s.feeds))
	s.mux.Handle("POST /feeds/add", s.authed(s.addFeed))
	s.mux.Handle("POST /feeds/remove", s.authed(s.removeFeed))
	s.mux.Handle("GET /watches", s.authed(s.watches))
	s.mux.Handle("GET /stories", s.authed(s.stories))
	s.mux.Handle("GET /outbox", s.authed(s.outbox))
	s.mux.Handle("POST /outbox/retry", s.authed(s.retry))
	s.mux.Handle("GET /query", s.authed(s.query))
	return s, nil
}

// csp forbids every script, inline or not: the console needs none, and a
// title that slipped past escaping could then still run nothing.
const csp = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// ServeHTTP serves the console with its security headers.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	s.coop.Handler(s.mux).ServeHTTP(w, r)
}

// authed requires a login (when auth is on) and, on POST, a valid CSRF
// token, except for a request carrying the bearer token: browsers never
// send that header on their own, so it cannot be forged cross-site.
func (s *Server) authed(fn func(w http.ResponseWriter, r *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bearer := s.bearerOK(r)
		if s.d.Auth != "" && !bearer && !s.sessionOK(r) {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login", http.StatusSeeOther)
				return
			}
			http.Error(w, "login required", http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodPost && !bearer && !s.csrfOK(r) {
			http.Error(w, "bad or missing CSRF token: reload the page and try again", http.StatusForbidden)
			return
		}
		fn(w, r)
	})
}

func (s *Server) bearerOK(r *http.Request) bool {
	if s.token == "" {
		return false
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(s.token)) == 1
}

const sessionCookie, csrfCookie = "nh_session", "nh_csrf"

func (s *Server) sessionOK(r *http.Request) bool {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.sess[c.Value]
	if ok && s.d.Now().After(exp) {
		delete(s.sess, c.Value)
		return false
	}
	return ok
}

// browserID returns the random id of this browser (the CSRF cookie),
// setting one if there is none yet.
func (s *Server) browserID(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 32 {
		return c.Value
	}
	id := randomHex(16)
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	return id
}

// csrfToken is the token forms carry: an HMAC of the browser's id, so a
// page of another origin, which can neither read the cookie nor the
// page, cannot produce it.
func (s *Server) csrfToken(id string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("csrf\x00" + id))
	return hex.EncodeToString(m.Sum(nil))
}

func (s *Server) csrfOK(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	if err != nil {
		return false
	}
	want := s.csrfToken(c.Value)
	return hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(want))
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "login", page{Title: "Log in", User: s.user != ""})
}

// login checks the token or the user's password and starts a session.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if !s.csrfOK(r) {
		http.Error(w, "bad or missing CSRF token: reload the page and try again", http.StatusForbidden)
		return
	}
	ok := false
	switch {
	case s.d.Auth == "":
		ok = true
	case s.user != "":
		userOK := subtle.ConstantTimeCompare([]byte(r.PostFormValue("user")), []byte(s.user)) == 1
		// Always run bcrypt, so timing does not tell whether the user exists.
		pwOK := bcrypt.CompareHashAndPassword(s.hash, []byte(r.PostFormValue("password"))) == nil
		ok = userOK && pwOK
	default:
		ok = subtle.ConstantTimeCompare([]byte(r.PostFormValue("token")), []byte(s.token)) == 1
	}
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		s.render(w, r, "login", page{Title: "Log in", User: s.user != "", Error: "Wrong credentials."})
		return
	}
	id := randomHex(32)
	s.mu.Lock()
	now := s.d.Now()
	for k, exp := range s.sess {
		if now.After(exp) {
			delete(s.sess, k)
		}
	}
	s.sess[id] = now.Add(sessionTTL)
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil, MaxAge: int(sessionTTL / time.Second)})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.mu.Lock()
		delete(s.sess, c.Value)
		s.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// ctx bounds a page's store reads.
func ctx(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), 10*time.Second)
}
