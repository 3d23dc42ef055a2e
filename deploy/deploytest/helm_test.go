package deploytest

import (
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

const releaseNamespace = "tmbot"

func chartDir(t testing.TB) string { return filepath.Join(root(t), "deploy", "helm", "tmbot") }

// render renders the chart as `helm template tmbot deploy/helm/tmbot -n
// tmbot -f values.yaml` would: Helm's own values coalescing, values schema
// validation and template engine (Sprig functions, include, required,
// fail). It returns the rendered files by name.
func render(t testing.TB, values string) (map[string]string, error) {
	t.Helper()
	ch, err := loader.Load(chartDir(t))
	if err != nil {
		t.Fatalf("load the chart: %v", err)
	}
	vals, err := chartutil.ReadValues([]byte(values))
	if err != nil {
		t.Fatalf("the test's values: %v", err)
	}
	rv, err := chartutil.ToRenderValues(ch, vals, chartutil.ReleaseOptions{
		Name: "tmbot", Namespace: releaseNamespace, Revision: 1, IsInstall: true,
	}, chartutil.DefaultCapabilities)
	if err != nil {
		return nil, err
	}
	return engine.Render(ch, rv)
}

// renderBundle renders and decodes every manifest; it also returns NOTES.txt.
func renderBundle(t *testing.T, values string) (bundle, string) {
	t.Helper()
	files, err := render(t, values)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	var b bundle
	var notes string
	for _, name := range names {
		switch base := filepath.Base(name); {
		case base == "NOTES.txt":
			notes = files[name]
		case strings.HasPrefix(base, "_"):
		default:
			b = append(b, decodeManifests(t, name, []byte(files[name]))...)
		}
	}
	return b, notes
}

const (
	testKey      = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n"
	githubInline = `
github:
  appId: 1234567
  privateKey: |
    -----BEGIN RSA PRIVATE KEY-----
    MIIEpAIBAAKCAQEA
    -----END RSA PRIVATE KEY-----
  webhookSecret: webhook-s3cret
dashboard:
  token: dash-t0ken
`
	postgresURL = "postgres://tmbot:pw@db.example.com:5432/tmbot?sslmode=require"
)

func TestChartRenders(t *testing.T) {
	cases := []struct {
		name   string
		values string
		expect expect
		check  func(t *testing.T, b bundle, d *appsv1.Deployment)
	}{{
		name:   "defaults",
		values: "",
		check: func(t *testing.T, b bundle, d *appsv1.Deployment) {
			want := []string{"Deployment/tmbot", "PersistentVolumeClaim/tmbot-data", "Service/tmbot", "ServiceAccount/tmbot"}
			if got := b.kinds(); !slices.Equal(got, want) {
				t.Errorf("objects %v, want %v", got, want)
			}
			if db, _ := envValue(d, "TMBOT_DATABASE"); db.Value != "sqlite:/var/lib/tmbot/tmbot.db" {
				t.Errorf("TMBOT_DATABASE %+v, want SQLite on the volume", db)
			}
			pvc := d.Spec.Template.Spec.Volumes[0].PersistentVolumeClaim
			if pvc == nil || pvc.ClaimName != "tmbot-data" {
				t.Errorf("the data volume is %v, want the PVC tmbot-data", d.Spec.Template.Spec.Volumes[0])
			}
		},
	}, {
		name:   "github app on SQLite",
		values: githubInline,
		check: func(t *testing.T, b bundle, d *appsv1.Deployment) {
			o, ok := b.find("Secret", "tmbot")
			if !ok {
				t.Fatal("no Secret tmbot")
			}
			data := secretData(o.Obj.(*corev1.Secret))
			if data["github-private-key"] != testKey ||
				data["github-webhook-secret"] != "webhook-s3cret" || data["dashboard-token"] != "dash-t0ken" {
				t.Errorf("Secret data %q", data)
			}
			// A YAML number reaches the templates as a float64: the App ID
			// must still be written as digits.
			if id, _ := envValue(d, "TMBOT_GITHUB_APP_ID"); id.Value != "1234567" {
				t.Errorf("TMBOT_GITHUB_APP_ID = %q, want 1234567", id.Value)
			}
			if d.Spec.Template.Annotations["checksum/secret"] == "" {
				t.Error("no checksum/secret annotation: pods would not restart when the Secret changes")
			}
			s := loadSettings(t, b, d.Spec.Template.Spec.Containers[0].Env)
			if s.GitHub.AppID != 1234567 || s.GitHub.WebhookSecret != "webhook-s3cret" || s.DashboardToken != "dash-t0ken" || s.Workers != 4 {
				t.Errorf("settings %+v", s)
			}
			if _, ok := envValue(d, "TMBOT_GITHUB_WEBHOOK_SECRET_PREVIOUS"); ok {
				t.Error("a previous webhook secret with none given")
			}
		},
	}, {
		name:   "github webhook secret being rotated",
		values: strings.Replace(githubInline, "  webhookSecret: webhook-s3cret\n", "  webhookSecret: webhook-s3cret\n  webhookSecretPrevious: old-s3cret\n", 1),
		check: func(t *testing.T, b bundle, d *appsv1.Deployment) {
			s := loadSettings(t, b, d.Spec.Template.Spec.Containers[0].Env)
			if s.GitHub.WebhookSecret != "webhook-s3cret" || s.GitHub.WebhookSecretPrevious != "old-s3cret" {
				t.Errorf("settings: webhook secret %q, previous %q", s.GitHub.WebhookSecret, s.GitHub.WebhookSecretPrevious)
			}
		},
	}, {
		name: "three replicas on PostgreSQL with monitoring and ingress",
		values: githubInline + `
replicaCount: 3
database:
  url: "` + postgresURL + `"
config:
  resyncInterval: 30m
  jobTimeout: "600"
  logLevel: debug
serviceMonitor:
  enabled: true
  labels:
    release: prometheus
ingress:
  enabled: true
  className: nginx
  hosts:
    - host: tmbot.example.com
      paths:
        - path: /webhooks
  tls:
    - secretName: tmbot-tls
      hosts: [tmbot.example.com]
`,
		check: func(t *testing.T, b bundle, d *appsv1.Deployment) {
			if *d.Spec.Replicas != 3 {
				t.Errorf("replicas %d", *d.Spec.Replicas)
			}
			for _, k := range []string{"ServiceMonitor", "Ingress", "PodDisruptionBudget"} {
				if len(b.all(k)) != 1 {
					t.Errorf("want one %s, have %v", k, b.kinds())
				}
			}
			if len(b.all("PersistentVolumeClaim")) != 0 {
				t.Errorf("a PVC with PostgreSQL: %v", b.kinds())
			}
			db, _ := envValue(d, "TMBOT_DATABASE")
			if r := db.ValueFrom; r == nil || r.SecretKeyRef == nil || r.SecretKeyRef.Name != "tmbot-database" || r.SecretKeyRef.Key != "database-url" {
				t.Errorf("TMBOT_DATABASE %s, want it from the Secret tmbot-database", yamlOf(db))
			}
			s := loadSettings(t, b, d.Spec.Template.Spec.Containers[0].Env)
			if s.Database != postgresURL || s.ResyncInterval.String() != "30m0s" || s.JobTimeout.String() != "10m0s" || s.LogLevel != "debug" {
				t.Errorf("settings: database %q resync %v job timeout %v log %q", s.Database, s.ResyncInterval, s.JobTimeout, s.LogLevel)
			}
			sm := b.all("ServiceMonitor")[0]
			if sm.Meta.Labels["release"] != "prometheus" {
				t.Errorf("ServiceMonitor labels %v", sm.Meta.Labels)
			}
		},
	}, {
		name: "existing secrets, GitHub and GitLab, two replicas",
		values: `
replicaCount: 2
existingSecret: tmbot-credentials
github:
  appId: "42"
  apiUrl: https://ghe.example.com/api/v3/
gitlab:
  url: https://gitlab.example.com
database:
  existingSecret: tmbot-db
  existingSecretKey: url
`,
		expect: expect{externalSecrets: []string{"tmbot-credentials", "tmbot-db"}},
		check: func(t *testing.T, b bundle, d *appsv1.Deployment) {
			if s := b.all("Secret"); len(s) != 0 {
				t.Errorf("the chart made Secrets %v though they exist", b.kinds())
			}
			refs := map[string]string{}
			for _, ev := range d.Spec.Template.Spec.Containers[0].Env {
				if ev.ValueFrom != nil && ev.ValueFrom.SecretKeyRef != nil {
					refs[ev.Name] = ev.ValueFrom.SecretKeyRef.Name + "/" + ev.ValueFrom.SecretKeyRef.Key
				}
			}
			want := map[string]string{
				"TMBOT_DATABASE":              "tmbot-db/url",
				"TMBOT_GITHUB_WEBHOOK_SECRET": "tmbot-credentials/github-webhook-secret",
				"TMBOT_GITLAB_TOKEN":          "tmbot-credentials/gitlab-token",
				"TMBOT_GITLAB_WEBHOOK_SECRET": "tmbot-credentials/gitlab-webhook-secret",
				"TMBOT_DASHBOARD_TOKEN":       "tmbot-credentials/dashboard-token",
			}
			for k, v := range want {
				if refs[k] != v {
					t.Errorf("%s from %q, want %q", k, refs[k], v)
				}
			}
			s := loadSettings(t, b, d.Spec.Template.Spec.Containers[0].Env)
			if s.GitHub.AppID != 42 || s.GitHub.APIURL != "https://ghe.example.com/api/v3/" || s.GitLab.URL != "https://gitlab.example.com" {
				t.Errorf("settings %+v", s)
			}
		},
	}, {
		name: "GitLab only, with a signing key",
		values: `
gitlab:
  url: https://gitlab.example.com/
  token: glpat-t0ken
  webhookSecret: gl-s3cret
  webhookSigningKey: whsec_c2lnbmluZw==
  botUsername: tmbot-bot
`,
		check: func(t *testing.T, b bundle, d *appsv1.Deployment) {
			if _, ok := envValue(d, "TMBOT_GITHUB_APP_ID"); ok {
				t.Error("GitHub is configured though github.appId is empty")
			}
			for _, v := range d.Spec.Template.Spec.Volumes {
				if v.Secret != nil {
					t.Errorf("a Secret volume %q without GitHub", v.Name)
				}
			}
			s := loadSettings(t, b, d.Spec.Template.Spec.Containers[0].Env)
			if s.GitLab.URL != "https://gitlab.example.com" || s.GitLab.Token != "glpat-t0ken" || s.GitLab.WebhookSecret != "gl-s3cret" {
				t.Errorf("settings %+v", s.GitLab)
			}
			for name, want := range map[string]string{"TMBOT_GITLAB_BOT_USERNAME": "tmbot-bot"} {
				if ev, _ := envValue(d, name); ev.Value != want {
					t.Errorf("%s = %q, want %q", name, ev.Value, want)
				}
			}
			o, _ := b.find("Secret", "tmbot")
			if secretData(o.Obj.(*corev1.Secret))["gitlab-webhook-signing-key"] != "whsec_c2lnbmluZw==" {
				t.Error("the signing key is not in the Secret")
			}
		},
	}, {
		name:   "SQLite without persistence",
		values: "persistence:\n  enabled: false\n",
		check: func(t *testing.T, b bundle, d *appsv1.Deployment) {
			if len(b.all("PersistentVolumeClaim")) != 0 || d.Spec.Template.Spec.Volumes[0].EmptyDir == nil {
				t.Errorf("want an emptyDir for the data, have %v", yamlOf(d.Spec.Template.Spec.Volumes[0]))
			}
		},
	}, {
		name:   "SQLite on an existing claim, no preStop sleep",
		values: "persistence:\n  existingClaim: my-claim\npreStopSleepSeconds: 0\nfullnameOverride: bot\n",
		expect: expect{externalClaims: []string{"my-claim"}},
		check: func(t *testing.T, b bundle, d *appsv1.Deployment) {
			if len(b.all("PersistentVolumeClaim")) != 0 || d.Spec.Template.Spec.Volumes[0].PersistentVolumeClaim.ClaimName != "my-claim" {
				t.Errorf("want the claim my-claim, have %v", yamlOf(d.Spec.Template.Spec.Volumes[0]))
			}
			if d.Spec.Template.Spec.Containers[0].Lifecycle != nil || d.Name != "bot" {
				t.Errorf("lifecycle %v name %s", d.Spec.Template.Spec.Containers[0].Lifecycle, d.Name)
			}
		},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, notes := renderBundle(t, c.values)
			c.expect.namespace = releaseNamespace
			checkBundle(t, b, c.expect)
			c.check(t, b, b.deployment(t))
			if !strings.Contains(notes, "/readyz") {
				t.Errorf("NOTES.txt does not say how to check readiness:\n%s", notes)
			}
		})
	}
}

