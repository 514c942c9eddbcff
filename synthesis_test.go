package roundtable_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/roundtable-fed/roundtable"
)

func TestPublishSynthesis(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storeForTest(t, nil)
	alice, bob := memberForTest(t, s, "alice"), memberForTest(t, s, "bob")
	c := consultationForTest(t, s, "futures", roundtable.AttributionNamed, "alice")
	water := mustPost(t, s, bob, roundtable.NewStatus{Text: "@futures Water first\nClean water is where safety starts."})
	reply := mustPost(t, s, alice, roundtable.NewStatus{Text: "Noted.", InReplyToID: water.ID})
	elsewhere := mustPost(t, s, bob, roundtable.NewStatus{Text: "Not a contribution"})
	ns := roundtable.NewSynthesis{Title: "What we heard", Text: "Safety starts with **water**.", Sources: []string{water.ID, reply.ID}}

	var refusal *roundtable.Refusal
	if _, err := s.PublishSynthesis(ctx, alice, "futures", ns); !errors.As(err, &refusal) || !strings.Contains(refusal.Message, "synthesis phase") {
		t.Fatalf("synthesis while open: %v, want a refusal naming the synthesis phase", err)
	}
	phase := roundtable.PhaseSynthesis
	if _, err := s.UpdateConsultationAs(ctx, bob, "futures", roundtable.ConsultationUpdate{Phase: &phase}); !errors.Is(err, roundtable.ErrForbidden) {
		t.Fatalf("phase change by a participant: %v", err)
	}
	if _, err := s.UpdateConsultationAs(ctx, alice, "futures", roundtable.ConsultationUpdate{Phase: &phase}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PublishSynthesis(ctx, bob, "futures", ns); !errors.Is(err, roundtable.ErrForbidden) {
		t.Errorf("synthesis by a participant: %v", err)
	}
	for _, bad := range []struct {
		field string
		ns    roundtable.NewSynthesis
	}{
		{"title", roundtable.NewSynthesis{Title: " ", Text: "x"}},
		{"text", roundtable.NewSynthesis{Title: "t", Text: "  "}},
		{"sources", roundtable.NewSynthesis{Title: "t", Text: "x", Sources: []string{elsewhere.ID}}},
		{"sources", roundtable.NewSynthesis{Title: "t", Text: "x", Sources: []string{"nope"}}},
	} {
		var ve *roundtable.ValidationError
		if _, err := s.PublishSynthesis(ctx, alice, "futures", bad.ns); !errors.As(err, &ve) || ve.Field != bad.field {
			t.Errorf("%+v: %v, want a validation error on %s", bad.ns, err, bad.field)
		}
	}

	st, err := s.PublishSynthesis(ctx, alice, "futures", ns)
	if err != nil {
		t.Fatal(err)
	}
	if st.AccountID != c.AccountID || st.Title == nil || *st.Title != "What we heard" || st.GroupID == nil || *st.GroupID != c.AccountID {
		t.Errorf("synthesis %+v: want it by the Group, titled, in the consultation", st)
	}
	for _, want := range []string{"<strong>water</strong>", `href="` + *water.URL + `"`, `href="` + *reply.URL + `"`, "Water first"} {
		if !strings.Contains(st.Content, want) {
			t.Errorf("synthesis content lacks %s: %s", want, st.Content)
		}
	}
	c, _ = s.Consultation(ctx, "futures")
	if c.SynthesisID == nil || *c.SynthesisID != st.ID {
		t.Errorf("consultation's synthesis: %v, want %s", c.SynthesisID, st.ID)
	}
	featured, err := s.Featured(ctx, c.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	if len(featured) != 1 || featured[0].Type != "Article" || featured[0].Title != "What we heard" || featured[0].URI != *st.URI {
		t.Errorf("featured: %+v", featured)
	}
	var conflict *roundtable.ConflictError
	if _, err := s.PublishSynthesis(ctx, alice, "futures", ns); !errors.As(err, &conflict) {
		t.Errorf("a second synthesis: %v, want a conflict", err)
	}
	// The synthesis is not a contribution.
	if stats, _ := s.ConsultationStats(ctx, c); stats.Contributions != 2 {
		t.Errorf("stats after the synthesis: %+v", stats)
	}

	// The Group's statuses in the client API are its threads and its
	// synthesis, newest first.
	list, err := s.AccountStatuses(ctx, c.AccountID, "", roundtable.AccountStatusFilter{}, roundtable.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != st.ID || list[1].ID != water.ID {
		ids := []string{}
		for _, l := range list {
			ids = append(ids, l.ID)
		}
		t.Errorf("the Group's statuses: %v, want the synthesis then the thread", ids)
	}
}

func TestUpdateConsultationDates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := storeForTest(t, func() time.Time { return now })
	alice := memberForTest(t, s, "alice")
	consultationForTest(t, s, "futures", roundtable.AttributionNamed, "alice")
	at := func(d time.Duration) *roundtable.DateChange { t := now.Add(d); return &roundtable.DateChange{At: &t} }

	var ve *roundtable.ValidationError
	_, err := s.UpdateConsultationAs(ctx, alice, "futures", roundtable.ConsultationUpdate{SynthesisAt: at(48 * time.Hour), ClosesAt: at(24 * time.Hour)})
	if !errors.As(err, &ve) || ve.Field != "closes_at" {
		t.Fatalf("closing before the synthesis: %v", err)
	}
	c, err := s.UpdateConsultationAs(ctx, alice, "futures", roundtable.ConsultationUpdate{SynthesisAt: at(time.Hour), ClosesAt: at(2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if c.SynthesisAt == nil || !c.SynthesisAt.Equal(now.Add(time.Hour)) || c.ClosesAt == nil || c.OpensAt != nil {
		t.Errorf("dates %v %v %v", c.OpensAt, c.SynthesisAt, c.ClosesAt)
	}
	now = now.Add(90 * time.Minute)
	if n, err := s.AdvancePhases(ctx); err != nil || n != 1 {
		t.Fatalf("advance: %d %v", n, err)
	}
	c, _ = s.Consultation(ctx, "futures")
	if c.Phase != roundtable.PhaseSynthesis || c.ClosesAt == nil {
		t.Errorf("after the synthesis date: %s, closes %v", c.Phase, c.ClosesAt)
	}
	c, err = s.UpdateConsultationAs(ctx, alice, "futures", roundtable.ConsultationUpdate{ClosesAt: &roundtable.DateChange{}})
	if err != nil || c.ClosesAt != nil || c.SynthesisAt == nil {
		t.Errorf("clearing the closing date: %v, %v %v", err, c.SynthesisAt, c.ClosesAt)
	}
}

func TestDraftsSeenByFacilitatorsOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storeForTest(t, nil)
	alice, bob := memberForTest(t, s, "alice"), memberForTest(t, s, "bob")
	if _, err := s.CreateConsultationAs(ctx, bob, roundtable.NewConsultation{Slug: "x", Title: "X"}); !errors.Is(err, roundtable.ErrForbidden) {
		t.Fatalf("a member opened a consultation: %v", err)
	}
	if _, err := s.CreateConsultation(ctx, roundtable.NewConsultation{Slug: "later", Title: "Later", Phase: roundtable.PhaseDraft,
		Facilitators: []string{"alice"}}); err != nil {
		t.Fatal(err)
	}
	consultationForTest(t, s, "now", roundtable.AttributionNamed)
	for _, v := range []struct {
		who  *roundtable.Member
		want int
	}{{nil, 1}, {bob, 1}, {alice, 2}} {
		cs, err := s.ConsultationsFor(ctx, v.who)
		if err != nil || len(cs) != v.want {
			t.Errorf("consultations for %v: %d, %v; want %d", v.who, len(cs), err, v.want)
		}
	}
	if _, err := s.ConsultationFor(ctx, bob, "later"); !errors.Is(err, roundtable.ErrNotFound) {
		t.Errorf("a draft for a participant: %v", err)
	}
}

func TestReceiveRefusal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storeForTest(t, nil)
	bob, carol := memberForTest(t, s, "bob"), memberForTest(t, s, "carol")
	group, err := s.SaveRemoteActor(ctx, roundtable.RemoteActor{URI: "https://a.example/users/futures", Type: "Group",
		Username: "futures", Domain: "a.example", DisplayName: "Futures", Inbox: "https://a.example/users/futures/inbox",
		PublicKeyID: "https://a.example/users/futures#main-key", PublicKeyPEM: "x"})
	if err != nil {
		t.Fatal(err)
	}
	st := mustPost(t, s, bob, roundtable.NewStatus{Text: "@futures@a.example A new thread @carol"})
	if st.GroupID == nil || *st.GroupID != group.ID {
		t.Fatalf("the thread is not in the remote consultation: %v", st.GroupID)
	}
	other := mustPost(t, s, bob, roundtable.NewStatus{Text: "Unrelated"})

	if ok, err := s.ReceiveRefusal(ctx, group, *other.URI+"/activity", "no"); ok || err != nil {
		t.Fatalf("refusal of a status not sent to the Group: %v %v", ok, err)
	}
	ok, err := s.ReceiveRefusal(ctx, group, *st.URI+"/activity", "<p>New threads are closed.</p>")
	if !ok || err != nil {
		t.Fatalf("refusal: %v %v", ok, err)
	}
	got, err := s.Status(ctx, st.ID, bob.ID)
	if err != nil {
		t.Fatalf("the author no longer sees the refused contribution: %v", err)
	}
	if got.Visibility != roundtable.Direct || got.GroupID != nil {
		t.Errorf("refused contribution: %s in %v", got.Visibility, got.GroupID)
	}
	if _, err := s.Status(ctx, st.ID, carol.ID); !errors.Is(err, roundtable.ErrNotFound) {
		t.Errorf("carol, mentioned, still sees the refused contribution: %v", err)
	}
	ns, err := s.Notifications(ctx, bob, roundtable.NotificationFilter{}, roundtable.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != 1 || ns[0].Type != roundtable.NotifyRefused || ns[0].Reason == nil || *ns[0].Reason != "New threads are closed." ||
		ns[0].StatusID == nil || *ns[0].StatusID != st.ID || ns[0].FromAccountID != group.ID {
		t.Errorf("bob's notifications: %+v", ns)
	}
	if n, _ := s.Notifications(ctx, carol, roundtable.NotificationFilter{}, roundtable.Page{}); len(n) != 0 {
		t.Errorf("carol keeps %d notifications of a withdrawn contribution", len(n))
	}
	// A replay changes nothing.
	if ok, err := s.ReceiveRefusal(ctx, group, *st.URI+"/activity", "again"); ok || err != nil {
		t.Errorf("replayed refusal: %v %v", ok, err)
	}
}
