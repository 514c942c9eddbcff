package roundtable

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// DeliveryState is what decides whether a delivery to another server goes
// ahead now.
type DeliveryState struct {
	// Federates is false when the domain is blocked, or not trusted while
	// the instance federates only with trusted peers.
	Federates bool
	// PausedUntil is when deliveries to the domain resume; zero when they
	// are not paused.
	PausedUntil time.Time
	// ObjectExists is false when the status the activity carries has been
	// deleted since; true when it carries none.
	ObjectExists bool
}

// DeliveryStateOf reads in one query what Federates, PeerPausedUntil and
// StatusExists tell of a delivery to domain of an activity carrying the
// status objectURI ("" for none).
func (s *Store) DeliveryStateOf(ctx context.Context, domain, objectURI string) (DeliveryState, error) {
	var st DeliveryState
	var paused *time.Time
	err := s.pool.QueryRow(ctx, `SELECT `+federatesCase+`, p.paused_until,
			$5 = '' OR EXISTS (SELECT 1 FROM statuses WHERE uri = $5)
		FROM (SELECT lower($1) AS domain) d LEFT JOIN peers p ON p.domain = d.domain`,
		strings.ToLower(domain), settingFederationMode, string(FederationOpen), string(FederationAllowlist), objectURI,
	).Scan(&st.Federates, &paused, &st.ObjectExists)
	if err != nil {
		return DeliveryState{}, fmt.Errorf("delivery to %s: %w", domain, err)
	}
	if paused != nil {
		st.PausedUntil = *paused
	}
	return st, nil
}
