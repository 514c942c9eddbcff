package roundtable

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// Consultation series. A series (say "Rethinking security, every other
// month") is a Group actor @slug@domain of its own, with a template: a
// prompt pattern, norms, participation, attribution, co-hosts and phase
// durations. Each edition is an ordinary consultation, @slug_N@domain,
// opened from the template by a facilitator in one step or by the schedule.
// Members here and on other servers follow the series; when an edition
// opens, members here are notified and the series' Group announces the new
// edition's Group to its followers' servers, which notify theirs.

// NotifyEdition tells a member that a series they follow opened an
// edition: from the edition's Group, with Reason naming the series.
const NotifyEdition = "series_edition"

// OutEdition is a series' Group announcing a new edition (ObjectURI, its
// Group; Reason, its title) to its followers; ActivityID names the
// Announce.
const OutEdition = "Edition"

// Limits of a series template.
const (
	maxSeriesSlug    = 24   // leaves room for the edition's "_N"
	maxSeriesDays    = 3650 // ten years
	maxSeriesCohosts = 20
	maxSeriesDue     = 100 // due series opened per run of the schedule
)

// Series is a consultation series hosted here.
type Series struct {
	AccountID          string        `db:"account_id"`
	Slug               string        `db:"username"`
	Title              string        `db:"title"`
	Description        string        `db:"description"`
	PromptPattern      string        `db:"prompt_pattern"` // Markdown, with {edition} and {date}
	Norms              []string      `db:"norms"`
	Participation      Participation `db:"participation"`
	Attribution        Attribution   `db:"attribution"`
	Cohosts            []string      `db:"cohosts"` // domains of the co-hosting instances
	SynthesisAfterDays int           `db:"synthesis_after_days"`
	ClosesAfterDays    int           `db:"closes_after_days"`
	IntervalDays       *int          `db:"interval_days"` // nil: opened by hand only
	NextDueAt          *time.Time    `db:"next_due_at"`
	CreatedAt          time.Time     `db:"created_at"`
	UpdatedAt          time.Time     `db:"updated_at"`

	Facilitators []Account `db:"-"`
	Followers    int       `db:"-"`
}

const seriesColumns = `se.account_id, a.username, se.title, se.description, se.prompt_pattern, se.norms, se.participation,
	se.attribution, se.cohosts, se.synthesis_after_days, se.closes_after_days, se.interval_days, se.next_due_at,
	se.created_at, se.updated_at`

// Edition is one consultation of a series.
type Edition struct {
	Number      int        `db:"number"`
	Cohosts     []string   `db:"cohosts"`
	DueAt       *time.Time `db:"due_at"`
	OpenedAt    time.Time  `db:"opened_at"`
	Slug        *string    `db:"slug"` // nil once its consultation is gone
	Title       *string    `db:"title"`
	Phase       *Phase     `db:"phase"`
	OpensAt     *time.Time `db:"opens_at"`
	SynthesisAt *time.Time `db:"synthesis_at"`
	ClosesAt    *time.Time `db:"closes_at"`
	SynthesisID *string    `db:"synthesis_id"`
}

// NewSeries is what it takes to start a series.
type NewSeries struct {
	Slug          string
	Title         string
	Description   string
	PromptPattern string // Markdown; {edition} and {date} are filled in for each edition
	Norms         []string
	Participation Participation
	Attribution   Attribution
	Cohosts       []string // domains of co-hosting instances
	Facilitators  []string // usernames of local members
	// SynthesisAfterDays and ClosesAfterDays say when an edition enters
	// its synthesis phase and closes, in days from its opening.
	SynthesisAfterDays int
	ClosesAfterDays    int
	// IntervalDays, when not zero, opens an edition every so many days,
	// the first at FirstDue (or an interval from now).
	IntervalDays int
	FirstDue     *time.Time
}

var domainRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$`)

// validSeriesDurations checks a series' phase durations and interval.
func validSeriesDurations(synthesis, closes, interval int) error {
	if synthesis < 1 || synthesis > maxSeriesDays {
		return Invalid("synthesis_after_days", "must be a whole number of days from 1 to %d", maxSeriesDays)
	}
	if closes <= synthesis || closes > maxSeriesDays {
		return Invalid("closes_after_days", "must be more days than synthesis_after_days, at most %d", maxSeriesDays)
	}
	if interval < 0 || interval > maxSeriesDays {
		return Invalid("interval_days", "must be a whole number of days from 1 to %d, or 0 for no schedule", maxSeriesDays)
	}
	return nil
}

// normaliseCohosts lowercases and checks co-host domains, dropping
// repeats.
func (s *Store) normaliseCohosts(domains []string) ([]string, error) {
	if len(domains) > maxSeriesCohosts {
		return nil, Invalid("cohosts", "at most %d", maxSeriesCohosts)
	}
	out := []string{}
	seen := map[string]bool{}
	for _, d := range domains {
		d = strings.ToLower(strings.TrimSpace(d))
		if !domainRE.MatchString(d) || len(d) > 253 {
			return nil, Invalid("cohosts", "%q is not an instance's domain such as example.org", d)
		}
		if d == strings.ToLower(s.links.Domain()) {
			return nil, Invalid("cohosts", "%q is this instance: it hosts the series", d)
		}
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out, nil
}

// CreateSeriesAs starts a series on behalf of m, who must be an admin;
// without facilitators named, m facilitates it.
func (s *Store) CreateSeriesAs(ctx context.Context, m *Member, ns NewSeries) (*Series, error) {
	if m == nil || m.Role != RoleAdmin {
		return nil, fmt.Errorf("start a series: %w", ErrForbidden)
	}
	if len(ns.Facilitators) == 0 {
		ns.Facilitators = []string{m.Username}
	}
	return s.CreateSeries(ctx, ns)
}

// CreateSeries starts a series: a Group actor @slug@domain in the namespace
// members and consultations share. Nothing is stored when any field is
// invalid.
func (s *Store) CreateSeries(ctx context.Context, ns NewSeries) (*Series, error) {
	ns.Slug = strings.TrimSpace(ns.Slug)
	ns.Title = strings.TrimSpace(ns.Title)
	if ValidateUsername(ns.Slug) != nil || len(ns.Slug) > maxSeriesSlug {
		return nil, Invalid("slug", "must be 1 to %d letters, digits or underscores", maxSeriesSlug)
	}
	if reservedNames[strings.ToLower(ns.Slug)] {
		return nil, Invalid("slug", "%q is reserved", ns.Slug)
	}
	if ns.Title == "" || utf8.RuneCountInString(ns.Title) > 150 {
		return nil, Invalid("title", "must be 1 to 150 characters")
	}
	if utf8.RuneCountInString(ns.PromptPattern) > 5000 {
		return nil, Invalid("prompt", "must be at most 5000 characters")
	}
	if utf8.RuneCountInString(ns.Description) > 5000 {
		return nil, Invalid("description", "must be at most 5000 characters")
	}
	if ns.Norms == nil {
		ns.Norms = []string{}
	}
	if err := validNorms(ns.Norms); err != nil {
		return nil, err
	}
	if ns.Participation == "" {
		ns.Participation = ParticipationOpen
	}
	if ns.Attribution == "" {
		ns.Attribution = AttributionNamed
	}
	if _, err := ParseParticipation(string(ns.Participation)); err != nil {
		return nil, err
	}
	if _, err := ParseAttribution(string(ns.Attribution)); err != nil {
		return nil, err
	}
	if err := validSeriesDurations(ns.SynthesisAfterDays, ns.ClosesAfterDays, ns.IntervalDays); err != nil {
		return nil, err
	}
	cohosts, err := s.normaliseCohosts(ns.Cohosts)
	if err != nil {
		return nil, err
	}
	if len(ns.Facilitators) > 20 {
		return nil, Invalid("facilitators", "at most 20")
	}
	var facilitators []string
	for _, name := range ns.Facilitators {
		m, err := s.MemberByUsername(ctx, name)
		if errors.Is(err, ErrNotFound) {
			return nil, Invalid("facilitators", "no member is called %q", name)
		}
		if err != nil {
			return nil, err
		}
		facilitators = append(facilitators, m.ID)
	}
	if s.links.Base == "" {
		return nil, errors.New("the instance's domain is not known yet: start serve once, or set ROUNDTABLE_DOMAIN")
	}
	now := s.Now()
	var interval *int
	var due *time.Time
	if ns.IntervalDays > 0 {
		interval = &ns.IntervalDays
		d := now.Add(days(ns.IntervalDays))
		if ns.FirstDue != nil {
			d = ns.FirstDue.UTC()
		}
		due = &d
	} else if ns.FirstDue != nil {
		return nil, Invalid("first_due", "needs interval_days")
	}
	priv, pub, err := s.keyPair()
	if err != nil {
		return nil, err
	}
	uri, _, inbox, shared, outbox, followers, following, keyID := s.localActorValues(ns.Slug)
	id := NewID(now)
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO accounts (id, username, display_name, note, locked, bot, discoverable, created_at, updated_at,
			actor_type, uri, url, inbox, shared_inbox, outbox, followers_url, following_url, public_key_id, public_key_pem, private_key_pem)
			VALUES ($1, $2, $3, $4, false, false, true, $5, $5, 'Group', $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
			id, ns.Slug, ns.Title, RenderMarkdown(ns.Description, nil).HTML, now,
			uri, s.links.Base+"/series/"+ns.Slug, inbox, shared, outbox, followers, following, keyID, pub, priv)
		if isUniqueViolation(err) {
			return &ConflictError{Message: "That name is taken by a member, a consultation or another series."}
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO series (account_id, title, description, prompt_pattern, norms, participation,
			attribution, cohosts, synthesis_after_days, closes_after_days, interval_days, next_due_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)`,
			id, ns.Title, ns.Description, ns.PromptPattern, ns.Norms, ns.Participation, ns.Attribution, cohosts,
			ns.SynthesisAfterDays, ns.ClosesAfterDays, interval, due, now); err != nil {
			return err
		}
		for _, f := range facilitators {
			if _, err := tx.Exec(ctx, `INSERT INTO series_facilitators (series_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, id, f); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("create series %s: %w", ns.Slug, err)
	}
	return s.Series(ctx, ns.Slug)
}

func days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }

// Series returns the series hosted here under slug.
func (s *Store) Series(ctx context.Context, slug string) (*Series, error) {
	return s.seriesWhere(ctx, s.pool, "lower(a.username) = lower($1) AND a.domain IS NULL", slug)
}

// SeriesByAccount returns the series whose Group account is id.
func (s *Store) SeriesByAccount(ctx context.Context, id string) (*Series, error) {
	return s.seriesWhere(ctx, s.pool, "se.account_id = $1", id)
}

func (s *Store) seriesWhere(ctx context.Context, q querier, where string, arg any) (*Series, error) {
	rows, _ := q.Query(ctx, `SELECT `+seriesColumns+` FROM series se JOIN accounts a ON a.id = se.account_id WHERE `+where, arg)
	se, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Series])
	if err != nil {
		return nil, notFound(err, "series")
	}
	rows, _ = q.Query(ctx, `SELECT `+accountColumns+` FROM series_facilitators f JOIN accounts a ON a.id = f.account_id
		WHERE f.series_id = $1 ORDER BY a.username`, se.AccountID)
	if se.Facilitators, err = pgx.CollectRows(rows, pgx.RowToStructByName[Account]); err != nil {
		return nil, fmt.Errorf("series facilitators: %w", err)
	}
	if err := q.QueryRow(ctx, `SELECT count(*) FROM follows WHERE target_account_id = $1 AND accepted`, se.AccountID).
		Scan(&se.Followers); err != nil {
		return nil, fmt.Errorf("series followers: %w", err)
	}
	return se, nil
}

// AllSeries lists the series hosted here, by title.
func (s *Store) AllSeries(ctx context.Context) ([]*Series, error) {
	rows, _ := s.pool.Query(ctx, `SELECT a.username FROM series se JOIN accounts a ON a.id = se.account_id
		ORDER BY lower(se.title) LIMIT 200`)
	slugs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list series: %w", err)
	}
	out := make([]*Series, 0, len(slugs))
	for _, slug := range slugs {
		se, err := s.Series(ctx, slug)
		if err != nil {
			return nil, err
		}
		out = append(out, se)
	}
	return out, nil
}

// IsFacilitator reports whether the member facilitates the series.
func (se *Series) IsFacilitator(m *Member) bool {
	if m == nil {
		return false
	}
	if m.Role == RoleAdmin {
		return true
	}
	for _, f := range se.Facilitators {
		if f.ID == m.ID {
			return true
		}
	}
	return false
}

// Editions returns the editions of a series, newest first (at most 500).
func (s *Store) Editions(ctx context.Context, seriesID string) ([]*Edition, error) {
	rows, _ := s.pool.Query(ctx, `SELECT e.number, e.cohosts, e.due_at, e.opened_at, a.username AS slug, c.title,
		c.phase, c.opens_at, c.synthesis_at, c.closes_at, c.synthesis_id
		FROM series_editions e LEFT JOIN consultations c ON c.account_id = e.consultation_id
		LEFT JOIN accounts a ON a.id = c.account_id
		WHERE e.series_id = $1 ORDER BY e.number DESC LIMIT 500`, seriesID)
	eds, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Edition])
	if err != nil {
		return nil, fmt.Errorf("editions: %w", err)
	}
	return eds, nil
}

// EditionOf returns the series and number of the edition that the
// consultation c is, or ErrNotFound when it belongs to no series.
func (s *Store) EditionOf(ctx context.Context, consultationID string) (*Series, int, error) {
	var seriesID string
	var n int
	err := s.pool.QueryRow(ctx, `SELECT series_id, number FROM series_editions WHERE consultation_id = $1`, consultationID).
		Scan(&seriesID, &n)
	if err != nil {
		return nil, 0, notFound(err, "edition")
	}
	se, err := s.SeriesByAccount(ctx, seriesID)
	return se, n, err
}

// editionPrompt fills in the series' prompt pattern for edition n opened
// on day.
func editionPrompt(pattern string, n int, day time.Time) string {
	return strings.NewReplacer("{edition}", strconv.Itoa(n), "{date}", day.Format(time.DateOnly)).Replace(pattern)
}

// OpenEditionAs opens the next edition of a series on behalf of m, who
// must facilitate the series (or be an admin).
func (s *Store) OpenEditionAs(ctx context.Context, m *Member, slug string) (*Consultation, error) {
	se, err := s.Series(ctx, slug)
	if err != nil {
		return nil, err
	}
	if !se.IsFacilitator(m) {
		return nil, fmt.Errorf("series %s is facilitated by others: %w", slug, ErrForbidden)
	}
	return s.openEdition(ctx, se, nil)
}

// OpenEdition opens the next edition of a series now.
func (s *Store) OpenEdition(ctx context.Context, slug string) (*Consultation, error) {
	se, err := s.Series(ctx, slug)
	if err != nil {
		return nil, err
	}
	return s.openEdition(ctx, se, nil)
}

// errEditionTaken says another process opened the edition (or the due
// date) first.
var errEditionTaken = &ConflictError{Message: "Another edition of this series is being opened at this moment; try again."}

// openEdition opens the next edition of se: a consultation with the
// template's norms, participation, attribution and co-hosts, its phase
// dates counted from now; due is the scheduled date it answers, if any.
// Its followers here are notified and those elsewhere sent an Announce.
func (s *Store) openEdition(ctx context.Context, se *Series, due *time.Time) (*Consultation, error) {
	now := s.Now()
	// The number is reserved first: two processes opening at once get
	// different numbers or a conflict, never the same edition twice.
	var n int
	err := s.pool.QueryRow(ctx, `INSERT INTO series_editions (series_id, number, cohosts, due_at, opened_at)
		SELECT $1, coalesce(max(number), 0) + 1, $2, $3, $4 FROM series_editions WHERE series_id = $1
		RETURNING number`, se.AccountID, se.Cohosts, due, now).Scan(&n)
	if isUniqueViolation(err) {
		return nil, errEditionTaken
	}
	if err != nil {
		return nil, fmt.Errorf("reserve edition of %s: %w", se.Slug, err)
	}
	release := func() {
		_, _ = s.pool.Exec(ctx, `DELETE FROM series_editions WHERE series_id = $1 AND number = $2 AND consultation_id IS NULL`,
			se.AccountID, n)
	}
	facilitators := make([]string, 0, len(se.Facilitators))
	for _, f := range se.Facilitators {
		facilitators = append(facilitators, f.Username)
	}
	c, err := s.CreateConsultation(ctx, NewConsultation{
		Slug: fmt.Sprintf("%s_%d", se.Slug, n), Title: fmt.Sprintf("%s — %d", se.Title, n),
		Prompt: editionPrompt(se.PromptPattern, n, now), Description: se.Description, Norms: se.Norms,
		Facilitators: facilitators, Phase: PhaseOpen, Participation: se.Participation, Attribution: se.Attribution,
	})
	if err != nil {
		release()
		return nil, err
	}
	synthesis, closes := now.Add(days(se.SynthesisAfterDays)), now.Add(days(se.ClosesAfterDays))
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE consultations SET opens_at = $2, synthesis_at = $3, closes_at = $4 WHERE account_id = $1`,
			c.AccountID, now, synthesis, closes); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE series_editions SET consultation_id = $3 WHERE series_id = $1 AND number = $2`,
			se.AccountID, n, c.AccountID); err != nil {
			return err
		}
		return s.tellEdition(ctx, tx, se, c, n)
	})
	if err != nil {
		return nil, fmt.Errorf("open edition %d of %s: %w", n, se.Slug, err)
	}
	s.inviteEditionCohosts(ctx, se, c)
	return s.Consultation(ctx, c.Slug)
}

// tellEdition notifies the series' followers here and announces the
// edition to its followers' servers.
func (s *Store) tellEdition(ctx context.Context, tx pgx.Tx, se *Series, c *Consultation, n int) error {
	rows, _ := tx.Query(ctx, `SELECT f.account_id FROM follows f JOIN members m ON m.account_id = f.account_id
		WHERE f.target_account_id = $1 AND f.accepted`, se.AccountID)
	local, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("series followers: %w", err)
	}
	for _, id := range local {
		if err := s.notifyWith(ctx, tx, id, c.AccountID, NotifyEdition, se.Title, nil); err != nil {
			return err
		}
	}
	inboxes, err := s.groupInboxes(ctx, tx, se.AccountID)
	if err != nil || len(inboxes) == 0 {
		return err
	}
	actor, err := s.actorWhere(ctx, tx, "a.id = $1", se.AccountID)
	if err != nil {
		return err
	}
	return s.publish(ctx, tx, &Outgoing{Kind: OutEdition, Actor: actor, ActivityID: actor.URI + "#editions/" + strconv.Itoa(n),
		ObjectURI: s.links.Actor(c.Slug), Reason: c.Title, Inboxes: inboxes})
}

// ReceiveEdition tells the members here who follow series, a series on
// another server, that it opened edition, announced by its Group.
func (s *Store) ReceiveEdition(ctx context.Context, series, edition *Account) error {
	if series.Local() || !series.Group() || !edition.Group() || deref(series.Domain) != deref(edition.Domain) {
		return fmt.Errorf("edition %s of %s: %w", edition.URI, series.URI, ErrForbidden)
	}
	title := series.DisplayName
	if title == "" {
		title = series.Username
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT f.account_id FROM follows f JOIN members m ON m.account_id = f.account_id
			WHERE f.target_account_id = $1 AND f.accepted
			AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.account_id = f.account_id
				AND n.from_account_id = $2 AND n.type = $3)`, series.ID, edition.ID, NotifyEdition)
		told, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("series followers: %w", err)
		}
		for _, id := range told {
			if err := s.notifyWith(ctx, tx, id, edition.ID, NotifyEdition, title, nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// SeriesDueArgs is the periodic job that opens the editions of series
// whose scheduled date has come.
type SeriesDueArgs struct{}

// Kind names the job in the queue.
func (SeriesDueArgs) Kind() string { return "series_due" }

// OpenDueEditions opens an edition of every series whose next date has
// come, and moves that date on by the series' interval (past now, should
// several intervals have passed). Each due date opens at most one edition,
// however many processes run this at once: the date is claimed by a
// compare-and-set before the edition opens, and the edition records it.
// It returns how many editions it opened.
func (s *Store) OpenDueEditions(ctx context.Context) (int, error) {
	now := s.Now()
	rows, _ := s.pool.Query(ctx, `SELECT account_id, next_due_at, interval_days FROM series
		WHERE next_due_at <= $1 AND interval_days IS NOT NULL ORDER BY next_due_at LIMIT $2`, now, maxSeriesDue)
	type due struct {
		ID       string    `db:"account_id"`
		At       time.Time `db:"next_due_at"`
		Interval int       `db:"interval_days"`
	}
	dues, err := pgx.CollectRows(rows, pgx.RowToStructByName[due])
	if err != nil {
		return 0, fmt.Errorf("due series: %w", err)
	}
	opened := 0
	for _, d := range dues {
		next := d.At
		for !next.After(now) {
			next = next.Add(days(d.Interval))
		}
		tag, err := s.pool.Exec(ctx, `UPDATE series SET next_due_at = $3 WHERE account_id = $1 AND next_due_at = $2`, d.ID, d.At, next)
		if err != nil {
			return opened, fmt.Errorf("claim due series: %w", err)
		}
		if tag.RowsAffected() == 0 {
			continue // another process took it
		}
		se, err := s.SeriesByAccount(ctx, d.ID)
		if err != nil {
			return opened, err
		}
		at := d.At
		if _, err := s.openEdition(ctx, se, &at); err != nil {
			if errors.Is(err, ErrConflict) {
				continue
			}
			// Give the date back, to be tried again on the next run.
			_, _ = s.pool.Exec(ctx, `UPDATE series SET next_due_at = $2 WHERE account_id = $1 AND next_due_at = $3`, d.ID, d.At, next)
			return opened, err
		}
		opened++
	}
	return opened, nil
}

type seriesDueWorker struct {
	river.WorkerDefaults[SeriesDueArgs]
	store *Store
}

func (w *seriesDueWorker) Work(ctx context.Context, _ *river.Job[SeriesDueArgs]) error {
	_, err := w.store.OpenDueEditions(ctx)
	return err
}
