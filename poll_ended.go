package roundtable

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// When a poll ends, its author (if a member here) and the members here who
// voted in it are told, with a "poll" notification, as Mastodon does.

// PollsEndedArgs is the periodic job that announces ended polls.
type PollsEndedArgs struct{}

// Kind names the job in the queue.
func (PollsEndedArgs) Kind() string { return "polls_ended" }

type pollsEndedWorker struct {
	river.WorkerDefaults[PollsEndedArgs]
	store *Store
}

func (w *pollsEndedWorker) Work(ctx context.Context, _ *river.Job[PollsEndedArgs]) error {
	_, err := w.store.AnnounceEndedPolls(ctx)
	return err
}

// pollsEndedEvery is how often ended polls are looked for.
const pollsEndedEvery = 15 * time.Second

// AnnounceEndedPolls notifies the author and the local voters of every poll
// that ended and was not announced yet. It returns how many polls it
// announced.
func (s *Store) AnnounceEndedPolls(ctx context.Context) (int, error) {
	n := 0
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		now := s.Now()
		rows, _ := tx.Query(ctx, `SELECT p.status_id, st.account_id FROM polls p JOIN statuses st ON st.id = p.status_id
			WHERE p.ended_notified_at IS NULL AND p.expires_at <= $1
			ORDER BY p.expires_at LIMIT 500 FOR UPDATE OF p SKIP LOCKED`, now)
		type ended struct{ statusID, authorID string }
		var polls []ended
		var e ended
		if _, err := pgx.ForEachRow(rows, []any{&e.statusID, &e.authorID}, func() error {
			polls = append(polls, e)
			return nil
		}); err != nil {
			return err
		}
		for _, p := range polls {
			rows, _ := tx.Query(ctx, `SELECT DISTINCT account_id FROM poll_votes WHERE status_id = $1
				UNION SELECT $2::text`, p.statusID, p.authorID)
			told, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			for _, id := range told {
				if err := s.notify(ctx, tx, id, p.authorID, NotifyPoll, &p.statusID); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, `UPDATE polls SET ended_notified_at = $2 WHERE status_id = $1`, p.statusID, now); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("announce ended polls: %w", err)
	}
	return n, nil
}
