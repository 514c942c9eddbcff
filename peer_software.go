package roundtable

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// The software other instances run, read from their NodeInfo documents
// when they are first seen and again every SoftwareRecheck, so admins know
// whom they federate with.

// SoftwareRecheck is how long what a peer runs is trusted before it is read
// again; a peer whose NodeInfo could not be read is asked again after
// SoftwareRetry.
const (
	SoftwareRecheck = 7 * 24 * time.Hour
	SoftwareRetry   = 24 * time.Hour
)

// PeerSoftware is the software a peer said it runs. Name is empty when it
// has not been read (yet).
type PeerSoftware struct {
	Domain    string     `db:"domain"`
	Name      string     `db:"software_name"`
	Version   string     `db:"software_version"`
	CheckedAt *time.Time `db:"software_checked_at"`
}

// String is "name version", or "" when unknown.
func (p PeerSoftware) String() string {
	return strings.TrimSpace(p.Name + " " + p.Version)
}

// SetPeerSoftware records what domain runs. With name empty (its NodeInfo
// could not be read) only the time of the check is recorded and what was
// known stays.
func (s *Store) SetPeerSoftware(ctx context.Context, domain, name, version string) error {
	domain = strings.ToLower(domain)
	var err error
	if name == "" {
		_, err = s.pool.Exec(ctx, `INSERT INTO peers (domain, software_checked_at) VALUES ($1, $2)
			ON CONFLICT (domain) DO UPDATE SET software_checked_at = excluded.software_checked_at`, domain, s.Now())
	} else {
		_, err = s.pool.Exec(ctx, `INSERT INTO peers (domain, software_name, software_version, software_checked_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (domain) DO UPDATE SET software_name = excluded.software_name,
			software_version = excluded.software_version, software_checked_at = excluded.software_checked_at`,
			domain, name, version, s.Now())
	}
	if err != nil {
		return fmt.Errorf("software of %s: %w", domain, err)
	}
	return nil
}

// PeerSoftwareDue reports whether what domain runs should be read: never
// read, or read too long ago.
func (s *Store) PeerSoftwareDue(ctx context.Context, domain string) (bool, error) {
	var due bool
	err := s.pool.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM peers WHERE domain = lower($1)
		AND software_checked_at > CASE WHEN software_name = '' THEN $2::timestamptz ELSE $3::timestamptz END)`,
		domain, s.Now().Add(-SoftwareRetry), s.Now().Add(-SoftwareRecheck)).Scan(&due)
	if err != nil {
		return false, fmt.Errorf("software of %s: %w", domain, err)
	}
	return due, nil
}

// PeersSoftwareDue returns up to limit domains this instance knows accounts
// of whose software should be read.
func (s *Store) PeersSoftwareDue(ctx context.Context, limit int) ([]string, error) {
	rows, _ := s.pool.Query(ctx, `SELECT d FROM (SELECT DISTINCT lower(domain) AS d FROM accounts WHERE domain IS NOT NULL) a
		WHERE NOT EXISTS (SELECT 1 FROM peers p WHERE p.domain = a.d
			AND (p.policy = 'block' OR p.software_checked_at > CASE WHEN p.software_name = '' THEN $1::timestamptz ELSE $2::timestamptz END))
		ORDER BY d LIMIT $3`, s.Now().Add(-SoftwareRetry), s.Now().Add(-SoftwareRecheck), limit)
	ds, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("peers to check: %w", err)
	}
	return ds, nil
}

// RecheckPeersSoftware makes what every peer runs due to be read again.
func (s *Store) RecheckPeersSoftware(ctx context.Context) error {
	if _, err := s.pool.Exec(ctx, `UPDATE peers SET software_checked_at = NULL WHERE software_checked_at IS NOT NULL`); err != nil {
		return fmt.Errorf("recheck software: %w", err)
	}
	return nil
}

// PeersSoftware lists the peers whose software was read, by domain.
func (s *Store) PeersSoftware(ctx context.Context) ([]PeerSoftware, error) {
	rows, _ := s.pool.Query(ctx, `SELECT domain, software_name, software_version, software_checked_at FROM peers
		WHERE software_name <> '' ORDER BY domain`)
	ps, err := pgx.CollectRows(rows, pgx.RowToStructByName[PeerSoftware])
	if err != nil {
		return nil, fmt.Errorf("peers' software: %w", err)
	}
	return ps, nil
}
