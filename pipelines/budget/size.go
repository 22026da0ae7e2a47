package budget

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Size is a number of bytes.
//
// Sizes are written the way people write them, and ParseSize reads:
//
//   - a bare number is bytes: "123", "0";
//   - SI units are powers of 1000: kB, MB, GB, TB, PB, EB (and the short
//     forms K, M, G, T, P, E): "500MB" = 500,000,000 bytes. These are the
//     units Docker Hub, `docker images` and registries display, and the ones
//     Kubernetes uses for k/M/G;
//   - IEC units are powers of 1024: KiB, MiB, GiB, TiB, PiB, EiB (and Ki,
//     Mi, …): "1.5GiB" = 1,610,612,736 bytes.
//
// Units are case-insensitive ("10kB", "10KB", "10kb" and "10K" are all
// 10,000 bytes) and "b" always means bytes, never bits. A space may separate
// number and unit ("200 MiB"). A decimal fraction is allowed with a unit and
// is rounded to the nearest byte, halves up ("0.0015kB" = 2 bytes); a bare
// byte count must be whole. Signs, exponents, NaN, infinities, thousands
// separators and values above math.MaxInt64 bytes (about 9.22 EB) are
// refused.
//
// String prints SI units, so a Size shows the figure `docker images` would.
type Size int64

// Common sizes.
const (
	Byte     Size = 1
	KB       Size = 1000 * Byte
	MB       Size = 1000 * KB
	GB       Size = 1000 * MB
	KiB      Size = 1024 * Byte
	MiB      Size = 1024 * KiB
	GiB      Size = 1024 * MiB
	maxInput      = 64 // longer inputs are refused before any arithmetic
)

// units maps a lower-cased unit to its multiplier.
var units = map[string]int64{
	"": 1, "b": 1, "byte": 1, "bytes": 1,
	"k": 1e3, "kb": 1e3, "ki": 1 << 10, "kib": 1 << 10,
	"m": 1e6, "mb": 1e6, "mi": 1 << 20, "mib": 1 << 20,
	"g": 1e9, "gb": 1e9, "gi": 1 << 30, "gib": 1 << 30,
	"t": 1e12, "tb": 1e12, "ti": 1 << 40, "tib": 1 << 40,
	"p": 1e15, "pb": 1e15, "pi": 1 << 50, "pib": 1 << 50,
	"e": 1e18, "eb": 1e18, "ei": 1 << 60, "eib": 1 << 60,
}

// acceptedForms is appended to every parse error.
const acceptedForms = `write a non-negative number with an optional unit: ` +
	`B, kB, MB, GB, TB, PB, EB (powers of 1000) or KiB, MiB, GiB, TiB, PiB, EiB (powers of 1024), ` +
	`e.g. "500MB", "1.5GiB", "200 MiB" or "123" (bytes)`

// SizeError reports a string that is not a size.
type SizeError struct {
	// Input is the string given.
	Input string
	// Reason says what is wrong with it.
	Reason string
}

// Error quotes the input, says what is wrong and lists the accepted forms.
func (e *SizeError) Error() string {
	return fmt.Sprintf("parsing size %q: %s; %s", e.Input, e.Reason, acceptedForms)
}

// ParseSize reads a size written as described on Size. Errors are
// *SizeError values naming the input and the accepted forms.
func ParseSize(s string) (Size, error) {
	fail := func(format string, args ...any) (Size, error) {
		return 0, &SizeError{Input: s, Reason: fmt.Sprintf(format, args...)}
	}
	in := strings.TrimSpace(s)
	switch {
	case in == "":
		return fail("empty")
	case len(in) > maxInput:
		return fail("longer than %d characters", maxInput)
	case in[0] == '-':
		return fail("negative")
	case in[0] == '+':
		return fail("signs are not accepted")
	}
	i := 0
	for i < len(in) && in[i] >= '0' && in[i] <= '9' {
		i++
	}
	intPart := in[:i]
	var frac string
	if i < len(in) && in[i] == '.' {
		j := i + 1
		for j < len(in) && in[j] >= '0' && in[j] <= '9' {
			j++
		}
		frac = in[i+1 : j]
		if frac == "" {
			return fail("a decimal point must be followed by digits")
		}
		i = j
	}
	if intPart == "" {
		return fail("not a number")
	}
	unit := strings.TrimSpace(in[i:])
	mult, ok := units[strings.ToLower(unit)]
	if !ok {
		return fail("unknown unit %q", unit)
	}
	if frac != "" && mult == 1 {
		return fail("a byte count must be a whole number")
	}
	// value = round((int.frac) * mult), exactly.
	num, _ := new(big.Int).SetString(intPart+frac, 10)
	num.Mul(num, big.NewInt(mult))
	den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(frac))), nil)
	num.Add(num, new(big.Int).Rsh(den, 1)) // half up: den is 1 or even
	num.Quo(num, den)
	if !num.IsInt64() {
		return fail("too large: the maximum is %d bytes (about %s)", int64(math.MaxInt64), Size(math.MaxInt64))
	}
	return Size(num.Int64()), nil
}

// MustParseSize is ParseSize for constants in code and tests; it panics on
// an invalid size.
func MustParseSize(s string) Size {
	v, err := ParseSize(s)
	if err != nil {
		panic(err)
	}
	return v
}

// siUnits are the units String uses, largest first.
var siUnits = []struct {
	name string
	size uint64
}{
	{"EB", 1e18}, {"PB", 1e15}, {"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"kB", 1e3},
}

// String prints the size for people, in SI units with at most two decimals,
// trailing zeros dropped: "123 B", "64 MB", "1.5 GB", "49.23 MB". The unit is
// the largest one in which the value rounded to two decimals is at least 1
// (995,000 bytes print as "1 MB"); below 1000 bytes it is B.
//
// Round trip: ParseSize(s.String()) is exactly s below 1 kB; above, it is
// within half of the last printed digit, at most unit/200 bytes away (so
// within 0.5% of s): "49.23 MB" stands for anything from 49,225,000 to
// 49,234,999 bytes.
func (s Size) String() string {
	if s < 0 {
		return "-" + formatSize(uint64(-(s+1))+1)
	}
	return formatSize(uint64(s))
}

func formatSize(v uint64) string {
	if v < 1000 {
		return strconv.FormatUint(v, 10) + " B"
	}
	for _, u := range siUnits {
		step := u.size / 100
		hundredths := (v + step/2) / step // rounded half up, no overflow in uint64
		if hundredths < 100 {
			continue
		}
		whole, rest := hundredths/100, hundredths%100
		out := strconv.FormatUint(whole, 10)
		if rest != 0 {
			out += strings.TrimRight(fmt.Sprintf(".%02d", rest), "0")
		}
		return out + " " + u.name
	}
	return strconv.FormatUint(v, 10) + " B"
}

// MarshalJSON writes the size as a JSON number of bytes, exact and easy for
// programs; String is for people.
func (s Size) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatInt(int64(s), 10)), nil
}

// UnmarshalJSON reads a JSON number of bytes (a whole, non-negative number)
// or a string in any form ParseSize accepts, e.g. "500MB".
func (s *Size) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return fmt.Errorf("parsing size %s: %w", b, err)
		}
		v, err := ParseSize(str)
		if err != nil {
			return err
		}
		*s = v
		return nil
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || v < 0 {
		return &SizeError{Input: string(b), Reason: "a JSON number must be a whole, non-negative number of bytes (or use a string such as \"500MB\")"}
	}
	*s = Size(v)
	return nil
}
