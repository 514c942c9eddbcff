package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
	"github.com/roundtable-fed/roundtable/media"
)

// RemoteMedia fetches the files of remote attachments for the media proxy,
// refusing addresses the instance must not reach and anything larger than
// limit bytes.
type RemoteMedia interface {
	FetchMedia(ctx context.Context, uri string, limit int64) ([]byte, error)
}

var errNoMedia = &apiError{status: http.StatusServiceUnavailable, message: "This instance takes no media uploads"}

type mediaSizeJSON struct {
	Width  int     `json:"width"`
	Height int     `json:"height"`
	Size   string  `json:"size"`
	Aspect float64 `json:"aspect"`
}

type mediaJSON struct {
	ID               string         `json:"id"`
	Type             string         `json:"type"`
	URL              *string        `json:"url"`
	PreviewURL       *string        `json:"preview_url"`
	RemoteURL        *string        `json:"remote_url"`
	PreviewRemoteURL *string        `json:"preview_remote_url"`
	TextURL          *string        `json:"text_url"`
	Meta             map[string]any `json:"meta"`
	Description      *string        `json:"description"`
	Blurhash         *string        `json:"blurhash"`
}

func mediaSize(w, h *int) (mediaSizeJSON, bool) {
	if w == nil || h == nil || *w <= 0 || *h <= 0 {
		return mediaSizeJSON{}, false
	}
	return mediaSizeJSON{Width: *w, Height: *h, Size: fmt.Sprintf("%dx%d", *w, *h), Aspect: media.Aspect(*w, *h)}, true
}

// mediaAttachment renders an attachment. Uploads are served from the
// instance's media directory; remote images through its proxy, so that no
// reader loads them from their origin; other remote files (video, audio)
// link to their origin.
func (s *Server) mediaAttachment(a *roundtable.MediaAttachment) mediaJSON {
	out := mediaJSON{ID: a.ID, Type: a.Type, RemoteURL: a.RemoteURL, Description: a.Description, Blurhash: a.Blurhash,
		Meta: map[string]any{"focus": map[string]float64{"x": a.FocusX, "y": a.FocusY}}}
	switch {
	case a.Local():
		u := s.links.Media(*a.File)
		out.URL = &u
		if a.SmallFile != nil {
			p := s.links.Media(*a.SmallFile)
			out.PreviewURL = &p
		}
	case a.Type == "image":
		u, p := s.links.MediaProxy(a.ID, false), s.links.MediaProxy(a.ID, true)
		out.URL, out.PreviewURL = &u, &p
	default:
		out.URL = a.RemoteURL
	}
	if o, ok := mediaSize(a.Width, a.Height); ok {
		out.Meta["original"] = o
	}
	if sm, ok := mediaSize(a.SmallWidth, a.SmallHeight); ok {
		out.Meta["small"] = sm
	}
	return out
}

func (s *Server) mediaAttachments(as []*roundtable.MediaAttachment) []any {
	out := make([]any, len(as))
	for i, a := range as {
		out[i] = s.mediaAttachment(a)
	}
	return out
}

