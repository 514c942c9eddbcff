package web_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"
)

// testPicture is a w × h picture with a gradient, so that it is not blank.
func testPicture(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{R: uint8(x * 255 / w), G: uint8(y * 255 / h), B: 120, A: 255})
		}
	}
	return img
}

// jpegWithEXIF encodes a JPEG and splices in, right after its start
// marker, an APP1 EXIF segment with a GPS position and an APP1 XMP packet
// with a location, as phones write them.
func jpegWithEXIF(t *testing.T, w, h int) []byte { return jpegWithOrientation(t, w, h, 1) }

// jpegWithOrientation is jpegWithEXIF whose EXIF also gives the
// orientation (6: the camera was turned a quarter clockwise).
func jpegWithOrientation(t *testing.T, w, h int, orientation uint16) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, testPicture(w, h), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	plain := buf.Bytes()
	// A TIFF structure: IFD0 with the orientation and a GPSInfo pointer,
	// then a GPS IFD with GPSLatitudeRef "N".
	var tiff bytes.Buffer
	w16 := func(v ...uint16) { _ = binary.Write(&tiff, binary.BigEndian, v) }
	w32 := func(v ...uint32) { _ = binary.Write(&tiff, binary.BigEndian, v) }
	tiff.WriteString("MM\x00\x2a")
	w32(8)
	w16(2)                            // two entries
	w16(0x0112, 3)                    // Orientation, SHORT
	w32(1)                            // count
	w16(orientation, 0)               // value
	w16(0x8825, 4)                    // GPSInfo, LONG
	w32(1, 8+2+2*12+4)                // count, offset of the GPS IFD
	w32(0)                            // no next IFD
	w16(1)                            // GPS IFD: one entry
	w16(0x0001, 2)                    // GPSLatitudeRef, ASCII
	w32(2)                            // count
	tiff.WriteString("N\x00\x00\x00") // value
	w32(0)                            // no next IFD
	exif := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	exif = append(exif, []byte("GPSLatitude 48.8584 GPSLongitude 2.2945")...)
	xmp := []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><exif:GPSLatitude>48,51.5N</exif:GPSLatitude></x:xmpmeta>")
	segment := func(payload []byte) []byte {
		s := []byte{0xFF, 0xE1, 0, 0}
		binary.BigEndian.PutUint16(s[2:], uint16(len(payload)+2))
		return append(s, payload...)
	}
	out := append([]byte{}, plain[:2]...)
	out = append(out, segment(exif)...)
	out = append(out, segment(xmp)...)
	out = append(out, plain[2:]...)
	if !bytes.Contains(out, []byte("Exif")) {
		t.Fatal("the test picture has no EXIF")
	}
	if _, err := jpeg.Decode(bytes.NewReader(out)); err != nil {
		t.Fatalf("the test picture does not decode: %v", err)
	}
	return out
}

