package roundtable

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Status is a contribution: anything an account posts.
type Status struct {
	ID                 string      `db:"id"`
	AccountID          string      `db:"account_id"`
	InReplyToID        *string     `db:"in_reply_to_id"`
	InReplyToAccountID *string     `db:"in_reply_to_account_id"`
	ThreadID           string      `db:"thread_id"`
	Visibility         Visibility  `db:"visibility"`
	Sensitive          bool        `db:"sensitive"`
	SpoilerText        string      `db:"spoiler_text"`
	Language           *string     `db:"language"`
	ContentType        string      `db:"content_type"`
	Source             string      `db:"source"`
	Content            string      `db:"content"` // sanitised HTML
	AppID              *string     `db:"app_id"`
	Local              bool        `db:"local"`
	RepliesCount       int         `db:"replies_count"`
	FavouritesCount    int         `db:"favourites_count"`
	ReblogsCount       int         `db:"reblogs_count"`
	CreatedAt          time.Time   `db:"created_at"`
	EditedAt           *time.Time  `db:"edited_at"`
	URI                *string     `db:"uri"`             // ActivityPub id
	URL                *string     `db:"url"`             // web page
	InReplyToURI       *string     `db:"in_reply_to_uri"` // parent's id, when the parent is not (yet) known
	GroupID            *string     `db:"group_id"`        // the consultation's Group account
	Title              *string     `db:"title"`           // a thread starter's title
	Locked             bool        `db:"locked"`          // a thread that takes no more replies
	ReplyPolicy        ReplyPolicy `db:"reply_policy"`    // who may reply
	LocalOnly          bool        `db:"local_only"`      // never federated

	// Filled in by the loaders, for rendering.
	Account    *Account  `db:"-"`
	Mentions   []Account `db:"-"`
	Tags       []string  `db:"-"`
	App        *AppInfo  `db:"-"`
	Favourited bool      `db:"-"`
	// CountsHidden: the status's consultation hides reaction counts while
	// it is open.
	CountsHidden bool  `db:"-"`
	Bookmarked   bool  `db:"-"`
	Poll         *Poll `db:"-"`
	// Media are the attachments, in order.
	Media []*MediaAttachment `db:"-"`
	// Reblogged, Pinned and Muted are the viewer's: it reblogged the
	// status, pinned it to its profile, muted its conversation.
	Reblogged bool `db:"-"`
	Pinned    bool `db:"-"`
	Muted     bool `db:"-"`
	// Reblog, when set, makes this status a reblog (a wrapper whose
	// account is the one who shared it) of the status it holds.
	Reblog *Status `db:"-"`

	newPoll  *pollRow // a poll posted with the status, until it is stored
	newMedia []string // uploads the status is to carry, until it is stored
}

// AppInfo names the application a status was posted from.
type AppInfo struct {
	Name    string  `db:"name"`
	Website *string `db:"website"`
}

const statusColumns = `s.id, s.account_id, s.in_reply_to_id, s.in_reply_to_account_id, s.thread_id, s.visibility,
	(s.sensitive OR s.forced_cw IS NOT NULL) AS sensitive, coalesce(s.forced_cw, s.spoiler_text) AS spoiler_text, s.language, s.content_type, s.source, s.content, s.app_id, s.local,
	s.replies_count, s.favourites_count, s.reblogs_count, s.created_at, s.edited_at, s.uri, s.url, s.in_reply_to_uri,
	s.group_id, s.title, s.locked, s.reply_policy, s.local_only`

// NewStatus is what a member posts.
type NewStatus struct {
	Text        string
	ContentType string // ContentPlain (default) or ContentMarkdown
	Visibility  string // empty: the author's default
	Sensitive   *bool  // nil: the author's default
	SpoilerText string
	Language    string
	InReplyToID string
	// IdempotencyKey, when set, makes a repeated request within a day
	// return the status the first one created.
	IdempotencyKey string
	// AppID is the OAuth application the status was posted from, if any.
	AppID string
	// Poll, when set, is posted with the status.
	Poll *NewPoll
	// ReplyPolicy says who may reply; "" is everyone.
	ReplyPolicy string
	// MediaIDs are the member's uploads the status carries, in order.
	MediaIDs []string
	// LocalOnly keeps the status on this instance: it is never federated.
	LocalOnly bool
}

