package roundtable

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Advisories: the trust network. An instance publishes its own moderation
// decisions (about a domain or an account: labels, a public reason, a
// suggested action, an expiry) to the peers it trusts that subscribe. It
// subscribes to the advisories of the peers it trusts. What arrives is a
// draft in the local queue, with its provenance, and changes nothing until
// a local moderator accepts it (with the suggested or a milder action) or an
// admin's rule acts on it. Received advisories are never passed on, and a
// retraction puts the decisions it caused up for review.

// AdvisoryAction is what an advisory suggests, from mildest to strongest.
type AdvisoryAction string

// Advisory actions. For a domain, limit and block are the peer policies of
// the same names; for an account, block is a suspension.
const (
	AdviseNote  AdvisoryAction = "note"  // for moderators' information only
	AdviseLimit AdvisoryAction = "limit" // reach only followers; contributions held
	AdviseBlock AdvisoryAction = "block" // nothing in or out
)

// ParseAdvisoryAction returns the action named s.
func ParseAdvisoryAction(s string) (AdvisoryAction, error) {
	switch a := AdvisoryAction(s); a {
	case AdviseNote, AdviseLimit, AdviseBlock:
		return a, nil
	}
	return "", Invalid("action", "must be note, limit or block")
}

func (a AdvisoryAction) rank() int {
	switch a {
	case AdviseLimit:
		return 1
	case AdviseBlock:
		return 2
	}
	return 0
}

// policyRank places a peer policy on the scale of advisory actions.
func policyRank(p Policy) int {
	switch p {
	case PolicyLimit:
		return 1
	case PolicyBlock:
		return 2
	}
	return 0
}

// Advisory states.
const (
	AdvisoryIssued    = "issued"    // published by this instance
	AdvisoryDraft     = "draft"     // received, waiting for a moderator
	AdvisoryAccepted  = "accepted"  // received, acted on
	AdvisoryDismissed = "dismissed" // received, set aside
)

// Advisory is one advisory, issued here or received from a peer.
type Advisory struct {
	ID              string         `db:"id" json:"id"`
	URI             string         `db:"uri" json:"uri"`
	IssuerDomain    *string        `db:"issuer_domain" json:"issuer_domain"` // nil: issued here
	IssuerURI       string         `db:"issuer_uri" json:"issuer_uri"`
	Subject         string         `db:"subject" json:"subject"`
	SubjectKind     string         `db:"subject_kind" json:"subject_kind"` // domain or account
	Labels          []string       `db:"labels" json:"labels"`
	SuggestedAction AdvisoryAction `db:"suggested_action" json:"suggested_action"`
	Summary         string         `db:"summary" json:"summary"`
	PublishedAt     time.Time      `db:"published_at" json:"published_at"`
	UpdatedAt       *time.Time     `db:"updated_at" json:"updated_at"`
	ExpiresAt       *time.Time     `db:"expires_at" json:"expires_at"`
	RetractedAt     *time.Time     `db:"retracted_at" json:"retracted_at"`
	ReceivedAt      *time.Time     `db:"received_at" json:"received_at"`
	State           string         `db:"state" json:"state"`
	DecidedBy       *string        `db:"decided_by" json:"decided_by"`
	DecidedAt       *time.Time     `db:"decided_at" json:"decided_at"`
	DecisionReason  string         `db:"decision_reason" json:"decision_reason"`
	CreatedBy       *string        `db:"created_by" json:"-"`
}

// Active reports whether the advisory is neither retracted nor expired.
func (a *Advisory) Active(now time.Time) bool {
	return a.RetractedAt == nil && (a.ExpiresAt == nil || a.ExpiresAt.After(now))
}

const advisoryColumns = `id, uri, issuer_domain, issuer_uri, subject, subject_kind, labels, suggested_action, summary,
	published_at, updated_at, expires_at, retracted_at, received_at, state, decided_by, decided_at, decision_reason, created_by`

// NewAdvisory is what a moderator publishes.
type NewAdvisory struct {
	Subject   string // a domain, or an account's ActivityPub id
	Labels    []string
	Action    AdvisoryAction
	Summary   string // the public reason
	ExpiresAt *time.Time
}

// Advisory limits.
const (
	maxAdvisorySummary = 2000
	maxAdvisoryLabels  = 10
	maxAdvisoryLabel   = 100
)

// advisorySubject checks and normalises a subject: a domain name, or the
// https (or, in development, http) id of an account.
func (s *Store) advisorySubject(subject string) (string, string, error) {
	subject = strings.TrimSpace(subject)
	kind := "domain"
	host := strings.ToLower(subject)
	if strings.HasPrefix(subject, "https://") || strings.HasPrefix(subject, "http://") {
		u, err := url.Parse(subject)
		if err != nil || u.Host == "" || u.Path == "" || u.Path == "/" {
			return "", "", Invalid("subject", "an account must be named by its ActivityPub id")
		}
		kind, host = "account", strings.ToLower(u.Host)
	} else {
		if host == "" || strings.ContainsAny(host, "/ @") || len(host) > 253 {
			return "", "", Invalid("subject", "must be a domain such as example.org or an account's ActivityPub id")
		}
		subject = host
	}
	if host == strings.ToLower(s.links.Domain()) {
		return "", "", Invalid("subject", "an advisory cannot be about this instance")
	}
	return subject, kind, nil
}

