package smoke

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Engine.IO v4 packet types (the first character of a WebSocket text frame).
const (
	eioOpen    = '0'
	eioClose   = '1'
	eioPing    = '2'
	eioPong    = '3'
	eioMessage = '4'
	eioUpgrade = '5'
	eioNoop    = '6'
)

// PacketType is a Socket.IO v5 packet type, carried inside an Engine.IO message.
type PacketType int

// Socket.IO v5 packet types.
const (
	PacketConnect      PacketType = 0
	PacketDisconnect   PacketType = 1
	PacketEvent        PacketType = 2
	PacketAck          PacketType = 3
	PacketConnectError PacketType = 4
	PacketBinaryEvent  PacketType = 5
	PacketBinaryAck    PacketType = 6
)

// Packet is one decoded Socket.IO packet.
type Packet struct {
	// Type is the Socket.IO packet type.
	Type PacketType
	// Namespace is the namespace the packet belongs to ("/" when absent).
	Namespace string
	// AckID is the acknowledgement id, or -1 when the packet carries none.
	AckID int64
	// Data is the JSON payload: an array for events and acks, an object for
	// connect and connect-error packets, empty otherwise.
	Data json.RawMessage
}

// Event returns the event name and its arguments of an event packet.
func (p Packet) Event() (string, []json.RawMessage, error) {
	if p.Type != PacketEvent {
		return "", nil, fmt.Errorf("packet type %d is not an event", p.Type)
	}
	var args []json.RawMessage
	if err := json.Unmarshal(p.Data, &args); err != nil {
		return "", nil, fmt.Errorf("decoding event arguments %q: %w", p.Data, err)
	}
	if len(args) == 0 {
		return "", nil, fmt.Errorf("event packet %q has no name", p.Data)
	}
	var name string
	if err := json.Unmarshal(args[0], &name); err != nil {
		return "", nil, fmt.Errorf("event name %s is not a string: %w", args[0], err)
	}
	return name, args[1:], nil
}

// ParsePacket decodes the Socket.IO packet in an Engine.IO message payload
// (the frame without its leading Engine.IO type '4'), e.g. `2["echo",{"a":1}]`,
// `312["pong"]` or `0/admin,{"sid":"x"}`.
func ParsePacket(s string) (Packet, error) {
	p := Packet{Namespace: "/", AckID: -1}
	if s == "" {
		return p, fmt.Errorf("parsing socket.io packet: empty")
	}
	t := s[0]
	if t < '0' || t > '6' {
		return p, fmt.Errorf("parsing socket.io packet %q: unknown type %q", clip(s), t)
	}
	p.Type = PacketType(t - '0')
	rest := s[1:]
	if p.Type == PacketBinaryEvent || p.Type == PacketBinaryAck {
		return p, fmt.Errorf("parsing socket.io packet %q: binary packets are not supported", clip(s))
	}
	if strings.HasPrefix(rest, "/") {
		i := strings.IndexByte(rest, ',')
		if i < 0 {
			p.Namespace, rest = rest, ""
		} else {
			p.Namespace, rest = rest[:i], rest[i+1:]
		}
	}
	digits := 0
	for digits < len(rest) && rest[digits] >= '0' && rest[digits] <= '9' {
		digits++
	}
	if digits > 0 {
		id, err := strconv.ParseInt(rest[:digits], 10, 64)
		if err != nil {
			return p, fmt.Errorf("parsing socket.io packet %q: ack id: %w", clip(s), err)
		}
		p.AckID, rest = id, rest[digits:]
	}
	if rest != "" {
		if !json.Valid([]byte(rest)) {
			return p, fmt.Errorf("parsing socket.io packet %q: payload is not JSON", clip(s))
		}
		p.Data = json.RawMessage(rest)
	}
	switch p.Type {
	case PacketEvent, PacketAck:
		if len(p.Data) == 0 || p.Data[0] != '[' {
			return p, fmt.Errorf("parsing socket.io packet %q: payload must be a JSON array", clip(s))
		}
	}
	return p, nil
}

// EncodeEvent encodes an event packet (as an Engine.IO message frame) with an
// optional acknowledgement id (ackID < 0 for none).
func EncodeEvent(event string, ackID int64, args ...any) (string, error) {
	all := append([]any{event}, args...)
	data, err := json.Marshal(all)
	if err != nil {
		return "", fmt.Errorf("encoding event %q: %w", event, err)
	}
	var b strings.Builder
	b.WriteByte(eioMessage)
	b.WriteByte('0' + byte(PacketEvent))
	if ackID >= 0 {
		b.WriteString(strconv.FormatInt(ackID, 10))
	}
	b.Write(data)
	return b.String(), nil
}

// clip shortens s for error messages.
func clip(s string) string {
	const max = 120
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
