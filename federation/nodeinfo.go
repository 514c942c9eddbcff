package federation

import (
	"encoding/json"
	"io"
	"net/http"
)

func jsonEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}

func (f *Federator) nodeInfoLinks(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, "application/json", map[string]any{
		"links": []map[string]string{
			{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": f.links.Base + "/nodeinfo/2.0"},
			{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": f.links.Base + "/nodeinfo/2.1"},
			// FEP-2677: the instance's own actor.
			{"rel": "https://www.w3.org/ns/activitystreams#Application", "href": f.links.InstanceActor()},
		},
	})
}

// nodeInfo serves the NodeInfo document of the given schema version. The
// metadata names Mastodon as the upstream API, so client libraries pick
// their Mastodon flavour.
func (f *Federator) nodeInfo(version string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		users, err := f.store.CountMembers(r.Context())
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, "application/json", map[string]string{"error": "the database did not answer"})
			return
		}
		mode, err := f.store.RegistrationMode(r.Context())
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, "application/json", map[string]string{"error": "the database did not answer"})
			return
		}
		software := map[string]any{"name": "roundtable", "version": f.cfg.Version}
		if version == "2.1" {
			software["repository"] = "https://github.com/roundtable-fed/roundtable"
			software["homepage"] = "https://github.com/roundtable-fed/roundtable"
		}
		writeJSON(w, http.StatusOK,
			`application/json; profile="http://nodeinfo.diaspora.software/ns/schema/`+version+`#"`,
			map[string]any{
				"version":           version,
				"software":          software,
				"protocols":         []string{"activitypub"},
				"services":          map[string]any{"inbound": []string{}, "outbound": []string{}},
				"openRegistrations": mode != "closed",
				"usage": map[string]any{
					"users": map[string]int{"total": users, "activeMonth": users, "activeHalfyear": users},
				},
				"metadata": map[string]any{
					"nodeName": f.cfg.Name,
					"upstream": map[string]string{"name": "mastodon"},
				},
			})
	}
}
