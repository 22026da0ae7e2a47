package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stack-ci/stack/pipelines/budget"
)

// Limit is a size budget: a number of bytes, NoLimit, or zero for "not
// given" (the default applies).
type Limit int64

// NoLimit is the budget written "none": measured and reported, never failing.
const NoLimit Limit = -1

// ParseLimit reads "none" or a size as budget.ParseSize reads it ("64MB",
// "1.5GiB", "123"). Zero bytes is refused: write "none" for no budget.
func ParseLimit(s string) (Limit, error) {
	if strings.EqualFold(strings.TrimSpace(s), "none") {
		return NoLimit, nil
	}
	v, err := budget.ParseSize(s)
	if err != nil {
		return 0, err
	}
	if v == 0 {
		return 0, fmt.Errorf("parsing budget %q: zero bytes fails every image; write \"none\" for no budget", s)
	}
	return Limit(v), nil
}

// Size returns the budget in bytes and whether there is one.
func (l Limit) Size() (budget.Size, bool) {
	if l <= 0 {
		return 0, false
	}
	return budget.Size(l), true
}

// String writes "none" or the size exactly, in the largest unit that divides
// it (SI first: "64MB", "1536MiB", "123"), which ParseLimit reads back to the
// same value.
func (l Limit) String() string {
	switch {
	case l == NoLimit:
		return "none"
	case l <= 0:
		return ""
	}
	return exactSize(int64(l))
}

// MarshalYAML writes the budget as String does.
func (l Limit) MarshalYAML() (any, error) { return l.String(), nil }

func exactSize(n int64) string {
	type unit struct {
		name string
		size int64
	}
	for _, u := range []unit{
		{"EB", 1e18}, {"EiB", 1 << 60}, {"PB", 1e15}, {"PiB", 1 << 50}, {"TB", 1e12}, {"TiB", 1 << 40},
		{"GB", 1e9}, {"GiB", 1 << 30}, {"MB", 1e6}, {"MiB", 1 << 20}, {"kB", 1e3}, {"KiB", 1 << 10},
	} {
		if n >= u.size && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10)
}

// Duration is a time span written as Go writes it: "5s", "1m30s", "500ms".
type Duration time.Duration

// maxDuration bounds every timeout in the file.
const maxDuration = 10 * time.Minute

// ParseDuration reads a positive duration of at most 10 minutes.
func ParseDuration(s string) (Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("parsing duration %q: want a number with a unit, e.g. \"5s\", \"1m30s\" or \"500ms\"", s)
	}
	if d <= 0 || d > maxDuration {
		return 0, fmt.Errorf("parsing duration %q: want more than 0 and at most %s", s, maxDuration)
	}
	return Duration(d), nil
}

// String writes the duration as time.Duration does ("5s", "1m30s").
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalYAML writes the duration as a string.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }
