package roundtable

import (
	"context"
	"fmt"
	"strings"
)

// ClaimProbe makes the caller the one delivery that tests whether a paused
// domain is back, once its pause is over: it reports true to one caller
// only, and pauses the domain for another ProbeEvery meanwhile (a success
// ends the pause; RecordDelivery says so).
func (s *Store) ClaimProbe(ctx context.Context, domain string) (bool, error) {
	now := s.Now()
	tag, err := s.pool.Exec(ctx, `UPDATE peers SET paused_until = $2 WHERE domain = $1 AND paused_until <= $3`,
		strings.ToLower(domain), now.Add(ProbeEvery), now)
	if err != nil {
		return false, fmt.Errorf("probe %s: %w", domain, err)
	}
	return tag.RowsAffected() == 1, nil
}
