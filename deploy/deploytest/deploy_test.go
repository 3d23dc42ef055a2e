package deploytest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	"github.com/tmbot/tmbot/cmd/tmbot/settings"
)

// The shutdown budget the pod's terminationGracePeriodSeconds must cover
// after its preStop sleep: shutdownGrace in cmd/tmbot/serve.go (running
// jobs finish) and stopGrace in bot/queue (cancelled jobs record that they
// go back to the queue).
const (
	jobsGrace   = 25 * time.Second
	cancelGrace = 10 * time.Second
)

// nonRootUID is distroless's "nonroot" user, the USER of deploy/Dockerfile.
const nonRootUID = 65532

// root is the repository root.
func root(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("the repository root %s has no go.mod: %v", dir, err)
	}
	return dir
}

func readRepoFile(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root(t), filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

var (
	settingNamesOnce sync.Once
	settingNames     map[string]bool
)

// knownSettings are the TMBOT_* variables that the service reads: those
// named in the Go files (not the tests) of cmd/tmbot/settings,
// bot/dashboard (its target times), bot/server and cmd/tmbot. Any other name is ignored by tmbot, so a
// typo in a deploy file would pass silently.
func knownSettings(t testing.TB) map[string]bool {
	t.Helper()
	settingNamesOnce.Do(func() {
		settingNames = map[string]bool{}
		for _, dir := range []string{"bot/server", "bot/dashboard", "cmd/tmbot", "cmd/tmbot/settings"} {
			files, _ := filepath.Glob(filepath.Join(root(t), dir, "*.go"))
			for _, f := range files {
				if strings.HasSuffix(f, "_test.go") {
					continue
				}
				src, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range regexp.MustCompile(`"(TMBOT_[A-Z0-9_]+)"`).FindAllSubmatch(src, -1) {
					settingNames[string(m[1])] = true
				}
			}
		}
	})
	if !settingNames["TMBOT_DATABASE"] || len(settingNames) < 5 {
		t.Fatalf("found only %v in bot/server, bot/dashboard, cmd/tmbot and cmd/tmbot/settings", settingNames)
	}
	return settingNames
}

// kobj is one Kubernetes object read from a manifest.
type kobj struct {
	Source     string // file or template, for messages
	APIVersion string
	Kind       string
	Meta       *metav1.ObjectMeta
	Obj        any // *appsv1.Deployment, *corev1.Service, ...
}

func (o kobj) String() string {
	return fmt.Sprintf("%s %s (%s)", o.Kind, o.Meta.Name, o.Source)
}

// serviceMonitor is the part of the Prometheus Operator's ServiceMonitor
// (monitoring.coreos.com/v1) that the chart writes; a field outside it is
// an error, like any unknown field.
type serviceMonitor struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		JobLabel          string               `json:"jobLabel,omitempty"`
		Selector          metav1.LabelSelector `json:"selector"`
		NamespaceSelector struct {
			Any        bool     `json:"any,omitempty"`
			MatchNames []string `json:"matchNames,omitempty"`
		} `json:"namespaceSelector,omitempty"`
		Endpoints []struct {
			Port          string              `json:"port,omitempty"`
			TargetPort    *intstr.IntOrString `json:"targetPort,omitempty"`
			Path          string              `json:"path,omitempty"`
			Scheme        string              `json:"scheme,omitempty"`
			Interval      string              `json:"interval,omitempty"`
			ScrapeTimeout string              `json:"scrapeTimeout,omitempty"`
		} `json:"endpoints"`
	} `json:"spec"`
}

// promDuration is the pattern of a Prometheus duration in the
// ServiceMonitor CRD (monitoringv1.Duration).
var promDuration = regexp.MustCompile(`^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$`)

