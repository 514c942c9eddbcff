package federation

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/riverqueue/river"
	"golang.org/x/net/dns/dnsmessage"
)

// The attack suite, at the level of one instance's outgoing requests: what a
// hostile peer can make the instance fetch. The suite against running
// instances is in cmd/roundtable/attack_test.go.

// insideServer is a service on the instance's own network (here
// 127.0.0.209) that no remote document may make the instance reach; it
// counts the requests it gets.
type insideServer struct {
	srv  *httptest.Server
	hits atomic.Int64
}

func startInside(t *testing.T) *insideServer {
	t.Helper()
	in := &insideServer{}
	in.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		in.hits.Add(1)
		w.Header().Set("Content-Type", "application/activity+json")
		_, _ = w.Write([]byte(`{"id":"secret","type":"Person"}`))
	}))
	ln, err := net.Listen("tcp", "127.0.0.209:0")
	if err != nil {
		t.Fatal(err)
	}
	in.srv.Listener = ln
	in.srv.StartTLS()
	t.Cleanup(in.srv.Close)
	return in
}

// fakeDNS answers A queries from names, on UDP at 127.0.0.208: the DNS of a
// hostile peer whose names lead inside.
func fakeDNS(t *testing.T, names map[string]netip.Addr) *net.Resolver {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.208:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var p dnsmessage.Parser
			h, err := p.Start(buf[:n])
			if err != nil {
				continue
			}
			q, err := p.Question()
			if err != nil {
				continue
			}
			b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true})
			b.EnableCompression()
			_ = b.StartQuestions()
			_ = b.Question(q)
			_ = b.StartAnswers()
			if ip, ok := names[strings.TrimSuffix(q.Name.String(), ".")]; ok && q.Type == dnsmessage.TypeA {
				_ = b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 60}, dnsmessage.AResource{A: ip.As4()})
			}
			msg, err := b.Finish()
			if err == nil {
				_, _ = pc.WriteTo(msg, from)
			}
		}
	}()
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", pc.LocalAddr().String())
	}}
}

// TestAttackSSRF has the instance fetch, as a hostile peer would have it,
// actors, keys, objects, media, context collections and WebFinger at
// loopback, private, link-local and metadata addresses, directly, through
// DNS answers and through redirects: every one is refused at connection
// time, and the service inside is never reached.
func TestAttackSSRF(t *testing.T) {
	t.Parallel()
	f, _ := newTestFederator(t, nil)
	f.cfg.Insecure = false // https only, private addresses refused: production

	inside := startInside(t)
	insidePort := inside.srv.Listener.Addr().(*net.TCPAddr).Port
	insideURL := inside.srv.URL

	// A public-looking server that redirects wherever the peer wants. It
	// lives on loopback too, so the client used here allows its address
	// alone, as if it were on the Internet.
	redirector := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	}))
	ln, err := net.Listen("tcp", "127.0.0.207:0")
	if err != nil {
		t.Fatal(err)
	}
	redirector.Listener = ln
	redirector.StartTLS()
	t.Cleanup(redirector.Close)
	public := netip.MustParseAddr("127.0.0.207")

	resolver := fakeDNS(t, map[string]netip.Addr{
		"inside.example":   netip.MustParseAddr("127.0.0.209"),
		"metadata.example": netip.MustParseAddr("169.254.169.254"),
		"private.example":  netip.MustParseAddr("10.0.0.5"),
		"public.example":   public,
	})
	f.http = newCheckedClient(func(a netip.Addr) bool { return a == public || allowedIP(a) }, resolver)
	f.http.Transport.(*http.Transport).TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // test servers' own certificates

	via := func(to string) string {
		return fmt.Sprintf("https://public.example:%d/r?to=%s", redirector.Listener.Addr().(*net.TCPAddr).Port, to)
	}
	targets := []struct {
		name string
		base string // scheme and host of the address reached
	}{
		{"loopback address", insideURL},
		{"loopback by name", fmt.Sprintf("https://localhost:%d", insidePort)},
		{"IPv6 loopback", "https://[::1]:443"},
		{"private 10/8", "https://10.0.0.5"},
		{"private 192.168/16", "https://192.168.1.1"},
		{"private 172.16/12", "https://172.16.0.1"},
		{"carrier-grade NAT", "https://100.64.0.1"},
		{"link-local", "https://169.254.1.1"},
		{"cloud metadata", "https://169.254.169.254"},
		{"IPv6 unique local", "https://[fd00::1]"},
		{"IPv6 link-local", "https://[fe80::1]"},
		{"IPv4-mapped metadata", "https://[::ffff:169.254.169.254]"},
		{"unspecified", "https://0.0.0.0"},
		{"DNS answer to loopback", fmt.Sprintf("https://inside.example:%d", insidePort)},
		{"DNS answer to metadata", "https://metadata.example"},
		{"DNS answer to private", "https://private.example"},
		{"redirect to loopback", via(insideURL)},
		{"redirect to a name for loopback", via(fmt.Sprintf("https://inside.example:%d", insidePort))},
		{"redirect to metadata", via("https://169.254.169.254")},
	}
	fetches := []struct {
		name  string
		fetch func(ctx context.Context, base string) error
	}{
		{"actor", func(ctx context.Context, base string) error {
			_, err := f.accountByURI(ctx, withPath(base, "/users/alice"))
			return err
		}},
		{"key", func(ctx context.Context, base string) error {
			_, _, err := f.findKey(ctx, withPath(base, "/users/alice")+"#main-key", false)
			return err
		}},
		{"object", func(ctx context.Context, base string) error {
			_, _, err := f.ResolveURL(ctx, withPath(base, "/notes/1"))
			return err
		}},
		{"media", func(ctx context.Context, base string) error {
			_, err := f.FetchMedia(ctx, withPath(base, "/media/1.png"), 1<<20)
			return err
		}},
		{"context", func(ctx context.Context, base string) error {
			return (&backfillWorker{f: f}).Work(ctx, &river.Job[BackfillArgs]{Args: BackfillArgs{Context: withPath(base, "/contexts/1")}})
		}},
	}
	for _, target := range targets {
		for _, fetch := range fetches {
			t.Run(fetch.name+" at "+target.name, func(t *testing.T) {
				err := fetch.fetch(context.Background(), target.base)
				if err == nil || !strings.Contains(err.Error(), ErrForbiddenAddress.Error()) {
					t.Errorf("fetch: %v, want a refusal saying %q", err, ErrForbiddenAddress)
				}
			})
		}
	}
	// WebFinger is asked of a domain, not a URL.
	for _, domain := range []string{fmt.Sprintf("127.0.0.209:%d", insidePort), fmt.Sprintf("inside.example:%d", insidePort), "metadata.example", "169.254.169.254"} {
		t.Run("webfinger at "+domain, func(t *testing.T) {
			_, err := f.ResolveAccount(context.Background(), "alice@"+domain)
			if err == nil || !strings.Contains(err.Error(), ErrForbiddenAddress.Error()) {
				t.Errorf("webfinger: %v, want a refusal saying %q", err, ErrForbiddenAddress)
			}
		})
		t.Run("nodeinfo at "+domain, func(t *testing.T) {
			_, _, err := f.fetchPeerSoftware(context.Background(), domain)
			if err == nil || !strings.Contains(err.Error(), ErrForbiddenAddress.Error()) {
				t.Errorf("nodeinfo: %v, want a refusal saying %q", err, ErrForbiddenAddress)
			}
		})
	}
	// The redirector itself is reachable: the refusals above are the
	// checks', not a network that is down.
	res, err := f.http.Get(via("https://example.invalid/"))
	if err == nil {
		res.Body.Close()
	}
	if err == nil || strings.Contains(err.Error(), ErrForbiddenAddress.Error()) {
		t.Errorf("the redirector: %v, want a DNS failure for example.invalid only", err)
	}
	if n := inside.hits.Load(); n != 0 {
		t.Errorf("the service inside was reached %d times", n)
	}
}

