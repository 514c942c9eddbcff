package roundtable

import (
	"fmt"
	"slices"
)

// Page selects a window of a list ordered by id, newest first, as the
// client API's max_id, since_id, min_id and limit do.
type Page struct {
	MaxID   string // only items older than this
	SinceID string // only items newer than this, newest first
	MinID   string // only items newer than this, the oldest of them first
	Limit   int
}

// clamp returns p with Limit within [1, max], def when unset.
func (p Page) clamp(def, max int) Page {
	if p.Limit <= 0 {
		p.Limit = def
	}
	if p.Limit > max {
		p.Limit = max
	}
	return p
}

// sql returns the WHERE conditions (starting with " AND") and the ORDER BY
// and LIMIT clauses for col, with parameters numbered from next.
func (p Page) sql(col string, next int) (where, order string, args []any) {
	if p.MaxID != "" {
		where += fmt.Sprintf(" AND %s < $%d", col, next)
		args = append(args, p.MaxID)
		next++
	}
	if p.MinID != "" {
		where += fmt.Sprintf(" AND %s > $%d", col, next)
		args = append(args, p.MinID)
		next++
		return where, fmt.Sprintf(" ORDER BY %s ASC LIMIT %d", col, p.Limit), args
	}
	if p.SinceID != "" {
		where += fmt.Sprintf(" AND %s > $%d", col, next)
		args = append(args, p.SinceID)
	}
	return where, fmt.Sprintf(" ORDER BY %s DESC LIMIT %d", col, p.Limit), args
}

// newestFirst puts items fetched oldest-first (a MinID page) back in the
// order the client API returns them.
func newestFirst[T any](p Page, items []T) []T {
	if p.MinID != "" {
		slices.Reverse(items)
	}
	return items
}
