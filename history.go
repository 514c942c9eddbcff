package roundtable

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// StatusVersion is one version of a status: the original, or an edit.
type StatusVersion struct {
	Content     string    `db:"content"`
	SpoilerText string    `db:"spoiler_text"`
	Sensitive   bool      `db:"sensitive"`
	CreatedAt   time.Time `db:"created_at"`
}

// snapshotVersion records the status's current text as a version. With
// original, it does so only when no version is recorded yet: before the
// first edit, to keep what was first written.
func snapshotVersion(ctx context.Context, tx pgx.Tx, statusID string, original bool) error {
	cond := ""
	if original {
		cond = " AND NOT EXISTS (SELECT 1 FROM status_edits WHERE status_id = $1)"
	}
	_, err := tx.Exec(ctx, `INSERT INTO status_edits (id, status_id, content, spoiler_text, sensitive, created_at)
		SELECT $2, id, content, spoiler_text, sensitive, coalesce(edited_at, created_at) FROM statuses WHERE id = $1`+cond,
		statusID, NewID(time.Now()))
	if err != nil {
		return fmt.Errorf("keep version of %s: %w", statusID, err)
	}
	return nil
}

// StatusHistory returns the versions of a status viewerID may see, oldest
// first; a status never edited has one.
func (s *Store) StatusHistory(ctx context.Context, id, viewerID string) (*Status, []StatusVersion, error) {
	st, err := s.Status(ctx, id, viewerID)
	if err != nil {
		return nil, nil, err
	}
	rows, _ := s.pool.Query(ctx, `SELECT content, spoiler_text, sensitive, created_at FROM status_edits
		WHERE status_id = $1 ORDER BY created_at, id LIMIT 200`, st.ID)
	vs, err := pgx.CollectRows(rows, pgx.RowToStructByName[StatusVersion])
	if err != nil {
		return nil, nil, fmt.Errorf("history of %s: %w", id, err)
	}
	if len(vs) == 0 {
		at := st.CreatedAt
		if st.EditedAt != nil {
			at = *st.EditedAt
		}
		vs = []StatusVersion{{Content: st.Content, SpoilerText: st.SpoilerText, Sensitive: st.Sensitive, CreatedAt: at}}
	}
	return st, vs, nil
}
