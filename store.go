package roundtable

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Store is the domain's storage and the entry point for every change. It is
// safe for concurrent use.
type Store struct {
	pool      *pgxpool.Pool
	now       func() time.Time
	limit     Limits
	pw        PasswordParams
	links     Links
	keygen    KeyGenerator
	publisher Publisher
	resolver  Resolver
	// mediaFiles keeps uploads (media.go).
	mediaFiles MediaFiles
	// replica serves the reads that tolerate lag (replica.go); nil
	// without one.
	replica *replica
}

// Limits are the sizes the instance accepts.
type Limits struct {
	// MaxCharacters is the longest status text, in characters.
	MaxCharacters int
}

// DefaultLimits are the limits a Store starts with.
var DefaultLimits = Limits{MaxCharacters: 5000}

// Option configures a Store.
type Option func(*Store)

// WithClock makes the Store read the time from now, so tests can move time.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithLimits sets the sizes the Store accepts.
func WithLimits(l Limits) Option { return func(s *Store) { s.limit = l } }

// WithLinks sets the instance's base URL, from which ids and page
// addresses are built.
func WithLinks(l Links) Option { return func(s *Store) { s.links = l } }

// Links returns the builder of this instance's URLs.
func (s *Store) Links() Links { return s.links }

// WithPasswordParams sets the argon2id costs of new password hashes.
func WithPasswordParams(p PasswordParams) Option { return func(s *Store) { s.pw = p } }

// NewStore returns a Store on pool.
func NewStore(pool *pgxpool.Pool, opts ...Option) *Store {
	s := &Store{pool: pool, now: time.Now, limit: DefaultLimits, pw: DefaultPasswordParams, keygen: RSA2048}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Pool returns the connection pool, for adapters that share it with a job
// queue or a session store.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Limits returns the sizes the Store accepts.
func (s *Store) Limits() Limits { return s.limit }

// Now returns the Store's current time, in UTC with millisecond precision
// (what PostgreSQL keeps and the client API shows).
func (s *Store) Now() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// querier is what both a pool and a transaction offer.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// inTx runs fn in a transaction, committing when it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}

// notFound turns pgx.ErrNoRows into ErrNotFound, naming what was sought.
func notFound(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// isUniqueViolation reports whether err is a unique-constraint violation.
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}
