package smoke

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/coder/websocket"
)

// Socket is a Socket.IO v4 client session (Engine.IO v4, Socket.IO protocol
// v5) over a real WebSocket upgrade, connected to the default namespace.
// It answers the server's pings, resolves acknowledgements and queues events.
// A Socket is safe for concurrent use.
type Socket struct {
	conn *websocket.Conn
	// SID is the Socket.IO session id the server assigned on connect.
	SID string

	mu      sync.Mutex
	nextAck int64
	acks    map[int64]chan json.RawMessage
	events  chan Packet
	err     error
	done    chan struct{}
}

// SocketOption configures Dial.
type SocketOption func(*socketOptions)

type socketOptions struct {
	path   string
	header http.Header
	client *http.Client
}

// WithSocketPath sets the Socket.IO path (default "/socket.io/").
func WithSocketPath(p string) SocketOption {
	return func(o *socketOptions) { o.path = p }
}

// WithHeader adds request headers to the WebSocket handshake (cookies, auth).
func WithHeader(h http.Header) SocketOption {
	return func(o *socketOptions) { o.header = h }
}

// WithHTTPClient sets the HTTP client used for the WebSocket handshake.
func WithHTTPClient(c *http.Client) SocketOption {
	return func(o *socketOptions) { o.client = c }
}

// Dial opens a Socket.IO session to base (http:// or https://, e.g. the
// nginx front), upgrading straight to WebSocket, and waits until the
// default namespace is connected.
func Dial(ctx context.Context, base string, opts ...SocketOption) (*Socket, error) {
	o := socketOptions{path: "/socket.io/"}
	for _, opt := range opts {
		opt(&o)
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("parsing socket.io base URL %q: %w", base, err)
	}
	switch u.Scheme {
	case "http", "ws":
		u.Scheme = "ws"
	case "https", "wss":
		u.Scheme = "wss"
	default:
		return nil, fmt.Errorf("socket.io base URL %q: scheme must be http or https", base)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/" + strings.Trim(o.path, "/") + "/"
	u.RawQuery = "EIO=4&transport=websocket"
	conn, resp, err := websocket.Dial(ctx, u.String(), &websocket.DialOptions{HTTPHeader: o.header, HTTPClient: o.client})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("websocket upgrade at %s: HTTP %d: %w", u.Redacted(), resp.StatusCode, err)
		}
		return nil, fmt.Errorf("websocket upgrade at %s: %w", u.Redacted(), err)
	}
	conn.SetReadLimit(1 << 20)
	s := &Socket{
		conn:   conn,
		acks:   map[int64]chan json.RawMessage{},
		events: make(chan Packet, 64),
		done:   make(chan struct{}),
	}
	if err := s.handshake(ctx); err != nil {
		conn.Close(websocket.StatusProtocolError, "handshake failed")
		return nil, fmt.Errorf("socket.io handshake at %s: %w", u.Redacted(), err)
	}
	go s.readLoop()
	return s, nil
}

// handshake reads the Engine.IO open packet, connects the default namespace
// and waits for its CONNECT answer.
func (s *Socket) handshake(ctx context.Context) error {
	typ, msg, err := s.conn.Read(ctx)
	if err != nil {
		return fmt.Errorf("waiting for the engine.io open packet: %w", err)
	}
	if typ != websocket.MessageText || len(msg) == 0 || msg[0] != eioOpen {
		return fmt.Errorf("expected an engine.io open packet, got %q", clip(string(msg)))
	}
	var open struct {
		SID string `json:"sid"`
	}
	if err := json.Unmarshal(msg[1:], &open); err != nil || open.SID == "" {
		return fmt.Errorf("engine.io open packet %q has no sid", clip(string(msg)))
	}
	if err := s.conn.Write(ctx, websocket.MessageText, []byte{eioMessage, '0'}); err != nil {
		return fmt.Errorf("sending namespace connect: %w", err)
	}
	for {
		typ, msg, err := s.conn.Read(ctx)
		if err != nil {
			return fmt.Errorf("waiting for the namespace connect answer: %w", err)
		}
		if typ != websocket.MessageText || len(msg) == 0 {
			continue
		}
		switch msg[0] {
		case eioPing:
			if err := s.conn.Write(ctx, websocket.MessageText, []byte{eioPong}); err != nil {
				return fmt.Errorf("answering ping: %w", err)
			}
			continue
		case eioMessage:
		default:
			continue
		}
		p, err := ParsePacket(string(msg[1:]))
		if err != nil {
			return err
		}
		switch p.Type {
		case PacketConnect:
			var c struct {
				SID string `json:"sid"`
			}
			_ = json.Unmarshal(p.Data, &c) // the sid is informative only
			s.SID = c.SID
			return nil
		case PacketConnectError:
			return &ConnectError{Data: p.Data}
		default:
			// Events sent before the connect answer are kept for the caller.
			s.events <- p
		}
	}
}

