package main

import (
	"encoding/json"
	"fmt"
)

// jsonString marshals v, indented, for a file of a result directory.
func jsonString(v any) (string, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encoding %T as JSON: %w", v, err)
	}
	return string(b) + "\n", nil
}
