package roundtable

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// What other servers tell this one. Federation has checked who sent each
// activity and that the objects it creates or changes live on the sender's
// server; these methods apply them, idempotently, by ActivityPub id.

// RecordActivity stores an incoming activity by id and, in the same
// transaction, runs then (which enqueues its processing). It returns false,
// and runs nothing, when the activity was seen before, so that a replay
// changes nothing.
func (s *Store) RecordActivity(ctx context.Context, id, actorURI, typ string, raw []byte, then func(pgx.Tx) error) (bool, error) {
	fresh := false
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO inbox_activities (id, actor_uri, type, raw, received_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`, id, actorURI, typ, raw, s.Now())
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		fresh = true
		return then(tx)
	})
	if err != nil {
		return false, fmt.Errorf("record activity %s: %w", id, err)
	}
	return fresh, nil
}

// ActivityRaw returns the raw JSON of a recorded incoming activity.
func (s *Store) ActivityRaw(ctx context.Context, id string) ([]byte, error) {
	var raw []byte
	if err := s.pool.QueryRow(ctx, `SELECT raw FROM inbox_activities WHERE id = $1`, id).Scan(&raw); err != nil {
		return nil, notFound(err, "activity "+id)
	}
	return raw, nil
}

// FinishActivity records how processing an incoming activity ended.
func (s *Store) FinishActivity(ctx context.Context, id string, procErr error) error {
	var msg *string
	if procErr != nil {
		m := procErr.Error()
		msg = &m
	}
	_, err := s.pool.Exec(ctx, `UPDATE inbox_activities SET processed_at = $2, error = $3 WHERE id = $1`, id, s.Now(), msg)
	return err
}

// RemoteStatus is a status as another server publishes it.
type RemoteStatus struct {
	URI          string
	URL          string
	InReplyToURI string
	Content      string // HTML, sanitised here
	Summary      string
	Sensitive    bool
	Language     string
	Visibility   Visibility
	Published    time.Time
	Updated      *time.Time
	MentionURIs  []string // actor ids of the accounts mentioned
	Tags         []string
	Raw          []byte
	// Title is a thread starter's name, if it has one.
	Title string
	// ContextURI is the thread's context (FEP-7888), if given.
	ContextURI string
	// GroupURIs are the actors the status is addressed to (audience, to,
	// cc): a consultation among them takes it as a contribution.
	GroupURIs []string
	// ActivityID and RawActivity are the activity that brought the status,
	// which a consultation announces exactly as received.
	ActivityID  string
	RawActivity []byte
	// Poll is the poll of a Question, with its origin's counts.
	Poll *RemotePoll
	// Attachments are its media, in order.
	Attachments []RemoteAttachment
}

// maxRemoteContent is the longest remote status kept, in bytes of HTML.
const maxRemoteContent = 100_000

// StatusByURI returns the status with the given ActivityPub id, if
// viewerID may see it.
func (s *Store) StatusByURI(ctx context.Context, uri, viewerID string) (*Status, error) {
	var id string
	if err := s.pool.QueryRow(ctx, `SELECT id FROM statuses WHERE uri = $1`, uri).Scan(&id); err != nil {
		return nil, notFound(err, "status "+uri)
	}
	return s.Status(ctx, id, viewerID)
}

// StatusObjectByURI returns the ActivityPub view of a local status, with
// the ids of the actors allowed to see it when it is not public.
func (s *Store) StatusObjectByURI(ctx context.Context, uri string) (*StatusObject, error) {
	rows, _ := s.reader(ctx).Query(ctx, `SELECT `+statusColumns+` FROM statuses s WHERE s.uri = $1 AND s.local AND s.hidden_at IS NULL AND s.held_at IS NULL`, uri)
	st, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Status])
	if err != nil {
		return nil, notFound(err, "status "+uri)
	}
	return s.statusObject(ctx, s.reader(ctx), st)
}

// MayFetch reports whether the actor with id actorURI may read the local
// status uri: anyone for public and unlisted statuses; for the others, the
// author, accepted followers (followers-only) and mentioned actors.
func (s *Store) MayFetch(ctx context.Context, uri, actorURI string) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM statuses s
		LEFT JOIN accounts v ON v.uri = $2
		WHERE s.uri = $1 AND (s.held_at IS NULL OR s.account_id = v.id) AND (s.visibility IN ('public', 'unlisted') OR s.account_id = v.id
			OR EXISTS (SELECT 1 FROM status_mentions m WHERE m.status_id = s.id AND m.account_id = v.id)
			OR (s.visibility = 'private' AND EXISTS (SELECT 1 FROM follows f
				WHERE f.account_id = v.id AND f.target_account_id = s.account_id AND f.accepted))))`, uri, actorURI).Scan(&ok)
	return ok, err
}

