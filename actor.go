package roundtable

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Actor is an account as ActivityPub sees it: its id, endpoints and keys.
// Local actors also hold the private key that signs for them.
type Actor struct {
	AccountID     string  `db:"id"`
	Type          string  `db:"actor_type"`
	Username      string  `db:"username"`
	Domain        *string `db:"domain"`
	URI           string  `db:"uri"`
	URL           string  `db:"url"`
	Inbox         string  `db:"inbox"`
	SharedInbox   string  `db:"shared_inbox"`
	Outbox        string  `db:"outbox"`
	Followers     string  `db:"followers_url"`
	Following     string  `db:"following_url"`
	PublicKeyID   string  `db:"public_key_id"`
	PublicKeyPEM  string  `db:"public_key_pem"`
	PrivateKeyPEM string  `db:"private_key_pem"`
	Locked        bool    `db:"locked"`
}

// Local reports whether the actor belongs to this instance.
func (a *Actor) Local() bool { return a.Domain == nil }

// DeliveryInbox is where activities for this actor go: its server's shared
// inbox when it has one.
func (a *Actor) DeliveryInbox() string {
	if a.SharedInbox != "" {
		return a.SharedInbox
	}
	return a.Inbox
}

const actorColumns = `a.id, a.actor_type, a.username, a.domain, coalesce(a.uri, '') AS uri, coalesce(a.url, '') AS url,
	coalesce(a.inbox, '') AS inbox, coalesce(a.shared_inbox, '') AS shared_inbox, coalesce(a.outbox, '') AS outbox,
	coalesce(a.followers_url, '') AS followers_url, coalesce(a.following_url, '') AS following_url,
	coalesce(a.public_key_id, '') AS public_key_id, coalesce(a.public_key_pem, '') AS public_key_pem,
	coalesce(a.private_key_pem, '') AS private_key_pem, a.locked`

func (s *Store) actorWhere(ctx context.Context, q querier, where string, arg any) (*Actor, error) {
	rows, _ := q.Query(ctx, `SELECT `+actorColumns+` FROM accounts a WHERE `+where, arg)
	a, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Actor])
	if err != nil {
		return nil, notFound(err, "actor")
	}
	return a, nil
}

// ActorByAccountID returns the actor of an account.
func (s *Store) ActorByAccountID(ctx context.Context, id string) (*Actor, error) {
	return s.actorWhere(ctx, s.pool, "a.id = $1", id)
}

// ActorByURI returns the actor whose ActivityPub id is uri.
func (s *Store) ActorByURI(ctx context.Context, uri string) (*Actor, error) {
	return s.actorWhere(ctx, s.pool, "a.uri = $1", uri)
}

// ActorByKeyID returns the actor whose public key has the given id.
func (s *Store) ActorByKeyID(ctx context.Context, keyID string) (*Actor, error) {
	return s.actorWhere(ctx, s.pool, "a.public_key_id = $1", keyID)
}

// InstanceActorName is the username of the instance's own actor, the
// Application that signs the instance's fetches. Member names cannot contain
// a dot, so it never collides with one.
const InstanceActorName = "instance.actor"

// InstanceActor returns the instance's own actor, creating it on first use.
func (s *Store) InstanceActor(ctx context.Context) (*Actor, error) {
	a, err := s.actorWhere(ctx, s.pool, "a.username = $1 AND a.domain IS NULL", InstanceActorName)
	if !errors.Is(err, ErrNotFound) {
		return a, err
	}
	priv, pub, err := s.keyPair()
	if err != nil {
		return nil, err
	}
	now := s.Now()
	uri := s.links.InstanceActor()
	_, err = s.pool.Exec(ctx, `INSERT INTO accounts (id, username, display_name, actor_type, bot, discoverable, created_at, updated_at,
		uri, url, inbox, shared_inbox, outbox, public_key_id, public_key_pem, private_key_pem)
		VALUES ($1, $2, $3, 'Application', true, false, $4, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT DO NOTHING`,
		NewID(now), InstanceActorName, s.links.Domain(), now, uri, s.links.Base+"/about", uri+"/inbox", s.links.SharedInbox(),
		uri+"/outbox", uri+"#main-key", pub, priv)
	if err != nil {
		return nil, fmt.Errorf("create instance actor: %w", err)
	}
	return s.actorWhere(ctx, s.pool, "a.username = $1 AND a.domain IS NULL", InstanceActorName)
}

// localActorColumns sets the ActivityPub columns of a new local account.
func (s *Store) localActorValues(username string) (uri, url, inbox, shared, outbox, followers, following, keyID string) {
	uri = s.links.Actor(username)
	return uri, s.links.Profile(username), uri + "/inbox", s.links.SharedInbox(), uri + "/outbox",
		uri + "/followers", uri + "/following", uri + "#main-key"
}

