package web_test

import (
	"strings"
	"testing"
)

func TestBlockAndMute(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ana, anaT := in.member("ana")
	ben, benT := in.member("ben")
	cal, calT := in.member("cal")
	wantStatus(t, in.postJSON("/api/v1/accounts/"+ana.ID+"/follow", benT, nil), 200)

	// ana blocks ben: the follow goes, and ben can neither follow, reply nor notify.
	r := in.postJSON("/api/v1/accounts/"+ben.ID+"/block", anaT, nil)
	wantStatus(t, r, 200)
	if rel := r.Object(t); rel["blocking"] != true || rel["followed_by"] != false {
		t.Errorf("after blocking: %v", rel)
	}
	if rel := in.get("/api/v1/accounts/relationships?id[]="+ana.ID, benT).List(t)[0]; rel["blocked_by"] != true || rel["following"] != false {
		t.Errorf("ben's side: %v", rel)
	}
	r = in.postJSON("/api/v1/accounts/"+ana.ID+"/follow", benT, nil)
	wantStatus(t, r, 422)
	st := in.postJSON("/api/v1/statuses", anaT, map[string]any{"status": "A quiet evening"}).Object(t)
	r = in.postJSON("/api/v1/statuses", benT, map[string]any{"status": "Hey", "in_reply_to_id": st["id"]})
	wantStatus(t, r, 422)
	wantStatus(t, in.postJSON("/api/v1/statuses", benT, map[string]any{"status": "@ana are you there?"}), 200)
	for _, n := range in.get("/api/v1/notifications", anaT).List(t) {
		if n["account"].(map[string]any)["id"] == ben.ID {
			t.Errorf("a blocked account notified ana: %v", n)
		}
	}
	if l := in.get("/api/v1/blocks", anaT).List(t); len(l) != 1 || l[0]["id"] != ben.ID {
		t.Errorf("blocks: %v", l)
	}
	wantStatus(t, in.postJSON("/api/v1/accounts/"+ben.ID+"/unblock", anaT, nil), 200)
	wantStatus(t, in.postJSON("/api/v1/accounts/"+ana.ID+"/follow", benT, nil), 200)

	// ana mutes cal: gone from her home and notifications, back when unmuted.
	wantStatus(t, in.postJSON("/api/v1/accounts/"+cal.ID+"/follow", anaT, nil), 200)
	in.postJSON("/api/v1/statuses", calT, map[string]any{"status": "Loud news"})
	home := func() string { return string(in.get("/api/v1/timelines/home", anaT).Body) }
	if !strings.Contains(home(), "Loud news") {
		t.Fatal("cal's post is not in ana's home before muting")
	}
	wantStatus(t, in.postJSON("/api/v1/accounts/"+cal.ID+"/mute", anaT, nil), 200)
	if strings.Contains(home(), "Loud news") {
		t.Error("a muted account's post is in the home timeline")
	}
	in.postJSON("/api/v1/statuses", calT, map[string]any{"status": "@ana listen!"})
	for _, n := range in.get("/api/v1/notifications", anaT).List(t) {
		if n["account"].(map[string]any)["id"] == cal.ID && n["type"] == "mention" {
			t.Error("a muted account's mention notified ana")
		}
	}
	if l := in.get("/api/v1/mutes", anaT).List(t); len(l) != 1 {
		t.Errorf("mutes: %v", l)
	}
	wantStatus(t, in.postJSON("/api/v1/accounts/"+cal.ID+"/unmute", anaT, nil), 200)
	if !strings.Contains(home(), "Loud news") {
		t.Error("unmuting did not bring cal back")
	}
}
