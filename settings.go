package roundtable

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Registrations says who may sign up on the web page.
type Registrations string

// Sign-up modes.
const (
	RegistrationsOpen     Registrations = "open"     // anyone; the account works at once
	RegistrationsApproval Registrations = "approval" // anyone; an admin approves the account
	RegistrationsClosed   Registrations = "closed"   // only admins create accounts
)

// ParseRegistrations returns the mode named s.
func ParseRegistrations(s string) (Registrations, error) {
	switch r := Registrations(s); r {
	case RegistrationsOpen, RegistrationsApproval, RegistrationsClosed:
		return r, nil
	}
	return "", Invalid("registrations", "must be open, approval or closed")
}

const (
	settingRegistrations = "registrations"
	settingBaseURL       = "base_url"
)

// SaveBaseURL records the base URL the Store was given, for commands run
// later without a configured domain.
func (s *Store) SaveBaseURL(ctx context.Context) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, settingBaseURL, s.links.Base)
	if err != nil {
		return fmt.Errorf("save base URL: %w", err)
	}
	return nil
}

// SavedBaseURL returns the base URL the instance last served with, or ""
// when it never served.
func (s *Store) SavedBaseURL(ctx context.Context) (string, error) {
	var v string
	err := s.pool.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, settingBaseURL).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("saved base URL: %w", err)
	}
	return v, nil
}

// RegistrationMode returns the sign-up mode; new instances are open.
func (s *Store) RegistrationMode(ctx context.Context) (Registrations, error) {
	var v string
	err := s.pool.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, settingRegistrations).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return RegistrationsOpen, nil
	}
	if err != nil {
		return "", fmt.Errorf("registration mode: %w", err)
	}
	return ParseRegistrations(v)
}

// SetRegistrationMode changes the sign-up mode.
func (s *Store) SetRegistrationMode(ctx context.Context, r Registrations) error {
	if _, err := ParseRegistrations(string(r)); err != nil {
		return err
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, settingRegistrations, string(r))
	if err != nil {
		return fmt.Errorf("set registration mode: %w", err)
	}
	return nil
}

// SignUp creates a member from the public sign-up page, following the
// registration mode: refused when closed, unapproved when approval is
// required. The new member is always a plain member.
func (s *Store) SignUp(ctx context.Context, nm NewMember) (*Member, error) {
	mode, err := s.RegistrationMode(ctx)
	if err != nil {
		return nil, err
	}
	if mode == RegistrationsClosed {
		return nil, fmt.Errorf("sign-up is closed: %w", ErrForbidden)
	}
	norms, err := s.Norms(ctx)
	if err != nil {
		return nil, err
	}
	if len(norms) > 0 && !nm.AcceptedNorms {
		return nil, Invalid("accept_norms", "joining means accepting the norms: read them and tick the box")
	}
	nm.Role = RoleMember
	nm.Approved = mode == RegistrationsOpen
	if mode == RegistrationsApproval && len(nm.SignupReason) > 1000 {
		return nil, Invalid("reason", "must be at most 1000 characters")
	}
	return s.CreateMember(ctx, nm)
}
