package roundtable

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// StatusEdit is a member's change to one of its statuses; nil fields stay.
type StatusEdit struct {
	Text        *string
	SpoilerText *string
	Sensitive   *bool
	Language    *string
	// MediaIDs, when set, are the attachments the status carries from now
	// on, in order: the member's uploads, or those it carries already.
	MediaIDs    *[]string
	ContentType *string // ContentPlain or ContentMarkdown; nil keeps it
}

// EditStatus changes the text of one of the member's statuses and tells
// everyone who received it.
func (s *Store) EditStatus(ctx context.Context, m *Member, id string, e StatusEdit) (*Status, error) {
	st, err := s.Status(ctx, id, m.ID)
	if err != nil {
		return nil, err
	}
	if st.AccountID != m.ID || !st.Local {
		return nil, fmt.Errorf("edit status %s of another account: %w", id, ErrForbidden)
	}
	text := st.Source
	spoiler, ownSensitive, err := s.ownWarning(ctx, st.ID)
	if err != nil {
		return nil, fmt.Errorf("edit status %s: %w", id, err)
	}
	if e.Text != nil {
		text = *e.Text
	}
	if e.SpoilerText != nil {
		spoiler = strings.TrimSpace(*e.SpoilerText)
	}
	media := len(st.Media)
	if e.MediaIDs != nil {
		media = len(*e.MediaIDs)
		if err := s.checkMediaIDs(ctx, s.pool, m.ID, st.ID, *e.MediaIDs); err != nil {
			return nil, err
		}
	}
	if strings.TrimSpace(text) == "" && media == 0 {
		return nil, Invalid("status", "can't be blank")
	}
	if !utf8.ValidString(text) || !utf8.ValidString(spoiler) {
		return nil, Invalid("status", "is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(text) + utf8.RuneCountInString(spoiler); n > s.limit.MaxCharacters {
		return nil, Invalid("status", "is too long (%d characters; the limit is %d)", n, s.limit.MaxCharacters)
	}
	sensitive := ownSensitive
	if e.Sensitive != nil {
		sensitive = *e.Sensitive
	}
	if spoiler != "" {
		sensitive = true
	}
	lang := st.Language
	if e.Language != nil && *e.Language != "" {
		if !languageRE.MatchString(*e.Language) {
			return nil, Invalid("language", "must be an ISO 639 language code such as en or fr")
		}
		lang = e.Language
	}
	ctype := st.ContentType
	if e.ContentType != nil && *e.ContentType != "" {
		if *e.ContentType != ContentPlain && *e.ContentType != ContentMarkdown {
			return nil, Invalid("content_type", "must be text/plain or text/markdown")
		}
		ctype = *e.ContentType
	}
	linker, err := s.linkerFor(ctx, text)
	if err != nil {
		return nil, err
	}
	var r Rendered
	if ctype == ContentMarkdown {
		r = RenderMarkdown(strings.TrimSpace(text), linker)
	} else {
		r = RenderPlain(strings.TrimSpace(text), linker)
	}
	now := s.Now()
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if err := snapshotVersion(ctx, tx, st.ID, true); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE statuses SET source = $2, content = $3, spoiler_text = $4, sensitive = $5,
			language = $6, edited_at = $7, content_type = $8 WHERE id = $1`, st.ID, text, r.HTML, spoiler, sensitive, lang, now, ctype); err != nil {
			return err
		}
		if err := snapshotVersion(ctx, tx, st.ID, false); err != nil {
			return err
		}
		// Newly mentioned accounts are added (and notified); nobody loses
		// a status they already received.
		mentioned := map[string]bool{}
		for _, acct := range r.Mentions {
			if a, err := s.accountByAcctTx(ctx, tx, acct); err == nil {
				mentioned[a.ID] = true
			}
		}
		if err := narrowMentions(ctx, tx, st, mentioned); err != nil {
			return err
		}
		for id := range mentioned {
			tag, err := tx.Exec(ctx, `INSERT INTO status_mentions (status_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, st.ID, id)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 1 && id != m.ID {
				if err := s.notify(ctx, tx, id, m.ID, NotifyMention, &st.ID); err != nil {
					return err
				}
			}
		}
		if e.MediaIDs != nil {
			if err := s.attachMedia(ctx, tx, m.ID, st.ID, *e.MediaIDs); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM status_tags WHERE status_id = $1`, st.ID); err != nil {
			return err
		}
		for _, t := range r.Tags {
			if _, err := tx.Exec(ctx, `INSERT INTO status_tags (status_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING`, st.ID, t); err != nil {
				return err
			}
		}
		updated := *st
		updated.Content, updated.SpoilerText, updated.Sensitive, updated.Language, updated.EditedAt = r.HTML, spoiler, sensitive, lang, &now
		if held, err := s.moderatedForEdit(ctx, tx, &updated); err != nil || held {
			return err
		}
		if err := s.publishStatus(ctx, tx, OutUpdate, &updated, nil); err != nil {
			return err
		}
		obj, err := s.statusObject(ctx, tx, &updated)
		if err != nil {
			return err
		}
		return s.announceChange(ctx, tx, &updated, obj, OutUpdate, nil)
	})
	if err != nil {
		return nil, fmt.Errorf("edit status %s: %w", id, err)
	}
	return s.Status(ctx, id, m.ID)
}
