package roundtable

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// Pre-moderation and the instance's moderation settings. A contribution to
// a consultation hosted here is held for review when it arrives if its
// author is limited (the account, or its domain), or if the consultation or
// the instance asks for pre-moderation and the author has no released
// contribution here yet. Facilitators and instance moderators are never
// held. A held contribution goes nowhere until it is released.

// DefaultAutoHideReports is how many distinct reporters hold a contribution
// back until a moderator looks, unless the instance says otherwise.
const DefaultAutoHideReports = 3

const (
	settingAutoHideReports = "auto_hide_reports"
	settingPremoderation   = "premoderation"
)

// ModerationSettings are the instance's moderation settings.
type ModerationSettings struct {
	// AutoHideReports is how many distinct reporters hold a contribution
	// back until a moderator looks.
	AutoHideReports int
	// Premoderation holds first contributions from new accounts in every
	// consultation hosted here.
	Premoderation bool
}

// ModerationSettingsUpdate changes some settings; nil fields stay.
type ModerationSettingsUpdate struct {
	AutoHideReports *int
	Premoderation   *bool
}

// ModerationSettings returns the instance's moderation settings.
func (s *Store) ModerationSettings(ctx context.Context) (ModerationSettings, error) {
	out := ModerationSettings{AutoHideReports: DefaultAutoHideReports}
	rows, _ := s.pool.Query(ctx, `SELECT key, value FROM settings WHERE key = ANY($1)`,
		[]string{settingAutoHideReports, settingPremoderation})
	var key, value string
	_, err := pgx.ForEachRow(rows, []any{&key, &value}, func() error {
		switch key {
		case settingAutoHideReports:
			if n, err := strconv.Atoi(value); err == nil && n > 0 {
				out.AutoHideReports = n
			}
		case settingPremoderation:
			out.Premoderation = value == "true"
		}
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("moderation settings: %w", err)
	}
	return out, nil
}

// ModerationSettingsFor returns the instance's moderation settings to m,
// who must moderate the instance or facilitate a consultation.
func (s *Store) ModerationSettingsFor(ctx context.Context, m *Member) (ModerationSettings, error) {
	if err := s.mayModerate(ctx, m); err != nil {
		return ModerationSettings{}, fmt.Errorf("moderation settings: %w", err)
	}
	return s.ModerationSettings(ctx)
}

// MaxAutoHideReports bounds the auto-hide threshold.
const MaxAutoHideReports = 100

// SetModerationSettings changes the instance's moderation settings; only
// admins may.
func (s *Store) SetModerationSettings(ctx context.Context, m *Member, u ModerationSettingsUpdate) (ModerationSettings, error) {
	if m == nil || m.Role != RoleAdmin {
		return ModerationSettings{}, fmt.Errorf("change moderation settings: %w", ErrForbidden)
	}
	if u.AutoHideReports != nil && (*u.AutoHideReports < 1 || *u.AutoHideReports > MaxAutoHideReports) {
		return ModerationSettings{}, Invalid("auto_hide_reports", "must be a number of reports from 1 to %d", MaxAutoHideReports)
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		set := func(key, value string) error {
			_, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
			return err
		}
		if u.AutoHideReports != nil {
			if err := set(settingAutoHideReports, strconv.Itoa(*u.AutoHideReports)); err != nil {
				return err
			}
		}
		if u.Premoderation != nil {
			return set(settingPremoderation, strconv.FormatBool(*u.Premoderation))
		}
		return nil
	})
	if err != nil {
		return ModerationSettings{}, fmt.Errorf("change moderation settings: %w", err)
	}
	return s.ModerationSettings(ctx)
}

// ConsultationPremoderation reports whether a consultation hosted here
// holds first contributions from new accounts, for m, who must facilitate
// it.
func (s *Store) ConsultationPremoderation(ctx context.Context, m *Member, slug string) (bool, error) {
	c, err := s.facilitated(ctx, m, slug)
	if err != nil {
		return false, err
	}
	var on bool
	err = s.pool.QueryRow(ctx, `SELECT premoderation FROM consultations WHERE account_id = $1`, c.AccountID).Scan(&on)
	return on, err
}

// SetConsultationPremoderation turns a consultation's pre-moderation on or
// off, for m, who must facilitate it.
func (s *Store) SetConsultationPremoderation(ctx context.Context, m *Member, slug string, on bool) error {
	c, err := s.facilitated(ctx, m, slug)
	if err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, `UPDATE consultations SET premoderation = $2 WHERE account_id = $1`, c.AccountID, on); err != nil {
		return fmt.Errorf("pre-moderation of %s: %w", slug, err)
	}
	return nil
}

