package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/roundtable-fed/roundtable"
)

// Streaming: every serve process listens to the database's stream events
// (roundtable.Store.Listen), so that a change made through any process on
// the database reaches the streaming clients of all of them. The hub of a
// process holds its subscribers; for each event it asks the store who of
// them may see it where, renders it for each, and queues it without ever
// waiting on a client.
const (
	// subscriberQueue bounds the events waiting for one connection; a
	// client that lets it fill up is disconnected.
	subscriberQueue = 256
	// streamWriteTimeout bounds writing one event or heartbeat.
	streamWriteTimeout = 10 * time.Second
	// dispatchTimeout bounds the queries that route one event.
	dispatchTimeout = 30 * time.Second
	// listenWait is how long a new subscriber waits for the database.
	listenWait = 10 * time.Second
	// listenRetryMax bounds the pause before listening again after the
	// database connection was lost.
	listenRetryMax = 30 * time.Second
)

var errStreamingUnavailable = &apiError{status: http.StatusServiceUnavailable,
	message: "Streaming is unavailable right now; try again later"}

// stream is one timeline a client follows, as streaming clients name it.
type stream struct {
	name string // user, user:notification, public, public:local, public:remote, hashtag, hashtag:local, list, direct
	tag  string // for hashtag streams
	list string // for list streams: the list's id
}

// id names the stream in events: ["user"], ["hashtag", "name"].
func (st stream) id() []string {
	if st.tag != "" {
		return []string{st.name, st.tag}
	}
	if st.list != "" {
		return []string{st.name, st.list}
	}
	return []string{st.name}
}

func (st stream) key() string { return st.name + "\x00" + strings.ToLower(st.tag) + "\x00" + st.list }

// timeline is the timeline whose updates the stream carries, if any.
func (st stream) timeline() (roundtable.Timeline, bool) {
	switch st.name {
	case "user":
		return roundtable.Timeline{Kind: roundtable.TimelineHome}, true
	case "public":
		return roundtable.Timeline{Kind: roundtable.TimelinePublic}, true
	case "public:local":
		return roundtable.Timeline{Kind: roundtable.TimelinePublic, Local: true}, true
	case "public:remote":
		return roundtable.Timeline{Kind: roundtable.TimelinePublic, Remote: true}, true
	case "hashtag":
		return roundtable.Timeline{Kind: roundtable.TimelineTag, Tag: st.tag}, true
	case "hashtag:local":
		return roundtable.Timeline{Kind: roundtable.TimelineTag, Tag: st.tag, Local: true}, true
	case "list":
		return roundtable.Timeline{Kind: roundtable.TimelineList, List: st.list}, true
	case "direct":
		return roundtable.Timeline{Kind: roundtable.TimelineDirect}, true
	}
	return roundtable.Timeline{}, false
}

// message is an event for one stream of a subscriber.
type message struct {
	stream  []string
	event   string
	payload string
}

// subscriber is one streaming connection.
type subscriber struct {
	member    *roundtable.Member // nil for an anonymous reader or an application
	scopes    []string
	anonymous bool
	out       chan message
	gone      chan struct{} // closed when the hub lets the subscriber go
	// shutdown is set, before gone is closed, when the server is stopping
	// (rather than the client falling behind).
	shutdown bool

	mu      sync.Mutex
	streams map[string]stream
}

func newSubscriber(c *caller) *subscriber {
	sub := &subscriber{out: make(chan message, subscriberQueue), gone: make(chan struct{}), streams: map[string]stream{}}
	if c != nil {
		sub.member, sub.scopes = c.member, c.token.Scopes
	} else {
		sub.anonymous = true
	}
	return sub
}

// may reports whether the subscriber's token holds scope; anonymous
// readers may read what is public.
func (sub *subscriber) may(scope string) bool {
	return sub.anonymous || roundtable.ScopeAllows(sub.scopes, scope)
}

func (sub *subscriber) viewerID() string {
	if sub.member == nil {
		return ""
	}
	return sub.member.ID
}

func (sub *subscriber) add(st stream) {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	sub.streams[st.key()] = st
}

func (sub *subscriber) remove(st stream) {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	delete(sub.streams, st.key())
}

