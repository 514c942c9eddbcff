package roundtable

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Media attachments. A member uploads a picture first; it stays unattached
// until a status takes it (at most MaxStatusMedia per status, the member's
// own only). The files are kept by MediaFiles; a remote status's
// attachments are rows that point at their origin (RemoteURL), which the
// instance proxies so that readers never load them from elsewhere.

// MaxStatusMedia is how many attachments a status may carry.
const MaxStatusMedia = 4

// MaxMediaDescription is the longest alt text, in characters.
const MaxMediaDescription = 1500

// unattachedMediaLifetime is how long an upload waits for a status.
const unattachedMediaLifetime = 24 * time.Hour

// MediaFiles keeps the files of uploads.
type MediaFiles interface {
	Save(name string, data []byte) error
	Remove(names ...string) error
}

// SetMediaFiles wires the Store to the directory where uploads live.
// Without one, uploads are refused.
func (s *Store) SetMediaFiles(f MediaFiles) { s.mediaFiles = f }

// MediaAttachment is an uploaded picture or a remote status's attachment.
type MediaAttachment struct {
	ID          string    `db:"id"`
	AccountID   string    `db:"account_id"`
	StatusID    *string   `db:"status_id"`
	Type        string    `db:"type"` // image, gifv, video, audio or unknown
	ContentType string    `db:"content_type"`
	File        *string   `db:"file"`       // local: the original's file name
	SmallFile   *string   `db:"small_file"` // local: the preview's file name
	RemoteURL   *string   `db:"remote_url"` // remote: the original at its origin
	Description *string   `db:"description"`
	FocusX      float64   `db:"focus_x"`
	FocusY      float64   `db:"focus_y"`
	Width       *int      `db:"width"`
	Height      *int      `db:"height"`
	Size        *int64    `db:"size"`
	SmallWidth  *int      `db:"small_width"`
	SmallHeight *int      `db:"small_height"`
	Blurhash    *string   `db:"blurhash"`
	CreatedAt   time.Time `db:"created_at"`
}

const mediaColumns = `id, account_id, status_id, type, content_type, file, small_file, remote_url, description,
	focus_x, focus_y, width, height, size, small_width, small_height, blurhash, created_at`

// Local reports whether the attachment was uploaded here.
func (m *MediaAttachment) Local() bool { return m.File != nil }

// Media returns the public address of an uploaded file.
func (l Links) Media(file string) string { return l.Base + "/media/" + file }

// MediaProxy returns the address through which the instance serves a
// remote attachment, or its preview.
func (l Links) MediaProxy(id string, small bool) string {
	if small {
		return l.Base + "/media/proxy/" + id + "/small"
	}
	return l.Base + "/media/proxy/" + id
}

// NewMedia is an uploaded picture, already re-encoded without metadata,
// with its preview.
type NewMedia struct {
	Description string
	Focus       string // "x,y", each from -1 to 1; empty for the centre

	Data        []byte
	ContentType string
	Ext         string
	Width       int
	Height      int

	Small       []byte
	SmallExt    string
	SmallWidth  int
	SmallHeight int

	Blurhash string
}

// ParseFocus reads a focal point "x,y", each from -1.0 to 1.0.
func ParseFocus(s string) (x, y float64, err error) {
	xs, ys, ok := strings.Cut(strings.TrimSpace(s), ",")
	if ok {
		x, err = strconv.ParseFloat(strings.TrimSpace(xs), 64)
	}
	if ok && err == nil {
		y, err = strconv.ParseFloat(strings.TrimSpace(ys), 64)
	}
	if !ok || err != nil || math.IsNaN(x) || math.IsNaN(y) || x < -1 || x > 1 || y < -1 || y > 1 {
		return 0, 0, Invalid("focus", "must be two numbers from -1.0 to 1.0 separated by a comma, such as 0.5,-0.25")
	}
	return x, y, nil
}

