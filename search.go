package roundtable

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
)

// SearchResult is what a search found.
type SearchResult struct {
	Accounts []*Account
	Statuses []*Status
}

var handleRE = regexp.MustCompile(`^@?([A-Za-z0-9_.-]{1,100})(?:@([A-Za-z0-9.-]+(?::[0-9]{1,5})?))?$`)

// Search finds accounts by handle or name and statuses by address. With
// resolve, handles and addresses on other servers are looked up there.
func (s *Store) Search(ctx context.Context, q, viewerID string, resolve bool, limit int) (*SearchResult, error) {
	q = strings.TrimSpace(q)
	res := &SearchResult{Accounts: []*Account{}, Statuses: []*Status{}}
	if q == "" {
		return res, nil
	}
	if limit <= 0 || limit > 40 {
		limit = 20
	}
	if u, err := url.Parse(q); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		if st, err := s.StatusByURI(ctx, q, viewerID); err == nil {
			res.Statuses = append(res.Statuses, st)
			return res, nil
		}
		if a, err := s.ActorByURI(ctx, q); err == nil {
			acc, err := s.Account(ctx, a.AccountID)
			if err != nil {
				return nil, err
			}
			res.Accounts = append(res.Accounts, acc)
			return res, nil
		}
		if resolve && s.resolver != nil {
			acc, st, err := s.resolver.ResolveURL(ctx, q)
			if err == nil && acc != nil {
				res.Accounts = append(res.Accounts, acc)
			}
			if err == nil && st != nil {
				// What was fetched is shown only as far as the viewer may see it.
				if seen, err := s.Status(ctx, st.ID, viewerID); err == nil {
					res.Statuses = append(res.Statuses, seen)
				}
			}
		}
		return res, nil
	}
	if m := handleRE.FindStringSubmatch(q); m != nil && m[2] != "" {
		acc, err := s.AccountByAcct(ctx, m[1]+"@"+m[2], s.links.Domain())
		if errors.Is(err, ErrNotFound) && resolve && s.resolver != nil {
			acc, err = s.resolver.ResolveAccount(ctx, m[1]+"@"+m[2])
		}
		if err == nil {
			res.Accounts = append(res.Accounts, acc)
		}
		return res, nil
	}
	name := strings.TrimPrefix(q, "@")
	rows, _ := s.reader(ctx).Query(ctx, `SELECT `+accountColumns+` FROM accounts a
		WHERE (lower(a.username) LIKE lower($1) || '%' ESCAPE '\' OR lower(a.display_name) LIKE '%' || lower($1) || '%' ESCAPE '\')
		AND a.actor_type <> 'Application' AND (NOT `+limitedAccount+` OR EXISTS (SELECT 1 FROM follows lf
			WHERE lf.account_id = $3 AND lf.target_account_id = a.id AND lf.accepted))
		ORDER BY a.domain NULLS FIRST, lower(a.username) = lower($1) DESC, a.username LIMIT $2`, escapeLike(name), limit, nullable(viewerID))
	accounts, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Account])
	if err != nil {
		return nil, fmt.Errorf("search accounts: %w", err)
	}
	res.Accounts = accounts
	return res, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
