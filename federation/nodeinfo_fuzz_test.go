package federation

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzNodeInfo reads arbitrary NodeInfo discovery and schema documents:
// nothing panics, a link is only ever an http(s) URL on the server's own
// host, and what is kept is bounded and printable.
func FuzzNodeInfo(f *testing.F) {
	f.Add([]byte(`{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.0","href":"https://a.example/nodeinfo/2.0"},`+
		`{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.1","href":"https://a.example/nodeinfo/2.1"}]}`),
		[]byte(`{"version":"2.1","software":{"name":"mastodon","version":"4.3.2"},"protocols":["activitypub"],"openRegistrations":true}`))
	f.Add([]byte(`{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.0","href":"javascript:alert(1)"}]}`),
		[]byte(`{"version":"2.0","software":{"name":"<script>","version":"1"}}`))
	f.Add([]byte(`{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.0","href":"http://169.254.169.254/latest"}]}`),
		[]byte(`{"version":"2.0","software":{"name":"pleroma","version":"2.7.0\u0000\u001b[31m"}}`))
	f.Add([]byte(`{"links":{"rel":1}}`), []byte(`{"version":2,"software":{"name":["x"]}}`))
	f.Add([]byte(`{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.0","href":"https://user:pw@a.example/n"}]}`),
		[]byte(`{"version":"1.0","software":{"name":"diaspora","version":"0.7"}}`))
	f.Fuzz(func(t *testing.T, links, doc []byte) {
		if href, err := parseNodeInfoLinks(links, "a.example"); err == nil {
			u, perr := url.Parse(href)
			if perr != nil || (u.Scheme != "https" && u.Scheme != "http") || !strings.EqualFold(u.Host, "a.example") || u.User != nil {
				t.Fatalf("link %q accepted", href)
			}
			if len(links) > maxNodeInfo {
				t.Fatalf("a discovery document of %d bytes accepted", len(links))
			}
		}
		name, version, err := parseNodeInfo(doc)
		if err != nil {
			if name != "" || version != "" {
				t.Fatalf("refused document gave %q %q", name, version)
			}
			return
		}
		if len(doc) > maxNodeInfo {
			t.Fatalf("a document of %d bytes accepted", len(doc))
		}
		if !softwareName.MatchString(name) {
			t.Fatalf("software name %q accepted", name)
		}
		if utf8.RuneCountInString(version) > maxSoftwareVersion || !utf8.ValidString(version) ||
			strings.ContainsFunc(version, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			t.Fatalf("software version %q accepted", version)
		}
	})
}

// TestParseNodeInfo: the documents of common servers are read; links to
// other hosts or schemes and malformed documents are refused.
func TestParseNodeInfo(t *testing.T) {
	href, err := parseNodeInfoLinks([]byte(`{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.0","href":"https://a.example/nodeinfo/2.0"},`+
		`{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.1","href":"https://a.example/nodeinfo/2.1"},`+
		`{"rel":"https://www.w3.org/ns/activitystreams#Application","href":"https://a.example/actor"}]}`), "a.example")
	if err != nil || href != "https://a.example/nodeinfo/2.1" {
		t.Errorf("links: %q, %v; want the 2.1 document", href, err)
	}
	for _, bad := range []string{
		`{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.0","href":"https://b.example/nodeinfo/2.0"}]}`,
		`{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.0","href":"file:///etc/passwd"}]}`,
		`{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/1.0","href":"https://a.example/nodeinfo/1.0"}]}`,
		`{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.0","href":42}]}`,
		`{"links":"none"}`, `[]`, ``,
		`{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.0","href":"https://a.example/` + strings.Repeat("x", maxNodeInfo) + `"}]}`,
	} {
		if href, err := parseNodeInfoLinks([]byte(bad), "a.example"); err == nil {
			t.Errorf("links %.80s… gave %q", bad, href)
		}
	}
	for doc, want := range map[string][2]string{
		`{"version":"2.0","software":{"name":"mastodon","version":"4.3.2"}}`:                          {"mastodon", "4.3.2"},
		`{"version":"2.1","software":{"name":"Pleroma","version":"2.7.0"}}`:                           {"pleroma", "2.7.0"},
		`{"version":"2.0","software":{"name":"gotosocial","version":"\u001b[2J"}}`:                    {"gotosocial", ""},
		`{"version":"2.0","software":{"name":"misskey","version":"` + strings.Repeat("9", 65) + `"}}`: {"misskey", ""},
	} {
		name, version, err := parseNodeInfo([]byte(doc))
		if err != nil || name != want[0] || version != want[1] {
			t.Errorf("%.60s: %q %q %v, want %q %q", doc, name, version, err, want[0], want[1])
		}
	}
	for _, bad := range []string{
		`{"version":"1.0","software":{"name":"diaspora","version":"0.7"}}`,
		`{"version":"2.0","software":{"name":"<b>x</b>","version":"1"}}`,
		`{"version":"2.0","software":{"name":"","version":"1"}}`,
		`{"version":"2.0","software":{"name":7,"version":"1"}}`,
		`{"version":"2.0","software":"mastodon"}`,
	} {
		if name, version, err := parseNodeInfo([]byte(bad)); err == nil {
			t.Errorf("%s gave %q %q", bad, name, version)
		}
	}
}
