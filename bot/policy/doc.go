// Package policy runs policies written in CUE over one model file's head,
// base and diff, and returns their findings {rule, severity, message,
// threat?, component?, flow?, mitigation?, suggestion?, file, line}.
//
// The defaults live in policies/ (embedded); an organisation (the service's
// org/ policies) and a repository add their own files. A policy that does
// not compile or evaluate yields a blocking finding that names its file,
// never a pass.
//
// Who wrote a file decides where it runs and what a repository may change
// (Origin): the defaults and the organisation's policies are trusted and
// run in this process; a repository's own policies run in a child process
// each (bot/sandbox), under a time and memory budget, killed when the
// review's context ends. A repository's settings cannot turn off or lower
// the organisation's policies, whose errors block whatever the repository
// says, unless the service allows it (Options.OrgOverridable).
//
// It imports bot/model, bot/diff, bot/sandbox and policies only: nothing
// that knows a forge, HTTP or a database.
package policy