func validDescription(d string) error {
	if !utf8.ValidString(d) {
		return Invalid("description", "is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(d); n > MaxMediaDescription {
		return Invalid("description", "is too long (%d characters; the limit is %d)", n, MaxMediaDescription)
	}
	return nil
}

// CreateMedia stores an upload of the member, unattached.
func (s *Store) CreateMedia(ctx context.Context, m *Member, nm NewMedia) (*MediaAttachment, error) {
	if s.mediaFiles == nil {
		return nil, errors.New("create media: no media directory")
	}
	if err := validDescription(nm.Description); err != nil {
		return nil, err
	}
	var fx, fy float64
	if strings.TrimSpace(nm.Focus) != "" {
		var err error
		if fx, fy, err = ParseFocus(nm.Focus); err != nil {
			return nil, err
		}
	}
	now := s.Now()
	id := NewID(now)
	file, small := id+"."+nm.Ext, id+"_small."+nm.SmallExt
	if err := s.mediaFiles.Save(file, nm.Data); err != nil {
		return nil, err
	}
	if err := s.mediaFiles.Save(small, nm.Small); err != nil {
		_ = s.mediaFiles.Remove(file)
		return nil, err
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO media_attachments (id, account_id, type, content_type, file, small_file,
		description, focus_x, focus_y, width, height, size, small_width, small_height, blurhash, created_at)
		VALUES ($1, $2, 'image', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		id, m.ID, nm.ContentType, file, small, nullable(strings.TrimSpace(nm.Description)), fx, fy, nm.Width, nm.Height,
		len(nm.Data), nm.SmallWidth, nm.SmallHeight, nullable(nm.Blurhash), now)
	if err != nil {
		_ = s.mediaFiles.Remove(file, small)
		return nil, fmt.Errorf("create media: %w", err)
	}
	return s.Media(ctx, m, id)
}

// Media returns one of the member's own attachments.
func (s *Store) Media(ctx context.Context, m *Member, id string) (*MediaAttachment, error) {
	if !ValidID(id) {
		return nil, fmt.Errorf("media %q: %w", id, ErrNotFound)
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+mediaColumns+` FROM media_attachments WHERE id = $1 AND account_id = $2`, id, m.ID)
	a, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[MediaAttachment])
	if err != nil {
		return nil, notFound(err, "media "+id)
	}
	return a, nil
}

// RemoteMedia returns a remote status's attachment, for the proxy.
func (s *Store) RemoteMedia(ctx context.Context, id string) (*MediaAttachment, error) {
	if !ValidID(id) {
		return nil, fmt.Errorf("media %q: %w", id, ErrNotFound)
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+mediaColumns+` FROM media_attachments
		WHERE id = $1 AND remote_url IS NOT NULL AND status_id IS NOT NULL`, id)
	a, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[MediaAttachment])
	if err != nil {
		return nil, notFound(err, "media "+id)
	}
	return a, nil
}

// MediaEdit changes an attachment's alt text or focal point; nil fields
// stay.
type MediaEdit struct {
	Description *string
	Focus       *string
}

// UpdateMedia changes one of the member's attachments.
func (s *Store) UpdateMedia(ctx context.Context, m *Member, id string, e MediaEdit) (*MediaAttachment, error) {
	a, err := s.Media(ctx, m, id)
	if err != nil {
		return nil, err
	}
	desc, fx, fy := a.Description, a.FocusX, a.FocusY
	if e.Description != nil {
		if err := validDescription(*e.Description); err != nil {
			return nil, err
		}
		d := strings.TrimSpace(*e.Description)
		desc = &d
		if d == "" {
			desc = nil
		}
	}
	if e.Focus != nil {
		if strings.TrimSpace(*e.Focus) == "" {
			fx, fy = 0, 0
		} else if fx, fy, err = ParseFocus(*e.Focus); err != nil {
			return nil, err
		}
	}
	if _, err := s.pool.Exec(ctx, `UPDATE media_attachments SET description = $2, focus_x = $3, focus_y = $4 WHERE id = $1`,
		id, desc, fx, fy); err != nil {
		return nil, fmt.Errorf("update media %s: %w", id, err)
	}
	return s.Media(ctx, m, id)
}

