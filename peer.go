package roundtable

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Delivery health of other instances. A domain that has failed every
// delivery for longer than PauseAfter is paused: its deliveries wait, and one
// probe an hour tests whether it is back. Nothing is dropped for it.

// PauseAfter is how long a domain may fail without a success before it is
// paused.
const PauseAfter = 6 * time.Hour

// ProbeEvery is how often a paused domain is tried.
const ProbeEvery = time.Hour

// PeerPausedUntil returns until when deliveries to domain wait, or the zero
// time when it is not paused.
func (s *Store) PeerPausedUntil(ctx context.Context, domain string) (time.Time, error) {
	var t *time.Time
	err := s.pool.QueryRow(ctx, `SELECT paused_until FROM peers WHERE domain = $1`, strings.ToLower(domain)).Scan(&t)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && t == nil) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("peer %s: %w", domain, err)
	}
	return *t, nil
}

// RecordDelivery notes the outcome of a delivery to domain. A success ends
// any pause (the time of the last success is kept to the minute); a failure
// pauses the domain once it has failed for PauseAfter.
func (s *Store) RecordDelivery(ctx context.Context, domain string, ok bool) error {
	now := s.Now()
	domain = strings.ToLower(domain)
	var err error
	if ok {
		// A peer that is well and succeeded in the last minute is left
		// as it is: no write for each of many deliveries to one server.
		_, err = s.pool.Exec(ctx, `INSERT INTO peers (domain, last_success_at) SELECT $1, $2
			WHERE NOT EXISTS (SELECT 1 FROM peers WHERE domain = $1 AND failures = 0 AND first_failure_at IS NULL
				AND paused_until IS NULL AND last_success_at >= $3)
			ON CONFLICT (domain) DO UPDATE SET failures = 0, first_failure_at = NULL, paused_until = NULL,
			last_success_at = excluded.last_success_at`, domain, now, now.Add(-time.Minute))
	} else {
		_, err = s.pool.Exec(ctx, `INSERT INTO peers (domain, failures, first_failure_at, last_failure_at) VALUES ($1, 1, $2, $2)
			ON CONFLICT (domain) DO UPDATE SET failures = peers.failures + 1,
			first_failure_at = coalesce(peers.first_failure_at, excluded.first_failure_at),
			last_failure_at = excluded.last_failure_at,
			paused_until = CASE WHEN coalesce(peers.first_failure_at, excluded.first_failure_at) < $3 THEN $4::timestamptz
				ELSE peers.paused_until END`,
			domain, now, now.Add(-PauseAfter), now.Add(ProbeEvery))
	}
	if err != nil {
		return fmt.Errorf("record delivery to %s: %w", domain, err)
	}
	return nil
}

// StatusExists reports whether a status with the given ActivityPub id is
// still stored (deliveries of a deleted status are cancelled).
func (s *Store) StatusExists(ctx context.Context, uri string) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM statuses WHERE uri = $1)`, uri).Scan(&ok)
	return ok, err
}

// Policy is this instance's stance towards another instance.
type Policy string

// Policies, from closest to furthest.
const (
	PolicyTrust   Policy = "trust"   // its members count as ours where consultations say so
	PolicyDefault Policy = "default" // federate normally
	PolicyLimit   Policy = "limit"   // reach only those who follow its accounts; first contributions held
	PolicyBlock   Policy = "block"   // nothing in or out
)

// ParsePolicy returns the policy named s.
func ParsePolicy(s string) (Policy, error) {
	switch p := Policy(s); p {
	case PolicyTrust, PolicyDefault, PolicyLimit, PolicyBlock:
		return p, nil
	}
	return "", Invalid("policy", "must be block, limit, default or trust")
}

// DomainPolicy is the policy towards one domain. Reason is public (the
// published list of limited and blocked domains shows it); PrivateReason is
// for this instance's admins only.
type DomainPolicy struct {
	Domain        string     `db:"domain"`
	Policy        Policy     `db:"policy"`
	Reason        string     `db:"policy_reason"`
	PrivateReason string     `db:"policy_private_reason"`
	SetAt         *time.Time `db:"policy_at"`
}

// SetDomainPolicy sets this instance's policy towards domain with a public
// reason, keeping any private reason already recorded.
func (s *Store) SetDomainPolicy(ctx context.Context, domain string, p Policy, reason string) error {
	return s.ChangeDomainPolicy(ctx, nil, PolicyChange{Domain: domain, Policy: p, Reason: reason})
}

// setDomainPolicy sets the policy towards domain within tx, with what
// follows from it: follows cut on block, advisory subscriptions started or
// ended as trust begins or ends.
func (s *Store) setDomainPolicy(ctx context.Context, tx pgx.Tx, domain string, p Policy, reason string, privateReason *string) error {
	var was Policy
	err := tx.QueryRow(ctx, `SELECT policy FROM peers WHERE domain = $1 FOR UPDATE`, domain).Scan(&was)
	if errors.Is(err, pgx.ErrNoRows) {
		was = PolicyDefault
	} else if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO peers (domain, policy, policy_reason, policy_private_reason, policy_at)
		VALUES ($1, $2, $3, coalesce($4, ''), $5)
		ON CONFLICT (domain) DO UPDATE SET policy = excluded.policy, policy_reason = excluded.policy_reason,
		policy_private_reason = coalesce($4, peers.policy_private_reason), policy_at = excluded.policy_at`,
		domain, p, reason, privateReason, s.Now()); err != nil {
		return err
	}
	if p == PolicyBlock {
		if err := s.severFollows(ctx, tx, domain); err != nil {
			return err
		}
	}
	return s.trustChanged(ctx, tx, domain, was, p)
}

