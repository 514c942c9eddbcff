package roundtable

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Tag is a hashtag as a member sees it: its use over the last days and
// whether the member follows it.
type Tag struct {
	Name      string
	History   []TagDay // the last seven days, today first
	Following bool
}

// TagDay is a hashtag's use on one day: public statuses and their authors.
type TagDay struct {
	Day      time.Time
	Uses     int
	Accounts int
}

var tagNameRE = regexp.MustCompile(`^[\p{L}\p{N}_]*[\p{L}_][\p{L}\p{N}_]*$`)

// validTag reports whether name (without #) can be a hashtag.
func validTag(name string) bool { return len(name) <= 100 && tagNameRE.MatchString(name) }

// TagInfo returns the hashtag name as viewerID (empty: anonymous) sees it.
// A name that cannot be a hashtag is not found.
func (s *Store) TagInfo(ctx context.Context, viewerID, name string) (*Tag, error) {
	name = strings.TrimPrefix(name, "#")
	if !validTag(name) {
		return nil, fmt.Errorf("hashtag %q: %w", name, ErrNotFound)
	}
	t := &Tag{Name: strings.ToLower(name), History: []TagDay{}}
	rows, _ := s.pool.Query(ctx, `SELECT d.day, count(u.id), count(DISTINCT u.account_id)
		FROM generate_series(date_trunc('day', $2::timestamptz AT TIME ZONE 'UTC') - interval '6 days',
			date_trunc('day', $2::timestamptz AT TIME ZONE 'UTC'), interval '1 day') AS d (day)
		LEFT JOIN (SELECT s.id, s.account_id, s.created_at AT TIME ZONE 'UTC' AS at FROM status_tags st
			JOIN statuses s ON s.id = st.status_id
			WHERE lower(st.name) = lower($1) AND s.visibility = 'public' AND `+listed+`
			AND s.created_at >= $2::timestamptz - interval '8 days') u
			ON u.at >= d.day AND u.at < d.day + interval '1 day'
		GROUP BY d.day ORDER BY d.day DESC`, name, s.Now())
	var day time.Time
	var uses, accounts int
	if _, err := pgx.ForEachRow(rows, []any{&day, &uses, &accounts}, func() error {
		t.History = append(t.History, TagDay{Day: time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC), Uses: uses, Accounts: accounts})
		return nil
	}); err != nil {
		return nil, fmt.Errorf("history of hashtag %s: %w", name, err)
	}
	if viewerID != "" {
		if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM followed_tags WHERE account_id = $1 AND lower(name) = lower($2))`,
			viewerID, name).Scan(&t.Following); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// maxFollowedTags is how many hashtags a member may follow.
const maxFollowedTags = 500

// FollowTag makes the member follow a hashtag: its public statuses come to
// the member's home timeline. Following it again changes nothing.
func (s *Store) FollowTag(ctx context.Context, m *Member, name string) (*Tag, error) {
	name = strings.TrimPrefix(name, "#")
	if !validTag(name) {
		return nil, fmt.Errorf("hashtag %q: %w", name, ErrNotFound)
	}
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM followed_tags WHERE account_id = $1`, m.ID).Scan(&n); err != nil {
		return nil, err
	}
	if n >= maxFollowedTags {
		return nil, Invalid("", "You have reached the limit of %d followed hashtags", maxFollowedTags)
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO followed_tags (id, account_id, name, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (account_id, lower(name)) DO NOTHING`, NewID(s.Now()), m.ID, strings.ToLower(name), s.Now()); err != nil {
		return nil, fmt.Errorf("follow hashtag %s: %w", name, err)
	}
	return s.TagInfo(ctx, m.ID, name)
}

// UnfollowTag makes the member stop following a hashtag.
func (s *Store) UnfollowTag(ctx context.Context, m *Member, name string) (*Tag, error) {
	name = strings.TrimPrefix(name, "#")
	if !validTag(name) {
		return nil, fmt.Errorf("hashtag %q: %w", name, ErrNotFound)
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM followed_tags WHERE account_id = $1 AND lower(name) = lower($2)`, m.ID, name); err != nil {
		return nil, fmt.Errorf("unfollow hashtag %s: %w", name, err)
	}
	return s.TagInfo(ctx, m.ID, name)
}

