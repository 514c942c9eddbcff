package federation

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/go-fed/activity/streams"

	"github.com/roundtable-fed/roundtable"
)

// Serving this instance's actors and objects. Each answers with
// ActivityStreams JSON at exactly its id when asked for it, and sends
// browsers to its web page otherwise.

const activityJSON = "application/activity+json"

// wantsActivity reports whether a request asks for ActivityStreams JSON.
func wantsActivity(r *http.Request) bool {
	a := r.Header.Get("Accept")
	return strings.Contains(a, "application/activity+json") || strings.Contains(a, "application/ld+json")
}

func writeActivity(w http.ResponseWriter, status int, doc any) {
	w.Header().Set("Vary", "Accept")
	writeJSON(w, status, activityJSON+"; charset=utf-8", doc)
}

// actorDocument builds the actor document of a local account.
func (f *Federator) actorDocument(a *roundtable.Actor, acc *roundtable.Account, c *roundtable.Consultation) (map[string]any, error) {
	var doc map[string]any
	var err error
	switch {
	case a.Type == "Application":
		p := streams.NewActivityStreamsApplication()
		p.SetJSONLDId(idProp(a.URI))
		doc, err = document(p)
	case c != nil:
		g := streams.NewActivityStreamsGroup()
		g.SetJSONLDId(idProp(a.URI))
		doc, err = document(g)
	default:
		p := streams.NewActivityStreamsPerson()
		p.SetJSONLDId(idProp(a.URI))
		doc, err = document(p)
	}
	if err != nil {
		return nil, err
	}
	name := acc.DisplayName
	if name == "" {
		name = acc.Username
	}
	doc["preferredUsername"] = acc.Username
	doc["name"] = name
	doc["summary"] = acc.Note
	doc["url"] = a.URL
	doc["inbox"] = a.Inbox
	doc["outbox"] = a.Outbox
	if a.Followers != "" {
		doc["followers"] = a.Followers
		doc["following"] = a.Following
		doc["featured"] = a.URI + "/featured"
	}
	doc["endpoints"] = map[string]any{"sharedInbox": a.SharedInbox}
	doc["manuallyApprovesFollowers"] = acc.Locked
	doc["discoverable"] = acc.Discoverable
	doc["indexable"] = acc.Discoverable
	doc["published"] = acc.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")
	doc["publicKey"] = map[string]any{"id": a.PublicKeyID, "owner": a.URI, "publicKeyPem": a.PublicKeyPEM}
	doc["icon"] = map[string]any{"type": "Image", "mediaType": "image/png", "url": f.links.Avatar()}
	doc["tag"] = []any{}
	doc["attachment"] = []any{}
	if acc.SuspendedAt != nil {
		// Suspended here, as Mastodon shows it (toot:suspended).
		doc["suspended"] = true
		doc["@context"] = append(append([]any{}, contextValue...), map[string]any{"suspended": "toot:suspended"})
	}
	if c != nil {
		// A consultation, as FEP-1b12 groups are: its facilitators are its
		// moderators, and its own terms say where it stands.
		doc["attributedTo"] = a.URI + "/moderators"
		doc["moderators"] = a.URI + "/moderators"
		doc["postingRestrictedToMods"] = false
		doc["summary"] = c.Prompt
		doc["phase"] = string(c.Phase)
		doc["participation"] = string(c.Participation)
		doc["attribution"] = string(c.Attribution)
		norms := make([]any, len(c.Norms))
		for i, n := range c.Norms {
			norms[i] = n
		}
		doc["norms"] = norms
		doc["updated"] = c.UpdatedAt.UTC().Format("2006-01-02T15:04:05Z")
		doc["attachment"] = cohostFields(c.Cohosts)
	}
	return doc, nil
}

// localActor returns the local actor called username, or nil after
// answering 404 (or 410 for nothing) itself.
func (f *Federator) localActor(w http.ResponseWriter, r *http.Request, username string) (*roundtable.Actor, *roundtable.Account) {
	name, domain, remote := strings.Cut(strings.TrimPrefix(strings.TrimSpace(username), "@"), "@")
	if !remote || strings.EqualFold(domain, f.links.Domain()) {
		acc, a, gone, err := f.store.LocalActor(r.Context(), name)
		if err == nil && acc.Username != roundtable.InstanceActorName {
			if gone {
				writeActivity(w, http.StatusGone, map[string]string{"error": "deleted"})
				return nil, nil
			}
			return a, acc
		}
	}
	writeActivity(w, http.StatusNotFound, map[string]string{"error": "no such actor"})
	return nil, nil
}

func (f *Federator) serveActor(w http.ResponseWriter, r *http.Request) {
	username := chi.URLParam(r, "username")
	if !wantsActivity(r) {
		http.Redirect(w, r, f.links.Profile(username), http.StatusFound)
		return
	}
	a, acc := f.localActor(w, r, username)
	if a == nil {
		return
	}
	var c *roundtable.Consultation
	if acc.Group() {
		if se, err := f.store.SeriesByAccount(r.Context(), acc.ID); err == nil {
			f.serveSeries(w, r, a, acc, se)
			return
		}
		var err error
		if c, err = f.store.ConsultationByAccount(r.Context(), acc.ID); err != nil {
			f.serverError(w, r, err)
			return
		}
	}
	doc, err := f.actorDocument(a, acc, c)
	if err != nil {
		f.serverError(w, r, err)
		return
	}
	writeActivityCompressed(w, r, http.StatusOK, doc)
}

// serveInstanceActor serves the instance's own actor, always unsigned: other
// servers fetch it to verify our signed requests.
func (f *Federator) serveInstanceActor(w http.ResponseWriter, r *http.Request) {
	a, err := f.store.InstanceActor(r.Context())
	if err != nil {
		f.serverError(w, r, err)
		return
	}
	acc, err := f.store.Account(r.Context(), a.AccountID)
	if err != nil {
		f.serverError(w, r, err)
		return
	}
	doc, err := f.actorDocument(a, acc, nil)
	if err != nil {
		f.serverError(w, r, err)
		return
	}
	doc["consultations"] = f.links.Base + "/consultations"
	doc["advisories"] = f.links.Advisories()
	writeActivity(w, http.StatusOK, doc)
}

func (f *Federator) serverError(w http.ResponseWriter, r *http.Request, err error) {
	f.log.ErrorContext(r.Context(), "federation request failed", "path", r.URL.Path, "err", err)
	writeJSON(w, http.StatusInternalServerError, "application/json", map[string]string{"error": "something went wrong on our side"})
}

// collection serves an account's followers or following: an
// OrderedCollection with its size, paged by ?page=true and max_id.
func (f *Federator) collection(which string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, acc := f.localActor(w, r, chi.URLParam(r, "username"))
		if a == nil {
			return
		}
		id := a.URI + "/" + which
		total := acc.FollowersCount
		list := f.store.Followers
		if which == "following" {
			total, list = acc.FollowingCount, f.store.Following
		}
		if acc.HideCollections {
			// The member hides whom it follows and who follows it: the
			// size only, and no pages.
			writeActivity(w, http.StatusOK, map[string]any{"@context": contextValue, "id": id,
				"type": "OrderedCollection", "totalItems": total})
			return
		}
		if r.URL.Query().Get("page") == "" {
			writeActivity(w, http.StatusOK, map[string]any{"@context": contextValue, "id": id,
				"type": "OrderedCollection", "totalItems": total, "first": id + "?page=true"})
			return
		}
		maxID := r.URL.Query().Get("max_id")
		if maxID != "" && !roundtable.ValidID(maxID) {
			writeActivity(w, http.StatusBadRequest, map[string]string{"error": "bad max_id"})
			return
		}
		accounts, cursors, err := list(r.Context(), acc.ID, roundtable.Page{MaxID: maxID, Limit: 40})
		if err != nil {
			f.serverError(w, r, err)
			return
		}
		items := make([]any, 0, len(accounts))
		for _, x := range accounts {
			if x.URI != "" {
				items = append(items, x.URI)
			}
		}
		page := map[string]any{"@context": contextValue, "id": r.URL.String(), "type": "OrderedCollectionPage",
			"partOf": id, "totalItems": total, "orderedItems": items}
		if len(cursors) == 40 {
			page["next"] = id + "?page=true&max_id=" + cursors[len(cursors)-1]
		}
		writeActivity(w, http.StatusOK, page)
	}
}

// outbox serves an account's public statuses as Create activities.
func (f *Federator) outbox(w http.ResponseWriter, r *http.Request) {
	a, acc := f.localActor(w, r, chi.URLParam(r, "username"))
	if a == nil {
		return
	}
	if r.URL.Query().Get("page") == "" {
		writeActivity(w, http.StatusOK, map[string]any{"@context": contextValue, "id": a.Outbox,
			"type": "OrderedCollection", "totalItems": acc.StatusesCount, "first": a.Outbox + "?page=true"})
		return
	}
	maxID := r.URL.Query().Get("max_id")
	if maxID != "" && !roundtable.ValidID(maxID) {
		writeActivity(w, http.StatusBadRequest, map[string]string{"error": "bad max_id"})
		return
	}
	sts, err := f.store.AccountStatuses(r.Context(), acc.ID, "", roundtable.AccountStatusFilter{}, roundtable.Page{MaxID: maxID, Limit: 20})
	if err != nil {
		f.serverError(w, r, err)
		return
	}
	items := make([]any, 0, len(sts))
	for _, st := range sts {
		if st.URI == nil || st.Visibility != roundtable.Public || st.AccountID != acc.ID || st.Reblog != nil || st.LocalOnly {
			continue // a consultation's statuses include its threads, which others wrote
		}
		o, err := f.store.StatusObjectByURI(r.Context(), *st.URI)
		if err != nil {
			f.serverError(w, r, err)
			return
		}
		doc, err := f.wrapStatus(&roundtable.Outgoing{Kind: roundtable.OutCreate, Actor: a, Object: o})
		if err != nil {
			f.serverError(w, r, err)
			return
		}
		delete(doc, "@context")
		items = append(items, doc)
	}
	page := map[string]any{"@context": contextValue, "id": r.URL.String(), "type": "OrderedCollectionPage",
		"partOf": a.Outbox, "orderedItems": items}
	if len(sts) == 20 {
		page["next"] = a.Outbox + "?page=true&max_id=" + sts[len(sts)-1].ID
	}
	writeActivity(w, http.StatusOK, page)
}

// featured serves what an actor features: a consultation's synthesis, once
// published, and its pinned threads; a member's pinned statuses.
func (f *Federator) featured(w http.ResponseWriter, r *http.Request) {
	a, _ := f.localActor(w, r, chi.URLParam(r, "username"))
	if a == nil {
		return
	}
	objs, err := f.store.Featured(r.Context(), a.AccountID)
	if err != nil {
		f.serverError(w, r, err)
		return
	}
	items := make([]any, 0, len(objs))
	for _, o := range objs {
		doc, err := f.objectDocument(o)
		if err != nil {
			f.serverError(w, r, err)
			return
		}
		delete(doc, "@context")
		items = append(items, doc)
	}
	writeActivity(w, http.StatusOK, map[string]any{"@context": contextValue, "id": a.URI + "/featured",
		"type": "OrderedCollection", "totalItems": len(items), "orderedItems": items})
}

// statusObject serves a local status as a Note (or, with /activity, its
// Create). Public and unlisted statuses are served to anyone; others only
// to a signed request from an actor allowed to see them. To everyone else
// they do not exist.
func (f *Federator) statusObject(activity bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		username, id := chi.URLParam(r, "username"), chi.URLParam(r, "id")
		if !wantsActivity(r) && !activity {
			http.Redirect(w, r, f.links.StatusURL(username, id), http.StatusFound)
			return
		}
		uri := f.links.StatusURI(username, id)
		o, err := f.store.StatusObjectByURI(r.Context(), uri)
		if err == nil && o.LocalOnly {
			err = roundtable.ErrNotFound // it stays on this instance
		}
		if errors.Is(err, roundtable.ErrNotFound) {
			writeActivity(w, http.StatusNotFound, map[string]string{"error": "no such object"})
			return
		}
		if err != nil {
			f.serverError(w, r, err)
			return
		}
		if o.Visibility != roundtable.Public && o.Visibility != roundtable.Unlisted {
			signer, err := verifyRequest(r.Context(), r, f.links.Base+r.URL.RequestURI(), nil, f.now(), f.findKey)
			if err != nil {
				writeActivity(w, http.StatusUnauthorized, map[string]string{"error": "sign the request: " + err.Error()})
				return
			}
			if ok, err := f.store.MayFetch(r.Context(), uri, signer.Owner); err != nil || !ok {
				writeActivity(w, http.StatusNotFound, map[string]string{"error": "no such object"})
				return
			}
		}
		var doc map[string]any
		if activity {
			a, aerr := f.store.ActorByURI(r.Context(), o.AuthorURI)
			if aerr != nil {
				f.serverError(w, r, aerr)
				return
			}
			doc, err = f.wrapStatus(&roundtable.Outgoing{Kind: roundtable.OutCreate, Actor: a, Object: o})
		} else {
			doc, err = f.objectDocument(o)
		}
		if err != nil {
			f.serverError(w, r, err)
			return
		}
		writeActivity(w, http.StatusOK, doc)
	}
}

// webfinger answers acct: handles and actor URLs of this instance.
func (f *Federator) webfinger(w http.ResponseWriter, r *http.Request) {
	resource := r.URL.Query().Get("resource")
	var username string
	switch {
	case strings.HasPrefix(resource, "acct:"):
		name, domain, ok := strings.Cut(strings.TrimPrefix(resource, "acct:"), "@")
		if !ok || !strings.EqualFold(domain, f.links.Domain()) {
			writeJSON(w, http.StatusNotFound, "application/json", map[string]string{"error": "not an account of this instance"})
			return
		}
		username = strings.TrimPrefix(name, "@")
	case strings.HasPrefix(resource, f.links.Base+"/users/"):
		username = strings.TrimPrefix(resource, f.links.Base+"/users/")
	case strings.HasPrefix(resource, f.links.Base+"/@"):
		username = strings.TrimPrefix(resource, f.links.Base+"/@")
	case resource == f.links.InstanceActor() || strings.EqualFold(resource, "acct:"+f.links.Domain()+"@"+f.links.Domain()):
		username = roundtable.InstanceActorName
	case resource == "":
		writeJSON(w, http.StatusBadRequest, "application/json", map[string]string{"error": "resource is required"})
		return
	default:
		writeJSON(w, http.StatusNotFound, "application/json", map[string]string{"error": "unknown resource"})
		return
	}
	if username == roundtable.InstanceActorName || strings.EqualFold(username, f.links.Domain()) {
		a, err := f.store.InstanceActor(r.Context())
		if err != nil {
			f.serverError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, "application/jrd+json", map[string]any{
			"subject": "acct:" + f.links.Domain() + "@" + f.links.Domain(), "aliases": []string{a.URI},
			"links": []map[string]string{{"rel": "self", "type": activityJSON, "href": a.URI}}})
		return
	}
	acc, err := f.store.AccountByAcct(r.Context(), username, f.links.Domain())
	if err != nil || !acc.Local() {
		writeJSON(w, http.StatusNotFound, "application/json", map[string]string{"error": "no such account"})
		return
	}
	writeJSON(w, http.StatusOK, "application/jrd+json", map[string]any{
		"subject": "acct:" + acc.Username + "@" + f.links.Domain(),
		"aliases": []string{f.links.Actor(acc.Username), f.links.Profile(acc.Username)},
		"links": []map[string]string{
			{"rel": "self", "type": activityJSON, "href": f.links.Actor(acc.Username)},
			{"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": f.links.Profile(acc.Username)},
			{"rel": subscribeRel, "template": f.links.Base + "/authorize_interaction?uri={uri}"},
		},
	})
}

func (f *Federator) hostMeta(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/xrd+xml; charset=utf-8")
	_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>
<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">
  <Link rel="lrdd" template="` + f.links.Base + `/.well-known/webfinger?resource={uri}"/>
</XRD>
`))
}
