package roundtable_test

import (
	"context"
	"errors"
	"testing"

	"github.com/roundtable-fed/roundtable"
)

// TestMentionsDoNotWidenFollowersOnly: naming someone who does not follow
// the author in a followers-only status, when posting or in an edit, gives
// them neither the status nor a notification; followers named, and the
// account answered, keep both.
func TestMentionsDoNotWidenFollowersOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storeForTest(t, nil)
	alice := memberForTest(t, s, "alice")
	follower := memberForTest(t, s, "follower")
	named := memberForTest(t, s, "named")
	later := memberForTest(t, s, "later")
	if _, err := s.Follow(ctx, follower, alice.ID); err != nil {
		t.Fatal(err)
	}
	st := mustPost(t, s, alice, roundtable.NewStatus{Text: "@named @follower for followers", Visibility: "private"})
	text := "@named @follower @later for followers, edited"
	if _, err := s.EditStatus(ctx, alice, st.ID, roundtable.StatusEdit{Text: &text}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		who  *roundtable.Member
		sees bool
	}{{follower, true}, {named, false}, {later, false}} {
		_, err := s.Status(ctx, st.ID, c.who.ID)
		if sees := err == nil; sees != c.sees || err != nil && !errors.Is(err, roundtable.ErrNotFound) {
			t.Errorf("%s sees the status: %v (%v), want %v", c.who.Username, sees, err, c.sees)
		}
		notes, err := s.Notifications(ctx, c.who, roundtable.NotificationFilter{}, roundtable.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(notes) > 0; got != c.sees {
			t.Errorf("%s notified: %v, want %v", c.who.Username, got, c.sees)
		}
	}
	// A follower's followers-only answer reaches the author answered, who
	// does not follow them.
	reply := mustPost(t, s, follower, roundtable.NewStatus{Text: "@alice yes", Visibility: "private", InReplyToID: st.ID})
	if _, err := s.Status(ctx, reply.ID, alice.ID); err != nil {
		t.Errorf("the author cannot see the answer: %v", err)
	}
}
