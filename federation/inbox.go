package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/roundtable-fed/roundtable"
)

// The inbox: check size and type, verify the signature, check that the
// signer is the actor and that what the activity creates or changes lives on
// the actor's server, record it by id (a replay changes nothing) with its
// processing job in one transaction, and answer 202. The job does the rest.

// maxInboxBody is the largest activity accepted.
const maxInboxBody = 1 << 20

// handledTypes are the activity types processed; others are accepted and
// ignored.
var handledTypes = map[string]bool{
	"Follow": true, "Accept": true, "Reject": true, "Undo": true, "Create": true, "Update": true,
	"Delete": true, "Announce": true, "Like": true, "Block": true, "Flag": true, "QuoteRequest": true,
	"Invite": true, "Leave": true, "Add": true, "Remove": true, "Lock": true,
}

// inboxError answers an inbox request with a status and a plain message.
func inboxError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, "application/json", map[string]string{"error": msg})
}

func (f *Federator) inbox(w http.ResponseWriter, r *http.Request) {
	if f.queue == nil {
		inboxError(w, http.StatusServiceUnavailable, "this instance does not take activities now")
		return
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/activity+json", "application/ld+json", "application/json":
	default:
		f.metrics.inbox.WithLabelValues("refused").Inc()
		inboxError(w, http.StatusUnsupportedMediaType, "send application/activity+json")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxInboxBody))
	if err != nil {
		f.metrics.inbox.WithLabelValues("refused").Inc()
		inboxError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("activities are limited to %d bytes", maxInboxBody))
		return
	}
	doc, err := decodeObject(body)
	if err != nil {
		f.metrics.inbox.WithLabelValues("refused").Inc()
		inboxError(w, http.StatusBadRequest, "the body is not a JSON object")
		return
	}
	actorHost, signerHost := hostOf(str(doc["actor"])), signedBy(r)
	for i, host := range []string{actorHost, signerHost} {
		if i == 1 && strings.EqualFold(host, actorHost) {
			break // one server signing for its own actor: checked once
		}
		if f.blocked(r.Context(), host) {
			f.metrics.inbox.WithLabelValues("blocked").Inc()
			inboxError(w, http.StatusForbidden, "this instance does not federate with "+host)
			return
		}
	}
	signer, err := verifyRequest(r.Context(), r, f.links.Base+r.URL.RequestURI(), body, f.now(), f.findKey)
	if err != nil {
		if !errors.Is(err, ErrSignature) {
			f.log.ErrorContext(r.Context(), "inbox: verifying a signature failed", "err", err)
			inboxError(w, http.StatusServiceUnavailable, "the signature could not be checked now; try again later")
			return
		}
		f.metrics.inbox.WithLabelValues("unauthorized").Inc()
		inboxError(w, http.StatusUnauthorized, err.Error())
		return
	}
	id, typ, actor := str(doc["id"]), typeOf(doc), str(doc["actor"])
	if actor != "" && actor != signer.Owner && f.forwarded(w, r, doc, signer) {
		return
	}
	if actor == "" || actor != signer.Owner {
		f.metrics.inbox.WithLabelValues("forbidden").Inc()
		inboxError(w, http.StatusUnauthorized, fmt.Sprintf("the activity's actor %q is not the signer %q", actor, signer.Owner))
		return
	}
	if err := checkOrigin(doc, actor); err != nil && !f.cohostModeration(r.Context(), doc, actor) {
		f.metrics.inbox.WithLabelValues("forbidden").Inc()
		inboxError(w, http.StatusForbidden, err.Error())
		return
	}
	if !handledTypes[typ] || id == "" {
		// Unknown or transient: accepted, and left alone.
		f.metrics.inbox.WithLabelValues("ignored").Inc()
		w.WriteHeader(http.StatusAccepted)
		return
	}
	if _, err := streams.ToType(r.Context(), withContext(doc)); err != nil && typ != "Undo" && !extensionTypes[typ] {
		f.metrics.inbox.WithLabelValues("refused").Inc()
		inboxError(w, http.StatusBadRequest, "not an ActivityStreams activity: "+err.Error())
		return
	}
	fresh, err := f.store.RecordActivity(r.Context(), id, actor, typ, body, func(tx pgx.Tx) error {
		_, err := f.queue.InsertTx(r.Context(), tx, InboxArgs{ActivityID: id}, nil)
		return err
	})
	if err != nil {
		f.log.ErrorContext(r.Context(), "inbox: record activity", "id", id, "err", err)
		inboxError(w, http.StatusInternalServerError, "the activity could not be stored; try again")
		return
	}
	if fresh {
		f.metrics.inbox.WithLabelValues("accepted").Inc()
	} else {
		f.metrics.inbox.WithLabelValues("duplicate").Inc()
	}
	w.WriteHeader(http.StatusAccepted)
}

