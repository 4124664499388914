#!/usr/bin/env bash
# Terraform dependency lock files for the synthesized stacks. `cdktn synth` rewrites cdktf.out/, so the
# reviewed lock files live in terraform/locks/<stack>.terraform.lock.hcl and are copied in before
# `cdktn diff|deploy --skip-synth` runs `terraform init`.
#   restore            copy every committed lock file into its stack directory
#   check <stack>...   after init: report stacks whose lock file is new or differs from the committed
#                      one, copy it to terraform/locks/ (CI uploads it for review) and exit 1
#   require <stack>... fail unless every named stack has a committed lock file (deploys use
#                      them read-only)
set -euo pipefail
cd "${TERRAFORM_LOCKS_ROOT:-$(dirname "$0")/..}"  # TERRAFORM_LOCKS_ROOT: for tests
locks=terraform/locks
stacks=cdktf.out/stacks

case "${1:-}" in
  restore)
    shopt -s nullglob
    for lock in "$locks"/*.terraform.lock.hcl; do
      stack=$(basename "$lock" .terraform.lock.hcl)
      [ -d "$stacks/$stack" ] || { echo "terraform-locks: no synthesized stack $stack for $lock" >&2; exit 1; }
      cp "$lock" "$stacks/$stack/.terraform.lock.hcl"
    done
    ;;
  check)
    shift
    [ $# -gt 0 ] || { echo "usage: $0 check <stack>..." >&2; exit 2; }
    changed=()
    for stack in "$@"; do
      generated="$stacks/$stack/.terraform.lock.hcl"
      [ -f "$generated" ] || { echo "terraform-locks: $generated missing: run terraform init (cdktn diff) first" >&2; exit 1; }
      if ! cmp -s "$generated" "$locks/$stack.terraform.lock.hcl"; then
        cp "$generated" "$locks/$stack.terraform.lock.hcl"
        changed+=("$stack")
      fi
    done
    if [ ${#changed[@]} -gt 0 ]; then
      echo "terraform-locks: new or changed provider locks for ${changed[*]}: review and commit terraform/locks/" >&2
      exit 1
    fi
    ;;
  require)
    shift
    [ $# -gt 0 ] || { echo "usage: $0 require <stack>..." >&2; exit 2; }
    for stack in "$@"; do
      [ -f "$locks/$stack.terraform.lock.hcl" ] || {
        echo "terraform-locks: no committed lock file for $stack: merge the one a pull-request diff produced first" >&2
        exit 1
      }
    done
    ;;
  *)
    echo "usage: $0 restore | check <stack>... | require <stack>..." >&2
    exit 2
    ;;
esac
