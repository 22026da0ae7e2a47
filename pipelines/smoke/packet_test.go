package smoke

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParsePacket(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want Packet
	}{
		{`0{"sid":"abc"}`, Packet{Type: PacketConnect, Namespace: "/", AckID: -1, Data: json.RawMessage(`{"sid":"abc"}`)}},
		{`2["echo",{"a":1}]`, Packet{Type: PacketEvent, Namespace: "/", AckID: -1, Data: json.RawMessage(`["echo",{"a":1}]`)}},
		{`312[{"a":1}]`, Packet{Type: PacketAck, Namespace: "/", AckID: 12, Data: json.RawMessage(`[{"a":1}]`)}},
		{`2/admin,7["x"]`, Packet{Type: PacketEvent, Namespace: "/admin", AckID: 7, Data: json.RawMessage(`["x"]`)}},
		{`1/admin`, Packet{Type: PacketDisconnect, Namespace: "/admin", AckID: -1}},
		{`4{"message":"nope"}`, Packet{Type: PacketConnectError, Namespace: "/", AckID: -1, Data: json.RawMessage(`{"message":"nope"}`)}},
	} {
		got, err := ParsePacket(tc.in)
		if err != nil {
			t.Errorf("ParsePacket(%q): %v", tc.in, err)
			continue
		}
		if got.Type != tc.want.Type || got.Namespace != tc.want.Namespace || got.AckID != tc.want.AckID || string(got.Data) != string(tc.want.Data) {
			t.Errorf("ParsePacket(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestParsePacketErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"", "empty"},
		{"9", "unknown type"},
		{`2{"a":1}`, "must be a JSON array"},
		{`2["x"`, "not JSON"},
		{`3`, "must be a JSON array"},
		{`51-["x",{"_placeholder":true,"num":0}]`, "binary packets are not supported"},
		{`299999999999999999999["x"]`, "ack id"},
	} {
		_, err := ParsePacket(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParsePacket(%q) error = %v, want it to mention %q", tc.in, err, tc.want)
		}
	}
}

func TestEncodeEventRoundTrip(t *testing.T) {
	t.Parallel()
	frame, err := EncodeEvent("echo", 3, map[string]string{"nonce": "n1"})
	if err != nil {
		t.Fatal(err)
	}
	if frame != `423["echo",{"nonce":"n1"}]` {
		t.Fatalf("EncodeEvent = %q", frame)
	}
	p, err := ParsePacket(frame[1:])
	if err != nil {
		t.Fatal(err)
	}
	name, args, err := p.Event()
	if err != nil || name != "echo" || p.AckID != 3 || len(args) != 1 || string(args[0]) != `{"nonce":"n1"}` {
		t.Errorf("round trip = %q %d %s %v", name, p.AckID, args, err)
	}
	if _, err := EncodeEvent("bad", -1, func() {}); err == nil {
		t.Error("EncodeEvent accepted an argument JSON cannot encode")
	}
}

func TestEventErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`2[]`, `2[1,2]`, `0{}`} {
		p, err := ParsePacket(in)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := p.Event(); err == nil {
			t.Errorf("Event() of %q: no error", in)
		}
	}
}

func FuzzParsePacket(f *testing.F) {
	for _, s := range []string{`0{"sid":"a"}`, `2["echo",1]`, `312[{"a":1}]`, `2/admin,7["x"]`, `1/a`, `4{"message":"x"}`, `6`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePacket(s)
		if err != nil {
			return
		}
		if p.Type < PacketConnect || p.Type > PacketBinaryAck {
			t.Fatalf("type %d out of range", p.Type)
		}
		if len(p.Data) > 0 && !json.Valid(p.Data) {
			t.Fatalf("invalid JSON data %q accepted", p.Data)
		}
		if p.Type == PacketEvent {
			if name, args, err := p.Event(); err == nil {
				frame, err := EncodeEvent(name, p.AckID, anySlice(args)...)
				if err != nil {
					t.Fatalf("re-encoding %q: %v", s, err)
				}
				q, err := ParsePacket(frame[1:])
				if err != nil {
					t.Fatalf("re-encoded %q does not parse: %v", frame, err)
				}
				if n2, _, _ := q.Event(); n2 != name || q.AckID != p.AckID {
					t.Fatalf("round trip of %q changed it: %q", s, frame)
				}
			}
		}
	})
}

func anySlice(raw []json.RawMessage) []any {
	out := make([]any, len(raw))
	for i, r := range raw {
		out[i] = r
	}
	return out
}
