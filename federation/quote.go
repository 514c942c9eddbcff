package federation

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/roundtable-fed/roundtable"
)

// Quote consent (FEP-044f): answering QuoteRequests for members' statuses
// and serving the QuoteAuthorization of an approved quote.

// extensionTypes are activity types that go-fed does not know and the
// inbox takes all the same.
var extensionTypes = map[string]bool{"QuoteRequest": true, "Lock": true}

// quoteContext is the @context of quote answers and authorizations.
var quoteContext = append(append([]any{}, contextValue...), map[string]any{
	"QuoteRequest":       "https://w3id.org/fep/044f#QuoteRequest",
	"QuoteAuthorization": "https://w3id.org/fep/044f#QuoteAuthorization",
	"interactingObject":  map[string]string{"@id": "gts:interactingObject", "@type": "@id"},
	"interactionTarget":  map[string]string{"@id": "gts:interactionTarget", "@type": "@id"},
})

// quoteAnswer is the Accept or Reject of a QuoteRequest, embedding the
// request; an Accept names the authorization in result.
func quoteAnswer(o *roundtable.Outgoing) map[string]any {
	request := map[string]any{"id": o.ActivityID, "type": "QuoteRequest", "actor": o.Target.URI, "object": o.ObjectURI}
	if o.Instrument != "" {
		request["instrument"] = o.Instrument
	}
	kind := "Reject"
	if o.Kind == roundtable.OutAcceptQuote {
		kind = "Accept"
	}
	// Derived from the request's id: answering twice gives the same id.
	sum := sha256.Sum256([]byte(o.ActivityID))
	doc := map[string]any{"@context": quoteContext, "id": o.Actor.URI + "#" + lower(kind) + "s/quote_requests/" + hex.EncodeToString(sum[:13]),
		"type": kind, "actor": o.Actor.URI, "to": []any{o.Target.URI}, "object": request}
	if o.Result != "" {
		doc["result"] = o.Result
	}
	return doc
}

// quoteAuthorization serves the proof that a member approved a quote.
func (f *Federator) quoteAuthorization(w http.ResponseWriter, r *http.Request) {
	qa, err := f.store.QuoteAuthorizationOf(r.Context(), chi.URLParam(r, "username"), chi.URLParam(r, "id"))
	if errors.Is(err, roundtable.ErrNotFound) {
		writeActivity(w, http.StatusNotFound, map[string]string{"error": "no such authorization"})
		return
	}
	if err != nil {
		f.serverError(w, r, err)
		return
	}
	writeActivity(w, http.StatusOK, map[string]any{"@context": quoteContext, "id": qa.AuthorURI + "/quote_authorizations/" + qa.ID,
		"type": "QuoteAuthorization", "attributedTo": qa.AuthorURI, "interactingObject": qa.QuoteURI,
		"interactionTarget": qa.StatusURI})
}
