package deploytest

import (
	"context"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/tmbot/tmbot/cmd/tmbot/settings"
)

// composeEnv is what a user puts in deploy/.env (deploy/env.example).
var composeEnv = []string{
	"POSTGRES_PASSWORD=0123456789abcdef0123456789abcdef",
	"TMBOT_GITHUB_APP_ID=123456",
	"TMBOT_GITHUB_WEBHOOK_SECRET=webhook-s3cret",
	"GITHUB_PRIVATE_KEY_PATH=./github-private-key.pem",
}

// loadCompose loads deploy/compose.yaml with the Compose specification's
// own loader (github.com/compose-spec/compose-go, what `docker compose`
// uses): it validates the file against the specification's JSON schema,
// interpolates the variables and resolves paths.
func loadCompose(t *testing.T, env []string) (*types.Project, error) {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root(t), "deploy", "compose.yaml")},
		cli.WithEnv(env), cli.WithName("tmbot"))
	if err != nil {
		t.Fatal(err)
	}
	return opts.LoadProject(context.Background())
}

func TestCompose(t *testing.T) {
	p, err := loadCompose(t, composeEnv)
	if err != nil {
		t.Fatalf("docker compose would refuse deploy/compose.yaml: %v", err)
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range p.Services {
			if !yield(n) {
				return
			}
		}
	})
	if !slices.Equal(names, []string{"postgres", "tmbot"}) {
		t.Fatalf("services %v, want postgres and tmbot", names)
	}
	pg, bot := p.Services["postgres"], p.Services["tmbot"]

	if pg.Image != "postgres:16" {
		t.Errorf("postgres image %q, want postgres:16", pg.Image)
	}
	if pg.HealthCheck == nil || !strings.Contains(strings.Join(pg.HealthCheck.Test, " "), "pg_isready") {
		t.Errorf("postgres healthcheck %+v, want pg_isready", pg.HealthCheck)
	}
	if len(pg.Volumes) == 0 || pg.Volumes[0].Target != "/var/lib/postgresql/data" || pg.Volumes[0].Type != types.VolumeTypeVolume {
		t.Errorf("postgres keeps its data in %+v, want a named volume on /var/lib/postgresql/data", pg.Volumes)
	}

	// tmbot: built from the repository with deploy/Dockerfile.
	if bot.Build == nil || bot.Build.Context != root(t) || bot.Build.Dockerfile != "deploy/Dockerfile" {
		t.Errorf("tmbot build %+v, want the repository root with deploy/Dockerfile", bot.Build)
	}
	if dep, ok := bot.DependsOn["postgres"]; !ok || dep.Condition != types.ServiceConditionHealthy {
		t.Errorf("tmbot depends_on %+v: want postgres service_healthy", bot.DependsOn)
	}
	hc := bot.HealthCheck
	if hc == nil || len(hc.Test) < 2 || hc.Test[0] != "CMD" || hc.Test[1] != "/usr/local/bin/tmbot-healthcheck" {
		t.Errorf("tmbot healthcheck %+v: want CMD /usr/local/bin/tmbot-healthcheck (the image has no shell)", hc)
	}
	if !strings.Contains(string(readRepoFile(t, "deploy/Dockerfile")), "/out/tmbot-healthcheck /usr/local/bin/") {
		t.Error("deploy/Dockerfile does not install /usr/local/bin/tmbot-healthcheck")
	}
	if bot.StopGracePeriod == nil || time.Duration(*bot.StopGracePeriod) < jobsGrace+cancelGrace {
		t.Errorf("stop_grace_period %v: want at least %v", bot.StopGracePeriod, jobsGrace+cancelGrace)
	}
	if !bot.ReadOnly || !slices.Contains(bot.CapDrop, "ALL") || !slices.Contains(bot.SecurityOpt, "no-new-privileges:true") || !slices.Contains(bot.Tmpfs, "/tmp") {
		t.Errorf("tmbot: want read_only, cap_drop ALL, no-new-privileges and a tmpfs /tmp; have read_only %v cap_drop %v security_opt %v tmpfs %v",
			bot.ReadOnly, bot.CapDrop, bot.SecurityOpt, bot.Tmpfs)
	}

	// The environment: known settings, accepted by tmbot.
	env := map[string]string{}
	for k, v := range bot.Environment {
		if strings.HasPrefix(k, "TMBOT_") && !knownSettings(t)[k] {
			t.Errorf("tmbot: %s is not a setting that cmd/tmbot/settings reads", k)
		}
		if v != nil {
			env[k] = *v
		}
	}
	keyFile := env["TMBOT_GITHUB_PRIVATE_KEY_FILE"]
	if !slices.ContainsFunc(bot.Secrets, func(s types.ServiceSecretConfig) bool { return "/run/secrets/"+s.Source == keyFile }) {
		t.Errorf("TMBOT_GITHUB_PRIVATE_KEY_FILE %q is not a secret of the service (%+v)", keyFile, bot.Secrets)
	}
	if sec, ok := p.Secrets["github-private-key"]; !ok || sec.File != filepath.Join(root(t), "deploy", "github-private-key.pem") {
		t.Errorf("secret github-private-key %+v: want the file deploy/github-private-key.pem", sec)
	}
	env["TMBOT_GITHUB_PRIVATE_KEY"] = "placeholder-private-key" // the file exists only in the container
	s, err := settings.Load("", func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("tmbot refuses the environment: %v", err)
	}
	if s.GitHub.AppID != 123456 || s.GitHub.WebhookSecret != "webhook-s3cret" {
		t.Errorf("settings %+v", s)
	}

	// The database URL names the postgres service, its user, password and database.
	u, err := url.Parse(s.Database)
	if err != nil {
		t.Fatalf("TMBOT_DATABASE: %v", err)
	}
	pw, _ := u.User.Password()
	if u.Scheme != "postgres" || u.Hostname() != "postgres" || u.Port() != "5432" || u.User.Username() != *pg.Environment["POSTGRES_USER"] ||
		pw != *pg.Environment["POSTGRES_PASSWORD"] || strings.TrimPrefix(u.Path, "/") != *pg.Environment["POSTGRES_DB"] {
		t.Errorf("TMBOT_DATABASE %s does not match the postgres service (%v)", s.Database, pg.Environment)
	}

	// The published port is the one tmbot listens on.
	_, port, err := net.SplitHostPort(s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	if len(bot.Ports) != 1 || port != "8080" || bot.Ports[0].Target != 8080 {
		t.Errorf("ports %+v, TMBOT_ADDR %s: want container port 8080", bot.Ports, s.Addr)
	}
}

