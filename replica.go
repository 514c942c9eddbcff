package roundtable

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Reads from a replica.
//
// With a read replica (WithReadReplica), the reads that tolerate the
// replica's lag go to it: those of a request marked with TolerateLag, in the
// Store methods that pick their querier with reader (thread and consultation
// pages, profiles, ActivityPub collections, public timelines, search). The
// web layer marks only anonymous GET and HEAD requests: visitors without a
// session and other servers' fetches. A member's own requests, and everything
// the job workers do, read the primary, so a member always sees what they
// just wrote (read-your-writes) and no decision is taken on stale data.
//
// A replica that cannot be reached is not an outage: the read goes to the
// primary, and the replica is left alone for replicaRetry before it is tried
// again.

// replicaRetry is how long reads stay on the primary after the replica
// failed to answer.
const replicaRetry = 10 * time.Second

// WithReadReplica sends the reads that tolerate lag to pool, a connection
// pool on a streaming replica of the primary database.
func WithReadReplica(pool *pgxpool.Pool) Option {
	return func(s *Store) {
		if pool != nil {
			s.replica = &replica{pool: pool}
		}
	}
}

type lagTolerantKey struct{}

// TolerateLag marks ctx as the context of a read that may be served by the
// read replica, a little behind the primary.
func TolerateLag(ctx context.Context) context.Context {
	return context.WithValue(ctx, lagTolerantKey{}, true)
}

// reader returns where the reads of ctx go: the replica when there is one,
// ctx tolerates lag and the replica has not just failed; the primary
// otherwise.
func (s *Store) reader(ctx context.Context) querier {
	if s.replica == nil || ctx.Value(lagTolerantKey{}) == nil || !s.replica.usable() {
		return s.pool
	}
	return fallbackQuerier{r: s.replica, primary: s.pool}
}

// replica is the read replica's pool and whether it answers.
type replica struct {
	pool *pgxpool.Pool
	// downUntil is when the replica may be tried again (Unix nanoseconds).
	downUntil atomic.Int64
}

func (r *replica) usable() bool { return time.Now().UnixNano() >= r.downUntil.Load() }

// failed reports whether err means the replica could not serve the read,
// and if so leaves it alone for a while.
func (r *replica) failed(err error) bool {
	if !replicaUnavailable(err) {
		return false
	}
	r.downUntil.Store(time.Now().Add(replicaRetry).UnixNano())
	return true
}

// replicaUnavailable reports whether err is the replica failing to answer
// (no connection, shutting down, too many connections, a read cancelled by
// recovery) rather than the query's own outcome.
func replicaUnavailable(err error) bool {
	if err == nil || errors.Is(err, pgx.ErrNoRows) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// 08: connection exception; 57: operator intervention (shutdown,
		// starting up); 53: insufficient resources; 40001: conflict with
		// recovery on a standby.
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57") ||
			strings.HasPrefix(pe.Code, "53") || pe.Code == "40001"
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)
}

// fallbackQuerier reads from the replica and, when it does not answer,
// from the primary. It never writes to the replica.
type fallbackQuerier struct {
	r       *replica
	primary *pgxpool.Pool
}

func (q fallbackQuerier) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return q.primary.Exec(ctx, sql, args...)
}

func (q fallbackQuerier) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	retry := func() (pgx.Rows, error) { return q.primary.Query(ctx, sql, args...) }
	rows, err := q.r.pool.Query(ctx, sql, args...)
	if err != nil {
		if q.r.failed(err) {
			return retry()
		}
		return rows, err
	}
	return &fallbackRows{Rows: rows, r: q.r, retry: retry}, nil
}

// fallbackRows are a replica's rows that are read from the primary instead
// when the replica fails before the first row (a connection it had closed,
// found only when the answer is read).
type fallbackRows struct {
	pgx.Rows
	r       *replica
	retry   func() (pgx.Rows, error)
	started bool
}

func (f *fallbackRows) Next() bool {
	if f.Rows.Next() {
		f.started = true
		return true
	}
	if f.started {
		return false
	}
	f.started = true
	if err := f.Rows.Err(); err == nil || !f.r.failed(err) {
		return false
	}
	f.Rows.Close()
	f.Rows, _ = f.retry() // the rows carry the error, if any
	return f.Rows.Next()
}

func (q fallbackQuerier) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return fallbackRow{row: q.r.pool.QueryRow(ctx, sql, args...), r: q.r,
		retry: func() pgx.Row { return q.primary.QueryRow(ctx, sql, args...) }}
}

// fallbackRow is a replica's row that is read again from the primary when
// the replica did not answer.
type fallbackRow struct {
	row   pgx.Row
	r     *replica
	retry func() pgx.Row
}

func (f fallbackRow) Scan(dest ...any) error {
	err := f.row.Scan(dest...)
	if err != nil && f.r.failed(err) {
		return f.retry().Scan(dest...)
	}
	return err
}