const idempotencyWindow = 24 * time.Hour

// CreateStatus posts a status as the member author.
func (s *Store) CreateStatus(ctx context.Context, author *Member, ns NewStatus) (*Status, error) {
	if ns.IdempotencyKey != "" {
		if len(ns.IdempotencyKey) > 256 {
			return nil, Invalid("Idempotency-Key", "must be at most 256 characters")
		}
		st, err := s.idempotent(ctx, author, ns.IdempotencyKey)
		if err == nil || !errors.Is(err, ErrNotFound) {
			return st, err
		}
	}
	st, rendered, err := s.prepareStatus(ctx, author, ns)
	if err != nil {
		return nil, err
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.insertStatus(ctx, tx, st, rendered); err != nil {
			return err
		}
		if ns.IdempotencyKey == "" {
			return nil
		}
		// The key refers to the status, so it comes second. A concurrent
		// duplicate waits here for the first to commit, then finds the key
		// taken and rolls its status back; an expired key is taken over.
		tag, err := tx.Exec(ctx, `INSERT INTO idempotency_keys (account_id, key, status_id, created_at)
			VALUES ($1, $2, $3, $4)
			ON CONFLICT (account_id, key) DO UPDATE SET status_id = excluded.status_id, created_at = excluded.created_at
			WHERE idempotency_keys.created_at <= $5`,
			author.ID, ns.IdempotencyKey, st.ID, st.CreatedAt, st.CreatedAt.Add(-idempotencyWindow))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return errIdempotentReplay
		}
		return nil
	})
	if errors.Is(err, errIdempotentReplay) {
		return s.idempotent(ctx, author, ns.IdempotencyKey)
	}
	if err != nil {
		return nil, fmt.Errorf("create status: %w", err)
	}
	return s.Status(ctx, st.ID, author.ID)
}

var errIdempotentReplay = errors.New("idempotency key already used")

func (s *Store) idempotent(ctx context.Context, author *Member, key string) (*Status, error) {
	var id string
	err := s.pool.QueryRow(ctx, `SELECT status_id FROM idempotency_keys WHERE account_id = $1 AND key = $2 AND created_at > $3`,
		author.ID, key, s.Now().Add(-idempotencyWindow)).Scan(&id)
	if err != nil {
		return nil, notFound(err, "idempotency key")
	}
	return s.Status(ctx, id, author.ID)
}

