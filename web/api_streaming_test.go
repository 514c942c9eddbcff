package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// eventWait bounds waiting for an event that should come; a test fails
// when it does not, and never measures how soon it came.
const eventWait = 20 * time.Second

// streamEvent is an event as a streaming client receives it.
type streamEvent struct {
	Stream  []string `json:"stream"`
	Event   string   `json:"event"`
	Payload string   `json:"payload"`
	// A refused message's answer.
	Error  string `json:"error"`
	Status int    `json:"status"`
}

// object decodes the event's payload, a JSON entity.
func (e streamEvent) object(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(e.Payload), &m); err != nil {
		t.Fatalf("payload of %s: %v: %s", e.Event, err, e.Payload)
	}
	return m
}

// socket is a WebSocket streaming connection.
type socket struct {
	t    testing.TB
	conn *websocket.Conn
}

// dialSocket opens the WebSocket endpoint at wsURL (ws://…/api/v1/streaming?…).
func dialSocket(t testing.TB, wsURL string, opts *websocket.DialOptions) (*socket, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), eventWait)
	defer cancel()
	conn, res, err := websocket.Dial(ctx, wsURL, opts)
	if err != nil {
		return nil, res, err
	}
	t.Cleanup(func() { conn.CloseNow() })
	return &socket{t: t, conn: conn}, res, nil
}

func (in *instance) socket(query string) *socket {
	in.t.Helper()
	s, res, err := dialSocket(in.t, "ws"+strings.TrimPrefix(in.URL, "http")+"/api/v1/streaming?"+query, nil)
	if err != nil {
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		in.t.Fatalf("dial streaming ?%s: %v (HTTP %d)", query, err, status)
	}
	return s
}

func (s *socket) next() streamEvent {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), eventWait)
	defer cancel()
	_, b, err := s.conn.Read(ctx)
	if err != nil {
		s.t.Fatalf("read streaming event: %v", err)
	}
	var e streamEvent
	if err := json.Unmarshal(b, &e); err != nil {
		s.t.Fatalf("streaming message %s: %v", b, err)
	}
	return e
}

func (s *socket) send(v any) {
	s.t.Helper()
	b, _ := json.Marshal(v)
	if err := s.conn.Write(context.Background(), websocket.MessageText, b); err != nil {
		s.t.Fatal(err)
	}
}

// sseStream is a server-sent-events streaming connection.
type sseStream struct {
	t    testing.TB
	body io.ReadCloser
	rd   *bufio.Reader
}

// sse opens an SSE streaming path; it returns once the server streams.
func (in *instance) sse(path, token string) *sseStream {
	in.t.Helper()
	req, err := http.NewRequest("GET", in.URL+path, nil)
	if err != nil {
		in.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatal(err)
	}
	in.t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		b, _ := io.ReadAll(res.Body)
		in.t.Fatalf("GET %s: %d %s %s", path, res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	s := &sseStream{t: in.t, body: res.Body, rd: bufio.NewReader(res.Body)}
	// The server's first words, once events reach the stream.
	if line := s.line(); !strings.HasPrefix(line, ":") {
		in.t.Fatalf("first line of %s: %q, want a comment", path, line)
	}
	return s
}

func (s *sseStream) line() string {
	s.t.Helper()
	type result struct {
		line string
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		l, err := s.rd.ReadString('\n')
		ch <- result{strings.TrimSuffix(l, "\n"), err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			s.t.Fatalf("read event stream: %v", r.err)
		}
		return r.line
	case <-time.After(eventWait):
		s.body.Close()
		s.t.Fatalf("no event within %v", eventWait)
	}
	return ""
}

// next returns the next event, skipping comments (heartbeats).
func (s *sseStream) next() streamEvent {
	s.t.Helper()
	var e streamEvent
	for {
		line := s.line()
		switch {
		case strings.HasPrefix(line, "event: "):
			e.Event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			e.Payload = strings.TrimPrefix(line, "data: ")
		case line == "" && e.Event != "":
			return e
		}
	}
}

// follow makes token's member follow the account id.
func (in *instance) follow(token, id string) {
	in.t.Helper()
	wantStatus(in.t, in.postJSON("/api/v1/accounts/"+id+"/follow", token, nil), 200)
}

// post publishes a status and returns its id.
func (in *instance) post(token string, body map[string]any) string {
	in.t.Helper()
	r := in.postJSON("/api/v1/statuses", token, body)
	wantStatus(in.t, r, 200)
	return r.Object(in.t)["id"].(string)
}

func wantEvent(t *testing.T, e streamEvent, event, stream, id string) map[string]any {
	t.Helper()
	if e.Event != event || strings.Join(e.Stream, " ") != stream && stream != "" {
		t.Fatalf("got %s on %v (%s), want %s on %s", e.Event, e.Stream, e.Payload, event, stream)
	}
	if event == "delete" {
		if e.Payload != id {
			t.Fatalf("delete of %q, want %q", e.Payload, id)
		}
		return nil
	}
	o := e.object(t)
	if id != "" && o["id"] != id {
		t.Fatalf("%s of %v, want %s; payload %s", event, o["id"], id, e.Payload)
	}
	return o
}

// TestStreamingWebSocket follows a member's home timeline and
// notifications over the WebSocket endpoint found in the instance
// document: new, edited and deleted statuses of those it follows, and its
// notifications, in order, and nothing it may not see.
func TestStreamingWebSocket(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, alice := in.member("alice")
	bob, bobTok := in.member("bob")
	_, carol := in.member("carol")
	_, dave := in.member("dave")
	in.follow(alice, bob.ID)
	in.follow(dave, bob.ID)

	// Clients find the endpoint in the instance document.
	streaming, _ := in.get("/api/v2/instance", "").Object(t)["configuration"].(map[string]any)["urls"].(map[string]any)["streaming"].(string)
	if !strings.HasPrefix(streaming, "ws://") {
		t.Fatalf("configuration.urls.streaming = %q", streaming)
	}
	v1 := in.get("/api/v1/instance", "").Object(t)["urls"].(map[string]any)["streaming_api"]
	if v1 != streaming {
		t.Errorf("urls.streaming_api = %v, want %s", v1, streaming)
	}
	aliceWS, _, err := dialSocket(t, streaming+"/api/v1/streaming?stream=user&access_token="+alice, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Carol follows nobody and reads the local timeline; Dave follows Bob.
	carolWS := in.socket("stream=public:local&access_token=" + carol)
	daveWS := in.socket("stream=user&access_token=" + dave)

	// A followers-only status reaches the follower only; a direct one, only
	// whom it mentions.
	private := in.post(bobTok, map[string]any{"status": "For my followers", "visibility": "private"})
	wantEvent(t, aliceWS.next(), "update", "user", private)
	wantEvent(t, daveWS.next(), "update", "user", private)
	direct := in.post(bobTok, map[string]any{"status": "@alice just for you", "visibility": "direct"})
	got := map[string]bool{}
	for range 2 {
		e := aliceWS.next()
		got[e.Event] = true
		if e.Event == "notification" {
			n := wantEvent(t, e, "notification", "user", "")
			if n["type"] != "mention" || n["status"].(map[string]any)["id"] != direct {
				t.Fatalf("notification %s", e.Payload)
			}
		} else {
			wantEvent(t, e, "update", "user", direct)
		}
	}
	if !got["update"] || !got["notification"] {
		t.Fatalf("alice got %v for the direct status, want an update and a notification", got)
	}

	// A public status: Carol's first event, so she saw neither before it;
	// and Dave's next, so the direct status did not reach him.
	public := in.post(bobTok, map[string]any{"status": "Clean water, first. #water"})
	wantEvent(t, carolWS.next(), "update", "public:local", public)
	o := wantEvent(t, daveWS.next(), "update", "user", public)
	if o["account"].(map[string]any)["acct"] != "bob" || !strings.Contains(o["content"].(string), "Clean water") {
		t.Errorf("status payload %v", o)
	}
	wantEvent(t, aliceWS.next(), "update", "user", public)

	// Edited, then deleted.
	wantStatus(t, in.do("PUT", "/api/v1/statuses/"+public, bobTok, map[string]any{"status": "Clean water, always."}, ""), 200)
	o = wantEvent(t, aliceWS.next(), "status.update", "user", public)
	if !strings.Contains(o["content"].(string), "always") || o["edited_at"] == nil {
		t.Errorf("edited status %v", o)
	}
	wantEvent(t, carolWS.next(), "status.update", "public:local", public)
	wantEvent(t, daveWS.next(), "status.update", "user", public)
	wantStatus(t, in.do("DELETE", "/api/v1/statuses/"+public, bobTok, nil, ""), 200)
	wantEvent(t, aliceWS.next(), "delete", "user", public)
	wantEvent(t, carolWS.next(), "delete", "public:local", public)
	wantEvent(t, daveWS.next(), "delete", "user", public)

	// Subscriptions over the socket; a refused one is answered, and
	// messages are handled in order.
	aliceWS.send(map[string]string{"type": "subscribe", "stream": "hashtag", "tag": "Water"})
	aliceWS.send(map[string]string{"type": "subscribe", "stream": "nonsense"})
	if e := aliceWS.next(); e.Status != 400 || e.Error != "Unknown stream type" {
		t.Fatalf("subscribing to an unknown stream: %+v", e)
	}
	aliceWS.send(map[string]string{"type": "unsubscribe", "stream": "user"})
	aliceWS.send(map[string]string{"type": "subscribe", "stream": "hashtag"})
	if e := aliceWS.next(); e.Status != 400 || e.Error != "No tag for stream provided" {
		t.Fatalf("subscribing to a hashtag without one: %+v", e)
	}
	in.post(bobTok, map[string]any{"status": "No tag here"})
	tagged := in.post(bobTok, map[string]any{"status": "More #water"})
	wantEvent(t, aliceWS.next(), "update", "hashtag Water", tagged)

	// Notifications alone; a favourite.
	aliceWS.send(map[string]string{"type": "unsubscribe", "stream": "hashtag", "tag": "water"})
	aliceWS.send(map[string]string{"type": "subscribe", "stream": "user:notification"})
	aliceWS.send(map[string]string{"type": "subscribe", "stream": "list"})
	if e := aliceWS.next(); e.Status != 400 || e.Error != "No list for stream provided" {
		t.Fatalf("subscribing to a list: %+v", e)
	}
	mine := in.post(alice, map[string]any{"status": "Mine #water"})
	wantStatus(t, in.postJSON("/api/v1/statuses/"+mine+"/favourite", bobTok, nil), 200)
	n := wantEvent(t, aliceWS.next(), "notification", "user:notification", "")
	if n["type"] != "favourite" || n["account"].(map[string]any)["acct"] != "bob" {
		t.Errorf("favourite notification %v", n)
	}
}

// TestStreamingSSE follows the same events as server-sent events, on the
// paths apps use.
func TestStreamingSSE(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, aliceTok := in.member("alice")
	bob, bobTok := in.member("bob")
	_, carol := in.member("carol")
	in.follow(aliceTok, bob.ID)
	in.follow(carol, bob.ID)

	user := in.sse("/api/v1/streaming/user", aliceTok)
	notes := in.sse("/api/v1/streaming/user/notification", aliceTok)
	local := in.sse("/api/v1/streaming/public/local", "")
	in.sse("/api/v1/streaming/public/remote", "") // nothing remote comes here
	tag := in.sse("/api/v1/streaming/hashtag?tag=water", "")
	tagLocal := in.sse("/api/v1/streaming/hashtag/local?tag=water", "")
	viaParam := in.sse("/api/v1/streaming?stream=user&access_token="+carol, "")

	private := in.post(bobTok, map[string]any{"status": "@alice followers only #water", "visibility": "private"})
	wantEvent(t, user.next(), "update", "", private)
	wantEvent(t, viaParam.next(), "update", "", private)
	n := wantEvent(t, notes.next(), "notification", "", "")
	if n["type"] != "mention" || n["account"].(map[string]any)["id"] != bob.ID {
		t.Errorf("notification %v", n)
	}
	// The user stream has the notification too, after the status.
	wantEvent(t, user.next(), "notification", "", n["id"].(string))

	public := in.post(bobTok, map[string]any{"status": "Open to all #water"})
	// The private status reached none of the public streams.
	wantEvent(t, local.next(), "update", "", public)
	wantEvent(t, tag.next(), "update", "", public)
	wantEvent(t, tagLocal.next(), "update", "", public)
	wantEvent(t, user.next(), "update", "", public)

	wantStatus(t, in.do("PUT", "/api/v1/statuses/"+public, bobTok, map[string]any{"status": "Open to everyone #water"}, ""), 200)
	wantEvent(t, local.next(), "status.update", "", public)
	wantEvent(t, tag.next(), "status.update", "", public)
	wantEvent(t, user.next(), "status.update", "", public)
	wantStatus(t, in.do("DELETE", "/api/v1/statuses/"+public, bobTok, nil, ""), 200)
	wantEvent(t, local.next(), "delete", "", public)
	wantEvent(t, tag.next(), "delete", "", public)
	wantEvent(t, user.next(), "delete", "", public)

	// Blocking Bob takes his statuses out of Alice's streams.
	wantStatus(t, in.postJSON("/api/v1/accounts/"+bob.ID+"/block", aliceTok, nil), 200)
	in.post(bobTok, map[string]any{"status": "Blocked out"})
	own := in.post(aliceTok, map[string]any{"status": "After the block"})
	wantEvent(t, user.next(), "update", "", own)
}

// TestStreamingRefusals: bad tokens, unknown streams and streams this
// server does not have are refused with a clear error.
func TestStreamingRefusals(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, alice := in.member("alice")
	_, readOnly := in.member("reader", "read:statuses")

	r := in.get("/api/v1/streaming/health", "")
	if r.Status != 200 || string(r.Body) != "OK" {
		t.Errorf("health: %d %q", r.Status, r.Body)
	}
	for _, c := range []struct {
		path, token string
		status      int
		message     string
	}{
		{"/api/v1/streaming/user?access_token=wrong", "", 401, "The access token is invalid"},
		{"/api/v1/streaming/user", "wrong", 401, "The access token is invalid"},
		{"/api/v1/streaming/user", "", 401, "Missing access token"},
		{"/api/v1/streaming/user/notification", readOnly, 403, "This action is outside the authorized scopes"},
		{"/api/v1/streaming/hashtag", "", 400, "No tag for stream provided"},
		{"/api/v1/streaming/list", alice, 400, "No list for stream provided"},
		{"/api/v1/streaming/direct", "", 401, "Missing access token"},
		{"/api/v1/streaming?stream=nonsense", alice, 400, "Unknown stream type"},
		{"/api/v1/streaming", alice, 400, "Connect with a WebSocket, or name a stream with the stream parameter"},
	} {
		r := in.get(c.path, c.token)
		if r.Status != c.status || r.Object(t)["error"] != c.message {
			t.Errorf("GET %s: %d %s, want %d %q", c.path, r.Status, r.Body, c.status, c.message)
		}
	}

	ws := "ws" + strings.TrimPrefix(in.URL, "http") + "/api/v1/streaming"
	for query, status := range map[string]int{
		"?stream=user&access_token=wrong":        401,
		"?stream=user":                           401,
		"?stream=nonsense&access_token=" + alice: 400,
	} {
		_, res, err := dialSocket(t, ws+query, nil)
		if err == nil || res == nil || res.StatusCode != status {
			code := 0
			if res != nil {
				code = res.StatusCode
			}
			t.Errorf("WebSocket %s: %v, HTTP %d, want %d", query, err, code, status)
		}
	}

	// The token may come as the WebSocket subprotocol, as browsers send it.
	s, _, err := dialSocket(t, ws+"?stream=user", &websocket.DialOptions{Subprotocols: []string{alice}})
	if err != nil {
		t.Fatalf("token as subprotocol: %v", err)
	}
	if s.conn.Subprotocol() != alice {
		t.Errorf("subprotocol %q, want the token", s.conn.Subprotocol())
	}
}

// TestStreamingListAndDirect: a list stream carries the statuses of the
// list's accounts only; the direct stream, direct statuses the member may
// read only.
func TestStreamingListAndDirect(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, aliceTok := in.member("alice")
	bob, bobTok := in.member("bob")
	carol, carolTok := in.member("carol")
	in.follow(aliceTok, bob.ID)
	in.follow(aliceTok, carol.ID)
	list := in.postJSON("/api/v1/lists", aliceTok, map[string]any{"title": "Neighbours"}).Object(t)
	wantStatus(t, in.postJSON("/api/v1/lists/"+list["id"].(string)+"/accounts", aliceTok, map[string]any{"account_ids": []string{bob.ID}}), 200)

	listStream := in.sse("/api/v1/streaming/list?list="+list["id"].(string), aliceTok)
	direct := in.sse("/api/v1/streaming/direct", aliceTok)
	in.post(carolTok, map[string]any{"status": "Carol is not on the list"})
	fromBob := in.post(bobTok, map[string]any{"status": "Bob is"})
	wantEvent(t, listStream.next(), "update", "", fromBob)

	in.post(bobTok, map[string]any{"status": "@carol between us", "visibility": "direct"})
	toAlice := in.post(bobTok, map[string]any{"status": "@alice for you", "visibility": "direct"})
	wantEvent(t, direct.next(), "update", "", toAlice)
	// Carol's direct stream skips what is addressed to alice alone.
	carolDirect := in.sse("/api/v1/streaming/direct", carolTok)
	in.post(bobTok, map[string]any{"status": "@alice again, for you", "visibility": "direct"})
	toCarol := in.post(bobTok, map[string]any{"status": "@carol and for you", "visibility": "direct"})
	wantEvent(t, carolDirect.next(), "update", "", toCarol)
}
