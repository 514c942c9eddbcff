package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/roundtable-fed/roundtable"
)

// Media attachments: how a status's pictures travel (attachment, as
// Mastodon sends them) and how the instance fetches remote ones for its
// media proxy.

// attachmentDocuments renders a status's attachments as Mastodon does:
// Documents with mediaType, url, name (the alt text, null when there is
// none), blurhash, width, height and focalPoint.
func attachmentDocuments(as []roundtable.ObjectAttachment) []any {
	out := make([]any, 0, len(as))
	for _, a := range as {
		d := map[string]any{"type": a.Type, "mediaType": a.MediaType, "url": a.URL, "name": nil,
			"focalPoint": []float64{a.FocusX, a.FocusY}}
		if a.Name != "" {
			d["name"] = a.Name
		}
		if a.Blurhash != "" {
			d["blurhash"] = a.Blurhash
		}
		if a.Width > 0 && a.Height > 0 {
			d["width"], d["height"] = a.Width, a.Height
		}
		out = append(out, d)
	}
	return out
}

// remoteAttachments reads a note's attachments tolerantly: url may be a
// string, a Link or a list of them; the media type may sit on the
// attachment or on its Link.
func remoteAttachments(note map[string]any) []roundtable.RemoteAttachment {
	var out []roundtable.RemoteAttachment
	for _, a := range objects(note["attachment"]) {
		switch typeOf(a) {
		case "Document", "Image", "Video", "Audio", "Link", "":
		default:
			continue // PropertyValue and other non-media
		}
		ra := roundtable.RemoteAttachment{MediaType: str(a["mediaType"]), Name: text(a, "name"), Blurhash: str(a["blurhash"])}
		switch u := a["url"].(type) {
		case string:
			ra.URL = u
		default:
			if l := obj(u); l != nil {
				ra.URL = str(l["href"])
				if ra.MediaType == "" {
					ra.MediaType = str(l["mediaType"])
				}
			} else {
				ra.URL = str(u)
			}
		}
		if ra.URL == "" && typeOf(a) == "Link" {
			ra.URL = str(a["href"])
		}
		if ra.URL == "" {
			continue
		}
		if ra.MediaType == "" && typeOf(a) == "Image" {
			ra.MediaType = "image/jpeg"
		}
		ra.Width, ra.Height = number(a["width"]), number(a["height"])
		if fp, ok := a["focalPoint"].([]any); ok && len(fp) == 2 {
			ra.FocusX, ra.FocusY = float(fp[0]), float(fp[1])
		}
		out = append(out, ra)
	}
	return out
}

func number(v any) int {
	f := float(v)
	if f < 0 || f > 1<<30 {
		return 0
	}
	return int(f)
}

func float(v any) float64 {
	switch t := v.(type) {
	case float64:
		return t
	case json.Number:
		f, _ := t.Float64()
		return f
	}
	return 0
}

// FetchMedia fetches a remote attachment's file for the media proxy: over
// the federation client (which refuses private addresses at dial time),
// never from a blocked domain, at most limit bytes, and only what its
// server calls an image (or leaves untyped).
func (f *Federator) FetchMedia(ctx context.Context, uri string, limit int64) ([]byte, error) {
	u, err := f.validURL(uri)
	if err != nil {
		return nil, err
	}
	if f.blocked(ctx, u.Host) {
		return nil, &httpError{status: http.StatusForbidden, uri: uri + " (blocked here)"}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "image/*")
	req.Header.Set("User-Agent", f.userAgent())
	res, err := f.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", uri, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, &httpError{status: res.StatusCode, uri: uri}
	}
	ct, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	if ct != "" && !strings.HasPrefix(ct, "image/") && ct != "application/octet-stream" {
		return nil, fmt.Errorf("fetch %s: %s is not an image", uri, ct)
	}
	if res.ContentLength > limit {
		return nil, fmt.Errorf("fetch %s: larger than %d bytes", uri, limit)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", uri, err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("fetch %s: larger than %d bytes", uri, limit)
	}
	return body, nil
}