// prepareStatus validates ns and renders its text.
func (s *Store) prepareStatus(ctx context.Context, author *Member, ns NewStatus) (*Status, Rendered, error) {
	text := strings.TrimSpace(ns.Text)
	if text == "" && len(ns.MediaIDs) == 0 {
		return nil, Rendered{}, Invalid("status", "can't be blank")
	}
	if n := utf8.RuneCountInString(ns.Text) + utf8.RuneCountInString(ns.SpoilerText); n > s.limit.MaxCharacters {
		return nil, Rendered{}, Invalid("status", "is too long (%d characters; the limit is %d)", n, s.limit.MaxCharacters)
	}
	if !utf8.ValidString(ns.Text) || !utf8.ValidString(ns.SpoilerText) {
		return nil, Rendered{}, Invalid("status", "is not valid UTF-8")
	}
	vis := Visibility(author.DefaultVisibility)
	if ns.Visibility != "" {
		v, err := ParseVisibility(ns.Visibility)
		if err != nil {
			return nil, Rendered{}, err
		}
		vis = v
	}
	sensitive := author.DefaultSensitive
	if ns.Sensitive != nil {
		sensitive = *ns.Sensitive
	}
	if strings.TrimSpace(ns.SpoilerText) != "" {
		sensitive = true
	}
	lang := author.DefaultLanguage
	if ns.Language != "" {
		if !languageRE.MatchString(ns.Language) {
			return nil, Rendered{}, Invalid("language", "must be an ISO 639 language code such as en or fr")
		}
		lang = &ns.Language
	}
	ctype := ns.ContentType
	switch ctype {
	case "":
		ctype = ContentPlain
	case ContentPlain, ContentMarkdown:
	default:
		return nil, Rendered{}, Invalid("content_type", "must be text/plain or text/markdown")
	}
	now := s.Now()
	st := &Status{
		ID: NewID(now), AccountID: author.ID, Visibility: vis, Sensitive: sensitive,
		SpoilerText: strings.TrimSpace(ns.SpoilerText), Language: lang, ContentType: ctype,
		Source: ns.Text, Local: true, CreatedAt: now, LocalOnly: ns.LocalOnly,
	}
	st.ThreadID = st.ID
	if ns.AppID != "" {
		st.AppID = &ns.AppID
	}
	if ns.Poll != nil {
		p, err := preparePoll(ns.Poll, now)
		if err != nil {
			return nil, Rendered{}, err
		}
		st.newPoll = p
	}
	if err := s.checkMediaIDs(ctx, s.pool, author.ID, "", ns.MediaIDs); err != nil {
		return nil, Rendered{}, err
	}
	st.newMedia = ns.MediaIDs
	if ns.InReplyToID != "" {
		parent, err := s.Status(ctx, ns.InReplyToID, author.ID)
		if errors.Is(err, ErrNotFound) {
			return nil, Rendered{}, Invalid("in_reply_to_id", "the status replied to does not exist")
		}
		if err != nil {
			return nil, Rendered{}, err
		}
		if err := mayReply(ctx, s.pool, parent.ID, author.ID); err != nil {
			return nil, Rendered{}, err
		}
		st.InReplyToID = &parent.ID
		st.InReplyToAccountID = &parent.AccountID
		st.ThreadID = parent.ThreadID
	}
	policy, err := ParseReplyPolicy(ns.ReplyPolicy)
	if err != nil {
		return nil, Rendered{}, err
	}
	if ns.ReplyPolicy == "" && author.DefaultReplyPolicy != "" {
		policy = author.DefaultReplyPolicy
	}
	st.ReplyPolicy = policy
	linker, err := s.linkerFor(ctx, text)
	if err != nil {
		return nil, Rendered{}, err
	}
	var r Rendered
	if ctype == ContentMarkdown {
		r = RenderMarkdown(text, linker)
	} else {
		r = RenderPlain(text, linker)
	}
	st.Content = r.HTML
	return st, r, nil
}