// withContext returns doc with the ActivityStreams @context when it lacks
// one, for go-fed's type resolution.
func withContext(doc map[string]any) map[string]any {
	if _, ok := doc["@context"]; ok {
		return doc
	}
	c := make(map[string]any, len(doc)+1)
	for k, v := range doc {
		c[k] = v
	}
	c["@context"] = "https://www.w3.org/ns/activitystreams"
	return c
}

// checkOrigin refuses activities whose id, or the id of what they create,
// change or delete, is not on the actor's server, and objects attributed to
// someone else.
func checkOrigin(doc map[string]any, actor string) error {
	if id := str(doc["id"]); id != "" && !sameHost(id, actor) {
		return fmt.Errorf("activity %s is not on the actor's server", id)
	}
	switch typeOf(doc) {
	case "Create", "Update", "Delete":
		o := doc["object"]
		oid := str(o)
		if oid == "" {
			return errors.New("the activity has no object")
		}
		if !sameHost(oid, actor) {
			return fmt.Errorf("object %s is not on the actor's server", oid)
		}
		if m := obj(o); m != nil && typeOf(doc) != "Delete" {
			if by := str(m["attributedTo"]); by != "" && by != actor && !actorTypes[typeOf(m)] {
				return fmt.Errorf("object %s is attributed to %s, not to the actor", oid, by)
			}
		}
	}
	return nil
}

// InboxArgs is the processing of one recorded incoming activity.
type InboxArgs struct {
	ActivityID string `json:"activity_id"`
}

// Kind names the job.
func (InboxArgs) Kind() string { return "inbox" }

// InsertOpts puts inbox processing on the federation queue.
func (InboxArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueFederation, MaxAttempts: 8}
}

type inboxWorker struct {
	river.WorkerDefaults[InboxArgs]
	f *Federator
}

func (w *inboxWorker) Timeout(*river.Job[InboxArgs]) time.Duration { return 2 * time.Minute }

func (w *inboxWorker) Work(ctx context.Context, job *river.Job[InboxArgs]) error {
	raw, err := w.f.store.ActivityRaw(ctx, job.Args.ActivityID)
	if errors.Is(err, roundtable.ErrNotFound) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	doc, err := decodeObject(raw)
	if err != nil {
		return river.JobCancel(err)
	}
	err = w.f.process(ctx, doc, raw)
	var perm *permanentError
	var he *httpError
	refused := errors.As(err, &he) && he.status >= 400 && he.status < 500 && he.status != http.StatusRequestTimeout && he.status != http.StatusTooManyRequests
	if errors.As(err, &perm) || refused || errors.Is(err, roundtable.ErrNotFound) || errors.Is(err, roundtable.ErrForbidden) {
		_ = w.f.store.FinishActivity(ctx, job.Args.ActivityID, err)
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	return w.f.store.FinishActivity(ctx, job.Args.ActivityID, nil)
}

// permanentError is a processing failure that retrying cannot mend.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func permanent(format string, args ...any) error {
	return &permanentError{err: fmt.Errorf(format, args...)}
}

// via is the activity that brought a note, and the Groups it is addressed
// to.
type via struct {
	id     string
	raw    []byte
	groups []string
}

// addressees returns the actors an activity or object is addressed to.
func addressees(m map[string]any) []string {
	var out []string
	for _, k := range []string{"audience", "to", "cc"} {
		out = append(out, strs(m[k])...)
	}
	for _, tag := range objects(m["tag"]) {
		if typeOf(tag) == "Mention" {
			out = append(out, str(tag["href"]))
		}
	}
	return out
}

// process applies one activity whose sender was verified; raw is the
// activity as received.
func (f *Federator) process(ctx context.Context, doc map[string]any, raw []byte) error {
	actorURI := str(doc["actor"])
	actor, err := f.accountByURI(ctx, actorURI)
	if err != nil {
		return fmt.Errorf("actor %s: %w", actorURI, err)
	}
	if actor.SuspendedAt != nil {
		return permanent("%s is suspended here", actorURI)
	}
	object := doc["object"]
	switch typeOf(doc) {
	case "Follow":
		if f.isAdvisoryCollection(str(object)) {
			return f.store.ReceiveAdvisorySubscribe(ctx, actor, str(doc["id"]))
		}
		target, err := f.store.ActorByURI(ctx, str(object))
		if err != nil || !target.Local() {
			return permanent("follow of %s: not an actor here", str(object))
		}
		return f.store.ReceiveFollow(ctx, actor, target.AccountID, str(doc["id"]))
	case "Accept", "Reject":
		if done, err := f.advisoryAnswer(ctx, actor, doc); done || err != nil {
			return err
		}
		if done, err := f.cohostAnswer(ctx, actor, doc); done || err != nil {
			return err
		}
		if done, err := f.cohostJoinAnswer(ctx, actor, doc); done || err != nil {
			return err
		}
		if typeOf(doc) == "Reject" {
			if done, err := f.refusedContribution(ctx, actor, doc); done || err != nil {
				return err
			}
		}
		follow := obj(object)
		followURI, followerURI := str(object), ""
		if follow != nil {
			followerURI = str(follow["actor"])
		}
		return f.store.ReceiveFollowAnswer(ctx, actor, followURI, followerURI, typeOf(doc) == "Accept")
	case "Undo":
		inner := obj(object)
		switch typeOf(inner) {
		case "Follow":
			if f.isAdvisoryCollection(str(inner["object"])) {
				return f.store.ReceiveAdvisoryUnsubscribe(ctx, actor)
			}
			return f.store.ReceiveUndoFollow(ctx, actor, str(inner["object"]), str(inner["id"]))
		case "Like":
			return f.store.ReceiveUndoLike(ctx, actor, str(inner["id"]), str(inner["object"]))
		case "Block":
			return f.store.ReceiveConsultationUnban(ctx, actor, str(inner["id"]))
		case "Announce":
			return f.store.ReceiveUndoReblog(ctx, actor, str(inner["id"]), str(inner["object"]))
		case "Lock":
			return f.cohostLock(ctx, actor, inner, true)
		case "":
			// Only the id of what is undone: it may be a follow or a like.
			if err := f.store.ReceiveUndoFollow(ctx, actor, "", str(object)); err != nil {
				return err
			}
			if err := f.store.ReceiveConsultationUnban(ctx, actor, str(object)); err != nil {
				return err
			}
			if err := f.store.ReceiveUndoReblog(ctx, actor, str(object), ""); err != nil {
				return err
			}
			return f.store.ReceiveUndoLike(ctx, actor, str(object), "")
		}
		return nil
	case "Create", "Update":
		note := obj(object)
		if note == nil {
			// Only a reference: read it from its origin.
			if note, err = f.fetchObject(ctx, str(object)); err != nil {
				return err
			}
		}
		if typeOf(note) == "Advisory" {
			return f.receiveAdvisory(ctx, actor, note)
		}
		if actorTypes[typeOf(note)] {
			_, err := f.saveActorDoc(ctx, note)
			return err
		}
		if str(note["attributedTo"]) != actorURI {
			return permanent("object %s is not the actor's", str(note["id"]))
		}
		if done, err := f.cohostSynthesis(ctx, actor, note); done {
			return err
		}
		if typeOf(doc) == "Create" && f.isVote(note) {
			return f.receiveVote(ctx, actor, note)
		}
		v := &via{id: str(doc["id"]), raw: raw, groups: append(addressees(doc), addressees(note)...)}
		_, err := f.saveNoteBy(ctx, actor, note, 0, v)
		var refusal *roundtable.Refusal
		if errors.As(err, &refusal) {
			return permanent("refused: %v", err)
		}
		if err == nil {
			f.backfillLater(ctx, str(note["context"]))
			f.backfillLater(ctx, str(note["replies"]))
		}
		return err
	case "Delete":
		uri := str(object)
		if done, err := f.cohostDelete(ctx, actor, doc); done {
			return err
		}
		if uri == actorURI {
			return f.store.ReceiveActorDelete(ctx, actor)
		}
		if found, err := f.store.ReceiveAdvisoryRetraction(ctx, actor, uri); found || err != nil {
			return err
		}
		return f.store.DeleteRemoteStatusVia(ctx, actor, uri, raw)
	case "Like":
		return f.store.ReceiveLike(ctx, actor, str(object), str(doc["id"]))
	case "Announce":
		if actor.Group() && isEditionAnnounce(object) {
			return f.seriesEdition(ctx, actor, object)
		}
		if actor.Group() {
			return f.groupAnnounce(ctx, actor, object)
		}
		// A person's boost: the boosted status is fetched from its origin
		// when it is not known here, then stored as the actor's reblog.
		uri := str(object)
		if uri == "" {
			uri = str(obj(object)["id"])
		}
		if uri == "" {
			return nil
		}
		if _, err := f.store.StatusByURI(ctx, uri, ""); err != nil {
			if _, _, err := f.ResolveURL(ctx, uri); err != nil {
				return err
			}
		}
		published := time.Time{}
		if t := timeOf(doc["published"]); t != nil {
			published = *t
		}
		return f.store.ReceiveReblog(ctx, actor, uri, str(doc["id"]), published)
	case "Block":
		if actor.Group() {
			return f.consultationBan(ctx, actor, doc)
		}
		return f.store.ReceiveBlock(ctx, actor, str(object))
	case "Invite":
		return f.cohostInvite(ctx, actor, doc)
	case "Leave":
		return f.store.ReceiveCohostLeave(ctx, actor, str(object))
	case "Add", "Remove":
		return f.cohostAddRemove(ctx, actor, doc)
	case "Lock":
		return f.cohostLock(ctx, actor, doc, false)
	case "QuoteRequest":
		return f.store.ReceiveQuoteRequest(ctx, actor, str(doc["id"]), str(object), str(doc["instrument"]))
	case "Flag":
		content := text(doc, "content")
		if content == "" {
			content = text(doc, "summary")
		}
		return f.store.ReceiveFlag(ctx, actor, strs(object), content)
	}
	return nil
}

// isPublic reports whether an activity or object is addressed to the public.
func isPublic(m map[string]any) bool {
	for _, k := range []string{"to", "cc"} {
		for _, a := range strs(m[k]) {
			if a == publicIRI || a == "as:Public" || a == "Public" {
				return true
			}
		}
	}
	return false
}

// saveNote stores a Note (or Article, Page, Question) fetched from its
// origin, with its author.
func (f *Federator) saveNote(ctx context.Context, note map[string]any, depth int) (*roundtable.Status, error) {
	author, err := f.accountByURI(ctx, str(note["attributedTo"]))
	if err != nil {
		return nil, err
	}
	if !sameHost(str(note["id"]), author.URI) {
		return nil, permanent("note %s is not on its author's server", str(note["id"]))
	}
	return f.saveNoteBy(ctx, author, note, depth, nil)
}

var noteTypes = map[string]bool{"Note": true, "Article": true, "Page": true, "Question": true}

// saveNoteBy stores a note by author, first fetching the status it
// replies to when that is unknown (up to maxReplyDepth parents). The stored
// status is returned for a note fetched (v nil), not for one received in
// an activity.
func (f *Federator) saveNoteBy(ctx context.Context, author *roundtable.Account, note map[string]any, depth int, v *via) (*roundtable.Status, error) {
	if !noteTypes[typeOf(note)] {
		return nil, permanent("%s objects are not stored", typeOf(note))
	}
	actor, err := f.store.ActorByAccountID(ctx, author.ID)
	if err != nil {
		return nil, err
	}
	parent := str(note["inReplyTo"])
	if parent != "" && depth < maxReplyDepth {
		if known, err := f.store.StatusExists(ctx, parent); err == nil && !known && hostOf(parent) != strings.ToLower(f.links.Domain()) {
			if doc, err := f.fetchObject(ctx, parent); err == nil {
				// A parent that cannot be read is no reason to lose the reply.
				_, _ = f.saveNote(ctx, doc, depth+1)
			}
		}
	}
	raw, _ := json.Marshal(note)
	rs := roundtable.RemoteStatus{
		URI: str(note["id"]), URL: httpURL(str(note["url"])), InReplyToURI: parent,
		Content: text(note, "content"), Summary: text(note, "summary"), Sensitive: boolean(note["sensitive"]),
		Visibility: visibilityOf(note, actor), Raw: raw, Title: text(note, "name"), ContextURI: str(note["context"]),
		GroupURIs: addressees(note),
	}
	rs.Poll = f.questionPoll(note)
	rs.Attachments = remoteAttachments(note)
	if v != nil {
		rs.ActivityID, rs.RawActivity = v.id, v.raw
		rs.GroupURIs = append(rs.GroupURIs, v.groups...)
	}
	if typeOf(note) == "Article" || typeOf(note) == "Page" {
		if name := text(note, "name"); name != "" {
			rs.Content = "<p><strong>" + escapeHTML(name) + "</strong></p>" + rs.Content
		}
	}
	if cm, ok := note["contentMap"].(map[string]any); ok {
		for lang := range cm {
			rs.Language = lang
			break
		}
	}
	if t := timeOf(note["published"]); t != nil {
		rs.Published = *t
	}
	rs.Updated = timeOf(note["updated"])
	for _, tag := range objects(note["tag"]) {
		switch typeOf(tag) {
		case "Mention":
			if h := str(tag["href"]); h != "" {
				rs.MentionURIs = append(rs.MentionURIs, h)
			}
		case "Hashtag":
			rs.Tags = append(rs.Tags, str(tag["name"]))
		}
	}
	var st *roundtable.Status
	if v != nil {
		// An activity received: storing it is all; nothing reads it back.
		err = f.store.StoreRemoteStatus(ctx, author, rs)
	} else {
		st, err = f.store.SaveRemoteStatus(ctx, author, rs)
	}
	var ve *roundtable.ValidationError
	if errors.As(err, &ve) {
		return nil, permanent("note %s: %v", rs.URI, err)
	}
	return st, err
}

// visibilityOf reads a note's audience as Mastodon does: public in "to" is
// public, public in "cc" unlisted, the author's followers private, and
// anything else direct.
func visibilityOf(note map[string]any, author *roundtable.Actor) roundtable.Visibility {
	to, cc := strs(note["to"]), strs(note["cc"])
	has := func(list []string, v ...string) bool {
		for _, a := range list {
			for _, b := range v {
				if a == b {
					return true
				}
			}
		}
		return false
	}
	pub := []string{publicIRI, "as:Public", "Public"}
	switch {
	case has(to, pub...):
		return roundtable.Public
	case has(cc, pub...):
		return roundtable.Unlisted
	case author.Followers != "" && has(append(to, cc...), author.Followers):
		return roundtable.Private
	}
	return roundtable.Direct
}

func escapeHTML(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")
	return r.Replace(s)
}

// groupAnnounce applies what a consultation hosted elsewhere passes on to
// its followers. Nothing in the Announce is believed about other servers'
// objects: each is read from its origin.
func (f *Federator) groupAnnounce(ctx context.Context, group *roundtable.Account, object any) error {
	inner := obj(object)
	target := str(object)
	if inner != nil {
		switch typeOf(inner) {
		case "Create", "Update", "Page", "Note", "Article", "Question":
			target = str(inner["object"])
			if target == "" {
				target = str(inner["id"])
			}
		case "Delete":
			if str(inner["actor"]) == group.URI {
				// The consultation itself removes one of its contributions.
				return f.store.ReceiveRemoval(ctx, group, str(inner["object"]), text(inner, "summary"))
			}
			return f.checkGone(ctx, str(inner["object"]))
		default:
			return nil // likes and the rest: counted by the host
		}
	}
	if target == "" {
		return nil
	}
	if hostOf(target) == strings.ToLower(f.links.Domain()) {
		return nil // ours: already here
	}
	note, err := f.fetchObject(ctx, target)
	if err != nil {
		var he *httpError
		if errors.As(err, &he) && (he.status == http.StatusNotFound || he.status == http.StatusGone) {
			return nil
		}
		return err
	}
	author, err := f.accountByURI(ctx, str(note["attributedTo"]))
	if err != nil {
		return err
	}
	if !sameHost(str(note["id"]), author.URI) {
		return permanent("note %s is not on its author's server", str(note["id"]))
	}
	_, err = f.saveNoteBy(ctx, author, note, 0, &via{groups: []string{group.URI}})
	if err == nil {
		// Joined late, or missed some: fill the thread in.
		f.backfillLater(ctx, str(note["context"]))
	}
	return err
}

// checkGone deletes a stored status whose origin says it is gone.
func (f *Federator) checkGone(ctx context.Context, uri string) error {
	st, err := f.store.StatusByURI(ctx, uri, "")
	if err != nil {
		return nil // not here
	}
	if _, err := f.fetchObject(ctx, uri); err == nil {
		return nil // still there
	} else {
		var he *httpError
		if !errors.As(err, &he) || (he.status != http.StatusNotFound && he.status != http.StatusGone) {
			return err
		}
	}
	author, err := f.store.Account(ctx, st.AccountID)
	if err != nil {
		return err
	}
	return f.store.DeleteRemoteStatus(ctx, author, uri)
}

// forwarded takes a contribution that another server passed on (inbox
// forwarding, ActivityPub §7.1.2): a Create or Update sent by its author to
// that server only, which forwards it here because it answers something in
// a consultation. The forwarder cannot vouch for another server's object,
// so the object is read again from its origin before anything is stored.
// It answers the request and returns true when the activity is such a
// forward; false leaves the request to the caller, which refuses it.
func (f *Federator) forwarded(w http.ResponseWriter, r *http.Request, doc map[string]any, signer *Signer) bool {
	typ := typeOf(doc)
	if typ != "Create" && typ != "Update" {
		return false
	}
	forwarder, err := f.store.ActorByURI(r.Context(), signer.Owner)
	if err != nil || forwarder.Type != "Application" {
		return false // only servers forward; a person signing for another is a forgery
	}
	if err := checkOrigin(doc, str(doc["actor"])); err != nil {
		f.metrics.inbox.WithLabelValues("forbidden").Inc()
		inboxError(w, http.StatusForbidden, err.Error())
		return true
	}
	if !isPublic(doc) && !isPublic(obj(doc["object"])) {
		w.WriteHeader(http.StatusAccepted) // not ours to read
		return true
	}
	uri := str(doc["object"])
	if _, err := f.queue.Insert(r.Context(), FetchArgs{URI: uri}, nil); err != nil {
		f.log.ErrorContext(r.Context(), "inbox: enqueue fetch", "uri", uri, "err", err)
		inboxError(w, http.StatusInternalServerError, "the activity could not be stored; try again")
		return true
	}
	f.metrics.inbox.WithLabelValues("forwarded").Inc()
	w.WriteHeader(http.StatusAccepted)
	return true
}

// FetchArgs reads an object from its origin and stores it.
type FetchArgs struct {
	URI string `json:"uri"`
}

// Kind names the job.
func (FetchArgs) Kind() string { return "fetch" }

// InsertOpts puts fetches on the federation queue.
func (FetchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueFederation, MaxAttempts: 6,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Hour}}
}

type fetchWorker struct {
	river.WorkerDefaults[FetchArgs]
	f *Federator
}

func (w *fetchWorker) Work(ctx context.Context, job *river.Job[FetchArgs]) error {
	if _, err := w.f.store.StatusByURI(ctx, job.Args.URI, ""); err == nil {
		return nil // known already
	}
	_, _, err := w.f.ResolveURL(ctx, job.Args.URI)
	var he *httpError
	var perm *permanentError
	if errors.As(err, &he) && he.status >= 400 && he.status < 500 || errors.As(err, &perm) || errors.Is(err, roundtable.ErrForbidden) {
		return river.JobCancel(err)
	}
	return err
}

// maxBackfill bounds how many contributions one backfill fetches.
const maxBackfill = 200

// BackfillArgs fills in a thread from its context collection (FEP-7888,
// FEP-f228): contributions that never reached this instance are read from
// their origins.
type BackfillArgs struct {
	Context string `json:"context"`
}

// Kind names the job.
func (BackfillArgs) Kind() string { return "backfill" }

// InsertOpts runs a thread's backfill at most once an hour.
func (BackfillArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueFederation, MaxAttempts: 3,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Hour}}
}

// backfillLater asks for a thread to be filled in, when its context is a
// collection on another server.
func (f *Federator) backfillLater(ctx context.Context, contextURI string) {
	if contextURI == "" || hostOf(contextURI) == strings.ToLower(f.links.Domain()) || f.queue == nil {
		return
	}
	if _, err := f.validURL(contextURI); err != nil {
		return
	}
	if _, err := f.queue.Insert(ctx, BackfillArgs{Context: contextURI}, nil); err != nil {
		f.log.WarnContext(ctx, "enqueue backfill", "context", contextURI, "err", err)
	}
}

type backfillWorker struct {
	river.WorkerDefaults[BackfillArgs]
	f *Federator
}

func (w *backfillWorker) Timeout(*river.Job[BackfillArgs]) time.Duration { return 5 * time.Minute }

func (w *backfillWorker) Work(ctx context.Context, job *river.Job[BackfillArgs]) error {
	doc, err := w.f.fetchObject(ctx, job.Args.Context)
	if err != nil {
		var he *httpError
		if errors.As(err, &he) && he.status >= 400 && he.status < 500 {
			return river.JobCancel(err) // not a collection we can read
		}
		return err
	}
	t := typeOf(doc)
	if t != "OrderedCollection" && t != "Collection" {
		return nil // a context that is not a collection: nothing to fill in
	}
	items := collectionItems(doc)
	// Pages, given inline or by reference, up to a bound.
	page := doc["first"]
	for pages := 0; len(items) < maxBackfill && page != nil && pages < 10; pages++ {
		p := obj(page)
		if p == nil {
			ref := str(page)
			if ref == "" || !sameHost(ref, job.Args.Context) {
				break
			}
			if p, err = w.f.fetchObject(ctx, ref); err != nil {
				break
			}
		}
		items = append(items, collectionItems(p)...)
		page = p["next"]
	}
	if len(items) > maxBackfill {
		items = items[:maxBackfill]
	}
	for _, uri := range items {
		if _, err := w.f.store.StatusByURI(ctx, uri, ""); err == nil {
			continue
		}
		if _, _, err := w.f.ResolveURL(ctx, uri); err != nil {
			w.f.log.InfoContext(ctx, "backfill: could not read a contribution", "uri", uri, "err", err)
		}
	}
	return nil
}

// collectionItems returns the ids of a collection's (or page's) items.
func collectionItems(doc map[string]any) []string {
	if items := strs(doc["orderedItems"]); items != nil {
		return items
	}
	return strs(doc["items"])
}
