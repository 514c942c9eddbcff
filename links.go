package roundtable

import (
	"net/url"
	"strings"
)

// Links builds the public URLs of this instance's objects. Every id and page
// address is made here, so that web pages, the client API and federation
// agree on them.
type Links struct {
	// Base is the scheme and host, without a trailing slash:
	// "https://example.org".
	Base string
}

// Domain returns the host (and port) part of Base.
func (l Links) Domain() string {
	u, err := url.Parse(l.Base)
	if err != nil {
		return strings.TrimPrefix(strings.TrimPrefix(l.Base, "https://"), "http://")
	}
	return u.Host
}

// Actor returns the ActivityPub id of the local account called username.
func (l Links) Actor(username string) string { return l.Base + "/users/" + username }

// Profile returns the web page of the local account called username.
func (l Links) Profile(username string) string { return l.Base + "/@" + username }

// StatusURI returns the ActivityPub id of a local status.
func (l Links) StatusURI(username, id string) string {
	return l.Actor(username) + "/statuses/" + id
}

// StatusURL returns the web page of a local status.
func (l Links) StatusURL(username, id string) string { return l.Profile(username) + "/" + id }

// Tag returns the web page of a hashtag.
func (l Links) Tag(name string) string { return l.Base + "/tags/" + url.PathEscape(name) }

// Avatar returns the default avatar image.
func (l Links) Avatar() string { return l.Base + "/avatars/original/missing.png" }

// Header returns the default header image.
func (l Links) Header() string { return l.Base + "/headers/original/missing.png" }

// Thread returns the id of a thread's context collection, served by the
// consultation's Group (FEP-7888).
func (l Links) Thread(slug, rootID string) string { return l.Actor(slug) + "/threads/" + rootID }

// InstanceActor returns the ActivityPub id of the instance's own actor.
func (l Links) InstanceActor() string { return l.Base + "/actor" }

// SharedInbox returns the inbox shared by every actor of the instance.
func (l Links) SharedInbox() string { return l.Base + "/inbox" }
