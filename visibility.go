package roundtable

import "regexp"

// Visibility says who may see a status, with Mastodon's four values.
type Visibility string

// Visibilities, from widest to narrowest.
const (
	Public   Visibility = "public"   // everyone, listed in public timelines
	Unlisted Visibility = "unlisted" // everyone, not listed in public timelines
	Private  Visibility = "private"  // followers and mentioned accounts
	Direct   Visibility = "direct"   // mentioned accounts only
)

// ParseVisibility returns the Visibility named s.
func ParseVisibility(s string) (Visibility, error) {
	switch v := Visibility(s); v {
	case Public, Unlisted, Private, Direct:
		return v, nil
	}
	return "", Invalid("visibility", "must be public, unlisted, private or direct")
}

var languageRE = regexp.MustCompile(`^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$`)

// visibleTo is the SQL condition under which status s is visible to the
// account whose id is the parameter $n (NULL for anonymous readers). A
// contribution held back for review is visible to its author only; a
// suspended account's, to nobody.
func visibleTo(n string) string {
	return `((s.hidden_at IS NULL OR s.account_id = ` + n + `)
		AND NOT EXISTS (SELECT 1 FROM accounts sa WHERE sa.id = s.account_id AND sa.suspended_at IS NOT NULL)
		AND (s.visibility IN ('public', 'unlisted')
		OR s.account_id = ` + n + `
		OR EXISTS (SELECT 1 FROM status_mentions vm WHERE vm.status_id = s.id AND vm.account_id = ` + n + `)
		OR (s.visibility = 'private' AND EXISTS (SELECT 1 FROM follows vf
			WHERE vf.account_id = ` + n + ` AND vf.target_account_id = s.account_id AND vf.accepted))))`
}
