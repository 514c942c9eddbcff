package roundtable

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Filter is a member's rule for statuses it would rather not read: those
// containing some keywords, or some chosen statuses, in the contexts
// named. Action warn shows them behind a warning; hide leaves them out.
type Filter struct {
	ID        string     `db:"id"`
	AccountID string     `db:"account_id"`
	Title     string     `db:"title"`
	Context   []string   `db:"context"`
	Action    string     `db:"filter_action"`
	ExpiresAt *time.Time `db:"expires_at"`
	CreatedAt time.Time  `db:"created_at"`

	Keywords []FilterKeyword `db:"-"`
	Statuses []FilterStatus  `db:"-"`

	matchers []keywordMatcher
}

// FilterKeyword is a word or phrase a filter looks for.
type FilterKeyword struct {
	ID        string `db:"id"`
	FilterID  string `db:"filter_id"`
	Keyword   string `db:"keyword"`
	WholeWord bool   `db:"whole_word"` // match only whole words
}

// FilterStatus is a status a filter applies to, whatever it says.
type FilterStatus struct {
	ID       string `db:"id"`
	FilterID string `db:"filter_id"`
	StatusID string `db:"status_id"`
}

// Filter contexts: where a filter applies.
const (
	FilterHome          = "home" // the home timeline and lists
	FilterNotifications = "notifications"
	FilterPublic        = "public" // the public and hashtag timelines
	FilterThread        = "thread" // a status's conversation
	FilterAccount       = "account"
)

// Filter actions.
const (
	FilterWarn = "warn"
	FilterHide = "hide"
)

var filterContexts = []string{FilterHome, FilterNotifications, FilterPublic, FilterThread, FilterAccount}

// FilterChange is what creating or updating a filter sets; nil leaves a
// field unchanged.
type FilterChange struct {
	Title   *string
	Context []string // nil: unchanged
	Action  *string
	// ExpiresIn, when SetExpiry, is the filter's lifetime from now in
	// seconds; nil makes it permanent.
	ExpiresIn *int
	SetExpiry bool
	Keywords  []KeywordChange
}

// KeywordChange adds (ID empty), changes or removes (Destroy) a keyword.
type KeywordChange struct {
	ID        string
	Keyword   *string
	WholeWord *bool
	Destroy   bool
}

const (
	maxFilters         = 100
	maxFilterTitle     = 256
	maxFilterKeywords  = 100
	maxFilterKeywordSz = 256
)

func (c *FilterChange) validate(creating bool) error {
	if c.Title != nil || creating {
		if c.Title == nil || strings.TrimSpace(*c.Title) == "" {
			return Invalid("title", "can't be blank")
		}
		if utf8.RuneCountInString(*c.Title) > maxFilterTitle {
			return Invalid("title", "is too long (at most %d characters)", maxFilterTitle)
		}
	}
	if c.Context != nil || creating {
		if len(c.Context) == 0 {
			return Invalid("context", "can't be blank")
		}
		for _, x := range c.Context {
			if !slices.Contains(filterContexts, x) {
				return Invalid("context", "%q is not one of home, notifications, public, thread and account", x)
			}
		}
		slices.Sort(c.Context)
		c.Context = slices.Compact(c.Context)
	}
	if c.Action != nil && *c.Action != FilterWarn && *c.Action != FilterHide {
		return Invalid("filter_action", "must be warn or hide")
	}
	if c.SetExpiry && c.ExpiresIn != nil && *c.ExpiresIn <= 0 {
		return Invalid("expires_in", "must be a positive number of seconds")
	}
	for _, k := range c.Keywords {
		if k.Destroy {
			continue
		}
		if k.ID == "" && k.Keyword == nil {
			return Invalid("keywords_attributes", "each keyword needs a keyword")
		}
		if k.Keyword != nil {
			if err := validKeyword(*k.Keyword); err != nil {
				return err
			}
		}
	}
	return nil
}

func validKeyword(k string) error {
	if strings.TrimSpace(k) == "" {
		return Invalid("keyword", "can't be blank")
	}
	if utf8.RuneCountInString(k) > maxFilterKeywordSz {
		return Invalid("keyword", "is too long (at most %d characters)", maxFilterKeywordSz)
	}
	return nil
}

