package roundtable

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Reply controls: the author of a status says who may answer it. They hold
// for replies written here and for replies arriving from other servers.

// ReplyPolicy says who may reply to a status.
type ReplyPolicy string

// Reply policies.
const (
	RepliesEveryone  ReplyPolicy = "everyone"
	RepliesFollowers ReplyPolicy = "followers" // the author's followers (and those it mentions)
	RepliesMentioned ReplyPolicy = "mentioned" // only the accounts it mentions
)

// ParseReplyPolicy returns the policy named s; "" is everyone.
func ParseReplyPolicy(s string) (ReplyPolicy, error) {
	switch p := ReplyPolicy(s); p {
	case "":
		return RepliesEveryone, nil
	case RepliesEveryone, RepliesFollowers, RepliesMentioned:
		return p, nil
	}
	return "", Invalid("reply_policy", "must be everyone, followers or mentioned")
}

// mayReply checks parent's reply policy for replier, as a Refusal saying
// why not.
func mayReply(ctx context.Context, q querier, parentID, replierID string) error {
	var policy ReplyPolicy
	var authorID string
	err := q.QueryRow(ctx, `SELECT reply_policy, account_id FROM statuses WHERE id = $1`, parentID).Scan(&policy, &authorID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reply policy of %s: %w", parentID, err)
	}
	if authorID == replierID {
		return nil
	}
	var blocked bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM blocks WHERE account_id = $1 AND target_account_id = $2)`,
		authorID, replierID).Scan(&blocked); err != nil {
		return err
	}
	if blocked {
		return &Refusal{Message: "Its author does not take replies from you."}
	}
	if policy == RepliesEveryone || policy == "" {
		return nil
	}
	var mentioned, follows bool
	if err := q.QueryRow(ctx, `SELECT
		EXISTS (SELECT 1 FROM status_mentions WHERE status_id = $1 AND account_id = $2),
		EXISTS (SELECT 1 FROM follows WHERE account_id = $2 AND target_account_id = $3 AND accepted)`,
		parentID, replierID, authorID).Scan(&mentioned, &follows); err != nil {
		return err
	}
	switch {
	case mentioned:
		return nil
	case policy == RepliesFollowers && follows:
		return nil
	case policy == RepliesFollowers:
		return &Refusal{Message: "Its author takes replies from their followers only."}
	default:
		return &Refusal{Message: "Its author takes replies only from those it mentions."}
	}
}
