package roundtable

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Role is what a member may do on the instance.
type Role string

// Roles, from least to most trusted.
const (
	RoleMember    Role = "member"
	RoleModerator Role = "moderator"
	RoleAdmin     Role = "admin"
)

// ParseRole returns the Role named s.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleMember, RoleModerator, RoleAdmin:
		return r, nil
	}
	return "", Invalid("role", "must be member, moderator or admin")
}

// Account is a local member's or a remote actor's public identity.
type Account struct {
	ID             string     `db:"id"`
	Username       string     `db:"username"`
	Domain         *string    `db:"domain"` // nil for local accounts
	DisplayName    string     `db:"display_name"`
	Note           string     `db:"note"`        // HTML
	NoteSource     string     `db:"note_source"` // plain text as written
	Locked         bool       `db:"locked"`
	Bot            bool       `db:"bot"`
	Discoverable   bool       `db:"discoverable"`
	CreatedAt      time.Time  `db:"created_at"`
	UpdatedAt      time.Time  `db:"updated_at"`
	LastStatusAt   *time.Time `db:"last_status_at"`
	StatusesCount  int        `db:"statuses_count"`
	FollowersCount int        `db:"followers_count"`
	FollowingCount int        `db:"following_count"`
	ActorType      string     `db:"actor_type"` // Person, Group, Application, Service…
	URI            string     `db:"uri"`        // ActivityPub id
	URL            string     `db:"url"`        // profile page
	// SuspendedAt is when a moderator here suspended the account.
	SuspendedAt *time.Time `db:"suspended_at"`
	// HideCollections hides whom the member follows and who follows
	// them from everyone else.
	HideCollections bool `db:"hide_collections"`
	// NoIndex asks search engines not to index the account's pages (a
	// member's choice, or a consultation's).
	NoIndex bool `db:"noindex"`
}

// Group reports whether the account is a Group: a consultation, here or
// on another server.
func (a *Account) Group() bool { return a.ActorType == "Group" }

// Local reports whether the account belongs to this instance.
func (a *Account) Local() bool { return a.Domain == nil }

// Acct is the account's handle as the client API shows it: the username for
// local accounts, user@domain for remote ones.
func (a *Account) Acct() string {
	if a.Domain == nil {
		return a.Username
	}
	return a.Username + "@" + *a.Domain
}

// Member is a local account that can sign in.
type Member struct {
	Account
	Email             string  `db:"email"`
	PasswordHash      string  `db:"password_hash"`
	Role              Role    `db:"role"`
	Approved          bool    `db:"approved"`
	SignupReason      string  `db:"signup_reason"`
	DefaultVisibility string  `db:"default_visibility"`
	DefaultSensitive  bool    `db:"default_sensitive"`
	DefaultLanguage   *string `db:"default_language"`
	// DisabledAt is when a moderator turned off the member's sign-in.
	DisabledAt    *time.Time `db:"disabled_at"`
	QuotesAllowed bool       `db:"quotes_allowed"` // others may quote the member's public statuses
	// Language is the language the member reads pages in; nil follows
	// the browser.
	Language *string `db:"language"`
	// DefaultReplyPolicy is who may reply to what the member posts when
	// they do not say.
	DefaultReplyPolicy ReplyPolicy `db:"default_reply_policy"`
}

// NewMember is what it takes to create a member.
type NewMember struct {
	Username     string
	Email        string
	Password     string
	DisplayName  string
	Role         Role
	Approved     bool
	SignupReason string
	// AcceptedNorms is the sign-up form's "I accept the norms".
	AcceptedNorms bool
}

var usernameRE = regexp.MustCompile(`^[A-Za-z0-9_]{1,30}$`)

// ValidateUsername checks the form of a local username.
func ValidateUsername(name string) error {
	if !usernameRE.MatchString(name) {
		return Invalid("username", "must be 1 to 30 letters, digits or underscores")
	}
	return nil
}

// reservedNames cannot be taken by members: they would shadow paths or
// actors of the instance itself.
var reservedNames = map[string]bool{
	"about": true, "api": true, "inbox": true, "instance": true, "login": true,
	"logout": true, "nodeinfo": true, "oauth": true, "signup": true, "static": true, "users": true,
	"well-known": true, "healthz": true, "readyz": true, "metrics": true, "roundtable": true,
}

const accountColumns = `a.id, a.username, a.domain, a.display_name, a.note, a.note_source, a.locked, a.bot,
	a.discoverable, a.created_at, a.updated_at, a.last_status_at, a.statuses_count, a.followers_count, a.following_count,
	a.actor_type, coalesce(a.uri, '') AS uri, coalesce(a.url, '') AS url, a.suspended_at, a.hide_collections, a.noindex`

const memberColumns = accountColumns + `, m.email, m.password_hash, m.role, m.approved, m.signup_reason,
	m.default_visibility, m.default_sensitive, m.default_language, m.disabled_at, m.quotes_allowed,
	m.language, m.default_reply_policy`

