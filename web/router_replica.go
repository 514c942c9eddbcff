package web

import (
	"net/http"

	"github.com/roundtable-fed/roundtable"
)

// lagTolerantReads lets the reads of anonymous GET and HEAD requests go to
// the read replica, when there is one: visitors without a session cookie
// and other servers fetching documents and collections. Requests carrying
// a session cookie or a bearer token read the primary, so that members see
// their own writes at once.
func (s *Server) lagTolerantReads(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead || r.Header.Get("Authorization") != "" {
			next.ServeHTTP(w, r)
			return
		}
		if _, err := r.Cookie(s.sessions.Cookie.Name); err == nil {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(roundtable.TolerateLag(r.Context())))
	})
}
