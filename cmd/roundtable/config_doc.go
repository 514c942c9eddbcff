package main

import (
	"fmt"
	"strings"
)

// configurationMarkdown renders docs/configuration.md from the list of
// settings the binary reads, so that the document never drifts from it.
func configurationMarkdown() string {
	var b strings.Builder
	b.WriteString(`# Configuration

<!-- Generated from the settings roundtable reads (cmd/roundtable/config.go); a test keeps it in step. -->

Roundtable reads its configuration from environment variables; each also has a command-line flag, which wins
when both are given. Only ` + "`ROUNDTABLE_DOMAIN`" + ` is required (except with ` + "`serve --dev`" + `). A wrong value
stops the command with one line on standard error naming the setting, and exit status 1.

| environment variable | flag | meaning |
| --- | --- | --- |
`)
	for _, s := range settings() {
		flag := "`--" + s.flag + "`"
		if !s.isBool {
			flag = "`--" + s.flag + " VALUE`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", s.env, flag, s.help)
	}
	b.WriteString(`
Everything else is set while the instance runs, by its admins, on the *Moderation → Instance settings* page or
with ` + "`PATCH /api/roundtable/v1/moderation/settings`" + `: the instance's name and description, the sign-up mode,
the number of reports that hold a contribution back, pre-moderation, the federation mode (open or allowlist),
whether the list of limited and blocked instances and the moderation log are public. Peer policies, norms and
advisory rules have their own pages and ` + "`roundtable admin`" + ` commands.
`)
	return b.String()
}