// SaveRemoteStatus stores a status another server published, or applies an
// edit of one already stored (when Updated is newer). Mentioned and
// answered local members are notified once.
func (s *Store) SaveRemoteStatus(ctx context.Context, author *Account, rs RemoteStatus) (*Status, error) {
	return s.saveRemoteStatus(ctx, author, rs, true)
}

// StoreRemoteStatus is SaveRemoteStatus for a caller that does not read the
// status back (an activity received): it spares loading it once stored.
func (s *Store) StoreRemoteStatus(ctx context.Context, author *Account, rs RemoteStatus) error {
	_, err := s.saveRemoteStatus(ctx, author, rs, false)
	return err
}

// saveRemoteStatus is SaveRemoteStatus; a new or edited status is loaded
// and returned only when load is set.
func (s *Store) saveRemoteStatus(ctx context.Context, author *Account, rs RemoteStatus, load bool) (*Status, error) {
	if author.Local() {
		return nil, fmt.Errorf("remote status by local account %s: %w", author.Username, ErrForbidden)
	}
	if _, err := ParseVisibility(string(rs.Visibility)); err != nil {
		return nil, err
	}
	content := SanitizeHTML(rs.Content)
	if len(content) > maxRemoteContent {
		return nil, Invalid("content", "is larger than %d bytes", maxRemoteContent)
	}
	if strings.TrimSpace(content) == "" && rs.Summary == "" && rs.Poll == nil && len(rs.Attachments) == 0 {
		return nil, Invalid("content", "is empty")
	}
	summary := PlainText(rs.Summary)
	if utf8.RuneCountInString(summary) > 1000 {
		summary = string([]rune(summary)[:1000])
	}
	if rs.Summary != "" {
		rs.Sensitive = true
	}
	var lang *string
	if languageRE.MatchString(rs.Language) {
		lang = &rs.Language
	}
	now := s.Now()
	published := rs.Published
	if published.IsZero() || published.After(now) {
		published = now
	}
	published = published.UTC().Truncate(time.Microsecond)

	existing, err := s.StatusByURI(ctx, rs.URI, author.ID)
	if err == nil {
		if existing.AccountID != author.ID {
			return nil, fmt.Errorf("status %s belongs to another actor: %w", rs.URI, ErrForbidden)
		}
		isEdit := rs.Updated != nil && (existing.EditedAt == nil || rs.Updated.After(*existing.EditedAt))
		if rs.Poll != nil || isEdit {
			// New results come as an Update without an edit.
			if err := s.inTx(ctx, func(tx pgx.Tx) error { return s.saveRemotePoll(ctx, tx, existing.ID, rs.Poll, isEdit) }); err != nil {
				return nil, fmt.Errorf("poll of %s: %w", rs.URI, err)
			}
			if !isEdit {
				return s.Status(ctx, existing.ID, author.ID)
			}
		}
		if rs.Updated == nil || (existing.EditedAt != nil && !rs.Updated.After(*existing.EditedAt)) {
			return existing, nil
		}
		edited := rs.Updated.UTC().Truncate(time.Microsecond)
		err := s.inTx(ctx, func(tx pgx.Tx) error {
			if err := snapshotVersion(ctx, tx, existing.ID, true); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE statuses SET content = $2, spoiler_text = $3, sensitive = $4, language = $5,
				edited_at = $6, raw = $7 WHERE id = $1`, existing.ID, content, summary, rs.Sensitive, lang, edited, rs.Raw); err != nil {
				return err
			}
			if err := s.saveRemoteMedia(ctx, tx, author.ID, existing.ID, rs.Attachments); err != nil {
				return err
			}
			if err := snapshotVersion(ctx, tx, existing.ID, false); err != nil {
				return err
			}
			if rs.RawActivity == nil {
				return nil
			}
			// A consultation hosted here passes the edit on, as received.
			return s.announceChange(ctx, tx, existing, &StatusObject{URI: rs.URI}, OutUpdate, rs.RawActivity)
		})
		if err != nil {
			return nil, fmt.Errorf("edit status %s: %w", rs.URI, err)
		}
		if !load {
			return existing, nil
		}
		return s.Status(ctx, existing.ID, author.ID)
	}
	if !errors.Is(err, ErrNotFound) {
		return nil, err
	}

	var refusedBy *groupChoice
	var replyRefusedBy string // the author whose reply controls refused it
	st := &Status{ID: NewID(published), AccountID: author.ID, Visibility: rs.Visibility, Sensitive: rs.Sensitive,
		SpoilerText: summary, Language: lang, ContentType: "text/html", Content: content, CreatedAt: published}
	st.ThreadID = st.ID
	st.URI = &rs.URI
	if rs.URL != "" {
		st.URL = &rs.URL
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if rs.InReplyToURI != "" {
			var pid, paccount, pthread string
			err := tx.QueryRow(ctx, `SELECT id, account_id, thread_id FROM statuses WHERE uri = $1`, rs.InReplyToURI).Scan(&pid, &paccount, &pthread)
			switch {
			case err == nil:
				if err := mayReply(ctx, tx, pid, author.ID); err != nil {
					replyRefusedBy = paccount
					return err
				}
				st.InReplyToID, st.InReplyToAccountID, st.ThreadID = &pid, &paccount, pthread
			case errors.Is(err, pgx.ErrNoRows):
				st.InReplyToURI = &rs.InReplyToURI
			default:
				return err
			}
		}
		tag, err := tx.Exec(ctx, `INSERT INTO statuses (id, account_id, in_reply_to_id, in_reply_to_account_id, thread_id,
			visibility, sensitive, spoiler_text, language, content_type, source, content, local, created_at, edited_at,
			uri, url, in_reply_to_uri, raw)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '', $11, false, $12, $13, $14, $15, $16, $17)
			ON CONFLICT (uri) DO NOTHING`,
			st.ID, st.AccountID, st.InReplyToID, st.InReplyToAccountID, st.ThreadID, st.Visibility, st.Sensitive,
			st.SpoilerText, st.Language, st.ContentType, st.Content, st.CreatedAt, nil, st.URI, st.URL, st.InReplyToURI, rs.Raw)
		if err != nil {
			return fmt.Errorf("insert status: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return errAlreadyStored
		}
		if err := s.saveRemotePoll(ctx, tx, st.ID, rs.Poll, false); err != nil {
			return err
		}
		if err := s.saveRemoteMedia(ctx, tx, author.ID, st.ID, rs.Attachments); err != nil {
			return err
		}
		// Replies that arrived before this status now hang under it.
		if _, err := tx.Exec(ctx, `UPDATE statuses SET in_reply_to_id = $1, in_reply_to_account_id = $2, thread_id = $3,
			in_reply_to_uri = NULL WHERE in_reply_to_uri = $4`, st.ID, st.AccountID, st.ThreadID, rs.URI); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE statuses SET replies_count = (SELECT count(*) FROM statuses WHERE in_reply_to_id = $1)
			WHERE id = $1`, st.ID); err != nil {
			return err
		}
		mentioned := map[string]bool{}
		if len(rs.MentionURIs) > 0 {
			rows, _ := tx.Query(ctx, `SELECT id FROM accounts WHERE uri = ANY($1)`, rs.MentionURIs)
			ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			for _, id := range ids {
				mentioned[id] = true
			}
		}
		if st.InReplyToAccountID != nil {
			mentioned[*st.InReplyToAccountID] = true
		}
		if err := narrowMentions(ctx, tx, st, mentioned); err != nil {
			return err
		}
		for id := range mentioned {
			if _, err := tx.Exec(ctx, `INSERT INTO status_mentions (status_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, st.ID, id); err != nil {
				return err
			}
			if id != author.ID {
				if err := s.notify(ctx, tx, id, author.ID, NotifyMention, &st.ID); err != nil {
					return err
				}
			}
		}
		for _, t := range rs.Tags {
			t = strings.ToLower(strings.TrimPrefix(t, "#"))
			if t == "" || len(t) > 100 {
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO status_tags (status_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING`, st.ID, t); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `UPDATE accounts SET statuses_count = statuses_count + 1,
			last_status_at = greatest(last_status_at, $2) WHERE id = $1`, author.ID, st.CreatedAt)
		if err != nil {
			return err
		}
		if err := s.remoteContribution(ctx, tx, author, st, &rs, &refusedBy); err != nil {
			return err
		}
		// The parent's count comes last: every reply to a consultation
		// locks its opening status's row, and holding that lock only
		// until the commit lets replies be stored side by side.
		if st.InReplyToID != nil {
			if _, err := tx.Exec(ctx, `UPDATE statuses SET replies_count = replies_count + 1 WHERE id = $1`, *st.InReplyToID); err != nil {
				return err
			}
		}
		return nil
	})
	var refusal *Refusal
	if errors.As(err, &refusal) && replyRefusedBy != "" {
		if rerr := s.refuseReply(ctx, replyRefusedBy, author, rs.ActivityID, refusal.Message); rerr != nil {
			return nil, rerr
		}
		return nil, err
	}
	if errors.As(err, &refusal) && refusedBy != nil {
		if rerr := s.refuse(ctx, refusedBy, author, rs.ActivityID, refusal.Message); rerr != nil {
			return nil, rerr
		}
		return nil, err
	}
	if errors.Is(err, errAlreadyStored) {
		return s.StatusByURI(ctx, rs.URI, author.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("store remote status %s: %w", rs.URI, err)
	}
	if !load {
		return st, nil
	}
	return s.Status(ctx, st.ID, author.ID)
}

