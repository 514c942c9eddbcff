package roundtable

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Publisher sends what happens here to the accounts on other servers that
// should know. It is called inside the transaction that makes the change
// and must only enqueue there (federation's delivery jobs), so the change and
// its delivery commit or fail together.
type Publisher interface {
	Publish(ctx context.Context, tx pgx.Tx, o *Outgoing) error
}

// Resolver finds accounts on other servers.
type Resolver interface {
	// ResolveAccount looks up acct ("name@domain") on its server and
	// stores what it finds; ErrNotFound when there is no such account.
	ResolveAccount(ctx context.Context, acct string) (*Account, error)
	// ResolveURL fetches the actor or status at uri and stores it; one of
	// the results is nil.
	ResolveURL(ctx context.Context, uri string) (*Account, *Status, error)
}

// SetResolver wires the Store to the adapter that looks up remote
// accounts (mentions of accounts not seen before).
func (s *Store) SetResolver(r Resolver) { s.resolver = r }

// SetPublisher wires the Store to the adapter that federates its changes.
// Without one, nothing leaves the instance.
func (s *Store) SetPublisher(p Publisher) { s.publisher = p }

// Outgoing kinds: the activity each change becomes.
const (
	OutCreate     = "Create"
	OutUpdate     = "Update"
	OutDelete     = "Delete"
	OutFollow     = "Follow"
	OutUndoFollow = "UndoFollow"
	OutAccept     = "Accept"
	OutReject     = "Reject"
	OutLike       = "Like"
	OutUndoLike   = "UndoLike"
	// OutAnnounce is a Group passing a contribution on to its followers.
	OutAnnounce = "Announce"
	// OutUpdateActor tells followers an actor (a Group) changed.
	OutUpdateActor = "UpdateActor"
	// OutForward passes a remote activity on, as received, to a
	// consultation it concerns (RawActivity; signed by the instance).
	OutForward = "Forward"
	// OutRemove is a Group removing a contribution (ObjectURI) with a
	// reason: an Announce of its Delete, per FEP-1b12.
	OutRemove = "Remove"
	// OutBlock and OutUndoBlock tell a remote account's server that a
	// member blocks it, or no longer does (ActivityID names the Block).
	OutBlock     = "Block"
	OutUndoBlock = "UndoBlock"
	// OutBan and OutUndoBan are a Group banning an account (Target) from
	// its consultation, or ending the ban: a Block whose id is ActivityID
	// and summary Reason, per FEP-1b12.
	OutBan     = "Ban"
	OutUndoBan = "UndoBan"
	// OutFlag forwards a report, from the instance actor (the reporter
	// stays anonymous): ObjectURIs are what is reported, Reason its text.
	OutFlag = "Flag"
	// OutRejectActivity refuses a remote contribution (ObjectURI names the
	// activity refused).
	OutRejectActivity = "RejectActivity"
	// OutVote is a local member's vote on a remote poll (ObjectURI), for the
	// option named Choice, sent only to the poll's author (Target).
	OutVote = "Vote"
	// OutAdvisory publishes an advisory issued here (Advisory) to the
	// trusted peers that subscribe; OutRetractAdvisory withdraws it.
	OutAdvisory        = "Advisory"
	OutRetractAdvisory = "RetractAdvisory"
	OutUpdateAdvisory  = "UpdateAdvisory"
	// OutSubscribeAdvisories asks the trusted peer Domain for its
	// advisories; OutUnsubscribeAdvisories ends that (ActivityID names the
	// subscription's Follow, ObjectURI the peer's collection, Target its
	// instance actor).
	OutSubscribeAdvisories   = "SubscribeAdvisories"
	OutUnsubscribeAdvisories = "UnsubscribeAdvisories"
	// OutAcceptQuote and OutRejectQuote answer a QuoteRequest (FEP-044f).
	OutAcceptQuote = "AcceptQuote"
	OutRejectQuote = "RejectQuote"
	// OutReblog is a member sharing a status (ObjectURI) with its
	// followers: an Announce whose id is ActivityID. OutUndoReblog takes
	// it back.
	OutReblog     = "Reblog"
	OutUndoReblog = "UndoReblog"
	// OutCohost is one step of co-hosting a consultation between two
	// instances, or a co-host's facilitator acting on it (Cohost).
	OutCohost = "Cohost"
)

