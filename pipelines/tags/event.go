package tags

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// maxEventSize bounds the event payload ParseEvent reads; GitHub's are far
// smaller (a push of many commits is a few MiB).
const maxEventSize = 64 << 20

// Event is what Compute needs from a GitHub Actions event payload (the JSON
// file at GITHUB_EVENT_PATH).
type Event struct {
	// Number is the top-level "number" (pull_request, pull_request_target),
	// or pull_request.number; 0 when absent.
	Number int
	// PRHeadSHA is pull_request.head.sha; "" when absent.
	PRHeadSHA string
	// Repo is taken from "repository".
	Repo EventRepo
}

// EventRepo is the part of the payload's "repository" object the labels and
// the default-branch rules use.
type EventRepo struct {
	Name          string // repository.name
	Description   string // repository.description
	URL           string // repository.html_url
	License       string // repository.license.spdx_id
	DefaultBranch string // repository.default_branch
}

// ParseEvent reads an event payload defensively: it must be one JSON object;
// the fields above may be absent or null (GitHub sends "description": null
// and "license": null), but a field of the wrong type is an error naming its
// path, and so is anything after the object. Other fields are ignored.
func ParseEvent(data []byte) (Event, error) {
	fail := func(format string, args ...any) (Event, error) {
		return Event{}, fmt.Errorf("parsing event payload: "+format, args...)
	}
	if len(data) > maxEventSize {
		return fail("%d bytes, more than the %d this reads", len(data), maxEventSize)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return fail("empty, want a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return fail("not valid JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fail("data after the JSON object")
	}
	obj, ok := root.(map[string]any)
	if !ok {
		return fail("the top level is %s, want a JSON object", jsonKind(root))
	}
	p := payload{obj: obj}
	var ev Event
	ev.Number = p.number("number")
	if ev.Number == 0 {
		ev.Number = p.number("pull_request.number")
	}
	ev.PRHeadSHA = p.str("pull_request.head.sha")
	ev.Repo = EventRepo{
		Name:          p.str("repository.name"),
		Description:   p.str("repository.description"),
		URL:           p.str("repository.html_url"),
		License:       p.str("repository.license.spdx_id"),
		DefaultBranch: p.str("repository.default_branch"),
	}
	if p.err != nil {
		return Event{}, fmt.Errorf("parsing event payload: %w", p.err)
	}
	return ev, nil
}

// payload walks dotted paths in a decoded JSON object, remembering the
// first type error.
type payload struct {
	obj map[string]any
	err error
}

// lookup returns the value at a dotted path, nil when absent or null.
func (p *payload) lookup(path string) any {
	var cur any = p.obj
	walked := ""
	for _, key := range strings.Split(path, ".") {
		if cur == nil {
			return nil
		}
		m, ok := cur.(map[string]any)
		if !ok {
			p.fail(walked, cur, "an object")
			return nil
		}
		cur = m[key]
		if walked != "" {
			walked += "."
		}
		walked += key
	}
	return cur
}

func (p *payload) fail(path string, v any, want string) {
	if p.err == nil {
		p.err = fmt.Errorf("%q is %s, want %s", path, jsonKind(v), want)
	}
}

func (p *payload) str(path string) string {
	v := p.lookup(path)
	if v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		p.fail(path, v, "a string")
		return ""
	}
	return s
}

func (p *payload) number(path string) int {
	v := p.lookup(path)
	if v == nil {
		return 0
	}
	n, ok := v.(json.Number)
	if !ok {
		p.fail(path, v, "a number")
		return 0
	}
	i, err := n.Int64()
	if err != nil || i < 1 || i > math.MaxInt32 {
		p.fail(path, v, "a whole number from 1 to 2^31-1")
		return 0
	}
	return int(i)
}

func jsonKind(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "the number " + v.String()
	case bool:
		return fmt.Sprintf("%t", v)
	}
	return fmt.Sprintf("%T", v)
}
