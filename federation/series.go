package federation

import (
	"context"
	"net/http"

	"github.com/roundtable-fed/roundtable"
)

// A consultation series is a Group actor too: members follow it, and it
// announces each new edition (the edition's own Group) to its followers.
// Its Announce carries the edition as an embedded Group, so that a server
// tells it from a contribution's Announce without fetching anything; the
// edition itself is always read from its origin.

// editionAnnounce builds a series' Announce of a new edition.
func editionAnnounce(o *roundtable.Outgoing) map[string]any {
	return map[string]any{"@context": contextValue, "id": o.ActivityID, "type": "Announce", "actor": o.Actor.URI,
		"to": []any{publicIRI}, "cc": []any{o.Actor.Followers},
		"object": map[string]any{"id": o.ObjectURI, "type": "Group", "name": o.Reason}}
}

// isEditionAnnounce reports whether an Announce's object is a Group: a
// series announcing an edition.
func isEditionAnnounce(object any) bool {
	return typeOf(obj(object)) == "Group"
}

// seriesEdition applies a series' Announce of a new edition: the edition's
// Group is read from its server (the series' own) and the members here who
// follow the series are notified.
func (f *Federator) seriesEdition(ctx context.Context, series *roundtable.Account, object any) error {
	uri := str(obj(object)["id"])
	if uri == "" || !sameHost(uri, series.URI) {
		return permanent("edition %q is not on its series' server", uri)
	}
	edition, err := f.accountByURI(ctx, uri)
	if err != nil {
		return err
	}
	return f.store.ReceiveEdition(ctx, series, edition)
}

// serveSeries answers for a series' Group actor.
func (f *Federator) serveSeries(w http.ResponseWriter, r *http.Request, a *roundtable.Actor, acc *roundtable.Account, se *roundtable.Series) {
	doc, err := f.actorDocument(a, acc, nil)
	if err != nil {
		f.serverError(w, r, err)
		return
	}
	doc["type"] = "Group"
	doc["postingRestrictedToMods"] = true
	doc["updated"] = se.UpdatedAt.UTC().Format("2006-01-02T15:04:05Z")
	norms := make([]any, len(se.Norms))
	for i, n := range se.Norms {
		norms[i] = n
	}
	doc["norms"] = norms
	writeActivity(w, http.StatusOK, doc)
}