func (sub *subscriber) following() []stream {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	out := make([]stream, 0, len(sub.streams))
	for _, st := range sub.streams {
		out = append(out, st)
	}
	return out
}

// hub routes the database's stream events to the subscribers of this
// process. It listens only while it has subscribers.
type hub struct {
	srv *Server

	mu        sync.Mutex
	subs      map[*subscriber]struct{}
	closed    bool
	stop      context.CancelFunc // stops the running listener; nil when none
	listening chan struct{}      // closed once the running listener receives events
	done      chan struct{}      // closed when the last listener started has stopped
}

func newHub(srv *Server) *hub {
	return &hub{srv: srv, subs: map[*subscriber]struct{}{}}
}

// join adds sub and returns once events reach it.
func (h *hub) join(ctx context.Context, sub *subscriber) error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return errStreamingUnavailable
	}
	h.subs[sub] = struct{}{}
	if h.stop == nil {
		lctx, stop := context.WithCancel(context.WithoutCancel(ctx))
		prev := h.done
		h.stop, h.listening, h.done = stop, make(chan struct{}), make(chan struct{})
		go h.listen(lctx, prev, h.listening, h.done)
	}
	ready := h.listening
	h.mu.Unlock()
	t := time.NewTimer(listenWait)
	defer t.Stop()
	select {
	case <-ready:
		return nil
	case <-ctx.Done():
		h.leave(sub)
		return ctx.Err()
	case <-t.C:
		h.leave(sub)
		return errStreamingUnavailable
	}
}

// leave removes sub; the last to leave stops the listener.
func (h *hub) leave(sub *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.removeLocked(sub, false)
}

func (h *hub) removeLocked(sub *subscriber, shutdown bool) {
	if _, ok := h.subs[sub]; !ok {
		return
	}
	delete(h.subs, sub)
	sub.shutdown = shutdown
	close(sub.gone)
	if len(h.subs) == 0 && h.stop != nil {
		h.stop()
		h.stop = nil
	}
}

// close disconnects every subscriber, refuses new ones, and waits for the
// listener to release its database connection.
func (h *hub) close() {
	h.mu.Lock()
	h.closed = true
	for sub := range h.subs {
		h.removeLocked(sub, true)
	}
	done := h.done
	h.mu.Unlock()
	if done != nil {
		<-done
	}
}

// listen receives the database's events until ctx ends, listening again
// after a lost connection. It starts once the previous listener (prev)
// has stopped, so that no event is routed twice.
func (h *hub) listen(ctx context.Context, prev <-chan struct{}, ready, done chan struct{}) {
	defer close(done)
	if prev != nil {
		<-prev
	}
	var once sync.Once
	pause := time.Second
	for {
		err := h.srv.store.Listen(ctx, func() {
			once.Do(func() { close(ready) })
			pause = time.Second
		}, func(ev roundtable.StreamEvent) { h.dispatch(ctx, ev) })
		if ctx.Err() != nil {
			return
		}
		h.srv.log.Warn("streaming lost its database connection; listening again", "err", err, "in", pause)
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		pause = min(2*pause, listenRetryMax)
	}
}

// target is one stream of one subscriber.
type target struct {
	sub *subscriber
	st  stream
}

// dispatch routes ev to the subscribers that may see it.
func (h *hub) dispatch(ctx context.Context, ev roundtable.StreamEvent) {
	ctx, cancel := context.WithTimeout(ctx, dispatchTimeout)
	defer cancel()
	h.mu.Lock()
	var targets []target
	for sub := range h.subs {
		for _, st := range sub.following() {
			targets = append(targets, target{sub, st})
		}
	}
	h.mu.Unlock()
	if len(targets) == 0 {
		return
	}
	var err error
	switch ev.Kind {
	case roundtable.EventUpdate, roundtable.EventStatusUpdate:
		err = h.dispatchStatus(ctx, ev, targets)
	case roundtable.EventDelete:
		err = h.dispatchDelete(ctx, ev, targets)
	case roundtable.EventNotification:
		err = h.dispatchNotification(ctx, ev, targets)
	}
	if err != nil && ctx.Err() == nil {
		h.srv.log.Error("stream event not delivered", "event", ev.Kind, "id", ev.ID, "err", err)
	}
}

