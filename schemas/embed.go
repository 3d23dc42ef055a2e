// Package schemas embeds the CUE schema of the threat-model format, the
// single source of truth for its shape. It must not import anything of the
// project.
package schemas

import _ "embed"

// ThreatModel is the source of schemas/threatmodel.cue.
//
//go:embed threatmodel.cue
var ThreatModel string