var errAlreadyStored = errors.New("already stored")

// DeleteRemoteStatus deletes a status of a remote author, by id. Deleting
// what is not there succeeds: a Delete may arrive before its Create.
func (s *Store) DeleteRemoteStatus(ctx context.Context, author *Account, uri string) error {
	return s.DeleteRemoteStatusVia(ctx, author, uri, nil)
}

// DeleteRemoteStatusVia is DeleteRemoteStatus for a deletion that came as
// the activity raw, which a consultation hosted here passes on to its
// followers as received.
func (s *Store) DeleteRemoteStatusVia(ctx context.Context, author *Account, uri string, raw []byte) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var id string
		var parent, groupID *string
		var vis Visibility
		err := tx.QueryRow(ctx, `DELETE FROM statuses WHERE uri = $1 AND account_id = $2 RETURNING id, in_reply_to_id, group_id, visibility`,
			uri, author.ID).Scan(&id, &parent, &groupID, &vis)
		if err == nil && raw != nil && groupID != nil {
			gone := &Status{ID: id, AccountID: author.ID, GroupID: groupID, Visibility: vis}
			if err := s.announceChange(ctx, tx, gone, &StatusObject{URI: uri}, OutDelete, raw); err != nil {
				return err
			}
		}
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("delete status %s: %w", uri, err)
		}
		if parent != nil {
			if _, err := tx.Exec(ctx, `UPDATE statuses SET replies_count = greatest(replies_count - 1, 0) WHERE id = $1`, *parent); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `UPDATE accounts SET statuses_count = greatest(statuses_count - 1, 0) WHERE id = $1`, author.ID)
		return err
	})
}