// dispatchStatus sends a new or edited status to the streams whose
// timeline it belongs in for their reader.
func (h *hub) dispatchStatus(ctx context.Context, ev roundtable.StreamEvent, targets []target) error {
	byKey := map[string][]target{}
	for _, t := range targets {
		if _, ok := t.st.timeline(); ok && t.sub.may("read:statuses") {
			byKey[t.st.key()] = append(byKey[t.st.key()], t)
		}
	}
	payloads := map[string]string{} // by viewer
	for _, ts := range byKey {
		tl, _ := ts[0].st.timeline()
		viewers := make([]string, len(ts))
		for i, t := range ts {
			viewers[i] = t.sub.viewerID()
		}
		audience, err := h.srv.store.TimelineAudience(ctx, ev.ID, tl, viewers)
		if err != nil {
			return err
		}
		sees := map[string]bool{}
		for _, v := range audience {
			sees[v] = true
		}
		for _, t := range ts {
			v := t.sub.viewerID()
			if !sees[v] {
				continue
			}
			p, ok := payloads[v]
			if !ok {
				st, err := h.srv.store.Status(ctx, ev.ID, v)
				if errors.Is(err, roundtable.ErrNotFound) {
					continue
				}
				if err != nil {
					return err
				}
				p = payloadJSON(h.srv.status(st, false))
				payloads[v] = p
			}
			h.send(t.sub, message{stream: t.st.id(), event: ev.Kind, payload: p})
		}
	}
	return nil
}

// dispatchDelete tells the streams that may have shown a status that it is
// gone.
func (h *hub) dispatchDelete(ctx context.Context, ev roundtable.StreamEvent, targets []target) error {
	var home []target
	var viewers []string
	for _, t := range targets {
		if !t.sub.may("read:statuses") {
			continue
		}
		tl, ok := t.st.timeline()
		switch {
		case !ok:
		case tl.Kind == roundtable.TimelineHome || tl.Kind == roundtable.TimelineList || tl.Kind == roundtable.TimelineDirect:
			// Those who may have seen it: its author, those it mentioned, its followers.
			home = append(home, t)
			viewers = append(viewers, t.sub.viewerID())
		case ev.Visibility == roundtable.Public && (!tl.Local || ev.Local) && (!tl.Remote || !ev.Local):
			h.send(t.sub, message{stream: t.st.id(), event: ev.Kind, payload: ev.ID})
		}
	}
	audience, err := h.srv.store.DeletionAudience(ctx, ev, viewers)
	if err != nil {
		return err
	}
	for _, t := range home {
		for _, v := range audience {
			if v == t.sub.viewerID() {
				h.send(t.sub, message{stream: t.st.id(), event: ev.Kind, payload: ev.ID})
				break
			}
		}
	}
	return nil
}

// dispatchNotification sends a notification to its recipient's user and
// user:notification streams.
func (h *hub) dispatchNotification(ctx context.Context, ev roundtable.StreamEvent, targets []target) error {
	var payload *string
	for _, t := range targets {
		if t.sub.viewerID() != ev.AccountID || (t.st.name != "user" && t.st.name != "user:notification") ||
			!t.sub.may("read:notifications") {
			continue
		}
		if payload == nil {
			n, err := h.srv.store.Notification(ctx, t.sub.member, ev.ID)
			if errors.Is(err, roundtable.ErrNotFound) {
				return nil // dismissed already
			}
			if err != nil {
				return err
			}
			out := h.srv.notifications([]*roundtable.Notification{n})
			if len(out) == 0 || !slices.Contains(mastodonNotificationTypes, n.Type) {
				// Its status is out of sight, or apps would not
				// know its type.
				return nil
			}
			p := payloadJSON(out[0])
			payload = &p
		}
		h.send(t.sub, message{stream: t.st.id(), event: ev.Kind, payload: *payload})
	}
	return nil
}

// send queues m for sub, or lets sub go if its queue is full: a slow
// client never holds up the others.
func (h *hub) send(sub *subscriber, m message) {
	select {
	case sub.out <- m:
	default:
		h.leave(sub)
	}
}

// payloadJSON encodes v as the client API does.
func payloadJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
}
