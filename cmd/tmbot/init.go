package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"
	"unicode"
)

var starterTemplate = template.Must(template.New("starter").Parse(`# A threat model for {{.NameLine}}: what the system is made of, what can go
# wrong, and what is done about it. The format: docs/format.md.
# Check it with: tmbot validate {{.FileLine}}
version: 1
system:
  id: {{.ID}}
  name: {{.NameYAML}}
  description: What the system does, in a sentence.
  owner: "@your-org/your-team"

components:
  customer:
    name: Customer
    kind: user
  web-app:
    name: Web application
    kind: web_app
    internet_facing: true
    data: [customer-data]
  database:
    name: Database
    kind: database
    data: [customer-data]

assets:
  customer-data:
    name: Customer data
    classification: confidential

flows:
  customer-uses-app:
    from: customer
    to: web-app
    protocol: HTTPS
    authenticated: true
    encrypted: true
  app-queries-db:
    from: web-app
    to: database
    data: [customer-data]
    authenticated: true
    encrypted: true

threats:
  sql-injection:
    title: An attacker reads or changes customer data through SQL injection
    description: >-
      Someone sends crafted input to the web application that ends up in a
      database query, and reads or changes other customers' data.
    targets: [web-app, app-queries-db]
    stride: [tampering, information_disclosure]
    cwe: [CWE-89]
    capec: [CAPEC-66]
    likelihood: medium
    impact: high
    mitigations: [parameterised-queries]

mitigations:
  parameterised-queries:
    title: Use parameterised queries for every database access
    status: planned
    owner: "@your-org/your-team"
    due: 2027-03-31
`))

func runInit(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("init", flag.ContinueOnError)
	id := fl.String("id", "", "system id (default: from the current folder's name)")
	name := fl.String("name", "", "system name (default: the id)")
	output := fl.String("output", "", "file to write, - for standard output (default ID.threatmodel.yaml)")
	force := fl.Bool("force", false, "overwrite an existing file")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: tmbot init [--id ID] [--name NAME] [--output FILE|-] [--force]")
		fmt.Fprintln(stderr, "Writes a starter threat model that validates.")
		fl.PrintDefaults()
	}
	rest, ok := parseFlags(fl, args, stderr)
	if !ok {
		return exitUsage
	}
	if len(rest) > 0 {
		fl.Usage()
		return exitUsage
	}
	if *id == "" {
		wd, err := os.Getwd()
		if err != nil {
			fmt.Fprintf(stderr, "tmbot: %v\n", err)
			return exitUsage
		}
		*id = systemID(filepath.Base(wd))
	}
	if !regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`).MatchString(*id) {
		fmt.Fprintf(stderr, "tmbot: --id %q: a system id is lower-case letters, digits and dashes, such as alpinepay\n", *id)
		return exitUsage
	}
	if *name == "" {
		*name = *id
	}
	if *output == "" {
		*output = *id + ".threatmodel.yaml"
	}
	var b strings.Builder
	data := struct{ ID, NameYAML, NameLine, FileLine string }{*id, yamlString(*name), commentText(*name), commentText(*output)}
	if err := starterTemplate.Execute(&b, data); err != nil {
		fmt.Fprintf(stderr, "tmbot: %v\n", err)
		return exitUsage
	}
	if *output == "-" {
		io.WriteString(stdout, b.String())
		return exitOK
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if *force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(*output, flags, 0o644)
	if err != nil {
		if os.IsExist(err) {
			fmt.Fprintf(stderr, "tmbot: %s already exists; use --force to overwrite it or --output to choose another file\n", *output)
		} else {
			fmt.Fprintf(stderr, "tmbot: %v\n", err)
		}
		return exitUsage
	}
	if _, err := io.WriteString(f, b.String()); err != nil {
		f.Close()
		fmt.Fprintf(stderr, "tmbot: write %s: %v\n", *output, err)
		return exitUsage
	}
	if err := f.Close(); err != nil {
		fmt.Fprintf(stderr, "tmbot: write %s: %v\n", *output, err)
		return exitUsage
	}
	fmt.Fprintf(stderr, "wrote %s; check it with: tmbot validate %s\n", *output, *output)
	return exitOK
}

// yamlString writes s as a YAML double-quoted scalar that reads back as s,
// whatever it holds (":", "#", quotes, line breaks, any Unicode): every
// character outside YAML's printable set, and the line breaks and the BOM
// within it (U+0085, U+2028, U+2029, U+FEFF), is written as an escape.
// Invalid UTF-8 becomes U+FFFD.
func yamlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range strings.ToValidUTF8(s, "\ufffd") {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 0x20 && r <= 0x7e,
			r >= 0xa0 && r <= 0xd7ff && r != 0x2028 && r != 0x2029,
			r >= 0xe000 && r <= 0xfffd && r != 0xfeff,
			r >= 0x10000 && r <= 0x10ffff:
			b.WriteRune(r)
		case r <= 0xffff:
			fmt.Fprintf(&b, "\\u%04X", r)
		default:
			fmt.Fprintf(&b, "\\U%08X", r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// commentText makes s safe on a YAML comment line: valid UTF-8, with every
// control character and line break (U+0085, U+2028, U+2029 among them) a
// space.
func commentText(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\ufeff' {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\ufffd"))
}

// systemID makes a system id from a folder name.
func systemID(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	id := strings.Trim(b.String(), "-")
	if len(id) > 64 {
		id = strings.Trim(id[:64], "-")
	}
	if id == "" {
		id = "my-system"
	}
	return id
}
