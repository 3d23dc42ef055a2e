package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=...": the
// release's git tag (.goreleaser.yaml, deploy/Dockerfile).
var version = "dev"

// versionString is the version the binary reports: the one set at build
// time; else, for `go install ...@vX.Y.Z`, the module's version; else
// "dev", with the commit it was built from when Go recorded it.
func versionString() string {
	if version != "dev" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return version
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	switch {
	case rev != "" && modified == "true":
		return "dev (" + rev + ", with uncommitted changes)"
	case rev != "":
		return "dev (" + rev + ")"
	}
	return version
}

func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintln(stderr, "usage: tmbot version")
		fmt.Fprintln(stderr, "Prints tmbot's version, and the Go version and platform it was built for.")
		if args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
			return exitOK
		}
		return exitUsage
	}
	fmt.Fprintf(stdout, "tmbot %s (%s, %s/%s)\n", versionString(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return exitOK
}
