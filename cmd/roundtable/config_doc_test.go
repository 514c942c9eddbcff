package main

import (
	"flag"
	"os"
	"testing"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite docs/configuration.md")

// TestConfigurationDoc: docs/configuration.md lists exactly the settings
// the binary reads.
func TestConfigurationDoc(t *testing.T) {
	const file = "../../docs/configuration.md"
	want := configurationMarkdown()
	if *updateDocs {
		if err := os.WriteFile(file, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s is out of date: run go test ./cmd/roundtable -run TestConfigurationDoc -update-docs", file)
	}
	for _, s := range settings() {
		if s.help == "" {
			t.Errorf("%s has no help text", s.env)
		}
	}
}