// FollowedTags returns the hashtags the member follows, the most recently
// followed first, with their page cursors.
func (s *Store) FollowedTags(ctx context.Context, m *Member, p Page) ([]*Tag, []string, error) {
	p = p.clamp(100, 200)
	where, order, args := p.sql("f.id", 2)
	rows, _ := s.pool.Query(ctx, `SELECT f.id, f.name FROM followed_tags f WHERE f.account_id = $1`+where+order,
		append([]any{m.ID}, args...)...)
	type row struct {
		ID   string `db:"id"`
		Name string `db:"name"`
	}
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByName[row])
	if err != nil {
		return nil, nil, fmt.Errorf("followed hashtags of %s: %w", m.ID, err)
	}
	rs = newestFirst(p, rs)
	tags := make([]*Tag, len(rs))
	cursors := make([]string, len(rs))
	for i, r := range rs {
		t, err := s.TagInfo(ctx, m.ID, r.Name)
		if err != nil {
			return nil, nil, err
		}
		tags[i], cursors[i] = t, r.ID
	}
	return tags, cursors, nil
}

// followedTagStatus is the SQL condition under which status s is a public
// status with a hashtag that the member $1 follows. Its first test is
// computed once per query, so members who follow no hashtag pay nothing.
func followedTagStatus(n string) string {
	return `(EXISTS (SELECT 1 FROM followed_tags hx WHERE hx.account_id = ` + n + `) AND s.visibility = 'public'
	AND EXISTS (SELECT 1 FROM status_tags ht JOIN followed_tags hf ON lower(hf.name) = lower(ht.name)
		WHERE ht.status_id = s.id AND hf.account_id = ` + n + `) AND ` + listed + `)`
}

// TagQuery selects the statuses of a hashtag timeline.
type TagQuery struct {
	Tag    string   // the hashtag
	Any    []string // or any of these
	All    []string // and all of these
	None   []string // and none of these
	Local  bool     // only this instance's statuses
	Remote bool     // only other instances' statuses
}

// TagStatuses returns the public statuses a hashtag query selects, newest
// first.
func (s *Store) TagStatuses(ctx context.Context, viewerID string, q TagQuery, p Page) ([]*Status, error) {
	clean := func(field string, names []string) ([]string, error) {
		out := make([]string, 0, len(names))
		for _, n := range names {
			n = strings.TrimPrefix(strings.TrimSpace(n), "#")
			if n == "" {
				continue
			}
			if !validTag(n) {
				return nil, Invalid(field, "%q is not a hashtag", n)
			}
			out = append(out, strings.ToLower(n))
		}
		if len(out) > 4 {
			return nil, Invalid(field, "name at most 4 hashtags")
		}
		return out, nil
	}
	tag := strings.TrimPrefix(q.Tag, "#")
	if !validTag(tag) {
		return []*Status{}, nil
	}
	anyOf, err := clean("any", q.Any)
	if err != nil {
		return nil, err
	}
	allOf, err := clean("all", q.All)
	if err != nil {
		return nil, err
	}
	noneOf, err := clean("none", q.None)
	if err != nil {
		return nil, err
	}
	cond := ""
	switch {
	case q.Local && !q.Remote:
		cond = " AND s.local"
	case q.Remote && !q.Local:
		cond = " AND NOT s.local"
	}
	p = p.clamp(20, 40)
	where, order, args := p.sql("s.id", 4)
	return s.statusList(ctx, viewerID, p, `SELECT `+statusColumns+` FROM statuses s
		WHERE s.id IN (SELECT status_id FROM status_tags WHERE lower(name) = ANY($1))
		AND (SELECT count(DISTINCT lower(name)) FROM status_tags WHERE status_id = s.id AND lower(name) = ANY($2)) = cardinality($2)
		AND NOT EXISTS (SELECT 1 FROM status_tags WHERE status_id = s.id AND lower(name) = ANY($3))
		AND s.visibility = 'public' AND `+listed+cond+where+order,
		append([]any{append([]string{strings.ToLower(tag)}, anyOf...), allOf, noneOf}, args...)...)
}
