package web

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/roundtable-fed/roundtable"
)

// caller is who made an API request: a token's grant and, for tokens of a
// member, the member.
type caller struct {
	token  *roundtable.Token
	member *roundtable.Member
}

type callerKey struct{}

// callerFrom returns the request's caller; nil for anonymous requests.
func callerFrom(ctx context.Context) *caller {
	c, _ := ctx.Value(callerKey{}).(*caller)
	return c
}

// viewerID returns the id of the member making the request, or "".
func viewerID(r *http.Request) string {
	if c := callerFrom(r.Context()); c != nil && c.member != nil {
		return c.member.ID
	}
	return ""
}

// bearerToken returns the token of an Authorization: Bearer header.
func bearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// authenticate loads the caller of a request that carries a bearer token. A
// token that is present but invalid is refused with 401; a request without
// one goes on anonymously.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw := bearerToken(r)
		if raw == "" {
			next.ServeHTTP(w, r)
			return
		}
		c, err := s.callerFor(r.Context(), raw)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, c)))
	})
}

// callerFor returns the caller holding the access token raw, or
// errInvalidToken.
func (s *Server) callerFor(ctx context.Context, raw string) (*caller, error) {
	tok, err := s.store.TokenByValue(ctx, raw)
	if err != nil {
		if errors.Is(err, roundtable.ErrUnauthorized) {
			err = errInvalidToken
		}
		return nil, err
	}
	c := &caller{token: tok}
	if tok.AccountID != nil {
		m, err := s.store.Member(ctx, *tok.AccountID)
		if errors.Is(err, roundtable.ErrNotFound) {
			return nil, errInvalidToken
		}
		if err != nil {
			return nil, err
		}
		c.member = m
	}
	return c, nil
}

// scope admits requests whose token holds the scope. Without a token the
// request is refused with 401 unless optional is true, in which case it goes
// on anonymously (public reads).
func scope(required string, optional bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c := callerFrom(r.Context())
			if c == nil {
				if optional {
					next.ServeHTTP(w, r)
					return
				}
				writeJSON(w, http.StatusUnauthorized, map[string]string{"error": errInvalidToken.message})
				return
			}
			if !roundtable.ScopeAllows(c.token.Scopes, required) {
				writeJSON(w, http.StatusForbidden, map[string]string{"error": errOutOfScope.message})
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// member returns the member making the request, or an error for tokens
// that act for no member.
func member(r *http.Request) (*roundtable.Member, error) {
	c := callerFrom(r.Context())
	if c == nil {
		return nil, errInvalidToken
	}
	if c.member == nil {
		return nil, errNoUser
	}
	return c.member, nil
}

// memberParams returns the member making the request and its parameters,
// or answers the request itself (401, 422, 400…) and returns false.
func (s *Server) memberParams(w http.ResponseWriter, r *http.Request) (*roundtable.Member, *params, bool) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return nil, nil, false
	}
	p, err := readParams(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return nil, nil, false
	}
	return m, p, true
}
