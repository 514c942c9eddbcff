package federation

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/roundtable-fed/roundtable"
)

// Fetching what other servers hold: actors (by id or by handle through
// WebFinger), their keys, and statuses (by id, following reply chains a
// bounded number of steps).

// actorRefresh is how old a stored remote actor may be before it is
// fetched again when next needed.
const actorRefresh = 24 * time.Hour

// maxReplyDepth bounds how many parents are fetched above a reply.
const maxReplyDepth = 8

// actorTypes are the ActivityStreams actor types accepted.
var actorTypes = map[string]bool{"Person": true, "Service": true, "Application": true, "Group": true, "Organization": true}

// findKey returns the public key with the given id and its owner, from
// storage, or (when absent or refresh is asked) from the owner's server.
func (f *Federator) findKey(ctx context.Context, keyID string, refresh bool) (*rsa.PublicKey, string, error) {
	recent := f.keyFetches.recent(keyID, f.now())
	stored := ""
	held, err := f.store.ActorByKeyID(ctx, keyID)
	if err == nil {
		stored = held.PublicKeyPEM
		if !refresh || recent {
			// Fetched for nothing less than keyRefetchEvery ago: the
			// stored key stands.
			key, err := f.pubKeys.parse(held.PublicKeyPEM)
			if err != nil {
				return nil, "", sigErr("stored key %s: %v", keyID, err)
			}
			return key, held.URI, nil
		}
	} else if !errors.Is(err, roundtable.ErrNotFound) {
		return nil, "", err
	} else if recent {
		return nil, "", sigErr("key %s could not be fetched less than %v ago", keyID, keyRefetchEvery)
	}
	u, err := f.validURL(keyID)
	if err != nil {
		return nil, "", sigErr("keyId %q is not a URL", keyID)
	}
	if u.Host == f.links.Domain() {
		return nil, "", sigErr("unknown local key %s", keyID)
	}
	u.Fragment = ""
	renewed := false
	defer func() {
		if renewed {
			f.keyFetches.forget(keyID)
		} else {
			f.keyFetches.mark(keyID, f.now())
		}
	}()
	doc, err := f.fetchObject(ctx, u.String())
	if err != nil {
		return nil, "", sigErr("fetch key %s: %v", keyID, err)
	}
	actorDoc := doc
	if !actorTypes[typeOf(doc)] {
		// A key document: its owner holds the key too.
		owner := str(doc["owner"])
		if owner == "" {
			return nil, "", sigErr("key %s has no owner", keyID)
		}
		if actorDoc, err = f.fetchObject(ctx, owner); err != nil {
			return nil, "", sigErr("fetch owner of key %s: %v", keyID, err)
		}
	}
	a, err := f.saveActorDoc(ctx, actorDoc)
	if err != nil {
		return nil, "", sigErr("owner of key %s: %v", keyID, err)
	}
	actor, err := f.store.ActorByAccountID(ctx, a.ID)
	if err != nil {
		return nil, "", err
	}
	if actor.PublicKeyID != keyID {
		return nil, "", sigErr("actor %s does not own key %s", actor.URI, keyID)
	}
	key, err := parsePublicKey(actor.PublicKeyPEM)
	if err != nil {
		return nil, "", sigErr("key %s: %v", keyID, err)
	}
	renewed = stored != "" && actor.PublicKeyPEM != stored
	return key, actor.URI, nil
}

// fetchObject fetches a document, signed by the instance actor, and checks
// that it is what it claims: its id is the URL asked for, on that host.
func (f *Federator) fetchObject(ctx context.Context, uri string) (map[string]any, error) {
	key, err := f.instanceKey(ctx)
	if err != nil {
		return nil, err
	}
	body, err := f.get(ctx, uri, key)
	if err != nil {
		return nil, err
	}
	doc, err := decodeObject(body)
	if err != nil {
		return nil, fmt.Errorf("%s: not a JSON object: %w", uri, err)
	}
	if id := str(doc["id"]); id != uri {
		// Served at another id: believe only a document fetched at its own id.
		if !sameHost(id, uri) {
			return nil, permanent("%s answered with an object of another server (%s)", uri, id)
		}
		body, err = f.get(ctx, id, key)
		if err != nil {
			return nil, err
		}
		if doc, err = decodeObject(body); err != nil || str(doc["id"]) != id {
			return nil, permanent("%s is not served at its id", id)
		}
	}
	return doc, nil
}

// sameHost reports whether two URLs are on the same host.
func sameHost(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Host != "" && strings.EqualFold(ua.Host, ub.Host)
}

// hostOf returns the host of a URL, or "".
func hostOf(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

// saveActorDoc stores an actor document fetched from its server.
func (f *Federator) saveActorDoc(ctx context.Context, doc map[string]any) (*roundtable.Account, error) {
	id := str(doc["id"])
	if !actorTypes[typeOf(doc)] {
		return nil, fmt.Errorf("%s is a %s, not an actor", id, typeOf(doc))
	}
	key := obj(doc["publicKey"])
	if key == nil || str(key["owner"]) != id {
		return nil, fmt.Errorf("%s has no public key of its own", id)
	}
	raw, _ := json.Marshal(doc)
	endpoints := obj(doc["endpoints"])
	ra := roundtable.RemoteActor{
		URI: id, Type: typeOf(doc), Username: str(doc["preferredUsername"]), Domain: hostOf(id),
		DisplayName: roundtable.PlainText(text(doc, "name")), Note: text(doc, "summary"), URL: httpURL(str(doc["url"])),
		Inbox: str(doc["inbox"]), Outbox: str(doc["outbox"]),
		Followers: str(doc["followers"]), Following: str(doc["following"]),
		PublicKeyID: str(key["id"]), PublicKeyPEM: str(key["publicKeyPem"]),
		Locked: boolean(doc["manuallyApprovesFollowers"]), Bot: typeOf(doc) == "Service" || typeOf(doc) == "Application",
		Discoverable: boolean(doc["discoverable"]), Attribution: str(doc["attribution"]), Raw: raw,
	}
	if endpoints != nil {
		ra.SharedInbox = str(endpoints["sharedInbox"])
	}
	for _, u := range []string{ra.Inbox, ra.SharedInbox, ra.Outbox, ra.Followers, ra.PublicKeyID} {
		if u != "" && !sameHost(u, id) {
			return nil, fmt.Errorf("%s names endpoints on another server (%s)", id, u)
		}
	}
	acc, err := f.store.SaveRemoteActor(ctx, ra)
	if err == nil {
		f.noticePeer(ctx, ra.Domain)
	}
	if err == nil && acc.Group() {
		err = f.store.SetRemoteCohosts(ctx, acc.ID, cohostsOf(doc))
	}
	return acc, err
}

// accountByURI returns the account of an actor id, fetching it when it is
// unknown or stale.
func (f *Federator) accountByURI(ctx context.Context, uri string) (*roundtable.Account, error) {
	a, err := f.store.ActorByURI(ctx, uri)
	if err == nil {
		acc, err := f.store.Account(ctx, a.AccountID)
		if err != nil || acc.Local() {
			return acc, err
		}
		if t, err := f.store.ActorFetchedAt(ctx, acc.ID); err == nil && f.now().Sub(t) < actorRefresh {
			return acc, nil
		}
		// Stale: refresh, but keep what is stored if the server is away.
		if doc, err := f.fetchObject(ctx, uri); err == nil {
			if fresh, err := f.saveActorDoc(ctx, doc); err == nil {
				return fresh, nil
			}
		}
		return acc, nil
	}
	if !errors.Is(err, roundtable.ErrNotFound) {
		return nil, err
	}
	if hostOf(uri) == strings.ToLower(f.links.Domain()) {
		return nil, fmt.Errorf("actor %s: %w", uri, roundtable.ErrNotFound)
	}
	doc, err := f.fetchObject(ctx, uri)
	if err != nil {
		return nil, err
	}
	return f.saveActorDoc(ctx, doc)
}

// ResolveAccount finds acct ("name@domain") through WebFinger on its
// server. It implements roundtable.Resolver.
func (f *Federator) ResolveAccount(ctx context.Context, acct string) (*roundtable.Account, error) {
	acct = strings.TrimPrefix(strings.TrimSpace(acct), "@")
	name, domain, ok := strings.Cut(acct, "@")
	if !ok || name == "" || domain == "" {
		return nil, fmt.Errorf("handle %q: %w", acct, roundtable.ErrNotFound)
	}
	if strings.EqualFold(domain, f.links.Domain()) {
		return f.store.AccountByAcct(ctx, name, f.links.Domain())
	}
	if a, err := f.store.AccountByAcct(ctx, acct, f.links.Domain()); err == nil {
		return a, nil
	}
	if f.blocked(ctx, domain) {
		return nil, fmt.Errorf("handle %q: %w", acct, roundtable.ErrNotFound)
	}
	jrd, err := f.fetchWebfinger(ctx, acct, domain)
	if err != nil {
		return nil, err
	}
	href, err := jrd.self()
	if err != nil {
		return nil, fmt.Errorf("webfinger %s: %w", acct, err)
	}
	if href == "" {
		return nil, fmt.Errorf("handle %q has no ActivityPub actor: %w", acct, roundtable.ErrNotFound)
	}
	a, err := f.accountByURI(ctx, href)
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(a.Username, name) {
		return nil, fmt.Errorf("webfinger %s points to %s", acct, a.Acct())
	}
	return a, nil
}

// self returns the ActivityPub actor link of a WebFinger answer, or ""
// when it has none.
func (jrd *webfingerDoc) self() (string, error) {
	for _, l := range jrd.Links {
		if l.Rel == "self" && (strings.HasPrefix(l.Type, "application/activity+json") || strings.HasPrefix(l.Type, "application/ld+json")) {
			if u, err := url.Parse(l.Href); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return "", fmt.Errorf("the actor link %q is not an http(s) URL", l.Href)
			}
			return l.Href, nil
		}
	}
	return "", nil
}

// ResolveURL finds the account or status at an ActivityPub id or page URL,
// fetching it when unknown (search with resolve=true). One of the results
// is nil.
func (f *Federator) ResolveURL(ctx context.Context, uri string) (*roundtable.Account, *roundtable.Status, error) {
	if a, err := f.store.ActorByURI(ctx, uri); err == nil {
		acc, err := f.store.Account(ctx, a.AccountID)
		return acc, nil, err
	}
	if st, err := f.store.StatusByURI(ctx, uri, ""); err == nil {
		return nil, st, nil
	}
	if hostOf(uri) == strings.ToLower(f.links.Domain()) {
		return nil, nil, roundtable.ErrNotFound
	}
	doc, err := f.fetchObject(ctx, uri)
	if err != nil {
		return nil, nil, fmt.Errorf("resolve %s: %w", uri, err)
	}
	if actorTypes[typeOf(doc)] {
		a, err := f.saveActorDoc(ctx, doc)
		return a, nil, err
	}
	st, err := f.saveNote(ctx, doc, 0)
	return nil, st, err
}