// typed returns an empty object of the Go type for apiVersion and kind,
// its metadata, and whether the kind is namespaced.
func typed(apiVersion, kind string) (obj any, meta *metav1.ObjectMeta, namespaced bool, ok bool) {
	switch apiVersion + " " + kind {
	case "v1 Namespace":
		o := &corev1.Namespace{}
		return o, &o.ObjectMeta, false, true
	case "v1 Secret":
		o := &corev1.Secret{}
		return o, &o.ObjectMeta, true, true
	case "v1 ConfigMap":
		o := &corev1.ConfigMap{}
		return o, &o.ObjectMeta, true, true
	case "v1 Service":
		o := &corev1.Service{}
		return o, &o.ObjectMeta, true, true
	case "v1 ServiceAccount":
		o := &corev1.ServiceAccount{}
		return o, &o.ObjectMeta, true, true
	case "v1 PersistentVolumeClaim":
		o := &corev1.PersistentVolumeClaim{}
		return o, &o.ObjectMeta, true, true
	case "apps/v1 Deployment":
		o := &appsv1.Deployment{}
		return o, &o.ObjectMeta, true, true
	case "policy/v1 PodDisruptionBudget":
		o := &policyv1.PodDisruptionBudget{}
		return o, &o.ObjectMeta, true, true
	case "networking.k8s.io/v1 Ingress":
		o := &networkingv1.Ingress{}
		return o, &o.ObjectMeta, true, true
	case "monitoring.coreos.com/v1 ServiceMonitor":
		o := &serviceMonitor{}
		return o, &o.ObjectMeta, true, true
	}
	return nil, nil, false, false
}

var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// decodeManifests reads every YAML document of data into its k8s.io/api
// type, rejecting unknown and duplicate fields, and validates its metadata
// as the API server does (names, namespaces, labels, annotations).
func decodeManifests(t testing.TB, source string, data []byte) []kobj {
	t.Helper()
	var out []kobj
	for i, doc := range docSeparator.Split(string(data), -1) {
		var probe map[string]any
		if err := yaml.Unmarshal([]byte(doc), &probe); err != nil {
			t.Errorf("%s: document %d is not YAML: %v", source, i+1, err)
			continue
		}
		if len(probe) == 0 {
			continue // comments only
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
			t.Errorf("%s: document %d: %v", source, i+1, err)
			continue
		}
		obj, meta, namespaced, ok := typed(tm.APIVersion, tm.Kind)
		if !ok {
			t.Errorf("%s: document %d: no schema here for apiVersion %q kind %q", source, i+1, tm.APIVersion, tm.Kind)
			continue
		}
		if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
			t.Errorf("%s: %s: %v", source, tm.Kind, err)
			continue
		}
		nameFn := apivalidation.NameIsDNSSubdomain
		if tm.Kind == "Service" {
			nameFn = apivalidation.NameIsDNS1035Label
		}
		for _, e := range apivalidation.ValidateObjectMeta(meta, namespaced, nameFn, field.NewPath("metadata")) {
			t.Errorf("%s: %s %s: %v", source, tm.Kind, meta.Name, e)
		}
		out = append(out, kobj{Source: source, APIVersion: tm.APIVersion, Kind: tm.Kind, Meta: meta, Obj: obj})
	}
	return out
}

// bundle is the set of objects one installation creates.
type bundle []kobj

func (b bundle) all(kind string) []kobj {
	var out []kobj
	for _, o := range b {
		if o.Kind == kind {
			out = append(out, o)
		}
	}
	return out
}

func (b bundle) find(kind, name string) (kobj, bool) {
	for _, o := range b {
		if o.Kind == kind && o.Meta.Name == name {
			return o, true
		}
	}
	return kobj{}, false
}

func (b bundle) deployment(t testing.TB) *appsv1.Deployment {
	t.Helper()
	ds := b.all("Deployment")
	if len(ds) != 1 {
		t.Fatalf("want one Deployment, have %d", len(ds))
	}
	return ds[0].Obj.(*appsv1.Deployment)
}

func (b bundle) kinds() []string {
	var out []string
	for _, o := range b {
		out = append(out, o.Kind+"/"+o.Meta.Name)
	}
	sort.Strings(out)
	return out
}

