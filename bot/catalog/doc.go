// Package catalog knows the ids of the security catalogs that a threat
// model cites, and checks them: MITRE ATT&CK Enterprise techniques, MITRE
// ATLAS techniques, tactics and mitigations, the OWASP AI lists (Top 10 for
// LLM Applications 2025 and its superseded v1.1, Machine Learning Security
// Top Ten 2023, Top 10 for Agentic Applications 2026), CWE and CAPEC.
//
// [Catalog.Check] says whether an id is well formed, whether the catalog
// knows it, and whether it is usable but questionable (deprecated, revoked,
// superseded, or a CWE that CWE's own mapping guidance says not to use); the
// messages are plain sentences meant for the author of the model. [Link]
// gives the web page for an id.
//
// The data is embedded: data/*.tsv are compact extracts of the reference
// catalogs in shared/reference, written by ./gen. They are checked in, so a
// build needs neither the reference files nor the network. To refresh them
// after the reference data changes:
//
//	go generate ./bot/catalog
//
// Each data file starts with two comment lines (a "generated" notice and the
// column names); fields are tab-separated, and an empty trailing field is
// left out. The catalogs' licences and attributions are in the NOTICE file
// at the root of the repository.
//
// The package is a leaf: it imports only the standard library, and nothing
// of the project (no bot/model, no review or forge code). The generator in
// ./gen additionally uses go.yaml.in/yaml/v3 to read the reference YAML; it
// is a separate main package and is not linked into the bot.
//
// A *Catalog is immutable once [Load] returns it and safe for concurrent
// use; the package has no mutable package-level state.
package catalog

//go:generate go run ./gen -ref ../../../shared/reference
