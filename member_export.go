package roundtable

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// MemberArchive is everything stored of a member, as they download it.
type MemberArchive struct {
	ExportedAt time.Time        `json:"exported_at"`
	Account    ArchiveAccount   `json:"account"`
	Statuses   []ArchiveStatus  `json:"statuses"`
	Following  []ArchiveAccount `json:"following"`
	Followers  []ArchiveAccount `json:"followers"`
	Blocks     []ArchiveAccount `json:"blocks"`
	Mutes      []ArchiveAccount `json:"mutes"`
	Bookmarks  []ArchiveStatus  `json:"bookmarks"`
	Favourites []ArchiveStatus  `json:"favourites"`
}

// ArchiveAccount is an account in an archive.
type ArchiveAccount struct {
	Acct        string         `json:"acct" db:"acct"`
	URI         string         `json:"uri" db:"uri"`
	DisplayName string         `json:"display_name,omitempty" db:"display_name"`
	Note        string         `json:"note,omitempty" db:"note_source"`
	Fields      []ProfileField `json:"fields,omitempty" db:"-"`
	Email       string         `json:"email,omitempty" db:"-"`
	Language    string         `json:"language,omitempty" db:"-"`
	ReplyPolicy string         `json:"default_reply_policy,omitempty" db:"-"`
	Visibility  string         `json:"default_visibility,omitempty" db:"-"`
	CreatedAt   *time.Time     `json:"created_at,omitempty" db:"created_at"`
}

// ArchiveStatus is a status in an archive.
type ArchiveStatus struct {
	ID          string    `json:"id" db:"id"`
	URI         string    `json:"uri" db:"uri"`
	CreatedAt   time.Time `json:"created_at" db:"created_at"`
	Visibility  string    `json:"visibility" db:"visibility"`
	SpoilerText string    `json:"spoiler_text,omitempty" db:"spoiler_text"`
	Source      string    `json:"text,omitempty" db:"source"`
	Content     string    `json:"content" db:"content"`
	InReplyTo   string    `json:"in_reply_to,omitempty" db:"in_reply_to"`
}

// ExportMember returns the member's archive.
func (s *Store) ExportMember(ctx context.Context, m *Member) (*MemberArchive, error) {
	fields, err := s.ProfileFields(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	created := m.CreatedAt
	arc := &MemberArchive{ExportedAt: s.Now(), Account: ArchiveAccount{Acct: m.Username, URI: m.URI,
		DisplayName: m.DisplayName, Note: m.NoteSource, Fields: fields, Email: m.Email, ReplyPolicy: string(m.DefaultReplyPolicy),
		Visibility: m.DefaultVisibility, CreatedAt: &created}}
	if m.Language != nil {
		arc.Account.Language = *m.Language
	}
	const statusCols = `s.id, coalesce(s.uri, '') AS uri, s.created_at, s.visibility, s.spoiler_text, s.source, s.content,
		coalesce(p.uri, s.in_reply_to_uri, '') AS in_reply_to`
	if arc.Statuses, err = archiveRows[ArchiveStatus](ctx, s, `SELECT `+statusCols+` FROM statuses s
		LEFT JOIN statuses p ON p.id = s.in_reply_to_id WHERE s.account_id = $1 ORDER BY s.id`, m.ID); err != nil {
		return nil, err
	}
	for _, kind := range []string{"bookmarks", "favourites"} {
		sts, err := archiveRows[ArchiveStatus](ctx, s, `SELECT `+statusCols+` FROM `+kind+` k JOIN statuses s ON s.id = k.status_id
			LEFT JOIN statuses p ON p.id = s.in_reply_to_id WHERE k.account_id = $1 ORDER BY k.id`, m.ID)
		if err != nil {
			return nil, err
		}
		if kind == "bookmarks" {
			arc.Bookmarks = sts
		} else {
			arc.Favourites = sts
		}
	}
	const accountCols = `CASE WHEN a.domain IS NULL THEN a.username ELSE a.username || '@' || a.domain END AS acct,
		coalesce(a.uri, '') AS uri, a.display_name, '' AS note_source, NULL::timestamptz AS created_at`
	lists := []struct {
		into *[]ArchiveAccount
		sql  string
	}{
		{&arc.Following, `FROM follows x JOIN accounts a ON a.id = x.target_account_id WHERE x.account_id = $1`},
		{&arc.Followers, `FROM follows x JOIN accounts a ON a.id = x.account_id WHERE x.target_account_id = $1`},
		{&arc.Blocks, `FROM blocks x JOIN accounts a ON a.id = x.target_account_id WHERE x.account_id = $1`},
		{&arc.Mutes, `FROM mutes x JOIN accounts a ON a.id = x.target_account_id WHERE x.account_id = $1`},
	}
	for _, l := range lists {
		if *l.into, err = archiveRows[ArchiveAccount](ctx, s, `SELECT `+accountCols+` `+l.sql+` ORDER BY acct`, m.ID); err != nil {
			return nil, err
		}
	}
	return arc, nil
}

// archiveRows runs one query of an archive.
func archiveRows[T any](ctx context.Context, s *Store, sql, id string) ([]T, error) {
	rows, _ := s.pool.Query(ctx, sql, id)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[T])
	if err != nil {
		return nil, fmt.Errorf("export of %s: %w", id, err)
	}
	if out == nil {
		out = []T{}
	}
	return out, nil
}
