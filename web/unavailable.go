package web

import (
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// unavailableRetry is the Retry-After, in seconds, of an answer given while
// the database is out of reach.
const unavailableRetry = "10"

// unavailable reports whether err comes from the database being out of
// reach (stopped, restarting, refusing connections): a passing state that
// the connection pool gets over by itself once the database is back.
func unavailable(err error) bool {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// 08: connection exceptions; 57P01-57P03: the server shuts down
		// or is not accepting connections yet.
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var ne *net.OpError
	return errors.As(err, &ne) || pgconn.SafeToRetry(err)
}

// sessionError answers a page request whose session could not be loaded or
// saved.
func (s *Server) sessionError(w http.ResponseWriter, r *http.Request, err error) {
	if unavailable(err) {
		s.log.WarnContext(r.Context(), "session: the database is out of reach", "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", unavailableRetry)
		http.Error(w, translateFor(s, r, "error.unavailable"), http.StatusServiceUnavailable)
		return
	}
	s.log.ErrorContext(r.Context(), "session failed", "path", r.URL.Path, "err", err)
	http.Error(w, translateFor(s, r, "error.internal"), http.StatusInternalServerError)
}
