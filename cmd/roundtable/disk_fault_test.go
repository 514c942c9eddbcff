package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/roundtable-fed/roundtable/migrations/dbtest"
)

// TestFaultMediaDiskFull: when the disk has no room for an upload (here the
// process may write files of 32 KiB at most, as a full disk would refuse
// more), the upload is refused with 507 and a message, nothing is left
// behind, and the instance goes on: a small upload still works.
func TestFaultMediaDiskFull(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.231:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dataDir := t.TempDir()
	env := map[string]string{"ROUNDTABLE_DATABASE_URL": dbtest.URL(t), "ROUNDTABLE_DATA_DIR": dataDir,
		"ROUNDTABLE_DOMAIN": addr, "ROUNDTABLE_LISTEN": addr, "ROUNDTABLE_INSECURE_HTTP": "true",
		"ROUNDTABLE_LOG_LEVEL": "error", "ROUNDTABLE_API_RATE_LIMIT": "0"}
	mustRun(t, env, "", "admin", "account", "create", "--username", "ada", "--email", "ada@example.org")
	token := strings.TrimSpace(mustRun(t, env, "", "admin", "account", "token", "--username", "ada", "--scopes", "read write"))

	// serve with a file-size limit of 64 blocks of 512 bytes.
	cmd := command(env, "serve")
	cmd.Path = "/bin/sh"
	cmd.Args = []string{"/bin/sh", "-c", `ulimit -f 64 && exec "$0" serve`, binary}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() })
	base := "http://" + addr
	eventually(t, 60*time.Second, "serve is ready", func() bool {
		res, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == 200
	})

	upload := func(img image.Image) (int, map[string]any) {
		var pic bytes.Buffer
		if err := png.Encode(&pic, img); err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", "picture.png")
		fw.Write(pic.Bytes())
		mw.WriteField("description", "a picture")
		mw.Close()
		req, _ := http.NewRequest("POST", base+"/api/v2/media", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("upload: %v (serve: %s)", err, stderr.String())
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var out map[string]any
		_ = json.Unmarshal(b, &out)
		return res.StatusCode, out
	}
	noisy := image.NewRGBA(image.Rect(0, 0, 400, 400))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range noisy.Pix {
		noisy.Pix[i] = uint8(r.IntN(256))
	}
	code, out := upload(noisy)
	if code != http.StatusInsufficientStorage || !strings.Contains(out["error"].(string), "no room left") {
		t.Errorf("an upload the disk cannot hold: %d %v, want 507 with a message", code, out)
	}
	// Nothing half-written is left in the media directory.
	files, _ := filepath.Glob(filepath.Join(dataDir, "media", "*"))
	for _, f := range files {
		if info, err := os.Stat(f); err == nil && !info.IsDir() {
			t.Errorf("left behind: %s (%d bytes)", f, info.Size())
		}
	}
	small := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := range small.Pix {
		small.Pix[i] = 200
	}
	small.Set(0, 0, color.Black)
	if code, out := upload(small); code != 200 && code != 202 {
		t.Errorf("a small upload after the refusal: %d %v", code, out)
	}
}
