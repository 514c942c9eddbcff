package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/roundtable-fed/roundtable"
)

// Heartbeats keep idle streaming connections open through proxies and
// reveal dead ones.
const (
	sseHeartbeat  = 15 * time.Second
	pingHeartbeat = 30 * time.Second
)

// streamingHealth answers the check clients make before streaming.
func (s *Server) streamingHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprint(w, "OK")
}

// streamCaller returns the caller of a streaming request, whose access
// token may come in the Authorization header (already checked), the
// access_token parameter or the Sec-WebSocket-Protocol header; nil for an
// anonymous one. protocol is the token when it came as a subprotocol.
func (s *Server) streamCaller(r *http.Request) (c *caller, protocol string, err error) {
	if c := callerFrom(r.Context()); c != nil {
		return c, "", nil
	}
	raw := r.URL.Query().Get("access_token")
	if raw == "" {
		if p, _, _ := strings.Cut(r.Header.Get("Sec-WebSocket-Protocol"), ","); strings.TrimSpace(p) != "" {
			raw = strings.TrimSpace(p)
			protocol = raw
		}
	}
	if raw == "" {
		return nil, "", nil
	}
	c, err = s.callerFor(r.Context(), raw)
	return c, protocol, err
}

// parseStream checks that c may follow the stream a client names.
func parseStream(name, tag, list string, c *caller) (stream, error) {
	st := stream{name: name}
	need := "read:statuses"
	switch name {
	case "user":
	case "user:notification":
		need = "read:notifications"
	case "public", "public:local", "public:remote":
		if c == nil {
			return st, nil
		}
	case "hashtag", "hashtag:local":
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "#")
		if tag == "" {
			return st, errStatus(http.StatusBadRequest, "No tag for stream provided")
		}
		st.tag = tag
		if c == nil {
			return st, nil
		}
	case "list":
		if strings.TrimSpace(list) == "" {
			return st, errStatus(http.StatusBadRequest, "No list for stream provided")
		}
		st.list = strings.TrimSpace(list)
		need = "read:lists"
	case "direct":
	case "":
		return st, errStatus(http.StatusBadRequest, "No stream provided")
	default:
		return st, errStatus(http.StatusBadRequest, "Unknown stream type")
	}
	if c == nil {
		return st, &apiError{status: http.StatusUnauthorized, message: "Missing access token"}
	}
	if (strings.HasPrefix(name, "user") || name == "list" || name == "direct") && c.member == nil {
		return st, errNoUser
	}
	if !roundtable.ScopeAllows(c.token.Scopes, need) {
		return st, errOutOfScope
	}
	return st, nil
}

// sse serves the server-sent-events stream name.
func (s *Server) sse(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.serveSSE(w, r, name) }
}