// ReceiveFollow records a remote actor's follow of a local account. An
// unlocked account accepts at once, and the Accept goes back in the same
// transaction; a locked one gets a follow request.
func (s *Store) ReceiveFollow(ctx context.Context, follower *Account, targetID, followURI string) error {
	target, err := s.ActorByAccountID(ctx, targetID)
	if err != nil {
		return err
	}
	if !target.Local() || target.Type == "Application" {
		return fmt.Errorf("follow of %s: %w", targetID, ErrNotFound)
	}
	var blocked bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM blocks WHERE account_id = $1 AND target_account_id = $2)`,
		target.AccountID, follower.ID).Scan(&blocked); err != nil {
		return err
	}
	if blocked {
		return s.inTx(ctx, func(tx pgx.Tx) error {
			return s.publishFollowAnswer(ctx, tx, OutReject, target, follower.ID, followURI)
		})
	}
	if target.Type == "Group" {
		c, err := s.ConsultationByAccount(ctx, target.AccountID)
		if errors.Is(err, ErrNotFound) {
			c = &Consultation{Participation: ParticipationOpen} // a series: anyone may follow it
		} else if err != nil {
			return err
		}
		if c.Participation == ParticipationMembers {
			ok, err := s.trusted(ctx, s.pool, deref(follower.Domain))
			if err != nil {
				return err
			}
			if !ok {
				// Not for this server's people: say so, and keep nothing.
				return s.inTx(ctx, func(tx pgx.Tx) error {
					return s.publishFollowAnswer(ctx, tx, OutReject, target, follower.ID, followURI)
				})
			}
		}
	}
	now := s.Now()
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var accepted, inserted bool
		err := tx.QueryRow(ctx, `INSERT INTO follows (id, account_id, target_account_id, accepted, created_at, uri)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (account_id, target_account_id) DO UPDATE SET uri = excluded.uri
			RETURNING accepted, xmax = 0`, NewID(now), follower.ID, target.AccountID, !target.Locked, now, followURI).Scan(&accepted, &inserted)
		if err != nil {
			return fmt.Errorf("store follow: %w", err)
		}
		if inserted {
			if accepted {
				if err := adjustFollowCounts(ctx, tx, follower.ID, target.AccountID, 1); err != nil {
					return err
				}
				if err := s.notify(ctx, tx, target.AccountID, follower.ID, NotifyFollow, nil); err != nil {
					return err
				}
			} else if err := s.notify(ctx, tx, target.AccountID, follower.ID, NotifyFollowRequest, nil); err != nil {
				return err
			}
		}
		if !accepted {
			return nil
		}
		return s.publishFollowAnswer(ctx, tx, OutAccept, target, follower.ID, followURI)
	})
}

// publishFollowAnswer sends an Accept or Reject of a remote follow.
func (s *Store) publishFollowAnswer(ctx context.Context, tx pgx.Tx, kind string, target *Actor, followerID, followURI string) error {
	follower, err := s.actorWhere(ctx, tx, "a.id = $1", followerID)
	if err != nil || follower.Local() {
		return err
	}
	return s.publish(ctx, tx, &Outgoing{Kind: kind, Actor: target, Target: follower, ActivityID: followURI,
		Inboxes: []string{follower.Inbox}})
}

// ReceiveFollowAnswer applies a remote actor's Accept (accepted) or Reject
// of a local account's follow. The follow is named by its activity id, or
// when a server leaves that out, by who follows whom.
func (s *Store) ReceiveFollowAnswer(ctx context.Context, remote *Account, followURI, followerURI string, accepted bool) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var followerID string
		var wasAccepted bool
		err := tx.QueryRow(ctx, `SELECT f.account_id, f.accepted FROM follows f JOIN accounts a ON a.id = f.account_id
			WHERE f.target_account_id = $1 AND a.domain IS NULL AND (f.uri = $2 OR a.uri = $3) FOR UPDATE OF f`,
			remote.ID, followURI, followerURI).Scan(&followerID, &wasAccepted)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // nothing pending: a replay, or a follow withdrawn since
		}
		if err != nil {
			return err
		}
		if !accepted {
			if _, err := tx.Exec(ctx, `DELETE FROM follows WHERE account_id = $1 AND target_account_id = $2`, followerID, remote.ID); err != nil {
				return err
			}
			if wasAccepted {
				return adjustFollowCounts(ctx, tx, followerID, remote.ID, -1)
			}
			return nil
		}
		if wasAccepted {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE follows SET accepted = true WHERE account_id = $1 AND target_account_id = $2`, followerID, remote.ID); err != nil {
			return err
		}
		return adjustFollowCounts(ctx, tx, followerID, remote.ID, 1)
	})
}