// TestChartRefuses: values that cannot work fail the rendering, saying what
// to change.
func TestChartRefuses(t *testing.T) {
	cases := []struct {
		name, values string
		want         []string
	}{
		{"three replicas on SQLite", "replicaCount: 3\n",
			[]string{"replicaCount is 3", "SQLite", "database.url", "postgres://"}},
		{"a database URL that is not PostgreSQL", "database:\n  url: sqlite:/data/tmbot.db\n",
			[]string{"database.url must be a PostgreSQL URL"}},
		{"a GitHub App without its key", "github:\n  appId: 1\n  webhookSecret: x\n",
			[]string{"github.privateKey is required", "existingSecret"}},
		{"a GitHub App without its webhook secret", "github:\n  appId: 1\n  privateKey: x\n",
			[]string{"github.webhookSecret is required"}},
		{"GitLab without its token", "gitlab:\n  url: https://gitlab.example.com\n  webhookSecret: x\n",
			[]string{"gitlab.token is required"}},
		{"a misspelt key", "replicas: 3\n", []string{"replicas"}},
		{"a duration as a number", "config:\n  resyncInterval: 0\n", []string{"resyncInterval"}},
		{"an unknown log level", "config:\n  logLevel: verbose\n", []string{"logLevel"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := render(t, c.values)
			if err == nil {
				t.Fatalf("rendered %q", c.values)
			}
			t.Log(err)
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error does not say %q: %v", w, err)
				}
			}
		})
	}
}

