package web

import (
	"net/http"

	"github.com/roundtable-fed/roundtable"
)

// modPeerSoftware is what a peer runs, as the peers page shows it.
type modPeerSoftware struct {
	Domain, Name, Version, CheckedAt string
}

// peerSoftwareRows lists what the known peers run.
func (s *Server) peerSoftwareRows(r *http.Request) ([]modPeerSoftware, error) {
	ps, err := s.store.PeersSoftware(r.Context())
	if err != nil {
		return nil, err
	}
	rows := make([]modPeerSoftware, len(ps))
	for i, p := range ps {
		rows[i] = modPeerSoftware{Domain: p.Domain, Name: p.Name, Version: p.Version}
		if p.CheckedAt != nil {
			rows[i].CheckedAt = modTime(*p.CheckedAt)
		}
	}
	return rows, nil
}

// recheckSoftwareAction has what every peer runs read again.
func (s *Server) recheckSoftwareAction(r *http.Request, _ *roundtable.Member) (string, error) {
	return "moderation.peers.software_rechecked", s.store.RecheckPeersSoftware(r.Context())
}