func checkAdvisoryText(labels []string, summary string) ([]string, error) {
	if strings.TrimSpace(summary) == "" || len([]rune(summary)) > maxAdvisorySummary {
		return nil, Invalid("summary", "an advisory needs a public reason of at most %d characters", maxAdvisorySummary)
	}
	if len(labels) > maxAdvisoryLabels {
		return nil, Invalid("labels", "at most %d labels", maxAdvisoryLabels)
	}
	out := []string{}
	for _, l := range labels {
		l = strings.TrimSpace(l)
		if l == "" || len([]rune(l)) > maxAdvisoryLabel {
			return nil, Invalid("labels", "each label is 1 to %d characters", maxAdvisoryLabel)
		}
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out, nil
}

// AdvisoryURI returns the id of an advisory issued here.
func (l Links) AdvisoryURI(id string) string { return l.Advisories() + "/" + id }

// Advisories returns the id of the collection of advisories issued here.
func (l Links) Advisories() string { return l.Base + "/advisories" }

// PublishAdvisory publishes an advisory of this instance to the trusted
// peers that subscribe to its advisories.
func (s *Store) PublishAdvisory(ctx context.Context, m *Member, na NewAdvisory) (*Advisory, error) {
	if !isModerator(m) {
		return nil, fmt.Errorf("publish an advisory: %w", ErrForbidden)
	}
	subject, kind, err := s.advisorySubject(na.Subject)
	if err != nil {
		return nil, err
	}
	action, err := ParseAdvisoryAction(string(na.Action))
	if err != nil {
		return nil, err
	}
	labels, err := checkAdvisoryText(na.Labels, na.Summary)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	if na.ExpiresAt != nil && !na.ExpiresAt.After(now) {
		return nil, Invalid("expires_at", "must be in the future")
	}
	id := NewID(now)
	var a *Advisory
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO advisories (id, uri, issuer_domain, issuer_uri, subject, subject_kind, labels,
			suggested_action, summary, published_at, expires_at, state, created_by)
			VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8, $9, $10, 'issued', $11)`,
			id, s.links.AdvisoryURI(id), s.links.InstanceActor(), subject, kind, labels, action, strings.TrimSpace(na.Summary),
			now, na.ExpiresAt, m.ID); err != nil {
			return err
		}
		if a, err = s.advisory(ctx, tx, "id = $1", id); err != nil {
			return err
		}
		if err := s.logActionBasedOn(ctx, tx, &m.ID, string(m.Role), "advisory_publish", subject, a.Summary, []string{a.URI}); err != nil {
			return err
		}
		return s.publishAdvisory(ctx, tx, OutAdvisory, a)
	})
	if err != nil {
		return nil, fmt.Errorf("publish advisory: %w", err)
	}
	return a, nil
}

// RetractAdvisory withdraws an advisory issued here: its subscribers are
// told with a Delete.
func (s *Store) RetractAdvisory(ctx context.Context, m *Member, id, reason string) (*Advisory, error) {
	if !isModerator(m) {
		return nil, fmt.Errorf("retract an advisory: %w", ErrForbidden)
	}
	reason = strings.TrimSpace(reason)
	if len([]rune(reason)) > 1000 {
		return nil, Invalid("reason", "must be at most 1000 characters")
	}
	var a *Advisory
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if a, err = s.advisory(ctx, tx, "id = $1 AND issuer_domain IS NULL FOR UPDATE", id); err != nil {
			return err
		}
		if a.RetractedAt != nil {
			return Conflict("this advisory was already retracted")
		}
		now := s.Now()
		if _, err := tx.Exec(ctx, `UPDATE advisories SET retracted_at = $2 WHERE id = $1`, id, now); err != nil {
			return err
		}
		a.RetractedAt = &now
		if err := s.logActionBasedOn(ctx, tx, &m.ID, string(m.Role), "advisory_retract", a.Subject, reason, []string{a.URI}); err != nil {
			return err
		}
		return s.publishAdvisory(ctx, tx, OutRetractAdvisory, a)
	})
	if err != nil {
		return nil, fmt.Errorf("retract advisory %s: %w", id, err)
	}
	return a, nil
}

// UpdateAdvisory changes an advisory issued here (its public reason,
// labels, suggested action or expiry); its subscribers receive the new
// version. Fields left nil stay as they are.
func (s *Store) UpdateAdvisory(ctx context.Context, m *Member, id string, u AdvisoryUpdate) (*Advisory, error) {
	if !isModerator(m) {
		return nil, fmt.Errorf("change an advisory: %w", ErrForbidden)
	}
	var a *Advisory
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if a, err = s.advisory(ctx, tx, "id = $1 AND issuer_domain IS NULL FOR UPDATE", id); err != nil {
			return err
		}
		if a.RetractedAt != nil {
			return Conflict("this advisory was retracted")
		}
		if u.Summary != nil {
			a.Summary = strings.TrimSpace(*u.Summary)
		}
		if u.Labels != nil {
			a.Labels = u.Labels
		}
		if a.Labels, err = checkAdvisoryText(a.Labels, a.Summary); err != nil {
			return err
		}
		if u.Action != nil {
			if a.SuggestedAction, err = ParseAdvisoryAction(string(*u.Action)); err != nil {
				return err
			}
		}
		now := s.Now()
		if u.ExpiresAt != nil {
			if !u.ExpiresAt.After(now) {
				return Invalid("expires_at", "must be in the future")
			}
			a.ExpiresAt = u.ExpiresAt
		}
		a.UpdatedAt = &now
		if _, err := tx.Exec(ctx, `UPDATE advisories SET summary = $2, labels = $3, suggested_action = $4, expires_at = $5,
			updated_at = $6 WHERE id = $1`, id, a.Summary, a.Labels, a.SuggestedAction, a.ExpiresAt, now); err != nil {
			return err
		}
		if err := s.logActionBasedOn(ctx, tx, &m.ID, string(m.Role), "advisory_update", a.Subject, a.Summary, []string{a.URI}); err != nil {
			return err
		}
		return s.publishAdvisory(ctx, tx, OutUpdateAdvisory, a)
	})
	if err != nil {
		return nil, fmt.Errorf("change advisory %s: %w", id, err)
	}
	return a, nil
}

// AdvisoryUpdate is a change to an advisory issued here.
type AdvisoryUpdate struct {
	Summary   *string
	Labels    []string
	Action    *AdvisoryAction
	ExpiresAt *time.Time
}

// publishAdvisory sends an advisory, or its retraction, to the subscribers
// this instance still trusts.
func (s *Store) publishAdvisory(ctx context.Context, tx pgx.Tx, kind string, a *Advisory) error {
	inst, err := s.InstanceActor(ctx)
	if err != nil {
		return err
	}
	rows, _ := tx.Query(ctx, `SELECT s.inbox FROM advisory_subscribers s JOIN peers p ON p.domain = s.domain
		WHERE p.policy = 'trust' ORDER BY s.domain`)
	inboxes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	return s.publish(ctx, tx, &Outgoing{Kind: kind, Actor: inst, Advisory: a, ObjectURI: a.URI, Inboxes: inboxes})
}

func (s *Store) advisory(ctx context.Context, q querier, where string, args ...any) (*Advisory, error) {
	rows, _ := q.Query(ctx, `SELECT `+advisoryColumns+` FROM advisories WHERE `+where, args...)
	a, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Advisory])
	if err != nil {
		return nil, notFound(err, "advisory")
	}
	return a, nil
}

// IssuedAdvisories returns the advisories this instance publishes now
// (neither retracted nor expired), newest first, for the peers it trusts.
func (s *Store) IssuedAdvisories(ctx context.Context, limit int) ([]*Advisory, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+advisoryColumns+` FROM advisories
		WHERE issuer_domain IS NULL AND retracted_at IS NULL AND (expires_at IS NULL OR expires_at > $1)
		ORDER BY published_at DESC LIMIT $2`, s.Now(), limit)
	as, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Advisory])
	if err != nil {
		return nil, fmt.Errorf("issued advisories: %w", err)
	}
	return as, nil
}

// IssuedAdvisory returns an advisory issued here by its id (retracted ones
// too: they are served as gone).
func (s *Store) IssuedAdvisory(ctx context.Context, uri string) (*Advisory, error) {
	return s.advisory(ctx, s.pool, "uri = $1 AND issuer_domain IS NULL", uri)
}

// AdvisoryFilter selects advisories for moderators.
type AdvisoryFilter struct {
	Issued bool   // those issued here, instead of those received
	State  string // received ones in this state only ("" for all)
}

// Advisories lists advisories for the instance's moderators: received ones
// (drafts first, then newest) or those issued here.
func (s *Store) Advisories(ctx context.Context, m *Member, f AdvisoryFilter) ([]*Advisory, error) {
	if !isModerator(m) {
		return nil, fmt.Errorf("advisories: %w", ErrForbidden)
	}
	where := "issuer_domain IS NOT NULL AND ($1 = '' OR state = $1)"
	if f.Issued {
		where = "issuer_domain IS NULL AND $1 = $1"
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+advisoryColumns+` FROM advisories WHERE `+where+`
		ORDER BY state = 'draft' DESC, published_at DESC LIMIT 500`, f.State)
	as, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Advisory])
	if err != nil {
		return nil, fmt.Errorf("advisories: %w", err)
	}
	return as, nil
}

// IncomingAdvisory is an advisory as a peer sent it.
type IncomingAdvisory struct {
	URI       string
	Subject   string
	Labels    []string
	Action    string
	Summary   string
	Published time.Time
	Updated   *time.Time
	Expires   *time.Time
}

// ReceiveAdvisory stores an advisory from issuer (a peer's instance actor)
// as a draft, or updates the one it replaces, and applies the admins'
// rules. Advisories come only from trusted peers this instance subscribes
// to; anything else is refused with ErrForbidden.
func (s *Store) ReceiveAdvisory(ctx context.Context, issuer *Account, in IncomingAdvisory) error {
	if issuer.Domain == nil {
		return fmt.Errorf("advisory from a local account: %w", ErrForbidden)
	}
	domain := strings.ToLower(*issuer.Domain)
	if err := s.fromSubscription(ctx, domain); err != nil {
		return err
	}
	if !sameHostAs(in.URI, domain) {
		return Invalid("id", "an advisory's id must be on its issuer's host")
	}
	subject, kind, err := s.advisorySubject(in.Subject)
	if err != nil {
		return err
	}
	action, err := ParseAdvisoryAction(in.Action)
	if err != nil {
		return err
	}
	labels, err := checkAdvisoryText(in.Labels, in.Summary)
	if err != nil {
		return err
	}
	now := s.Now()
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var issuerDomain *string
		err := tx.QueryRow(ctx, `SELECT issuer_domain FROM advisories WHERE uri = $1 FOR UPDATE`, in.URI).Scan(&issuerDomain)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			if _, err := tx.Exec(ctx, `INSERT INTO advisories (id, uri, issuer_domain, issuer_uri, subject, subject_kind, labels,
				suggested_action, summary, published_at, updated_at, expires_at, received_at, state)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'draft')`,
				NewID(now), in.URI, domain, issuer.URI, subject, kind, labels, action, strings.TrimSpace(in.Summary),
				in.Published, in.Updated, in.Expires, now); err != nil {
				return err
			}
		case err != nil:
			return err
		case issuerDomain == nil || *issuerDomain != domain:
			return fmt.Errorf("advisory %s belongs to another issuer: %w", in.URI, ErrForbidden)
		default:
			if _, err := tx.Exec(ctx, `UPDATE advisories SET subject = $2, subject_kind = $3, labels = $4, suggested_action = $5,
				summary = $6, updated_at = $7, expires_at = $8 WHERE uri = $1`,
				in.URI, subject, kind, labels, action, strings.TrimSpace(in.Summary), coalesceTime(in.Updated, now), in.Expires); err != nil {
				return err
			}
		}
		if kind == "domain" {
			return s.applyAdvisoryRules(ctx, tx, subject)
		}
		return nil
	})
}

func coalesceTime(t *time.Time, d time.Time) time.Time {
	if t != nil {
		return *t
	}
	return d
}

func sameHostAs(uri, domain string) bool {
	u, err := url.Parse(uri)
	return err == nil && strings.EqualFold(u.Host, domain)
}

// fromSubscription checks that advisories from domain are welcome: this
// instance trusts it and subscribes to its advisories.
func (s *Store) fromSubscription(ctx context.Context, domain string) error {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM advisory_subscriptions s JOIN peers p ON p.domain = s.domain
		WHERE s.domain = $1 AND p.policy = 'trust')`, domain).Scan(&ok)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("advisories from %s: not a trusted peer this instance subscribes to: %w", domain, ErrForbidden)
	}
	return nil
}

