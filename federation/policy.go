package federation

import (
	"context"
	"net/http"
	"strings"

	"github.com/roundtable-fed/roundtable"
)

// Peer policies, checked here and only here: at the inbox, at delivery, at
// every fetch, and when serving signed requests. A blocked domain gets
// nothing from this instance and nothing from it is taken; in allowlist
// mode, the same holds for every domain not trusted.

// blocked reports whether host (with or without a port) is blocked, or
// not trusted while the instance federates only with trusted peers. A
// failure to read the policy counts as blocked for this request: refusing
// is the safe side, and the next try will know.
func (f *Federator) blocked(ctx context.Context, host string) bool {
	host = strings.ToLower(host)
	if host == "" || host == strings.ToLower(f.links.Domain()) {
		return false
	}
	ok, err := f.store.Federates(ctx, host)
	if err != nil {
		f.log.ErrorContext(ctx, "read peer policy", "domain", host, "err", err)
		return true
	}
	return !ok
}

// trusted reports whether this instance trusts host: the peers that may
// read its advisories and whose advisories it reads.
func (f *Federator) trusted(ctx context.Context, host string) bool {
	host = strings.ToLower(host)
	if host == "" || host == strings.ToLower(f.links.Domain()) {
		return false
	}
	p, err := f.store.PeerPolicy(ctx, host)
	if err != nil {
		f.log.ErrorContext(ctx, "read peer policy", "domain", host, "err", err)
		return false
	}
	return p == roundtable.PolicyTrust
}

// signedBy returns the host of the key that signed r, or "" when r is not
// signed.
func signedBy(r *http.Request) string {
	if h := r.Header.Get("Signature-Input"); h != "" {
		if _, _, keyID, err := signatureInput(h); err == nil {
			return hostOf(keyID)
		}
		return ""
	}
	h := r.Header.Get("Signature")
	if h == "" && strings.HasPrefix(r.Header.Get("Authorization"), "Signature ") {
		h = r.Header.Get("Authorization")
	}
	if h == "" {
		return ""
	}
	return hostOf(cavageParams(h)["keyid"])
}

// refuseBlocked answers signed requests from blocked domains with 403, so
// that nothing is served to them.
func (f *Federator) refuseBlocked(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if host := signedBy(r); host != "" && f.blocked(r.Context(), host) {
			writeJSON(w, http.StatusForbidden, "application/json", map[string]string{"error": "this instance does not federate with " + host})
			return
		}
		next.ServeHTTP(w, r)
	})
}
