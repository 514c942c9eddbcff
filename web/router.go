package web

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/cors"
	"github.com/go-chi/httprate"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes builds the router. Cookie-authenticated HTML routes sit in their
// own group behind cross-origin protection; the API, token endpoints and
// discovery documents allow cross-origin requests (web clients call them).
func (s *Server) routes() chi.Router {
	r := chi.NewRouter()
	r.Use(proxiedRealIP, middleware.Recoverer, s.metrics, compressResponses)
	r.Use(s.lagTolerantReads)

	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	r.Get("/readyz", s.readyz)
	if s.cfg.Registry != nil {
		r.Handle("/metrics", promhttp.HandlerFor(s.cfg.Registry, promhttp.HandlerOpts{}))
	}
	r.Get("/avatars/original/missing.png", serveDefaultImage)
	r.Get("/static/site.css", serveStylesheet)
	r.Get("/headers/original/missing.png", serveDefaultImage)
	s.mediaFileRoutes(r)

	apiCORS := cors.Handler(cors.Options{
		AllowedOrigins:   []string{"*"},
		AllowedMethods:   []string{"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"},
		AllowedHeaders:   []string{"Authorization", "Content-Type", "Idempotency-Key", "Accept"},
		ExposedHeaders:   []string{"Link", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"},
		AllowCredentials: false,
		MaxAge:           3600,
	})

	r.Group(func(r chi.Router) {
		r.Use(apiCORS)
		r.Get("/.well-known/oauth-authorization-server", s.oauthMetadata)
		r.With(credentialLimit()).Post("/oauth/token", s.oauthToken)
		r.Post("/oauth/revoke", s.oauthRevoke)
		// Preflights reach the CORS handler only through a route of their
		// own; it answers them without calling this.
		for _, p := range []string{"/.well-known/oauth-authorization-server", "/oauth/token", "/oauth/revoke"} {
			r.Options(p, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
		}
		r.Route("/api", func(r chi.Router) {
			r.Use(s.apiLimit(), s.authenticate)
			r.NotFound(func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, http.StatusNotFound, map[string]string{"error": "Record not found"})
			})
			r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "Method not allowed"})
			})
			s.apiRoutes(r)
			s.roundtableRoutes(r)
			s.advisoryRoutes(r)
			s.moderationRoutes(r)
			s.membersToolsRoutes(r)
			s.moderationActionRoutes(r)
			s.mediaAPIRoutes(r)
			s.streamingRoutes(r)
			s.clientListsRoutes(r)
			s.statusExtraRoutes(r)
			s.seriesAPIRoutes(r)
			s.cohostRoutes(r)
		})
	})

	r.Group(func(r chi.Router) {
		r.Use(http.NewCrossOriginProtection().Handler, s.sessions.LoadAndSave, securityHeaders, s.withMemberLanguage)
		r.Get("/", s.homePage)
		r.Get("/about", s.aboutPage)
		r.Get("/signup", s.signupPage)
		r.With(httprate.LimitByIP(signupsPerHour, time.Hour)).Post("/signup", s.signupSubmit)
		r.Get("/login", s.loginPage)
		r.With(credentialLimit()).Post("/login", s.loginSubmit)
		r.Post("/logout", s.logout)
		r.Get("/oauth/authorize", s.authorizePage)
		r.With(credentialLimit()).Post("/oauth/authorize", s.authorizeSubmit)
		r.Get("/@{username}", s.profilePage)
		r.Get("/@{username}/{id}", s.statusPage)
		r.Get("/tags/{name}", s.tagPage)
		r.Get("/directory", s.directoryPage)
		r.Get("/admin/registrations", s.registrationsPage)
		r.Post("/admin/registrations", s.registrationsSubmit)
		r.Post("/admin/registrations/{id}/approve", s.approveMember)
		s.moderationPages(r)
		s.warningPageRoutes(r)
		s.notificationPageRoutes(r)
		s.membersToolsPages(r)
		s.settingsPages(r)
		s.facilitatorPages(r)
		s.facilitatorModerationPages(r)
		s.threadRemovalPages(r)
		s.participationPages(r)
		s.seriesPages(r)
		s.cohostPages(r)
	})
	if s.cfg.Mount != nil {
		s.cfg.Mount(r)
	}
	return r
}

// Limits on what guessing passwords or making accounts in bulk needs, per
// client address.
const (
	signupsPerHour         = 10
	credentialTriesPer5Min = 30
)

// credentialLimit bounds the requests that check a password.
func credentialLimit() func(http.Handler) http.Handler {
	return httprate.LimitByIP(credentialTriesPer5Min, 5*time.Minute)
}

