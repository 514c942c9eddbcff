package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// clientListsRoutes are the client API's endpoints for organising reading,
// under /api: lists and their timelines, filters (v2, and v1 read-only),
// markers, conversations of direct statuses, and hashtags.
//
//   - GET, POST /v1/lists; GET, PUT, DELETE /v1/lists/{id}; GET, POST,
//     DELETE /v1/lists/{id}/accounts (only accounts the member follows);
//     GET /v1/accounts/{id}/lists; GET /v1/timelines/list/{id}.
//   - GET, POST /v2/filters; GET, PUT, DELETE /v2/filters/{id}; GET, POST
//     /v2/filters/{id}/keywords and …/statuses; GET, PUT, DELETE
//     /v2/filters/keywords/{id}; GET, DELETE /v2/filters/statuses/{id};
//     GET /v1/filters(/{id}).
//   - GET, POST /v1/markers (home, notifications).
//   - GET /v1/conversations; POST /v1/conversations/{id}/read; DELETE
//     /v1/conversations/{id}.
//   - GET /v1/tags/{name}; POST /v1/tags/{name}/follow and …/unfollow;
//     GET /v1/followed_tags; GET /v1/timelines/tag/{name}.
func (s *Server) clientListsRoutes(r chi.Router) {
	need := func(sc string) func(next http.Handler) http.Handler { return scope(sc, false) }
	read := func(sc string) func(next http.Handler) http.Handler { return scope("read:"+sc, true) }

	r.With(need("read:lists")).Get("/v1/lists", s.lists)
	r.With(need("write:lists")).Post("/v1/lists", s.createList)
	r.With(need("read:lists")).Get("/v1/lists/{id}", s.getList)
	r.With(need("write:lists")).Put("/v1/lists/{id}", s.updateList)
	r.With(need("write:lists")).Delete("/v1/lists/{id}", s.deleteList)
	r.With(need("read:lists")).Get("/v1/lists/{id}/accounts", s.listAccounts)
	r.With(need("write:lists")).Post("/v1/lists/{id}/accounts", s.changeListAccounts)
	r.With(need("write:lists")).Delete("/v1/lists/{id}/accounts", s.changeListAccounts)
	r.With(need("read:lists")).Get("/v1/accounts/{id}/lists", s.accountLists)
	r.With(need("read:lists")).Get("/v1/timelines/list/{id}", s.listTimeline)

	r.With(need("read:filters")).Get("/v2/filters", s.listFilters)
	r.With(need("write:filters")).Post("/v2/filters", s.createFilter)
	r.With(need("read:filters")).Get("/v2/filters/{id}", s.getFilter)
	r.With(need("write:filters")).Put("/v2/filters/{id}", s.updateFilter)
	r.With(need("write:filters")).Delete("/v2/filters/{id}", s.deleteFilter)
	r.With(need("read:filters")).Get("/v2/filters/{id}/keywords", s.filterKeywords)
	r.With(need("write:filters")).Post("/v2/filters/{id}/keywords", s.addFilterKeyword)
	r.With(need("read:filters")).Get("/v2/filters/keywords/{id}", s.getFilterKeyword)
	r.With(need("write:filters")).Put("/v2/filters/keywords/{id}", s.updateFilterKeyword)
	r.With(need("write:filters")).Delete("/v2/filters/keywords/{id}", s.deleteFilterKeyword)
	r.With(need("read:filters")).Get("/v2/filters/{id}/statuses", s.filterStatuses)
	r.With(need("write:filters")).Post("/v2/filters/{id}/statuses", s.addFilterStatus)
	r.With(need("read:filters")).Get("/v2/filters/statuses/{id}", s.getFilterStatus)
	r.With(need("write:filters")).Delete("/v2/filters/statuses/{id}", s.deleteFilterStatus)
	r.With(need("read:filters")).Get("/v1/filters", s.listFiltersV1)
	r.With(need("read:filters")).Get("/v1/filters/{id}", s.getFilterV1)

	r.With(need("read:statuses")).Get("/v1/markers", s.getMarkers)
	r.With(need("write:statuses")).Post("/v1/markers", s.setMarkers)

	r.With(need("read:statuses")).Get("/v1/conversations", s.listConversations)
	r.With(need("write:conversations")).Post("/v1/conversations/{id}/read", s.readConversation)
	r.With(need("write:conversations")).Delete("/v1/conversations/{id}", s.removeConversation)

	r.Get("/v1/tags/{name}", s.getTag)
	r.With(need("write:follows")).Post("/v1/tags/{name}/follow", s.followTag)
	r.With(need("write:follows")).Post("/v1/tags/{name}/unfollow", s.unfollowTag)
	r.With(need("read:follows")).Get("/v1/followed_tags", s.followedTags)
	r.With(read("statuses")).Get("/v1/timelines/tag/{name}", s.hashtagTimeline)
}
