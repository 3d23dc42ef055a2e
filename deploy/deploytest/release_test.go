package deploytest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// goreleaserConfig is the part of .goreleaser.yaml the tests read.
type goreleaserConfig struct {
	Version int `json:"version"`
	Builds  []struct {
		ID      string   `json:"id"`
		Main    string   `json:"main"`
		Binary  string   `json:"binary"`
		Env     []string `json:"env"`
		Flags   []string `json:"flags"`
		Ldflags []string `json:"ldflags"`
		Goos    []string `json:"goos"`
		Goarch  []string `json:"goarch"`
	} `json:"builds"`
	Checksum struct {
		NameTemplate string `json:"name_template"`
	} `json:"checksum"`
	Dockers []struct {
		ID         string   `json:"id"`
		Dockerfile string   `json:"dockerfile"`
		ExtraFiles []string `json:"extra_files"`
		Images     []string `json:"images"`
		Tags       []string `json:"tags"`
		Platforms  []string `json:"platforms"`
	} `json:"dockers_v2"`
}

func readGoreleaser(t *testing.T) goreleaserConfig {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root(t), ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c goreleaserConfig
	// Keys this test does not read are GoReleaser's to judge (goreleaser check).
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatalf(".goreleaser.yaml: %v", err)
	}
	return c
}

// The release builds what the issue asks for: static (no cgo), stripped,
// -trimpath, the version from the tag into cmd/tmbot's version variable,
// linux/darwin/windows on amd64/arm64, with checksums; the image's files
// exist. This checks the configuration without GoReleaser; docs/releasing.md
// says how GoReleaser itself checks it and runs a snapshot.
func TestGoreleaserConfig(t *testing.T) {
	c := readGoreleaser(t)
	if c.Version != 2 {
		t.Fatalf("version %d: want GoReleaser's configuration version 2", c.Version)
	}
	var found bool
	for _, b := range c.Builds {
		if !slices.Contains(b.Env, "CGO_ENABLED=0") || !slices.Contains(b.Flags, "-trimpath") {
			t.Errorf("build %s: want CGO_ENABLED=0 and -trimpath", b.ID)
		}
		ld := strings.Join(b.Ldflags, " ")
		if !strings.Contains(ld, "-s -w") {
			t.Errorf("build %s: ldflags %q are not stripped (-s -w)", b.ID, ld)
		}
		if _, err := os.Stat(filepath.Join(root(t), b.Main)); err != nil {
			t.Errorf("build %s: main %s: %v", b.ID, b.Main, err)
		}
		if b.ID != "tmbot" {
			continue
		}
		found = true
		if !strings.Contains(ld, "-X main.version={{ .Tag }}") {
			t.Errorf("ldflags %q do not set main.version from the tag", ld)
		}
		for _, goos := range []string{"linux", "darwin", "windows"} {
			if !slices.Contains(b.Goos, goos) {
				t.Errorf("no %s build", goos)
			}
		}
		for _, arch := range []string{"amd64", "arm64"} {
			if !slices.Contains(b.Goarch, arch) {
				t.Errorf("no %s build", arch)
			}
		}
	}
	if !found {
		t.Fatal("no build with id tmbot")
	}
	// The version variable the ldflags set is there.
	src, err := os.ReadFile(filepath.Join(root(t), "cmd/tmbot/version.go"))
	if err != nil || !strings.Contains(string(src), `var version = "dev"`) {
		t.Fatalf("cmd/tmbot/version.go has no `var version = \"dev\"` for -X main.version: %v", err)
	}
	if c.Checksum.NameTemplate == "" {
		t.Error("no checksum file")
	}
	if len(c.Dockers) != 1 || !slices.Contains(c.Dockers[0].Platforms, "linux/amd64") || !slices.Contains(c.Dockers[0].Platforms, "linux/arm64") {
		t.Fatalf("dockers_v2 %+v: want one image for linux/amd64 and linux/arm64", c.Dockers)
	}
	for _, f := range append([]string{c.Dockers[0].Dockerfile}, c.Dockers[0].ExtraFiles...) {
		if _, err := os.Stat(filepath.Join(root(t), f)); err != nil {
			t.Errorf("image: %v", err)
		}
	}
}

// The Helm chart's default image is the one a release publishes: the
// release image's repository, tagged with the chart's appVersion
// (GoReleaser's .Version is the tag without its v).
func TestHelmDefaultImageIsTheReleaseImage(t *testing.T) {
	c := readGoreleaser(t)
	var values struct {
		Image struct {
			Repository string `json:"repository"`
			Tag        string `json:"tag"`
		} `json:"image"`
	}
	var chart struct {
		AppVersion string `json:"appVersion"`
	}
	for f, v := range map[string]any{"deploy/helm/tmbot/values.yaml": &values, "deploy/helm/tmbot/Chart.yaml": &chart} {
		data, err := os.ReadFile(filepath.Join(root(t), f))
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(data, v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	if len(c.Dockers) == 0 || !slices.Contains(c.Dockers[0].Images, values.Image.Repository) || !slices.Contains(c.Dockers[0].Tags, "{{ .Version }}") {
		t.Fatalf("the chart's image %s:%s is not one a release publishes (%+v)", values.Image.Repository, chart.AppVersion, c.Dockers)
	}
	if values.Image.Tag != "" || strings.HasPrefix(chart.AppVersion, "v") {
		t.Fatalf("the chart's tag %q / appVersion %q: want the appVersion, without a v, as .Version", values.Image.Tag, chart.AppVersion)
	}
}
