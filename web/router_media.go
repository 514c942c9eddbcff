package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// mediaAPIRoutes are the client API's media endpoints, under /api:
//
//   - POST /v1/media and /v2/media: upload a picture (multipart file,
//     thumbnail, description, focus); 200 with the attachment.
//   - GET, PUT, DELETE /v1/media/{id}: one of the member's uploads; PUT
//     changes its alt text (description) and focal point (focus); DELETE
//     removes an upload that no status carries.
func (s *Server) mediaAPIRoutes(r chi.Router) {
	need := func(sc string) func(http.Handler) http.Handler { return scope(sc, false) }
	r.With(need("write:media")).Post("/v1/media", s.uploadMedia)
	r.With(need("write:media")).Post("/v2/media", s.uploadMedia)
	r.With(need("write:media")).Get("/v1/media/{id}", s.getMedia)
	r.With(need("write:media")).Put("/v1/media/{id}", s.updateMedia)
	r.With(need("write:media")).Delete("/v1/media/{id}", s.deleteMedia)
}

// mediaFileRoutes serve the pictures: uploads at /media/{name}, remote
// attachments through the proxy at /media/proxy/{id} and
// /media/proxy/{id}/small.
func (s *Server) mediaFileRoutes(r chi.Router) {
	r.Get("/media/{name}", s.serveMediaFile)
	r.Get("/media/proxy/{id}", s.proxyMedia(false))
	r.Get("/media/proxy/{id}/small", s.proxyMedia(true))
}