// ConnectError is the server's refusal of the namespace connect (a
// connect_error packet), e.g. an authentication middleware's
// "unauthorized". Dial's error wraps it.
type ConnectError struct {
	// Data is the packet's JSON payload, e.g. {"message":"unauthorized"}.
	Data json.RawMessage
}

func (e *ConnectError) Error() string {
	return fmt.Sprintf("server refused the namespace connect: %s", e.Data)
}

// Reason is the refusal's message, or its whole payload when it has none.
func (e *ConnectError) Reason() string {
	var m struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(e.Data, &m) == nil && m.Message != "" {
		return m.Message
	}
	if len(e.Data) == 0 {
		return "no reason given"
	}
	return clip(string(e.Data))
}

// readLoop dispatches frames until the connection ends.
func (s *Socket) readLoop() {
	ctx := context.Background() // the connection's own lifetime bounds every read
	for {
		typ, msg, err := s.conn.Read(ctx)
		if err != nil {
			s.fail(err)
			return
		}
		if typ != websocket.MessageText || len(msg) == 0 {
			continue
		}
		switch msg[0] {
		case eioPing:
			if err := s.conn.Write(ctx, websocket.MessageText, []byte{eioPong}); err != nil {
				s.fail(fmt.Errorf("answering ping: %w", err))
				return
			}
		case eioClose:
			s.fail(errors.New("server closed the engine.io session"))
			return
		case eioMessage:
			p, err := ParsePacket(string(msg[1:]))
			if err != nil {
				s.fail(err)
				return
			}
			s.dispatch(p)
		}
	}
}

func (s *Socket) dispatch(p Packet) {
	switch p.Type {
	case PacketAck:
		s.mu.Lock()
		ch, ok := s.acks[p.AckID]
		delete(s.acks, p.AckID)
		s.mu.Unlock()
		if ok {
			ch <- p.Data
		}
	case PacketEvent:
		select {
		case s.events <- p:
		default: // a slow reader loses events rather than blocking pongs
		}
	case PacketDisconnect:
		s.fail(errors.New("server disconnected the namespace"))
	}
}

func (s *Socket) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
		close(s.done)
	}
}

// Err reports why the session ended, or nil while it is open.
func (s *Socket) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Emit sends an event without waiting for an acknowledgement.
func (s *Socket) Emit(ctx context.Context, event string, args ...any) error {
	frame, err := EncodeEvent(event, -1, args...)
	if err != nil {
		return err
	}
	if err := s.conn.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
		return fmt.Errorf("emitting %q: %w", event, err)
	}
	return nil
}

// EmitWithAck sends an event and waits for the server's acknowledgement,
// returning its arguments as a JSON array.
func (s *Socket) EmitWithAck(ctx context.Context, event string, args ...any) (json.RawMessage, error) {
	ch := make(chan json.RawMessage, 1)
	s.mu.Lock()
	if s.err != nil {
		err := s.err
		s.mu.Unlock()
		return nil, fmt.Errorf("emitting %q: session ended: %w", event, err)
	}
	id := s.nextAck
	s.nextAck++
	s.acks[id] = ch
	s.mu.Unlock()
	frame, err := EncodeEvent(event, id, args...)
	if err == nil {
		err = s.conn.Write(ctx, websocket.MessageText, []byte(frame))
	}
	if err != nil {
		s.mu.Lock()
		delete(s.acks, id)
		s.mu.Unlock()
		return nil, fmt.Errorf("emitting %q: %w", event, err)
	}
	select {
	case data := <-ch:
		return data, nil
	case <-s.done:
		return nil, fmt.Errorf("waiting for the ack of %q: %w", event, s.Err())
	case <-ctx.Done():
		s.mu.Lock()
		delete(s.acks, id)
		s.mu.Unlock()
		return nil, fmt.Errorf("waiting for the ack of %q: %w", event, ctx.Err())
	}
}

// WaitEvent waits for the next event named name and returns its arguments;
// other events that arrive meanwhile are dropped.
func (s *Socket) WaitEvent(ctx context.Context, name string) ([]json.RawMessage, error) {
	for {
		select {
		case p := <-s.events:
			got, args, err := p.Event()
			if err != nil {
				return nil, err
			}
			if got == name {
				return args, nil
			}
		case <-s.done:
			return nil, fmt.Errorf("waiting for event %q: %w", name, s.Err())
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for event %q: %w", name, ctx.Err())
		}
	}
}

// Close ends the session politely (namespace disconnect, then WebSocket close).
func (s *Socket) Close() error {
	ctx := context.Background()
	_ = s.conn.Write(ctx, websocket.MessageText, []byte{eioMessage, '1'}) // best effort before closing
	s.fail(errors.New("closed by client"))
	return s.conn.Close(websocket.StatusNormalClosure, "")
}
