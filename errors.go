package roundtable

import (
	"errors"
	"fmt"
)

// Errors every adapter understands. The web package maps them to HTTP
// statuses in one place; federation maps them to inbox answers.
var (
	// ErrNotFound means the thing asked for does not exist or is not visible
	// to whoever asked.
	ErrNotFound = errors.New("not found")
	// ErrForbidden means the caller may not do what it asked.
	ErrForbidden = errors.New("forbidden")
	// ErrConflict means the change collides with existing state (a taken
	// username, an e-mail already in use).
	ErrConflict = errors.New("conflict")
	// ErrUnauthorized means the caller's credentials are missing or wrong.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrNoSpace means a file could not be stored: the disk (or the space
	// the instance may use) is full.
	ErrNoSpace = errors.New("no room left to store files")
)

// ValidationError reports an invalid value, naming the field it was given in.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return fmt.Sprintf("%s: %s", e.Field, e.Message)
}

// Invalid returns a *ValidationError for field with a formatted message.
func Invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// ConflictError is an ErrConflict with a message safe to show to users.
type ConflictError struct{ Message string }

func (e *ConflictError) Error() string { return e.Message }

// Unwrap makes errors.Is(err, ErrConflict) hold.
func (e *ConflictError) Unwrap() error { return ErrConflict }

// Conflict returns a *ConflictError with message.
func Conflict(message string) error { return &ConflictError{Message: message} }