// Outgoing is a change of a local actor to tell other servers about.
type Outgoing struct {
	Kind  string
	Actor *Actor // the local actor that acts
	// ActivityID is the id of the activity: of the Follow or Like itself,
	// or of the Follow that an Accept, Reject or Undo answers; of a Vote;
	// of an Update that carries new poll results (an edit's id comes from
	// the edit's time).
	ActivityID string
	// Object is the status created, updated or deleted.
	Object *StatusObject
	// Target is the other actor of a Follow, Accept, Reject or Like.
	Target *Actor
	// ObjectURI is what a Like is of.
	ObjectURI string
	// RawActivity is, for an Announce, the contribution's activity exactly
	// as received from its author's server.
	RawActivity []byte
	// Thread marks an Announce of a thread starter.
	Thread bool
	// InnerKind is, for an Announce built here, the activity announced:
	// OutCreate (the default), OutUpdate or OutDelete.
	InnerKind string
	// Account and Consultation describe the actor of an UpdateActor.
	Account      *Account
	Consultation *Consultation
	// Reason says why a contribution is refused, or what a Flag reports.
	Reason string
	// ObjectURIs are the objects of a Flag.
	ObjectURIs []string
	// Instrument is the quoting status of a QuoteRequest answered, and
	// Result the QuoteAuthorization an accepted one gets.
	Instrument, Result string
	// Choice is the name of the option a Vote chooses.
	Choice string
	// Advisory is what an OutAdvisory or OutRetractAdvisory carries.
	Advisory *Advisory
	// Domain is the peer an advisory subscription is about.
	Domain string
	// Cohost is what an OutCohost carries.
	Cohost *CohostActivity
	// Inboxes are where to deliver, one per server where possible.
	Inboxes []string
}

// StatusObject is a status as ActivityPub shows it.
type StatusObject struct {
	URI             string
	URL             string
	AuthorURI       string
	AuthorFollowers string
	InReplyToURI    string
	ContextURI      string
	Audience        string // the consultation's Group, if any
	Title           string // a thread starter's title
	ReplyPolicy     ReplyPolicy
	QuotesAllowed   bool   // the author lets others quote it (public and unlisted statuses only)
	Type            string // "Article" for a consultation's synthesis; otherwise a Note
	Content         string
	Summary         string
	Sensitive       bool
	Language        string
	Visibility      Visibility
	Published       time.Time
	Updated         *time.Time
	Mentions        []ObjectMention
	Tags            []string
	Local           bool
	Poll            *ObjectPoll // a poll's options and counts, if it has one
	Attachments     []ObjectAttachment
	LocalOnly       bool // never sent to other servers
}

// ObjectMention is an actor a status mentions.
type ObjectMention struct {
	URI  string
	Name string // @user@domain
}

func (s *Store) publish(ctx context.Context, tx pgx.Tx, o *Outgoing) error {
	if s.publisher == nil || len(o.Inboxes) == 0 || (o.Object != nil && o.Object.LocalOnly) {
		return nil
	}
	if err := s.publisher.Publish(ctx, tx, o); err != nil {
		return fmt.Errorf("publish %s: %w", o.Kind, err)
	}
	return nil
}

