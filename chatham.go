package roundtable

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Chatham House mode. In a consultation that works so, a contribution goes
// only to the consultation's Group, which republishes it under its own name
// ("a participant"): the copy is what everyone else receives, serves and
// answers. The original stays with its author's instance and, addressed to
// the Group alone, with the host, whose facilitators can look up who wrote
// what (for moderation); nothing sent or served names the author.

// groupChatham reports whether a Group (here or elsewhere) works under the
// Chatham House rule.
func (s *Store) groupChatham(ctx context.Context, q querier, g *groupChoice) (bool, error) {
	if g == nil {
		return false, nil
	}
	if g.local != nil {
		return g.local.Attribution == AttributionChatham, nil
	}
	var attribution *string
	if err := q.QueryRow(ctx, `SELECT attribution FROM accounts WHERE id = $1`, g.id).Scan(&attribution); err != nil {
		return false, err
	}
	return attribution != nil && *attribution == string(AttributionChatham), nil
}

// keepForGroup makes a contribution to a Chatham House consultation
// reachable by the Group alone: direct, addressed to the Group.
func keepForGroup(ctx context.Context, tx pgx.Tx, st *Status, groupID string) error {
	st.Visibility = Direct
	if _, err := tx.Exec(ctx, `UPDATE statuses SET visibility = 'direct' WHERE id = $1`, st.ID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO status_mentions (status_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, st.ID, groupID)
	return err
}

// chathamCopy republishes a contribution to a Chatham House consultation
// hosted here under the consultation's name, and returns the copy.
func (s *Store) chathamCopy(ctx context.Context, tx pgx.Tx, g *groupChoice, orig *Status) (*Status, error) {
	now := s.Now()
	cp := &Status{ID: NewID(now), AccountID: g.id, Visibility: Public, Sensitive: orig.Sensitive,
		SpoilerText: orig.SpoilerText, Language: orig.Language, ContentType: "text/html", Content: orig.Content,
		Local: true, CreatedAt: now, GroupID: &g.id, Title: orig.Title, LocalOnly: orig.LocalOnly}
	cp.ThreadID = cp.ID
	uri, url := s.links.StatusURI(g.local.Slug, cp.ID), s.links.StatusURL(g.local.Slug, cp.ID)
	cp.URI, cp.URL = &uri, &url
	contextURI := s.links.Thread(g.local.Slug, cp.ID)
	if orig.InReplyToID != nil {
		var parentAccount, thread string
		var parentContext *string
		err := tx.QueryRow(ctx, `SELECT account_id, thread_id, context_uri FROM statuses WHERE id = $1`, *orig.InReplyToID).
			Scan(&parentAccount, &thread, &parentContext)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return nil, err
		}
		if err == nil {
			cp.InReplyToID, cp.InReplyToAccountID, cp.ThreadID = orig.InReplyToID, &parentAccount, thread
			if parentContext != nil {
				contextURI = *parentContext
			}
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO statuses (id, account_id, in_reply_to_id, in_reply_to_account_id, thread_id,
		visibility, sensitive, spoiler_text, language, content_type, source, content, local, created_at, uri, url,
		group_id, title, context_uri, chatham_of, local_only)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '', $11, true, $12, $13, $14, $15, $16, $17, $18, $19)`,
		cp.ID, cp.AccountID, cp.InReplyToID, cp.InReplyToAccountID, cp.ThreadID, cp.Visibility, cp.Sensitive,
		cp.SpoilerText, cp.Language, cp.ContentType, cp.Content, cp.CreatedAt, cp.URI, cp.URL, g.id, cp.Title, contextURI, orig.ID,
		cp.LocalOnly)
	if err != nil {
		return nil, fmt.Errorf("republish under the consultation's name: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE accounts SET statuses_count = statuses_count + 1, last_status_at = $2 WHERE id = $1`,
		g.id, now); err != nil {
		return nil, err
	}
	return cp, nil
}

// ChathamAuthor returns the author of a contribution that a Chatham House
// consultation hosted here republished under its name. Only the
// consultation's facilitators (and admins) may ask.
func (s *Store) ChathamAuthor(ctx context.Context, m *Member, copyID string) (*Account, error) {
	var groupID, origID string
	err := s.pool.QueryRow(ctx, `SELECT group_id, chatham_of FROM statuses WHERE id = $1 AND chatham_of IS NOT NULL`, copyID).
		Scan(&groupID, &origID)
	if err != nil {
		return nil, notFound(err, "contribution "+copyID)
	}
	c, err := s.ConsultationByAccount(ctx, groupID)
	if err != nil {
		return nil, err
	}
	if !c.IsFacilitator(m) {
		return nil, fmt.Errorf("author of %s: %w", copyID, ErrForbidden)
	}
	var authorID string
	if err := s.pool.QueryRow(ctx, `SELECT account_id FROM statuses WHERE id = $1`, origID).Scan(&authorID); err != nil {
		return nil, notFound(err, "original of "+copyID)
	}
	return s.Account(ctx, authorID)
}
