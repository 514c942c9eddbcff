package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"time"

	"github.com/go-chi/httprate"
)

// apiWindow is the window of the client API's rate limit.
const apiWindow = 5 * time.Minute

// apiLimit bounds the client API's requests per client and window: the
// requests of one access token are counted together wherever they come
// from, those without a token by the caller's address. Past the limit the
// answer is 429 with Retry-After. A limit of 0 or less admits everything.
func (s *Server) apiLimit() func(http.Handler) http.Handler {
	if s.cfg.APIRequestsPer5Min <= 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	return httprate.LimitBy(s.cfg.APIRequestsPer5Min, apiWindow, apiClientKey,
		httprate.WithLimitHandler(tooManyRequests))
}

// apiClientKey names the client a request is counted against. Tokens are
// hashed so that the limiter holds none of them.
func apiClientKey(r *http.Request) (string, error) {
	if raw := bearerToken(r); raw != "" {
		sum := sha256.Sum256([]byte(raw))
		return "token:" + hex.EncodeToString(sum[:16]), nil
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "ip:" + httprate.CanonicalizeIP(host), nil
}

// tooManyRequests answers a request over its limit; the limiter has set
// Retry-After.
func tooManyRequests(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusTooManyRequests, map[string]string{
		"error": "Too many requests; try again after the number of seconds in Retry-After",
	})
}
