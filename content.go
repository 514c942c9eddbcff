package roundtable

import (
	"bytes"
	"html"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	ghtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Content types a contribution may be written in.
const (
	ContentPlain    = "text/plain"
	ContentMarkdown = "text/markdown"
)

// Linker says where mentions and hashtags point.
type Linker interface {
	// MentionURL returns the profile URL of the account with handle acct
	// ("name" or "name@domain"), and false if no such account is known.
	MentionURL(acct string) (string, bool)
	// TagURL returns the URL of the page for hashtag name.
	TagURL(name string) string
}

// Rendered is a contribution's source turned into safe HTML.
type Rendered struct {
	HTML     string
	Mentions []string // handles of the mentioned accounts, as resolved by the Linker, in order
	Tags     []string // hashtags without '#', lower-cased, in order
}

var (
	mentionRE = regexp.MustCompile(`^@([A-Za-z0-9_]{1,30})(?:@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::[0-9]{1,5})?))?`)
	hashtagRE = regexp.MustCompile(`^#([\p{L}\p{N}_]*[\p{L}_][\p{L}\p{N}_]*)`)
	urlRE     = regexp.MustCompile(`^https?://[^\s<>"]+`)
)

// MentionCandidates returns the handles that src mentions, before they are
// checked against known accounts.
func MentionCandidates(src string) []string {
	var out []string
	seen := map[string]bool{}
	for i := 0; i < len(src); i++ {
		if src[i] != '@' || (i > 0 && !boundary(src[:i])) {
			continue
		}
		m := mentionRE.FindStringSubmatch(src[i:])
		if m == nil {
			continue
		}
		acct := m[1]
		if m[2] != "" {
			acct += "@" + m[2]
		}
		if !seen[strings.ToLower(acct)] {
			seen[strings.ToLower(acct)] = true
			out = append(out, acct)
		}
		i += len(m[0]) - 1
	}
	return out
}

// boundary reports whether a mention or hashtag may start right after prefix.
func boundary(prefix string) bool {
	r, _ := utf8.DecodeLastRuneInString(prefix)
	return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '/' || r == '@' || r == '#' || r == '&')
}

// collector gathers mentions and tags while rendering.
type collector struct {
	link     Linker
	mentions []string
	tags     []string
	seenM    map[string]bool
	seenT    map[string]bool
}

func newCollector(l Linker) *collector {
	return &collector{link: l, seenM: map[string]bool{}, seenT: map[string]bool{}}
}

// mention returns the HTML for the mention at the start of s and its length,
// or 0 when s does not start with a known mention.
func (c *collector) mention(s string) (string, int) {
	m := mentionRE.FindStringSubmatch(s)
	if m == nil || c.link == nil {
		return "", 0
	}
	acct := m[1]
	if m[2] != "" {
		acct += "@" + m[2]
	}
	href, ok := c.link.MentionURL(acct)
	if !ok {
		return "", 0
	}
	if k := strings.ToLower(acct); !c.seenM[k] {
		c.seenM[k] = true
		c.mentions = append(c.mentions, acct)
	}
	return `<span class="h-card" translate="no"><a href="` + html.EscapeString(href) +
		`" class="u-url mention">@<span>` + html.EscapeString(m[1]) + `</span></a></span>`, len(m[0])
}

func (c *collector) hashtag(s string) (string, int) {
	m := hashtagRE.FindStringSubmatch(s)
	if m == nil || c.link == nil || len(m[1]) > 100 {
		return "", 0
	}
	name := m[1]
	if k := strings.ToLower(name); !c.seenT[k] {
		c.seenT[k] = true
		c.tags = append(c.tags, k)
	}
	return `<a href="` + html.EscapeString(c.link.TagURL(strings.ToLower(name))) +
		`" class="mention hashtag" rel="tag">#<span>` + html.EscapeString(name) + `</span></a>`, len(m[0])
}

func linkHTML(u string) string {
	e := html.EscapeString(u)
	return `<a href="` + e + `" target="_blank" rel="nofollow noopener noreferrer" translate="no">` + e + `</a>`
}

// trimURL drops trailing punctuation that ends a sentence rather than a URL.
func trimURL(u string) string {
	for len(u) > 0 {
		last := u[len(u)-1]
		switch {
		case strings.IndexByte(".,:;!?'\"", last) >= 0:
			u = u[:len(u)-1]
		case last == ')' && strings.Count(u, "(") < strings.Count(u, ")"):
			u = u[:len(u)-1]
		default:
			return u
		}
	}
	return u
}

// RenderPlain turns plain text into HTML: paragraphs at blank lines, line
// breaks, and links for URLs, known mentions and hashtags.
func RenderPlain(src string, l Linker) Rendered {
	c := newCollector(l)
	var b strings.Builder
	src = strings.ReplaceAll(strings.TrimSpace(src), "\r\n", "\n")
	for _, para := range regexp.MustCompile(`\n{2,}`).Split(src, -1) {
		if strings.TrimSpace(para) == "" {
			continue
		}
		b.WriteString("<p>")
		for i, line := range strings.Split(para, "\n") {
			if i > 0 {
				b.WriteString("<br>")
			}
			c.inline(&b, line)
		}
		b.WriteString("</p>")
	}
	return Rendered{HTML: sanitize(b.String()), Mentions: c.mentions, Tags: c.tags}
}

// inline writes one line of plain text as HTML.
func (c *collector) inline(b *strings.Builder, s string) {
	plain := 0
	flush := func(i int) { b.WriteString(html.EscapeString(s[plain:i])) }
	for i := 0; i < len(s); {
		var out string
		var n int
		if i == 0 || boundary(s[:i]) {
			switch s[i] {
			case '@':
				out, n = c.mention(s[i:])
			case '#':
				out, n = c.hashtag(s[i:])
			case 'h':
				if u := urlRE.FindString(s[i:]); u != "" {
					u = trimURL(u)
					out, n = linkHTML(u), len(u)
				}
			}
		}
		if n == 0 {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			continue
		}
		flush(i)
		b.WriteString(out)
		i += n
		plain = i
	}
	flush(len(s))
}

// RenderMarkdown turns CommonMark (with autolinks and strikethrough) into
// HTML, with links for known mentions and hashtags. Raw HTML in the source
// is escaped, and the result is sanitised.
func RenderMarkdown(src string, l Linker) Rendered {
	c := newCollector(l)
	md := goldmark.New(
		goldmark.WithExtensions(extension.Linkify, extension.Strikethrough),
		goldmark.WithParserOptions(parser.WithInlineParsers(
			util.Prioritized(&socialParser{c: c}, 50),
		)),
		goldmark.WithRendererOptions(
			ghtml.WithHardWraps(),
			renderer.WithNodeRenderers(util.Prioritized(&socialRenderer{}, 50)),
		),
	)
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return RenderPlain(src, l)
	}
	return Rendered{HTML: sanitize(strings.TrimSpace(buf.String())), Mentions: c.mentions, Tags: c.tags}
}

// socialNode is a mention or hashtag, already rendered.
type socialNode struct {
	ast.BaseInline
	html string
}

var kindSocial = ast.NewNodeKind("Social")

func (n *socialNode) Kind() ast.NodeKind            { return kindSocial }
func (n *socialNode) Dump(source []byte, level int) { ast.DumpHelper(n, source, level, nil, nil) }
func (n *socialNode) IsRaw() bool                   { return true }
func (n *socialNode) Text(source []byte) []byte     { return nil }

type socialParser struct{ c *collector }

func (p *socialParser) Trigger() []byte { return []byte{'@', '#'} }

func (p *socialParser) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	line, _ := block.PeekLine()
	if len(line) == 0 {
		return nil
	}
	if prev := block.PrecendingCharacter(); prev != '\n' && prev != ' ' && prev != -1 {
		if !boundary(string(prev)) {
			return nil
		}
	}
	var out string
	var n int
	if line[0] == '@' {
		out, n = p.c.mention(string(line))
	} else {
		out, n = p.c.hashtag(string(line))
	}
	if n == 0 {
		return nil
	}
	block.Advance(n)
	return &socialNode{html: out}
}

type socialRenderer struct{}

func (socialRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(kindSocial, func(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			_, _ = w.WriteString(node.(*socialNode).html)
		}
		return ast.WalkSkipChildren, nil
	})
}

// contentPolicy allows the HTML that contributions are made of, and forces
// safe attributes on links.
var contentPolicy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "span", "strong", "b", "em", "i", "del", "s", "code", "pre",
		"blockquote", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "hr")
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^(?:(?:h-card|u-url|mention|hashtag|invisible|ellipsis)\s*)+$`)).OnElements("a", "span")
	p.AllowAttrs("translate").Matching(regexp.MustCompile(`^no$`)).OnElements("a", "span")
	p.AllowAttrs("rel").Matching(regexp.MustCompile(`^tag$`)).OnElements("a")
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	p.AllowURLSchemes("http", "https")
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}()

// sanitize removes everything from s that contentPolicy does not allow.
func sanitize(s string) string { return contentPolicy.Sanitize(s) }

var strictPolicy = bluemonday.StrictPolicy()

// PlainText turns HTML from elsewhere into the text it shows, for fields
// that hold plain text (content warnings).
func PlainText(s string) string {
	return strings.TrimSpace(html.UnescapeString(strictPolicy.Sanitize(s)))
}

// SanitizeHTML cleans HTML from elsewhere (a remote server) to what
// contributions may contain.
func SanitizeHTML(s string) string { return sanitize(s) }