// secretData is a Secret's data and stringData, decoded.
func secretData(s *corev1.Secret) map[string]string {
	out := map[string]string{}
	for k, v := range s.Data {
		out[k] = string(v)
	}
	for k, v := range s.StringData {
		out[k] = v
	}
	return out
}

// expect says what a bundle leaves to its user.
type expect struct {
	namespace string
	// externalSecrets are Secrets the user creates; their keys cannot be
	// checked here.
	externalSecrets []string
	// externalClaims are PersistentVolumeClaims the user provides.
	externalClaims []string
}

// checkBundle checks the objects against each other and against what the
// documentation promises.
func checkBundle(t *testing.T, b bundle, e expect) {
	t.Helper()
	for _, o := range b {
		if o.Kind == "Namespace" {
			if o.Meta.Name != e.namespace {
				t.Errorf("%v: want namespace %s", o, e.namespace)
			}
		} else if o.Meta.Namespace != e.namespace && o.Kind != "ServiceMonitor" {
			t.Errorf("%v: namespace %q, want %q", o, o.Meta.Namespace, e.namespace)
		}
	}
	d := b.deployment(t)
	checkDeployment(t, b, d, e)
	pod := d.Spec.Template
	services := b.all("Service")
	if len(services) == 0 {
		t.Error("no Service")
	}
	for _, o := range services {
		checkService(t, o, d)
	}
	for _, o := range b.all("ServiceMonitor") {
		checkServiceMonitor(t, o, services)
	}
	for _, o := range b.all("Ingress") {
		checkIngress(t, b, o)
	}
	for _, o := range b.all("PodDisruptionBudget") {
		pdb := o.Obj.(*policyv1.PodDisruptionBudget)
		if !selects(t, o, pdb.Spec.Selector, pod.Labels) {
			t.Errorf("%v: its selector does not select the Deployment's pods", o)
		}
		if pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() >= int(*d.Spec.Replicas) {
			t.Errorf("%v: minAvailable %v leaves no pod to evict among %d replicas", o, pdb.Spec.MinAvailable, *d.Spec.Replicas)
		}
	}
}

func selects(t testing.TB, o kobj, s *metav1.LabelSelector, podLabels map[string]string) bool {
	t.Helper()
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil {
		t.Errorf("%v: selector: %v", o, err)
		return false
	}
	return !sel.Empty() && sel.Matches(labels.Set(podLabels))
}

// containerPort resolves a probe's or a Service's port (a number or a
// name) to a port of the container.
func containerPort(c *corev1.Container, p intstr.IntOrString) (corev1.ContainerPort, bool) {
	for _, cp := range c.Ports {
		if (p.Type == intstr.String && cp.Name == p.StrVal) || (p.Type == intstr.Int && cp.ContainerPort == p.IntVal) {
			return cp, true
		}
	}
	return corev1.ContainerPort{}, false
}

