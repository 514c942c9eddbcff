package roundtable

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// OAuth 2 grants for client apps, as Mastodon's API has them: apps register
// themselves, members authorize them, and tokens never expire until revoked.
// Client secrets, codes and tokens are stored only as SHA-256 hashes.

// OOBRedirect is the redirect URI that asks for the code to be shown.
const OOBRedirect = "urn:ietf:wg:oauth:2.0:oob"

// Scopes is every scope a token may hold.
var Scopes = []string{
	"read", "write", "follow", "push", "profile",
	"read:accounts", "read:blocks", "read:bookmarks", "read:favourites", "read:filters", "read:follows",
	"read:lists", "read:mutes", "read:notifications", "read:search", "read:statuses",
	"write:accounts", "write:blocks", "write:bookmarks", "write:conversations", "write:favourites",
	"write:filters", "write:follows", "write:lists", "write:media", "write:mutes", "write:notifications",
	"write:reports", "write:statuses",
	"admin:read", "admin:write",
}

// followScopes are what the deprecated "follow" scope stands for.
var followScopes = []string{"read:blocks", "read:follows", "read:mutes", "write:blocks", "write:follows", "write:mutes"}

// ParseScopes splits a space- or plus-separated scope list, checks every
// scope, and returns def when s is empty.
func ParseScopes(s string, def []string) ([]string, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '+' || r == ',' || r == '\n' })
	if len(fields) == 0 {
		return slices.Clone(def), nil
	}
	var out []string
	for _, f := range fields {
		if !slices.Contains(Scopes, f) {
			return nil, Invalid("scope", "unknown scope %q", f)
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out, nil
}

// ScopeAllows reports whether granted scopes cover the required one.
func ScopeAllows(granted []string, required string) bool {
	if slices.Contains(granted, required) {
		return true
	}
	top, _, granular := strings.Cut(required, ":")
	if granular && top != "admin" && slices.Contains(granted, top) {
		return true
	}
	if slices.Contains(followScopes, required) && slices.Contains(granted, "follow") {
		return true
	}
	return false
}

// ScopesWithin reports whether every scope of asked is allowed by allowed.
func ScopesWithin(asked, allowed []string) bool {
	for _, a := range asked {
		if !ScopeAllows(allowed, a) {
			return false
		}
	}
	return true
}

// App is an OAuth client registered by an app.
type App struct {
	ID           string    `db:"id"`
	Name         string    `db:"name"`
	Website      *string   `db:"website"`
	RedirectURIs []string  `db:"redirect_uris"`
	Scopes       []string  `db:"scopes"`
	ClientID     string    `db:"client_id"`
	SecretHash   []byte    `db:"client_secret_hash"`
	CreatedAt    time.Time `db:"created_at"`
}

// NewApp is an app's registration.
type NewApp struct {
	Name         string
	Website      string
	RedirectURIs []string
	Scopes       string
}

// secret returns a random URL-safe string of n bytes of entropy.
func secret(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashSecret(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// ValidRedirectURI checks a redirect URI: absolute, no fragment, and not a
// scheme that runs code.
func ValidRedirectURI(u string) error {
	if u == OOBRedirect {
		return nil
	}
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" {
		return Invalid("redirect_uris", "must be absolute URIs")
	}
	// Native apps use bare custom schemes (Ice Cubes registers
	// "icecubesapp://"); only web URLs need a host.
	switch strings.ToLower(p.Scheme) {
	case "http", "https":
		if p.Host == "" {
			return Invalid("redirect_uris", "must be absolute URIs")
		}
	}
	switch strings.ToLower(p.Scheme) {
	case "javascript", "data", "vbscript", "file":
		return Invalid("redirect_uris", "may not use the %s scheme", p.Scheme)
	}
	if p.Fragment != "" {
		return Invalid("redirect_uris", "may not contain a fragment")
	}
	return nil
}

// CreateApp registers an app and returns it with its client secret, which
// is shown only this once.
func (s *Store) CreateApp(ctx context.Context, na NewApp) (*App, string, error) {
	na.Name = strings.TrimSpace(na.Name)
	if na.Name == "" {
		return nil, "", Invalid("client_name", "can't be blank")
	}
	if len(na.Name) > 200 {
		return nil, "", Invalid("client_name", "must be at most 200 characters")
	}
	if len(na.RedirectURIs) == 0 {
		return nil, "", Invalid("redirect_uris", "can't be blank")
	}
	if len(na.RedirectURIs) > 20 {
		return nil, "", Invalid("redirect_uris", "at most 20 are allowed")
	}
	for _, u := range na.RedirectURIs {
		if len(u) > 2000 {
			return nil, "", Invalid("redirect_uris", "must be at most 2000 characters each")
		}
		if err := ValidRedirectURI(u); err != nil {
			return nil, "", err
		}
	}
	scopes, err := ParseScopes(na.Scopes, []string{"read"})
	if err != nil {
		return nil, "", err
	}
	var website *string
	if w := strings.TrimSpace(na.Website); w != "" {
		if p, err := url.Parse(w); err != nil || (p.Scheme != "http" && p.Scheme != "https") || len(w) > 2000 {
			return nil, "", Invalid("website", "must be an http or https URL")
		}
		website = &w
	}
	now := s.Now()
	sec := secret(32)
	app := &App{ID: NewID(now), Name: na.Name, Website: website, RedirectURIs: na.RedirectURIs, Scopes: scopes,
		ClientID: secret(32), SecretHash: hashSecret(sec), CreatedAt: now}
	_, err = s.pool.Exec(ctx, `INSERT INTO oauth_apps (id, name, website, redirect_uris, scopes, client_id, client_secret_hash, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		app.ID, app.Name, app.Website, app.RedirectURIs, app.Scopes, app.ClientID, app.SecretHash, app.CreatedAt)
	if err != nil {
		return nil, "", fmt.Errorf("create app: %w", err)
	}
	return app, sec, nil
}

const appColumns = `id, name, website, redirect_uris, scopes, client_id, client_secret_hash, created_at`

// AppByClientID returns the app with the given client id.
func (s *Store) AppByClientID(ctx context.Context, clientID string) (*App, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+appColumns+` FROM oauth_apps WHERE client_id = $1`, clientID)
	app, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[App])
	if err != nil {
		return nil, notFound(err, "app")
	}
	return app, nil
}

// AppByID returns the app with the given id.
func (s *Store) AppByID(ctx context.Context, id string) (*App, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+appColumns+` FROM oauth_apps WHERE id = $1`, id)
	app, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[App])
	if err != nil {
		return nil, notFound(err, "app")
	}
	return app, nil
}

// AuthenticateApp returns the app whose client id and secret these are, or
// ErrUnauthorized.
func (s *Store) AuthenticateApp(ctx context.Context, clientID, clientSecret string) (*App, error) {
	app, err := s.AppByClientID(ctx, clientID)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrUnauthorized
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(app.SecretHash, hashSecret(clientSecret)) != 1 {
		return nil, ErrUnauthorized
	}
	return app, nil
}

// codeLifetime is how long an authorization code can be exchanged.
const codeLifetime = 10 * time.Minute

// Authorization is a member's consent to an app, before the code is made.
type Authorization struct {
	App                 *App
	MemberID            string
	RedirectURI         string
	Scopes              []string
	CodeChallenge       string
	CodeChallengeMethod string
}

// CreateAuthCode records a member's consent and returns the single-use code
// the app exchanges for a token.
func (s *Store) CreateAuthCode(ctx context.Context, a Authorization) (string, error) {
	if !slices.Contains(a.App.RedirectURIs, a.RedirectURI) {
		return "", Invalid("redirect_uri", "is not registered for this app")
	}
	if !ScopesWithin(a.Scopes, a.App.Scopes) {
		return "", Invalid("scope", "asks for more than the app registered")
	}
	if a.CodeChallenge != "" && a.CodeChallengeMethod != "S256" {
		return "", Invalid("code_challenge_method", "only S256 is supported")
	}
	code := secret(32)
	now := s.Now()
	_, err := s.pool.Exec(ctx, `INSERT INTO oauth_codes (code_hash, app_id, account_id, redirect_uri, scopes, code_challenge,
		code_challenge_method, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		hashSecret(code), a.App.ID, a.MemberID, a.RedirectURI, a.Scopes, a.CodeChallenge, a.CodeChallengeMethod, now, now.Add(codeLifetime))
	if err != nil {
		return "", fmt.Errorf("create authorization code: %w", err)
	}
	return code, nil
}

// ErrInvalidGrant means a code is unknown, used, expired, or does not match
// the app, redirect URI or PKCE verifier.
var ErrInvalidGrant = errors.New("invalid grant")

// Token is an access token's grant. The token itself is never stored.
type Token struct {
	ID        string    `db:"id"`
	AppID     *string   `db:"app_id"`
	AccountID *string   `db:"account_id"`
	Scopes    []string  `db:"scopes"`
	CreatedAt time.Time `db:"created_at"`
}

// ExchangeCode turns an authorization code into an access token. The code
// works once.
func (s *Store) ExchangeCode(ctx context.Context, app *App, code, redirectURI, verifier string) (string, *Token, error) {
	var accountID, uri, challenge, method string
	var scopes []string
	var expires time.Time
	err := s.pool.QueryRow(ctx, `DELETE FROM oauth_codes WHERE code_hash = $1 AND app_id = $2
		RETURNING account_id, redirect_uri, scopes, code_challenge, code_challenge_method, expires_at`,
		hashSecret(code), app.ID).Scan(&accountID, &uri, &scopes, &challenge, &method, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil, ErrInvalidGrant
	}
	if err != nil {
		return "", nil, fmt.Errorf("exchange code: %w", err)
	}
	if s.Now().After(expires) || uri != redirectURI {
		return "", nil, ErrInvalidGrant
	}
	if challenge != "" {
		sum := sha256.Sum256([]byte(verifier))
		if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) != 1 {
			return "", nil, ErrInvalidGrant
		}
	}
	return s.issueToken(ctx, &app.ID, &accountID, scopes)
}

// ClientCredentialsToken returns a token for the app itself, acting for no
// member.
func (s *Store) ClientCredentialsToken(ctx context.Context, app *App, scope string) (string, *Token, error) {
	scopes, err := ParseScopes(scope, []string{"read"})
	if err != nil {
		return "", nil, err
	}
	if !ScopesWithin(scopes, app.Scopes) {
		return "", nil, Invalid("scope", "asks for more than the app registered")
	}
	return s.issueToken(ctx, &app.ID, nil, scopes)
}

// IssueToken returns a new token for the member called username, for
// scripts run by the instance's operator.
func (s *Store) IssueToken(ctx context.Context, username string, scopes []string) (string, error) {
	m, err := s.MemberByUsername(ctx, username)
	if err != nil {
		return "", err
	}
	scopes, err = ParseScopes(strings.Join(scopes, " "), []string{"read", "write", "follow"})
	if err != nil {
		return "", err
	}
	tok, _, err := s.issueToken(ctx, nil, &m.ID, scopes)
	return tok, err
}

func (s *Store) issueToken(ctx context.Context, appID, accountID *string, scopes []string) (string, *Token, error) {
	raw := secret(32)
	now := s.Now()
	t := &Token{ID: NewID(now), AppID: appID, AccountID: accountID, Scopes: scopes, CreatedAt: now}
	_, err := s.pool.Exec(ctx, `INSERT INTO oauth_tokens (id, token_hash, app_id, account_id, scopes, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, t.ID, hashSecret(raw), appID, accountID, scopes, now)
	if err != nil {
		return "", nil, fmt.Errorf("issue token: %w", err)
	}
	return raw, t, nil
}

// TokenByValue returns the live grant of an access token, or
// ErrUnauthorized.
func (s *Store) TokenByValue(ctx context.Context, raw string) (*Token, error) {
	if raw == "" || len(raw) > 200 {
		return nil, ErrUnauthorized
	}
	// A suspended or disabled member's tokens stop working, and work again
	// when that is lifted.
	rows, _ := s.pool.Query(ctx, `SELECT id, app_id, account_id, scopes, created_at FROM oauth_tokens t
		WHERE token_hash = $1 AND revoked_at IS NULL AND NOT EXISTS (SELECT 1 FROM accounts a JOIN members m ON m.account_id = a.id
			WHERE a.id = t.account_id AND (a.suspended_at IS NOT NULL OR m.disabled_at IS NOT NULL))`, hashSecret(raw))
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Token])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrUnauthorized
	}
	if err != nil {
		return nil, fmt.Errorf("look up token: %w", err)
	}
	return t, nil
}

// RevokeToken revokes a token the app holds. Revoking an unknown or revoked
// token succeeds; another app's token gives ErrForbidden.
func (s *Store) RevokeToken(ctx context.Context, app *App, raw string) error {
	var appID *string
	err := s.pool.QueryRow(ctx, `SELECT app_id FROM oauth_tokens WHERE token_hash = $1`, hashSecret(raw)).Scan(&appID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	if appID == nil || *appID != app.ID {
		return fmt.Errorf("revoke another app's token: %w", ErrForbidden)
	}
	_, err = s.pool.Exec(ctx, `UPDATE oauth_tokens SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL`,
		hashSecret(raw), s.Now())
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}
