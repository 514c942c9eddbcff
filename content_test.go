package roundtable_test

import (
	"io"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/roundtable-fed/roundtable"
)

// knownAccounts is a Linker that knows a fixed set of handles.
type knownAccounts map[string]string

func (k knownAccounts) MentionURL(acct string) (string, bool) {
	u, ok := k[strings.ToLower(acct)]
	return u, ok
}

func (knownAccounts) TagURL(name string) string { return "https://example.org/tags/" + name }

var testLinker = knownAccounts{
	"bob":                  "https://example.org/@bob",
	"carol@remote.example": "https://remote.example/@carol",
}

func TestRenderPlainParagraphs(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ src, want string }{
		{"hello", "<p>hello</p>"},
		{"one\ntwo", "<p>one<br>two</p>"},
		{"one\r\ntwo", "<p>one<br>two</p>"},
		{"one\n\ntwo", "<p>one</p><p>two</p>"},
		{"  one\n\n\n\ntwo\nthree  \n\n", "<p>one</p><p>two<br>three</p>"},
		{"a < b && c > d", "<p>a &lt; b &amp;&amp; c &gt; d</p>"},
		{`"quoted" 'single'`, "<p>&#34;quoted&#34; &#39;single&#39;</p>"},
		{"**not markdown** _really_", "<p>**not markdown** _really_</p>"},
		{"émoji ☕ and 日本語", "<p>émoji ☕ and 日本語</p>"},
	} {
		if got := roundtable.RenderPlain(c.src, testLinker).HTML; got != c.want {
			t.Errorf("RenderPlain(%q)\n got %q\nwant %q", c.src, got, c.want)
		}
	}
}

// linkTo returns the anchor RenderPlain makes for a URL.
func linkTo(u string) string {
	return `<a href="` + u + `" translate="no" rel="nofollow noreferrer noopener" target="_blank">` + u + `</a>`
}

func TestRenderPlainLinks(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ src, want string }{
		{"see https://example.org", "<p>see " + linkTo("https://example.org") + "</p>"},
		{"see https://example.org/a.", "<p>see " + linkTo("https://example.org/a") + ".</p>"},
		{"see https://example.org/a, then", "<p>see " + linkTo("https://example.org/a") + ", then</p>"},
		{"really https://example.org/a?!", "<p>really " + linkTo("https://example.org/a") + "?!</p>"},
		{"(https://example.org/a)", "<p>(" + linkTo("https://example.org/a") + ")</p>"},
		{"https://en.wikipedia.org/wiki/Go_(language)", "<p>" + linkTo("https://en.wikipedia.org/wiki/Go_(language)") + "</p>"},
		{"http://example.org/q?a=1&b=2.", "<p>" + linkTo("http://example.org/q?a=1&amp;b=2") + ".</p>"},
		{`"https://example.org/x"`, "<p>&#34;" + linkTo("https://example.org/x") + "&#34;</p>"},
		{"https://example.org/<script>", "<p>" + linkTo("https://example.org/") + "&lt;script&gt;</p>"},
		{"ftp://example.org and javascript:alert(1)", "<p>ftp://example.org and javascript:alert(1)</p>"},
		{"xhttps://example.org", "<p>xhttps://example.org</p>"},
	} {
		if got := roundtable.RenderPlain(c.src, testLinker).HTML; got != c.want {
			t.Errorf("RenderPlain(%q)\n got %q\nwant %q", c.src, got, c.want)
		}
	}
}

func TestRenderMentionsAndTags(t *testing.T) {
	t.Parallel()
	src := "hi @bob, @Bob again, @nobody, @carol@remote.example and mail@bob.org; #Go #go #golang_2 #123 x#y"
	for name, render := range map[string]func(string, roundtable.Linker) roundtable.Rendered{
		"plain": roundtable.RenderPlain, "markdown": roundtable.RenderMarkdown,
	} {
		r := render(src, testLinker)
		if !slices.Equal(r.Mentions, []string{"bob", "carol@remote.example"}) {
			t.Errorf("%s: mentions %v", name, r.Mentions)
		}
		if !slices.Equal(r.Tags, []string{"go", "golang_2"}) {
			t.Errorf("%s: tags %v", name, r.Tags)
		}
		for _, want := range []string{
			`<a href="https://example.org/@bob" class="u-url mention"`,
			`<a href="https://remote.example/@carol" class="u-url mention"`,
			`<a href="https://example.org/tags/go" class="mention hashtag" rel="tag`,
			`#<span>Go</span>`,
			"@nobody", "mail@bob.org", "#123", "x#y",
		} {
			if !strings.Contains(r.HTML, want) {
				t.Errorf("%s: %q not in %s", name, want, r.HTML)
			}
		}
		for _, bad := range []string{"/@nobody", "tags/123", "tags/y", `mailto:`} {
			if strings.Contains(r.HTML, bad) {
				t.Errorf("%s: %q linked in %s", name, bad, r.HTML)
			}
		}
		if n := strings.Count(r.HTML, `class="u-url mention"`); n != 3 {
			t.Errorf("%s: %d mention links, want 3 (bob twice, carol)", name, n)
		}
	}
	// No testLinker: nothing is linked.
	r := roundtable.RenderPlain("@bob #go", nil)
	if r.HTML != "<p>@bob #go</p>" || len(r.Mentions) != 0 || len(r.Tags) != 0 {
		t.Errorf("without a testLinker: %+v", r)
	}
	if got := roundtable.MentionCandidates("@bob @Bob x@y @carol@remote.example @@z"); !slices.Equal(got, []string{"bob", "carol@remote.example"}) {
		t.Errorf("MentionCandidates %v", got)
	}
}