// TestComposeRequiredVariables: a missing required variable stops compose
// with a message that names deploy/.env.
func TestComposeRequiredVariables(t *testing.T) {
	for _, v := range []string{"POSTGRES_PASSWORD", "TMBOT_GITHUB_APP_ID", "TMBOT_GITHUB_WEBHOOK_SECRET"} {
		env := slices.DeleteFunc(slices.Clone(composeEnv), func(kv string) bool { return strings.HasPrefix(kv, v+"=") })
		_, err := loadCompose(t, env)
		if err == nil || !strings.Contains(err.Error(), v) || !strings.Contains(err.Error(), "deploy/.env") {
			t.Errorf("without %s: %v", v, err)
		}
	}
}

// TestComposeEnvExample: deploy/env.example names every variable that
// compose.yaml reads, and no other.
func TestComposeEnvExample(t *testing.T) {
	used := map[string]bool{}
	for _, m := range regexp.MustCompile(`\$\{([A-Z0-9_]+)`).FindAllStringSubmatch(string(readRepoFile(t, "deploy/compose.yaml")), -1) {
		used[m[1]] = true
	}
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^#?([A-Z0-9_]+)=`).FindAllStringSubmatch(string(readRepoFile(t, "deploy/env.example")), -1) {
		listed[m[1]] = true
	}
	for v := range used {
		if !listed[v] {
			t.Errorf("compose.yaml reads %s; env.example does not list it", v)
		}
	}
	for v := range listed {
		if !used[v] {
			t.Errorf("env.example lists %s; compose.yaml does not read it", v)
		}
	}
}