// SetConsultationNoIndex asks search engines not to index the
// consultation's pages and its threads (or lets them).
func (s *Store) SetConsultationNoIndex(ctx context.Context, m *Member, slug string, on bool) error {
	c, err := s.facilitated(ctx, m, slug)
	if err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, `UPDATE accounts SET noindex = $2 WHERE id = $1`, c.AccountID, on); err != nil {
		return fmt.Errorf("indexing of %s: %w", slug, err)
	}
	return nil
}

// holdOnArrival decides whether a new contribution by author to the
// consultation g waits for review, and if so holds it, keeping raw (the
// activity as received, for a remote author) for the Group to announce on
// release, logs why and tells a local author. It reports whether it held.
func (s *Store) holdOnArrival(ctx context.Context, tx pgx.Tx, g *groupChoice, author *Account, st *Status, raw []byte) (bool, error) {
	if g == nil || g.local == nil {
		return false, nil // another server's consultation decides
	}
	for _, f := range g.local.Facilitators {
		if f.ID == author.ID {
			return false, nil
		}
	}
	var why string
	err := tx.QueryRow(ctx, `SELECT CASE
		WHEN EXISTS (SELECT 1 FROM members WHERE account_id = $1 AND role IN ('moderator', 'admin')) THEN ''
		WHEN EXISTS (SELECT 1 FROM accounts la LEFT JOIN peers lp ON lp.domain = lower(la.domain)
			WHERE la.id = $1 AND (la.limited_at IS NOT NULL OR lp.policy = 'limit')) THEN 'limited'
		WHEN (c.premoderation OR coalesce((SELECT value = 'true' FROM settings WHERE key = $4), false))
			AND NOT EXISTS (SELECT 1 FROM statuses x JOIN consultations xc ON xc.account_id = x.group_id
				WHERE x.account_id = $1 AND x.id <> $3 AND x.held_at IS NULL) THEN 'first'
		ELSE '' END
		FROM consultations c WHERE c.account_id = $2`, author.ID, g.id, st.ID, settingPremoderation).Scan(&why)
	if err != nil {
		return false, fmt.Errorf("pre-moderation: %w", err)
	}
	if why == "" {
		return false, nil
	}
	if _, err := tx.Exec(ctx, `UPDATE statuses SET held_at = $2, deliver_on_release = true, held_activity = $3 WHERE id = $1`,
		st.ID, s.Now(), nullableJSON(raw)); err != nil {
		return false, err
	}
	reason := "Pre-moderation: a first contribution waits for a facilitator."
	if why == "limited" {
		reason = "The author is limited here: their contributions wait for a facilitator."
	}
	if err := s.logReasoned(ctx, tx, nil, "consultation", "hold", &g.id, deref(st.URI), Grounds{Reason: reason}); err != nil {
		return false, err
	}
	told := fmt.Sprintf("Your contribution to %q awaits a facilitator's approval before others see it.", g.local.Title)
	if !author.Local() {
		return true, s.tellRemoteAuthor(ctx, tx, g, author, told)
	}
	now := s.Now()
	if _, err := tx.Exec(ctx, `INSERT INTO notifications (id, account_id, from_account_id, type, status_id, created_at, reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, NewID(now), author.ID, g.id, NotifyHeld, st.ID, now, told); err != nil {
		return false, err
	}
	return true, nil
}

// tellRemoteAuthor tells the author of a held contribution on another
// server that it waits: a direct message from the consultation, which any
// server shows.
func (s *Store) tellRemoteAuthor(ctx context.Context, tx pgx.Tx, g *groupChoice, author *Account, message string) error {
	if s.publisher == nil {
		return nil // nothing leaves this instance
	}
	text := "@" + author.Username + "@" + deref(author.Domain) + " " + message
	linker, err := s.linkerFor(ctx, text)
	if err != nil {
		return err
	}
	r := RenderPlain(text, linker)
	now := s.Now()
	st := &Status{ID: NewID(now), AccountID: g.id, Visibility: Direct, ContentType: ContentPlain, Source: text,
		Content: r.HTML, Local: true, CreatedAt: now}
	st.ThreadID = st.ID
	return s.insertStatus(ctx, tx, st, r)
}

func nullableJSON(raw []byte) any {
	if len(raw) == 0 {
		return nil
	}
	return raw
}

// autoHideThreshold returns how many distinct reporters hold a
// contribution back.
func (s *Store) autoHideThreshold(ctx context.Context) (int, error) {
	set, err := s.ModerationSettings(ctx)
	if err != nil {
		return 0, err
	}
	return set.AutoHideReports, nil
}
