package roundtable

import (
	"context"
	"fmt"
	"regexp"

	"github.com/jackc/pgx/v5"
)

// Visibility says who may see a status, with Mastodon's four values.
type Visibility string

// Visibilities, from widest to narrowest.
const (
	Public   Visibility = "public"   // everyone, listed in public timelines
	Unlisted Visibility = "unlisted" // everyone, not listed in public timelines
	Private  Visibility = "private"  // followers (and the account answered)
	Direct   Visibility = "direct"   // mentioned accounts only
)

// ParseVisibility returns the Visibility named s.
func ParseVisibility(s string) (Visibility, error) {
	switch v := Visibility(s); v {
	case Public, Unlisted, Private, Direct:
		return v, nil
	}
	return "", Invalid("visibility", "must be public, unlisted, private or direct")
}

var languageRE = regexp.MustCompile(`^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$`)

// visibleTo is the SQL condition under which status s is visible to the
// account whose id is the parameter $n (NULL for anonymous readers). A
// contribution held back after reports is visible to its author only; one
// held for review, to its author and those who moderate it; a limited
// account's, to its followers and those who moderate it; a suspended
// account's, to nobody.
func visibleTo(n string) string {
	return `((s.hidden_at IS NULL OR s.account_id = ` + n + `)
		AND NOT EXISTS (SELECT 1 FROM accounts sa WHERE sa.id = s.account_id AND sa.suspended_at IS NOT NULL)
		AND (s.held_at IS NULL OR s.account_id = ` + n + ` OR ` + moderates(n) + `)
		AND (NOT ` + authorLimited + ` OR s.account_id = ` + n + ` OR ` + moderates(n) + `
			OR EXISTS (SELECT 1 FROM follows lf WHERE lf.account_id = ` + n + ` AND lf.target_account_id = s.account_id AND lf.accepted))
		AND (s.visibility IN ('public', 'unlisted')
		OR s.account_id = ` + n + `
		OR EXISTS (SELECT 1 FROM status_mentions vm WHERE vm.status_id = s.id AND vm.account_id = ` + n + `)
		OR (s.visibility = 'private' AND EXISTS (SELECT 1 FROM follows vf
			WHERE vf.account_id = ` + n + ` AND vf.target_account_id = s.account_id AND vf.accepted))))`
}

// moderates is the SQL condition under which the account $n moderates
// status s: an instance moderator or admin, or a facilitator of the
// consultation s belongs to.
func moderates(n string) string {
	return `(EXISTS (SELECT 1 FROM members hm WHERE hm.account_id = ` + n + ` AND hm.role IN ('moderator', 'admin'))
		OR EXISTS (SELECT 1 FROM facilitators hf WHERE hf.account_id = ` + n + ` AND hf.consultation_id = s.group_id))`
}

// authorLimited is the SQL condition under which the author of status s is
// limited: the account itself, or every account of its domain.
// It is two conditions, each served by a small index (the limited
// accounts; the accounts of limited domains), so that a timeline never
// reads every account.
const authorLimited = `(EXISTS (SELECT 1 FROM accounts la WHERE la.id = s.account_id AND la.limited_at IS NOT NULL)
	OR EXISTS (SELECT 1 FROM peers lp JOIN accounts la ON lower(la.domain) = lp.domain
		WHERE lp.policy = 'limit' AND la.id = s.account_id))`

// limitedAccount is the SQL condition under which account a is limited.
const limitedAccount = `(a.limited_at IS NOT NULL OR EXISTS (SELECT 1 FROM peers lp WHERE lp.domain = lower(a.domain) AND lp.policy = 'limit'))`

// listed is the SQL condition under which status s may be listed where
// anyone looks (public and tag timelines): not held back, not held for
// review, and not by a limited account.
const listed = `s.hidden_at IS NULL AND s.held_at IS NULL AND NOT ` + authorLimited

// narrowMentions drops from mentioned the accounts a followers-only status
// may not reach: a mention never widens its audience beyond the author's
// followers, except for the account it answers and its consultation.
// Others named in it see the name as text, get no notification and no copy.
func narrowMentions(ctx context.Context, q querier, st *Status, mentioned map[string]bool) error {
	if st.Visibility != Private || len(mentioned) == 0 {
		return nil
	}
	ids := make([]string, 0, len(mentioned))
	for id := range mentioned {
		ids = append(ids, id)
	}
	rows, _ := q.Query(ctx, `SELECT a FROM unnest($1::text[]) a
		WHERE a = $2 OR a = $3 OR a = $4
		OR EXISTS (SELECT 1 FROM follows f WHERE f.account_id = a AND f.target_account_id = $2 AND f.accepted)`,
		ids, st.AccountID, deref(st.InReplyToAccountID), deref(st.GroupID))
	keep, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("mentions of a followers-only status: %w", err)
	}
	clear(mentioned)
	for _, id := range keep {
		mentioned[id] = true
	}
	return nil
}
