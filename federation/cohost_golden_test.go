package federation

import (
	"testing"

	"github.com/roundtable-fed/roundtable"
)

// TestGoldenCohost: the co-hosting activities, exactly as sent.
func TestGoldenCohost(t *testing.T) {
	t.Parallel()
	f, _ := newTestFederator(t, nil)
	inst := &roundtable.Actor{Type: "Application", Username: roundtable.InstanceActorName, URI: "http://local.test/actor",
		Inbox: "http://local.test/actor/inbox", PublicKeyID: "http://local.test/actor#main-key"}
	alice := goldenAlice()
	const (
		group  = "http://local.test/users/water"
		peer   = "https://remote.example/actor"
		invite = "http://local.test/actor#cohost-invites/01JWQ73333PPPPQQQQRRRRSSSS"
	)
	tests := []struct {
		name string
		out  *roundtable.Outgoing
	}{
		{"cohost-invite", &roundtable.Outgoing{Kind: roundtable.OutCohost, Actor: inst,
			Cohost: &roundtable.CohostActivity{Type: roundtable.CohostInvite, InviteURI: invite, GroupURI: group, Target: peer}}},
		{"cohost-invite-series", &roundtable.Outgoing{Kind: roundtable.OutCohost, Actor: inst,
			Cohost: &roundtable.CohostActivity{Type: roundtable.CohostInvite, InviteURI: invite, GroupURI: group + "_2", Target: peer,
				Series: group}}},
		{"cohost-accept", &roundtable.Outgoing{Kind: roundtable.OutCohost, Actor: inst,
			Cohost: &roundtable.CohostActivity{Type: roundtable.CohostAccept, InviteURI: "https://remote.example/actor#cohost-invites/1",
				GroupURI: "https://remote.example/users/wells", Target: peer, Norms: []string{"Speak from your own experience."}}}},
		{"cohost-facilitator", &roundtable.Outgoing{Kind: roundtable.OutCohost, Actor: inst,
			ActivityID: "http://local.test/actor#cohost-facilitators/01JWQ74444TTTTVVVVWWWWXXXX",
			Cohost: &roundtable.CohostActivity{Type: roundtable.CohostAddFacilitator, InviteURI: "https://remote.example/actor#cohost-invites/1",
				GroupURI: "https://remote.example/users/wells", Target: aliceURI}}},
		{"cohost-withdraw", &roundtable.Outgoing{Kind: roundtable.OutCohost, Actor: inst,
			ActivityID: "http://local.test/actor#cohost-withdrawals/01JWQ75555YYYYZZZZ00001111",
			Cohost:     &roundtable.CohostActivity{Type: roundtable.CohostWithdraw, InviteURI: invite, GroupURI: group, Target: peer}}},
		{"cohost-removal", &roundtable.Outgoing{Kind: roundtable.OutCohost, Actor: alice,
			ActivityID: aliceURI + "#cohost-removals/01JWQ76666222233334444555",
			Cohost: &roundtable.CohostActivity{Type: roundtable.CohostRemoval, GroupURI: "https://remote.example/users/wells",
				ObjectURI: carolURI + "/statuses/9", Reason: "Names a person who can be identified."}}},
		{"cohost-synthesis", &roundtable.Outgoing{Kind: roundtable.OutCohost, Actor: alice,
			ActivityID: aliceURI + "#cohost-syntheses/01JWQ78888AAAABBBBCCCCDDD",
			Cohost: &roundtable.CohostActivity{Type: roundtable.CohostSynthesis, GroupURI: "https://remote.example/users/wells",
				Synthesis: &roundtable.NewSynthesis{Title: "What we heard", Text: "Wells held in *common* & kept clean.",
					Sources: []string{carolURI + "/statuses/9"}}}}},
		{"cohost-unlock", &roundtable.Outgoing{Kind: roundtable.OutCohost, Actor: alice,
			ActivityID: aliceURI + "#cohost-threads/01JWQ77777666677778888999",
			Cohost: &roundtable.CohostActivity{Type: roundtable.CohostThread, GroupURI: "https://remote.example/users/wells",
				ObjectURI: carolURI + "/statuses/9", Action: roundtable.UnlockThread}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := f.activityFor(tt.out)
			if err != nil {
				t.Fatal(err)
			}
			checkContext(t, doc)
			checkArrays(t, tt.name, doc)
			compareGolden(t, tt.name, doc)
		})
	}
}
