package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/riverqueue/river"
)

// What other instances run: when an instance is first seen, and again
// every week, its /.well-known/nodeinfo is read, then the newest NodeInfo
// 2.x document it links to, on its own host, and the software's name and
// version are kept on its peer row for admins.

// maxNodeInfo bounds a NodeInfo discovery or schema document.
const maxNodeInfo = 64 << 10

// nodeInfoRel is the link relation of a NodeInfo 2.x schema, followed by
// its minor version.
const nodeInfoRel = "http://nodeinfo.diaspora.software/ns/schema/2."

// softwareName is the NodeInfo schema's pattern for software names.
var softwareName = regexp.MustCompile(`^[a-z0-9-]{1,64}$`)

// maxSoftwareVersion bounds a software version, in characters.
const maxSoftwareVersion = 64

// parseNodeInfoLinks returns the address of the newest NodeInfo 2.x
// document a discovery document links to; it must be an http(s) URL on
// host.
func parseNodeInfoLinks(body []byte, host string) (string, error) {
	if len(body) > maxNodeInfo {
		return "", fmt.Errorf("nodeinfo links larger than %d bytes", maxNodeInfo)
	}
	var doc struct {
		Links []struct {
			Rel  string `json:"rel"`
			Href string `json:"href"`
		} `json:"links"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", fmt.Errorf("nodeinfo links: %w", err)
	}
	best, href := -1, ""
	for _, l := range doc.Links {
		minor, ok := strings.CutPrefix(l.Rel, nodeInfoRel)
		if !ok || len(minor) != 1 || minor[0] < '0' || minor[0] > '9' || int(minor[0]-'0') <= best {
			continue
		}
		u, err := url.Parse(l.Href)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil || !strings.EqualFold(u.Host, host) {
			continue
		}
		best, href = int(minor[0]-'0'), u.String()
	}
	if href == "" {
		return "", errors.New("no NodeInfo 2.x document on the server's own host")
	}
	return href, nil
}

// parseNodeInfo returns the software name and version of a NodeInfo 2.x
// document. The name must follow the schema (lower-case letters, digits
// and hyphens); a version that is too long or holds control characters is
// left out.
func parseNodeInfo(body []byte) (name, version string, err error) {
	if len(body) > maxNodeInfo {
		return "", "", fmt.Errorf("nodeinfo larger than %d bytes", maxNodeInfo)
	}
	var doc struct {
		Version  string `json:"version"`
		Software struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"software"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", "", fmt.Errorf("nodeinfo: %w", err)
	}
	if !strings.HasPrefix(doc.Version, "2.") {
		return "", "", fmt.Errorf("nodeinfo: schema %q is not 2.x", doc.Version)
	}
	name = strings.ToLower(doc.Software.Name)
	if !softwareName.MatchString(name) {
		return "", "", fmt.Errorf("nodeinfo: software name %q is not valid", doc.Software.Name)
	}
	version = strings.TrimSpace(doc.Software.Version)
	if len([]rune(version)) > maxSoftwareVersion || strings.IndexFunc(version, func(r rune) bool {
		return !unicode.IsPrint(r) || r == unicode.ReplacementChar
	}) >= 0 {
		version = ""
	}
	return name, version, nil
}

// getSmall fetches a small JSON document, unsigned, through the checked
// client.
func (f *Federator) getSmall(ctx context.Context, u *url.URL) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", f.userAgent())
	res, err := f.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", u, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, &httpError{status: res.StatusCode, uri: u.String()}
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxNodeInfo+1))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", u, err)
	}
	if len(body) > maxNodeInfo {
		return nil, fmt.Errorf("fetch %s: larger than %d bytes", u, maxNodeInfo)
	}
	return body, nil
}

// fetchPeerSoftware reads what domain runs from its NodeInfo.
func (f *Federator) fetchPeerSoftware(ctx context.Context, domain string) (name, version string, err error) {
	scheme := "https"
	if f.cfg.Insecure {
		scheme = "http"
	}
	u, err := f.validURL(scheme + "://" + domain + "/.well-known/nodeinfo")
	if err != nil || u.Host != domain || u.Path != "/.well-known/nodeinfo" {
		return "", "", fmt.Errorf("%q is not a domain", domain)
	}
	body, err := f.getSmall(ctx, u)
	if err != nil {
		return "", "", err
	}
	href, err := parseNodeInfoLinks(body, domain)
	if err != nil {
		return "", "", err
	}
	if u, err = f.validURL(href); err != nil {
		return "", "", err
	}
	if body, err = f.getSmall(ctx, u); err != nil {
		return "", "", err
	}
	return parseNodeInfo(body)
}

// NodeInfoArgs reads what one domain runs.
type NodeInfoArgs struct {
	Domain string `json:"domain"`
}

// Kind names the job.
func (NodeInfoArgs) Kind() string { return "nodeinfo" }

// InsertOpts: one read of a domain an hour at most, tried once.
func (NodeInfoArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueFederation, MaxAttempts: 1,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Hour}}
}

type nodeInfoWorker struct {
	river.WorkerDefaults[NodeInfoArgs]
	f *Federator
}

func (w *nodeInfoWorker) Timeout(*river.Job[NodeInfoArgs]) time.Duration { return time.Minute }

// Work records what the domain runs; a domain that does not say is noted
// as checked and asked again after roundtable.SoftwareRetry.
func (w *nodeInfoWorker) Work(ctx context.Context, job *river.Job[NodeInfoArgs]) error {
	domain := strings.ToLower(job.Args.Domain)
	if w.f.blocked(ctx, domain) {
		return nil
	}
	name, version, err := w.f.fetchPeerSoftware(ctx, domain)
	if err != nil {
		w.f.log.Debug("nodeinfo not read", "domain", domain, "err", err)
	}
	return w.f.store.SetPeerSoftware(ctx, domain, name, version)
}

// PeerSoftwareArgs is the periodic job that reads the NodeInfo of the
// peers due for it.
type PeerSoftwareArgs struct{}

// Kind names the job.
func (PeerSoftwareArgs) Kind() string { return "peer_software" }

// InsertOpts puts the job on the federation queue.
func (PeerSoftwareArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueFederation}
}

type peerSoftwareWorker struct {
	river.WorkerDefaults[PeerSoftwareArgs]
	f *Federator
}

func (w *peerSoftwareWorker) Work(ctx context.Context, _ *river.Job[PeerSoftwareArgs]) error {
	domains, err := w.f.store.PeersSoftwareDue(ctx, 200)
	if err != nil {
		return err
	}
	for _, d := range domains {
		if _, err := w.f.queue.Insert(ctx, NodeInfoArgs{Domain: d}, nil); err != nil {
			return err
		}
	}
	return nil
}

// peerSoftwareEvery is how often peers due for a NodeInfo read are looked
// for.
const peerSoftwareEvery = 10 * time.Minute

// noticePeer asks for what domain runs when it is seen for the first time
// (or not for long).
func (f *Federator) noticePeer(ctx context.Context, domain string) {
	if f.queue == nil || domain == "" {
		return
	}
	due, err := f.store.PeerSoftwareDue(ctx, domain)
	if err != nil || !due {
		return
	}
	if _, err := f.queue.Insert(ctx, NodeInfoArgs{Domain: domain}, nil); err != nil {
		f.log.Warn("nodeinfo read not queued", "domain", domain, "err", err)
	}
}
