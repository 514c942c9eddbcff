package web

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/roundtable-fed/roundtable"
)

// The OAuth 2 server for client apps, shaped like Mastodon's: apps register
// with POST /api/v1/apps, members consent at /oauth/authorize, apps swap the
// code (with PKCE S256 when they sent a challenge) for a token that lives
// until revoked.

// oauthError writes an RFC 6749 error answer.
func oauthError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

const invalidGrantText = "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."

// clientCredentials reads the client id and secret from HTTP Basic or the
// request parameters.
func clientCredentials(r *http.Request, p *params) (id, secret string) {
	if u, pw, ok := r.BasicAuth(); ok {
		uid, err1 := url.QueryUnescape(u)
		upw, err2 := url.QueryUnescape(pw)
		if err1 == nil && err2 == nil {
			return uid, upw
		}
		return u, pw
	}
	return p.get("client_id"), p.get("client_secret")
}

func (s *Server) oauthToken(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(w, r)
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) {
			oauthError(w, ae.status, "invalid_request", ae.message)
			return
		}
		s.writeError(w, r, err)
		return
	}
	id, secret := clientCredentials(r, p)
	app, err := s.store.AuthenticateApp(r.Context(), id, secret)
	if errors.Is(err, roundtable.ErrUnauthorized) {
		oauthError(w, http.StatusUnauthorized, "invalid_client",
			"Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.")
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var token string
	var grant *roundtable.Token
	switch p.get("grant_type") {
	case "authorization_code":
		code := p.get("code")
		if code == "" {
			oauthError(w, http.StatusBadRequest, "invalid_request", "The code parameter is missing.")
			return
		}
		token, grant, err = s.store.ExchangeCode(r.Context(), app, code, p.get("redirect_uri"), p.get("code_verifier"))
	case "client_credentials":
		token, grant, err = s.store.ClientCredentialsToken(r.Context(), app, p.get("scope"))
	case "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "The grant_type parameter is missing.")
		return
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type",
			"The authorization grant type is not supported by the authorization server.")
		return
	}
	var ve *roundtable.ValidationError
	switch {
	case errors.Is(err, roundtable.ErrInvalidGrant):
		oauthError(w, http.StatusBadRequest, "invalid_grant", invalidGrantText)
		return
	case errors.As(err, &ve) && ve.Field == "scope":
		oauthError(w, http.StatusBadRequest, "invalid_scope", "The requested scope is invalid, unknown, or malformed.")
		return
	case err != nil:
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": token, "token_type": "Bearer",
		"scope": strings.Join(grant.Scopes, " "), "created_at": grant.CreatedAt.Unix(),
	})
}