func checkDeployment(t *testing.T, b bundle, d *appsv1.Deployment, e expect) {
	t.Helper()
	src := "Deployment " + d.Name
	if d.Spec.Replicas == nil || *d.Spec.Replicas < 1 {
		t.Fatalf("%s: replicas not set", src)
	}
	replicas := *d.Spec.Replicas
	if !selects(t, kobj{Source: src, Kind: "Deployment", Meta: &d.ObjectMeta}, d.Spec.Selector, d.Spec.Template.Labels) {
		t.Errorf("%s: selector %v does not select its own pod template's labels %v", src, d.Spec.Selector, d.Spec.Template.Labels)
	}
	pod := d.Spec.Template.Spec
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Errorf("%s: automountServiceAccountToken should be false (tmbot does not call the Kubernetes API)", src)
	}
	if sa := pod.ServiceAccountName; sa != "" && sa != "default" {
		if _, ok := b.find("ServiceAccount", sa); !ok {
			t.Errorf("%s: serviceAccountName %q is not among the objects", src, sa)
		}
	}
	psc := pod.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser != nonRootUID ||
		psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: pod securityContext %+v: want runAsNonRoot, runAsUser %d (the image's USER) and seccomp RuntimeDefault", src, psc, nonRootUID)
	}
	if psc != nil && (psc.FSGroup == nil || *psc.FSGroup != nonRootUID) {
		t.Errorf("%s: fsGroup should be %d so that the volume is writable", src, nonRootUID)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%s: want one container, have %d", src, len(pod.Containers))
	}
	c := &pod.Containers[0]
	if c.Image == "" || !strings.Contains(c.Image, ":") {
		t.Errorf("%s: image %q has no tag", src, c.Image)
	}
	if !slices.Equal(c.Args, []string{"serve"}) || len(c.Command) != 0 {
		t.Errorf("%s: want args [serve] and the image's entrypoint, have command %v args %v", src, c.Command, c.Args)
	}
	for _, p := range c.Ports {
		for _, msg := range validation.IsValidPortName(p.Name) {
			t.Errorf("%s: port name %q: %s", src, p.Name, msg)
		}
		if p.ContainerPort < 1 || p.ContainerPort > 65535 {
			t.Errorf("%s: containerPort %d", src, p.ContainerPort)
		}
	}
	for _, pr := range []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{
		{"startupProbe", c.StartupProbe, "/healthz"},
		{"livenessProbe", c.LivenessProbe, "/healthz"},
		{"readinessProbe", c.ReadinessProbe, "/readyz"},
	} {
		if pr.probe == nil || pr.probe.HTTPGet == nil {
			t.Errorf("%s: %s: want an HTTP GET of %s", src, pr.name, pr.path)
			continue
		}
		if pr.probe.HTTPGet.Path != pr.path {
			t.Errorf("%s: %s: path %q, want %q", src, pr.name, pr.probe.HTTPGet.Path, pr.path)
		}
		if _, ok := containerPort(c, pr.probe.HTTPGet.Port); !ok {
			t.Errorf("%s: %s: port %v is not a container port", src, pr.name, pr.probe.HTTPGet.Port.String())
		}
	}
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 ||
		(sc.Privileged != nil && *sc.Privileged) || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		t.Errorf("%s: container securityContext %+v: want readOnlyRootFilesystem, no privilege escalation, runAsNonRoot, capabilities drop ALL", src, sc)
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("%s: want CPU and memory requests and a memory limit, have %v", src, c.Resources)
	}

	// Shutdown: the grace period covers the preStop sleep and tmbot's own.
	var sleep int64
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil {
		if c.Lifecycle.PreStop.Sleep == nil {
			t.Errorf("%s: preStop should be a sleep (the image has no shell)", src)
		} else {
			sleep = c.Lifecycle.PreStop.Sleep.Seconds
		}
	}
	need := sleep + int64((jobsGrace + cancelGrace).Seconds())
	if pod.TerminationGracePeriodSeconds == nil || *pod.TerminationGracePeriodSeconds < need {
		t.Errorf("%s: terminationGracePeriodSeconds %v: want at least %d (preStop %d s + jobs %v + cancel %v)",
			src, pod.TerminationGracePeriodSeconds, need, sleep, jobsGrace, cancelGrace)
	}

	// Volumes: every mount has its volume, every volume is mounted, and
	// what tmbot writes is writable under a read-only root filesystem.
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
	}
	mounts := map[string]corev1.VolumeMount{}
	mounted := map[string]bool{}
	for _, m := range c.VolumeMounts {
		if _, ok := volumes[m.Name]; !ok {
			t.Errorf("%s: volumeMount %q has no volume", src, m.Name)
		}
		if _, dup := mounts[m.MountPath]; dup {
			t.Errorf("%s: two volumes mounted at %s", src, m.MountPath)
		}
		mounts[m.MountPath] = m
		mounted[m.Name] = true
	}
	for name := range volumes {
		if !mounted[name] {
			t.Errorf("%s: volume %q is not mounted", src, name)
		}
	}
	for _, p := range []string{"/var/lib/tmbot", "/tmp"} {
		if m, ok := mounts[p]; !ok || m.ReadOnly {
			t.Errorf("%s: %s must be a writable volume (the root filesystem is read-only)", src, p)
		}
	}
	for _, v := range pod.Volumes {
		switch {
		case v.Secret != nil:
			if len(v.Secret.Items) == 0 {
				t.Errorf("%s: volume %q mounts every key of Secret %s; name the keys", src, v.Name, v.Secret.SecretName)
			}
			for _, it := range v.Secret.Items {
				checkSecretRef(t, b, e, src+" volume "+v.Name, v.Secret.SecretName, it.Key, v.Secret.Optional)
			}
			if v.Secret.DefaultMode == nil || *v.Secret.DefaultMode&0o007 != 0 {
				t.Errorf("%s: volume %q: the Secret's files should not be world-readable (defaultMode %v)", src, v.Name, v.Secret.DefaultMode)
			}
		case v.PersistentVolumeClaim != nil:
			claim := v.PersistentVolumeClaim.ClaimName
			if _, ok := b.find("PersistentVolumeClaim", claim); !ok && !slices.Contains(e.externalClaims, claim) {
				t.Errorf("%s: volume %q: PersistentVolumeClaim %q is not among the objects", src, v.Name, claim)
			}
		}
	}

	// Environment: known names, no duplicates, secrets that exist.
	env := map[string]corev1.EnvVar{}
	for _, ev := range c.Env {
		if _, dup := env[ev.Name]; dup {
			t.Errorf("%s: %s is set twice", src, ev.Name)
		}
		env[ev.Name] = ev
		if strings.HasPrefix(ev.Name, "TMBOT_") && !knownSettings(t)[ev.Name] {
			t.Errorf("%s: %s is not a setting that cmd/tmbot/settings reads", src, ev.Name)
		}
		if ev.ValueFrom != nil && ev.ValueFrom.SecretKeyRef != nil {
			r := ev.ValueFrom.SecretKeyRef
			checkSecretRef(t, b, e, src+" env "+ev.Name, r.Name, r.Key, r.Optional)
		}
	}
	addr, ok := env["TMBOT_ADDR"]
	if !ok {
		t.Errorf("%s: TMBOT_ADDR is not set", src)
	} else if _, port, err := net.SplitHostPort(addr.Value); err != nil {
		t.Errorf("%s: TMBOT_ADDR %q: %v", src, addr.Value, err)
	} else if n, _ := strconv.Atoi(port); !slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return int(p.ContainerPort) == n }) {
		t.Errorf("%s: tmbot listens on %s (TMBOT_ADDR) but the container ports are %v", src, port, c.Ports)
	}
	db := env["TMBOT_DATABASE"]
	sqlite := db.ValueFrom == nil
	if sqlite {
		p, ok := strings.CutPrefix(db.Value, "sqlite:")
		if !ok {
			t.Errorf("%s: TMBOT_DATABASE %q: a PostgreSQL URL carries a password and belongs in a Secret", src, db.Value)
		} else if m, ok := mounts[path.Dir(p)]; !ok || m.ReadOnly {
			t.Errorf("%s: the SQLite file %s is not on a writable volume", src, p)
		}
		if replicas > 1 {
			t.Errorf("%s: %d replicas on SQLite", src, replicas)
		}
		if d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
			t.Errorf("%s: strategy %q: with SQLite the old pod must stop before the new one opens the file", src, d.Spec.Strategy.Type)
		}
	} else {
		ru := d.Spec.Strategy.RollingUpdate
		if d.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType || ru == nil || ru.MaxUnavailable == nil || ru.MaxUnavailable.IntValue() != 0 {
			t.Errorf("%s: with PostgreSQL want a rolling update with maxUnavailable 0, have %+v", src, d.Spec.Strategy)
		}
	}
	if kf, ok := env["TMBOT_GITHUB_PRIVATE_KEY_FILE"]; ok {
		m, ok := mounts[path.Dir(kf.Value)]
		var v corev1.Volume
		if ok {
			v = volumes[m.Name]
		}
		if !ok || v.Secret == nil || !slices.ContainsFunc(v.Secret.Items, func(it corev1.KeyToPath) bool { return it.Path == path.Base(kf.Value) }) {
			t.Errorf("%s: TMBOT_GITHUB_PRIVATE_KEY_FILE %s is not a file of a mounted Secret", src, kf.Value)
		}
	}

	// tmbot's own settings loader accepts the environment.
	s := loadSettings(t, b, c.Env)
	if !sqlite && !strings.HasPrefix(s.Database, "postgres") {
		t.Errorf("%s: TMBOT_DATABASE from a Secret is %q, want a PostgreSQL URL", src, s.Database)
	}
}

