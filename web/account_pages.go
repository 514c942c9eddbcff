package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// safeNext returns next if it is a path on this site, else "/".
func safeNext(next string) string {
	if strings.HasPrefix(next, "/") && !strings.HasPrefix(next, "//") && !strings.HasPrefix(next, "/\\") {
		return next
	}
	return "/"
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "login", map[string]any{"Next": safeNext(r.URL.Query().Get("next"))})
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, errStatus(http.StatusBadRequest, "error.bad_form"))
		return
	}
	login, next := r.PostForm.Get("username"), safeNext(r.PostForm.Get("next"))
	m, err := s.store.Authenticate(r.Context(), login, r.PostForm.Get("password"))
	if err != nil {
		if !errors.Is(err, roundtable.ErrUnauthorized) {
			s.pageError(w, r, err)
			return
		}
		msg := "login.failed"
		if errors.Is(err, roundtable.ErrPendingApproval) {
			msg = "login.pending"
		}
		s.render(w, r, http.StatusUnauthorized, "login", map[string]any{"Error": msg, "Login": login, "Next": next})
		return
	}
	if err := s.startSession(r, m); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) signupPage(w http.ResponseWriter, r *http.Request) {
	mode, err := s.store.RegistrationMode(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	norms, err := s.pageNorms(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "signup", map[string]any{"Mode": string(mode), "Form": roundtable.NewMember{}, "Norms": norms})
}

func (s *Server) signupSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, errStatus(http.StatusBadRequest, "error.bad_form"))
		return
	}
	mode, err := s.store.RegistrationMode(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	nm := roundtable.NewMember{Username: r.PostForm.Get("username"), Email: r.PostForm.Get("email"),
		Password: r.PostForm.Get("password"), SignupReason: strings.TrimSpace(r.PostForm.Get("reason")),
		AcceptedNorms: r.PostForm.Get("accept_norms") != ""}
	m, err := s.store.SignUp(r.Context(), nm)
	var ve *roundtable.ValidationError
	var ce *roundtable.ConflictError
	switch {
	case errors.As(err, &ve), errors.As(err, &ce):
		nm.Password = ""
		norms, nerr := s.pageNorms(r)
		if nerr != nil {
			s.pageError(w, r, nerr)
			return
		}
		s.render(w, r, http.StatusUnprocessableEntity, "signup", map[string]any{"Mode": string(mode), "Form": nm, "Error": err.Error(), "Norms": norms})
		return
	case err != nil:
		s.pageError(w, r, err)
		return
	}
	if !m.Approved {
		s.render(w, r, http.StatusOK, "signup_pending", nil)
		return
	}
	if err := s.startSession(r, m); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// requireAdmin returns the signed-in admin, or answers the request itself
// (sign-in page, or 403) and returns nil.
func (s *Server) requireAdmin(w http.ResponseWriter, r *http.Request) *roundtable.Member {
	m := s.sessionMember(r)
	if m == nil {
		http.Redirect(w, r, "/login?next="+r.URL.Path, http.StatusSeeOther)
		return nil
	}
	if m.Role != roundtable.RoleAdmin {
		s.pageError(w, r, roundtable.ErrForbidden)
		return nil
	}
	return m
}

func (s *Server) registrationsPage(w http.ResponseWriter, r *http.Request) {
	if s.requireAdmin(w, r) == nil {
		return
	}
	s.renderRegistrations(w, r, false)
}

func (s *Server) renderRegistrations(w http.ResponseWriter, r *http.Request, saved bool) {
	mode, err := s.store.RegistrationMode(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	pending, err := s.store.PendingMembers(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_registrations", map[string]any{"Mode": string(mode), "Pending": pending, "Saved": saved})
}

func (s *Server) registrationsSubmit(w http.ResponseWriter, r *http.Request) {
	if s.requireAdmin(w, r) == nil {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, errStatus(http.StatusBadRequest, "error.bad_form"))
		return
	}
	mode, err := roundtable.ParseRegistrations(r.PostForm.Get("mode"))
	if err != nil {
		s.pageError(w, r, errStatus(http.StatusBadRequest, "error.bad_form"))
		return
	}
	if err := s.store.SetRegistrationMode(r.Context(), mode); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.renderRegistrations(w, r, true)
}

func (s *Server) approveMember(w http.ResponseWriter, r *http.Request) {
	if s.requireAdmin(w, r) == nil {
		return
	}
	if err := s.store.ApproveMember(r.Context(), chi.URLParam(r, "id")); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/registrations", http.StatusSeeOther)
}
