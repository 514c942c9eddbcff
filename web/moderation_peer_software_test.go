package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/roundtable-fed/roundtable"
)

// TestModerationPeerSoftware: the Other instances page shows admins what
// the peers run; the button has them read again; moderators may not.
func TestModerationPeerSoftware(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	admin := in.staff(t, "root", roundtable.RoleAdmin)
	mod := in.staff(t, "mod", roundtable.RoleModerator)

	wantBody(t, in.page(admin, "/moderation/peers"), "No other instance has said yet what software it runs.")
	if err := in.Store.SetPeerSoftware(ctx, "Other.Example", "mastodon", "4.3.2"); err != nil {
		t.Fatal(err)
	}
	if err := in.Store.SetPeerSoftware(ctx, "odd.example", "x", "<b>1</b>"); err != nil {
		t.Fatal(err)
	}
	r := in.page(admin, "/moderation/peers")
	wantBody(t, r, "<td>other.example</td><td>mastodon</td><td>4.3.2</td>", "<td>odd.example</td><td>x</td><td>&lt;b&gt;1&lt;/b&gt;</td>")
	if strings.Contains(string(r.Body), "<b>1</b>") {
		t.Error("a version is shown as HTML")
	}
	if due, err := in.Store.PeerSoftwareDue(ctx, "other.example"); err != nil || due {
		t.Fatalf("just read, due again: %v %v", due, err)
	}

	wantStatus(t, in.submit(mod, "/moderation/peers/software", url.Values{}), 403)
	wantStatus(t, in.forge(admin, "/moderation/peers/software", url.Values{}), 403)
	if due, _ := in.Store.PeerSoftwareDue(ctx, "other.example"); due {
		t.Fatal("a refused form made the software due")
	}
	wantStatus(t, in.submit(admin, "/moderation/peers/software", url.Values{}), 303)
	wantBody(t, in.page(admin, "/moderation/peers"), "will be read again within ten minutes", "<td>other.example</td><td>mastodon</td>")
	if due, err := in.Store.PeerSoftwareDue(ctx, "other.example"); err != nil || !due {
		t.Errorf("after the button, due: %v %v", due, err)
	}
}