// ReceiveAdvisoryRetraction applies a peer's retraction of one of its
// advisories: it stops counting, a draft leaves the queue, and every
// decision based on it is flagged for review. It reports whether uri named
// an advisory of issuer.
func (s *Store) ReceiveAdvisoryRetraction(ctx context.Context, issuer *Account, uri string) (bool, error) {
	if issuer.Domain == nil {
		return false, nil
	}
	found := false
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		a, err := s.advisory(ctx, tx, "uri = $1 AND issuer_domain = $2 FOR UPDATE", uri, strings.ToLower(*issuer.Domain))
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		if a.RetractedAt != nil {
			return nil
		}
		now := s.Now()
		if _, err := tx.Exec(ctx, `UPDATE advisories SET retracted_at = $2 WHERE id = $1`, a.ID, now); err != nil {
			return err
		}
		why := fmt.Sprintf("%s retracted its advisory about %s (%q)", *a.IssuerDomain, a.Subject, a.Summary)
		tag, err := tx.Exec(ctx, `UPDATE advisory_decisions SET review_since = $2, review_reason = $3
			WHERE $1 = ANY(based_on) AND reviewed_at IS NULL AND review_since IS NULL`, a.ID, now, why)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 && a.State != AdvisoryAccepted {
			return nil
		}
		return s.logActionBasedOn(ctx, tx, nil, "peer", "advisory_retracted", a.Subject, why, []string{a.URI})
	})
	return found, err
}

