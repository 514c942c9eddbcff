// Package media turns uploaded and fetched pictures into what the instance
// serves: it decodes an image, checks its size, re-encodes it without any
// of the metadata it came with (EXIF, XMP, location), makes a preview and
// its blurhash, and keeps the files under the media directory. It knows
// nothing of HTTP or SQL.
package media

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"

	"github.com/buckket/go-blurhash"
	"github.com/disintegration/imaging"
	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"github.com/roundtable-fed/roundtable"
)

// Limits bound what is accepted.
type Limits struct {
	// MaxBytes is the largest file, in bytes.
	MaxBytes int64
	// MaxPixels is the largest image, in pixels (width × height).
	MaxPixels int
}

// DefaultLimits are the limits the client API announces: 16 MiB and
// 33,177,600 pixels (7680 × 4320).
var DefaultLimits = Limits{MaxBytes: 16 << 20, MaxPixels: 33_177_600}

// SmallSide is the longest side of a preview, in pixels.
const SmallSide = 400

// ErrTooLarge means a file is larger than Limits.MaxBytes.
var ErrTooLarge = errors.New("file too large")

// SupportedTypes are the content types of the images accepted.
var SupportedTypes = []string{"image/jpeg", "image/png", "image/gif", "image/webp"}

// Image is a picture ready to be stored: the re-encoded original and its
// preview, with what the client API tells about them.
type Image struct {
	Data        []byte
	ContentType string // image/jpeg or image/png
	Ext         string // jpg or png
	Width       int
	Height      int

	Small       []byte
	SmallType   string
	SmallExt    string
	SmallWidth  int
	SmallHeight int

	Blurhash string
}

// Process decodes data (JPEG, PNG, the first frame of a GIF, or WebP),
// checks it against lim and re-encodes it: the bytes returned carry the
// pixels only. A JPEG stays a JPEG; anything else becomes a PNG. Errors are
// ErrTooLarge or a *roundtable.ValidationError on field.
func Process(data []byte, lim Limits, field string) (*Image, error) {
	if lim.MaxBytes > 0 && int64(len(data)) > lim.MaxBytes {
		return nil, ErrTooLarge
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, roundtable.Invalid(field, "is not a supported image (JPEG, PNG, GIF or WebP)")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, roundtable.Invalid(field, "has no pixels")
	}
	if lim.MaxPixels > 0 && int64(cfg.Width)*int64(cfg.Height) > int64(lim.MaxPixels) {
		return nil, roundtable.Invalid(field, "is %d×%d pixels; the limit is %d pixels", cfg.Width, cfg.Height, lim.MaxPixels)
	}
	var img image.Image
	switch format {
	case "jpeg":
		// Turned as its EXIF orientation says, since that tag goes.
		img, err = imaging.Decode(bytes.NewReader(data), imaging.AutoOrientation(true))
	case "png":
		img, err = png.Decode(bytes.NewReader(data))
	case "gif":
		img, err = gif.Decode(bytes.NewReader(data)) // the first frame
	case "webp":
		img, err = webp.Decode(bytes.NewReader(data))
	default:
		return nil, roundtable.Invalid(field, "is not a supported image (JPEG, PNG, GIF or WebP)")
	}
	if err != nil {
		return nil, roundtable.Invalid(field, "could not be read as %s: the image is damaged", format)
	}
	b := img.Bounds()
	out := &Image{Width: b.Dx(), Height: b.Dy()}
	if out.Data, out.ContentType, out.Ext, err = encode(img, format == "jpeg"); err != nil {
		return nil, err
	}
	small := scale(img, SmallSide)
	sb := small.Bounds()
	out.SmallWidth, out.SmallHeight = sb.Dx(), sb.Dy()
	if out.Small, out.SmallType, out.SmallExt, err = encode(small, format == "jpeg" || opaque(small)); err != nil {
		return nil, err
	}
	if out.Blurhash, err = blurhash.Encode(4, 3, scale(small, 64)); err != nil {
		return nil, fmt.Errorf("blurhash: %w", err)
	}
	return out, nil
}

// encode writes img as a JPEG (quality 90) or a PNG. Neither encoder writes
// metadata.
func encode(img image.Image, asJPEG bool) ([]byte, string, string, error) {
	var buf bytes.Buffer
	if asJPEG {
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
			return nil, "", "", fmt.Errorf("encode JPEG: %w", err)
		}
		return buf.Bytes(), "image/jpeg", "jpg", nil
	}
	if err := png.Encode(&buf, img); err != nil {
		return nil, "", "", fmt.Errorf("encode PNG: %w", err)
	}
	return buf.Bytes(), "image/png", "png", nil
}

// scale returns img fitted into a side × side box, or a copy of img when it
// fits already.
func scale(img image.Image, side int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > side || h > side {
		if w >= h {
			h = max(1, h*side/w)
			w = side
		} else {
			w = max(1, w*side/h)
			h = side
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if w == b.Dx() && h == b.Dy() {
		draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Src)
		return dst
	}
	xdraw.CatmullRom.Scale(dst, dst.Bounds(), img, b, xdraw.Src, nil)
	return dst
}

// opaque reports whether every pixel of img is fully opaque.
func opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a != 0xffff {
				return false
			}
		}
	}
	return true
}

// Aspect is width / height, 0 for an empty size.
func Aspect(w, h int) float64 {
	if h == 0 {
		return 0
	}
	return float64(w) / float64(h)
}