// proxiedRealIP takes the client's address from X-Forwarded-For or
// X-Real-IP only when the request comes from this machine or a private
// network (the TLS proxy in front); anyone else could claim any address in
// those headers to slip past the rate limits.
func proxiedRealIP(next http.Handler) http.Handler {
	withHeaders := middleware.RealIP(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if ip := net.ParseIP(host); err == nil && ip != nil && (ip.IsLoopback() || ip.IsPrivate()) {
			withHeaders.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// apiRoutes are the client API's endpoints, each with the scope it needs.
// read(x) admits anonymous callers (public data); the others need a token.
func (s *Server) apiRoutes(r chi.Router) {
	read := func(sc string) func(http.Handler) http.Handler { return scope("read:"+sc, true) }
	need := func(sc string) func(http.Handler) http.Handler { return scope(sc, false) }

	r.Post("/v1/apps", s.createApp)
	r.Get("/v1/apps/verify_credentials", s.verifyApp)
	r.Get("/v1/instance", s.instanceV1)
	r.Get("/v2/instance", s.instanceV2)
	r.Get("/v1/instance/rules", s.instanceRules)
	r.Get("/roundtable/v1/norms", s.instanceRules)
	r.With(anyScope("write", "admin:write")).Post("/roundtable/v1/norms", s.addNorm)
	r.With(anyScope("write", "admin:write")).Delete("/roundtable/v1/norms/{id}", s.removeNorm)
	r.Get("/v1/custom_emojis", s.emptyList)

	r.With(need("read:accounts")).Get("/v1/accounts/verify_credentials", s.verifyCredentials)
	r.With(need("write:accounts")).Patch("/v1/accounts/update_credentials", s.updateCredentials)
	r.With(need("read:follows")).Get("/v1/accounts/relationships", s.relationships)
	r.With(read("accounts")).Get("/v1/accounts/lookup", s.lookupAccount)
	r.With(read("accounts")).Get("/v1/accounts/{id}", s.getAccount)
	r.With(read("statuses")).Get("/v1/accounts/{id}/statuses", s.accountStatuses)
	r.With(read("accounts")).Get("/v1/accounts/{id}/followers", s.followers)
	r.With(read("accounts")).Get("/v1/accounts/{id}/following", s.following)
	r.With(need("write:follows")).Post("/v1/accounts/{id}/follow", s.follow)
	r.With(need("write:follows")).Post("/v1/accounts/{id}/unfollow", s.unfollow)
	r.With(need("read:accounts")).Get("/v1/preferences", s.preferences)

	r.With(need("write:statuses")).Post("/v1/statuses", s.createStatus)
	r.With(read("statuses")).Get("/v1/statuses/{id}", s.getStatus)
	r.With(need("write:statuses")).Delete("/v1/statuses/{id}", s.deleteStatus)
	r.With(need("write:statuses")).Put("/v1/statuses/{id}", s.editStatus)
	r.With(need("read:statuses")).Get("/v1/statuses/{id}/source", s.statusSource)
	r.With(read("search")).Get("/v2/search", s.search)
	r.With(need("admin:read")).Get("/roundtable/v1/contributions/{id}/author", s.chathamAuthor)
	r.With(need("write:reports")).Post("/v1/reports", s.createReport)
	r.With(need("admin:read")).Get("/roundtable/v1/moderation/reports", s.openReports)
	r.With(need("admin:write")).Post("/roundtable/v1/moderation/reports/{id}/dismiss", s.dismissReport)
	r.With(need("admin:read")).Get("/roundtable/v1/moderation/log", s.moderationLog)
	r.With(read("statuses")).Get("/v1/statuses/{id}/context", s.statusContext)
	r.With(read("accounts")).Get("/v1/statuses/{id}/favourited_by", s.favouritedBy)
	r.With(need("write:favourites")).Post("/v1/statuses/{id}/favourite", s.statusAction(s.store.Favourite))
	r.With(need("write:favourites")).Post("/v1/statuses/{id}/unfavourite", s.statusAction(s.store.Unfavourite))
	r.With(need("write:bookmarks")).Post("/v1/statuses/{id}/bookmark", s.statusAction(s.store.Bookmark))
	r.With(need("write:bookmarks")).Post("/v1/statuses/{id}/unbookmark", s.statusAction(s.store.Unbookmark))
	r.With(read("statuses")).Get("/v1/polls/{id}", s.getPoll)
	r.With(need("write:statuses")).Post("/v1/polls/{id}/votes", s.votePoll)
	r.With(need("read:favourites")).Get("/v1/favourites", s.favourites)
	r.With(need("read:bookmarks")).Get("/v1/bookmarks", s.bookmarks)

	r.With(need("read:statuses")).Get("/v1/timelines/home", s.homeTimeline)
	r.With(read("statuses")).Get("/v1/timelines/public", s.publicTimeline)

	r.With(need("read:notifications")).Get("/v1/notifications", s.listNotifications)
	r.With(need("read:notifications")).Get("/v1/notifications/unread_count", s.unreadCount)
	r.With(need("read:notifications")).Get("/v1/notifications/{id}", s.getNotification)
	r.With(need("write:notifications")).Post("/v1/notifications/clear", s.clearNotifications)
	r.With(need("write:notifications")).Post("/v1/notifications/{id}/dismiss", s.dismissNotification)

	r.With(need("read:follows")).Get("/v1/follow_requests", s.followRequests)
	r.With(need("write:follows")).Post("/v1/follow_requests/{id}/authorize", s.authorizeFollow)
	r.With(need("write:follows")).Post("/v1/follow_requests/{id}/reject", s.rejectFollow)

	// What Roundtable has no such thing for yet answers as Mastodon does
	// when there is nothing: an empty list or object.
	r.With(need("read:blocks")).Get("/v1/blocks", s.blockedList(false))
	r.With(need("read:mutes")).Get("/v1/mutes", s.blockedList(true))
	r.With(need("write:blocks")).Post("/v1/accounts/{id}/block", s.relationshipHandler(s.store.Block))
	r.With(need("write:blocks")).Post("/v1/accounts/{id}/unblock", s.relationshipHandler(s.store.Unblock))
	r.With(need("write:mutes")).Post("/v1/accounts/{id}/mute", s.relationshipHandler(s.store.Mute))
	r.With(need("write:mutes")).Post("/v1/accounts/{id}/unmute", s.relationshipHandler(s.store.Unmute))
	r.With(need("read:statuses")).Get("/v1/scheduled_statuses", s.emptyList)
	r.Get("/v1/announcements", s.emptyList)
	r.Get("/v1/trends", s.emptyList)
	r.Get("/v1/trends/tags", s.emptyList)
	r.Get("/v1/trends/statuses", s.emptyList)
	r.Get("/v1/trends/links", s.emptyList)
	r.Get("/v1/suggestions", s.emptyList)
	r.Get("/v2/suggestions", s.emptyList)
	r.With(need("push")).Get("/v1/push/subscription", s.noPushSubscription)
}

func (s *Server) emptyList(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, []any{})
}

func (s *Server) emptyObject(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{})
}

func (s *Server) noPushSubscription(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusNotFound, map[string]string{"error": "Record not found"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(r.Context()); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": err.Error()})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// contentSecurityPolicy is the policy of every page: nothing from other
// sites, no scripts, no inline styles, forms posted to formAction only.
func contentSecurityPolicy(formAction string) string {
	return "default-src 'none'; img-src 'self' data:; style-src 'self'; font-src 'self'; connect-src 'self'; " +
		"form-action " + formAction + "; frame-ancestors 'none'; base-uri 'none'"
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", contentSecurityPolicy("'self'"))
		next.ServeHTTP(w, r)
	})
}

// setLink writes the Link header of a page of results: next goes to older
// items (max_id = the last cursor), prev to newer ones (min_id = the first).
// Other query parameters are kept.
func (s *Server) setLink(w http.ResponseWriter, r *http.Request, cursors []string) {
	if len(cursors) == 0 {
		return
	}
	base := s.links.Base + r.URL.Path
	link := func(key, val string) string {
		q := url.Values{}
		for k, v := range r.URL.Query() {
			if k != "max_id" && k != "min_id" && k != "since_id" {
				q[k] = v
			}
		}
		q.Set(key, val)
		return base + "?" + q.Encode()
	}
	w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next", <%s>; rel="prev"`,
		link("max_id", cursors[len(cursors)-1]), link("min_id", cursors[0])))
}

// metrics counts requests by route pattern and status.
func (s *Server) metrics(next http.Handler) http.Handler {
	if s.cfg.Registry == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		pattern := "unmatched"
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			pattern = rc.RoutePattern()
		}
		s.m.requests.WithLabelValues(r.Method, pattern, fmt.Sprint(ww.Status())).Inc()
		s.m.duration.WithLabelValues(r.Method, pattern).Observe(time.Since(start).Seconds())
	})
}
