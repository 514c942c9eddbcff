package federation

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// What a consultation's Group serves besides its actor: its moderators (the
// facilitators) and its threads' context collections (FEP-7888), from which
// other servers fill in the contributions they missed (FEP-f228).

// maxThreadItems bounds a served thread collection.
const maxThreadItems = 2000

// groupOf returns the consultation called by the URL's username, or nil
// after answering 404.
func (f *Federator) groupOf(w http.ResponseWriter, r *http.Request) (*roundtable.Actor, *roundtable.Consultation) {
	a, acc := f.localActor(w, r, chi.URLParam(r, "username"))
	if a == nil {
		return nil, nil
	}
	if !acc.Group() {
		writeActivity(w, http.StatusNotFound, map[string]string{"error": "not a consultation"})
		return nil, nil
	}
	c, err := f.store.ConsultationByAccount(r.Context(), acc.ID)
	if err != nil {
		f.serverError(w, r, err)
		return nil, nil
	}
	return a, c
}

func (f *Federator) moderators(w http.ResponseWriter, r *http.Request) {
	a, c := f.groupOf(w, r)
	if a == nil {
		return
	}
	items := make([]any, 0, len(c.Facilitators))
	for _, m := range c.Facilitators {
		items = append(items, m.URI)
	}
	cohosts, err := f.store.CohostFacilitatorURIs(r.Context(), c.AccountID)
	if err != nil {
		f.serverError(w, r, err)
		return
	}
	for _, uri := range cohosts {
		items = append(items, uri)
	}
	writeActivity(w, http.StatusOK, map[string]any{"@context": contextValue, "id": a.URI + "/moderators",
		"type": "OrderedCollection", "totalItems": len(items), "orderedItems": items})
}

func (f *Federator) thread(w http.ResponseWriter, r *http.Request) {
	a, c := f.groupOf(w, r)
	if a == nil {
		return
	}
	id := f.links.Thread(c.Slug, chi.URLParam(r, "id"))
	uris, err := f.store.ThreadURIs(r.Context(), id, maxThreadItems)
	if err != nil {
		f.serverError(w, r, err)
		return
	}
	if len(uris) == 0 {
		writeActivity(w, http.StatusNotFound, map[string]string{"error": "no such thread"})
		return
	}
	items := make([]any, len(uris))
	for i, u := range uris {
		items[i] = u
	}
	writeActivity(w, http.StatusOK, map[string]any{"@context": contextValue, "id": id, "type": "OrderedCollection",
		"attributedTo": a.URI, "audience": a.URI, "totalItems": len(items), "orderedItems": items})
}

// replies serves the public replies to a public local status, so that
// other servers can fill in a conversation they joined late.
func (f *Federator) replies(w http.ResponseWriter, r *http.Request) {
	uri := f.links.StatusURI(chi.URLParam(r, "username"), chi.URLParam(r, "id"))
	o, err := f.store.StatusObjectByURI(r.Context(), uri)
	if err != nil || (o.Visibility != roundtable.Public && o.Visibility != roundtable.Unlisted) {
		writeActivity(w, http.StatusNotFound, map[string]string{"error": "no such object"})
		return
	}
	uris, err := f.store.ReplyURIs(r.Context(), uri, maxThreadItems)
	if err != nil {
		f.serverError(w, r, err)
		return
	}
	items := make([]any, len(uris))
	for i, u := range uris {
		items[i] = u
	}
	writeActivity(w, http.StatusOK, map[string]any{"@context": contextValue, "id": uri + "/replies",
		"type": "OrderedCollection", "totalItems": len(items), "orderedItems": items})
}
