package settings

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// parseDuration reads "0", "3600" (seconds) or a Go duration ("1h"). Its
// error does not repeat the value (settings may hold secrets).
func parseDuration(v string) (time.Duration, error) {
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, errors.New("is not a duration (write 1h, 30m or a number of seconds; 0 turns it off)")
	}
	return d, nil
}

// readPrivateKey reads the GitHub App's key from the file named by
// TMBOT_GITHUB_PRIVATE_KEY_FILE. Neither the setting's value (which may be
// the key itself, pasted in the wrong place) nor the file's content
// reaches the error.
func readPrivateKey(file string) ([]byte, error) {
	if strings.Contains(file, "-----BEGIN") || strings.ContainsAny(file, "\n\r") || len(file) > 4096 {
		return nil, errors.New("TMBOT_GITHUB_PRIVATE_KEY_FILE (github.private_key_file) holds a key, not the path of a file: " +
			"put the key in TMBOT_GITHUB_PRIVATE_KEY, or in a file whose path goes in TMBOT_GITHUB_PRIVATE_KEY_FILE")
	}
	key, err := os.ReadFile(file)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // without the path
		}
		return nil, fmt.Errorf("read the GitHub App private key, the file named by TMBOT_GITHUB_PRIVATE_KEY_FILE: %w", err)
	}
	return key, nil
}

// yamlQuoted is how yaml.v3 quotes a value in its errors.
var yamlQuoted = regexp.MustCompile("`[^`]*`")

// withoutValues is a settings file's decoding error without the values
// yaml.v3 quotes in it ("line 3: cannot unmarshal !!str `...` into int64").
func withoutValues(err error) string {
	return yamlQuoted.ReplaceAllString(err.Error(), "(a value)")
}

func withSlash(u string) string {
	if u != "" && !strings.HasSuffix(u, "/") {
		return u + "/"
	}
	return u
}