// checkSecretRef checks that Secret name with key is among the objects
// (or is one the user is expected to create).
func checkSecretRef(t *testing.T, b bundle, e expect, what, name, key string, optional *bool) {
	t.Helper()
	o, ok := b.find("Secret", name)
	if !ok {
		if !slices.Contains(e.externalSecrets, name) {
			t.Errorf("%s: Secret %q is neither among the objects nor one the user creates", what, name)
		}
		return
	}
	if _, ok := secretData(o.Obj.(*corev1.Secret))[key]; !ok && (optional == nil || !*optional) {
		t.Errorf("%s: Secret %q has no key %q", what, name, key)
	}
}

// loadSettings runs cmd/tmbot/settings' Load on a container's
// environment: literal values as they are, Secret values from the Secrets
// among the objects or placeholders. The private key is given inline, since
// its file exists only in the pod.
func loadSettings(t *testing.T, b bundle, envVars []corev1.EnvVar) settings.Settings {
	t.Helper()
	env := map[string]string{}
	for _, ev := range envVars {
		switch {
		case ev.ValueFrom == nil:
			env[ev.Name] = ev.Value
		case ev.ValueFrom.SecretKeyRef != nil:
			r := ev.ValueFrom.SecretKeyRef
			v := "placeholder-" + r.Key
			if ev.Name == "TMBOT_DATABASE" {
				v = "postgres://tmbot:placeholder@postgres:5432/tmbot"
			}
			if o, ok := b.find("Secret", r.Name); ok {
				if sv, ok := secretData(o.Obj.(*corev1.Secret))[r.Key]; ok {
					v = sv
				} else if r.Optional != nil && *r.Optional {
					continue
				}
			}
			env[ev.Name] = v
		}
	}
	if _, ok := env["TMBOT_GITHUB_PRIVATE_KEY_FILE"]; ok {
		env["TMBOT_GITHUB_PRIVATE_KEY"] = "placeholder-private-key"
	}
	s, err := settings.Load("", func(k string) string { return env[k] })
	if err != nil {
		t.Errorf("tmbot refuses the container's environment: %v", err)
	}
	return s
}

