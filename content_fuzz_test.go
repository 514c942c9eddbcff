package roundtable_test

import (
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/roundtable-fed/roundtable"
)

// Fuzz targets for the HTML sanitiser (remote content) and the Markdown
// renderer (members' writing): nothing executable comes out.

// checkSafe fails when out holds a script, a style or frame, an event
// handler, or a link or source with a scheme that runs or embeds code.
func checkSafe(t *testing.T, in, out string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		switch tok.Data {
		case "script", "style", "iframe", "object", "embed", "frame", "form", "input", "svg", "math", "base", "meta", "link":
			t.Fatalf("<%s> survived:\nin:  %q\nout: %q", tok.Data, in, out)
		}
		for _, a := range tok.Attr {
			key := strings.ToLower(a.Key)
			if strings.HasPrefix(key, "on") || key == "style" || key == "srcdoc" || key == "formaction" {
				t.Fatalf("attribute %s survived:\nin:  %q\nout: %q", a.Key, in, out)
			}
			if key == "href" || key == "src" || key == "action" {
				v := strings.ToLower(strings.Map(func(r rune) rune {
					if r <= ' ' || r == 0x7f {
						return -1
					}
					return r
				}, html.UnescapeString(a.Val)))
				for _, bad := range []string{"javascript:", "vbscript:", "data:", "file:"} {
					if strings.HasPrefix(v, bad) {
						t.Fatalf("%s=%q survived:\nin:  %q\nout: %q", a.Key, a.Val, in, out)
					}
				}
			}
		}
	}
}

var hostileSeeds = []string{
	`<p>Hello <b>world</b></p>`,
	`<script>alert(1)</script>`,
	`<img src=x onerror=alert(1)>`,
	`<a href="javascript:alert(1)">x</a>`,
	`<a href="jav&#x09;ascript:alert(1)">x</a>`,
	`<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>`,
	`<svg><script>alert(1)</script></svg>`,
	`<style>body{background:url(javascript:alert(1))}</style>`,
	`<p style="position:fixed;inset:0">cover</p>`,
	`<iframe srcdoc="<script>alert(1)</script>"></iframe>`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	`<<p>unclosed <a href="https://example.org"`,
	`<form action="https://evil.example"><input name=x></form>`,
}

func FuzzSanitizeHTML(f *testing.F) {
	for _, s := range hostileSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		checkSafe(t, in, roundtable.SanitizeHTML(in))
	})
}

type fuzzLinks struct{}

func (fuzzLinks) MentionURL(acct string) (string, bool) {
	return "https://example.org/@" + acct, true
}
func (fuzzLinks) TagURL(tag string) string { return "https://example.org/tags/" + tag }

func FuzzRenderMarkdown(f *testing.F) {
	for _, s := range append(hostileSeeds,
		"# Title\n\n**bold** _it_ [link](javascript:alert(1)) ![img](x onerror=alert(1))",
		"@someone@example.org #tag <http://x.example>",
		"```\n<script>\n```\n> quote\n- list",
		"[a](<javascript:alert(1)>) [b]( data:text/html,x)",
	) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		r := roundtable.RenderMarkdown(in, fuzzLinks{})
		checkSafe(t, in, r.HTML)
		r = roundtable.RenderPlain(in, fuzzLinks{})
		checkSafe(t, in, r.HTML)
	})
}
