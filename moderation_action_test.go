package roundtable_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/roundtable-fed/roundtable"
)

// TestAppealOnceWithinTwentyDays: a warned member appeals once; a second
// appeal is refused, and so is an appeal of a warning older than 20 days.
// A moderator's approval of an appeal of a suspension lifts it.
func TestAppealOnceWithinTwentyDays(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := storeForTest(t, func() time.Time { return now })
	mod, err := s.CreateMember(ctx, roundtable.NewMember{Username: "mod", Email: "mod@example.org", Password: "moderator pw",
		Role: roundtable.RoleModerator, Approved: true})
	if err != nil {
		t.Fatal(err)
	}
	dana := memberForTest(t, s, "dana")
	eli := memberForTest(t, s, "eli")

	// Only moderators warn, and only with a reason.
	if _, err := s.Warn(ctx, eli, dana.ID, roundtable.Grounds{Reason: "Rude"}, nil, ""); !errors.Is(err, roundtable.ErrForbidden) {
		t.Fatalf("a member warns: %v", err)
	}
	var ve *roundtable.ValidationError
	if _, err := s.Warn(ctx, mod, dana.ID, roundtable.Grounds{Reason: "  "}, nil, ""); !errors.As(err, &ve) {
		t.Fatalf("a warning without a reason: %v", err)
	}
	if _, err := s.Warn(ctx, mod, dana.ID, roundtable.Grounds{Reason: "Rude", Norm: 7}, nil, ""); !errors.As(err, &ve) {
		t.Fatalf("a warning citing no norm: %v", err)
	}
	if ws, _ := s.Warnings(ctx, dana); len(ws) != 0 {
		t.Fatalf("refused warnings were stored: %d", len(ws))
	}

	old, err := s.Warn(ctx, mod, dana.ID, roundtable.Grounds{Reason: "Rude to newcomers"}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(21 * 24 * time.Hour)
	var ce *roundtable.ConflictError
	if _, err := s.Appeal(ctx, dana, old.ID, "I was not rude"); !errors.As(err, &ce) {
		t.Fatalf("an appeal after 21 days: %v", err)
	}

	if err := s.SuspendAccount(ctx, mod, dana.ID, roundtable.Grounds{Reason: "Harassment"}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "dana", "password-dana"); !errors.Is(err, roundtable.ErrSuspended) {
		t.Fatalf("a suspended member signs in: %v", err)
	}
	ws, err := s.Warnings(ctx, dana)
	if err != nil || len(ws) != 2 || ws[0].Action != "suspend" || !ws[0].Appealable(now) {
		t.Fatalf("warnings after the suspension: %+v, %v", ws, err)
	}
	if _, err := s.Appeal(ctx, eli, ws[0].ID, "Not mine"); err == nil {
		t.Fatal("a member appealed another's warning")
	}
	if _, err := s.Appeal(ctx, dana, ws[0].ID, "It was a misunderstanding"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Appeal(ctx, dana, ws[0].ID, "Again"); !errors.As(err, &ce) {
		t.Fatalf("a second appeal: %v", err)
	}
	appeals, err := s.PendingAppeals(ctx, mod)
	if err != nil || len(appeals) != 1 {
		t.Fatalf("pending appeals: %v, %v", appeals, err)
	}
	now = now.Add(time.Hour)
	if _, err := s.DecideAppeal(ctx, mod, ws[0].ID, true, roundtable.Grounds{Reason: "Context shows a misunderstanding"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "dana", "password-dana"); err != nil {
		t.Fatalf("after the appeal was approved, sign-in: %v", err)
	}
	ns, err := s.Notifications(ctx, dana, roundtable.NotificationFilter{Types: []string{roundtable.NotifyWarning, roundtable.NotifyAppeal}}, roundtable.Page{})
	if err != nil || len(ns) != 3 || ns[0].Type != roundtable.NotifyAppeal || ns[0].Reason == nil {
		t.Fatalf("dana's notifications: %+v, %v", ns, err)
	}
	log, err := s.ModerationLog(ctx, mod, 10)
	if err != nil || len(log) != 3 || log[0].Action != "appeal_approved" {
		t.Fatalf("log: %+v, %v", log, err)
	}
}
