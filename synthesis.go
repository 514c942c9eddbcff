package roundtable

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// The synthesis: what the facilitators of a consultation heard, published
// once new threads have closed. It is an Article by the consultation's
// Group, delivered to the Group's followers, featured by the Group, and
// linked to the contributions it draws on.

// NewSynthesis is what facilitators publish as a consultation's synthesis.
type NewSynthesis struct {
	Title string
	Text  string // Markdown
	// Sources are the ids of the contributions it draws on; each is
	// linked at the end of the text.
	Sources []string
}

// Limits of a synthesis.
const (
	maxSynthesisText    = 50_000 // characters of Markdown
	maxSynthesisSources = 200
)

// AllowsSynthesis reports, as an error saying why not, whether the
// synthesis may be published now: in the synthesis or closed phase.
func (c *Consultation) AllowsSynthesis() error {
	switch c.Phase {
	case PhaseSynthesis, PhaseClosed:
		return nil
	}
	return &Refusal{fmt.Sprintf("The synthesis of %q can be published once the consultation reaches its synthesis phase; it is %s now.", c.Title, c.Phase)}
}

// PublishSynthesis publishes the synthesis of a consultation on behalf of
// m, who must facilitate it. It is published once; a second one is a
// conflict.
func (s *Store) PublishSynthesis(ctx context.Context, m *Member, slug string, ns NewSynthesis) (*Status, error) {
	if strings.Contains(slug, "@") {
		// A consultation hosted elsewhere that this instance co-hosts: the
		// host publishes it, and it arrives here as the consultation's.
		return nil, s.synthesisAsCohost(ctx, m, slug, ns)
	}
	c, err := s.facilitated(ctx, m, slug)
	if err != nil {
		return nil, err
	}
	id, err := s.publishSynthesis(ctx, c, ns)
	if err != nil {
		return nil, err
	}
	return s.Status(ctx, id, m.ID)
}

// publishSynthesis publishes the synthesis of a consultation hosted here,
// for whoever may, and returns its id.
func (s *Store) publishSynthesis(ctx context.Context, c *Consultation, ns NewSynthesis) (string, error) {
	if err := c.AllowsSynthesis(); err != nil {
		return "", err
	}
	if c.SynthesisID != nil {
		return "", &ConflictError{Message: fmt.Sprintf("The synthesis of %q is published already.", c.Title)}
	}
	title := strings.TrimSpace(ns.Title)
	if title == "" || utf8.RuneCountInString(title) > 200 {
		return "", Invalid("title", "must be 1 to 200 characters")
	}
	text := strings.TrimSpace(ns.Text)
	switch {
	case !utf8.ValidString(text) || !utf8.ValidString(title):
		return "", Invalid("text", "is not valid UTF-8")
	case text == "":
		return "", Invalid("text", "can't be blank")
	case utf8.RuneCountInString(text) > maxSynthesisText:
		return "", Invalid("text", "must be at most %d characters", maxSynthesisText)
	}
	sources, err := s.synthesisSources(ctx, c, ns.Sources)
	if err != nil {
		return "", err
	}
	if sources != "" {
		text += "\n\n" + sources
	}
	linker, err := s.linkerFor(ctx, text)
	if err != nil {
		return "", err
	}
	r := RenderMarkdown(text, linker)
	now := s.Now()
	id := NewID(now)
	uri, url := s.links.StatusURI(c.Slug, id), s.links.StatusURL(c.Slug, id)
	st := &Status{ID: id, AccountID: c.AccountID, ThreadID: id, Visibility: Public, ContentType: ContentMarkdown,
		Source: text, Content: r.HTML, Local: true, CreatedAt: now, URI: &uri, URL: &url, GroupID: &c.AccountID, Title: &title}
	if len(c.Languages) > 0 {
		st.Language = &c.Languages[0]
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO statuses (id, account_id, thread_id, visibility, language, content_type,
			source, content, local, created_at, uri, url, group_id, title, context_uri, object_type)
			VALUES ($1, $2, $1, 'public', $3, $4, $5, $6, true, $7, $8, $9, $2, $10, $11, 'Article')`,
			st.ID, st.AccountID, st.Language, st.ContentType, st.Source, st.Content, st.CreatedAt, uri, url, title,
			s.links.Thread(c.Slug, id)); err != nil {
			return fmt.Errorf("insert synthesis: %w", err)
		}
		for _, t := range r.Tags {
			if _, err := tx.Exec(ctx, `INSERT INTO status_tags (status_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING`, id, t); err != nil {
				return err
			}
		}
		tag, err := tx.Exec(ctx, `UPDATE consultations SET synthesis_id = $2, updated_at = $3 WHERE account_id = $1 AND synthesis_id IS NULL`,
			c.AccountID, id, now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return &ConflictError{Message: fmt.Sprintf("The synthesis of %q is published already.", c.Title)}
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET statuses_count = statuses_count + 1, last_status_at = $2 WHERE id = $1`,
			c.AccountID, now); err != nil {
			return err
		}
		return s.publishStatus(ctx, tx, OutCreate, st, nil)
	})
	var ce *ConflictError
	if errors.As(err, &ce) {
		return "", ce
	}
	if err != nil {
		return "", fmt.Errorf("publish the synthesis of %s: %w", c.Slug, err)
	}
	return id, nil
}

// synthesisSources checks that ids name public contributions to c and
// returns the Markdown list that links them, in the order given.
func (s *Store) synthesisSources(ctx context.Context, c *Consultation, ids []string) (string, error) {
	var uniq []string
	seen := map[string]bool{}
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if id == "" || seen[id] {
			continue
		}
		if !ValidID(id) {
			return "", Invalid("sources", "%q is not a contribution to this consultation", id)
		}
		seen[id] = true
		uniq = append(uniq, id)
	}
	if len(uniq) == 0 {
		return "", nil
	}
	if len(uniq) > maxSynthesisSources {
		return "", Invalid("sources", "at most %d", maxSynthesisSources)
	}
	// Only what everyone may read: in a Chatham House consultation that is
	// the Group's copies, whose addresses name no author.
	rows, _ := s.pool.Query(ctx, `SELECT s.id, coalesce(s.url, s.uri, ''), coalesce(s.title, ''), s.content FROM statuses s
		WHERE s.id = ANY($1) AND s.group_id = $2 AND s.visibility IN ('public', 'unlisted')`, uniq, c.AccountID)
	type source struct {
		ID, URL, Title, Content string
	}
	found := map[string]source{}
	var src source
	if _, err := pgx.ForEachRow(rows, []any{&src.ID, &src.URL, &src.Title, &src.Content}, func() error {
		found[src.ID] = src
		return nil
	}); err != nil {
		return "", fmt.Errorf("sources of the synthesis: %w", err)
	}
	var b strings.Builder
	b.WriteString("Contributions this synthesis draws on:\n\n")
	for i, id := range uniq {
		src, ok := found[id]
		if !ok || src.URL == "" {
			return "", Invalid("sources", "%q is not a public contribution to this consultation", id)
		}
		label := src.Title
		if label == "" {
			label = excerpt(PlainText(src.Content), 80)
		}
		fmt.Fprintf(&b, "%d. [%s](<%s>)\n", i+1, escapeMarkdown(label), src.URL)
	}
	return b.String(), nil
}

// excerpt returns the first n characters of s, on one line.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// escapeMarkdown makes s read literally in Markdown.
func escapeMarkdown(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && strings.ContainsRune("\\`*_{}[]()<>#+-.!|~@", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Featured returns what a local account features (its `featured`
// collection), as ActivityPub objects: for a consultation, its synthesis
// once published.
func (s *Store) Featured(ctx context.Context, accountID string) ([]*StatusObject, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+statusColumns+` FROM (
		SELECT s.*, 0 AS rank, s.created_at AS at FROM consultations c JOIN statuses s ON s.id = c.synthesis_id
			WHERE c.account_id = $1
		UNION ALL
		SELECT s.*, 1, s.pinned_at FROM statuses s WHERE s.group_id = $1 AND s.pinned_at IS NOT NULL
		UNION ALL
		SELECT s.*, 2, p.created_at FROM status_pins p JOIN statuses s ON s.id = p.status_id
			WHERE p.account_id = $1 AND s.account_id = $1) s
		WHERE s.visibility IN ('public', 'unlisted') AND s.held_at IS NULL AND NOT s.local_only ORDER BY s.rank, s.at DESC LIMIT 50`, accountID)
	sts, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Status])
	if err != nil {
		return nil, fmt.Errorf("featured by %s: %w", accountID, err)
	}
	out := make([]*StatusObject, 0, len(sts))
	for _, st := range sts {
		o, err := s.statusObject(ctx, s.pool, st)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}
