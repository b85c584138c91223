package conf

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Size is a number of bytes, written in YAML as a plain integer or with a
// unit: "64MB", "512KiB", "1G". Units are powers of 1024, as in MySQL's
// max_allowed_packet=64M: K, KB, KiB = 1024; M, MB, MiB = 1024²; G, GB,
// GiB = 1024³.
type Size int64

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30},
	{"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30},
	{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30},
	{"B", 1},
}

// ParseSize reads a size as Size.UnmarshalYAML does.
func ParseSize(s string) (Size, error) {
	text := strings.TrimSpace(s)
	upper := strings.ToUpper(text)
	mult := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(upper, u.suffix) {
			mult = u.mult
			text = strings.TrimSpace(text[:len(text)-len(u.suffix)])
			break
		}
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid size %q: want a number of bytes, optionally with a unit, e.g. 1048576, \"512KB\", \"64MB\", \"1GB\"", s)
	}
	if n > math.MaxInt64/mult {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return Size(n * mult), nil
}

// UnmarshalYAML parses an integer or a string with a unit.
func (z *Size) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("expected a size such as \"64MB\", got %s", describeNode(n))
	}
	v, err := ParseSize(n.Value)
	if err != nil {
		return err
	}
	*z = v
	return nil
}

// String writes the size with the largest unit that divides it.
func (z Size) String() string {
	switch {
	case z != 0 && z%(1<<30) == 0:
		return strconv.FormatInt(int64(z>>30), 10) + "GB"
	case z != 0 && z%(1<<20) == 0:
		return strconv.FormatInt(int64(z>>20), 10) + "MB"
	case z != 0 && z%(1<<10) == 0:
		return strconv.FormatInt(int64(z>>10), 10) + "KB"
	}
	return strconv.FormatInt(int64(z), 10)
}

// MarshalYAML writes the size back in a form UnmarshalYAML reads.
func (z Size) MarshalYAML() (any, error) { return z.String(), nil }
