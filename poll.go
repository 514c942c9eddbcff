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

// Polls. A poll belongs to a status and has the status's id. Each voter
// counts once per option, and once per poll when it takes a single choice.
// Who voted what is never published nor listed: other servers learn only the
// counts (a Question), and a local member's vote on a remote poll goes only
// to the poll's author.

// The limits of a new poll, which the client API's instance configuration
// announces.
const (
	PollMaxOptions         = 4
	PollMaxOptionChars     = 50
	PollMinExpiration      = 300     // seconds: five minutes
	PollMaxExpiration      = 2629746 // seconds: a month
	maxRemotePollOptions   = 50
	maxRemotePollNameRunes = 1000
)

// NewPoll is a poll posted with a new status.
type NewPoll struct {
	Options    []string
	ExpiresIn  int // seconds
	Multiple   bool
	HideTotals bool
}

// Poll is a status's poll as a viewer sees it.
type Poll struct {
	ID          string // the status's id
	Options     []PollOption
	Multiple    bool
	HideTotals  bool
	ExpiresAt   *time.Time
	Expired     bool
	VotesCount  int
	VotersCount *int // nil when a remote poll's origin does not say
	// Voted is true when the viewer voted, or wrote the poll.
	Voted bool
	// OwnVotes are the options the viewer chose, in order.
	OwnVotes []int
}

// PollOption is one answer of a poll and its votes.
type PollOption struct {
	Title      string
	VotesCount int
}

// pollRow is a poll as stored.
type pollRow struct {
	StatusID    string     `db:"status_id"`
	Options     []string   `db:"options"`
	OptionVotes []int      `db:"option_votes"`
	Multiple    bool       `db:"multiple"`
	HideTotals  bool       `db:"hide_totals"`
	ExpiresAt   *time.Time `db:"expires_at"`
	ClosedAt    *time.Time `db:"closed_at"`
	VotesCount  int        `db:"votes_count"`
	VotersCount *int       `db:"voters_count"`
}

const pollColumns = `status_id, options, option_votes, multiple, hide_totals, expires_at, closed_at, votes_count, voters_count`

// closedAt returns when the poll closed, or nil while it is open at now.
func (p *pollRow) closedAt(now time.Time) *time.Time {
	if p.ClosedAt != nil && !p.ClosedAt.After(now) {
		return p.ClosedAt
	}
	if p.ExpiresAt != nil && !p.ExpiresAt.After(now) {
		return p.ExpiresAt
	}
	return nil
}

func (p *pollRow) view(now time.Time) *Poll {
	v := &Poll{ID: p.StatusID, Multiple: p.Multiple, HideTotals: p.HideTotals, ExpiresAt: p.ExpiresAt,
		Expired: p.closedAt(now) != nil, VotesCount: p.VotesCount, VotersCount: p.VotersCount, OwnVotes: []int{}}
	for i, t := range p.Options {
		o := PollOption{Title: t}
		if i < len(p.OptionVotes) {
			o.VotesCount = p.OptionVotes[i]
		}
		v.Options = append(v.Options, o)
	}
	return v
}

// preparePoll checks a new poll; the status it belongs to is created at now.
func preparePoll(np *NewPoll, now time.Time) (*pollRow, error) {
	if n := len(np.Options); n < 2 || n > PollMaxOptions {
		return nil, Invalid("poll[options]", "must have from 2 to %d options (%d given)", PollMaxOptions, n)
	}
	p := &pollRow{Multiple: np.Multiple, HideTotals: np.HideTotals, OptionVotes: make([]int, len(np.Options))}
	for i, o := range np.Options {
		o = strings.TrimSpace(o)
		switch {
		case o == "":
			return nil, Invalid("poll[options]", "option %d is blank", i+1)
		case !utf8.ValidString(o):
			return nil, Invalid("poll[options]", "option %d is not valid UTF-8", i+1)
		case utf8.RuneCountInString(o) > PollMaxOptionChars:
			return nil, Invalid("poll[options]", "option %d is longer than %d characters", i+1, PollMaxOptionChars)
		case slices.Contains(p.Options, o):
			return nil, Invalid("poll[options]", "option %d repeats another option", i+1)
		}
		p.Options = append(p.Options, o)
	}
	if np.ExpiresIn < PollMinExpiration || np.ExpiresIn > PollMaxExpiration {
		return nil, Invalid("poll[expires_in]", "must be from %d seconds (5 minutes) to %d seconds (a month)", PollMinExpiration, PollMaxExpiration)
	}
	// Whole seconds, as the end time goes to other servers.
	end := now.Add(time.Duration(np.ExpiresIn) * time.Second).Truncate(time.Second)
	p.ExpiresAt = &end
	zero := 0
	p.VotersCount = &zero
	return p, nil
}

