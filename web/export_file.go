package web

import (
	"encoding/json"
	"io"

	"github.com/roundtable-fed/roundtable"
)

// WriteExport writes a consultation's export to w as the export endpoint
// and the facilitator's page give it: format is "json" or "csv".
func WriteExport(w io.Writer, store *roundtable.Store, e *roundtable.Export, format string) error {
	if format == "csv" {
		return writeExportRows(w, e)
	}
	s := &Server{store: store, links: store.Links()}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(s.exportDocument(e))
}

// ConsultationDocument is a consultation with its counts as the Roundtable
// API gives it.
func ConsultationDocument(store *roundtable.Store, c *roundtable.Consultation, st roundtable.ConsultationStats) any {
	s := &Server{store: store, links: store.Links()}
	return s.consultation(c, st)
}
