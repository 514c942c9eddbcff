package federation

import (
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"

	"github.com/roundtable-fed/roundtable"
)

// Outgoing ActivityStreams documents are built with go-fed's typed
// vocabulary and serialised by it; normalise then gives them the shape
// Mastodon and the rest expect (see normalise).

// roundtableNS is the namespace of Roundtable's own terms: a consultation's
// phase, participation, attribution and norms.
const roundtableNS = "https://github.com/roundtable-fed/roundtable/ns#"

// publicIRI is the special collection that makes an object public.
const publicIRI = "https://www.w3.org/ns/activitystreams#Public"

func iri(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		// Every id built here comes from the instance's own links or from a
		// URL already parsed on the way in.
		panic(fmt.Sprintf("federation: bad IRI %q: %v", s, err))
	}
	return u
}

func idProp(s string) vocab.JSONLDIdProperty {
	p := streams.NewJSONLDIdProperty()
	p.Set(iri(s))
	return p
}

func actorProp(s string) vocab.ActivityStreamsActorProperty {
	p := streams.NewActivityStreamsActorProperty()
	p.AppendIRI(iri(s))
	return p
}

// addressing returns to and cc for a status of the given visibility, as
// Mastodon addresses them.
func addressing(o *roundtable.StatusObject) (to, cc []string) {
	var mentions []string
	for _, m := range o.Mentions {
		if m.URI != "" {
			mentions = append(mentions, m.URI)
		}
	}
	if o.Audience != "" && !slices.Contains(mentions, o.Audience) {
		// The consultation is addressed, as Lemmy and Mastodon expect.
		mentions = append(mentions, o.Audience)
	}
	switch o.Visibility {
	case roundtable.Public:
		return []string{publicIRI}, append([]string{o.AuthorFollowers}, mentions...)
	case roundtable.Unlisted:
		return []string{o.AuthorFollowers}, append([]string{publicIRI}, mentions...)
	case roundtable.Private:
		return []string{o.AuthorFollowers}, mentions
	default:
		return mentions, nil
	}
}

func toProp(list []string) vocab.ActivityStreamsToProperty {
	p := streams.NewActivityStreamsToProperty()
	for _, s := range list {
		p.AppendIRI(iri(s))
	}
	return p
}

func ccProp(list []string) vocab.ActivityStreamsCcProperty {
	p := streams.NewActivityStreamsCcProperty()
	for _, s := range list {
		p.AppendIRI(iri(s))
	}
	return p
}

func publishedProp(t time.Time) vocab.ActivityStreamsPublishedProperty {
	p := streams.NewActivityStreamsPublishedProperty()
	p.Set(t.UTC().Truncate(time.Second))
	return p
}

// noteOf builds the Note of a status; noteExtensions makes it an Article
// when the status is one (a consultation's synthesis, with its title as
// name).
func (f *Federator) noteOf(o *roundtable.StatusObject) vocab.ActivityStreamsNote {
	n := streams.NewActivityStreamsNote()
	n.SetJSONLDId(idProp(o.URI))
	if o.URL != "" {
		u := streams.NewActivityStreamsUrlProperty()
		u.AppendIRI(iri(o.URL))
		n.SetActivityStreamsUrl(u)
	}
	attr := streams.NewActivityStreamsAttributedToProperty()
	attr.AppendIRI(iri(o.AuthorURI))
	n.SetActivityStreamsAttributedTo(attr)
	to, cc := addressing(o)
	n.SetActivityStreamsTo(toProp(to))
	n.SetActivityStreamsCc(ccProp(cc))
	content := streams.NewActivityStreamsContentProperty()
	content.AppendXMLSchemaString(o.Content)
	n.SetActivityStreamsContent(content)
	if o.Summary != "" {
		sum := streams.NewActivityStreamsSummaryProperty()
		sum.AppendXMLSchemaString(o.Summary)
		n.SetActivityStreamsSummary(sum)
	}
	if o.InReplyToURI != "" {
		r := streams.NewActivityStreamsInReplyToProperty()
		r.AppendIRI(iri(o.InReplyToURI))
		n.SetActivityStreamsInReplyTo(r)
	}
	if o.ContextURI != "" {
		c := streams.NewActivityStreamsContextProperty()
		c.AppendIRI(iri(o.ContextURI))
		n.SetActivityStreamsContext(c)
	}
	if o.Audience != "" {
		a := streams.NewActivityStreamsAudienceProperty()
		a.AppendIRI(iri(o.Audience))
		n.SetActivityStreamsAudience(a)
	}
	if o.Title != "" {
		name := streams.NewActivityStreamsNameProperty()
		name.AppendXMLSchemaString(o.Title)
		n.SetActivityStreamsName(name)
	}
	n.SetActivityStreamsPublished(publishedProp(o.Published))
	if o.Updated != nil {
		u := streams.NewActivityStreamsUpdatedProperty()
		u.Set(o.Updated.UTC().Truncate(time.Second))
		n.SetActivityStreamsUpdated(u)
	}
	tags := streams.NewActivityStreamsTagProperty()
	for _, m := range o.Mentions {
		if m.URI == "" {
			continue
		}
		men := streams.NewActivityStreamsMention()
		href := streams.NewActivityStreamsHrefProperty()
		href.Set(iri(m.URI))
		men.SetActivityStreamsHref(href)
		name := streams.NewActivityStreamsNameProperty()
		name.AppendXMLSchemaString(m.Name)
		men.SetActivityStreamsName(name)
		tags.AppendActivityStreamsMention(men)
	}
	n.SetActivityStreamsTag(tags)
	return n
}

// activity builds an activity of the given type by actor about object.
type activityBuilder interface {
	vocab.Type
	SetJSONLDId(vocab.JSONLDIdProperty)
	SetActivityStreamsActor(vocab.ActivityStreamsActorProperty)
	SetActivityStreamsObject(vocab.ActivityStreamsObjectProperty)
	SetActivityStreamsTo(vocab.ActivityStreamsToProperty)
	SetActivityStreamsCc(vocab.ActivityStreamsCcProperty)
}

func newActivity(kind string) (activityBuilder, error) {
	switch kind {
	case "Create":
		return streams.NewActivityStreamsCreate(), nil
	case "Update":
		return streams.NewActivityStreamsUpdate(), nil
	case "Delete":
		return streams.NewActivityStreamsDelete(), nil
	case "Follow":
		return streams.NewActivityStreamsFollow(), nil
	case "Accept":
		return streams.NewActivityStreamsAccept(), nil
	case "Reject":
		return streams.NewActivityStreamsReject(), nil
	case "Like":
		return streams.NewActivityStreamsLike(), nil
	case "Undo":
		return streams.NewActivityStreamsUndo(), nil
	}
	return nil, fmt.Errorf("no activity type %q", kind)
}

// document serialises t and normalises it for the wire.
func document(t vocab.Type) (map[string]any, error) {
	m, err := streams.Serialize(t)
	if err != nil {
		return nil, fmt.Errorf("serialise %s: %w", t.GetTypeName(), err)
	}
	normalise(m, true)
	return m, nil
}

// objectDocument is a status's Note with its extension fields.
func (f *Federator) objectDocument(o *roundtable.StatusObject) (map[string]any, error) {
	m, err := document(f.noteOf(o))
	if err != nil {
		return nil, err
	}
	f.noteExtensions(m, o)
	return m, nil
}

// noteExtensions adds what go-fed has no typed property for: sensitive,
// contentMap, and Hashtag tags; and gives an Article its type.
func (f *Federator) noteExtensions(m map[string]any, o *roundtable.StatusObject) {
	if o.Type == "Article" {
		m["type"] = "Article"
	}
	m["sensitive"] = o.Sensitive
	if o.Local && (o.Visibility == roundtable.Public || o.Visibility == roundtable.Unlisted) {
		m["replies"] = o.URI + "/replies"
	}
	if o.Local {
		m["interactionPolicy"] = interactionPolicy(o)
	}
	if o.Language != "" {
		m["contentMap"] = map[string]string{o.Language: o.Content}
	}
	tags, _ := m["tag"].([]any)
	for _, t := range o.Tags {
		tags = append(tags, map[string]any{"type": "Hashtag", "href": f.links.Tag(t), "name": "#" + t})
	}
	if tags == nil {
		tags = []any{}
	}
	m["tag"] = tags
	m["attachment"] = attachmentDocuments(o.Attachments)
	pollExtensions(m, o)
}

// contextValue is the @context of every document sent: ActivityStreams,
// the security vocabulary, and the extension terms used.
var contextValue = []any{
	"https://www.w3.org/ns/activitystreams",
	"https://w3id.org/security/v1",
	map[string]any{
		"manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
		"sensitive":                 "as:sensitive",
		"Hashtag":                   "as:Hashtag",
		"toot":                      "http://joinmastodon.org/ns#",
		"discoverable":              "toot:discoverable",
		"blurhash":                  "toot:blurhash",
		"focalPoint":                map[string]string{"@container": "@list", "@id": "toot:focalPoint"},
		"indexable":                 "toot:indexable",
		"featured":                  map[string]string{"@id": "toot:featured", "@type": "@id"},
		"lemmy":                     "https://join-lemmy.org/ns#",
		"moderators":                map[string]string{"@id": "lemmy:moderators", "@type": "@id"},
		"postingRestrictedToMods":   "lemmy:postingRestrictedToMods",
		"rt":                        roundtableNS,
		"phase":                     "rt:phase",
		"participation":             "rt:participation",
		"attribution":               "rt:attribution",
		"norms":                     "rt:norms",
		"consultations":             map[string]string{"@id": "rt:consultations", "@type": "@id"},
		"advisories":                map[string]string{"@id": "rt:advisories", "@type": "@id"},
		"Advisory":                  "rt:Advisory",
		"subject":                   "rt:subject",
		"subjectKind":               "rt:subjectKind",
		"labels":                    "rt:labels",
		"suggestedAction":           "rt:suggestedAction",
		"gts":                       "https://gotosocial.org/ns#",
		"interactionPolicy":         map[string]string{"@id": "gts:interactionPolicy", "@type": "@id"},
		"canReply":                  map[string]string{"@id": "gts:canReply", "@type": "@id"},
		"automaticApproval":         map[string]string{"@id": "gts:automaticApproval", "@type": "@id"},
		"always":                    map[string]string{"@id": "gts:always", "@type": "@id"},
		"canQuote":                  map[string]string{"@id": "gts:canQuote", "@type": "@id"},
	},
}

// arrayProps are always sent as arrays, whatever their length: several
// servers only read them as arrays.
var arrayProps = map[string]bool{"to": true, "cc": true, "tag": true, "attachment": true, "orderedItems": true, "items": true}

// normalise fixes go-fed's serialisation for the wire: one fixed @context at
// the top, arrays where others expect arrays, content as a plain string.
func normalise(m map[string]any, top bool) {
	delete(m, "@context")
	if top {
		// Set after the walk: the shared context value is never walked
		// (nor changed).
		defer func() { m["@context"] = contextValue }()
	}
	for k, v := range m {
		switch t := v.(type) {
		case map[string]any:
			normalise(t, false)
			if arrayProps[k] {
				m[k] = []any{t}
			}
		case []any:
			for _, e := range t {
				if em, ok := e.(map[string]any); ok {
					normalise(em, false)
				}
			}
			if (k == "content" || k == "summary" || k == "name") && len(t) == 1 {
				m[k] = t[0]
			}
		default:
			if arrayProps[k] {
				m[k] = []any{v}
			}
		}
	}
}

// interactionPolicy says who may reply to a status, as GoToSocial does, and
// who may quote it:
// everyone (Public), the author's followers, or those mentioned; the author
// always may. Replies arriving here are checked against it too.
func interactionPolicy(o *roundtable.StatusObject) map[string]any {
	allowed := []any{o.AuthorURI}
	switch {
	case o.ReplyPolicy == roundtable.RepliesMentioned || o.Visibility == roundtable.Direct:
		// Those mentioned, below.
	case o.ReplyPolicy == roundtable.RepliesFollowers || o.Visibility == roundtable.Private:
		// "Everyone" who can see a followers-only status is a follower.
		allowed = append(allowed, o.AuthorFollowers)
	default:
		allowed = append(allowed, publicIRI)
	}
	for _, m := range o.Mentions {
		if m.URI != "" {
			allowed = append(allowed, m.URI)
		}
	}
	// Quotes (FEP-044f): the author only, unless the author allows others
	// to quote a public or unlisted status.
	quoters := []any{o.AuthorURI}
	if o.QuotesAllowed && (o.Visibility == roundtable.Public || o.Visibility == roundtable.Unlisted) {
		quoters = append(quoters, publicIRI)
	}
	return map[string]any{"canReply": map[string]any{"automaticApproval": allowed, "always": allowed},
		"canQuote": map[string]any{"automaticApproval": quoters}}
}
