package roundtable

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Co-hosting a series. Opening an edition invites each co-host of the
// series' template, as a facilitator would by hand; an invitation to co-host
// an edition names its series. An instance whose admin accepted to co-host
// an edition co-hosts the series' next editions too: it accepts their
// invitations by itself and names the same facilitators, until its admin
// leaves an edition of the series.

// inviteEditionCohosts invites the template's co-hosts to co-host a new
// edition c. A co-host this instance does not trust, or cannot reach now,
// is not invited: the edition records it, and the series page says so.
func (s *Store) inviteEditionCohosts(ctx context.Context, se *Series, c *Consultation) {
	for _, domain := range se.Cohosts {
		_, _ = s.InviteCohost(ctx, nil, c.Slug, domain)
	}
}

// editionSeriesURI returns the id of the series' Group of which the
// consultation (its Group account groupID) is an edition, or "".
func (s *Store) editionSeriesURI(ctx context.Context, groupID string) (string, error) {
	var uri string
	err := s.pool.QueryRow(ctx, `SELECT a.uri FROM series_editions e JOIN accounts a ON a.id = e.series_id
		WHERE e.consultation_id = $1`, groupID).Scan(&uri)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return uri, err
}

// TrustedPeer reports whether this instance trusts the peer domain (only
// trusted peers can co-host).
func (s *Store) TrustedPeer(ctx context.Context, domain string) (bool, error) {
	return s.trusted(ctx, s.pool, domain)
}

// ReceiveSeriesCohostInvite notes that the invitation (inviteURI) from a
// peer's instance actor to co-host group names the series seriesURI,
// which must be on the peer too. When this instance co-hosts that series,
// the invitation is accepted at once and the facilitators named for the
// latest edition it co-hosts are named again.
func (s *Store) ReceiveSeriesCohostInvite(ctx context.Context, from, group *Account, inviteURI, seriesURI string) error {
	if from.Local() || !sameHostAs(seriesURI, *from.Domain) {
		return fmt.Errorf("an invitation names series %s, which %s does not host: %w", seriesURI, from.URI, ErrForbidden)
	}
	var id string
	var state CohostState
	err := s.pool.QueryRow(ctx, `UPDATE cohosts SET series_uri = $3 WHERE invite_uri = $1 AND group_id = $2 RETURNING id, state`,
		inviteURI, group.ID, seriesURI).Scan(&id, &state)
	if err != nil {
		return notFound(err, "invitation")
	}
	var linked bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM cohost_series WHERE series_uri = $1 AND host_actor_uri = $2)`,
		seriesURI, from.URI).Scan(&linked); err != nil {
		return fmt.Errorf("co-hosted series: %w", err)
	}
	if !linked || state != CohostInvited {
		return nil // the admin answers, or has answered
	}
	rows, _ := s.pool.Query(ctx, `SELECT a.username FROM cohosts h JOIN cohost_facilitators f ON f.cohost_id = h.id
		JOIN accounts a ON a.id = f.account_id
		WHERE h.id = (SELECT id FROM cohosts WHERE series_uri = $1 AND actor_uri = $2 AND state = 'accepted' AND id <> $3
			ORDER BY created_at DESC LIMIT 1)
		AND a.domain IS NULL ORDER BY a.username`, seriesURI, from.URI, id)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("facilitators of the series: %w", err)
	}
	if _, err := s.AnswerCohostInvite(ctx, nil, id, true); err != nil {
		var conflict *ConflictError
		if errors.As(err, &conflict) {
			return nil // answered meanwhile
		}
		return err
	}
	for _, name := range names {
		if _, err := s.NameCohostFacilitator(ctx, nil, id, name, true); err != nil {
			return err
		}
	}
	return nil
}

// linkCohostSeries records, on accepting co-hosting h by hand, that this
// instance co-hosts the series h is an edition of, if any.
func (s *Store) linkCohostSeries(ctx context.Context, tx pgx.Tx, h *Cohost) error {
	_, err := tx.Exec(ctx, `INSERT INTO cohost_series (series_uri, host_actor_uri, created_at)
		SELECT series_uri, actor_uri, $2 FROM cohosts WHERE id = $1 AND series_uri IS NOT NULL
		ON CONFLICT (series_uri) DO UPDATE SET host_actor_uri = excluded.host_actor_uri`, h.ID, s.Now())
	return err
}

// unlinkCohostSeries ends this instance's co-hosting of the series that h,
// an edition it leaves, belongs to: the series' next editions wait for its
// admin again.
func (s *Store) unlinkCohostSeries(ctx context.Context, tx pgx.Tx, h *Cohost) error {
	_, err := tx.Exec(ctx, `DELETE FROM cohost_series WHERE series_uri = (SELECT series_uri FROM cohosts WHERE id = $1)`, h.ID)
	return err
}
