#!/bin/sh
# Prints the version this tree builds: `git describe` of a v* tag when the
# tree is a git checkout with one, VERSION plus the commit when it is a
# checkout without a tag, VERSION alone otherwise (a release tarball).
# Only [0-9A-Za-z.+~-] may appear: the string goes into C and Debian
# version fields.
set -eu
cd "$(dirname "$0")/.."
base=$(cat VERSION)
v=$base
if command -v git >/dev/null 2>&1 && git rev-parse --git-dir >/dev/null 2>&1; then
	if d=$(git describe --tags --match 'v[0-9]*' --dirty=.dirty 2>/dev/null); then
		v=${d#v}
	elif h=$(git rev-parse --short=12 HEAD 2>/dev/null); then
		v=$base+git$h
		git diff --quiet HEAD -- 2>/dev/null || v=$v.dirty
	fi
fi
case $v in
*[!0-9A-Za-z.+~-]* | '')
	echo "version.sh: bad version '$v'" >&2
	exit 1
	;;
esac
printf '%s\n' "$v"
