package scan

import (
	"errors"
	"slices"
	"testing"
)

func TestParseSeverity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Severity
		wantErr bool
	}{
		{"UNKNOWN", SeverityUnknown, false},
		{"low", SeverityLow, false},
		{"Medium", SeverityMedium, false},
		{" high ", SeverityHigh, false},
		{"CRITICAL", SeverityCritical, false},
		{"", 0, true},
		{"SEVERE", 0, true},
		{"HIGH,CRITICAL", 0, true},
		{"4", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSeverity(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrUnknownSeverity) {
					t.Fatalf("ParseSeverity(%q) error = %v, want ErrUnknownSeverity", tt.in, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseSeverity(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseSeverityErrorListsValidValues(t *testing.T) {
	t.Parallel()
	_, err := ParseSeverity("severe")
	want := `parsing severity "severe": want one of UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL`
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %q", err, want)
	}
}

func TestSeverityOrderAndNames(t *testing.T) {
	t.Parallel()
	all := Severities()
	if !slices.IsSorted(all) || len(all) != 5 {
		t.Fatalf("Severities() = %v, want 5 ascending", all)
	}
	var names []string
	for _, s := range all {
		names = append(names, s.String())
		back, err := ParseSeverity(s.String())
		if err != nil || back != s {
			t.Errorf("round trip of %v gave %v, %v", s, back, err)
		}
	}
	if got := slices.Compact(names); len(got) != 5 {
		t.Errorf("names not distinct: %v", names)
	}
	if !(SeverityUnknown < SeverityLow && SeverityLow < SeverityMedium && SeverityMedium < SeverityHigh && SeverityHigh < SeverityCritical) {
		t.Error("severities are not ordered UNKNOWN < LOW < MEDIUM < HIGH < CRITICAL")
	}
	if Severity(0).Valid() || Severity(6).Valid() {
		t.Error("out-of-range severities are valid")
	}
	if got := Severity(9).String(); got != "Severity(9)" {
		t.Errorf("String of invalid = %q", got)
	}
	if got := SeverityHigh.AtLeast(); !slices.Equal(got, []Severity{SeverityHigh, SeverityCritical}) {
		t.Errorf("HIGH.AtLeast() = %v", got)
	}
}

func TestSeverityText(t *testing.T) {
	t.Parallel()
	var s Severity
	if err := s.UnmarshalText([]byte("critical")); err != nil || s != SeverityCritical {
		t.Fatalf("UnmarshalText(critical) = %v, %v", s, err)
	}
	if err := s.UnmarshalText([]byte("")); err != nil || s != SeverityUnknown {
		t.Fatalf("UnmarshalText(\"\") = %v, %v; want UNKNOWN as in Trivy", s, err)
	}
	if err := s.UnmarshalText([]byte("bogus")); !errors.Is(err, ErrUnknownSeverity) {
		t.Fatalf("UnmarshalText(bogus) error = %v", err)
	}
	if _, err := Severity(0).MarshalText(); err == nil {
		t.Fatal("MarshalText of the zero severity succeeded")
	}
	b, err := SeverityLow.MarshalText()
	if err != nil || string(b) != "LOW" {
		t.Fatalf("MarshalText(LOW) = %q, %v", b, err)
	}
}
