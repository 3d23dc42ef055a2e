package settings

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pieces are the substrings of a secret long enough to give part of it
// away (6 bytes and more).
func leaks(msg, secret string) string {
	const piece = 6
	for i := 0; i+piece <= len(secret); i++ {
		if p := secret[i : i+piece]; strings.TrimSpace(p) == p && strings.Contains(msg, p) {
			return p
		}
	}
	return ""
}

// testKeyBody is the secret part of testPEM (its header names no secret).
const testKeyBody = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK"

const testPEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n-----END RSA PRIVATE KEY-----\n"

// A setting's value never reaches the error that refuses it, whole or in
// part: a private key pasted where its path was expected, a non-numeric
// App id, numbers and durations that do not parse, a settings file's
// values.
func TestSettingsErrorsNeverContainTheValue(t *testing.T) {
	dir := t.TempDir()
	file := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	github := map[string]string{"TMBOT_GITHUB_APP_ID": "12345", "TMBOT_GITHUB_WEBHOOK_SECRET": "whs-Zq81"}
	for _, c := range []struct {
		name, secret, file string
		env                map[string]string
	}{
		{name: "a key where its path goes", secret: testKeyBody, env: map[string]string{"TMBOT_GITHUB_PRIVATE_KEY_FILE": testPEM}},
		{name: "a missing key file", secret: "/nonexistent/Kx9vQ2mB7/key.pem", env: map[string]string{"TMBOT_GITHUB_PRIVATE_KEY_FILE": "/nonexistent/Kx9vQ2mB7/key.pem"}},
		{name: "an App id that is a token", secret: "ghp_R8mQ2vX7kL0pZ3", env: map[string]string{"TMBOT_GITHUB_APP_ID": "ghp_R8mQ2vX7kL0pZ3"}},
		{name: "workers", secret: "Wk7Qz9pL2x", env: map[string]string{"TMBOT_WORKERS": "Wk7Qz9pL2x"}},
		{name: "resync reserve", secret: "Rs4Tv8Nq1m", env: map[string]string{"TMBOT_RESYNC_RESERVE": "Rs4Tv8Nq1m"}},
		{name: "resync interval", secret: "Ri2Hx6Bw0e", env: map[string]string{"TMBOT_RESYNC_INTERVAL": "Ri2Hx6Bw0e"}},
		{name: "job timeout", secret: "Jt5Gm3Yc9u", env: map[string]string{"TMBOT_JOB_TIMEOUT": "Jt5Gm3Yc9u"}},
		{name: "rescue before timeout", secret: "7m30s", env: map[string]string{"TMBOT_JOB_TIMEOUT": "10m", "TMBOT_JOB_RESCUE_AFTER": "450"}},
		{name: "shared secret mode", secret: "Ss8Pk1Dv4r", env: map[string]string{"TMBOT_GITLAB_SHARED_SECRET": "Ss8Pk1Dv4r"}},
		{name: "file: App id", secret: "Fa3Lr7Wn5t", file: "github:\n  app_id: Fa3Lr7Wn5t\n"},
		{name: "file: duration", secret: "Fd6Qs2Jh8k", file: "job_timeout: Fd6Qs2Jh8k\n"},
		{name: "file: key where its path goes", secret: testKeyBody, file: "github:\n  app_id: 1\n  webhook_secret: x\n  private_key_file: |\n    " +
			strings.ReplaceAll(strings.TrimSpace(testPEM), "\n", "\n    ") + "\n"},
	} {
		env := c.env
		if strings.Contains(c.name, "key") && c.file == "" {
			for k, v := range github {
				env[k] = v
			}
		}
		path := ""
		if c.file != "" {
			path = file(strings.ReplaceAll(c.name, " ", "-")+".yaml", c.file)
		}
		_, err := Load(path, func(k string) string { return env[k] })
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		if p := leaks(err.Error(), c.secret); p != "" {
			t.Errorf("%s: the error quotes %q of the value: %v", c.name, p, err)
		}
	}
}
