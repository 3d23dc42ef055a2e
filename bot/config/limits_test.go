package config

import (
	"strings"
	"testing"
)

// TestLimitsParse: limits: takes a number of files and a size in bytes or
// KiB, MiB, GiB; anything else names the key and the line.
func TestLimitsParse(t *testing.T) {
	c, err := Parse(FileName, []byte("limits:\n  max_files: 5\n  max_bytes: 32MiB\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Limits.MaxFiles != 5 || c.Limits.MaxBytes != 32<<20 {
		t.Errorf("limits %+v", c.Limits)
	}
	if c, err = Parse(FileName, []byte("limits: {max_bytes: 1000}\n")); err != nil || c.Limits.MaxBytes != 1000 || c.Limits.MaxFiles != 0 {
		t.Errorf("plain bytes: %+v, %v", c.Limits, err)
	}
	for _, bad := range []struct{ src, want string }{
		{"limits:\n  max_bytes: lots\n", ":2: "},
		{"limits:\n  max_bytes: -5\n", "not positive"},
		{"limits:\n  max_bytes: 2000GiB\n", "1 TiB"},
		{"limits:\n  max_files: -1\n", "limits.max_files"},
		{"limits:\n  max_file: 3\n", "max_file"},
	} {
		_, err := Parse(FileName, []byte(bad.src))
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: error %v, want one saying %q", bad.src, err, bad.want)
		}
	}
}