// ReceiveUndoFollow ends a remote actor's follow of a local account.
func (s *Store) ReceiveUndoFollow(ctx context.Context, follower *Account, targetURI, followURI string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var targetID string
		var accepted bool
		err := tx.QueryRow(ctx, `DELETE FROM follows f USING accounts t WHERE f.account_id = $1 AND f.target_account_id = t.id
			AND (t.uri = $2 OR (f.uri IS NOT NULL AND f.uri = $3)) RETURNING f.target_account_id, f.accepted`,
			follower.ID, targetURI, followURI).Scan(&targetID, &accepted)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM notifications WHERE account_id = $1 AND from_account_id = $2 AND type IN ($3, $4)`,
			targetID, follower.ID, NotifyFollow, NotifyFollowRequest); err != nil {
			return err
		}
		if accepted {
			return adjustFollowCounts(ctx, tx, follower.ID, targetID, -1)
		}
		return nil
	})
}

// ReceiveLike records a remote actor's like of a status stored here.
func (s *Store) ReceiveLike(ctx context.Context, actor *Account, statusURI, likeURI string) error {
	var st struct {
		ID, AccountID string
	}
	err := s.pool.QueryRow(ctx, `SELECT id, account_id FROM statuses WHERE uri = $1`, statusURI).Scan(&st.ID, &st.AccountID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // a like of something unknown here
	}
	if err != nil {
		return err
	}
	if ok, err := s.MayFetch(ctx, statusURI, actor.URI); err != nil || !ok {
		return err
	}
	now := s.Now()
	return s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO favourites (id, account_id, status_id, created_at, uri) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT DO NOTHING`, NewID(now), actor.ID, st.ID, now, nullable(likeURI))
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE statuses SET favourites_count = favourites_count + 1 WHERE id = $1`, st.ID); err != nil {
			return err
		}
		return s.notify(ctx, tx, st.AccountID, actor.ID, NotifyFavourite, &st.ID)
	})
}

// ReceiveUndoLike takes back a remote actor's like, named by the Like's id
// or by the status liked.
func (s *Store) ReceiveUndoLike(ctx context.Context, actor *Account, likeURI, statusURI string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var statusID, authorID string
		err := tx.QueryRow(ctx, `DELETE FROM favourites f USING statuses s WHERE f.status_id = s.id AND f.account_id = $1
			AND ((f.uri IS NOT NULL AND f.uri = $2) OR s.uri = $3) RETURNING s.id, s.account_id`,
			actor.ID, likeURI, statusURI).Scan(&statusID, &authorID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE statuses SET favourites_count = greatest(favourites_count - 1, 0) WHERE id = $1`, statusID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM notifications WHERE account_id = $1 AND from_account_id = $2 AND type = $3 AND status_id = $4`,
			authorID, actor.ID, NotifyFavourite, statusID)
		return err
	})
}

// ReceiveBlock applies a remote actor's block of a local account: follows
// between them end, both ways.
func (s *Store) ReceiveBlock(ctx context.Context, blocker *Account, targetURI string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var targetID string
		if err := tx.QueryRow(ctx, `SELECT id FROM accounts WHERE uri = $1 AND domain IS NULL`, targetURI).Scan(&targetID); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			return err
		}
		_, err := cutFollows(ctx, tx, eitherWay, blocker.ID, targetID)
		return err
	})
}

// remoteContribution files a remote status under its consultation: the
// parent's, or a Group it is addressed to. A consultation hosted here
// checks it (refusals roll the status back; refused names the consultation
// that refused) and announces it to its followers.
func (s *Store) remoteContribution(ctx context.Context, tx pgx.Tx, author *Account, st *Status, rs *RemoteStatus, refused **groupChoice) error {
	var candidates []string
	if len(rs.GroupURIs) > 0 {
		rows, _ := tx.Query(ctx, `SELECT id FROM accounts WHERE uri = ANY($1) AND actor_type = 'Group'`, rs.GroupURIs)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		candidates = ids
	}
	group, err := s.chooseGroup(ctx, tx, author, st.InReplyToID, candidates)
	if err != nil {
		*refused = group
		return err
	}
	if group != nil {
		title := rs.Title
		if title == "" {
			title = threadTitle(PlainText(rs.Content))
		}
		if err := setGroup(ctx, tx, st.ID, group, title); err != nil {
			return err
		}
		st.GroupID = &group.id
	}
	if rs.ContextURI != "" && st.InReplyToID == nil && (group == nil || group.local == nil) {
		// A consultation hosted here owns the context of its threads
		// (FEP-7888); elsewhere, the thread's own context stands.
		if _, err := tx.Exec(ctx, `UPDATE statuses SET context_uri = $2 WHERE id = $1`, st.ID, rs.ContextURI); err != nil {
			return err
		}
	} else if err := s.setContext(ctx, tx, st, group); err != nil {
		return err
	}
	if err := s.forward(ctx, tx, group, st, rs); err != nil {
		return err
	}
	held, err := s.holdOnArrival(ctx, tx, group, author, st, rs.RawActivity)
	if err != nil {
		return err
	}
	if chatham, err := s.groupChatham(ctx, tx, group); err != nil {
		return err
	} else if chatham && group.local != nil {
		if err := keepForGroup(ctx, tx, st, group.id); err != nil {
			return err
		}
		if held {
			return nil // the consultation republishes it once released
		}
		cp, err := s.chathamCopy(ctx, tx, group, st)
		if err != nil {
			return err
		}
		return s.announce(ctx, tx, group, cp, nil)
	}
	if held {
		return nil // the consultation announces it once released
	}
	return s.announce(ctx, tx, group, st, rs.RawActivity)
}

// forward passes a reply in a consultation hosted elsewhere on to its Group
// when its author did not address the Group (Mastodon addresses only the
// author replied to), so that the consultation, and through it everyone in
// it, gets it.
func (s *Store) forward(ctx context.Context, tx pgx.Tx, g *groupChoice, st *Status, rs *RemoteStatus) error {
	if g == nil || g.local != nil || rs.RawActivity == nil || (st.Visibility != Public && st.Visibility != Unlisted) {
		return nil
	}
	group, err := s.actorWhere(ctx, tx, "a.id = $1", g.id)
	if err != nil {
		return err
	}
	for _, u := range rs.GroupURIs {
		if u == group.URI {
			return nil // addressed: it went there already
		}
	}
	inst, err := s.actorWhere(ctx, tx, "a.username = $1 AND a.domain IS NULL", InstanceActorName)
	if err != nil {
		return err
	}
	return s.publish(ctx, tx, &Outgoing{Kind: OutForward, Actor: inst, RawActivity: rs.RawActivity,
		Inboxes: []string{group.DeliveryInbox()}})
}

// refuse tells the author's server that a consultation hosted here did not
// take its contribution.
func (s *Store) refuse(ctx context.Context, g *groupChoice, author *Account, activityID, reason string) error {
	if g == nil || g.local == nil || activityID == "" {
		return nil
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		group, err := s.actorWhere(ctx, tx, "a.id = $1", g.id)
		if err != nil {
			return err
		}
		target, err := s.actorWhere(ctx, tx, "a.id = $1", author.ID)
		if err != nil {
			return err
		}
		return s.publish(ctx, tx, &Outgoing{Kind: OutRejectActivity, Actor: group, Target: target,
			ObjectURI: activityID, Reason: reason, Inboxes: []string{target.Inbox}})
	})
}

// refuseReply tells the replier's server that the author answered refuses
// replies from it.
func (s *Store) refuseReply(ctx context.Context, authorID string, replier *Account, activityID, reason string) error {
	if activityID == "" {
		return nil
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		author, err := s.actorWhere(ctx, tx, "a.id = $1", authorID)
		if err != nil || !author.Local() {
			return err
		}
		target, err := s.actorWhere(ctx, tx, "a.id = $1", replier.ID)
		if err != nil {
			return err
		}
		return s.publish(ctx, tx, &Outgoing{Kind: OutRejectActivity, Actor: author, Target: target,
			ObjectURI: activityID, Reason: reason, Inboxes: []string{target.Inbox}})
	})
}
