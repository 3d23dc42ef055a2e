#!/usr/bin/env bash
# The README's main job: builds a small git repository from the AlpinePay
# example (main: the model as the workshop left it; a branch that adds an
# LLM support assistant with a vector store) and runs `tmbot review` on it,
# printing the comment the bot would post on the pull request.
#
#   bash examples/demo/run.sh            # the assistant's new threat has no plan: the review blocks (exit 1)
#   bash examples/demo/run.sh planned    # the same with a planned mitigation (exit 0)
#
# Extra arguments go to tmbot review (for example --format json).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
variant="unplanned"
if [ "${1:-}" = "planned" ] || [ "${1:-}" = "unplanned" ]; then
  variant="$1"
  shift
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

git_() { git -C "$work/repo" -c user.name=demo -c user.email=demo@example.com -c commit.gpgsign=false "$@"; }
mkdir -p "$work/repo/threatmodels"
git init -q -b main "$work/repo"
cp "$root/examples/alpinepay/alpinepay.threatmodel.yaml" "$work/repo/threatmodels/"
git_ add -A
git_ commit -q -m "AlpinePay threat model from the workshop"
git_ checkout -q -b add-support-assistant
cp "$here/$variant/alpinepay.threatmodel.yaml" "$work/repo/threatmodels/"
git_ commit -q -am "Add an LLM support assistant"

cd "$root"
go build -o "$work/tmbot" ./cmd/tmbot
"$work/tmbot" review --repo "$work/repo" --base main "$@"
