package roundtable

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Phase is where a consultation stands.
type Phase string

// Phases, in order.
const (
	PhaseDraft     Phase = "draft"     // being prepared: nobody contributes yet
	PhaseOpen      Phase = "open"      // new threads and replies
	PhaseSynthesis Phase = "synthesis" // replies only; facilitators write the synthesis
	PhaseClosed    Phase = "closed"    // a read-only archive
)

// ParsePhase returns the phase named s.
func ParsePhase(s string) (Phase, error) {
	switch p := Phase(s); p {
	case PhaseDraft, PhaseOpen, PhaseSynthesis, PhaseClosed:
		return p, nil
	}
	return "", Invalid("phase", "must be draft, open, synthesis or closed")
}

// Participation says who may join a consultation.
type Participation string

// Participation policies.
const (
	ParticipationOpen     Participation = "open"     // anyone not blocked
	ParticipationApproval Participation = "approval" // joins are approved by facilitators
	ParticipationMembers  Participation = "members"  // this instance's members and trusted peers' accounts
)

// ParseParticipation returns the policy named s.
func ParseParticipation(s string) (Participation, error) {
	switch p := Participation(s); p {
	case ParticipationOpen, ParticipationApproval, ParticipationMembers:
		return p, nil
	}
	return "", Invalid("participation", "must be open, approval or members")
}

// Attribution says how contributions are credited.
type Attribution string

// Attribution modes.
const (
	AttributionNamed   Attribution = "named"   // under the author's name
	AttributionChatham Attribution = "chatham" // under the consultation's name; the author known to moderators only
)

// ParseAttribution returns the mode named s.
func ParseAttribution(s string) (Attribution, error) {
	switch a := Attribution(s); a {
	case AttributionNamed, AttributionChatham:
		return a, nil
	}
	return "", Invalid("attribution", "must be named or chatham")
}

// Consultation is a discussion space hosted here: a Group actor with a
// prompt, norms, a phase and rules for who takes part.
type Consultation struct {
	AccountID     string        `db:"account_id"`
	Slug          string        `db:"username"`
	Title         string        `db:"title"`
	PromptSource  string        `db:"prompt_source"`
	Prompt        string        `db:"prompt"` // HTML
	Description   string        `db:"description"`
	Norms         []string      `db:"norms"`
	Phase         Phase         `db:"phase"`
	Participation Participation `db:"participation"`
	Attribution   Attribution   `db:"attribution"`
	Languages     []string      `db:"languages"`
	HideCounts    bool          `db:"hide_counts"`
	OpensAt       *time.Time    `db:"opens_at"`
	SynthesisAt   *time.Time    `db:"synthesis_at"`
	ClosesAt      *time.Time    `db:"closes_at"`
	SynthesisID   *string       `db:"synthesis_id"`
	CreatedAt     time.Time     `db:"created_at"`
	UpdatedAt     time.Time     `db:"updated_at"`

	Facilitators []Account `db:"-"`
	Cohosts      []string  `db:"-"` // the domains of the instances co-hosting it
	Followers    int       `db:"-"`
	Threads      int       `db:"-"`
}

const consultationColumns = `c.account_id, a.username, c.title, c.prompt_source, c.prompt, c.description, c.norms, c.phase,
	c.participation, c.attribution, c.languages, c.hide_counts, c.opens_at, c.synthesis_at, c.closes_at, c.synthesis_id,
	c.created_at, c.updated_at`

// Refusal is a contribution or a join a consultation does not take, with
// the reason in words for the person refused.
type Refusal struct {
	Message string
}

func (e *Refusal) Error() string { return e.Message }

// Unwrap makes errors.Is(err, ErrForbidden) hold.
func (e *Refusal) Unwrap() error { return ErrForbidden }

// Contribution kinds, for the phase rules.
const (
	ContributeThread = "thread" // a new thread
	ContributeReply  = "reply"  // a reply in a thread
	ContributeLike   = "like"
)

