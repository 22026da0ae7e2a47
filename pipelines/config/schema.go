package config

import _ "embed"

//go:embed schema.json
var schemaJSON []byte

// Schema returns the JSON schema (draft 2020-12) of stack.yaml, for
// editors: save it next to the file and point yaml-language-server at it
// with a first line
//
//	# yaml-language-server: $schema=./stack.schema.json
//
// It is generated from the Go types and their doc comments
// (go test ./pipelines/config -run TestSchemaUpToDate -update).
func Schema() []byte { return append([]byte(nil), schemaJSON...) }
