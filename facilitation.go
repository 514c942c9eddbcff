package roundtable

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// What members may do to consultations through the JSON API, each checked
// here: admins open consultations; facilitators (and admins) change them,
// answer join requests, export them and publish their synthesis; drafts are
// seen by their facilitators only.

// VisibleTo reports whether m (nil for an anonymous reader) may see the
// consultation: anyone once it is past its draft, its facilitators before.
func (c *Consultation) VisibleTo(m *Member) bool {
	return c.Phase != PhaseDraft || c.IsFacilitator(m)
}

// ConsultationsFor lists the consultations hosted here that m (nil for an
// anonymous reader) may see, newest first.
func (s *Store) ConsultationsFor(ctx context.Context, m *Member) ([]*Consultation, error) {
	all, err := s.Consultations(ctx, m != nil)
	if err != nil {
		return nil, err
	}
	out := make([]*Consultation, 0, len(all))
	for _, c := range all {
		if c.VisibleTo(m) {
			out = append(out, c)
		}
	}
	return out, nil
}

// ConsultationFor returns the consultation called slug if m (nil for an
// anonymous reader) may see it; a draft is not found by others.
func (s *Store) ConsultationFor(ctx context.Context, m *Member, slug string) (*Consultation, error) {
	c, err := s.Consultation(ctx, slug)
	if err != nil {
		return nil, err
	}
	if !c.VisibleTo(m) {
		return nil, fmt.Errorf("consultation %s: %w", slug, ErrNotFound)
	}
	return c, nil
}

// CreateConsultationAs opens a consultation on behalf of m, who must be an
// admin. Without facilitators named, m facilitates it.
func (s *Store) CreateConsultationAs(ctx context.Context, m *Member, nc NewConsultation) (*Consultation, error) {
	if m == nil || m.Role != RoleAdmin {
		return nil, fmt.Errorf("open a consultation: %w", ErrForbidden)
	}
	if len(nc.Facilitators) == 0 {
		nc.Facilitators = []string{m.Username}
	}
	if len(nc.Facilitators) > 20 {
		return nil, Invalid("facilitators", "at most 20")
	}
	for _, name := range nc.Facilitators {
		if _, err := s.MemberByUsername(ctx, name); errors.Is(err, ErrNotFound) {
			return nil, Invalid("facilitators", "no member is called %q", name)
		} else if err != nil {
			return nil, err
		}
	}
	if len(nc.Languages) > 20 {
		return nil, Invalid("languages", "at most 20")
	}
	for _, l := range nc.Languages {
		if !languageRE.MatchString(l) {
			return nil, Invalid("languages", "%q is not an ISO 639 language code such as en or fr", l)
		}
	}
	if err := validNorms(nc.Norms); err != nil {
		return nil, err
	}
	return s.CreateConsultation(ctx, nc)
}

// validNorms checks a consultation's norms: at most 50, each a line of
// text.
func validNorms(norms []string) error {
	if len(norms) > 50 {
		return Invalid("norms", "at most 50")
	}
	for i, n := range norms {
		if strings.TrimSpace(n) == "" || utf8.RuneCountInString(n) > 1000 {
			return Invalid("norms", "each must be 1 to 1000 characters (number %d is not)", i+1)
		}
	}
	return nil
}

// UpdateConsultationAs changes a consultation on behalf of m, who must
// facilitate it.
func (s *Store) UpdateConsultationAs(ctx context.Context, m *Member, slug string, u ConsultationUpdate) (*Consultation, error) {
	if _, err := s.facilitated(ctx, m, slug); err != nil {
		return nil, err
	}
	if u.Norms != nil {
		if err := validNorms(*u.Norms); err != nil {
			return nil, err
		}
	}
	return s.UpdateConsultation(ctx, slug, u)
}

// JoinRequestsFor returns the accounts waiting to join a consultation, for
// m, who must facilitate it.
func (s *Store) JoinRequestsFor(ctx context.Context, m *Member, slug string) ([]*Account, error) {
	if strings.Contains(slug, "@") {
		// A consultation hosted elsewhere that this instance co-hosts.
		return s.joinRequestsAsCohost(ctx, m, slug)
	}
	if _, err := s.facilitated(ctx, m, slug); err != nil {
		return nil, err
	}
	return s.JoinRequests(ctx, slug)
}

