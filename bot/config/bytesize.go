package config

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// ByteSize is a number of bytes, written as an integer (67108864) or with
// a binary unit: "512KiB", "64MiB", "1GiB" (a space before the unit is
// allowed).
type ByteSize int64

// maxByteSize keeps a size far from overflowing int64 (1 TiB is more than
// any review reads).
const maxByteSize = 1 << 40

// UnmarshalYAML reads a ByteSize; anything else is an error naming the
// line and the forms allowed (not the value: a settings file's values stay
// out of errors).
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseByteSize(n.Value)
	if err != nil || n.Kind != yaml.ScalarNode {
		if err == nil {
			err = fmt.Errorf("not a size")
		}
		return fmt.Errorf("line %d: the size is %w: give a number of bytes, or one with KiB, MiB or GiB, such as 32MiB", n.Line, err)
	}
	*b = ByteSize(v)
	return nil
}

// ParseByteSize reads "67108864", "64MiB", "512 KiB" or "1GiB".
func ParseByteSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("not a whole number")
	}
	if n <= 0 {
		return 0, fmt.Errorf("not positive")
	}
	if n > maxByteSize/mult {
		return 0, fmt.Errorf("larger than 1 TiB")
	}
	return n * mult, nil
}