// AdvisoryDecision is a local decision taken on the strength of
// advisories, by a moderator or by a rule.
type AdvisoryDecision struct {
	ID           string     `db:"id" json:"id"`
	Subject      string     `db:"subject" json:"subject"`
	SubjectKind  string     `db:"subject_kind" json:"subject_kind"`
	Action       string     `db:"action" json:"action"`
	Previous     string     `db:"previous" json:"previous"` // the policy it replaced
	Reason       string     `db:"reason" json:"reason"`
	BasedOn      []string   `db:"based_on" json:"based_on"` // advisory ids
	DecidedBy    *string    `db:"decided_by" json:"decided_by"`
	RuleID       *string    `db:"rule_id" json:"rule_id"`
	CreatedAt    time.Time  `db:"created_at" json:"created_at"`
	ReviewSince  *time.Time `db:"review_since" json:"review_since"`
	ReviewReason string     `db:"review_reason" json:"review_reason"`
	ReviewedAt   *time.Time `db:"reviewed_at" json:"reviewed_at"`
	ReviewedBy   *string    `db:"reviewed_by" json:"reviewed_by"`
}

const decisionColumns = `id, subject, subject_kind, action, previous, reason, based_on, decided_by, rule_id, created_at,
	review_since, review_reason, reviewed_at, reviewed_by`

