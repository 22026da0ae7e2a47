package main

// Errors in this module are formatted with %v, not %w: the Go SDK reports a
// function's error by the first GraphQL error it finds in the chain, so
// wrapping an error from a Dagger call would drop the context added here.
// Only errors that callers inspect (scan.Failure) are wrapped.

import (
	"encoding/json"
	"fmt"
)

// jsonString marshals v, indented, for a file of a result directory.
func jsonString(v any) (string, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encoding %T as JSON: %v", v, err)
	}
	return string(b) + "\n", nil
}