func pngBytes(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// hugePNGHeader is the start of a PNG that claims w × h pixels: enough for
// a decoder to read its size.
func hugePNGHeader(t *testing.T, w, h uint32) []byte {
	t.Helper()
	b := pngBytes(t, testPicture(1, 1))
	// Signature (8), IHDR length (4), "IHDR" (4), width, height.
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// upload sends a multipart upload to path with the file (named name) and
// the fields.
func (in *instance) upload(path, token, name string, file []byte, fields map[string]string) *response {
	in.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if file != nil {
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			in.t.Fatal(err)
		}
		_, _ = fw.Write(file)
	}
	_ = mw.Close()
	return in.do("POST", path, token, body.String(), mw.FormDataContentType())
}

// fetch GETs an absolute URL.
func fetch(t *testing.T, url string) *response {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(res.Body)
	return &response{Status: res.StatusCode, Header: res.Header, Body: buf.Bytes()}
}

func TestMediaUploadStripsMetadata(t *testing.T) {
	in := newInstance(t)
	_, tok := in.member("ana")
	res := in.upload("/api/v2/media", tok, "photo.jpg", jpegWithEXIF(t, 800, 600),
		map[string]string{"description": "The harbour at dawn", "focus": "0.5,-0.25"})
	wantStatus(t, res, http.StatusOK)
	m := res.Object(t)
	for _, k := range []string{"id", "type", "url", "preview_url", "remote_url", "meta", "description", "blurhash"} {
		if _, ok := m[k]; !ok {
			t.Errorf("MediaAttachment has no %s: %v", k, m)
		}
	}
	if m["type"] != "image" || m["remote_url"] != nil || m["description"] != "The harbour at dawn" {
		t.Errorf("attachment %v", m)
	}
	if bh, _ := m["blurhash"].(string); len(bh) < 6 {
		t.Errorf("blurhash %q", m["blurhash"])
	}
	meta := m["meta"].(map[string]any)
	orig := meta["original"].(map[string]any)
	if orig["width"] != 800.0 || orig["height"] != 600.0 || orig["size"] != "800x600" || orig["aspect"].(float64) < 1.33 || orig["aspect"].(float64) > 1.34 {
		t.Errorf("meta.original %v", orig)
	}
	small := meta["small"].(map[string]any)
	if small["width"] != 400.0 || small["height"] != 300.0 {
		t.Errorf("meta.small %v", small)
	}
	if f := meta["focus"].(map[string]any); f["x"] != 0.5 || f["y"] != -0.25 {
		t.Errorf("meta.focus %v", f)
	}
	url := m["url"].(string)
	if !strings.HasPrefix(url, in.URL+"/media/") {
		t.Fatalf("url %s is not on the instance", url)
	}
	file := fetch(t, url)
	wantStatus(t, file, http.StatusOK)
	if ct := file.Header.Get("Content-Type"); ct != "image/jpeg" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := file.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=") {
		t.Errorf("Cache-Control %q", cc)
	}
	for _, leak := range []string{"Exif", "GPS", "xap", "48.8584"} {
		if bytes.Contains(file.Body, []byte(leak)) {
			t.Errorf("the stored file still contains %q", leak)
		}
	}
	img, err := jpeg.Decode(bytes.NewReader(file.Body))
	if err != nil || img.Bounds().Dx() != 800 || img.Bounds().Dy() != 600 {
		t.Fatalf("stored image: %v %v", err, img.Bounds())
	}
	prev := fetch(t, m["preview_url"].(string))
	wantStatus(t, prev, http.StatusOK)
	if pi, err := jpeg.Decode(bytes.NewReader(prev.Body)); err != nil || pi.Bounds().Dx() != 400 {
		t.Fatalf("preview: %v", err)
	}

	// GET answers the same, ready.
	got := in.get("/api/v1/media/"+m["id"].(string), tok)
	wantStatus(t, got, http.StatusOK)
	if got.Object(t)["url"] != url {
		t.Errorf("GET media %s", got.Body)
	}
}

func TestMediaUploadKeepsOrientation(t *testing.T) {
	in := newInstance(t)
	_, tok := in.member("ana")
	res := in.upload("/api/v2/media", tok, "portrait.jpg", jpegWithOrientation(t, 80, 60, 6), nil)
	wantStatus(t, res, http.StatusOK)
	orig := res.Object(t)["meta"].(map[string]any)["original"].(map[string]any)
	if orig["width"] != 60.0 || orig["height"] != 80.0 {
		t.Errorf("a picture taken turned is %vx%v, want 60x80", orig["width"], orig["height"])
	}
}

func TestMediaUploadPNG(t *testing.T) {
	in := newInstance(t)
	_, tok := in.member("ana")
	res := in.upload("/api/v1/media", tok, "chart.png", pngBytes(t, testPicture(120, 80)), nil)
	wantStatus(t, res, http.StatusOK)
	m := res.Object(t)
	if m["description"] != nil {
		t.Errorf("description %v, want null", m["description"])
	}
	file := fetch(t, m["url"].(string))
	wantStatus(t, file, http.StatusOK)
	if ct := file.Header.Get("Content-Type"); ct != "image/png" {
		t.Errorf("Content-Type %q", ct)
	}
	if img, err := png.Decode(bytes.NewReader(file.Body)); err != nil || img.Bounds().Dx() != 120 {
		t.Fatalf("stored PNG: %v", err)
	}
}

