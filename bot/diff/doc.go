// Package diff computes the semantic difference between two versions of one
// threat model (the base and the head of a pull request), matching threats,
// mitigations, components, flows and assets by id.
//
// The package depends on bot/model and the standard library only. It must
// not import anything that talks to a forge (GitHub, GitLab), to HTTP or to
// a database: it is pure computation, shared by the CLI (`tmbot diff`), the
// review and the policies.
//
// # Entry point
//
//	d := diff.Compare(base, head) // base nil: model added; head nil: model deleted
//	d.Empty()                     // nothing to report
//	d.Text()                      // `tmbot diff --format text`
//	json.Marshal(d)               // `tmbot diff --format json`, and the `diff` seen by policies
//
// Compare assumes both models are the same model file; matching is by id.
//
// # JSON shape
//
// The Diff is shown to users and fed to CUE policies as data, so its JSON
// is stable: snake_case keys, strings, booleans, integers and lists only.
// Every top-level list is always present (an empty list, never null);
// per-item keys that only apply to some changes are omitted when empty;
// the boolean flags of an item are always present.
//
//	{
//	  "path": "threats/pay.threatmodel.yaml",      // head's path, or base's when head is nil; omitted when unknown
//	  "change": "changed",                        // added (no base) | removed (no head) | changed | unchanged
//	  "model_fields_changed": ["system.name"],    // version, system.id|name|description|owner|vendor, extensions
//	  "threats": [{
//	    "id": "sql-injection",
//	    "change": "changed",                      // added | removed | changed | renamed (unchanged threats are not listed)
//	    "from": "old-id",                         // renamed only: the id in the base
//	    "title": "…",                             // head's title (base's when removed)
//	    "risk": "high",  "base_risk": "medium",   // risk in head (absent when removed) / in base (absent when added)
//	    "status": "open", "base_status": "open",  // status in head / in base, same rule
//	    "status_from": "mitigated", "status_to": "open", // only when the status changed
//	    "raised": true, "lowered": false, "reopened": false,
//	    "mitigations_added": ["waf"], "mitigations_removed": ["x"],
//	    "fields_changed": ["likelihood", "mitigations"]
//	  }],
//	  "new": [{                                   // threats that count as new in a review, head document order
//	    "id": "prompt-injection", "title": "…", "risk": "high",
//	    "base_risk": "medium",                    // raised and reopened only
//	    "status": "open", "planned": false, "unmitigated": true,
//	    "change": "added"                         // added | raised | reopened
//	  }],
//	  "mitigations": [{
//	    "id": "waf", "change": "changed", "title": "…",
//	    "from": "old-waf",                        // renamed only
//	    "status": "planned", "base_status": "implemented",
//	    "status_from": "implemented", "status_to": "planned",
//	    "regression": true, "fields_changed": ["status"]
//	  }],
//	  "components": [{"id": "admin-portal", "change": "changed", "name": "Admin portal", "fields_changed": ["kind"]}],
//	  "flows":      [ …same shape… ],
//	  "assets":     [ …same shape… ],
//	  "summary": {
//	    "threats": {"added": 1, "removed": 0, "changed": 2, "renamed": 0},
//	    "mitigations": {…}, "components": {…}, "flows": {…}, "assets": {…},
//	    "new": 2, "new_unmitigated": 1, "raised": 1, "lowered": 0, "reopened": 0, "regressions": 1
//	  }
//	}
//
// # Rules
//
// Lists in every item are in document order: first the ids of the head in
// head order (added, changed, renamed), then the removed ids in base order.
//
// Content is compared as written: strings are trimmed at both ends, every
// list is compared as a set (order and repeats do not matter), extensions
// are compared deeply with the same rules (numbers by value, an empty
// extensions map equals none). So a reordered list is no change at all.
//
// A threat is "changed" when a written field differs (fields_changed, in
// the names of the file format), or its risk or its status differs. The
// status compared for status_from/status_to is the effective one (written,
// or derived from its mitigations), so a threat whose mitigations all
// become implemented is reported as changed from open to mitigated even if
// none of its own fields changed; "status" appears in fields_changed only
// when the written status changed (written ↔ omitted included).
//
// raised/lowered compare the rank of the risk; reopened means the status
// went back to open from any other status.
//
// A threat is new (Diff.New) when it is added and is not a rename ("added"),
// when its risk rises ("raised"), or when its status goes back to open
// ("reopened"). When several apply the first in that order is given.
// planned: at least one of its mitigations is planned, in_progress,
// implemented or verified in the head; unmitigated: its status is open.
//
// A rename is a threat under a new id (not in the base) whose content —
// every written field but the id, acceptance and extensions included, the
// written status (an omitted status equals only an omitted status) — equals
// that of a threat gone from the base (in the base, not in the head).
// Several candidates with the same content pair in document order: the
// first removed in base order with the first added in head order. Derived
// values (risk, derived status) and positions take no part. Mitigations
// follow the same rule. Renames are found by hashing the canonical content
// of the removed ids, so the cost stays linear in the size of the models.
// Ids referenced from other objects are not translated through renames: a
// threat whose mitigation was renamed lists the old id as removed and the
// new one as added.
//
// A mitigation is a regression when its status was implemented or verified
// in the base and is proposed, planned or in_progress in the head.
//
// Components, flows and assets are reported added, removed or changed
// with fields_changed; they have no rename detection.
package diff