// insertStatus stores st with its mentions and tags, updates counters and
// notifies the accounts it mentions or replies to.
func (s *Store) insertStatus(ctx context.Context, tx pgx.Tx, st *Status, r Rendered) error {
	var username string
	if err := tx.QueryRow(ctx, `SELECT username FROM accounts WHERE id = $1`, st.AccountID).Scan(&username); err != nil {
		return fmt.Errorf("author of status: %w", err)
	}
	uri, url := s.links.StatusURI(username, st.ID), s.links.StatusURL(username, st.ID)
	st.URI, st.URL = &uri, &url
	if st.ReplyPolicy == "" {
		st.ReplyPolicy = RepliesEveryone
	}
	_, err := tx.Exec(ctx, `INSERT INTO statuses (id, account_id, in_reply_to_id, in_reply_to_account_id, thread_id,
		visibility, sensitive, spoiler_text, language, content_type, source, content, app_id, local, created_at, uri, url,
		reply_policy, local_only)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
		st.ID, st.AccountID, st.InReplyToID, st.InReplyToAccountID, st.ThreadID, st.Visibility, st.Sensitive,
		st.SpoilerText, st.Language, st.ContentType, st.Source, st.Content, st.AppID, st.Local, st.CreatedAt, st.URI, st.URL,
		st.ReplyPolicy, st.LocalOnly)
	if err != nil {
		return fmt.Errorf("insert status: %w", err)
	}
	if st.newPoll != nil {
		if err := insertPoll(ctx, tx, st.ID, st.newPoll, st.CreatedAt); err != nil {
			return err
		}
	}
	if len(st.newMedia) > 0 {
		if err := s.attachMedia(ctx, tx, st.AccountID, st.ID, st.newMedia); err != nil {
			return err
		}
	}
	mentioned := map[string]bool{}
	var mentionOrder []string
	for _, acct := range r.Mentions {
		a, err := s.accountByAcctTx(ctx, tx, acct)
		if err != nil {
			continue // the account vanished since rendering
		}
		if !mentioned[a.ID] {
			mentionOrder = append(mentionOrder, a.ID)
		}
		mentioned[a.ID] = true
	}
	author, err := s.accountByIDTx(ctx, tx, st.AccountID)
	if err != nil {
		return err
	}
	group, err := s.chooseGroup(ctx, tx, author, st.InReplyToID, mentionOrder)
	if err != nil {
		return err
	}
	if group != nil && group.local == nil && st.LocalOnly {
		return Invalid("local_only", "a contribution to a consultation on another server cannot stay on this one")
	}
	if group != nil {
		if err := setGroup(ctx, tx, st.ID, group, threadTitle(st.Source)); err != nil {
			return err
		}
		st.GroupID = &group.id
		if group.kind == ContributeThread {
			title := threadTitle(st.Source)
			st.Title = &title
		}
	}
	if err := s.setContext(ctx, tx, st, group); err != nil {
		return err
	}
	held, err := s.holdOnArrival(ctx, tx, group, author, st, nil)
	if err != nil {
		return err
	}
	if st.InReplyToAccountID != nil {
		// Whoever is answered can always see the answer.
		mentioned[*st.InReplyToAccountID] = true
	}
	if err := narrowMentions(ctx, tx, st, mentioned); err != nil {
		return err
	}
	for id := range mentioned {
		if _, err := tx.Exec(ctx, `INSERT INTO status_mentions (status_id, account_id) VALUES ($1, $2)`, st.ID, id); err != nil {
			return fmt.Errorf("insert mention: %w", err)
		}
		if id != st.AccountID && !held {
			if err := s.notify(ctx, tx, id, st.AccountID, NotifyMention, &st.ID); err != nil {
				return err
			}
		}
	}
	for _, t := range r.Tags {
		if _, err := tx.Exec(ctx, `INSERT INTO status_tags (status_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING`, st.ID, t); err != nil {
			return fmt.Errorf("insert tag: %w", err)
		}
	}
	if st.InReplyToID != nil {
		if _, err := tx.Exec(ctx, `UPDATE statuses SET replies_count = replies_count + 1 WHERE id = $1`, *st.InReplyToID); err != nil {
			return err
		}
	}
	_, err = tx.Exec(ctx, `UPDATE accounts SET statuses_count = statuses_count + 1, last_status_at = $2 WHERE id = $1`,
		st.AccountID, st.CreatedAt)
	if err != nil {
		return err
	}
	chatham, err := s.groupChatham(ctx, tx, group)
	if err != nil {
		return err
	}
	if held && chatham {
		return keepForGroup(ctx, tx, st, group.id)
	}
	if held {
		return nil // it goes out once released
	}
	if !chatham {
		if err := s.publishStatus(ctx, tx, OutCreate, st, nil); err != nil {
			return err
		}
		return s.announce(ctx, tx, group, st, nil)
	}
	// Chatham House: the contribution goes to the Group alone, which
	// republishes it under its own name.
	if err := keepForGroup(ctx, tx, st, group.id); err != nil {
		return err
	}
	if group.local == nil {
		gi, err := s.actorWhere(ctx, tx, "a.id = $1", group.id)
		if err != nil {
			return err
		}
		return s.publishStatus(ctx, tx, OutCreate, st, []string{gi.DeliveryInbox()})
	}
	cp, err := s.chathamCopy(ctx, tx, group, st)
	if err != nil {
		return err
	}
	return s.announce(ctx, tx, group, cp, nil)
}

// accountByIDTx loads an account inside a transaction.
func (s *Store) accountByIDTx(ctx context.Context, q querier, id string) (*Account, error) {
	rows, _ := q.Query(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE a.id = $1`, id)
	a, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Account])
	if err != nil {
		return nil, notFound(err, "account")
	}
	return a, nil
}

// setContext gives a status the context (FEP-7888) of its thread: the
// parent's, or for a thread opened in a consultation hosted here, the
// thread collection its Group serves.
func (s *Store) setContext(ctx context.Context, tx pgx.Tx, st *Status, g *groupChoice) error {
	var contextURI *string
	switch {
	case st.InReplyToID != nil:
		if err := tx.QueryRow(ctx, `SELECT context_uri FROM statuses WHERE id = $1`, *st.InReplyToID).Scan(&contextURI); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
	case g != nil && g.local != nil:
		c := s.links.Thread(g.local.Slug, st.ID)
		contextURI = &c
	}
	if contextURI == nil {
		return nil
	}
	_, err := tx.Exec(ctx, `UPDATE statuses SET context_uri = $2 WHERE id = $1`, st.ID, *contextURI)
	return err
}