const filterColumns = `f.id, f.account_id, f.title, f.context, f.filter_action, f.expires_at, f.created_at`

// Filters returns the member's filters, expired ones included, oldest
// first.
func (s *Store) Filters(ctx context.Context, m *Member) ([]*Filter, error) {
	return s.loadFilters(ctx, `f.account_id = $1`, m.ID)
}

// Filter returns one of the member's filters; another's is not found.
func (s *Store) Filter(ctx context.Context, m *Member, id string) (*Filter, error) {
	if !ValidID(id) {
		return nil, fmt.Errorf("filter %q: %w", id, ErrNotFound)
	}
	fs, err := s.loadFilters(ctx, `f.account_id = $1 AND f.id = $2`, m.ID, id)
	if err != nil {
		return nil, err
	}
	if len(fs) == 0 {
		return nil, fmt.Errorf("filter %s: %w", id, ErrNotFound)
	}
	return fs[0], nil
}

// loadFilters loads filters with their keywords and statuses.
func (s *Store) loadFilters(ctx context.Context, cond string, args ...any) ([]*Filter, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+filterColumns+` FROM filters f WHERE `+cond+` ORDER BY f.id LIMIT 1000`, args...)
	fs, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Filter])
	if err != nil {
		return nil, fmt.Errorf("load filters: %w", err)
	}
	if len(fs) == 0 {
		return fs, nil
	}
	ids := make([]string, len(fs))
	byID := map[string]*Filter{}
	for i, f := range fs {
		ids[i] = f.ID
		f.Keywords, f.Statuses = []FilterKeyword{}, []FilterStatus{}
		byID[f.ID] = f
	}
	rows, _ = s.pool.Query(ctx, `SELECT id, filter_id, keyword, whole_word FROM filter_keywords WHERE filter_id = ANY($1) ORDER BY id`, ids)
	ks, err := pgx.CollectRows(rows, pgx.RowToStructByName[FilterKeyword])
	if err != nil {
		return nil, fmt.Errorf("load filter keywords: %w", err)
	}
	for _, k := range ks {
		byID[k.FilterID].Keywords = append(byID[k.FilterID].Keywords, k)
	}
	rows, _ = s.pool.Query(ctx, `SELECT id, filter_id, status_id FROM filter_statuses WHERE filter_id = ANY($1) ORDER BY id`, ids)
	ss, err := pgx.CollectRows(rows, pgx.RowToStructByName[FilterStatus])
	if err != nil {
		return nil, fmt.Errorf("load filter statuses: %w", err)
	}
	for _, st := range ss {
		byID[st.FilterID].Statuses = append(byID[st.FilterID].Statuses, st)
	}
	return fs, nil
}

// CreateFilter creates a filter of the member's with its keywords.
func (s *Store) CreateFilter(ctx context.Context, m *Member, c FilterChange) (*Filter, error) {
	if err := c.validate(true); err != nil {
		return nil, err
	}
	now := s.Now()
	f := &Filter{ID: NewID(now), AccountID: m.ID, Title: strings.TrimSpace(*c.Title), Context: c.Context,
		Action: FilterWarn, CreatedAt: now}
	if c.Action != nil {
		f.Action = *c.Action
	}
	if c.SetExpiry && c.ExpiresIn != nil {
		t := now.Add(time.Duration(*c.ExpiresIn) * time.Second)
		f.ExpiresAt = &t
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM filters WHERE account_id = $1`, m.ID).Scan(&n); err != nil {
			return err
		}
		if n >= maxFilters {
			return Invalid("", "You have reached the limit of %d filters", maxFilters)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO filters (id, account_id, title, context, filter_action, expires_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, f.ID, f.AccountID, f.Title, f.Context, f.Action, f.ExpiresAt, f.CreatedAt); err != nil {
			return err
		}
		return s.changeKeywords(ctx, tx, f.ID, c.Keywords)
	})
	if err != nil {
		return nil, fmt.Errorf("create filter: %w", err)
	}
	return s.Filter(ctx, m, f.ID)
}

// UpdateFilter changes one of the member's filters and its keywords.
func (s *Store) UpdateFilter(ctx context.Context, m *Member, id string, c FilterChange) (*Filter, error) {
	f, err := s.Filter(ctx, m, id)
	if err != nil {
		return nil, err
	}
	if err := c.validate(false); err != nil {
		return nil, err
	}
	if c.Title != nil {
		f.Title = strings.TrimSpace(*c.Title)
	}
	if c.Context != nil {
		f.Context = c.Context
	}
	if c.Action != nil {
		f.Action = *c.Action
	}
	if c.SetExpiry {
		f.ExpiresAt = nil
		if c.ExpiresIn != nil {
			t := s.Now().Add(time.Duration(*c.ExpiresIn) * time.Second)
			f.ExpiresAt = &t
		}
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE filters SET title = $2, context = $3, filter_action = $4, expires_at = $5 WHERE id = $1`,
			f.ID, f.Title, f.Context, f.Action, f.ExpiresAt); err != nil {
			return err
		}
		return s.changeKeywords(ctx, tx, f.ID, c.Keywords)
	})
	if err != nil {
		return nil, fmt.Errorf("update filter %s: %w", id, err)
	}
	return s.Filter(ctx, m, f.ID)
}

// changeKeywords applies keyword changes to a filter.
func (s *Store) changeKeywords(ctx context.Context, tx pgx.Tx, filterID string, cs []KeywordChange) error {
	for _, k := range cs {
		switch {
		case k.ID != "" && k.Destroy:
			if _, err := tx.Exec(ctx, `DELETE FROM filter_keywords WHERE id = $1 AND filter_id = $2`, k.ID, filterID); err != nil {
				return err
			}
		case k.ID != "":
			tag, err := tx.Exec(ctx, `UPDATE filter_keywords SET keyword = coalesce($3, keyword), whole_word = coalesce($4, whole_word)
				WHERE id = $1 AND filter_id = $2`, k.ID, filterID, k.Keyword, k.WholeWord)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return fmt.Errorf("filter keyword %s: %w", k.ID, ErrNotFound)
			}
		case !k.Destroy:
			whole := true
			if k.WholeWord != nil {
				whole = *k.WholeWord
			}
			if _, err := tx.Exec(ctx, `INSERT INTO filter_keywords (id, filter_id, keyword, whole_word, created_at)
				VALUES ($1, $2, $3, $4, $5)`, NewID(s.Now()), filterID, strings.TrimSpace(*k.Keyword), whole, s.Now()); err != nil {
				return err
			}
		}
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM filter_keywords WHERE filter_id = $1`, filterID).Scan(&n); err != nil {
		return err
	}
	if n > maxFilterKeywords {
		return Invalid("keywords_attributes", "a filter holds at most %d keywords", maxFilterKeywords)
	}
	return nil
}

// DeleteFilter deletes one of the member's filters.
func (s *Store) DeleteFilter(ctx context.Context, m *Member, id string) error {
	if _, err := s.Filter(ctx, m, id); err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM filters WHERE id = $1`, id); err != nil {
		return fmt.Errorf("delete filter %s: %w", id, err)
	}
	return nil
}

// AddFilterKeyword adds a keyword to one of the member's filters.
func (s *Store) AddFilterKeyword(ctx context.Context, m *Member, filterID, keyword string, wholeWord *bool) (*FilterKeyword, error) {
	f, err := s.Filter(ctx, m, filterID)
	if err != nil {
		return nil, err
	}
	if err := validKeyword(keyword); err != nil {
		return nil, err
	}
	before := map[string]bool{}
	for _, k := range f.Keywords {
		before[k.ID] = true
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		return s.changeKeywords(ctx, tx, filterID, []KeywordChange{{Keyword: &keyword, WholeWord: wholeWord}})
	})
	if err != nil {
		return nil, fmt.Errorf("add keyword to filter %s: %w", filterID, err)
	}
	f, err = s.Filter(ctx, m, filterID)
	if err != nil {
		return nil, err
	}
	for _, k := range f.Keywords {
		if !before[k.ID] {
			return &k, nil
		}
	}
	return nil, fmt.Errorf("added keyword of filter %s: %w", filterID, ErrNotFound)
}

// FilterKeyword returns a keyword of one of the member's filters.
func (s *Store) FilterKeyword(ctx context.Context, m *Member, id string) (*FilterKeyword, error) {
	if !ValidID(id) {
		return nil, fmt.Errorf("filter keyword %q: %w", id, ErrNotFound)
	}
	rows, _ := s.pool.Query(ctx, `SELECT k.id, k.filter_id, k.keyword, k.whole_word FROM filter_keywords k
		JOIN filters f ON f.id = k.filter_id WHERE k.id = $1 AND f.account_id = $2`, id, m.ID)
	k, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[FilterKeyword])
	if err != nil {
		return nil, notFound(err, "filter keyword "+id)
	}
	return k, nil
}

// UpdateFilterKeyword changes a keyword of one of the member's filters.
func (s *Store) UpdateFilterKeyword(ctx context.Context, m *Member, id string, keyword *string, wholeWord *bool) (*FilterKeyword, error) {
	k, err := s.FilterKeyword(ctx, m, id)
	if err != nil {
		return nil, err
	}
	if keyword != nil {
		if err := validKeyword(*keyword); err != nil {
			return nil, err
		}
		t := strings.TrimSpace(*keyword)
		keyword = &t
	}
	if _, err := s.pool.Exec(ctx, `UPDATE filter_keywords SET keyword = coalesce($2, keyword), whole_word = coalesce($3, whole_word)
		WHERE id = $1`, k.ID, keyword, wholeWord); err != nil {
		return nil, fmt.Errorf("update filter keyword %s: %w", id, err)
	}
	return s.FilterKeyword(ctx, m, id)
}

// DeleteFilterKeyword removes a keyword from one of the member's filters.
func (s *Store) DeleteFilterKeyword(ctx context.Context, m *Member, id string) error {
	if _, err := s.FilterKeyword(ctx, m, id); err != nil {
		return err
	}
	_, err := s.pool.Exec(ctx, `DELETE FROM filter_keywords WHERE id = $1`, id)
	return err
}