// withPath appends path to base; for a redirect, to its target.
func withPath(base, path string) string { return base + path }

// TestAttackFetchedOrigin serves documents whose id is not the URL they were
// fetched from: none is believed.
func TestAttackFetchedOrigin(t *testing.T) {
	t.Parallel()
	f, store := newTestFederator(t, nil)
	var base, other string
	docs := map[string]map[string]any{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, other+"/users/eve", http.StatusFound)
			return
		}
		doc, ok := docs[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/activity+json")
		_ = json.NewEncoder(w).Encode(doc)
	}))
	t.Cleanup(srv.Close)
	otherSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/activity+json")
		_ = json.NewEncoder(w).Encode(map[string]any{"id": other + r.URL.Path, "type": "Note",
			"attributedTo": other + "/users/eve", "content": "from elsewhere"})
	}))
	t.Cleanup(otherSrv.Close)
	// The two servers are on 127.0.0.1 with different ports: different hosts.
	base, other = srv.URL, otherSrv.URL
	note := func(id string) map[string]any {
		return map[string]any{"id": id, "type": "Note", "attributedTo": base + "/users/mallory", "content": "forged"}
	}
	docs["/claims-other-host"] = note(other + "/notes/1")
	docs["/no-id"] = map[string]any{"type": "Note", "content": "anonymous"}
	docs["/claims-sibling"] = note(base + "/not-served")
	docs["/claims-sibling-served-differently"] = note(base + "/served-differently")
	docs["/served-differently"] = note(base + "/something-else")
	docs["/credentials"] = note(strings.Replace(base, "://", "://evil@", 1) + "/credentials")

	tests := []struct {
		name, path, want string
	}{
		{"id on another server", "/claims-other-host", "answered with an object of another server"},
		{"no id", "/no-id", "answered with an object of another server"},
		{"id not served", "/claims-sibling", "answered 404"},
		{"id served as yet another id", "/claims-sibling-served-differently", "is not served at its id"},
		{"redirect to another server", "/moved", "answered with an object of another server"},
		{"id with credentials", "/credentials", "URL with credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, st, err := f.ResolveURL(context.Background(), base+tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("resolve: %v, %v; want a refusal saying %q", st, err, tt.want)
			}
		})
	}
	var n int
	if err := store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM statuses`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d remote statuses stored (%v), want none", n, err)
	}
}