// EnsureLocalActors gives every local account its ActivityPub id,
// endpoints and key pair if it lacks them (accounts made before federation,
// or on another domain during development), and creates the instance actor.
func (s *Store) EnsureLocalActors(ctx context.Context) error {
	if _, err := s.InstanceActor(ctx); err != nil {
		return err
	}
	rows, _ := s.pool.Query(ctx, `SELECT id, username FROM accounts WHERE domain IS NULL AND private_key_pem IS NULL`)
	type row struct {
		ID       string `db:"id"`
		Username string `db:"username"`
	}
	todo, err := pgx.CollectRows(rows, pgx.RowToStructByName[row])
	if err != nil {
		return fmt.Errorf("local actors without keys: %w", err)
	}
	for _, r := range todo {
		priv, pub, err := s.keyPair()
		if err != nil {
			return err
		}
		uri, url, inbox, shared, outbox, followers, following, keyID := s.localActorValues(r.Username)
		if _, err := s.pool.Exec(ctx, `UPDATE accounts SET uri = $2, url = $3, inbox = $4, shared_inbox = $5, outbox = $6,
			followers_url = $7, following_url = $8, public_key_id = $9, public_key_pem = $10, private_key_pem = $11
			WHERE id = $1`, r.ID, uri, url, inbox, shared, outbox, followers, following, keyID, pub, priv); err != nil {
			return fmt.Errorf("give %s its actor: %w", r.Username, err)
		}
	}
	return nil
}

// RemoteActor is what another server says of one of its actors.
type RemoteActor struct {
	URI          string
	Type         string
	Username     string
	Domain       string
	DisplayName  string
	Note         string // HTML, sanitised here
	URL          string
	Inbox        string
	SharedInbox  string
	Outbox       string
	Followers    string
	Following    string
	PublicKeyID  string
	PublicKeyPEM string
	Locked       bool
	Bot          bool
	Discoverable bool
	Attribution  string // a Group's: named or chatham
	Raw          []byte
}

// SaveRemoteActor stores or refreshes a remote actor and returns its
// account.
func (s *Store) SaveRemoteActor(ctx context.Context, ra RemoteActor) (*Account, error) {
	u, err := url.Parse(ra.URI)
	if err != nil || u.Host == "" {
		return nil, Invalid("id", "actor id %q is not a URL", ra.URI)
	}
	if !strings.EqualFold(u.Host, ra.Domain) {
		return nil, Invalid("id", "actor id %q is not on %s", ra.URI, ra.Domain)
	}
	if ra.Username == "" || len(ra.Username) > 100 || strings.ContainsAny(ra.Username, "@ /") {
		return nil, Invalid("preferredUsername", "missing or malformed")
	}
	if ra.Inbox == "" || ra.PublicKeyPEM == "" {
		return nil, Invalid("inbox", "an actor needs an inbox and a public key")
	}
	display := []rune(ra.DisplayName)
	if len(display) > 100 {
		display = display[:100]
	}
	note := SanitizeHTML(ra.Note)
	if len(note) > 10000 {
		note = ""
	}
	now := s.Now()
	var id string
	err = s.pool.QueryRow(ctx, `INSERT INTO accounts (id, username, domain, display_name, note, locked, bot, discoverable,
		created_at, updated_at, actor_type, uri, url, inbox, shared_inbox, outbox, followers_url, following_url,
		public_key_id, public_key_pem, fetched_at, raw, attribution)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $9, $20, $21)
		ON CONFLICT (uri) DO UPDATE SET username = excluded.username, display_name = excluded.display_name,
			note = excluded.note, locked = excluded.locked, bot = excluded.bot, discoverable = excluded.discoverable,
			updated_at = excluded.updated_at, actor_type = excluded.actor_type, url = excluded.url, inbox = excluded.inbox,
			shared_inbox = excluded.shared_inbox, outbox = excluded.outbox, followers_url = excluded.followers_url,
			following_url = excluded.following_url, public_key_id = excluded.public_key_id,
			public_key_pem = excluded.public_key_pem, fetched_at = excluded.fetched_at, raw = excluded.raw,
			attribution = excluded.attribution
		RETURNING id`,
		NewID(now), ra.Username, strings.ToLower(ra.Domain), string(display), note, ra.Locked, ra.Bot, ra.Discoverable,
		now, ra.Type, ra.URI, nullable(ra.URL), ra.Inbox, nullable(ra.SharedInbox), nullable(ra.Outbox),
		nullable(ra.Followers), nullable(ra.Following), ra.PublicKeyID, ra.PublicKeyPEM, ra.Raw, nullable(ra.Attribution)).Scan(&id)
	if isUniqueViolation(err) {
		return nil, &ConflictError{Message: fmt.Sprintf("another actor is already known as %s@%s", ra.Username, ra.Domain)}
	}
	if err != nil {
		return nil, fmt.Errorf("save actor %s: %w", ra.URI, err)
	}
	return s.Account(ctx, id)
}

// ActorFetchedAt returns when a remote actor was last fetched.
func (s *Store) ActorFetchedAt(ctx context.Context, accountID string) (time.Time, error) {
	var t *time.Time
	if err := s.pool.QueryRow(ctx, `SELECT fetched_at FROM accounts WHERE id = $1`, accountID).Scan(&t); err != nil {
		return time.Time{}, notFound(err, "actor")
	}
	if t == nil {
		return time.Time{}, nil
	}
	return *t, nil
}