func checkService(t *testing.T, o kobj, d *appsv1.Deployment) {
	t.Helper()
	svc := o.Obj.(*corev1.Service)
	if len(svc.Spec.Selector) == 0 || !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Errorf("%v: selector %v does not select the Deployment's pods %v", o, svc.Spec.Selector, d.Spec.Template.Labels)
	}
	if len(svc.Spec.Ports) == 0 {
		t.Errorf("%v: no ports", o)
	}
	c := &d.Spec.Template.Spec.Containers[0]
	for _, p := range svc.Spec.Ports {
		for _, msg := range validation.IsValidPortName(p.Name) {
			t.Errorf("%v: port name %q: %s", o, p.Name, msg)
		}
		target := p.TargetPort
		if target.Type == intstr.Int && target.IntVal == 0 {
			target = intstr.FromInt32(p.Port)
		}
		if _, ok := containerPort(c, target); !ok {
			t.Errorf("%v: targetPort %s is not a port of the container (%v)", o, target.String(), c.Ports)
		}
	}
}

func checkServiceMonitor(t *testing.T, o kobj, services []kobj) {
	t.Helper()
	sm := o.Obj.(*serviceMonitor)
	matched := false
	for _, so := range services {
		svc := so.Obj.(*corev1.Service)
		if !selects(t, o, &sm.Spec.Selector, svc.Labels) {
			continue
		}
		matched = true
		if !sm.Spec.NamespaceSelector.Any && !slices.Contains(sm.Spec.NamespaceSelector.MatchNames, svc.Namespace) && sm.Namespace != svc.Namespace {
			t.Errorf("%v: does not look in namespace %s of %v", o, svc.Namespace, so)
		}
		for _, ep := range sm.Spec.Endpoints {
			if !slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == ep.Port }) {
				t.Errorf("%v: endpoint port %q is not a port of %v", o, ep.Port, so)
			}
		}
	}
	if !matched {
		t.Errorf("%v: its selector matches no Service", o)
	}
	if len(sm.Spec.Endpoints) == 0 {
		t.Errorf("%v: no endpoints", o)
	}
	for _, ep := range sm.Spec.Endpoints {
		if ep.Path != "/metrics" {
			t.Errorf("%v: path %q, want /metrics", o, ep.Path)
		}
		for _, d := range []string{ep.Interval, ep.ScrapeTimeout} {
			if !promDuration.MatchString(d) {
				t.Errorf("%v: %q is not a Prometheus duration", o, d)
			}
		}
		iv, err1 := time.ParseDuration(ep.Interval)
		st, err2 := time.ParseDuration(ep.ScrapeTimeout)
		if err1 == nil && err2 == nil && st > iv {
			t.Errorf("%v: scrapeTimeout %v is longer than the interval %v", o, st, iv)
		}
	}
}