// DeleteMedia deletes one of the member's uploads that no status carries.
func (s *Store) DeleteMedia(ctx context.Context, m *Member, id string) error {
	a, err := s.Media(ctx, m, id)
	if err != nil {
		return err
	}
	if a.StatusID != nil {
		return Conflict("the media is attached to a status; delete or edit the status instead")
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM media_attachments WHERE id = $1 AND status_id IS NULL`, id)
	if err != nil {
		return fmt.Errorf("delete media %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return Conflict("the media is attached to a status; delete or edit the status instead")
	}
	return s.removeFiles(a)
}

func (s *Store) removeFiles(as ...*MediaAttachment) error {
	if s.mediaFiles == nil {
		return nil
	}
	var names []string
	for _, a := range as {
		for _, f := range []*string{a.File, a.SmallFile} {
			if f != nil {
				names = append(names, *f)
			}
		}
	}
	if len(names) == 0 {
		return nil
	}
	return s.mediaFiles.Remove(names...)
}

// checkMediaIDs validates the media a status of accountID is to carry:
// at most MaxStatusMedia, each an upload of the account that no other
// status carries (statusID, when editing, may carry them already).
func (s *Store) checkMediaIDs(ctx context.Context, q querier, accountID, statusID string, ids []string) error {
	if len(ids) > MaxStatusMedia {
		return Invalid("media_ids", "a status carries at most %d attachments", MaxStatusMedia)
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			return Invalid("media_ids", "lists %s twice", id)
		}
		seen[id] = true
		if !ValidID(id) {
			return Invalid("media_ids", "no media %s of yours can be attached", id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, _ := q.Query(ctx, `SELECT id FROM media_attachments WHERE id = ANY($1) AND account_id = $2 AND file IS NOT NULL
		AND (status_id IS NULL OR status_id = $3)`, ids, accountID, nullable(statusID))
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("check media: %w", err)
	}
	ok := map[string]bool{}
	for _, id := range found {
		ok[id] = true
	}
	for _, id := range ids {
		if !ok[id] {
			return Invalid("media_ids", "no media %s of yours can be attached (it is someone else's, already used or gone)", id)
		}
	}
	return nil
}

// attachMedia makes ids, in that order, the attachments of a status,
// releasing those it carried before that are not among them.
func (s *Store) attachMedia(ctx context.Context, tx pgx.Tx, accountID, statusID string, ids []string) error {
	if err := s.checkMediaIDs(ctx, tx, accountID, statusID, ids); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE media_attachments SET status_id = NULL, created_at = $3
		WHERE status_id = $1 AND NOT (id = ANY($2))`, statusID, ids, s.Now()); err != nil {
		return fmt.Errorf("release media: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	tag, err := tx.Exec(ctx, `UPDATE media_attachments SET status_id = $1, position = array_position($3::text[], id)
		WHERE id = ANY($3) AND account_id = $2 AND (status_id IS NULL OR status_id = $1)`, statusID, accountID, ids)
	if err != nil {
		return fmt.Errorf("attach media: %w", err)
	}
	if int(tag.RowsAffected()) != len(ids) {
		return Invalid("media_ids", "some of the media can no longer be attached")
	}
	return nil
}

// hydrateMedia fills in the attachments of sts.
func (s *Store) hydrateMedia(ctx context.Context, sts []*Status, ids []string) error {
	rows, _ := s.reader(ctx).Query(ctx, `SELECT `+mediaColumns+` FROM media_attachments WHERE status_id = ANY($1)
		ORDER BY status_id, position, id`, ids)
	as, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[MediaAttachment])
	if err != nil {
		return fmt.Errorf("load media: %w", err)
	}
	index := make(map[string]*Status, len(sts))
	for _, st := range sts {
		st.Media = []*MediaAttachment{}
		index[st.ID] = st
	}
	for _, a := range as {
		if st := index[*a.StatusID]; st != nil {
			st.Media = append(st.Media, a)
		}
	}
	return nil
}

// ObjectAttachment is an attachment as ActivityPub shows it.
type ObjectAttachment struct {
	Type      string // Document
	MediaType string
	URL       string
	Name      string // the alt text
	Blurhash  string
	Width     int
	Height    int
	FocusX    float64
	FocusY    float64
}

// objectAttachments returns the attachments of a status for ActivityPub.
func (s *Store) objectAttachments(ctx context.Context, q querier, statusID string) ([]ObjectAttachment, error) {
	rows, _ := q.Query(ctx, `SELECT `+mediaColumns+` FROM media_attachments WHERE status_id = $1 ORDER BY position, id`, statusID)
	as, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[MediaAttachment])
	if err != nil {
		return nil, fmt.Errorf("attachments of %s: %w", statusID, err)
	}
	out := make([]ObjectAttachment, 0, len(as))
	for _, a := range as {
		o := ObjectAttachment{Type: "Document", MediaType: a.ContentType, Name: deref(a.Description),
			Blurhash: deref(a.Blurhash), FocusX: a.FocusX, FocusY: a.FocusY}
		switch {
		case a.File != nil:
			o.URL = s.links.Media(*a.File)
		case a.RemoteURL != nil:
			o.URL = *a.RemoteURL
		}
		if a.Width != nil && a.Height != nil {
			o.Width, o.Height = *a.Width, *a.Height
		}
		out = append(out, o)
	}
	return out, nil
}

// RemoteAttachment is an attachment of a remote status as received.
type RemoteAttachment struct {
	URL       string
	MediaType string
	Name      string
	Blurhash  string
	Width     int
	Height    int
	FocusX    float64
	FocusY    float64
}

// mediaTypeOf is the client API's type of an attachment with content type
// ct.
func mediaTypeOf(ct string) string {
	switch {
	case strings.HasPrefix(ct, "image/"):
		return "image"
	case strings.HasPrefix(ct, "video/"):
		return "video"
	case strings.HasPrefix(ct, "audio/"):
		return "audio"
	}
	return "unknown"
}

// saveRemoteMedia replaces the attachments of a remote status with ras
// (at most MaxStatusMedia; those without an http(s) URL are dropped).
func (s *Store) saveRemoteMedia(ctx context.Context, tx pgx.Tx, accountID, statusID string, ras []RemoteAttachment) error {
	if _, err := tx.Exec(ctx, `DELETE FROM media_attachments WHERE status_id = $1`, statusID); err != nil {
		return fmt.Errorf("replace attachments: %w", err)
	}
	now := s.Now()
	n := 0
	for _, ra := range ras {
		if n == MaxStatusMedia {
			break
		}
		if !strings.HasPrefix(ra.URL, "https://") && !strings.HasPrefix(ra.URL, "http://") || len(ra.URL) > 2048 {
			continue
		}
		desc := PlainText(ra.Name)
		if utf8.RuneCountInString(desc) > MaxMediaDescription {
			desc = string([]rune(desc)[:MaxMediaDescription])
		}
		var w, h *int
		if ra.Width > 0 && ra.Height > 0 && ra.Width < 1<<20 && ra.Height < 1<<20 {
			w, h = &ra.Width, &ra.Height
		}
		bh := ra.Blurhash
		if len(bh) > 100 {
			bh = ""
		}
		fx, fy := clampFocus(ra.FocusX), clampFocus(ra.FocusY)
		ct := strings.ToLower(strings.TrimSpace(ra.MediaType))
		if len(ct) > 100 {
			ct = ""
		}
		n++
		if _, err := tx.Exec(ctx, `INSERT INTO media_attachments (id, account_id, status_id, position, type, content_type,
			remote_url, description, focus_x, focus_y, width, height, blurhash, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
			NewID(now), accountID, statusID, n, mediaTypeOf(ct), ct, ra.URL, nullable(desc), fx, fy, w, h, nullable(bh), now); err != nil {
			return fmt.Errorf("store attachment: %w", err)
		}
	}
	return nil
}

func clampFocus(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return math.Max(-1, math.Min(1, v))
}

// cleanupMedia removes uploads that waited more than a day for a status,
// and the rows of remote attachments whose status is gone.
func (s *Store) cleanupMedia(ctx context.Context) error {
	rows, _ := s.pool.Query(ctx, `DELETE FROM media_attachments WHERE status_id IS NULL
		AND (file IS NULL OR created_at < $1) RETURNING `+mediaColumns, s.Now().Add(-unattachedMediaLifetime))
	gone, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[MediaAttachment])
	if err != nil {
		return fmt.Errorf("cleanup media: %w", err)
	}
	if err := s.removeFiles(gone...); err != nil {
		return fmt.Errorf("cleanup media: %w", err)
	}
	return nil
}
