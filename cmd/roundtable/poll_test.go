package main

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// pollCounts returns a poll's total, voters and per-option counts.
func pollCounts(p map[string]any) (votes, voters float64, options []float64) {
	votes, _ = p["votes_count"].(float64)
	voters, _ = p["voters_count"].(float64)
	opts, _ := p["options"].([]any)
	for _, o := range opts {
		n, _ := o.(map[string]any)["votes_count"].(float64)
		options = append(options, n)
	}
	return votes, voters, options
}

// TestPollAcrossInstances: A's member posts a poll; B's member (a
// follower) and C's (who finds it by its id) vote from their client APIs;
// each vote counts once, and the totals reach all three instances. No
// document A serves names who voted.
func TestPollAcrossInstances(t *testing.T) {
	t.Parallel()
	a, b, c := startPeer(t, 60), startPeer(t, 61), startPeer(t, 62)
	alice, bob, carol := a.member("alice"), b.member("bob"), c.member("carol")

	accounts, _ := b.resolve(bob, "@alice@"+a.domain)
	if len(accounts) != 1 {
		t.Fatalf("B's search for alice: %v", accounts)
	}
	aliceOnB := accounts[0]["id"].(string)
	b.api("POST", "/api/v1/accounts/"+aliceOnB+"/follow", bob, nil, nil)
	eventually(t, 20*time.Second, "B's follow of alice accepted", func() bool {
		var rels []map[string]any
		b.api("GET", "/api/v1/accounts/relationships?id[]="+aliceOnB, bob, nil, &rels)
		return len(rels) == 1 && rels[0]["following"] == true
	})

	post := a.post(alice, map[string]any{"status": "What should the consultation take on first?",
		"poll": map[string]any{"options": []string{"Water", "Housing", "Work"}, "expires_in": 3600}})
	uri, onA := post["uri"].(string), post["id"].(string)
	if p, ok := post["poll"].(map[string]any); !ok || p["voted"] != true || len(p["options"].([]any)) != 3 {
		t.Fatalf("the poll as posted: %v", post["poll"])
	}

	// B receives it as a follower; C looks it up by its id.
	var onB string
	eventually(t, 20*time.Second, "the poll in bob's home timeline", func() bool {
		st := findByURI(b.timeline(bob, "/api/v1/timelines/home"), uri)
		if st == nil {
			return false
		}
		onB = st["id"].(string)
		p, ok := st["poll"].(map[string]any)
		return ok && len(p["options"].([]any)) == 3 && p["expires_at"] == post["poll"].(map[string]any)["expires_at"]
	})
	_, found := c.resolve(carol, uri)
	if len(found) != 1 || found[0]["poll"] == nil {
		t.Fatalf("C's search for %s: %v", uri, found)
	}
	onC := found[0]["id"].(string)

	// Each votes once, from its own instance; a second vote is refused.
	var voted map[string]any
	if code := b.api("POST", "/api/v1/polls/"+onB+"/votes", bob, map[string]any{"choices": []int{0}}, &voted); code != 200 {
		t.Fatalf("bob's vote: %d %v", code, voted)
	}
	if voted["voted"] != true || !slices.Equal(voted["own_votes"].([]any), []any{0.0}) {
		t.Errorf("bob's vote as B answers it: %v", voted)
	}
	var refused map[string]any
	if code := b.api("POST", "/api/v1/polls/"+onB+"/votes", bob, map[string]any{"choices": []int{1}}, &refused); code != 422 ||
		!strings.Contains(refused["error"].(string), "already voted") {
		t.Errorf("bob's second vote: %d %v", code, refused)
	}
	if code := c.api("POST", "/api/v1/polls/"+onC+"/votes", carol, map[string]any{"choices": []int{1}}, &voted); code != 200 {
		t.Fatalf("carol's vote: %d %v", code, voted)
	}
	if code := c.api("POST", "/api/v1/polls/"+onC+"/votes", carol, map[string]any{"choices": []int{1}}, &refused); code != 422 {
		t.Errorf("carol's second vote: %d %v", code, refused)
	}
	if code := a.api("POST", "/api/v1/polls/"+onA+"/votes", alice, map[string]any{"choices": []int{2}}, &refused); code != 422 {
		t.Errorf("alice's vote in her own poll: %d %v", code, refused)
	}

	// The totals reach all three.
	waitForTotals(t, []float64{1, 1, 0}, []pollView{{a, alice, onA, []any{}}, {b, bob, onB, []any{0.0}}, {c, carol, onC, []any{1.0}}})
	var anon map[string]any
	if code := a.api("GET", "/api/v1/polls/"+onA, "", nil, &anon); code != 200 || anon["voted"] != false {
		t.Errorf("the poll read anonymously on A: %d %v", code, anon)
	}

	// The Question A serves carries the counts and names no voter.
	req, _ := http.NewRequest("GET", uri, nil)
	req.Header.Set("Accept", "application/activity+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	doc := string(body)
	if res.StatusCode != 200 || !strings.Contains(doc, `"type":"Question"`) || !strings.Contains(doc, `"votersCount":2`) {
		t.Errorf("the Question on A: %d %s", res.StatusCode, doc)
	}
	for _, voter := range []string{b.domain, c.domain, "bob", "carol"} {
		if strings.Contains(doc, voter) {
			t.Errorf("the Question on A names %s: %s", voter, doc)
		}
	}
}

// pollView is a poll as one member of one peer sees it, with the options
// that member chose.
type pollView struct {
	peer   *peer
	token  string
	id     string
	chosen []any
}

// waitForTotals waits until every view shows the poll with the counts
// want (two voters), and the member's own votes.
func waitForTotals(t *testing.T, want []float64, views []pollView) {
	t.Helper()
	for _, v := range views {
		var last map[string]any
		eventually(t, 30*time.Second, v.peer.domain+" shows both votes", func() bool {
			var st map[string]any
			v.peer.api("GET", "/api/v1/statuses/"+v.id, v.token, nil, &st)
			last, _ = st["poll"].(map[string]any)
			if last == nil {
				return false
			}
			votes, voters, options := pollCounts(last)
			return votes == 2 && voters == 2 && slices.Equal(options, want)
		})
		if last["voted"] != true || !slices.Equal(last["own_votes"].([]any), v.chosen) {
			t.Errorf("%s: voted %v, own votes %v", v.peer.domain, last["voted"], last["own_votes"])
		}
	}
}

// TestPollInConsultation: a facilitator on A attaches a poll to a thread of
// a consultation; members of B and C, who joined it, see the poll through
// the consultation and vote; the totals reach all three.
func TestPollInConsultation(t *testing.T) {
	t.Parallel()
	a, b, c := startPeer(t, 63), startPeer(t, 64), startPeer(t, 65)
	alice, bob, carol := a.member("alice"), b.member("bob"), c.member("carol")
	mustRun(t, a.env, "", "admin", "consultation", "create", "--slug", "priorities", "--title", "Our priorities",
		"--prompt", "What should we take on first?", "--moderator", "alice")
	handle := "@priorities@" + a.domain
	b.join(bob, handle)
	c.join(carol, handle)

	post := a.post(alice, map[string]any{"status": handle + " First things\nWhich should the association take on first?",
		"poll": map[string]any{"options": []string{"Repairs", "Rents", "Heating"}, "expires_in": 86400, "multiple": true}})
	onA := post["id"].(string)
	onB := b.findOn(bob, "Which should the association take on first?")
	onC := c.findOn(carol, "Which should the association take on first?")
	for _, v := range []struct {
		peer    *peer
		token   string
		id      string
		choices []int
	}{{b, bob, onB, []int{0, 2}}, {c, carol, onC, []int{2}}} {
		var res map[string]any
		if code := v.peer.api("POST", "/api/v1/polls/"+v.id+"/votes", v.token, map[string]any{"choices": v.choices}, &res); code != 200 {
			t.Fatalf("vote on %s: %d %v", v.peer.domain, code, res)
		}
	}
	var refused map[string]any
	if code := c.api("POST", "/api/v1/polls/"+onC+"/votes", carol, map[string]any{"choices": []int{0}}, &refused); code != 422 {
		t.Errorf("carol's second vote: %d %v", code, refused)
	}
	// Three votes from two voters.
	for _, v := range []pollView{{a, alice, onA, []any{}}, {b, bob, onB, []any{0.0, 2.0}}, {c, carol, onC, []any{2.0}}} {
		var last map[string]any
		eventually(t, 30*time.Second, v.peer.domain+" shows the consultation's poll results", func() bool {
			var st map[string]any
			v.peer.api("GET", "/api/v1/statuses/"+v.id, v.token, nil, &st)
			last, _ = st["poll"].(map[string]any)
			if last == nil || last["multiple"] != true {
				return false
			}
			votes, voters, options := pollCounts(last)
			return votes == 3 && voters == 2 && slices.Equal(options, []float64{1, 0, 2})
		})
		if !slices.Equal(last["own_votes"].([]any), v.chosen) {
			t.Errorf("%s: own votes %v, want %v", v.peer.domain, last["own_votes"], v.chosen)
		}
	}
}
