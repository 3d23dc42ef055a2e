package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tmbot/tmbot/cmd/tmbot/settings"
)

// A configured path that is not there stops tmbot serve before it opens
// anything, with an error that names the setting.
func TestServeRefusesMissingPaths(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "tmbot.db")
	t.Setenv("TMBOT_ADDR", "127.0.0.1:0")
	t.Setenv("TMBOT_DATABASE", "sqlite:"+db)
	file := filepath.Join(dir, "a-file.cue")
	os.WriteFile(file, []byte("x: 1\n"), 0o600)
	for _, c := range []struct{ policies, want string }{
		{filepath.Join(dir, "no-such-folder"), "TMBOT_POLICIES_DIR (policies_dir) names a folder that does not exist"},
		{file, "names a file, not a folder"},
	} {
		t.Setenv("TMBOT_POLICIES_DIR", c.policies)
		var out, errb bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		code := runServe(ctx, nil, &out, &errb)
		cancel()
		if code == exitOK || !strings.Contains(errb.String(), c.want) {
			t.Errorf("policies %s: exit %d, log %s", c.policies, code, errb.String())
		}
		if _, err := os.Stat(db); err == nil {
			t.Fatalf("the database was created before the paths were checked")
		}
	}
	var out, errb bytes.Buffer
	code := runServe(context.Background(), []string{"--config", filepath.Join(dir, "none.yaml")}, &out, &errb)
	if code != exitUsage || !strings.Contains(errb.String(), "does not exist") {
		t.Errorf("--config missing: exit %d, %s", code, errb.String())
	}
}

// The start-up line says what is on.
func TestServeStartupLineListsWhatIsOn(t *testing.T) {
	gh := fakeGitHub(t)
	policies := t.TempDir()
	for _, n := range []string{"a.cue", "b.cue", "notes.txt"} {
		os.WriteFile(filepath.Join(policies, n), []byte("package policy\n"), 0o600)
	}
	cfg := settings.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.Database = "sqlite:" + filepath.Join(t.TempDir(), "tmbot.db")
	cfg.GitHub.AppID = testAppID
	cfg.GitHub.PrivateKey = string(gh.PrivateKeyPEM())
	cfg.GitHub.WebhookSecret = testSecret
	cfg.GitHub.APIURL = gh.URL()
	cfg.ResyncInterval = 0
	cfg.DashboardToken = "dashboard-token-for-the-startup-test"
	cfg.PoliciesDir = policies
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewJSONHandler(&lockedWriter{w: logs, mu: make(chan struct{}, 1)}, nil))
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, log, ready) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("not ready")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var line map[string]any
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `"tmbot serving"`) {
			json.Unmarshal([]byte(l), &line)
		}
	}
	if line == nil {
		t.Fatalf("no start-up line in\n%s", logs.String())
	}
	if line["github"] != true || line["gitlab"] != false || line["dashboard"] != true || line["org_policies"] != float64(2) {
		t.Errorf("start-up line %v: want github, no gitlab, the dashboard and 2 organisation policies", line)
	}
	if strings.Contains(logs.String(), cfg.DashboardToken) {
		t.Error("the dashboard token reached the log")
	}
}