// CreateMember creates a local member and its account.
func (s *Store) CreateMember(ctx context.Context, nm NewMember) (*Member, error) {
	nm.Username = strings.TrimSpace(nm.Username)
	nm.Email = strings.TrimSpace(nm.Email)
	if err := ValidateUsername(nm.Username); err != nil {
		return nil, err
	}
	if reservedNames[strings.ToLower(nm.Username)] {
		return nil, Invalid("username", "%q is reserved", nm.Username)
	}
	if a, err := mail.ParseAddress(nm.Email); err != nil || a.Address != nm.Email || len(nm.Email) > 254 {
		return nil, Invalid("email", "must be an e-mail address such as name@example.org")
	}
	if n := len([]rune(nm.Password)); n < minPasswordLen || n > maxPasswordLen {
		return nil, Invalid("password", "must be %d to %d characters", minPasswordLen, maxPasswordLen)
	}
	if nm.Role == "" {
		nm.Role = RoleMember
	}
	if _, err := ParseRole(string(nm.Role)); err != nil {
		return nil, err
	}
	if len([]rune(nm.DisplayName)) > 30 {
		return nil, Invalid("display_name", "must be at most 30 characters")
	}
	hash, err := HashPassword(nm.Password, s.pw)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	// Without a base URL (an admin command before the instance ever
	// served) the actor is made when serve starts.
	var uri, url, inbox, shared, outbox, followers, following, keyID, priv, pub *string
	if s.links.Base != "" {
		pr, pu, err := s.keyPair()
		if err != nil {
			return nil, err
		}
		u, l, i, sh, o, fr, fg, k := s.localActorValues(nm.Username)
		uri, url, inbox, shared, outbox, followers, following, keyID, priv, pub = &u, &l, &i, &sh, &o, &fr, &fg, &k, &pr, &pu
	}
	now := s.Now()
	id := NewID(now)
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO accounts (id, username, display_name, created_at, updated_at,
			uri, url, inbox, shared_inbox, outbox, followers_url, following_url, public_key_id, public_key_pem, private_key_pem)
			VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
			id, nm.Username, nm.DisplayName, now, uri, url, inbox, shared, outbox, followers, following, keyID, pub, priv)
		if isUniqueViolation(err) {
			return &ConflictError{Message: "That username is taken."}
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO members (account_id, email, password_hash, role, approved, signup_reason, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, nm.Email, hash, nm.Role, nm.Approved, nm.SignupReason, now)
		if isUniqueViolation(err) {
			return &ConflictError{Message: "That e-mail address is already registered."}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create member %s: %w", nm.Username, err)
	}
	return s.Member(ctx, id)
}

// Member returns the local member with the given account id.
func (s *Store) Member(ctx context.Context, id string) (*Member, error) {
	return s.memberWhere(ctx, "a.id = $1", id)
}

// MemberByUsername returns the local member called name (case-insensitive).
func (s *Store) MemberByUsername(ctx context.Context, name string) (*Member, error) {
	return s.memberWhere(ctx, "lower(a.username) = lower($1) AND a.domain IS NULL", name)
}

// MemberByLogin returns the member whose username or e-mail is login.
func (s *Store) MemberByLogin(ctx context.Context, login string) (*Member, error) {
	login = strings.TrimPrefix(strings.TrimSpace(login), "@")
	if strings.Contains(login, "@") {
		return s.memberWhere(ctx, "lower(m.email) = lower($1)", login)
	}
	return s.MemberByUsername(ctx, login)
}

func (s *Store) memberWhere(ctx context.Context, where string, arg any) (*Member, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+memberColumns+` FROM accounts a JOIN members m ON m.account_id = a.id WHERE `+where, arg)
	m, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Member])
	if err != nil {
		return nil, notFound(err, "member")
	}
	return m, nil
}

// Authenticate returns the member whose username or e-mail is login and
// whose password matches. A wrong login or password, an unapproved member
// and an unknown member all give ErrUnauthorized, so the answer tells an
// attacker nothing about which accounts exist.
func (s *Store) Authenticate(ctx context.Context, login, password string) (*Member, error) {
	m, err := s.MemberByLogin(ctx, login)
	if errors.Is(err, ErrNotFound) {
		// Spend the same time as a real check.
		_, _ = CheckPassword(dummyHash, password)
		return nil, ErrUnauthorized
	}
	if err != nil {
		return nil, err
	}
	ok, err := CheckPassword(m.PasswordHash, password)
	if err != nil {
		return nil, fmt.Errorf("check password of %s: %w", m.Username, err)
	}
	if !ok {
		return nil, ErrUnauthorized
	}
	if !m.Approved {
		return nil, ErrPendingApproval
	}
	if m.SuspendedAt != nil || m.DisabledAt != nil {
		return nil, ErrSuspended
	}
	if err := s.recordLogin(ctx, m.ID); err != nil {
		return nil, err
	}
	return m, nil
}

// ErrPendingApproval means the member signed up but no admin has approved
// the account yet.
var ErrPendingApproval = fmt.Errorf("account awaits approval: %w", ErrUnauthorized)

// ErrSuspended means a moderator suspended the member or turned off their
// sign-in.
var ErrSuspended = fmt.Errorf("account suspended: %w", ErrUnauthorized)

