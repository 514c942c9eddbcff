package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// moderationRoutes are Mastodon's admin API for reports and accounts, and
// Roundtable's moderation actions, warnings, appeals and bans.
func (s *Server) moderationRoutes(r chi.Router) {
	need := func(sc string) func(http.Handler) http.Handler { return scope(sc, false) }
	adminRead, adminWrite := r.With(need("admin:read")), r.With(need("admin:write"))

	adminRead.Get("/v1/admin/reports", s.adminReports)
	adminRead.Get("/v1/admin/reports/{id}", s.adminReportAction("show"))
	for _, a := range []string{"assign_to_self", "unassign", "resolve", "reopen"} {
		adminWrite.Post("/v1/admin/reports/{id}/"+a, s.adminReportAction(a))
	}
	adminRead.Get("/v1/admin/accounts/{id}", s.adminGetAccount)
	adminWrite.Post("/v1/admin/accounts/{id}/action", s.adminAccountAction)
	adminWrite.Post("/v1/admin/accounts/{id}/unsuspend", s.adminUnsuspend)
	adminWrite.Post("/v1/admin/accounts/{id}/enable", s.adminUnsuspend)
	adminWrite.Post("/v1/admin/accounts/{id}/unsilence", s.adminUnsilence)

	const mod = "/roundtable/v1/moderation"
	adminWrite.Post(mod+"/reports/{id}/resolve", s.resolveReport)
	adminWrite.Post(mod+"/reports/{id}/reopen", s.reopenReport)
	adminWrite.Post(mod+"/reports/{id}/assign", s.assignReport)
	adminWrite.Post(mod+"/accounts/{id}/warn", s.warnAccount)
	adminWrite.Post(mod+"/accounts/{id}/suspend", s.restrictAccount("suspend"))
	adminWrite.Post(mod+"/accounts/{id}/disable", s.restrictAccount("disable"))
	adminWrite.Post(mod+"/accounts/{id}/unsuspend", s.restrictAccount("unsuspend"))
	adminRead.Get(mod+"/warnings/appeals", s.pendingAppeals)
	adminWrite.Post(mod+"/warnings/{id}/approve", s.decideAppeal(true))
	adminWrite.Post(mod+"/warnings/{id}/reject", s.decideAppeal(false))
	adminRead.Get(mod+"/bans", s.allBans)
	adminRead.Get(mod+"/consultations/{slug}/bans", s.consultationBans)
	adminWrite.Post(mod+"/consultations/{slug}/bans", s.banAccount)
	adminWrite.Delete(mod+"/consultations/{slug}/bans/{id}", s.unbanAccount)

	r.With(need("read:accounts")).Get("/roundtable/v1/warnings", s.ownWarnings)
	r.With(need("read:accounts")).Get("/roundtable/v1/warnings/{id}", s.ownWarning)
	r.With(need("write:accounts")).Post("/roundtable/v1/warnings/{id}/appeal", s.appealWarning)
	r.With(need("read:accounts")).Get("/roundtable/v1/bans", s.ownBans)
}
