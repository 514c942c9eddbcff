package federation

import (
	"net"
	"net/http"
	"time"

	"github.com/go-chi/httprate"
)

// inboxWindow is the window of the inbox's rate limit.
const inboxWindow = 5 * time.Minute

// inboxLimit bounds the activities one server may post to the inboxes in a
// window. A server is the host of the key a request says it is signed with
// (checked afterwards, by the inbox) together with the address it comes
// from, so that nobody can use up another server's allowance by naming its
// keys; unsigned requests count by address. Past the limit the answer is
// 429 with Retry-After. A limit of 0 or less admits everything.
func (f *Federator) inboxLimit() func(http.Handler) http.Handler {
	if f.cfg.InboxRequestsPer5Min <= 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	return httprate.LimitBy(f.cfg.InboxRequestsPer5Min, inboxWindow, senderKey,
		httprate.WithLimitHandler(func(w http.ResponseWriter, r *http.Request) {
			f.metrics.inbox.WithLabelValues("limited").Inc()
			inboxError(w, http.StatusTooManyRequests, "too many activities from "+senderName(r)+"; try again after the number of seconds in Retry-After")
		}))
}

// senderKey names the server a request to an inbox is counted against.
func senderKey(r *http.Request) (string, error) {
	return senderName(r) + " " + clientAddr(r), nil
}

// senderName is the host a request claims to be signed by, or its address.
func senderName(r *http.Request) string {
	if h := signedBy(r); h != "" {
		return h
	}
	return clientAddr(r)
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return httprate.CanonicalizeIP(host)
}