func TestRenderMarkdown(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		src  string
		want []string // substrings of the HTML
	}{
		{"**bold** _em_ ~~del~~", []string{"<strong>bold</strong>", "<em>em</em>", "<del>del</del>"}},
		{"line1\nline2", []string{"line1<br>"}},
		{"- a\n- b", []string{"<ul>", "<li>a</li>"}},
		{"> quoted", []string{"<blockquote>"}},
		{"`@bob #go`", []string{"<code>@bob #go</code>"}},
		{"[site](https://example.org/x)", []string{`<a href="https://example.org/x" rel="nofollow noreferrer noopener" target="_blank">site</a>`}},
		{"see https://example.org/y.", []string{`<a href="https://example.org/y" `, "</a>."}},
		{"#tag and @bob", []string{`class="mention hashtag"`, `class="u-url mention"`}},
	} {
		got := roundtable.RenderMarkdown(c.src, testLinker).HTML
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("RenderMarkdown(%q) = %q lacks %q", c.src, got, w)
			}
		}
	}
	r := roundtable.RenderMarkdown("`@bob #go`", testLinker)
	if len(r.Mentions) != 0 || len(r.Tags) != 0 {
		t.Errorf("code spans made mentions %v or tags %v", r.Mentions, r.Tags)
	}
}

// TestRenderHostileInput feeds both renderers what attackers send; the HTML
// must carry no element, attribute or URL that runs code or loads things.
func TestRenderHostileInput(t *testing.T) {
	t.Parallel()
	payloads := []string{
		`<img src=x onerror=alert(1)>`,
		`<script>alert(1)</script>`,
		`<b onclick="alert(1)">b</b>`,
		`<a href="javascript:alert(1)">a</a>`,
		`[x](javascript:alert(1))`,
		`[x](JaVaScRiPt:alert(1))`,
		`[x](  javascript:alert(1))`,
		`[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
		`[x](vbscript:msgbox(1))`,
		`<javascript:alert(1)>`,
		`![x](https://tracker.example/pixel.png)`,
		`<iframe src="https://evil.example"></iframe>`,
		`<style>body{display:none}</style>`,
		`<svg onload=alert(1)>`,
		`<div style="position:fixed">x</div>`,
		`"><script>alert(1)</script>`,
		`https://example.org/"onmouseover="alert(1)`,
		`https://example.org/'onmouseover='alert(1)`,
		"[x](https://example.org/\"onmouseover=\"alert(1))",
		`<!-- comment --><p>`,
		`&lt;script&gt;alert(1)&lt;/script&gt;`,
		`#tag"onmouseover="x @bob"onclick="x`,
	}
	for _, p := range payloads {
		for name, render := range map[string]func(string, roundtable.Linker) roundtable.Rendered{
			"plain": roundtable.RenderPlain, "markdown": roundtable.RenderMarkdown,
		} {
			checkSafeHTML(t, name+"("+p+")", render(p, testLinker).HTML)
		}
	}
	// Plain text shows what was written, escaped.
	if got := roundtable.RenderPlain(`<img src=x onerror=alert(1)>`, testLinker).HTML; got != "<p>&lt;img src=x onerror=alert(1)&gt;</p>" {
		t.Errorf("plain escaping: %q", got)
	}
	// A javascript: link keeps its text and loses its target.
	if got := roundtable.RenderMarkdown(`[x](javascript:alert(1))`, testLinker).HTML; strings.Contains(got, "<a") || !strings.Contains(got, "x") {
		t.Errorf("javascript link: %q", got)
	}
	// Links that stay are marked nofollow and open elsewhere.
	got := roundtable.RenderMarkdown(`[x](https://example.org)`, testLinker).HTML
	if !strings.Contains(got, `rel="nofollow noreferrer noopener"`) {
		t.Errorf("external link: %q", got)
	}
}

// contentElements are the elements contributions may contain.
var contentElements = map[string]bool{"p": true, "br": true, "span": true, "strong": true, "b": true, "em": true,
	"i": true, "del": true, "s": true, "code": true, "pre": true, "blockquote": true, "ul": true, "ol": true, "li": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "hr": true, "a": true}

// checkSafeHTML parses s as a browser would and fails for any element,
// attribute or link target that could run code, restyle the page or load
// something.
func checkSafeHTML(t *testing.T, what, s string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				t.Errorf("%s: unparseable HTML %q: %v", what, s, z.Err())
			}
			return
		case html.CommentToken, html.DoctypeToken:
			t.Errorf("%s: %q keeps a comment or doctype", what, s)
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			tok := z.Token()
			if !contentElements[tok.Data] {
				t.Errorf("%s: element <%s> in %q", what, tok.Data, s)
			}
			for _, a := range tok.Attr {
				switch a.Key {
				case "href":
					u, err := url.Parse(a.Val)
					if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
						t.Errorf("%s: link to %q in %q", what, a.Val, s)
					}
				case "class", "rel", "target", "translate", "start":
				default:
					t.Errorf("%s: attribute %s=%q in %q", what, a.Key, a.Val, s)
				}
			}
		}
	}
}

func TestSanitizeHTML(t *testing.T) {
	t.Parallel()
	got := roundtable.SanitizeHTML(`<p>Hi <a href="https://remote.example/@x" class="u-url mention" onclick="x">@x</a>` +
		`<img src="x"><script>alert(1)</script><span class="evil h-card">s</span></p>`)
	for _, bad := range []string{"onclick", "<img", "<script", "evil"} {
		if strings.Contains(got, bad) {
			t.Errorf("SanitizeHTML kept %q: %s", bad, got)
		}
	}
	if !strings.Contains(got, `href="https://remote.example/@x"`) || !strings.Contains(got, `class="u-url mention"`) {
		t.Errorf("SanitizeHTML lost the mention: %s", got)
	}
}
