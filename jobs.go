package roundtable

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// CleanupArgs is the periodic job that deletes expired grants and keys:
// OAuth codes past their lifetime, idempotency keys older than a day and
// expired login sessions.
type CleanupArgs struct{}

// Kind names the job in the queue.
func (CleanupArgs) Kind() string { return "cleanup" }

type cleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	store *Store
}

func (w *cleanupWorker) Work(ctx context.Context, _ *river.Job[CleanupArgs]) error {
	return w.store.Cleanup(ctx)
}

// Cleanup deletes expired OAuth codes, old idempotency keys, expired
// sessions and uploads that no status took within a day.
func (s *Store) Cleanup(ctx context.Context) error {
	now := s.Now()
	for _, q := range []struct {
		sql string
		arg time.Time
	}{
		{`DELETE FROM oauth_codes WHERE expires_at < $1`, now},
		{`DELETE FROM idempotency_keys WHERE created_at < $1`, now.Add(-idempotencyWindow)},
		{`DELETE FROM sessions WHERE expiry < $1`, now},
	} {
		if _, err := s.pool.Exec(ctx, q.sql, q.arg); err != nil {
			return fmt.Errorf("cleanup: %w", err)
		}
	}
	return s.cleanupMedia(ctx)
}

// PhasesArgs is the periodic job that moves consultations whose phase
// dates have come.
type PhasesArgs struct{}

// Kind names the job in the queue.
func (PhasesArgs) Kind() string { return "phases" }

type phasesWorker struct {
	river.WorkerDefaults[PhasesArgs]
	store *Store
}

func (w *phasesWorker) Work(ctx context.Context, _ *river.Job[PhasesArgs]) error {
	_, err := w.store.AdvancePhases(ctx)
	return err
}

// AddWorkers registers the domain's job workers.
func (s *Store) AddWorkers(w *river.Workers) {
	river.AddWorker(w, &cleanupWorker{store: s})
	river.AddWorker(w, &phasesWorker{store: s})
	river.AddWorker(w, &pollsEndedWorker{store: s})
	river.AddWorker(w, &seriesDueWorker{store: s})
}

// PeriodicJobs returns the domain's recurring jobs.
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return CleanupArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return PhasesArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(pollsEndedEvery),
			func() (river.JobArgs, *river.InsertOpts) { return PollsEndedArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return SeriesDueArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
}
