// Package policy runs policies written in CUE over one model file's head,
// base and diff, and returns their findings {rule, severity, message,
// threat?, component?, flow?, mitigation?, suggestion?, file, line}.
//
// The defaults live in policies/ (embedded); a repository or an
// organisation adds its own files. A policy that does not compile or
// evaluate yields a blocking finding that names its file, never a pass.
//
// It imports bot/model, bot/diff and policies only: nothing that knows a
// forge, HTTP or a database.
package policy
