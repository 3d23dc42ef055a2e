package deploytest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tmbot/tmbot/cmd/tmbot/settings"
)

// operatorDocs are the documents this package keeps honest.
var operatorDocs = []string{"docs/quickstart.md", "docs/operations.md", "docs/vendor-guide.md"}

// settingsFileKeys are the settings file's keys, dotted (github.app_id),
// from the yaml tags of settings.Settings.
func settingsFileKeys() []string {
	var keys []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "-" || name == "" {
				continue
			}
			if f.Type.Kind() == reflect.Struct && f.Type.PkgPath() == "" {
				walk(f.Type, prefix+name+".")
				continue
			}
			keys = append(keys, prefix+name)
		}
	}
	walk(reflect.TypeFor[settings.Settings](), "")
	sort.Strings(keys)
	return keys
}

// TestOperationsListsEverySetting: docs/operations.md names every TMBOT_*
// variable the service reads, every key of the settings file, and every
// metric; and its settings file example is one tmbot accepts, with every key.
func TestOperationsListsEverySetting(t *testing.T) {
	doc := string(readRepoFile(t, "docs/operations.md"))
	for name := range knownSettings(t) {
		if !strings.Contains(doc, "`"+name+"`") {
			t.Errorf("docs/operations.md does not document %s", name)
		}
	}
	keys := settingsFileKeys()
	if len(keys) < 10 {
		t.Fatalf("settings file keys: %v", keys)
	}
	for _, k := range keys {
		if !strings.Contains(doc, "`"+k+"`") {
			t.Errorf("docs/operations.md does not document the settings file key %s", k)
		}
	}
	metrics := regexp.MustCompile(`Name:\s*"(tmbot_[a-z0-9_]+)"`).FindAllStringSubmatch(string(readRepoFile(t, "bot/metrics/metrics.go")), -1)
	if len(metrics) == 0 {
		t.Fatal("no metric found in bot/metrics/metrics.go")
	}
	for _, m := range metrics {
		if !strings.Contains(doc, "`"+m[1]+"`") {
			t.Errorf("docs/operations.md does not document the metric %s", m[1])
		}
	}

	// The example settings file.
	example := ""
	for _, b := range codeBlocks(doc) {
		if b.lang == "yaml" && strings.HasPrefix(b.text, "addr:") {
			example = b.text
		}
	}
	if example == "" {
		t.Fatal("docs/operations.md has no settings file example (a yaml block starting with addr:)")
	}
	f := filepath.Join(t.TempDir(), "tmbot.yaml")
	if err := os.WriteFile(f, []byte(example), 0o600); err != nil {
		t.Fatal(err)
	}
	// The key file exists only on the reader's machine.
	env := map[string]string{"TMBOT_GITHUB_PRIVATE_KEY": "placeholder"}
	if _, err := settings.Load(f, func(k string) string { return env[k] }); err != nil {
		t.Errorf("tmbot refuses the settings file example of docs/operations.md: %v", err)
	}
	var tree map[string]any
	if err := yaml.Unmarshal([]byte(example), &tree); err != nil {
		t.Fatal(err)
	}
	var set []string
	for k, v := range tree {
		if sub, ok := v.(map[string]any); ok {
			for k2 := range sub {
				set = append(set, k+"."+k2)
			}
		} else {
			set = append(set, k)
		}
	}
	sort.Strings(set)
	if !slices.Equal(set, keys) {
		t.Errorf("the settings file example sets %v; the keys are %v", set, keys)
	}
}

// TestDocsNameRealSettings: every TMBOT_* variable the operator documents
// and the deploy files mention is one tmbot reads.
func TestDocsNameRealSettings(t *testing.T) {
	files := append([]string{}, operatorDocs...)
	err := filepath.WalkDir(filepath.Join(root(t), "deploy"), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "deploytest" {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root(t), p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`TMBOT_[A-Z0-9_]*[A-Z0-9]`)
	for _, f := range files {
		for _, name := range re.FindAllString(string(readRepoFile(t, f)), -1) {
			if !knownSettings(t)[name] {
				t.Errorf("%s mentions %s, which tmbot does not read", f, name)
			}
		}
	}
}

type codeBlock struct {
	lang, text string
	line       int
}

// codeBlocks are the fenced code blocks of a Markdown document.
func codeBlocks(doc string) []codeBlock {
	var out []codeBlock
	var cur *codeBlock
	var body []string
	for i, line := range strings.Split(doc, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && strings.HasPrefix(trimmed, "```"):
			cur = &codeBlock{lang: strings.TrimPrefix(trimmed, "```"), line: i + 1}
			body = nil
		case cur != nil && trimmed == "```":
			cur.text = strings.Join(body, "\n") + "\n"
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			body = append(body, line)
		}
	}
	return out
}

// TestDocsSnippets: the YAML and JSON snippets of the operator documents
// parse (workflows, hooks, settings, alerts), and the shell ones are valid
// sh.
func TestDocsSnippets(t *testing.T) {
	for _, f := range operatorDocs {
		for _, b := range codeBlocks(string(readRepoFile(t, f))) {
			var err error
			switch b.lang {
			case "yaml":
				var v any
				err = yaml.Unmarshal([]byte(b.text), &v)
			case "json":
				var v any
				err = json.Unmarshal([]byte(b.text), &v)
			case "sh":
				cmd := exec.Command("sh", "-n")
				cmd.Stdin = strings.NewReader(b.text)
				if out, e := cmd.CombinedOutput(); e != nil {
					err = &snippetError{string(out)}
				}
			}
			if err != nil {
				t.Errorf("%s:%d: the %s block does not parse: %v", f, b.line, b.lang, err)
			}
		}
	}
}

type snippetError struct{ msg string }

func (e *snippetError) Error() string { return e.msg }

// anchor is GitHub's anchor of a heading.
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ' || r == '-':
			b.WriteRune('-')
		case r == '_' || ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') || r > 127:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestDocsLinks: the operator documents' relative links point to files
// that exist, and their #anchors to headings that exist.
func TestDocsLinks(t *testing.T) {
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	heading := regexp.MustCompile(`(?m)^#{1,6} (.+)$`)
	anchors := func(doc string) map[string]bool {
		out := map[string]bool{}
		for _, m := range heading.FindAllStringSubmatch(doc, -1) {
			out[anchor(m[1])] = true
		}
		return out
	}
	for _, f := range operatorDocs {
		doc := string(readRepoFile(t, f))
		for _, m := range link.FindAllStringSubmatch(doc, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, frag, _ := strings.Cut(target, "#")
			targetDoc := doc
			if file != "" {
				rel := path.Join(path.Dir(f), file)
				data, err := os.ReadFile(filepath.Join(root(t), filepath.FromSlash(rel)))
				if err != nil {
					if _, serr := os.Stat(filepath.Join(root(t), filepath.FromSlash(rel))); serr != nil {
						t.Errorf("%s: link %s: %s does not exist", f, target, rel)
					}
					continue
				}
				targetDoc = string(data)
			}
			if frag != "" && !anchors(targetDoc)[frag] {
				t.Errorf("%s: link %s: no heading with the anchor #%s", f, target, frag)
			}
		}
	}
}
