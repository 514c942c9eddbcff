package media

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestGIFBecomesItsFirstFrame(t *testing.T) {
	frame := func(c uint8) *image.Paletted {
		p := image.NewPaletted(image.Rect(0, 0, 30, 20), palette.Plan9)
		for i := range p.Pix {
			p.Pix[i] = c
		}
		return p
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, &gif.GIF{Image: []*image.Paletted{frame(10), frame(200)}, Delay: []int{10, 10}}); err != nil {
		t.Fatal(err)
	}
	im, err := Process(buf.Bytes(), DefaultLimits, "file")
	if err != nil {
		t.Fatal(err)
	}
	if im.ContentType != "image/png" || im.Width != 30 || im.Height != 20 || im.Blurhash == "" {
		t.Fatalf("processed GIF: %s %dx%d %q", im.ContentType, im.Width, im.Height, im.Blurhash)
	}
	out, err := png.Decode(bytes.NewReader(im.Data))
	if err != nil {
		t.Fatal(err)
	}
	want := color.RGBAModel.Convert(palette.Plan9[10])
	if got := color.RGBAModel.Convert(out.At(5, 5)); got != want {
		t.Errorf("pixel %v, want the first frame's %v", got, want)
	}
}

func TestProcessRefuses(t *testing.T) {
	if _, err := Process(make([]byte, 101), Limits{MaxBytes: 100}, "file"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("too large: %v", err)
	}
	if _, err := Process([]byte("GIF89a but not really"), DefaultLimits, "file"); err == nil || !strings.Contains(err.Error(), "file") {
		t.Errorf("damaged: %v", err)
	}
}

func TestCacheStaysWithinItsBound(t *testing.T) {
	d, err := NewDir(t.TempDir(), 250)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"01JWQ6Z3K8C2V7M4N5P6R7S8T0.jpg", "01JWQ6Z3K8C2V7M4N5P6R7S8T1.jpg", "01JWQ6Z3K8C2V7M4N5P6R7S8T2.jpg"}
	base := time.Now().Add(-time.Hour)
	for i, n := range names[:2] {
		if err := d.Cache(n, make([]byte, 100)); err != nil {
			t.Fatal(err)
		}
		at := base.Add(time.Duration(i) * time.Minute)
		_ = os.Chtimes(filepath.Join(d.root, "cache", n), at, at)
	}
	// Reading the older copy makes it the most recently used.
	f, err := d.Cached(names[0])
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := d.Cache(names[2], make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false, true} {
		f, err := d.Cached(names[i])
		if (err == nil) != want {
			t.Errorf("%s cached: %v, want %v", names[i], err == nil, want)
		}
		if err == nil {
			f.Close()
		}
	}
	if _, err := d.Cached("../../etc/passwd"); err == nil {
		t.Error("a path outside the cache was opened")
	}
}
