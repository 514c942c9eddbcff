package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"
)

// uploadPicture uploads a w × h JPEG with alt text to the peer and
// returns the attachment.
func (p *peer) uploadPicture(token string, w, h int, alt string) map[string]any {
	p.t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{R: uint8(x), G: uint8(y), B: 200, A: 255})
		}
	}
	var pic, body bytes.Buffer
	if err := jpeg.Encode(&pic, img, nil); err != nil {
		p.t.Fatal(err)
	}
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("description", alt)
	fw, _ := mw.CreateFormFile("file", "picture.jpg")
	_, _ = fw.Write(pic.Bytes())
	_ = mw.Close()
	req, _ := http.NewRequest("POST", p.srv.base+"/api/v2/media", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var m map[string]any
	if res.StatusCode != 200 || json.Unmarshal(b, &m) != nil {
		p.t.Fatalf("upload on %s: %d %s", p.domain, res.StatusCode, b)
	}
	return m
}

// TestFederationMedia: a member of A posts a picture with alt text; B
// receives the attachment with its alt text, shows it through its own
// proxy (never A's address), and serves the picture itself.
func TestFederationMedia(t *testing.T) {
	t.Parallel()
	a, b := startPeer(t, 130), startPeer(t, 131)
	alice, bob := a.member("alice"), b.member("bob")

	accounts, _ := b.resolve(bob, "@alice@"+a.domain)
	if len(accounts) != 1 {
		t.Fatalf("B's search for alice: %v", accounts)
	}
	aliceOnB := accounts[0]["id"].(string)
	if code := b.api("POST", "/api/v1/accounts/"+aliceOnB+"/follow", bob, nil, nil); code != 200 {
		t.Fatalf("follow: %d", code)
	}
	eventually(t, 20*time.Second, "B's follow of alice accepted", func() bool {
		var rels []map[string]any
		b.api("GET", "/api/v1/accounts/relationships?id[]="+aliceOnB, bob, nil, &rels)
		return len(rels) == 1 && rels[0]["following"] == true
	})

	pic := a.uploadPicture(alice, 640, 480, "Volunteers sorting food parcels")
	post := a.post(alice, map[string]any{"status": "Saturday at the food bank", "media_ids": []string{pic["id"].(string)}})
	var onB map[string]any
	eventually(t, 20*time.Second, "alice's post in bob's home timeline", func() bool {
		onB = findByURI(b.timeline(bob, "/api/v1/timelines/home"), post["uri"].(string))
		return onB != nil
	})
	ms, _ := onB["media_attachments"].([]any)
	if len(ms) != 1 {
		t.Fatalf("media_attachments on B: %v", onB["media_attachments"])
	}
	m := ms[0].(map[string]any)
	if m["type"] != "image" || m["description"] != "Volunteers sorting food parcels" || m["remote_url"] != pic["url"] {
		t.Errorf("attachment on B: %v (uploaded %v)", m, pic)
	}
	if m["blurhash"] != pic["blurhash"] {
		t.Errorf("blurhash on B %v, on A %v", m["blurhash"], pic["blurhash"])
	}
	orig, _ := m["meta"].(map[string]any)["original"].(map[string]any)
	if orig["width"] != 640.0 || orig["height"] != 480.0 {
		t.Errorf("meta.original on B: %v", m["meta"])
	}
	for _, k := range []string{"url", "preview_url"} {
		u, _ := m[k].(string)
		if !strings.HasPrefix(u, "http://"+b.domain+"/media/proxy/") {
			t.Errorf("%s on B is %q, not B's proxy", k, u)
		}
	}

	// Fetching through B's proxy returns the picture.
	for k, width := range map[string]int{"url": 640, "preview_url": 400} {
		res, err := http.Get(m[k].(string))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("%s through B: %d %s", k, res.StatusCode, res.Header.Get("Content-Type"))
		}
		img, err := jpeg.Decode(bytes.NewReader(body))
		if err != nil || img.Bounds().Dx() != width {
			t.Errorf("%s through B: %v, width %d want %d", k, err, img.Bounds().Dx(), width)
		}
	}
	// Again, from B's cache.
	res, err := http.Get(m["url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "max-age") {
		t.Errorf("cached picture through B: %d %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}

	// B's page of the status shows the picture from B, with its alt text.
	page, err := http.Get("http://" + b.domain + "/@alice/" + onB["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if page.StatusCode != 200 || strings.Contains(string(html), `src="http://`+a.domain) ||
		!strings.Contains(string(html), `src="http://`+b.domain+`/media/proxy/`) ||
		!strings.Contains(string(html), `alt="Volunteers sorting food parcels"`) {
		t.Errorf("B's status page: %d\n%s", page.StatusCode, html)
	}
}