// mapLinker resolves mentions from a map of known accounts.
type mapLinker struct {
	links    Links
	accounts map[string]string // lower-case acct → profile URL
}

func (l mapLinker) MentionURL(acct string) (string, bool) {
	u, ok := l.accounts[strings.ToLower(acct)]
	return u, ok
}

func (l mapLinker) TagURL(name string) string { return l.links.Tag(name) }

// linkerFor looks up the accounts that text may mention.
func (s *Store) linkerFor(ctx context.Context, text string) (Linker, error) {
	l := mapLinker{links: s.links, accounts: map[string]string{}}
	for _, acct := range MentionCandidates(text) {
		if len(l.accounts) >= 50 {
			break
		}
		a, err := s.AccountByAcct(ctx, acct, s.links.Domain())
		if errors.Is(err, ErrNotFound) && s.resolver != nil && strings.Contains(acct, "@") {
			// Someone on another server: ask it (WebFinger, then the actor).
			a, err = s.resolver.ResolveAccount(ctx, acct)
		}
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			// An unreachable server leaves the mention as plain text.
			continue
		}
		switch {
		case a.Local():
			l.accounts[strings.ToLower(acct)] = s.links.Profile(a.Username)
		case a.URL != "":
			l.accounts[strings.ToLower(acct)] = a.URL
		default:
			l.accounts[strings.ToLower(acct)] = a.URI
		}
	}
	return l, nil
}

func (s *Store) accountByAcctTx(ctx context.Context, q querier, acct string) (*Account, error) {
	name, domain, remote := strings.Cut(acct, "@")
	var rows pgx.Rows
	if !remote || strings.EqualFold(domain, s.links.Domain()) {
		rows, _ = q.Query(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE lower(a.username) = lower($1) AND a.domain IS NULL`, name)
	} else {
		rows, _ = q.Query(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE lower(a.username) = lower($1) AND lower(a.domain) = lower($2)`, name, domain)
	}
	a, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Account])
	if err != nil {
		return nil, notFound(err, "account "+acct)
	}
	return a, nil
}

// Status returns the status with the given id if viewerID (empty for an
// anonymous reader) may see it.
func (s *Store) Status(ctx context.Context, id, viewerID string) (*Status, error) {
	if !ValidID(id) {
		return nil, fmt.Errorf("status %q: %w", id, ErrNotFound)
	}
	rows, _ := s.reader(ctx).Query(ctx, `SELECT `+statusColumns+` FROM statuses s WHERE s.id = $1 AND `+visibleTo("$2"), id, nullable(viewerID))
	st, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Status])
	if err != nil {
		return nil, notFound(err, "status "+id)
	}
	if err := s.hydrate(ctx, viewerID, []*Status{st}); err != nil {
		return nil, err
	}
	return st, nil
}