func (s *Server) serveSSE(w http.ResponseWriter, r *http.Request, name string) {
	c, _, err := s.streamCaller(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if name == "public" && r.URL.Query().Get("only_media") == "true" {
		name = "public:media"
	}
	st, err := parseStream(name, r.URL.Query().Get("tag"), r.URL.Query().Get("list"), c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sub := newSubscriber(c)
	sub.add(st)
	if err := s.hub.join(r.Context(), sub); err != nil {
		s.writeError(w, r, err)
		return
	}
	defer s.hub.leave(sub)

	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	write := func(text string) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		if _, err := fmt.Fprint(w, text); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !write(":)\n\n") {
		return
	}
	beat := time.NewTicker(sseHeartbeat)
	defer beat.Stop()
	for {
		select {
		case m := <-sub.out:
			if !write("event: " + m.event + "\ndata: " + m.payload + "\n\n") {
				return
			}
		case <-beat.C:
			if !write(":thump\n\n") {
				return
			}
		case <-sub.gone:
			return
		case <-r.Context().Done():
			return
		}
	}
}

// streamingSocket serves the WebSocket endpoint, where a client follows
// the stream named by the stream parameter and those it subscribes to
// with {"type": "subscribe", "stream": …}. A plain GET with a stream
// parameter gets that stream as server-sent events.
func (s *Server) streamingSocket(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("stream")
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		if name == "" {
			s.writeError(w, r, errStatus(http.StatusBadRequest,
				"Connect with a WebSocket, or name a stream with the stream parameter"))
			return
		}
		s.serveSSE(w, r, name)
		return
	}
	c, protocol, err := s.streamCaller(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sub := newSubscriber(c)
	if name != "" {
		st, err := parseStream(name, r.URL.Query().Get("tag"), r.URL.Query().Get("list"), c)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		sub.add(st)
	}
	if err := s.hub.join(r.Context(), sub); err != nil {
		s.writeError(w, r, err)
		return
	}
	defer s.hub.leave(sub)
	opts := &websocket.AcceptOptions{
		// Web clients connect from their own origins, with a token, not
		// cookies.
		OriginPatterns: []string{"*"},
	}
	if protocol != "" {
		opts.Subprotocols = []string{protocol}
	}
	conn, err := websocket.Accept(w, r, opts)
	if err != nil {
		return // Accept answered the request
	}
	defer conn.CloseNow()
	conn.SetReadLimit(64 << 10)

	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	defer cancel()
	go func() {
		defer cancel()
		s.readSubscriptions(ctx, conn, sub, c)
	}()
	send := func(v any) bool {
		wctx, cancel := context.WithTimeout(ctx, streamWriteTimeout)
		defer cancel()
		b, _ := json.Marshal(v)
		return conn.Write(wctx, websocket.MessageText, b) == nil
	}
	beat := time.NewTicker(pingHeartbeat)
	defer beat.Stop()
	for {
		select {
		case m := <-sub.out:
			if !send(socketEvent{Stream: m.stream, Event: m.event, Payload: m.payload}) {
				return
			}
		case <-beat.C:
			pctx, cancel := context.WithTimeout(ctx, streamWriteTimeout)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				return
			}
		case <-sub.gone:
			if sub.shutdown {
				conn.Close(websocket.StatusGoingAway, "the server is restarting")
			} else {
				conn.Close(websocket.StatusTryAgainLater, "events came faster than they were read")
			}
			return
		case <-ctx.Done():
			return
		}
	}
}

// socketEvent is an event as the WebSocket endpoint sends it.
type socketEvent struct {
	Stream  []string `json:"stream"`
	Event   string   `json:"event"`
	Payload string   `json:"payload"`
}

// socketError tells a WebSocket client that a message of its was refused.
type socketError struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
}

// readSubscriptions reads a WebSocket client's subscribe and unsubscribe
// messages until the connection closes.
func (s *Server) readSubscriptions(ctx context.Context, conn *websocket.Conn, sub *subscriber, c *caller) {
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			return
		}
		var msg struct {
			Type   string `json:"type"`
			Stream string `json:"stream"`
			Tag    string `json:"tag"`
			List   string `json:"list"`
		}
		if err := json.Unmarshal(data, &msg); err != nil {
			err = errStatus(http.StatusBadRequest, "Messages must be JSON objects")
			s.socketRefusal(ctx, conn, err)
			continue
		}
		st, err := parseStream(msg.Stream, msg.Tag, msg.List, c)
		switch {
		case err != nil:
			s.socketRefusal(ctx, conn, err)
		case msg.Type == "subscribe":
			sub.add(st)
		case msg.Type == "unsubscribe":
			sub.remove(st)
		default:
			s.socketRefusal(ctx, conn, errStatus(http.StatusBadRequest, "Unknown message type: use subscribe or unsubscribe"))
		}
	}
}

// socketRefusal sends err to a WebSocket client as Mastodon does.
func (s *Server) socketRefusal(ctx context.Context, conn *websocket.Conn, err error) {
	refusal := socketError{Error: "Bad request", Status: http.StatusBadRequest}
	var ae *apiError
	if errors.As(err, &ae) {
		refusal = socketError{Error: ae.message, Status: ae.status}
	}
	b, _ := json.Marshal(refusal)
	wctx, cancel := context.WithTimeout(ctx, streamWriteTimeout)
	defer cancel()
	_ = conn.Write(wctx, websocket.MessageText, b)
}
