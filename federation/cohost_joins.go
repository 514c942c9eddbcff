package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/roundtable-fed/roundtable"
)

// Join requests answered by co-host facilitators (FEP-1b12 moderators):
//
//	GET {Group}/join_requests   the pending Follows of a consultation with
//	                            approval, served only to a fetch signed by a
//	                            current co-host facilitator
//	facilitator → Group         Accept{Follow{actor: who asked, object: Group}}
//	                            or Reject{…}, to the Group's inbox
//
// The host checks the facilitator as it checks their removals, answers the
// Follow itself, and logs the answer under the facilitator's name.

// maxJoinRequests is how many pending requests a co-host reads at once.
const maxJoinRequests = 200

// joinRequests serves the pending requests to join a consultation to its
// co-host facilitators.
func (f *Federator) joinRequests(w http.ResponseWriter, r *http.Request) {
	a, _ := f.groupOf(w, r)
	if a == nil {
		return
	}
	signer, err := verifyRequest(r.Context(), r, f.links.Base+r.URL.RequestURI(), nil, f.now(), f.findKey)
	if err != nil {
		writeActivity(w, http.StatusUnauthorized, map[string]string{"error": "join requests are served to signed requests only: " + err.Error()})
		return
	}
	list, err := f.store.CohostPendingJoins(r.Context(), signer.Owner, a.URI)
	if err != nil && !errors.Is(err, roundtable.ErrForbidden) {
		f.serverError(w, r, err)
		return
	}
	if err != nil {
		writeActivity(w, http.StatusForbidden, map[string]string{"error": "join requests are shown to the consultation's co-host facilitators only"})
		return
	}
	items := make([]any, 0, len(list))
	for _, p := range list {
		item := map[string]any{"type": "Follow", "actor": p.ActorURI, "object": a.URI}
		if p.FollowURI != nil {
			item["id"] = *p.FollowURI
		}
		items = append(items, item)
	}
	writeActivity(w, http.StatusOK, map[string]any{"@context": contextValue, "id": a.URI + "/join_requests",
		"type": "OrderedCollection", "totalItems": len(items), "orderedItems": items})
}

// FetchJoinRequests reads the pending requests to join a consultation
// hosted elsewhere, signed by a local co-host facilitator (signerID), and
// returns the accounts asking, known here from then on.
func (f *Federator) FetchJoinRequests(ctx context.Context, groupURI, signerID string) ([]*roundtable.Account, error) {
	key, err := f.signingKeyOf(ctx, signerID)
	if err != nil {
		return nil, err
	}
	body, err := f.get(ctx, groupURI+"/join_requests", key)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("join requests of %s: %w", groupURI, err)
	}
	out := []*roundtable.Account{}
	for _, item := range objects(doc["orderedItems"]) {
		if len(out) == maxJoinRequests {
			break
		}
		actor := str(item["actor"])
		if typeOf(item) != "Follow" || str(item["object"]) != groupURI || actor == "" {
			continue
		}
		acc, err := f.accountByURI(ctx, actor)
		if err != nil {
			f.log.WarnContext(ctx, "join requests: an account asking could not be read", "actor", actor, "err", err)
			continue
		}
		out = append(out, acc)
	}
	return out, nil
}

// cohostJoinAnswerActivity builds a co-host facilitator's Accept or Reject
// of a request to join.
func cohostJoinAnswerActivity(doc map[string]any, h *roundtable.CohostActivity, id string) {
	doc["id"], doc["type"], doc["audience"], doc["to"] = id, "Reject", h.GroupURI, []any{h.GroupURI}
	if h.Approve {
		doc["type"] = "Accept"
	}
	doc["object"] = map[string]any{"type": "Follow", "actor": h.Target, "object": h.GroupURI}
}

// cohostJoinAnswer applies a co-host facilitator's answer to a request to
// join a consultation hosted here; it reports whether the Accept or Reject
// was one (the Follow of a Group here, answered by someone elsewhere).
func (f *Federator) cohostJoinAnswer(ctx context.Context, actor *roundtable.Account, doc map[string]any) (bool, error) {
	follow := obj(doc["object"])
	group := str(follow["object"])
	if typeOf(follow) != "Follow" || !strings.HasPrefix(group, f.links.Base+"/") || sameHost(group, actor.URI) {
		return false, nil
	}
	follower, err := f.accountByURI(ctx, str(follow["actor"]))
	if err != nil {
		return true, err
	}
	return true, f.store.ReceiveCohostJoinAnswer(ctx, actor, group, follower, typeOf(doc) == "Accept")
}