// AcceptAdvisory acts on a received advisory: the suggested action, or a
// milder one. The decision and the log name the advisory it relied on.
func (s *Store) AcceptAdvisory(ctx context.Context, m *Member, id string, action AdvisoryAction, reason string) (*AdvisoryDecision, error) {
	if !isModerator(m) {
		return nil, fmt.Errorf("accept an advisory: %w", ErrForbidden)
	}
	reason = strings.TrimSpace(reason)
	if len([]rune(reason)) > 1000 {
		return nil, Invalid("reason", "must be at most 1000 characters")
	}
	var d *AdvisoryDecision
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		a, err := s.advisory(ctx, tx, "id = $1 AND issuer_domain IS NOT NULL FOR UPDATE", id)
		if err != nil {
			return err
		}
		if a.State != AdvisoryDraft {
			return Conflict("this advisory was already " + a.State)
		}
		if !a.Active(s.Now()) {
			return Conflict("this advisory was retracted or has expired")
		}
		if action == "" {
			action = a.SuggestedAction
		}
		if _, err := ParseAdvisoryAction(string(action)); err != nil {
			return err
		}
		if action.rank() > a.SuggestedAction.rank() {
			return Invalid("action", "may be the suggested action (%s) or a milder one", a.SuggestedAction)
		}
		if reason == "" {
			reason = fmt.Sprintf("Advisory from %s: %s", *a.IssuerDomain, a.Summary)
		}
		if d, err = s.decide(ctx, tx, &m.ID, nil, a.Subject, a.SubjectKind, action, reason, []*Advisory{a}); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE advisories SET state = 'accepted', decided_by = $2, decided_at = $3, decision_reason = $4
			WHERE id = $1`, a.ID, m.ID, s.Now(), reason)
		if err != nil {
			return err
		}
		return s.logActionBasedOn(ctx, tx, &m.ID, string(m.Role), "advisory_accept:"+string(action), a.Subject, reason, []string{a.URI})
	})
	if err != nil {
		return nil, fmt.Errorf("accept advisory %s: %w", id, err)
	}
	return d, nil
}

// DismissAdvisory sets a received advisory aside: nothing changes here.
func (s *Store) DismissAdvisory(ctx context.Context, m *Member, id, reason string) (*Advisory, error) {
	if !isModerator(m) {
		return nil, fmt.Errorf("dismiss an advisory: %w", ErrForbidden)
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len([]rune(reason)) > 1000 {
		return nil, Invalid("reason", "dismissing needs a reason of at most 1000 characters")
	}
	var a *Advisory
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if a, err = s.advisory(ctx, tx, "id = $1 AND issuer_domain IS NOT NULL FOR UPDATE", id); err != nil {
			return err
		}
		if a.State != AdvisoryDraft {
			return Conflict("this advisory was already " + a.State)
		}
		now := s.Now()
		if _, err := tx.Exec(ctx, `UPDATE advisories SET state = 'dismissed', decided_by = $2, decided_at = $3, decision_reason = $4
			WHERE id = $1`, a.ID, m.ID, now, reason); err != nil {
			return err
		}
		a.State, a.DecidedBy, a.DecidedAt, a.DecisionReason = AdvisoryDismissed, &m.ID, &now, reason
		return s.logActionBasedOn(ctx, tx, &m.ID, string(m.Role), "advisory_dismiss", a.Subject, reason, []string{a.URI})
	})
	if err != nil {
		return nil, fmt.Errorf("dismiss advisory %s: %w", id, err)
	}
	return a, nil
}

// decide applies action to subject and records the decision with the
// advisories it relied on.
func (s *Store) decide(ctx context.Context, tx pgx.Tx, by, ruleID *string, subject, kind string, action AdvisoryAction,
	reason string, basis []*Advisory) (*AdvisoryDecision, error) {
	previous := ""
	if kind == "domain" {
		var p Policy
		err := tx.QueryRow(ctx, `SELECT policy FROM peers WHERE domain = $1`, subject).Scan(&p)
		if errors.Is(err, pgx.ErrNoRows) {
			p = PolicyDefault
		} else if err != nil {
			return nil, err
		}
		previous = string(p)
		if action != AdviseNote && policyRank(p) < action.rank() {
			if err := s.setDomainPolicy(ctx, tx, subject, Policy(action), reason, nil); err != nil {
				return nil, err
			}
		}
	} else {
		var suspended, limited bool
		err := tx.QueryRow(ctx, `SELECT suspended_at IS NOT NULL, limited_at IS NOT NULL FROM accounts
			WHERE uri = $1 AND domain IS NOT NULL`, subject).Scan(&suspended, &limited)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return nil, err
		case suspended:
			previous = string(AdviseBlock)
		case limited:
			previous = string(AdviseLimit)
		default:
			previous = string(PolicyDefault)
		}
		if err := s.applyAccountAdvice(ctx, tx, by, subject, action, reason); err != nil {
			return nil, err
		}
	}
	ids := make([]string, len(basis))
	for i, a := range basis {
		ids[i] = a.ID
	}
	now := s.Now()
	id := NewID(now)
	if _, err := tx.Exec(ctx, `INSERT INTO advisory_decisions (id, subject, subject_kind, action, previous, reason, based_on,
		decided_by, rule_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		id, subject, kind, action, previous, reason, ids, by, ruleID, now); err != nil {
		return nil, err
	}
	rows, _ := tx.Query(ctx, `SELECT `+decisionColumns+` FROM advisory_decisions WHERE id = $1`, id)
	return pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[AdvisoryDecision])
}

// applyAccountAdvice acts on an advisory about one account of another
// server: block suspends it here (nothing accepted from it, its content
// hidden), limit limits it. The account must be known here.
func (s *Store) applyAccountAdvice(ctx context.Context, tx pgx.Tx, by *string, subject string, action AdvisoryAction, reason string) error {
	if action == AdviseNote {
		return nil
	}
	var id string
	err := tx.QueryRow(ctx, `SELECT id FROM accounts WHERE uri = $1 AND domain IS NOT NULL`, subject).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Invalid("action", "this account is not known here: accept the advisory as a note")
	}
	if err != nil {
		return err
	}
	switch action {
	case AdviseBlock:
		_, err = tx.Exec(ctx, `UPDATE accounts SET suspended_at = coalesce(suspended_at, $2), updated_at = $2 WHERE id = $1`, id, s.Now())
	case AdviseLimit:
		err = s.limitRemoteAccount(ctx, tx, id)
	}
	return err
}

// AdvisoryDecisions lists the decisions taken on advisories, those flagged
// for review first.
func (s *Store) AdvisoryDecisions(ctx context.Context, m *Member, reviewOnly bool) ([]*AdvisoryDecision, error) {
	if !isModerator(m) {
		return nil, fmt.Errorf("advisory decisions: %w", ErrForbidden)
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+decisionColumns+` FROM advisory_decisions
		WHERE NOT $1 OR (review_since IS NOT NULL AND reviewed_at IS NULL)
		ORDER BY (review_since IS NOT NULL AND reviewed_at IS NULL) DESC, created_at DESC LIMIT 500`, reviewOnly)
	ds, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[AdvisoryDecision])
	if err != nil {
		return nil, fmt.Errorf("advisory decisions: %w", err)
	}
	return ds, nil
}