var dummyHash, _ = HashPassword("not a real password", DefaultPasswordParams)

// Account returns the account with the given id.
func (s *Store) Account(ctx context.Context, id string) (*Account, error) {
	if !ValidID(id) {
		return nil, fmt.Errorf("account %q: %w", id, ErrNotFound)
	}
	rows, _ := s.reader(ctx).Query(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE a.id = $1`, id)
	a, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Account])
	if err != nil {
		return nil, notFound(err, "account")
	}
	return a, nil
}

// AccountByAcct returns the account with handle acct: "name" or
// "name@domain" (an @ in front is ignored). A handle naming this instance's
// own domain (localDomain) is a local account.
func (s *Store) AccountByAcct(ctx context.Context, acct, localDomain string) (*Account, error) {
	acct = strings.TrimPrefix(strings.TrimSpace(acct), "@")
	name, domain, remote := strings.Cut(acct, "@")
	var rows pgx.Rows
	if !remote || strings.EqualFold(domain, localDomain) {
		rows, _ = s.reader(ctx).Query(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE lower(a.username) = lower($1) AND a.domain IS NULL`, name)
	} else {
		rows, _ = s.reader(ctx).Query(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE lower(a.username) = lower($1) AND lower(a.domain) = lower($2)`, name, domain)
	}
	a, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Account])
	if err != nil {
		return nil, notFound(err, "account "+acct)
	}
	return a, nil
}

// ProfileUpdate holds the fields of a profile change; nil fields stay.
type ProfileUpdate struct {
	DisplayName       *string
	Note              *string
	Locked            *bool
	Bot               *bool
	Discoverable      *bool
	DefaultVisibility *string
	DefaultSensitive  *bool
	DefaultLanguage   *string
}

// UpdateProfile changes a member's profile and posting defaults.
func (s *Store) UpdateProfile(ctx context.Context, id string, u ProfileUpdate) (*Member, error) {
	m, err := s.Member(ctx, id)
	if err != nil {
		return nil, err
	}
	if u.DisplayName != nil {
		if len([]rune(*u.DisplayName)) > 30 {
			return nil, Invalid("display_name", "must be at most 30 characters")
		}
		m.DisplayName = *u.DisplayName
	}
	if u.Note != nil {
		if len([]rune(*u.Note)) > 500 {
			return nil, Invalid("note", "must be at most 500 characters")
		}
		m.NoteSource = *u.Note
		m.Note = RenderPlain(*u.Note, nil).HTML
	}
	if u.Locked != nil {
		m.Locked = *u.Locked
	}
	if u.Bot != nil {
		m.Bot = *u.Bot
	}
	if u.Discoverable != nil {
		m.Discoverable = *u.Discoverable
	}
	if u.DefaultVisibility != nil {
		v, err := ParseVisibility(*u.DefaultVisibility)
		if err != nil {
			return nil, &ValidationError{Field: "source[privacy]", Message: err.(*ValidationError).Message}
		}
		m.DefaultVisibility = string(v)
	}
	if u.DefaultSensitive != nil {
		m.DefaultSensitive = *u.DefaultSensitive
	}
	if u.DefaultLanguage != nil {
		if *u.DefaultLanguage == "" {
			m.DefaultLanguage = nil
		} else if !languageRE.MatchString(*u.DefaultLanguage) {
			return nil, Invalid("source[language]", "must be an ISO 639 language code")
		} else {
			m.DefaultLanguage = u.DefaultLanguage
		}
	}
	now := s.Now()
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE accounts SET display_name = $2, note = $3, note_source = $4, locked = $5,
			bot = $6, discoverable = $7, updated_at = $8 WHERE id = $1`,
			id, m.DisplayName, m.Note, m.NoteSource, m.Locked, m.Bot, m.Discoverable, now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE members SET default_visibility = $2, default_sensitive = $3, default_language = $4
			WHERE account_id = $1`, id, m.DefaultVisibility, m.DefaultSensitive, m.DefaultLanguage)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update profile of %s: %w", m.Username, err)
	}
	return s.Member(ctx, id)
}

// ApproveMember lets a member who signed up sign in.
func (s *Store) ApproveMember(ctx context.Context, id string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE members SET approved = true WHERE account_id = $1`, id)
	if err != nil {
		return fmt.Errorf("approve member %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("member %s: %w", id, ErrNotFound)
	}
	return nil
}

// PendingMembers returns the members awaiting approval, oldest first.
func (s *Store) PendingMembers(ctx context.Context) ([]Member, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+memberColumns+` FROM accounts a JOIN members m ON m.account_id = a.id
		WHERE NOT m.approved ORDER BY a.id LIMIT 200`)
	ms, err := pgx.CollectRows(rows, pgx.RowToStructByName[Member])
	if err != nil {
		return nil, fmt.Errorf("pending members: %w", err)
	}
	return ms, nil
}

// CountMembers returns the number of approved local members.
func (s *Store) CountMembers(ctx context.Context) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM members WHERE approved`).Scan(&n)
	return n, err
}
