package budget_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/stack-ci/stack/pipelines/budget"
)

func TestParseSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want budget.Size
	}{
		{"0", 0},
		{"123", 123},
		{"123B", 123},
		{"123 b", 123},
		{"  42 bytes ", 42},
		{"007", 7},
		{"500MB", 500_000_000},
		{"500mb", 500_000_000},
		{"500 Mb", 500_000_000},
		{"500M", 500_000_000},
		{"10kB", 10_000},
		{"10KB", 10_000},
		{"10K", 10_000},
		{"10k", 10_000},
		{"10KiB", 10_240},
		{"10Ki", 10_240},
		{"10kib", 10_240},
		{"1.5GiB", 1_610_612_736},
		{"1.5GB", 1_500_000_000},
		{"200 MiB", 209_715_200},
		{"200\tMiB", 209_715_200},
		{"0.5kB", 500},
		{"0.0015kB", 2}, // 1.5 bytes rounds half up
		{"0.0014kB", 1}, // 1.4 bytes rounds down
		{"1.0001kB", 1000},
		{"49.23 MB", 49_230_000},
		{"2TB", 2_000_000_000_000},
		{"1PiB", 1 << 50},
		{"9.223372036854775807EB", math.MaxInt64},
		{"9223372036854775807", math.MaxInt64},
		{"7EiB", 7 << 60},
		{"0.000000000000000001EB", 1},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := budget.ParseSize(tt.in)
			if err != nil {
				t.Fatalf("ParseSize(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseSize(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseSizeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, reason string
	}{
		{"", "empty"},
		{"   ", "empty"},
		{"-1", "negative"},
		{"-1MB", "negative"},
		{"+5MB", "signs are not accepted"},
		{"NaN", "not a number"},
		{"Inf", "not a number"},
		{"MB", "not a number"},
		{".5MB", "not a number"},
		{"5.MB", "decimal point must be followed by digits"},
		{"1.5", "whole number"},
		{"1.5B", "whole number"},
		{"10 parsecs", `unknown unit "parsecs"`},
		{"1e3", `unknown unit "e3"`},
		{"0x10", `unknown unit "x10"`},
		{"1,000", `unknown unit ",000"`},
		{"1_000", `unknown unit "_000"`},
		{"5 0MB", `unknown unit "0MB"`},
		{"10EB", "too large"},
		{"9223372036854775808", "too large"},
		{"8EiB", "too large"},
		{strings.Repeat("9", 65), "longer than 64 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			_, err := budget.ParseSize(tt.in)
			var se *budget.SizeError
			if !errors.As(err, &se) {
				t.Fatalf("ParseSize(%q) error = %v, want a *SizeError", tt.in, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, strconv.Quote(tt.in)) || !strings.Contains(msg, tt.reason) || !strings.Contains(msg, `"1.5GiB"`) {
				t.Errorf("error %q should quote the input, say %q and list the accepted forms", msg, tt.reason)
			}
		})
	}
}

func TestSizeString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   budget.Size
		want string
	}{
		{0, "0 B"},
		{999, "999 B"},
		{1000, "1 kB"},
		{1234, "1.23 kB"},
		{1235, "1.24 kB"}, // halves round up
		{1500, "1.5 kB"},
		{994_994, "994.99 kB"},
		{995_000, "1 MB"}, // 1.00 MB to two decimals: the bigger unit wins
		{64 * budget.MB, "64 MB"},
		{49_234_999, "49.23 MB"},
		{1_610_612_736, "1.61 GB"},
		{math.MaxInt64, "9.22 EB"},
		{-1500, "-1.5 kB"},
		{math.MinInt64, "-9.22 EB"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			if got := tt.in.String(); got != tt.want {
				t.Errorf("Size(%d).String() = %q, want %q", int64(tt.in), got, tt.want)
			}
		})
	}
}

func TestSizeJSON(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(struct{ S budget.Size }{64 * budget.MB})
	if err != nil || string(b) != `{"S":64000000}` {
		t.Fatalf("Marshal = %s, %v; want {\"S\":64000000}", b, err)
	}
	tests := []struct {
		in      string
		want    budget.Size
		wantErr string
	}{
		{`64000000`, 64 * budget.MB, ""},
		{`"64MB"`, 64 * budget.MB, ""},
		{`"1.5 GiB"`, 1_610_612_736, ""},
		{`null`, 7, ""}, // leaves the value alone
		{`-1`, 0, "whole, non-negative"},
		{`1.5`, 0, "whole, non-negative"},
		{`1e9`, 0, "whole, non-negative"},
		{`"lots"`, 0, `parsing size "lots"`},
		{`true`, 0, "whole, non-negative"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			s := budget.Size(7)
			err := json.Unmarshal([]byte(tt.in), &s)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Unmarshal(%s) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || s != tt.want {
				t.Errorf("Unmarshal(%s) = %d, %v; want %d", tt.in, s, err, tt.want)
			}
		})
	}
}

// roundTripTolerance is how far ParseSize(s.String()) may be from s: exact
// below 1 kB, else half of the last printed digit (unit/200), as documented
// on Size.String.
func roundTripTolerance(printed string) budget.Size {
	unit := map[string]budget.Size{"B": 0, "kB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12, "PB": 1e15, "EB": 1e18}
	i := strings.LastIndexByte(printed, ' ')
	return unit[printed[i+1:]] / 200
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"500MB", "1.5GiB", "200 MiB", "0", "123", "10kB", "10KB", "10K", "-1", "NaN", "", "1e3", "9.223372036854775807EB", "0.0015kB", "99999999999999999999", "1.", ".1", "1..2kB", "\x00", "１２３"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := budget.ParseSize(s)
		if err != nil {
			var se *budget.SizeError
			if !errors.As(err, &se) || se.Input != s {
				t.Fatalf("ParseSize(%q) error %v is not a *SizeError naming the input", s, err)
			}
			return
		}
		if v < 0 {
			t.Fatalf("ParseSize(%q) = %d, negative", s, v)
		}
		printed := v.String()
		back, err := budget.ParseSize(printed)
		if err != nil {
			t.Fatalf("ParseSize(%q) = %d prints as %q, which does not parse: %v", s, v, printed, err)
		}
		tol := roundTripTolerance(printed)
		if d := back - v; d > tol || -d > tol {
			t.Fatalf("ParseSize(%q) = %d prints as %q, which parses to %d: off by %d, more than %d", s, v, printed, back, d, tol)
		}
		// The exact byte count always round-trips.
		if exact, err := budget.ParseSize(strconv.FormatInt(int64(v), 10)); err != nil || exact != v {
			t.Fatalf("ParseSize(%d) = %d, %v", v, exact, err)
		}
	})
}

func ExampleParseSize() {
	for _, s := range []string{"500MB", "1.5GiB", "200 MiB", "10K", "123"} {
		v, err := budget.ParseSize(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%-8s = %10d bytes = %s\n", s, int64(v), v)
	}
	_, err := budget.ParseSize("ten megs")
	fmt.Println(err)
	// Output:
	// 500MB    =  500000000 bytes = 500 MB
	// 1.5GiB   = 1610612736 bytes = 1.61 GB
	// 200 MiB  =  209715200 bytes = 209.72 MB
	// 10K      =      10000 bytes = 10 kB
	// 123      =        123 bytes = 123 B
	// parsing size "ten megs": not a number; write a non-negative number with an optional unit: B, kB, MB, GB, TB, PB, EB (powers of 1000) or KiB, MiB, GiB, TiB, PiB, EiB (powers of 1024), e.g. "500MB", "1.5GiB", "200 MiB" or "123" (bytes)
}