// ReviewDecision settles a decision flagged for review: kept as it is, or
// reverted to the policy it replaced.
func (s *Store) ReviewDecision(ctx context.Context, m *Member, id string, revert bool, reason string) (*AdvisoryDecision, error) {
	if !isModerator(m) {
		return nil, fmt.Errorf("review a decision: %w", ErrForbidden)
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len([]rune(reason)) > 1000 {
		return nil, Invalid("reason", "a review needs a reason of at most 1000 characters")
	}
	var d *AdvisoryDecision
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT `+decisionColumns+` FROM advisory_decisions WHERE id = $1 FOR UPDATE`, id)
		var err error
		if d, err = pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[AdvisoryDecision]); err != nil {
			return notFound(err, "decision")
		}
		if d.ReviewedAt != nil {
			return Conflict("this decision was already reviewed")
		}
		action := "decision_keep"
		if revert {
			action = "decision_revert"
			if d.SubjectKind == "domain" && d.Previous != "" && d.Action != string(AdviseNote) {
				if err := s.setDomainPolicy(ctx, tx, d.Subject, Policy(d.Previous), reason, nil); err != nil {
					return err
				}
			}
			if d.SubjectKind == "account" && d.Previous != "" && d.Action != string(AdviseNote) {
				if _, err := tx.Exec(ctx, `UPDATE accounts SET
					suspended_at = CASE WHEN $2 = 'block' THEN suspended_at END,
					limited_at = CASE WHEN $2 IN ('block', 'limit') THEN limited_at END
					WHERE uri = $1 AND domain IS NOT NULL`, d.Subject, d.Previous); err != nil {
					return err
				}
			}
		}
		now := s.Now()
		if _, err := tx.Exec(ctx, `UPDATE advisory_decisions SET reviewed_at = $2, reviewed_by = $3 WHERE id = $1`, id, now, m.ID); err != nil {
			return err
		}
		d.ReviewedAt, d.ReviewedBy = &now, &m.ID
		uris, err := s.advisoryURIs(ctx, tx, d.BasedOn)
		if err != nil {
			return err
		}
		return s.logActionBasedOn(ctx, tx, &m.ID, string(m.Role), action, d.Subject, reason, uris)
	})
	if err != nil {
		return nil, fmt.Errorf("review decision %s: %w", id, err)
	}
	return d, nil
}

func (s *Store) advisoryURIs(ctx context.Context, q querier, ids []string) ([]string, error) {
	rows, _ := q.Query(ctx, `SELECT uri FROM advisories WHERE id = ANY($1) ORDER BY uri`, ids)
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// AdvisoryRule lets advisories act without waiting for a moderator: when at
// least MinPeers trusted peers advise at least Advised about a domain,
// Apply is applied (never more than advised, never to a trusted peer).
type AdvisoryRule struct {
	ID        string         `db:"id" json:"id"`
	MinPeers  int            `db:"min_peers" json:"min_peers"`
	Advised   AdvisoryAction `db:"advised" json:"advised"`
	Apply     AdvisoryAction `db:"apply" json:"apply"`
	CreatedBy *string        `db:"created_by" json:"-"`
	CreatedAt time.Time      `db:"created_at" json:"created_at"`
}

// AddAdvisoryRule adds a rule; only admins write rules.
func (s *Store) AddAdvisoryRule(ctx context.Context, m *Member, r AdvisoryRule) (*AdvisoryRule, error) {
	if m == nil || m.Role != RoleAdmin {
		return nil, fmt.Errorf("add an advisory rule: %w", ErrForbidden)
	}
	if r.MinPeers < 1 || r.MinPeers > 100 {
		return nil, Invalid("min_peers", "must be between 1 and 100")
	}
	if r.Advised != AdviseLimit && r.Advised != AdviseBlock {
		return nil, Invalid("advised", "must be limit or block")
	}
	if _, err := ParseAdvisoryAction(string(r.Apply)); err != nil {
		return nil, Invalid("apply", "must be note, limit or block")
	}
	if r.Apply.rank() > r.Advised.rank() {
		return nil, Invalid("apply", "may not be stronger than what is advised")
	}
	now := s.Now()
	r.ID, r.CreatedAt, r.CreatedBy = NewID(now), now, &m.ID
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO advisory_rules (id, min_peers, advised, apply, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, r.ID, r.MinPeers, r.Advised, r.Apply, m.ID, now); err != nil {
			return err
		}
		return s.logActionBasedOn(ctx, tx, &m.ID, string(m.Role), "advisory_rule_add", "rule "+r.ID,
			fmt.Sprintf("%s a domain that %d trusted peers advise to %s", r.Apply, r.MinPeers, r.Advised), nil)
	})
	if err != nil {
		return nil, fmt.Errorf("add advisory rule: %w", err)
	}
	return &r, nil
}

// RemoveAdvisoryRule removes a rule; decisions it took stay.
func (s *Store) RemoveAdvisoryRule(ctx context.Context, m *Member, id string) error {
	if m == nil || m.Role != RoleAdmin {
		return fmt.Errorf("remove an advisory rule: %w", ErrForbidden)
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM advisory_rules WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("advisory rule %s: %w", id, ErrNotFound)
		}
		return s.logActionBasedOn(ctx, tx, &m.ID, string(m.Role), "advisory_rule_remove", "rule "+id, "", nil)
	})
}

// AdvisoryRules lists the rules.
func (s *Store) AdvisoryRules(ctx context.Context) ([]*AdvisoryRule, error) {
	rows, _ := s.pool.Query(ctx, `SELECT id, min_peers, advised, apply, created_by, created_at FROM advisory_rules ORDER BY created_at`)
	rs, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[AdvisoryRule])
	if err != nil {
		return nil, fmt.Errorf("advisory rules: %w", err)
	}
	return rs, nil
}

// applyAdvisoryRules applies the strongest rule that the live advisories
// of trusted peers about domain satisfy.
func (s *Store) applyAdvisoryRules(ctx context.Context, tx pgx.Tx, domain string) error {
	rows, _ := tx.Query(ctx, `SELECT id, min_peers, advised, apply, created_by, created_at FROM advisory_rules`)
	rules, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[AdvisoryRule])
	if err != nil || len(rules) == 0 {
		return err
	}
	rows, _ = tx.Query(ctx, `SELECT `+advisoryColumns+` FROM advisories a
		WHERE a.subject = $1 AND a.issuer_domain IS NOT NULL AND a.state <> 'dismissed' AND a.retracted_at IS NULL
		AND (a.expires_at IS NULL OR a.expires_at > $2)
		AND EXISTS (SELECT 1 FROM peers p WHERE p.domain = a.issuer_domain AND p.policy = 'trust')
		ORDER BY a.published_at`, domain, s.Now())
	live, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Advisory])
	if err != nil {
		return err
	}
	var current Policy
	if err := tx.QueryRow(ctx, `SELECT policy FROM peers WHERE domain = $1`, domain).Scan(&current); errors.Is(err, pgx.ErrNoRows) {
		current = PolicyDefault
	} else if err != nil {
		return err
	}
	if current == PolicyTrust {
		return nil // rules never act against a peer this instance trusts
	}
	slices.SortFunc(rules, func(a, b *AdvisoryRule) int { return b.Apply.rank() - a.Apply.rank() })
	for _, r := range rules {
		var basis []*Advisory
		issuers := map[string]bool{}
		for _, a := range live {
			if a.SuggestedAction.rank() >= r.Advised.rank() {
				basis = append(basis, a)
				issuers[*a.IssuerDomain] = true
			}
		}
		if len(issuers) < r.MinPeers {
			continue
		}
		if r.Apply != AdviseNote && policyRank(current) >= r.Apply.rank() {
			return nil // already as strict
		}
		var names, uris []string
		for d := range issuers {
			names = append(names, d)
		}
		slices.Sort(names)
		for _, a := range basis {
			uris = append(uris, a.URI)
		}
		reason := fmt.Sprintf("%d trusted peers (%s) advise to %s this domain", len(issuers), strings.Join(names, ", "), r.Advised)
		if _, err := s.decide(ctx, tx, nil, &r.ID, domain, "domain", r.Apply, reason, basis); err != nil {
			return err
		}
		ids := make([]string, len(basis))
		for i, a := range basis {
			ids[i] = a.ID
		}
		if _, err := tx.Exec(ctx, `UPDATE advisories SET state = 'accepted', decided_at = $2, decision_reason = $3
			WHERE id = ANY($1) AND state = 'draft'`, ids, s.Now(), "rule "+r.ID+": "+reason); err != nil {
			return err
		}
		return s.logActionBasedOn(ctx, tx, nil, "rule", "advisory_rule:"+string(r.Apply), domain, reason, uris)
	}
	return nil
}

// Subscriptions.

// AdvisorySubscription is this instance reading a trusted peer's
// advisories.
type AdvisorySubscription struct {
	Domain        string     `db:"domain"`
	ActorURI      string     `db:"actor_uri"`
	CollectionURI string     `db:"collection_uri"`
	Inbox         string     `db:"inbox"`
	FollowURI     string     `db:"follow_uri"`
	AcceptedAt    *time.Time `db:"accepted_at"`
	CreatedAt     time.Time  `db:"created_at"`
}

// SaveAdvisorySubscription records a subscription just asked for, as long
// as the peer is still trusted. It reports whether it was recorded.
func (s *Store) SaveAdvisorySubscription(ctx context.Context, sub AdvisorySubscription) (bool, error) {
	tag, err := s.pool.Exec(ctx, `INSERT INTO advisory_subscriptions (domain, actor_uri, collection_uri, inbox, follow_uri, created_at)
		SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM peers WHERE domain = $1 AND policy = 'trust')
		ON CONFLICT (domain) DO UPDATE SET actor_uri = excluded.actor_uri, collection_uri = excluded.collection_uri,
			inbox = excluded.inbox, follow_uri = excluded.follow_uri, accepted_at = NULL, created_at = excluded.created_at`,
		strings.ToLower(sub.Domain), sub.ActorURI, sub.CollectionURI, sub.Inbox, sub.FollowURI, s.Now())
	if err != nil {
		return false, fmt.Errorf("save advisory subscription: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// AdvisorySubscriptionAnswered records a peer's answer to a subscription,
// named by its Follow. It returns the subscription, or ErrNotFound when the
// answer is not about one.
func (s *Store) AdvisorySubscriptionAnswered(ctx context.Context, peer *Account, followURI string, accepted bool) (*AdvisorySubscription, error) {
	if peer.Domain == nil {
		return nil, ErrNotFound
	}
	var q string
	if accepted {
		q = `UPDATE advisory_subscriptions SET accepted_at = coalesce(accepted_at, $3) WHERE follow_uri = $1 AND domain = $2 RETURNING *`
	} else {
		q = `DELETE FROM advisory_subscriptions WHERE follow_uri = $1 AND domain = $2 AND $3::timestamptz IS NOT NULL RETURNING *`
	}
	rows, _ := s.pool.Query(ctx, q, followURI, strings.ToLower(*peer.Domain), s.Now())
	sub, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[AdvisorySubscription])
	if err != nil {
		return nil, notFound(err, "advisory subscription")
	}
	return sub, nil
}

// AdvisorySubscriptions lists the peers whose advisories this instance
// reads.
func (s *Store) AdvisorySubscriptions(ctx context.Context) ([]*AdvisorySubscription, error) {
	rows, _ := s.pool.Query(ctx, `SELECT * FROM advisory_subscriptions ORDER BY domain`)
	return pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[AdvisorySubscription])
}

// AdvisoryPeersDue returns the trusted peers to subscribe to (no
// subscription, or one unanswered since before stale) and those whose
// advisories to read again (subscription accepted).
func (s *Store) AdvisoryPeersDue(ctx context.Context, stale time.Time) (subscribe, pull []string, err error) {
	rows, _ := s.pool.Query(ctx, `SELECT p.domain, s.accepted_at IS NOT NULL FROM peers p
		LEFT JOIN advisory_subscriptions s ON s.domain = p.domain
		WHERE p.policy = 'trust' AND (s.domain IS NULL OR s.accepted_at IS NOT NULL OR s.created_at < $1)
		ORDER BY p.domain`, stale)
	var d string
	var accepted bool
	_, err = pgx.ForEachRow(rows, []any{&d, &accepted}, func() error {
		if accepted {
			pull = append(pull, d)
		} else {
			subscribe = append(subscribe, d)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("advisory peers due: %w", err)
	}
	return subscribe, pull, nil
}

// ReceiveAdvisorySubscribe answers a peer asking for this instance's
// advisories: accepted when this instance trusts it, refused otherwise.
func (s *Store) ReceiveAdvisorySubscribe(ctx context.Context, peer *Account, followURI string) error {
	if peer.Domain == nil {
		return fmt.Errorf("advisory subscription from a local account: %w", ErrForbidden)
	}
	domain := strings.ToLower(*peer.Domain)
	p, err := s.PeerPolicy(ctx, domain)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		inst, err := s.InstanceActor(ctx)
		if err != nil {
			return err
		}
		them, err := s.actorWhere(ctx, tx, "a.id = $1", peer.ID)
		if err != nil {
			return err
		}
		kind := OutReject
		if p == PolicyTrust {
			kind = OutAccept
			if _, err := tx.Exec(ctx, `INSERT INTO advisory_subscribers (domain, actor_uri, inbox, follow_uri, created_at)
				VALUES ($1, $2, $3, $4, $5) ON CONFLICT (domain) DO UPDATE SET actor_uri = excluded.actor_uri,
				inbox = excluded.inbox, follow_uri = excluded.follow_uri`,
				domain, them.URI, them.DeliveryInbox(), followURI, s.Now()); err != nil {
				return err
			}
		}
		return s.publish(ctx, tx, &Outgoing{Kind: kind, Actor: inst, Target: them, ActivityID: followURI,
			Inboxes: []string{them.DeliveryInbox()}})
	})
}

// ReceiveAdvisoryUnsubscribe ends a peer's subscription.
func (s *Store) ReceiveAdvisoryUnsubscribe(ctx context.Context, peer *Account) error {
	if peer.Domain == nil {
		return nil
	}
	_, err := s.pool.Exec(ctx, `DELETE FROM advisory_subscribers WHERE domain = $1`, strings.ToLower(*peer.Domain))
	return err
}

// AdvisorySubscriber reports whether domain subscribes to this instance's
// advisories and is still trusted: who may read them.
func (s *Store) AdvisorySubscriber(ctx context.Context, domain string) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM peers WHERE domain = lower($1) AND policy = 'trust')`, domain).Scan(&ok)
	return ok, err
}

// trustChanged keeps advisory subscriptions in step with a peer's policy:
// trusting a peer subscribes to its advisories; ceasing to trust it ends
// the subscription both ways.
func (s *Store) trustChanged(ctx context.Context, tx pgx.Tx, domain string, was, now Policy) error {
	if was == now || (was != PolicyTrust && now != PolicyTrust) {
		return nil
	}
	inst, err := s.InstanceActor(ctx)
	if err != nil {
		return err
	}
	if now == PolicyTrust {
		return s.publish(ctx, tx, &Outgoing{Kind: OutSubscribeAdvisories, Actor: inst, Domain: domain, Inboxes: []string{domain}})
	}
	if _, err := tx.Exec(ctx, `DELETE FROM advisory_subscribers WHERE domain = $1`, domain); err != nil {
		return err
	}
	rows, _ := tx.Query(ctx, `DELETE FROM advisory_subscriptions WHERE domain = $1 RETURNING *`, domain)
	subs, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[AdvisorySubscription])
	if err != nil {
		return err
	}
	for _, sub := range subs {
		if err := s.publish(ctx, tx, &Outgoing{Kind: OutUnsubscribeAdvisories, Actor: inst, Domain: domain,
			ActivityID: sub.FollowURI, ObjectURI: sub.CollectionURI, Target: &Actor{URI: sub.ActorURI},
			Inboxes: []string{sub.Inbox}}); err != nil {
			return err
		}
	}
	return nil
}

// logActionBasedOn logs an action with the advisories it relied on.
func (s *Store) logActionBasedOn(ctx context.Context, tx pgx.Tx, actorID *string, role, action, target, reason string, basedOn []string) error {
	if basedOn == nil {
		basedOn = []string{}
	}
	now := s.Now()
	_, err := tx.Exec(ctx, `INSERT INTO moderation_log (id, actor_id, actor_role, action, target_uri, reason, created_at, based_on)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, NewID(now), actorID, role, action, target, reason, now, basedOn)
	return err
}

// limitRemoteAccount limits a remote account on the strength of an
// advisory: seen by its followers only, its contributions held.
func (s *Store) limitRemoteAccount(ctx context.Context, tx pgx.Tx, accountID string) error {
	_, err := tx.Exec(ctx, `UPDATE accounts SET limited_at = coalesce(limited_at, $2) WHERE id = $1`, accountID, s.Now())
	return err
}
