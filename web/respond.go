package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/roundtable-fed/roundtable"
)

// apiError is an error with the HTTP status and the message to show.
type apiError struct {
	status      int
	message     string
	description string
}

func (e *apiError) Error() string { return e.message }

func errStatus(status int, msg string) error { return &apiError{status: status, message: msg} }

var (
	errInvalidToken = &apiError{status: http.StatusUnauthorized, message: "The access token is invalid"}
	errOutOfScope   = &apiError{status: http.StatusForbidden, message: "This action is outside the authorized scopes"}
	errNoUser       = &apiError{status: http.StatusUnprocessableEntity, message: "This method requires an authenticated user"}
	errNotFound     = &apiError{status: http.StatusNotFound, message: "Record not found"}
)

// writeJSON writes v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeError maps err to an HTTP status and writes it as {"error": …}. It
// is the one place where domain errors become HTTP answers.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := s.errorBody(r, err)
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", unavailableRetry)
	}
	writeJSON(w, status, body)
}

func (s *Server) errorBody(r *http.Request, err error) (int, map[string]string) {
	var ae *apiError
	var ve *roundtable.ValidationError
	var ce *roundtable.ConflictError
	var rf *roundtable.Refusal
	switch {
	case errors.As(err, &ae):
		body := map[string]string{"error": ae.message}
		if ae.description != "" {
			body["error_description"] = ae.description
		}
		return ae.status, body
	case errors.As(err, &ve):
		return http.StatusUnprocessableEntity, map[string]string{"error": "Validation failed: " + ve.Error()}
	case errors.As(err, &rf):
		return http.StatusUnprocessableEntity, map[string]string{"error": rf.Message}
	case errors.As(err, &ce):
		return http.StatusUnprocessableEntity, map[string]string{"error": "Validation failed: " + ce.Message}
	case errors.Is(err, roundtable.ErrNoSpace):
		s.log.ErrorContext(r.Context(), "no room left to store a file", "method", r.Method, "path", r.URL.Path, "err", err)
		return http.StatusInsufficientStorage, map[string]string{"error": "This instance has no room left to store files; try again later, and tell its admins"}
	case errors.Is(err, roundtable.ErrNotFound):
		return http.StatusNotFound, map[string]string{"error": "Record not found"}
	case errors.Is(err, roundtable.ErrForbidden):
		return http.StatusForbidden, map[string]string{"error": "This action is not allowed"}
	case errors.Is(err, roundtable.ErrUnauthorized):
		return http.StatusUnauthorized, map[string]string{"error": "The access token is invalid"}
	case unavailable(err):
		s.log.WarnContext(r.Context(), "request failed: the database is out of reach", "method", r.Method, "path", r.URL.Path, "err", err)
		return http.StatusServiceUnavailable, map[string]string{"error": "The database is out of reach for a moment; try again shortly"}
	}
	s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	return http.StatusInternalServerError, map[string]string{"error": "Something went wrong on our side; it has been logged"}
}

// apiTime formats t as the client API does: UTC with milliseconds.
func apiTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// apiTimePtr formats t, or gives null.
func apiTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := apiTime(*t)
	return &s
}