// uploadMedia serves POST /api/v1/media and /api/v2/media: a multipart
// form with file, and optionally thumbnail, description and focus. The
// picture is processed at once, so both answer 200 with its url.
func (s *Server) uploadMedia(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.cfg.Media == nil {
		s.writeError(w, r, errNoMedia)
		return
	}
	lim := media.DefaultLimits
	tooLarge := &apiError{status: http.StatusRequestEntityTooLarge,
		message: fmt.Sprintf("The file is too large: the limit is %d MB", lim.MaxBytes>>20)}
	// Room for the file, a thumbnail and the other fields.
	r.Body = http.MaxBytesReader(w, r.Body, 2*lim.MaxBytes+maxBody)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			s.writeError(w, r, tooLarge)
		case errors.Is(err, http.ErrNotMultipart):
			s.writeError(w, r, roundtable.Invalid("file", "must be sent as multipart/form-data"))
		default:
			s.writeError(w, r, errStatus(http.StatusBadRequest, "The request body could not be read: "+err.Error()))
		}
		return
	}
	defer r.MultipartForm.RemoveAll()
	read := func(name string) ([]byte, error) {
		f, _, err := r.FormFile(name)
		if errors.Is(err, http.ErrMissingFile) {
			return nil, nil
		}
		if err != nil {
			return nil, roundtable.Invalid(name, "could not be read")
		}
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, lim.MaxBytes+1))
		if err != nil {
			return nil, roundtable.Invalid(name, "could not be read")
		}
		if int64(len(data)) > lim.MaxBytes {
			return nil, tooLarge
		}
		return data, nil
	}
	data, err := read("file")
	if err == nil && data == nil {
		err = roundtable.Invalid("file", "is missing: send the picture as the multipart field file")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	im, err := media.Process(data, lim, "file")
	if errors.Is(err, media.ErrTooLarge) {
		err = tooLarge
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	nm := roundtable.NewMedia{
		Description: r.FormValue("description"), Focus: r.FormValue("focus"),
		Data: im.Data, ContentType: im.ContentType, Ext: im.Ext, Width: im.Width, Height: im.Height,
		Small: im.Small, SmallExt: im.SmallExt, SmallWidth: im.SmallWidth, SmallHeight: im.SmallHeight,
		Blurhash: im.Blurhash,
	}
	thumb, err := read("thumbnail")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if thumb != nil {
		t, err := media.Process(thumb, lim, "thumbnail")
		if errors.Is(err, media.ErrTooLarge) {
			err = tooLarge
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		nm.Small, nm.SmallExt, nm.SmallWidth, nm.SmallHeight = t.Small, t.SmallExt, t.SmallWidth, t.SmallHeight
	}
	a, err := s.store.CreateMedia(r.Context(), m, nm)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.mediaAttachment(a))
}

func (s *Server) getMedia(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.store.Media(r.Context(), m, chi.URLParam(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.mediaAttachment(a))
}

func (s *Server) updateMedia(w http.ResponseWriter, r *http.Request) {
	m, p, ok := s.memberParams(w, r)
	if !ok {
		return
	}
	var e roundtable.MediaEdit
	for _, f := range []struct {
		name string
		dst  **string
	}{{"description", &e.Description}, {"focus", &e.Focus}} {
		if !p.has(f.name) {
			continue
		}
		v, err := p.str(f.name)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		*f.dst = &v
	}
	a, err := s.store.UpdateMedia(r.Context(), m, chi.URLParam(r, "id"), e)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.mediaAttachment(a))
}

func (s *Server) deleteMedia(w http.ResponseWriter, r *http.Request) {
	m, err := member(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.store.DeleteMedia(r.Context(), m, chi.URLParam(r, "id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

// serveMediaFile serves an upload's file. Files never change under a name,
// so they may be cached for good.
func (s *Server) serveMediaFile(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "name")
	if s.cfg.Media == nil {
		http.NotFound(w, r)
		return
	}
	f, err := s.cfg.Media.Open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	serveImage(w, r, f, name, "public, max-age=31536000, immutable")
}

// proxyMedia serves a remote image, or its preview, from the cache, first
// fetching it from its origin (through the federation client, which refuses
// private addresses and blocked domains) and re-encoding it like an upload.
func (s *Server) proxyMedia(small bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Media == nil || s.cfg.RemoteMedia == nil {
			http.NotFound(w, r)
			return
		}
		a, err := s.store.RemoteMedia(r.Context(), chi.URLParam(r, "id"))
		if err != nil || a.Type != "image" {
			http.NotFound(w, r)
			return
		}
		suffix := ""
		if small {
			suffix = "_small"
		}
		for _, ext := range []string{".jpg", ".png"} {
			if f, err := s.cfg.Media.Cached(a.ID + suffix + ext); err == nil {
				defer f.Close()
				serveImage(w, r, f, a.ID+suffix+ext, "public, max-age=86400")
				return
			}
		}
		lim := media.DefaultLimits
		data, err := s.cfg.RemoteMedia.FetchMedia(r.Context(), *a.RemoteURL, lim.MaxBytes)
		if err != nil {
			s.log.WarnContext(r.Context(), "remote media not fetched", "url", *a.RemoteURL, "err", err)
			http.Error(w, "The image could not be fetched from its server.", http.StatusBadGateway)
			return
		}
		im, err := media.Process(data, lim, "file")
		if err != nil {
			http.Error(w, "The remote file is not an image this instance shows.", http.StatusBadGateway)
			return
		}
		original, preview := a.ID+"."+im.Ext, a.ID+"_small."+im.SmallExt
		if err := s.cfg.Media.Cache(original, im.Data); err != nil {
			s.log.ErrorContext(r.Context(), "remote media not cached", "err", err)
		}
		if err := s.cfg.Media.Cache(preview, im.Small); err != nil {
			s.log.ErrorContext(r.Context(), "remote media not cached", "err", err)
		}
		body, name := im.Data, original
		if small {
			body, name = im.Small, preview
		}
		w.Header().Set("Content-Type", media.ContentType(name))
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		_, _ = w.Write(body)
	}
}

// serveImage answers with a stored image, supporting ranges and
// conditional requests.
func serveImage(w http.ResponseWriter, r *http.Request, f *os.File, name, cacheControl string) {
	info, err := f.Stat()
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			http.NotFound(w, r)
			return
		}
		http.Error(w, "The file could not be read.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", media.ContentType(name))
	w.Header().Set("Cache-Control", cacheControl)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	http.ServeContent(w, r, name, info.ModTime(), f)
}

// pageMedia returns the images of a status for pages, through the same
// addresses as the client API (never a remote server's).
func (s *Server) pageMedia(as []*roundtable.MediaAttachment) []pageMedia {
	var out []pageMedia
	for _, a := range as {
		j := s.mediaAttachment(a)
		if a.Type != "image" || j.URL == nil || j.PreviewURL == nil {
			continue
		}
		pm := pageMedia{URL: *j.URL, PreviewURL: *j.PreviewURL, Description: deref(a.Description)}
		if sm, ok := mediaSize(a.SmallWidth, a.SmallHeight); ok {
			pm.Width, pm.Height = sm.Width, sm.Height
		}
		out = append(out, pm)
	}
	return out
}
