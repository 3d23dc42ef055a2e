// Package deploytest holds the tests of the deploy side (deploy/): the Helm
// chart, rendered with Helm's own engine (helm.sh/helm/v3/pkg/engine) and
// linted with its linter; the plain Kubernetes manifests; the Compose file,
// loaded with the Compose specification's loader; the Dockerfile; and the
// operator documentation (docs/operations.md, docs/quickstart.md,
// docs/vendor-guide.md) against the settings in cmd/tmbot/settings and the
// metrics in bot/metrics.
//
// Every Kubernetes object is decoded into its k8s.io/api type with unknown
// and duplicate fields rejected (the ServiceMonitor into a local subset of
// the Prometheus Operator's type), then checked across objects: selectors
// match pod labels, Service target ports name container ports, every
// Secret, key and claim referenced exists, probes and the security context
// are what docs/operations.md promises, and the container's environment is
// accepted by tmbot's own settings loader.
//
// This folder is its own Go module (go.mod here, replacing
// github.com/tmbot/tmbot with ../..), so that Helm, the Kubernetes types and
// the Compose loader are not in the main module's go.mod: run these tests
// with `cd deploy/deploytest && go test ./...` (.ci/run does); `go test ./...`
// at the repository root does not reach them.
//
// Nothing here needs a network, a cluster, Docker or the helm binary; when
// helm or kubectl are on PATH, they are run too.
package deploytest