// statusObject builds the ActivityPub view of a stored status, reading
// through q (a transaction, when the status is not committed yet).
func (s *Store) statusObject(ctx context.Context, q querier, st *Status) (*StatusObject, error) {
	author, err := s.actorWhere(ctx, q, "a.id = $1", st.AccountID)
	if err != nil {
		return nil, err
	}
	o := &StatusObject{
		URI: deref(st.URI), URL: deref(st.URL), AuthorURI: author.URI, AuthorFollowers: author.Followers,
		Content: st.Content, Summary: st.SpoilerText, Sensitive: st.Sensitive, Visibility: st.Visibility,
		Published: st.CreatedAt, Updated: st.EditedAt, Local: st.Local, Tags: []string{}, Mentions: []ObjectMention{},
		LocalOnly: st.LocalOnly,
	}
	if st.Language != nil {
		o.Language = *st.Language
	}
	if st.InReplyToID != nil {
		if err := q.QueryRow(ctx, `SELECT coalesce(uri, '') FROM statuses WHERE id = $1`, *st.InReplyToID).Scan(&o.InReplyToURI); err != nil && err != pgx.ErrNoRows {
			return nil, err
		}
	} else if st.InReplyToURI != nil {
		o.InReplyToURI = *st.InReplyToURI
	}
	if err := q.QueryRow(ctx, `SELECT coalesce(s.context_uri, t.uri, ''), coalesce(g.uri, ''), s.object_type FROM statuses s
		LEFT JOIN statuses t ON t.id = s.thread_id LEFT JOIN accounts g ON g.id = s.group_id
		WHERE s.id = $1`, st.ID).Scan(&o.ContextURI, &o.Audience, &o.Type); err != nil && err != pgx.ErrNoRows {
		return nil, err
	}
	if st.Title != nil {
		o.Title = *st.Title
	}
	o.ReplyPolicy = st.ReplyPolicy
	if o.QuotesAllowed, err = quotesAllowed(ctx, q, st); err != nil {
		return nil, err
	}
	rows, _ := q.Query(ctx, `SELECT coalesce(a.uri, ''), a.username, coalesce(a.domain, '') FROM status_mentions m
		JOIN accounts a ON a.id = m.account_id WHERE m.status_id = $1 ORDER BY a.username`, st.ID)
	var uri, name, domain string
	if _, err := pgx.ForEachRow(rows, []any{&uri, &name, &domain}, func() error {
		if domain == "" {
			domain = s.links.Domain()
		}
		o.Mentions = append(o.Mentions, ObjectMention{URI: uri, Name: "@" + name + "@" + domain})
		return nil
	}); err != nil {
		return nil, fmt.Errorf("mentions of %s: %w", st.ID, err)
	}
	rows, _ = q.Query(ctx, `SELECT name FROM status_tags WHERE status_id = $1 ORDER BY name`, st.ID)
	if _, err := pgx.ForEachRow(rows, []any{&name}, func() error {
		o.Tags = append(o.Tags, name)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("tags of %s: %w", st.ID, err)
	}
	if o.Poll, err = s.pollObject(ctx, q, st.ID); err != nil {
		return nil, err
	}
	if o.Attachments, err = s.objectAttachments(ctx, q, st.ID); err != nil {
		return nil, err
	}
	return o, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// statusInboxes returns where a status goes: the servers of the author's
// remote followers (unless it is direct), of the remote accounts it
// mentions, of the author it replies to, of its consultation, and of those
// who answered, liked, reblogged it or voted in its poll (they hold a copy
// that an edit or a deletion must reach).
func (s *Store) statusInboxes(ctx context.Context, q querier, st *Status) ([]string, error) {
	rows, _ := q.Query(ctx, `
		SELECT DISTINCT coalesce(a.shared_inbox, a.inbox) FROM follows f JOIN accounts a ON a.id = f.account_id
			WHERE f.target_account_id = $1 AND f.accepted AND a.domain IS NOT NULL AND $3 <> 'direct'
		UNION
		SELECT coalesce(a.shared_inbox, a.inbox) FROM status_mentions m JOIN accounts a ON a.id = m.account_id
			WHERE m.status_id = $2 AND a.domain IS NOT NULL
		UNION
		SELECT coalesce(a.shared_inbox, a.inbox) FROM accounts a
			WHERE a.id = $4 AND a.domain IS NOT NULL
		UNION
		SELECT coalesce(a.shared_inbox, a.inbox) FROM statuses g JOIN accounts a ON a.id = g.group_id
			WHERE g.id = $2 AND a.domain IS NOT NULL
		UNION
		SELECT coalesce(a.shared_inbox, a.inbox) FROM statuses r JOIN accounts a ON a.id = r.account_id
			WHERE r.in_reply_to_id = $2 AND a.domain IS NOT NULL
		UNION
		SELECT coalesce(a.shared_inbox, a.inbox) FROM favourites f JOIN accounts a ON a.id = f.account_id
			WHERE f.status_id = $2 AND a.domain IS NOT NULL
		UNION
		SELECT coalesce(a.shared_inbox, a.inbox) FROM reblogs rb JOIN accounts a ON a.id = rb.account_id
			WHERE rb.status_id = $2 AND a.domain IS NOT NULL
		UNION
		SELECT coalesce(a.shared_inbox, a.inbox) FROM poll_votes v JOIN accounts a ON a.id = v.account_id
			WHERE v.status_id = $2 AND a.domain IS NOT NULL`, st.AccountID, st.ID, st.Visibility, st.InReplyToAccountID)
	inboxes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("inboxes for %s: %w", st.ID, err)
	}
	out := inboxes[:0]
	for _, i := range inboxes {
		if i != "" {
			out = append(out, i)
		}
	}
	return out, nil
}

// publishStatus tells the status's audience that it was created, updated
// or deleted.
func (s *Store) publishStatus(ctx context.Context, tx pgx.Tx, kind string, st *Status, inboxes []string) error {
	if s.publisher == nil || !st.Local {
		return nil
	}
	if inboxes == nil {
		var err error
		if inboxes, err = s.statusInboxes(ctx, tx, st); err != nil {
			return err
		}
	}
	if len(inboxes) == 0 {
		return nil
	}
	obj, err := s.statusObject(ctx, tx, st)
	if err != nil {
		return err
	}
	actor, err := s.actorWhere(ctx, tx, "a.id = $1", st.AccountID)
	if err != nil {
		return err
	}
	return s.publish(ctx, tx, &Outgoing{Kind: kind, Actor: actor, Object: obj, Inboxes: inboxes})
}
