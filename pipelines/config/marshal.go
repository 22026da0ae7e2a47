package config

import (
	"fmt"

	"github.com/goccy/go-yaml"
)

// marshalHeader opens every marshalled configuration.
const marshalHeader = "# The effective stack.yaml: defaults, the file and the command-line arguments.\n" +
	"# Secrets appear only as references ({secret: NAME}, {{database.password}}).\n"

// Marshal writes c as YAML, keys in the order of the file format, maps
// sorted. Given an effective configuration (from Effective), it is the
// complete configuration the pipeline runs with — what `dagger call config`
// prints — and Parse reads it back to the same effective configuration. The
// configuration never holds a secret's value, only references to secrets.
func Marshal(c Config) ([]byte, error) {
	b, err := yaml.MarshalWithOptions(c, yaml.Indent(2), yaml.IndentSequence(true))
	if err != nil {
		return nil, fmt.Errorf("writing the configuration as YAML: %w", err)
	}
	return append([]byte(marshalHeader), b...), nil
}
