package federation

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// Outgoing HTTP. Every request is signed; every connection is checked, at
// dial time, against loopback, private, link-local and reserved addresses
// (unless insecure, for development and tests), so a hostile peer cannot
// point us at the inside of our own network, even through DNS rebinding.

// maxDocument is the largest ActivityPub document fetched.
const maxDocument = 1 << 20

// ErrForbiddenAddress means a request would reach an address the instance
// refuses to contact.
var ErrForbiddenAddress = errors.New("address not allowed")

// reserved are the networks outgoing requests refuse.
var reserved = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
		"192.0.0.0/24", "192.0.2.0/24", "192.31.196.0/24", "192.52.193.0/24", "192.88.99.0/24", "192.168.0.0/16",
		"192.175.48.0/24", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
		"2001::/23", "2001:db8::/32", "2002::/16", "2620:4f:8000::/48",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

var globalUnicast6 = netip.MustParsePrefix("2000::/3")

// allowedIP reports whether outgoing connections may go to ip.
func allowedIP(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.Is6() && !globalUnicast6.Contains(ip) {
		return false
	}
	for _, p := range reserved {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// newHTTPClient returns the client for requests to other servers.
func newHTTPClient(insecure bool) *http.Client {
	if insecure {
		return newCheckedClient(nil, nil)
	}
	return newCheckedClient(allowedIP, nil)
}

// newCheckedClient returns a client that connects only to addresses allow
// accepts (any when nil), resolving names with resolver (the system's when
// nil).
func newCheckedClient(allow func(netip.Addr) bool, resolver *net.Resolver) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Resolver: resolver}
	if allow != nil {
		dialer.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || (network != "tcp4" && network != "tcp6") || !allow(ap.Addr()) {
				return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
			}
			return nil
		}
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 20 * time.Second,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   30 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return errors.New("too many redirects")
			}
			return nil
		},
	}
}

// signingKey is what signs an outgoing request.
type signingKey struct {
	id  string
	key *rsa.PrivateKey
	pem string // key as stored, to notice a new one
}

// validURL checks that s is an absolute http(s) URL that outgoing requests
// may use.
func (f *Federator) validURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("not an http(s) URL: %q", s)
	}
	if u.Scheme == "http" && !f.cfg.Insecure {
		return nil, fmt.Errorf("plain http is not allowed: %q", s)
	}
	if u.User != nil {
		return nil, fmt.Errorf("URL with credentials: %q", s)
	}
	return u, nil
}

// get fetches an ActivityPub document, signed by key, and returns its body.
func (f *Federator) get(ctx context.Context, uri string, key signingKey) ([]byte, error) {
	u, err := f.validURL(uri)
	if err != nil {
		return nil, err
	}
	if f.blocked(ctx, u.Host) {
		return nil, &httpError{status: http.StatusForbidden, uri: uri + " (blocked here)"}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`)
	req.Header.Set("User-Agent", f.userAgent())
	if err := signRequest(req, key.id, key.key, nil, f.now()); err != nil {
		return nil, err
	}
	res, err := f.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", uri, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, &httpError{status: res.StatusCode, uri: uri}
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxDocument+1))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", uri, err)
	}
	if len(body) > maxDocument {
		return nil, fmt.Errorf("fetch %s: larger than %d bytes", uri, maxDocument)
	}
	return body, nil
}

// httpError is a non-success answer from another server.
type httpError struct {
	status int
	uri    string
}

func (e *httpError) Error() string { return fmt.Sprintf("%s answered %d", e.uri, e.status) }

func (f *Federator) userAgent() string {
	return "Roundtable/" + f.cfg.Version + " (+" + f.links.Base + "/)"
}
