package deploytest

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"sigs.k8s.io/yaml"
)

// kustomization is the part of kustomize's Kustomization that
// deploy/kubernetes uses.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Namespace  string   `json:"namespace"`
	Resources  []string `json:"resources"`
}

func manifestsDir(t testing.TB) string { return filepath.Join(root(t), "deploy", "kubernetes") }

// readManifests reads deploy/kubernetes: the kustomization and the objects
// of every other file, by file name.
func readManifests(t *testing.T) (kustomization, map[string][]kobj) {
	t.Helper()
	dir := manifestsDir(t)
	var k kustomization
	if err := yaml.UnmarshalStrict(readRepoFile(t, "deploy/kubernetes/kustomization.yaml"), &k); err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	objs := map[string][]kobj{}
	for _, f := range files {
		name := filepath.Base(f)
		if name == "kustomization.yaml" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		objs[name] = decodeManifests(t, "deploy/kubernetes/"+name, data)
	}
	return k, objs
}

// TestPlainManifests: the manifests for clusters without Helm are valid
// objects that fit together, and the kustomization applies all of them but
// the example Secret.
func TestPlainManifests(t *testing.T) {
	k, objs := readManifests(t)
	if k.APIVersion != "kustomize.config.k8s.io/v1beta1" || k.Kind != "Kustomization" || k.Namespace != "tmbot" {
		t.Errorf("kustomization.yaml: %+v", k)
	}
	var files []string
	for name := range objs {
		if name != "secret.example.yaml" {
			files = append(files, name)
		}
	}
	sort.Strings(files)
	res := slices.Sorted(slices.Values(k.Resources))
	if !slices.Equal(res, files) {
		t.Errorf("kustomization.yaml applies %v; the manifests are %v (secret.example.yaml is not applied)", res, files)
	}
	var b bundle
	for _, name := range files {
		b = append(b, objs[name]...)
	}
	// The Secret is created by hand; the example says which keys it holds.
	b = append(b, objs["secret.example.yaml"]...)
	checkBundle(t, b, expect{namespace: "tmbot"})
	if len(b.all("Namespace")) != 1 || len(b.all("PersistentVolumeClaim")) != 1 || len(b.all("Secret")) != 1 {
		t.Errorf("objects %v", b.kinds())
	}
	for _, o := range b.all("Secret") {
		if len(o.Obj.(*corev1.Secret).Data) != 0 {
			t.Errorf("%v: write the example with stringData, readable placeholders", o)
		}
	}
}

// TestPlainManifestsMatchChart: the plain Deployment, Service and PVC are
// what the chart renders for the same installation (GitHub, SQLite, a
// Secret made by hand), so that the two do not drift apart.
func TestPlainManifestsMatchChart(t *testing.T) {
	_, objs := readManifests(t)
	var plain bundle
	for _, list := range objs {
		plain = append(plain, list...)
	}
	chart, _ := renderBundle(t, "fullnameOverride: tmbot\nexistingSecret: tmbot\ngithub:\n  appId: 123456\n")
	pd, cd := plain.deployment(t), chart.deployment(t)
	for _, c := range []struct {
		what        string
		plain, from any
	}{
		{"the Deployment's pod spec", pd.Spec.Template.Spec, cd.Spec.Template.Spec},
		{"the Deployment's strategy", pd.Spec.Strategy, cd.Spec.Strategy},
		{"the Deployment's selector", pd.Spec.Selector, cd.Spec.Selector},
	} {
		if !equality.Semantic.DeepEqual(c.plain, c.from) {
			t.Errorf("%s differs between deploy/kubernetes and the chart:\nplain:\n%s\nchart:\n%s", c.what, yamlOf(c.plain), yamlOf(c.from))
		}
	}
	for _, kind := range []string{"Service", "PersistentVolumeClaim"} {
		p, ok1 := plain.find(kind, map[string]string{"Service": "tmbot", "PersistentVolumeClaim": "tmbot-data"}[kind])
		c, ok2 := chart.find(kind, p.Meta.Name)
		if !ok1 || !ok2 {
			t.Errorf("%s: in the manifests %v, in the chart %v", kind, ok1, ok2)
			continue
		}
		var ps, cs any
		switch kind {
		case "Service":
			ps, cs = p.Obj.(*corev1.Service).Spec, c.Obj.(*corev1.Service).Spec
		default:
			ps, cs = p.Obj.(*corev1.PersistentVolumeClaim).Spec, c.Obj.(*corev1.PersistentVolumeClaim).Spec
		}
		if !equality.Semantic.DeepEqual(ps, cs) {
			t.Errorf("the %s spec differs between deploy/kubernetes and the chart:\nplain:\n%s\nchart:\n%s", kind, yamlOf(ps), yamlOf(cs))
		}
	}
}

// TestKustomizeBuild runs `kubectl kustomize` (offline) when kubectl is
// installed, and checks what it builds.
func TestKustomizeBuild(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not installed")
	}
	out, err := exec.Command(kubectl, "kustomize", manifestsDir(t)).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		if strings.Contains(msg, "unknown command") {
			t.Skipf("this kubectl has no kustomize: %s", msg)
		}
		t.Fatalf("kubectl kustomize: %v\n%s", err, msg)
	}
	b := bundle(decodeManifests(t, "kubectl kustomize deploy/kubernetes", out))
	_, objs := readManifests(t)
	b = append(b, objs["secret.example.yaml"]...)
	checkBundle(t, b, expect{namespace: "tmbot"})
}
