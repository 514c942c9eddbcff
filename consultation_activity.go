package roundtable

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ActivityDay is how many contributions a consultation received on a day
// (UTC).
type ActivityDay struct {
	Day   time.Time
	Count int
}

// ActivityInstance is how many contributions a consultation received from
// the accounts of one instance.
type ActivityInstance struct {
	Domain string // this instance's domain for its own members
	Count  int
}

// ConsultationActivity is the participation in a consultation over time and
// by instance, for its chart.
type ConsultationActivity struct {
	Days      []ActivityDay      // every day from the first contribution to the last, at most maxActivityDays
	Instances []ActivityInstance // most contributions first
}

// maxActivityDays bounds the days a chart shows: the most recent ones.
const maxActivityDays = 120

// ConsultationActivity counts the contributions to c per day and per
// instance of their authors (the original author's, in Chatham House mode:
// counts say nothing of who wrote what).
func (s *Store) ConsultationActivity(ctx context.Context, c *Consultation) (*ConsultationActivity, error) {
	out := &ConsultationActivity{Days: []ActivityDay{}, Instances: []ActivityInstance{}}
	rows, _ := s.reader(ctx).Query(ctx, `SELECT date_trunc('day', s.created_at AT TIME ZONE 'UTC') AS day, count(*)
		FROM statuses s WHERE `+contributionsOf+` GROUP BY day ORDER BY day`, c.AccountID, c.SynthesisID)
	var day time.Time
	var n int
	var counted []ActivityDay
	if _, err := pgx.ForEachRow(rows, []any{&day, &n}, func() error {
		counted = append(counted, ActivityDay{Day: time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC), Count: n})
		return nil
	}); err != nil {
		return nil, fmt.Errorf("contributions per day to %s: %w", c.Slug, err)
	}
	if len(counted) > 0 {
		first, last := counted[0].Day, counted[len(counted)-1].Day
		if limit := last.AddDate(0, 0, -(maxActivityDays - 1)); first.Before(limit) {
			first = limit
		}
		i := 0
		for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
			for i < len(counted) && counted[i].Day.Before(d) {
				i++
			}
			n := 0
			if i < len(counted) && counted[i].Day.Equal(d) {
				n = counted[i].Count
			}
			out.Days = append(out.Days, ActivityDay{Day: d, Count: n})
		}
	}
	rows, _ = s.reader(ctx).Query(ctx, `SELECT coalesce(a.domain, ''), count(*) FROM statuses s
		LEFT JOIN statuses o ON o.id = s.chatham_of
		JOIN accounts a ON a.id = coalesce(o.account_id, s.account_id)
		WHERE `+contributionsOf+` GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 50`, c.AccountID, c.SynthesisID)
	var domain string
	if _, err := pgx.ForEachRow(rows, []any{&domain, &n}, func() error {
		if domain == "" {
			domain = s.links.Domain()
		}
		out.Instances = append(out.Instances, ActivityInstance{Domain: domain, Count: n})
		return nil
	}); err != nil {
		return nil, fmt.Errorf("contributions per instance to %s: %w", c.Slug, err)
	}
	return out, nil
}
