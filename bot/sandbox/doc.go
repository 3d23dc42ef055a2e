// Package sandbox runs a computation that may not end, or may not fit in
// memory, in a child process of the running executable, under a budget of
// time and memory, and kills it (its whole process group) when the budget
// or the caller's context runs out. It is for evaluating CUE written by
// people the service does not trust: a repository's own policies.
//
// The child is the running executable itself: main (and TestMain of any
// package whose tests run a sandbox) must let the package that serves a
// kind of child take over first thing, as policy.RunChildIfRequested does.
// The child inherits only a few harmless environment variables, never the
// parent's tokens or keys.
//
// It imports nothing of the project.
package sandbox