// TestChartLint runs Helm's linter (what `helm lint` runs: Chart.yaml, the
// values schema, templates rendered and parsed) and fails on warnings.
func TestChartLint(t *testing.T) {
	for name, values := range map[string]string{
		"defaults": "",
		"postgres": githubInline + "replicaCount: 2\ndatabase:\n  url: " + postgresURL + "\nserviceMonitor:\n  enabled: true\ningress:\n  enabled: true\n",
	} {
		t.Run(name, func(t *testing.T) {
			vals, err := chartutil.ReadValues([]byte(values))
			if err != nil {
				t.Fatal(err)
			}
			l := lint.All(chartDir(t), vals, releaseNamespace, false)
			for _, m := range l.Messages {
				if m.Severity >= support.WarningSev {
					t.Errorf("helm lint: %v", m)
				} else {
					t.Logf("helm lint: %v", m)
				}
			}
		})
	}
}

// TestChartWithHelmCLI runs the helm binary when it is installed (it is not
// needed: the tests above use Helm's library).
func TestChartWithHelmCLI(t *testing.T) {
	helm, err := exec.LookPath("helm")
	if err != nil {
		t.Skip("helm is not installed")
	}
	dir := chartDir(t)
	run := func(wantOK bool, args ...string) {
		out, err := exec.Command(helm, args...).CombinedOutput()
		if (err == nil) != wantOK {
			t.Errorf("helm %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run(true, "lint", "--strict", dir)
	run(true, "template", "tmbot", dir, "-n", releaseNamespace)
	run(true, "template", "tmbot", dir, "--set", "replicaCount=3", "--set", "database.url="+postgresURL)
	run(false, "template", "tmbot", dir, "--set", "replicaCount=3")
}
