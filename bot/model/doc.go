// Package model is the threat-model format: its Go types (Model, Threat,
// Mitigation, Risk…), loading a model file (YAML, JSON or CUE) into them,
// and validating it, every error at its file:line:col.
//
// A Loader (NewLoader) holds the shape of the format, derived once from
// schemas/threatmodel.cue (Schema), and the catalogs (bot/catalog). Load
// parses a file into Nodes that keep their positions, walks them against
// the shape (validate.go, entry.go), decodes them into a Model and checks
// the rules between values in Go (check.go: references, what a status
// needs, catalog ids). Limits bound what one file may cost; content-
// addressed caches (cache.go) make a model that changes little cheap to
// load again. CUE model files are evaluated in a child process under a
// time and memory budget (cue.go, cue_child.go, through bot/sandbox).
// JSONSchema derives the editors' JSON Schema from the same shape; Plan
// and SetMitigationStatus edit a YAML or JSON file in place.
//
// It is part of the review engine: it imports bot/catalog, bot/sandbox, bot/cache,
// schemas and policies (the embedded CUE) only, and must not import
// anything that knows a forge, HTTP, a database or the queue.
package model