func TestMediaUploadRefusesBadFiles(t *testing.T) {
	in := newInstance(t)
	_, tok := in.member("ana")
	big := make([]byte, 16<<20+1)
	copy(big, jpegWithEXIF(t, 10, 10))
	res := in.upload("/api/v2/media", tok, "big.jpg", big, nil)
	wantStatus(t, res, http.StatusRequestEntityTooLarge)
	if e := res.Object(t)["error"].(string); !strings.Contains(e, "too large") || !strings.Contains(e, "16 MB") {
		t.Errorf("error %q", e)
	}

	res = in.upload("/api/v2/media", tok, "notes.txt", []byte("just some text, not a picture"), nil)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if e := res.Object(t)["error"].(string); !strings.Contains(e, "not a supported image") {
		t.Errorf("error %q", e)
	}

	res = in.upload("/api/v2/media", tok, "huge.png", hugePNGHeader(t, 9000, 9000), nil)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if e := res.Object(t)["error"].(string); !strings.Contains(e, "9000×9000") {
		t.Errorf("error %q", e)
	}

	res = in.upload("/api/v2/media", tok, "", nil, map[string]string{"description": "no file"})
	wantStatus(t, res, http.StatusUnprocessableEntity)

	res = in.upload("/api/v2/media", tok, "a.png", pngBytes(t, testPicture(8, 8)), map[string]string{"focus": "2,0"})
	wantStatus(t, res, http.StatusUnprocessableEntity)

	res = in.upload("/api/v2/media", tok, "a.png", pngBytes(t, testPicture(8, 8)),
		map[string]string{"description": strings.Repeat("a", 1501)})
	wantStatus(t, res, http.StatusUnprocessableEntity)

	// Nothing was kept of the refused uploads.
	var n int
	if err := in.Store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM media_attachments`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d attachments stored (%v), want 0", n, err)
	}

	res = in.upload("/api/v2/media", "", "a.png", pngBytes(t, testPicture(8, 8)), nil)
	wantStatus(t, res, http.StatusUnauthorized)
}

func TestMediaAltTextAndFocus(t *testing.T) {
	in := newInstance(t)
	_, tok := in.member("ana")
	_, other := in.member("ben")
	m := in.upload("/api/v2/media", tok, "a.png", pngBytes(t, testPicture(20, 20)), nil).Object(t)
	id := m["id"].(string)
	res := in.do("PUT", "/api/v1/media/"+id, tok, map[string]any{"description": "A red square", "focus": "-0.5,0.5"}, "")
	wantStatus(t, res, http.StatusOK)
	got := res.Object(t)
	if got["description"] != "A red square" {
		t.Errorf("description %v", got["description"])
	}
	if f := got["meta"].(map[string]any)["focus"].(map[string]any); f["x"] != -0.5 || f["y"] != 0.5 {
		t.Errorf("focus %v", f)
	}
	if in.get("/api/v1/media/"+id, tok).Object(t)["description"] != "A red square" {
		t.Error("the alt text was not kept")
	}
	wantStatus(t, in.do("PUT", "/api/v1/media/"+id, tok, map[string]any{"focus": "x"}, ""), http.StatusUnprocessableEntity)
	wantStatus(t, in.do("PUT", "/api/v1/media/"+id, other, map[string]any{"description": "mine now"}, ""), http.StatusNotFound)
	wantStatus(t, in.get("/api/v1/media/"+id, other), http.StatusNotFound)
	if in.get("/api/v1/media/"+id, tok).Object(t)["description"] != "A red square" {
		t.Error("a refused change changed the alt text")
	}
}

func TestStatusWithMedia(t *testing.T) {
	in := newInstance(t)
	_, tok := in.member("ana")
	_, benTok := in.member("ben")
	up := func(token, alt string) string {
		res := in.upload("/api/v2/media", token, "a.jpg", jpegWithEXIF(t, 64, 48), map[string]string{"description": alt})
		wantStatus(t, res, http.StatusOK)
		return res.Object(t)["id"].(string)
	}
	a, b := up(tok, "first"), up(tok, "second")
	bens := up(benTok, "ben's")

	// Someone else's upload is refused, and nothing is posted.
	res := in.postJSON("/api/v1/statuses", tok, map[string]any{"status": "stolen", "media_ids": []string{bens}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Object(t)["error"].(string), bens) {
		t.Errorf("error %s", res.Body)
	}
	res = in.postJSON("/api/v1/statuses", tok, map[string]any{"status": "too many",
		"media_ids": []string{a, b, up(tok, "3"), up(tok, "4"), up(tok, "5")}})
	wantStatus(t, res, http.StatusUnprocessableEntity)

	// A status with only pictures needs no text; the order is kept.
	res = in.do("POST", "/api/v1/statuses", tok, "media_ids[]="+b+"&media_ids[]="+a, "application/x-www-form-urlencoded")
	wantStatus(t, res, http.StatusOK)
	st := res.Object(t)
	ms := st["media_attachments"].([]any)
	if len(ms) != 2 || ms[0].(map[string]any)["id"] != b || ms[1].(map[string]any)["description"] != "first" {
		t.Fatalf("media_attachments %v", ms)
	}
	sid := st["id"].(string)
	got := in.get("/api/v1/statuses/"+sid, "").Object(t)
	if len(got["media_attachments"].([]any)) != 2 {
		t.Fatalf("media_attachments of the stored status %v", got["media_attachments"])
	}

	// An attached upload can neither be used again nor deleted.
	wantStatus(t, in.postJSON("/api/v1/statuses", tok, map[string]any{"status": "again", "media_ids": []string{a}}), http.StatusUnprocessableEntity)
	wantStatus(t, in.do("DELETE", "/api/v1/media/"+a, tok, nil, ""), http.StatusUnprocessableEntity)

	// only_media keeps the statuses with pictures.
	plain := in.postJSON("/api/v1/statuses", tok, map[string]any{"status": "words only"}).Object(t)["id"].(string)
	ids := func(path string) []string {
		var out []string
		for _, s := range in.get(path, tok).List(t) {
			out = append(out, s["id"].(string))
		}
		return out
	}
	acct := in.get("/api/v1/accounts/verify_credentials", tok).Object(t)["id"].(string)
	for _, path := range []string{"/api/v1/timelines/public?only_media=true", "/api/v1/accounts/" + acct + "/statuses?only_media=true"} {
		if got := ids(path); len(got) != 1 || got[0] != sid {
			t.Errorf("%s: %v, want [%s]", path, got, sid)
		}
	}
	if got := ids("/api/v1/timelines/public"); len(got) != 2 || got[0] != plain {
		t.Errorf("public timeline %v", got)
	}

	// An edit may change the pictures; the one let go is an upload again.
	res = in.do("PUT", "/api/v1/statuses/"+sid, tok, map[string]any{"status": "now with words", "media_ids": []string{a}}, "")
	wantStatus(t, res, http.StatusOK)
	if ms := res.Object(t)["media_attachments"].([]any); len(ms) != 1 || ms[0].(map[string]any)["id"] != a {
		t.Fatalf("after the edit %v", ms)
	}
	wantStatus(t, in.do("PUT", "/api/v1/statuses/"+sid, tok, map[string]any{"media_ids": []string{bens}}, ""), http.StatusUnprocessableEntity)
	freed := in.get("/api/v1/media/"+b, tok).Object(t)["url"].(string)
	wantStatus(t, in.do("DELETE", "/api/v1/media/"+b, tok, nil, ""), http.StatusOK)
	wantStatus(t, in.get("/api/v1/media/"+b, tok), http.StatusNotFound)
	wantStatus(t, fetch(t, freed), http.StatusNotFound)

	// The status page shows the picture with its alt text.
	page := fetch(t, st["url"].(string))
	wantStatus(t, page, http.StatusOK)
	if !strings.Contains(string(page.Body), `alt="first"`) || !strings.Contains(string(page.Body), "<img") {
		t.Errorf("the status page shows no image with its alt text:\n%s", page.Body)
	}
}

func TestUnattachedMediaCleanedUp(t *testing.T) {
	in := newInstance(t)
	_, tok := in.member("ana")
	up := func() map[string]any {
		res := in.upload("/api/v2/media", tok, "a.png", pngBytes(t, testPicture(16, 16)), nil)
		wantStatus(t, res, http.StatusOK)
		return res.Object(t)
	}
	old, fresh, used := up(), up(), up()
	wantStatus(t, in.postJSON("/api/v1/statuses", tok, map[string]any{"status": "kept", "media_ids": []string{used["id"].(string)}}), http.StatusOK)
	ctx := context.Background()
	if _, err := in.Store.Pool().Exec(ctx, `UPDATE media_attachments SET created_at = $1 WHERE id <> $2`,
		time.Now().Add(-25*time.Hour), fresh["id"]); err != nil {
		t.Fatal(err)
	}
	if err := in.Store.Cleanup(ctx); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, in.get(fmt.Sprintf("/api/v1/media/%s", old["id"]), tok), http.StatusNotFound)
	wantStatus(t, fetch(t, old["url"].(string)), http.StatusNotFound)
	wantStatus(t, fetch(t, old["preview_url"].(string)), http.StatusNotFound)
	for _, m := range []map[string]any{fresh, used} {
		wantStatus(t, in.get(fmt.Sprintf("/api/v1/media/%s", m["id"]), tok), http.StatusOK)
		wantStatus(t, fetch(t, m["url"].(string)), http.StatusOK)
	}
}
