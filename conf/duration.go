package conf

import (
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

// Duration is a time.Duration written in YAML as a Go duration string such
// as "250ms", "5s" or "2m". Bare numbers are rejected because their unit
// would be a guess.
type Duration struct{ time.Duration }

// UnmarshalYAML parses a duration string with time.ParseDuration.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("expected a duration such as \"5s\", got %s", describeNode(n))
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("invalid duration %q: want a number with a unit, e.g. \"250ms\", \"5s\", \"2m\"", n.Value)
	}
	d.Duration = v
	return nil
}

// MarshalYAML writes the duration back in the form UnmarshalYAML reads.
func (d Duration) MarshalYAML() (any, error) {
	return d.String(), nil
}