// Allows reports, as an error saying why not, whether the consultation
// takes a contribution of the given kind in its current phase. Every entry
// point (web, client API, inbox) asks here.
func (c *Consultation) Allows(kind string) error {
	switch c.Phase {
	case PhaseDraft:
		return &Refusal{fmt.Sprintf("The consultation %q has not opened yet.", c.Title)}
	case PhaseClosed:
		return &Refusal{fmt.Sprintf("The consultation %q is closed: it is kept as a read-only archive.", c.Title)}
	case PhaseSynthesis:
		if kind == ContributeThread {
			return &Refusal{fmt.Sprintf("The consultation %q is in its synthesis phase: new threads are closed, but you can still reply to existing ones.", c.Title)}
		}
	}
	return nil
}

// NewConsultation is what it takes to open a consultation.
type NewConsultation struct {
	Slug          string
	Title         string
	Prompt        string // Markdown
	Description   string
	Norms         []string
	Facilitators  []string // usernames of local members
	Phase         Phase
	Participation Participation
	Attribution   Attribution
	Languages     []string
}

// CreateConsultation opens a consultation: a Group actor @slug@domain in the
// namespace members share.
func (s *Store) CreateConsultation(ctx context.Context, nc NewConsultation) (*Consultation, error) {
	nc.Slug = strings.TrimSpace(nc.Slug)
	nc.Title = strings.TrimSpace(nc.Title)
	if err := ValidateUsername(nc.Slug); err != nil {
		return nil, &ValidationError{Field: "slug", Message: "must be 1 to 30 letters, digits or underscores"}
	}
	if reservedNames[strings.ToLower(nc.Slug)] {
		return nil, Invalid("slug", "%q is reserved", nc.Slug)
	}
	if nc.Title == "" || len([]rune(nc.Title)) > 200 {
		return nil, Invalid("title", "must be 1 to 200 characters")
	}
	if len([]rune(nc.Prompt)) > 5000 || len([]rune(nc.Description)) > 5000 {
		return nil, Invalid("prompt", "must be at most 5000 characters")
	}
	if len(nc.Norms) > 50 {
		return nil, Invalid("norms", "at most 50")
	}
	if nc.Phase == "" {
		nc.Phase = PhaseOpen
	}
	if nc.Participation == "" {
		nc.Participation = ParticipationOpen
	}
	if nc.Attribution == "" {
		nc.Attribution = AttributionNamed
	}
	if _, err := ParsePhase(string(nc.Phase)); err != nil {
		return nil, err
	}
	if _, err := ParseParticipation(string(nc.Participation)); err != nil {
		return nil, err
	}
	if _, err := ParseAttribution(string(nc.Attribution)); err != nil {
		return nil, err
	}
	var facilitators []string
	for _, name := range nc.Facilitators {
		m, err := s.MemberByUsername(ctx, name)
		if errors.Is(err, ErrNotFound) {
			return nil, Invalid("moderator", "no member is called %q", name)
		}
		if err != nil {
			return nil, err
		}
		facilitators = append(facilitators, m.ID)
	}
	if s.links.Base == "" {
		return nil, errors.New("the instance's domain is not known yet: start serve once, or set ROUNDTABLE_DOMAIN")
	}
	priv, pub, err := s.keyPair()
	if err != nil {
		return nil, err
	}
	uri, url, inbox, shared, outbox, followers, following, keyID := s.localActorValues(nc.Slug)
	prompt := RenderMarkdown(nc.Prompt, nil).HTML
	now := s.Now()
	id := NewID(now)
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO accounts (id, username, display_name, note, locked, bot, discoverable, created_at, updated_at,
			actor_type, uri, url, inbox, shared_inbox, outbox, followers_url, following_url, public_key_id, public_key_pem, private_key_pem)
			VALUES ($1, $2, $3, $4, $5, false, true, $6, $6, 'Group', $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
			id, nc.Slug, nc.Title, prompt, nc.Participation == ParticipationApproval, now,
			uri, url, inbox, shared, outbox, followers, following, keyID, pub, priv)
		if isUniqueViolation(err) {
			return &ConflictError{Message: "That name is taken by a member or another consultation."}
		}
		if err != nil {
			return err
		}
		norms := nc.Norms
		if norms == nil {
			norms = []string{}
		}
		langs := nc.Languages
		if langs == nil {
			langs = []string{}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO consultations (account_id, title, prompt_source, prompt, description, norms,
			phase, participation, attribution, languages, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
			id, nc.Title, nc.Prompt, prompt, nc.Description, norms, nc.Phase, nc.Participation, nc.Attribution, langs, now); err != nil {
			return err
		}
		for _, f := range facilitators {
			if _, err := tx.Exec(ctx, `INSERT INTO facilitators (consultation_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, id, f); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("create consultation %s: %w", nc.Slug, err)
	}
	return s.Consultation(ctx, nc.Slug)
}

// Consultation returns the consultation hosted here under slug.
func (s *Store) Consultation(ctx context.Context, slug string) (*Consultation, error) {
	return s.consultationWhere(ctx, s.reader(ctx), "lower(a.username) = lower($1) AND a.domain IS NULL", slug)
}

// ConsultationByAccount returns the consultation whose Group account is id.
func (s *Store) ConsultationByAccount(ctx context.Context, id string) (*Consultation, error) {
	return s.consultationWhere(ctx, s.reader(ctx), "c.account_id = $1", id)
}

func (s *Store) consultationWhere(ctx context.Context, q querier, where string, arg any) (*Consultation, error) {
	rows, _ := q.Query(ctx, `SELECT `+consultationColumns+` FROM consultations c JOIN accounts a ON a.id = c.account_id WHERE `+where, arg)
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Consultation])
	if err != nil {
		return nil, notFound(err, "consultation")
	}
	rows, _ = q.Query(ctx, `SELECT `+accountColumns+` FROM facilitators f JOIN accounts a ON a.id = f.account_id
		WHERE f.consultation_id = $1 ORDER BY a.username`, c.AccountID)
	if c.Facilitators, err = pgx.CollectRows(rows, pgx.RowToStructByName[Account]); err != nil {
		return nil, fmt.Errorf("facilitators: %w", err)
	}
	if c.Cohosts, err = cohostDomains(ctx, q, c.AccountID); err != nil {
		return nil, err
	}
	if err := q.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM follows WHERE target_account_id = $1 AND accepted),
		(SELECT count(*) FROM statuses WHERE group_id = $1 AND in_reply_to_id IS NULL AND in_reply_to_uri IS NULL)`,
		c.AccountID).Scan(&c.Followers, &c.Threads); err != nil {
		return nil, fmt.Errorf("consultation counts: %w", err)
	}
	return c, nil
}

// Consultations lists the consultations hosted here, newest first; drafts
// only when withDrafts.
func (s *Store) Consultations(ctx context.Context, withDrafts bool) ([]*Consultation, error) {
	rows, _ := s.pool.Query(ctx, `SELECT a.username FROM consultations c JOIN accounts a ON a.id = c.account_id
		WHERE $1 OR c.phase <> 'draft' ORDER BY c.created_at DESC LIMIT 200`, withDrafts)
	slugs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list consultations: %w", err)
	}
	out := make([]*Consultation, 0, len(slugs))
	for _, slug := range slugs {
		c, err := s.Consultation(ctx, slug)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// IsFacilitator reports whether the member facilitates the consultation.
func (c *Consultation) IsFacilitator(m *Member) bool {
	if m == nil {
		return false
	}
	if m.Role == RoleAdmin {
		return true
	}
	for _, f := range c.Facilitators {
		if f.ID == m.ID {
			return true
		}
	}
	return false
}

// ConsultationUpdate holds the fields of a change; nil fields stay.
type ConsultationUpdate struct {
	Title         *string
	Prompt        *string
	Description   *string
	Phase         *Phase
	Participation *Participation
	Norms         *[]string
	// HideCounts hides reaction counts while the consultation is open.
	HideCounts *bool
	// Phase dates: nil leaves a date as it is; a DateChange whose At is
	// nil clears it.
	OpensAt, SynthesisAt, ClosesAt *DateChange
}

// DateChange sets a date, or clears it when At is nil.
type DateChange struct{ At *time.Time }

// UpdateConsultation changes a consultation; its followers hear of it as an
// Update of the Group.
func (s *Store) UpdateConsultation(ctx context.Context, slug string, u ConsultationUpdate) (*Consultation, error) {
	c, err := s.Consultation(ctx, slug)
	if err != nil {
		return nil, err
	}
	if u.Title != nil {
		t := strings.TrimSpace(*u.Title)
		if t == "" || len([]rune(t)) > 200 {
			return nil, Invalid("title", "must be 1 to 200 characters")
		}
		c.Title = t
	}
	if u.Prompt != nil {
		if len([]rune(*u.Prompt)) > 5000 {
			return nil, Invalid("prompt", "must be at most 5000 characters")
		}
		c.PromptSource, c.Prompt = *u.Prompt, RenderMarkdown(*u.Prompt, nil).HTML
	}
	if u.Description != nil {
		if len([]rune(*u.Description)) > 5000 {
			return nil, Invalid("description", "must be at most 5000 characters")
		}
		c.Description = *u.Description
	}
	if u.Phase != nil {
		if _, err := ParsePhase(string(*u.Phase)); err != nil {
			return nil, err
		}
		c.Phase = *u.Phase
	}
	if u.Participation != nil {
		if _, err := ParseParticipation(string(*u.Participation)); err != nil {
			return nil, err
		}
		c.Participation = *u.Participation
	}
	if u.Norms != nil {
		if len(*u.Norms) > 50 {
			return nil, Invalid("norms", "at most 50")
		}
		c.Norms = *u.Norms
	}
	if err := u.applyDates(c); err != nil {
		return nil, err
	}
	if u.HideCounts != nil {
		c.HideCounts = *u.HideCounts
	}
	now := s.Now()
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE consultations SET title = $2, prompt_source = $3, prompt = $4, description = $5,
			phase = $6, participation = $7, norms = $8, updated_at = $9, opens_at = $10, synthesis_at = $11, closes_at = $12,
			hide_counts = $13 WHERE account_id = $1`,
			c.AccountID, c.Title, c.PromptSource, c.Prompt, c.Description, c.Phase, c.Participation, c.Norms, now,
			c.OpensAt, c.SynthesisAt, c.ClosesAt, c.HideCounts); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET display_name = $2, note = $3, locked = $4, updated_at = $5 WHERE id = $1`,
			c.AccountID, c.Title, c.Prompt, c.Participation == ParticipationApproval, now); err != nil {
			return err
		}
		return s.publishGroupUpdate(ctx, tx, c.AccountID)
	})
	if err != nil {
		return nil, fmt.Errorf("update consultation %s: %w", slug, err)
	}
	return s.Consultation(ctx, slug)
}

// AddFacilitator makes a member a facilitator of a consultation.
func (s *Store) AddFacilitator(ctx context.Context, slug, username string) error {
	c, err := s.Consultation(ctx, slug)
	if err != nil {
		return err
	}
	m, err := s.MemberByUsername(ctx, username)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO facilitators (consultation_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, c.AccountID, m.ID)
	return err
}

// AdvancePhases moves consultations whose phase dates have come, and
// returns how many moved.
func (s *Store) AdvancePhases(ctx context.Context) (int, error) {
	now := s.Now()
	rows, _ := s.pool.Query(ctx, `SELECT a.username,
		CASE WHEN c.closes_at <= $1 AND c.phase <> 'closed' THEN 'closed'
		     WHEN c.synthesis_at <= $1 AND c.phase IN ('draft', 'open') THEN 'synthesis'
		     WHEN c.opens_at <= $1 AND c.phase = 'draft' THEN 'open' END
		FROM consultations c JOIN accounts a ON a.id = c.account_id
		WHERE (c.closes_at <= $1 AND c.phase <> 'closed') OR (c.synthesis_at <= $1 AND c.phase IN ('draft', 'open'))
			OR (c.opens_at <= $1 AND c.phase = 'draft')`, now)
	type move struct {
		Slug  string `db:"username"`
		Phase string `db:"case"`
	}
	moves, err := pgx.CollectRows(rows, pgx.RowToStructByPos[move])
	if err != nil {
		return 0, fmt.Errorf("due phases: %w", err)
	}
	for _, m := range moves {
		p := Phase(m.Phase)
		if _, err := s.UpdateConsultation(ctx, m.Slug, ConsultationUpdate{Phase: &p}); err != nil {
			return 0, err
		}
	}
	return len(moves), nil
}

// SetPhaseDates sets when a consultation opens, enters synthesis and
// closes; nil leaves a date unset.
func (s *Store) SetPhaseDates(ctx context.Context, slug string, opens, synthesis, closes *time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE consultations c SET opens_at = $2, synthesis_at = $3, closes_at = $4
		FROM accounts a WHERE a.id = c.account_id AND lower(a.username) = lower($1) AND a.domain IS NULL`, slug, opens, synthesis, closes)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("consultation %s: %w", slug, ErrNotFound)
	}
	return nil
}

// ThreadURIs returns the ActivityPub ids of the public contributions of a
// thread, oldest first (the thread's context collection), at most limit.
func (s *Store) ThreadURIs(ctx context.Context, contextURI string, limit int) ([]string, error) {
	rows, _ := s.reader(ctx).Query(ctx, `SELECT uri FROM statuses WHERE context_uri = $1 AND uri IS NOT NULL
		AND visibility IN ('public', 'unlisted') AND hidden_at IS NULL AND held_at IS NULL AND NOT local_only
		ORDER BY created_at, id LIMIT $2`, contextURI, limit)
	uris, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("thread %s: %w", contextURI, err)
	}
	return uris, nil
}

// JoinRequests returns the accounts waiting to join a consultation with
// approval, oldest first.
func (s *Store) JoinRequests(ctx context.Context, slug string) ([]*Account, error) {
	c, err := s.Consultation(ctx, slug)
	if err != nil {
		return nil, err
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+accountColumns+` FROM follows f JOIN accounts a ON a.id = f.account_id
		WHERE f.target_account_id = $1 AND NOT f.accepted ORDER BY f.id LIMIT 500`, c.AccountID)
	accounts, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Account])
	if err != nil {
		return nil, fmt.Errorf("join requests: %w", err)
	}
	return accounts, nil
}

// AnswerJoin approves or rejects an account's request to join a
// consultation; only its facilitators (and admins) may.
func (s *Store) AnswerJoin(ctx context.Context, m *Member, slug, accountID string, approve bool) error {
	if strings.Contains(slug, "@") {
		// A consultation hosted elsewhere that this instance co-hosts.
		return s.answerJoinAsCohost(ctx, m, slug, accountID, approve)
	}
	c, err := s.Consultation(ctx, slug)
	if err != nil {
		return err
	}
	if !c.IsFacilitator(m) {
		return fmt.Errorf("answer joins of %s: %w", slug, ErrForbidden)
	}
	if approve {
		return s.authorizeFollow(ctx, c.AccountID, accountID)
	}
	return s.rejectFollow(ctx, c.AccountID, accountID)
}

// Threads returns the threads of a consultation (here or elsewhere) that
// viewerID may see, newest first.
func (s *Store) Threads(ctx context.Context, groupID, viewerID string, p Page) ([]*Status, error) {
	p = p.clamp(20, 40)
	where, order, args := p.sql("s.id", 3)
	return s.statusList(ctx, viewerID, p, `SELECT `+statusColumns+` FROM statuses s
		WHERE s.group_id = $1 AND s.in_reply_to_id IS NULL AND s.in_reply_to_uri IS NULL AND `+visibleTo("$2")+where+order,
		append([]any{groupID, nullable(viewerID)}, args...)...)
}

// ReplyURIs returns the ActivityPub ids of the public replies to the status
// uri, oldest first, at most limit (its replies collection).
func (s *Store) ReplyURIs(ctx context.Context, uri string, limit int) ([]string, error) {
	rows, _ := s.reader(ctx).Query(ctx, `SELECT r.uri FROM statuses p JOIN statuses r ON r.in_reply_to_id = p.id
		WHERE p.uri = $1 AND r.uri IS NOT NULL AND r.visibility IN ('public', 'unlisted') AND r.hidden_at IS NULL AND r.held_at IS NULL
		AND NOT r.local_only ORDER BY r.created_at, r.id LIMIT $2`, uri, limit)
	uris, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("replies of %s: %w", uri, err)
	}
	return uris, nil
}