func (s *Server) oauthRevoke(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id, secret := clientCredentials(r, p)
	app, err := s.store.AuthenticateApp(r.Context(), id, secret)
	if errors.Is(err, roundtable.ErrUnauthorized) {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Client authentication failed.")
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	err = s.store.RevokeToken(r.Context(), app, p.get("token"))
	if errors.Is(err, roundtable.ErrForbidden) {
		oauthError(w, http.StatusForbidden, "unauthorized_client", "You are not authorized to revoke this token")
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

func (s *Server) oauthMetadata(w http.ResponseWriter, r *http.Request) {
	var scopes []string
	for _, sc := range roundtable.Scopes {
		if !strings.HasPrefix(sc, "admin:") {
			scopes = append(scopes, sc)
		}
	}
	b := s.links.Base
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                b + "/",
		"service_documentation":                 "https://docs.joinmastodon.org/",
		"authorization_endpoint":                b + "/oauth/authorize",
		"token_endpoint":                        b + "/oauth/token",
		"app_registration_endpoint":             b + "/api/v1/apps",
		"revocation_endpoint":                   b + "/oauth/revoke",
		"scopes_supported":                      scopes,
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query"},
		"code_challenge_methods_supported":      []string{"S256"},
		"grant_types_supported":                 []string{"authorization_code", "client_credentials"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	})
}

// authRequest is a parsed /oauth/authorize request.
type authRequest struct {
	App                 *roundtable.App
	ClientID            string
	RedirectURI         string
	Scope               string
	Scopes              []string
	State               string
	CodeChallenge       string
	CodeChallengeMethod string
}

// parseAuthRequest checks an authorization request. Errors that make it
// unsafe to redirect (unknown client, unregistered redirect URI) are shown
// on a page; the others go back to the app as error parameters.
func (s *Server) parseAuthRequest(r *http.Request, get func(string) string) (*authRequest, string, error) {
	ar := &authRequest{
		ClientID: get("client_id"), RedirectURI: get("redirect_uri"), State: get("state"),
		CodeChallenge: get("code_challenge"), CodeChallengeMethod: get("code_challenge_method"),
	}
	app, err := s.store.AppByClientID(r.Context(), ar.ClientID)
	if errors.Is(err, roundtable.ErrNotFound) {
		return nil, "", errStatus(http.StatusBadRequest, "oauth.unknown_client")
	}
	if err != nil {
		return nil, "", err
	}
	ar.App = app
	if ar.RedirectURI == "" && len(app.RedirectURIs) == 1 {
		ar.RedirectURI = app.RedirectURIs[0]
	}
	if !slices.Contains(app.RedirectURIs, ar.RedirectURI) {
		return nil, "", errStatus(http.StatusBadRequest, "oauth.bad_redirect")
	}
	if rt := get("response_type"); rt != "code" {
		return ar, "unsupported_response_type", nil
	}
	scopes, err := roundtable.ParseScopes(get("scope"), []string{"read"})
	if err != nil || !roundtable.ScopesWithin(scopes, app.Scopes) {
		return ar, "invalid_scope", nil
	}
	ar.Scopes = scopes
	ar.Scope = strings.Join(scopes, " ")
	if ar.CodeChallenge != "" || ar.CodeChallengeMethod != "" {
		if ar.CodeChallengeMethod != "S256" {
			return ar, "invalid_request", nil
		}
		if b, err := base64.RawURLEncoding.DecodeString(ar.CodeChallenge); err != nil || len(b) != 32 {
			return ar, "invalid_request", nil
		}
	}
	return ar, "", nil
}

// redirectBack sends the browser to the app's redirect URI with params.
func redirectBack(w http.ResponseWriter, r *http.Request, ar *authRequest, params url.Values) {
	if ar.State != "" {
		params.Set("state", ar.State)
	}
	u, _ := url.Parse(ar.RedirectURI)
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (s *Server) authorizePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ar, oauthErr, err := s.parseAuthRequest(r, q.Get)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if oauthErr != "" {
		redirectBack(w, r, ar, url.Values{"error": {oauthErr}})
		return
	}
	m := s.sessionMember(r)
	if q.Get("force_login") == "true" {
		m = nil
	}
	// The consent form, once posted, sends the browser on to the app: its
	// redirect URI must be a place the form may lead.
	w.Header().Set("Content-Security-Policy", contentSecurityPolicy("'self' "+formActionSource(ar.RedirectURI)))
	s.render(w, r, http.StatusOK, "authorize", map[string]any{"Auth": ar, "Member": m})
}

// formActionSource is the CSP source that allows a redirect to uri: its
// origin, or its scheme for an app's own scheme (elk:, com.example.app:).
func formActionSource(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme == "" || strings.ContainsAny(uri, " ;,'\"") {
		return ""
	}
	if u.Host != "" && (u.Scheme == "http" || u.Scheme == "https") {
		return u.Scheme + "://" + u.Host
	}
	return u.Scheme + ":"
}

func (s *Server) authorizeSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, errStatus(http.StatusBadRequest, "error.bad_form"))
		return
	}
	ar, oauthErr, err := s.parseAuthRequest(r, r.PostForm.Get)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if oauthErr != "" {
		redirectBack(w, r, ar, url.Values{"error": {oauthErr}})
		return
	}
	if r.PostForm.Get("deny") != "" {
		redirectBack(w, r, ar, url.Values{"error": {"access_denied"}})
		return
	}
	m := s.sessionMember(r)
	if login := r.PostForm.Get("username"); login != "" {
		m, err = s.store.Authenticate(r.Context(), login, r.PostForm.Get("password"))
		if err != nil {
			if !errors.Is(err, roundtable.ErrUnauthorized) {
				s.pageError(w, r, err)
				return
			}
			msg := "login.failed"
			if errors.Is(err, roundtable.ErrPendingApproval) {
				msg = "login.pending"
			}
			s.render(w, r, http.StatusUnauthorized, "authorize", map[string]any{"Auth": ar, "Error": msg, "Login": login})
			return
		}
		if err := s.startSession(r, m); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	if m == nil {
		s.render(w, r, http.StatusUnauthorized, "authorize", map[string]any{"Auth": ar, "Error": "login.required"})
		return
	}
	code, err := s.store.CreateAuthCode(r.Context(), roundtable.Authorization{
		App: ar.App, MemberID: m.ID, RedirectURI: ar.RedirectURI, Scopes: ar.Scopes,
		CodeChallenge: ar.CodeChallenge, CodeChallengeMethod: ar.CodeChallengeMethod,
	})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if ar.RedirectURI == roundtable.OOBRedirect {
		s.render(w, r, http.StatusOK, "authorized", map[string]any{"Auth": ar, "Code": code})
		return
	}
	redirectBack(w, r, ar, url.Values{"code": {code}})
}

// startSession signs m in on this browser, with a fresh session token.
func (s *Server) startSession(r *http.Request, m *roundtable.Member) error {
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		return err
	}
	s.sessions.Put(r.Context(), "member_id", m.ID)
	s.sessions.Put(r.Context(), "signed_in_at", time.Now().Unix())
	return nil
}

// sessionMember returns the member signed in on this browser, or nil.
func (s *Server) sessionMember(r *http.Request) *roundtable.Member {
	if rm, ok := r.Context().Value(sessionMemberKey{}).(*requestMember); ok {
		return rm.m
	}
	id := s.sessions.GetString(r.Context(), "member_id")
	if id == "" {
		return nil
	}
	m, err := s.store.Member(r.Context(), id)
	if err != nil || !m.Approved || m.SuspendedAt != nil || m.DisabledAt != nil {
		return nil
	}
	return m
}