// nullable turns an empty string into SQL NULL.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// DeleteStatus deletes a status of the member and returns it as it was.
func (s *Store) DeleteStatus(ctx context.Context, m *Member, id string) (*Status, error) {
	st, err := s.Status(ctx, id, m.ID)
	if err != nil {
		return nil, err
	}
	if st.AccountID != m.ID {
		return nil, fmt.Errorf("delete status %s of another account: %w", id, ErrForbidden)
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		// Whoever received the status hears of its deletion; the audience
		// is read before the mentions go with the status.
		inboxes, err := s.statusInboxes(ctx, tx, st)
		if err != nil {
			return err
		}
		obj, err := s.statusObject(ctx, tx, st)
		if err != nil {
			return err
		}
		// Its uploads wait a day again, for a redraft to take them.
		if _, err := tx.Exec(ctx, `UPDATE media_attachments SET status_id = NULL, created_at = $2
			WHERE status_id = $1 AND file IS NOT NULL`, id, s.Now()); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM statuses WHERE id = $1`, id)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		if len(inboxes) > 0 {
			actor, err := s.actorWhere(ctx, tx, "a.id = $1", st.AccountID)
			if err != nil {
				return err
			}
			if err := s.publish(ctx, tx, &Outgoing{Kind: OutDelete, Actor: actor, Object: obj, Inboxes: inboxes}); err != nil {
				return err
			}
		}
		if err := s.announceChange(ctx, tx, st, obj, OutDelete, nil); err != nil {
			return err
		}
		if st.InReplyToID != nil {
			if _, err := tx.Exec(ctx, `UPDATE statuses SET replies_count = greatest(replies_count - 1, 0) WHERE id = $1`, *st.InReplyToID); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `UPDATE accounts SET statuses_count = greatest(statuses_count - 1, 0) WHERE id = $1`, st.AccountID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("delete status %s: %w", id, err)
	}
	return st, nil
}

// Context returns the ancestors and descendants of a status that viewerID
// may see, oldest first.
func (s *Store) Context(ctx context.Context, id, viewerID string) (ancestors, descendants []*Status, err error) {
	st, err := s.Status(ctx, id, viewerID)
	if err != nil {
		return nil, nil, err
	}
	rows, _ := s.reader(ctx).Query(ctx, `SELECT `+statusColumns+` FROM statuses s WHERE s.thread_id = $1 AND `+visibleTo("$2")+`
		ORDER BY s.id LIMIT 4096`, st.ThreadID, nullable(viewerID))
	thread, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Status])
	if err != nil {
		return nil, nil, fmt.Errorf("thread of %s: %w", id, err)
	}
	byID := map[string]*Status{}
	children := map[string][]*Status{}
	for _, t := range thread {
		byID[t.ID] = t
		if t.InReplyToID != nil {
			children[*t.InReplyToID] = append(children[*t.InReplyToID], t)
		}
	}
	for p := st.InReplyToID; p != nil; {
		a, ok := byID[*p]
		if !ok || len(ancestors) > len(thread) {
			break
		}
		ancestors = append([]*Status{a}, ancestors...)
		p = a.InReplyToID
	}
	// Depth-first, so that each reply follows what it answers.
	var walk func(string)
	walk = func(pid string) {
		for _, c := range children[pid] {
			descendants = append(descendants, c)
			walk(c.ID)
		}
	}
	walk(st.ID)
	all := append(append([]*Status{}, ancestors...), descendants...)
	if err := s.hydrate(ctx, viewerID, all); err != nil {
		return nil, nil, err
	}
	return ancestors, descendants, nil
}

// hydrate fills in the accounts, mentions, tags, applications and the
// viewer's favourites and bookmarks of sts, with one query for each.
func (s *Store) hydrate(ctx context.Context, viewerID string, sts []*Status) error {
	if len(sts) == 0 {
		return nil
	}
	ids := make([]string, len(sts))
	accountIDs := make([]string, 0, len(sts))
	var appIDs []string
	for i, st := range sts {
		ids[i] = st.ID
		accountIDs = append(accountIDs, st.AccountID)
		if st.AppID != nil {
			appIDs = append(appIDs, *st.AppID)
		}
		st.Mentions, st.Tags = []Account{}, []string{}
	}
	accounts, err := s.accountsByID(ctx, accountIDs)
	if err != nil {
		return err
	}
	for _, st := range sts {
		st.Account = accounts[st.AccountID]
	}
	index := map[string]*Status{}
	for _, st := range sts {
		index[st.ID] = st
	}
	rows, _ := s.reader(ctx).Query(ctx, `SELECT sm.status_id, `+accountColumns+` FROM status_mentions sm
		JOIN accounts a ON a.id = sm.account_id WHERE sm.status_id = ANY($1) ORDER BY sm.status_id, a.username`, ids)
	type mention struct {
		StatusID string `db:"status_id"`
		Account
	}
	ms, err := pgx.CollectRows(rows, pgx.RowToStructByName[mention])
	if err != nil {
		return fmt.Errorf("load mentions: %w", err)
	}
	for _, m := range ms {
		index[m.StatusID].Mentions = append(index[m.StatusID].Mentions, m.Account)
	}
	rows, _ = s.reader(ctx).Query(ctx, `SELECT status_id, name FROM status_tags WHERE status_id = ANY($1) ORDER BY name`, ids)
	var sid, name string
	if _, err := pgx.ForEachRow(rows, []any{&sid, &name}, func() error {
		index[sid].Tags = append(index[sid].Tags, name)
		return nil
	}); err != nil {
		return fmt.Errorf("load tags: %w", err)
	}
	if len(appIDs) > 0 {
		var appID string
		var app AppInfo
		rows, _ = s.reader(ctx).Query(ctx, `SELECT id, name, website FROM oauth_apps WHERE id = ANY($1)`, appIDs)
		apps := map[string]AppInfo{}
		if _, err := pgx.ForEachRow(rows, []any{&appID, &app.Name, &app.Website}, func() error {
			apps[appID] = app
			return nil
		}); err != nil {
			return fmt.Errorf("load applications: %w", err)
		}
		for _, st := range sts {
			if st.AppID != nil {
				if a, ok := apps[*st.AppID]; ok {
					st.App = &a
				}
			}
		}
	}
	if err := s.hydratePolls(ctx, viewerID, sts, ids); err != nil {
		return err
	}
	if err := s.hydrateMedia(ctx, sts, ids); err != nil {
		return err
	}
	var groupIDs []string
	for _, st := range sts {
		if st.GroupID != nil {
			groupIDs = append(groupIDs, *st.GroupID)
		}
	}
	if len(groupIDs) > 0 {
		// Consultations that hide reaction counts while they are open.
		rows, _ = s.reader(ctx).Query(ctx, `SELECT account_id FROM consultations WHERE account_id = ANY($1)
			AND hide_counts AND phase IN ('draft', 'open')`, groupIDs)
		hiding, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("load count settings: %w", err)
		}
		for _, st := range sts {
			if st.GroupID != nil && slices.Contains(hiding, *st.GroupID) {
				st.CountsHidden = true
			}
		}
	}
	if viewerID == "" {
		return nil
	}
	rows, _ = s.reader(ctx).Query(ctx, `SELECT status_id, 'f' FROM favourites WHERE account_id = $1 AND status_id = ANY($2)
		UNION ALL SELECT status_id, 'b' FROM bookmarks WHERE account_id = $1 AND status_id = ANY($2)
		UNION ALL SELECT status_id, 'r' FROM reblogs WHERE account_id = $1 AND status_id = ANY($2)
		UNION ALL SELECT status_id, 'p' FROM status_pins WHERE account_id = $1 AND status_id = ANY($2)
		UNION ALL SELECT s.id, 'm' FROM statuses s JOIN conversation_mutes cm ON cm.thread_id = s.thread_id AND cm.account_id = $1
			WHERE s.id = ANY($2)`, viewerID, ids)
	var kind string
	_, err = pgx.ForEachRow(rows, []any{&sid, &kind}, func() error {
		switch kind {
		case "f":
			index[sid].Favourited = true
		case "b":
			index[sid].Bookmarked = true
		case "r":
			index[sid].Reblogged = true
		case "p":
			index[sid].Pinned = true
		case "m":
			index[sid].Muted = true
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("load viewer state: %w", err)
	}
	return nil
}

// accountsByID loads the accounts with the given ids.
func (s *Store) accountsByID(ctx context.Context, ids []string) (map[string]*Account, error) {
	rows, _ := s.reader(ctx).Query(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE a.id = ANY($1)`, ids)
	as, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Account])
	if err != nil {
		return nil, fmt.Errorf("load accounts: %w", err)
	}
	m := make(map[string]*Account, len(as))
	for _, a := range as {
		m[a.ID] = a
	}
	return m, nil
}

// statusList runs a status query (which must select statusColumns from
// statuses s) and hydrates the result for viewerID.
func (s *Store) statusList(ctx context.Context, viewerID string, p Page, sql string, args ...any) ([]*Status, error) {
	rows, _ := s.reader(ctx).Query(ctx, sql, args...)
	sts, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Status])
	if err != nil {
		return nil, fmt.Errorf("list statuses: %w", err)
	}
	sts = newestFirst(p, sts)
	if err := s.hydrate(ctx, viewerID, sts); err != nil {
		return nil, err
	}
	return sts, nil
}
