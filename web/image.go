package web

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"sync"
)

// defaultImage is the picture shown for accounts without an avatar or
// header: a plain grey square. Its URL ends in missing.png, which apps read
// as "no picture".
var defaultImage = sync.OnceValue(func() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 120, 120))
	grey := color.RGBA{R: 0xd9, G: 0xe1, B: 0xe8, A: 0xff}
	for y := 0; y < 120; y++ {
		for x := 0; x < 120; x++ {
			img.Set(x, y, grey)
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
})

func serveDefaultImage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(defaultImage())
}
