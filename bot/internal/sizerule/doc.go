// Package sizerule holds the test that keeps issue 20's size rule: no
// production file of the main module over [MaxFileLines] lines and no
// function over [MaxFuncLines] lines, except the few on the test's
// allowlist, each with its reason (docs/architecture.md, "Size rules").
//
// Production means the non-test .go files of the module at the repository
// root; deploy/ and other nested modules, testdata and hidden folders are
// not walked. Only tests use the package, so it is internal to bot/; it
// imports nothing of the project and nothing outside the standard library.
package sizerule

// The limits, in lines as wc -l counts them (a file) and from the func
// keyword to the closing brace (a function or method; its doc comment does
// not count).
const (
	MaxFileLines = 500
	MaxFuncLines = 100
)