func checkIngress(t *testing.T, b bundle, o kobj) {
	t.Helper()
	ing := o.Obj.(*networkingv1.Ingress)
	for _, r := range ing.Spec.Rules {
		if r.HTTP == nil {
			continue
		}
		for _, p := range r.HTTP.Paths {
			if p.PathType == nil || *p.PathType == networkingv1.PathTypePrefix || *p.PathType == networkingv1.PathTypeImplementationSpecific {
				if p.Path == "/" || strings.HasPrefix("/metrics", strings.TrimSuffix(p.Path, "/")+"/") || p.Path == "/metrics" {
					t.Errorf("%v: path %q exposes /metrics, which is not authenticated", o, p.Path)
				}
			}
			be := p.Backend.Service
			if be == nil {
				t.Errorf("%v: path %s has no Service backend", o, p.Path)
				continue
			}
			so, ok := b.find("Service", be.Name)
			if !ok {
				t.Errorf("%v: backend Service %q is not among the objects", o, be.Name)
				continue
			}
			svc := so.Obj.(*corev1.Service)
			if !slices.ContainsFunc(svc.Spec.Ports, func(sp corev1.ServicePort) bool {
				return (be.Port.Name != "" && sp.Name == be.Port.Name) || (be.Port.Number != 0 && sp.Port == be.Port.Number)
			}) {
				t.Errorf("%v: backend port %+v is not a port of %v", o, be.Port, so)
			}
		}
	}
}

// envValue is the literal value of a container's variable.
func envValue(d *appsv1.Deployment, name string) (corev1.EnvVar, bool) {
	for _, ev := range d.Spec.Template.Spec.Containers[0].Env {
		if ev.Name == name {
			return ev, true
		}
	}
	return corev1.EnvVar{}, false
}

// yamlOf is v as YAML, for messages.
func yamlOf(v any) string {
	data, err := yaml.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(bytes.TrimSpace(data))
}