// insertPoll stores the poll of a new status.
func insertPoll(ctx context.Context, tx pgx.Tx, statusID string, p *pollRow, now time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO polls (status_id, options, option_votes, multiple, hide_totals, expires_at, closed_at,
		votes_count, voters_count, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
		statusID, p.Options, p.OptionVotes, p.Multiple, p.HideTotals, p.ExpiresAt, p.ClosedAt, p.VotesCount, p.VotersCount, now)
	if err != nil {
		return fmt.Errorf("insert poll: %w", err)
	}
	return nil
}

// lockPoll reads a poll and holds its row until the transaction ends, so
// that votes on one poll take turns.
func lockPoll(ctx context.Context, tx pgx.Tx, statusID string) (*pollRow, error) {
	rows, _ := tx.Query(ctx, `SELECT `+pollColumns+` FROM polls WHERE status_id = $1 FOR UPDATE`, statusID)
	p, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[pollRow])
	if err != nil {
		return nil, notFound(err, "poll "+statusID)
	}
	return p, nil
}

// hydratePolls fills in the polls of sts (ids are theirs) and what the
// viewer chose in them.
func (s *Store) hydratePolls(ctx context.Context, viewerID string, sts []*Status, ids []string) error {
	rows, _ := s.reader(ctx).Query(ctx, `SELECT `+pollColumns+` FROM polls WHERE status_id = ANY($1)`, ids)
	ps, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[pollRow])
	if err != nil {
		return fmt.Errorf("load polls: %w", err)
	}
	if len(ps) == 0 {
		return nil
	}
	now := s.Now()
	byID := make(map[string]*pollRow, len(ps))
	for _, p := range ps {
		byID[p.StatusID] = p
	}
	polled := map[string][]*Status{}
	for _, st := range sts {
		if p, ok := byID[st.ID]; ok {
			st.Poll = p.view(now)
			st.Poll.Voted = viewerID != "" && viewerID == st.AccountID
			polled[st.ID] = append(polled[st.ID], st)
		}
	}
	if viewerID == "" {
		return nil
	}
	rows, _ = s.reader(ctx).Query(ctx, `SELECT status_id, choice FROM poll_votes WHERE account_id = $1 AND status_id = ANY($2)
		ORDER BY status_id, choice`, viewerID, ids)
	var sid string
	var choice int
	_, err = pgx.ForEachRow(rows, []any{&sid, &choice}, func() error {
		for _, st := range polled[sid] {
			st.Poll.Voted = true
			st.Poll.OwnVotes = append(st.Poll.OwnVotes, choice)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("load own votes: %w", err)
	}
	return nil
}

// Poll returns the poll of the status id, if viewerID may see it.
func (s *Store) Poll(ctx context.Context, id, viewerID string) (*Poll, error) {
	st, err := s.Status(ctx, id, viewerID)
	if err != nil {
		return nil, err
	}
	if st.Poll == nil {
		return nil, fmt.Errorf("poll %s: %w", id, ErrNotFound)
	}
	return st.Poll, nil
}

// Vote records the member's choices (numbers of options, from 0) in the
// poll of the status id. A member votes once in each poll, and not in its
// own; a poll that has ended takes no votes.
func (s *Store) Vote(ctx context.Context, m *Member, id string, choices []int) (*Poll, error) {
	st, err := s.Status(ctx, id, m.ID)
	if err != nil {
		return nil, err
	}
	if st.Poll == nil {
		return nil, fmt.Errorf("poll %s: %w", id, ErrNotFound)
	}
	if st.AccountID == m.ID {
		return nil, &Refusal{Message: "You cannot vote in your own poll."}
	}
	if len(choices) == 0 {
		return nil, Invalid("choices", "choose at least one option")
	}
	choices = slices.Clone(choices)
	slices.Sort(choices)
	choices = slices.Compact(choices)
	for _, c := range choices {
		if c < 0 || c >= len(st.Poll.Options) {
			return nil, Invalid("choices", "%d is not an option of this poll (choose from 0 to %d)", c, len(st.Poll.Options)-1)
		}
	}
	if !st.Poll.Multiple && len(choices) > 1 {
		return nil, Invalid("choices", "this poll takes a single choice")
	}
	now := s.Now()
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		p, err := lockPoll(ctx, tx, st.ID)
		if err != nil {
			return err
		}
		if p.closedAt(now) != nil {
			return &Refusal{Message: "This poll has ended."}
		}
		if err := s.mayVoteIn(ctx, tx, st.GroupID); err != nil {
			return err
		}
		var voted bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM poll_votes WHERE status_id = $1 AND account_id = $2)`,
			st.ID, m.ID).Scan(&voted); err != nil {
			return err
		}
		if voted {
			return &Refusal{Message: "You have already voted in this poll."}
		}
		voteURIs := make([]string, len(choices))
		for i, c := range choices {
			voteID := NewID(now)
			var uri *string
			if !st.Local {
				voteURIs[i] = s.links.Actor(m.Username) + "#votes/" + voteID
				uri = &voteURIs[i]
			}
			if _, err := tx.Exec(ctx, `INSERT INTO poll_votes (id, status_id, account_id, choice, uri, created_at)
				VALUES ($1, $2, $3, $4, $5, $6)`, voteID, st.ID, m.ID, c, uri, now); err != nil {
				return fmt.Errorf("insert vote: %w", err)
			}
		}
		if err := countVotes(ctx, tx, st.ID, choices, true, now); err != nil {
			return err
		}
		if st.Local {
			return s.publishPollResults(ctx, tx, st)
		}
		return s.publishVotes(ctx, tx, m, st, p, choices, voteURIs)
	})
	if err != nil {
		return nil, fmt.Errorf("vote in poll %s: %w", id, err)
	}
	return s.Poll(ctx, id, m.ID)
}

// countVotes adds votes for choices to a poll's counts; newVoter adds one
// voter.
func countVotes(ctx context.Context, tx pgx.Tx, statusID string, choices []int, newVoter bool, now time.Time) error {
	voter := 0
	if newVoter {
		voter = 1
	}
	_, err := tx.Exec(ctx, `UPDATE polls SET
		option_votes = (SELECT array_agg(v + CASE WHEN i - 1 = ANY($2::int[]) THEN 1 ELSE 0 END ORDER BY i)
			FROM unnest(option_votes) WITH ORDINALITY AS u(v, i)),
		votes_count = votes_count + cardinality($2::int[]), voters_count = voters_count + $3, updated_at = $4
		WHERE status_id = $1`, statusID, choices, voter, now)
	if err != nil {
		return fmt.Errorf("count votes: %w", err)
	}
	return nil
}

// mayVoteIn checks that a consultation hosted here, if the poll is in one,
// takes votes in its current phase.
func (s *Store) mayVoteIn(ctx context.Context, q querier, groupID *string) error {
	if groupID == nil {
		return nil
	}
	c, err := s.consultationWhere(ctx, q, "c.account_id = $1", *groupID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return c.Allows(ContributeLike)
}

// publishVotes sends a local member's vote on a remote poll to the poll's
// author, and to nobody else: one Create of a Note named after the option
// for each choice, as Mastodon sends them.
func (s *Store) publishVotes(ctx context.Context, tx pgx.Tx, m *Member, st *Status, p *pollRow, choices []int, uris []string) error {
	if s.publisher == nil || st.URI == nil {
		return nil
	}
	voter, err := s.actorWhere(ctx, tx, "a.id = $1", m.ID)
	if err != nil {
		return err
	}
	author, err := s.actorWhere(ctx, tx, "a.id = $1", st.AccountID)
	if err != nil {
		return err
	}
	for i, c := range choices {
		if err := s.publish(ctx, tx, &Outgoing{Kind: OutVote, Actor: voter, Target: author, ActivityID: uris[i],
			ObjectURI: *st.URI, Choice: p.Options[c], Inboxes: []string{author.Inbox}}); err != nil {
			return err
		}
	}
	return nil
}

// publishPollResults sends the current counts of a local poll, as an Update
// of its status, to everyone who holds a copy: the status's audience, the
// servers of remote voters, and a consultation's followers.
func (s *Store) publishPollResults(ctx context.Context, tx pgx.Tx, st *Status) error {
	if s.publisher == nil || !st.Local {
		return nil
	}
	inboxes, err := s.statusInboxes(ctx, tx, st)
	if err != nil {
		return err
	}
	rows, _ := tx.Query(ctx, `SELECT DISTINCT coalesce(a.shared_inbox, a.inbox) FROM poll_votes v
		JOIN accounts a ON a.id = v.account_id WHERE v.status_id = $1 AND a.domain IS NOT NULL`, st.ID)
	voters, err := pgx.CollectRows(rows, pgx.RowTo[*string])
	if err != nil {
		return fmt.Errorf("voters' inboxes: %w", err)
	}
	for _, v := range voters {
		if v != nil && *v != "" && !slices.Contains(inboxes, *v) {
			inboxes = append(inboxes, *v)
		}
	}
	if st.GroupID != nil && (st.Visibility == Public || st.Visibility == Unlisted) {
		members, err := s.groupInboxes(ctx, tx, *st.GroupID)
		if err != nil {
			return err
		}
		for _, i := range members {
			if !slices.Contains(inboxes, i) {
				inboxes = append(inboxes, i)
			}
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
	return s.publish(ctx, tx, &Outgoing{Kind: OutUpdate, Actor: actor, Object: obj,
		ActivityID: obj.URI + "#results/" + NewID(s.Now()), Inboxes: inboxes})
}

// ReceiveVote counts a remote voter's vote, for the option named choice, in
// the local poll whose status is questionURI; voteURI is the vote's id. A
// voter counts once per option, and once in a single-choice poll: a repeat
// changes nothing. The new counts go out to the poll's audience.
func (s *Store) ReceiveVote(ctx context.Context, voter *Account, questionURI, choice, voteURI string) error {
	if voter.Local() {
		return fmt.Errorf("remote vote by local account %s: %w", voter.Username, ErrForbidden)
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+statusColumns+` FROM statuses s JOIN polls p ON p.status_id = s.id
		WHERE s.uri = $1 AND s.local`, questionURI)
	st, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Status])
	if err != nil {
		return notFound(err, "poll "+questionURI)
	}
	if ok, err := s.MayFetch(ctx, questionURI, voter.URI); err != nil {
		return err
	} else if !ok {
		return fmt.Errorf("vote by %s in a poll it cannot see: %w", voter.URI, ErrForbidden)
	}
	now := s.Now()
	return s.inTx(ctx, func(tx pgx.Tx) error {
		p, err := lockPoll(ctx, tx, st.ID)
		if err != nil {
			return err
		}
		if p.closedAt(now) != nil {
			return &Refusal{Message: "This poll has ended."}
		}
		c := slices.Index(p.Options, choice)
		if c < 0 {
			return Invalid("name", "%q is not an option of this poll", choice)
		}
		if err := s.mayVoteIn(ctx, tx, st.GroupID); err != nil {
			return err
		}
		var earlier int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM poll_votes WHERE status_id = $1 AND account_id = $2`,
			st.ID, voter.ID).Scan(&earlier); err != nil {
			return err
		}
		if earlier > 0 && !p.Multiple {
			return nil // counted once
		}
		tag, err := tx.Exec(ctx, `INSERT INTO poll_votes (id, status_id, account_id, choice, uri, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, NewID(now), st.ID, voter.ID, c, nullable(voteURI), now)
		if err != nil {
			return fmt.Errorf("insert vote: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return nil // this option, or this very vote, counted before
		}
		if err := countVotes(ctx, tx, st.ID, []int{c}, earlier == 0, now); err != nil {
			return err
		}
		return s.publishPollResults(ctx, tx, st)
	})
}

// RemotePoll is a poll as its origin publishes it (a Question).
type RemotePoll struct {
	Options     []string
	Votes       []int // per option, as the origin counts them
	Multiple    bool
	EndTime     *time.Time
	Closed      *time.Time
	VotersCount *int
}

// valid reports whether a remote poll is one to keep.
func (rp *RemotePoll) valid() bool {
	if len(rp.Options) == 0 || len(rp.Options) > maxRemotePollOptions || len(rp.Votes) != len(rp.Options) {
		return false
	}
	for _, o := range rp.Options {
		if o == "" || utf8.RuneCountInString(o) > maxRemotePollNameRunes {
			return false
		}
	}
	return true
}

// saveRemotePoll stores or updates the poll of a remote status. Counts
// only grow (votes are never taken back), so results that arrive out of
// order do not undo newer ones; an edit (edited) that changes the options
// starts the count again, as at the origin, and an edit without a poll
// removes it.
func (s *Store) saveRemotePoll(ctx context.Context, tx pgx.Tx, statusID string, rp *RemotePoll, edited bool) error {
	rows, _ := tx.Query(ctx, `SELECT `+pollColumns+` FROM polls WHERE status_id = $1 FOR UPDATE`, statusID)
	old, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[pollRow])
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("load poll %s: %w", statusID, err)
	}
	if rp == nil || !rp.valid() {
		if old != nil && edited {
			_, err := tx.Exec(ctx, `DELETE FROM polls WHERE status_id = $1`, statusID)
			return err
		}
		return nil
	}
	now := s.Now()
	p := &pollRow{StatusID: statusID, Options: rp.Options, OptionVotes: slices.Clone(rp.Votes), Multiple: rp.Multiple,
		ExpiresAt: rp.EndTime, ClosedAt: rp.Closed, VotersCount: rp.VotersCount}
	for i := range p.OptionVotes {
		p.OptionVotes[i] = max(p.OptionVotes[i], 0)
	}
	if old == nil {
		p.VotesCount = sum(p.OptionVotes)
		return insertPoll(ctx, tx, statusID, p, now)
	}
	if slices.Equal(old.Options, p.Options) {
		for i := range p.OptionVotes {
			p.OptionVotes[i] = max(p.OptionVotes[i], old.OptionVotes[i])
		}
		if old.VotersCount != nil && (p.VotersCount == nil || *old.VotersCount > *p.VotersCount) {
			p.VotersCount = old.VotersCount
		}
		if p.ClosedAt == nil {
			p.ClosedAt = old.ClosedAt
		}
	} else if _, err := tx.Exec(ctx, `DELETE FROM poll_votes WHERE status_id = $1`, statusID); err != nil {
		return err
	}
	p.VotesCount = sum(p.OptionVotes)
	_, err = tx.Exec(ctx, `UPDATE polls SET options = $2, option_votes = $3, multiple = $4, expires_at = $5, closed_at = $6,
		votes_count = $7, voters_count = $8, updated_at = $9 WHERE status_id = $1`,
		statusID, p.Options, p.OptionVotes, p.Multiple, p.ExpiresAt, p.ClosedAt, p.VotesCount, p.VotersCount, now)
	if err != nil {
		return fmt.Errorf("update poll %s: %w", statusID, err)
	}
	return nil
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// ObjectPoll is a poll as ActivityPub shows it: options and counts, never
// who voted.
type ObjectPoll struct {
	Multiple    bool
	Options     []PollOption
	EndTime     *time.Time
	Closed      *time.Time // when it closed, once it has
	VotersCount *int
}

// pollObject returns the ActivityPub view of a status's poll, or nil.
func (s *Store) pollObject(ctx context.Context, q querier, statusID string) (*ObjectPoll, error) {
	rows, _ := q.Query(ctx, `SELECT `+pollColumns+` FROM polls WHERE status_id = $1`, statusID)
	p, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[pollRow])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("poll of %s: %w", statusID, err)
	}
	v := p.view(s.Now())
	return &ObjectPoll{Multiple: p.Multiple, Options: v.Options, EndTime: p.ExpiresAt, Closed: p.closedAt(s.Now()),
		VotersCount: p.VotersCount}, nil
}
