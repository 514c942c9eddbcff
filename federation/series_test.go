package federation

import (
	"testing"

	"github.com/roundtable-fed/roundtable"
)

// TestGoldenSeriesEdition pins the Announce a series' Group sends when an
// edition opens: the edition embedded as a Group, so that receivers tell it
// from a contribution's Announce.
func TestGoldenSeriesEdition(t *testing.T) {
	t.Parallel()
	f, _ := newTestFederator(t, nil)
	doc, err := f.activityFor(&roundtable.Outgoing{Kind: roundtable.OutEdition, Actor: goldenAlice(),
		ActivityID: aliceURI + "#editions/2", ObjectURI: "http://local.test/users/security_2", Reason: "Rethinking security — 2"})
	if err != nil {
		t.Fatal(err)
	}
	checkContext(t, doc)
	checkArrays(t, "series-edition", doc)
	compareGolden(t, "series-edition", doc)
	if !isEditionAnnounce(doc["object"]) {
		t.Error("the Announce is not recognised as an edition's")
	}
}