// AddFilterStatus makes one of the member's filters apply to a status the
// member can see.
func (s *Store) AddFilterStatus(ctx context.Context, m *Member, filterID, statusID string) (*FilterStatus, error) {
	if _, err := s.Filter(ctx, m, filterID); err != nil {
		return nil, err
	}
	if statusID == "" {
		return nil, Invalid("status_id", "can't be blank")
	}
	if _, err := s.Status(ctx, statusID, m.ID); err != nil {
		return nil, err
	}
	fs := &FilterStatus{ID: NewID(s.Now()), FilterID: filterID, StatusID: statusID}
	tag, err := s.pool.Exec(ctx, `INSERT INTO filter_statuses (id, filter_id, status_id, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, fs.ID, fs.FilterID, fs.StatusID, s.Now())
	if err != nil {
		return nil, fmt.Errorf("add status to filter %s: %w", filterID, err)
	}
	if tag.RowsAffected() == 0 {
		return nil, Invalid("status_id", "the status is already in this filter")
	}
	return fs, nil
}

// FilterStatusByID returns a status entry of one of the member's filters.
func (s *Store) FilterStatusByID(ctx context.Context, m *Member, id string) (*FilterStatus, error) {
	if !ValidID(id) {
		return nil, fmt.Errorf("filter status %q: %w", id, ErrNotFound)
	}
	rows, _ := s.pool.Query(ctx, `SELECT fs.id, fs.filter_id, fs.status_id FROM filter_statuses fs
		JOIN filters f ON f.id = fs.filter_id WHERE fs.id = $1 AND f.account_id = $2`, id, m.ID)
	fs, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[FilterStatus])
	if err != nil {
		return nil, notFound(err, "filter status "+id)
	}
	return fs, nil
}

// DeleteFilterStatus removes a status from one of the member's filters.
func (s *Store) DeleteFilterStatus(ctx context.Context, m *Member, id string) error {
	if _, err := s.FilterStatusByID(ctx, m, id); err != nil {
		return err
	}
	_, err := s.pool.Exec(ctx, `DELETE FROM filter_statuses WHERE id = $1`, id)
	return err
}

// FilterResult says which of a filter's keywords and statuses a status
// matched.
type FilterResult struct {
	Filter         *Filter
	KeywordMatches []string
	StatusMatches  []string
}

// FilterSet is a member's filters in force in one context.
type FilterSet struct {
	viewerID string
	filters  []*Filter
}

// ActiveFilters returns the filters of accountID in force in the context
// (one of the Filter… contexts): not expired, naming that context.
func (s *Store) ActiveFilters(ctx context.Context, accountID, context string) (*FilterSet, error) {
	set := &FilterSet{viewerID: accountID}
	if accountID == "" {
		return set, nil
	}
	fs, err := s.loadFilters(ctx, `f.account_id = $1 AND $2 = ANY(f.context) AND (f.expires_at IS NULL OR f.expires_at > $3)`,
		accountID, context, s.Now())
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		for _, k := range f.Keywords {
			f.matchers = append(f.matchers, keywordMatcher{keyword: k.Keyword, re: keywordRegexp(k.Keyword, k.WholeWord)})
		}
	}
	set.filters = fs
	return set, nil
}

type keywordMatcher struct {
	keyword string
	re      *regexp.Regexp
}

// isWordChar matches what counts as part of a word when a keyword must match
// whole words.
var isWordChar = regexp.MustCompile(`^[\p{L}\p{N}_]$`)

// keywordRegexp matches keyword case-insensitively; for whole words, not
// inside a longer word (a keyword that starts or ends with punctuation
// has no boundary there).
func keywordRegexp(keyword string, whole bool) *regexp.Regexp {
	q := regexp.QuoteMeta(keyword)
	if whole {
		first, _ := utf8.DecodeRuneInString(keyword)
		last, _ := utf8.DecodeLastRuneInString(keyword)
		if isWordChar.MatchString(string(first)) {
			q = `(?:^|[^\p{L}\p{N}_])` + q
		}
		if isWordChar.MatchString(string(last)) {
			q += `(?:$|[^\p{L}\p{N}_])`
		}
	}
	return regexp.MustCompile(`(?is)` + q)
}

// filterText is the text of a status that keywords are looked for in: its
// content warning, its text, and its poll's options.
func filterText(st *Status) string {
	var b strings.Builder
	b.WriteString(st.SpoilerText)
	b.WriteString("\n")
	b.WriteString(PlainText(blockBreaks.Replace(st.Content)))
	if st.Poll != nil {
		for _, o := range st.Poll.Options {
			b.WriteString("\n")
			b.WriteString(o.Title)
		}
	}
	return b.String()
}

// blockBreaks keeps the words of adjacent paragraphs and lines apart once
// the markup is gone.
var blockBreaks = strings.NewReplacer("</p>", "</p>\n", "<br>", "\n", "<br/>", "\n", "<br />", "\n")

// Match returns the filters st matches and whether one of them hides it.
// A member's own statuses are never filtered.
func (fs *FilterSet) Match(st *Status) (results []FilterResult, hide bool) {
	if fs == nil || len(fs.filters) == 0 || st.AccountID == fs.viewerID {
		return nil, false
	}
	var text string
	for _, f := range fs.filters {
		r := FilterResult{Filter: f}
		if len(f.matchers) > 0 && text == "" {
			text = filterText(st)
		}
		for _, m := range f.matchers {
			if m.re.MatchString(text) {
				r.KeywordMatches = append(r.KeywordMatches, m.keyword)
			}
		}
		for _, fst := range f.Statuses {
			if fst.StatusID == st.ID {
				r.StatusMatches = append(r.StatusMatches, st.ID)
			}
		}
		if r.KeywordMatches == nil && r.StatusMatches == nil {
			continue
		}
		results = append(results, r)
		if f.Action == FilterHide {
			hide = true
		}
	}
	return results, hide
}