// facilitated returns the consultation called slug when m facilitates it;
// others are told it is not theirs (a draft is not found).
func (s *Store) facilitated(ctx context.Context, m *Member, slug string) (*Consultation, error) {
	c, err := s.ConsultationFor(ctx, m, slug)
	if err != nil {
		return nil, err
	}
	if !c.IsFacilitator(m) {
		return nil, fmt.Errorf("consultation %s is facilitated by others: %w", slug, ErrForbidden)
	}
	return c, nil
}

// applyDates sets the phase dates of u on c and checks that they come in
// order: opening, synthesis, closing.
func (u *ConsultationUpdate) applyDates(c *Consultation) error {
	for _, d := range []struct {
		change *DateChange
		dst    **time.Time
	}{{u.OpensAt, &c.OpensAt}, {u.SynthesisAt, &c.SynthesisAt}, {u.ClosesAt, &c.ClosesAt}} {
		if d.change == nil {
			continue
		}
		if d.change.At == nil {
			*d.dst = nil
			continue
		}
		t := d.change.At.UTC().Truncate(time.Microsecond)
		*d.dst = &t
	}
	dates := []struct {
		field string
		at    *time.Time
	}{{"opens_at", c.OpensAt}, {"synthesis_at", c.SynthesisAt}, {"closes_at", c.ClosesAt}}
	for i, later := range dates {
		for _, earlier := range dates[:i] {
			if later.at != nil && earlier.at != nil && later.at.Before(*earlier.at) {
				return Invalid(later.field, "must not be before %s", earlier.field)
			}
		}
	}
	return nil
}

// ThreadAction is what a facilitator does to a thread.
type ThreadAction string

// Thread actions.
const (
	LockThread   ThreadAction = "lock"   // no more replies
	UnlockThread ThreadAction = "unlock" // replies again
	PinThread    ThreadAction = "pin"    // listed in the consultation's featured collection
	UnpinThread  ThreadAction = "unpin"
)

// ActOnThread locks, unlocks, pins or unpins a thread of a consultation
// hosted here. Only its facilitators (and admins) may.
func (s *Store) ActOnThread(ctx context.Context, m *Member, slug, statusID string, a ThreadAction) (*Status, error) {
	if strings.Contains(slug, "@") {
		// A consultation hosted elsewhere that this instance co-hosts.
		return s.actAsCohost(ctx, m, slug, statusID, a)
	}
	c, err := s.Consultation(ctx, slug)
	if err != nil {
		return nil, err
	}
	if !c.IsFacilitator(m) {
		return nil, fmt.Errorf("%s a thread of %s: %w", a, slug, ErrForbidden)
	}
	if !ValidID(statusID) {
		return nil, fmt.Errorf("thread %q: %w", statusID, ErrNotFound)
	}
	if err := s.actOnThread(ctx, c, statusID, a); err != nil {
		return nil, err
	}
	return s.Status(ctx, statusID, m.ID)
}

// actOnThread locks, unlocks, pins or unpins a thread of a consultation
// hosted here, for whoever may.
func (s *Store) actOnThread(ctx context.Context, c *Consultation, statusID string, a ThreadAction) error {
	var set string
	switch a {
	case LockThread:
		set = "locked = true"
	case UnlockThread:
		set = "locked = false"
	case PinThread:
		set = "pinned_at = coalesce(pinned_at, now())"
	case UnpinThread:
		set = "pinned_at = NULL"
	default:
		return Invalid("action", "must be lock, unlock, pin or unpin")
	}
	tag, err := s.pool.Exec(ctx, `UPDATE statuses SET `+set+` WHERE id = $1 AND group_id = $2
		AND in_reply_to_id IS NULL AND in_reply_to_uri IS NULL`, statusID, c.AccountID)
	if err != nil {
		return fmt.Errorf("%s thread %s: %w", a, statusID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("thread %s in %s: %w", statusID, c.Slug, ErrNotFound)
	}
	return nil
}