// severFollows cuts every follow between this instance's accounts and
// domain's, both ways, and tells each member who lost follows or followers
// how many and why.
func (s *Store) severFollows(ctx context.Context, tx pgx.Tx, domain string) error {
	cuts, err := cutFollows(ctx, tx, `EXISTS (SELECT 1 FROM accounts a, accounts b
		WHERE a.id = f.account_id AND b.id = f.target_account_id
		AND ((lower(a.domain) = $1 AND b.domain IS NULL) OR (a.domain IS NULL AND lower(b.domain) = $1)))`, domain)
	if err != nil {
		return err
	}
	var ids []string
	for _, c := range cuts {
		ids = append(ids, c.From, c.To)
	}
	rows, _ := tx.Query(ctx, `SELECT id FROM accounts WHERE id = ANY($1) AND domain IS NULL`, ids)
	locals, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	lost := map[string]int{} // local account → follows or followers lost
	for _, c := range cuts {
		if slices.Contains(locals, c.From) {
			lost[c.From]++
		} else {
			lost[c.To]++
		}
	}
	inst, err := s.actorWhere(ctx, tx, "a.username = $1 AND a.domain IS NULL", InstanceActorName)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil // no instance actor yet: nobody has followed anyone across
		}
		return err
	}
	now := s.Now()
	for account, n := range lost {
		reason := fmt.Sprintf("This instance blocked %s: %d of your follows and followers there were cut.", domain, n)
		if _, err := tx.Exec(ctx, `INSERT INTO notifications (id, account_id, from_account_id, type, created_at, reason)
			SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM members WHERE account_id = $2)`,
			NewID(now), account, inst.AccountID, NotifySevered, now, reason); err != nil {
			return err
		}
	}
	return nil
}

// PeerPolicy returns this instance's policy towards domain.
func (s *Store) PeerPolicy(ctx context.Context, domain string) (Policy, error) {
	var p Policy
	err := s.pool.QueryRow(ctx, `SELECT policy FROM peers WHERE domain = lower($1)`, domain).Scan(&p)
	if errors.Is(err, pgx.ErrNoRows) {
		return PolicyDefault, nil
	}
	if err != nil {
		return "", fmt.Errorf("policy of %s: %w", domain, err)
	}
	return p, nil
}

// DomainPolicies lists the domains with a policy other than default set,
// and those set back to default, by domain.
func (s *Store) DomainPolicies(ctx context.Context) ([]DomainPolicy, error) {
	rows, _ := s.pool.Query(ctx, `SELECT domain, policy, policy_reason, policy_private_reason, policy_at FROM peers
		WHERE policy_at IS NOT NULL ORDER BY domain`)
	ps, err := pgx.CollectRows(rows, pgx.RowToStructByName[DomainPolicy])
	if err != nil {
		return nil, fmt.Errorf("domain policies: %w", err)
	}
	return ps, nil
}
