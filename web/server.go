// Package web serves people and their apps over HTTP: the HTML pages, sign-up
// and sign-in, the Mastodon-compatible client API with its OAuth 2 server,
// and Roundtable's own JSON API. Handlers parse a request, call the root
// package, and render; they hold no business rules and write no SQL.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"
	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/roundtable-fed/roundtable"
	"github.com/roundtable-fed/roundtable/media"
)

// Config is what the web layer needs to know about the instance.
type Config struct {
	// Name is the instance's display name.
	Name string
	// Version is Roundtable's version, without a leading v.
	Version string
	// Secure is true when the instance is reached over HTTPS; it marks
	// cookies Secure.
	Secure bool
	// Logger receives request errors.
	Logger *slog.Logger
	// Ready reports whether the instance can serve: the database answers and
	// its migrations are applied. nil means always ready.
	Ready func(context.Context) error
	// Registry collects the metrics served at /metrics; nil for none.
	Registry *prometheus.Registry
	// SessionCleanup is how often expired sessions are deleted by the session
	// store; 0 disables its background cleanup (the cleanup job does it).
	SessionCleanup time.Duration
	// Mount adds routes of other adapters (federation) to the router.
	Mount func(chi.Router)
	// Media is the directory of uploads and of the remote media cache; nil
	// refuses uploads.
	Media *media.Dir
	// RemoteMedia fetches remote attachments for the media proxy.
	RemoteMedia RemoteMedia
	// APIRequestsPer5Min is how many client API requests one access token,
	// or one address without a token, may make in 5 minutes; 0 for no
	// limit.
	APIRequestsPer5Min int
}

// Server is the HTTP side of an instance.
type Server struct {
	cfg      Config
	store    *roundtable.Store
	links    roundtable.Links
	sessions *scs.SessionManager
	log      *slog.Logger
	router   chi.Router
	m        serverMetrics
	pages    *pages
	hub      *hub
	rendered renderedPages
}

type serverMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// New returns the web server of the instance whose addresses store knows.
func New(cfg Config, store *roundtable.Store) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Name == "" {
		cfg.Name = store.Links().Domain()
	}
	sm := scs.New()
	sm.Store = pgxstore.NewWithCleanupInterval(store.Pool(), cfg.SessionCleanup)
	sm.Lifetime = 30 * 24 * time.Hour
	sm.IdleTimeout = 14 * 24 * time.Hour
	sm.Cookie.Name = "roundtable_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = cfg.Secure
	s := &Server{cfg: cfg, store: store, links: store.Links(), sessions: sm, log: cfg.Logger}
	sm.ErrorFunc = s.sessionError
	if cfg.Registry != nil {
		s.m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "roundtable_http_requests_total", Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"})
		s.m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "roundtable_http_request_duration_seconds", Help: "HTTP request latency by method and route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"})
		cfg.Registry.MustRegister(s.m.requests, s.m.duration)
	}
	p, err := loadPages()
	if err != nil {
		return nil, err
	}
	s.pages = p
	s.hub = newHub(s)
	s.router = s.routes()
	return s, nil
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }
