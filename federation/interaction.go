package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/roundtable-fed/roundtable"
)

// subscribeRel is the WebFinger link whose template is a server's
// remote-interaction page, as Mastodon and others publish it.
const subscribeRel = "http://ostatus.org/schema/1.0/subscribe"

// webfingerDoc is the part of a WebFinger answer Roundtable reads.
type webfingerDoc struct {
	Links []struct {
		Rel, Type, Href, Template string
	} `json:"links"`
}

// fetchWebfinger asks domain about acct. The request goes through the
// federation client, which refuses private addresses when it dials.
func (f *Federator) fetchWebfinger(ctx context.Context, acct, domain string) (*webfingerDoc, error) {
	scheme := "https"
	if f.cfg.Insecure {
		scheme = "http"
	}
	wf := scheme + "://" + domain + "/.well-known/webfinger?resource=" + url.QueryEscape("acct:"+acct)
	u, err := f.validURL(wf)
	if err != nil {
		return nil, fmt.Errorf("handle %q: %w", acct, roundtable.ErrNotFound)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/jrd+json, application/json")
	req.Header.Set("User-Agent", f.userAgent())
	res, err := f.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("webfinger %s: %w", acct, err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusNotFound || res.StatusCode == http.StatusGone {
		return nil, fmt.Errorf("handle %q: %w", acct, roundtable.ErrNotFound)
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("webfinger %s: %s", acct, res.Status)
	}
	var jrd webfingerDoc
	if err := json.NewDecoder(http.MaxBytesReader(nil, res.Body, 64<<10)).Decode(&jrd); err != nil {
		return nil, fmt.Errorf("webfinger %s: %w", acct, err)
	}
	return &jrd, nil
}

// InteractionTemplate returns the remote-interaction template that the
// server of acct ("name@domain") publishes in its WebFinger answer. It
// implements roundtable.InteractionFinder.
func (f *Federator) InteractionTemplate(ctx context.Context, acct string) (string, error) {
	acct = strings.TrimPrefix(strings.TrimSpace(acct), "@")
	name, domain, ok := strings.Cut(acct, "@")
	if !ok || name == "" || domain == "" || strings.ContainsAny(acct, "/?#\\ ") {
		return "", fmt.Errorf("handle %q: %w", acct, roundtable.ErrNotFound)
	}
	if strings.EqualFold(domain, f.links.Domain()) {
		return f.links.Base + "/authorize_interaction?uri={uri}", nil
	}
	if f.blocked(ctx, domain) {
		return "", fmt.Errorf("handle %q: %w", acct, roundtable.ErrNotFound)
	}
	jrd, err := f.fetchWebfinger(ctx, acct, domain)
	if err != nil {
		return "", err
	}
	for _, l := range jrd.Links {
		if l.Rel != subscribeRel || !strings.Contains(l.Template, "{uri}") {
			continue
		}
		u, err := url.Parse(strings.Replace(l.Template, "{uri}", "x", 1))
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			continue
		}
		return l.Template, nil
	}
	return "", fmt.Errorf("handle %q offers no remote interaction: %w", acct, roundtable.ErrNotFound)
}
