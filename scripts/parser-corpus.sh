#!/usr/bin/env bash
# Run the whole feed parser (feeds.Parse) over two public parser test suites
# and report, per folder, files, items, rejections, crashes and hangs, and how
# many titles match the suites' own expectations. See PARSING.md.
#
# The suites are not vendored (other projects' files, not ours to ship):
#
#   PARSER_CORPUS_DIR   where they live (default: ${TMPDIR:-/tmp}/newshound-parser-corpus),
#                       as $PARSER_CORPUS_DIR/feedparser/tests  (Python feedparser's tests/)
#                       and $PARSER_CORPUS_DIR/gofeed/testdata  (gofeed's testdata/)
#   FEEDPARSER_GIT, GOFEED_GIT
#                       optional git directories (or clones) of
#                       github.com/kurtmckee/feedparser and github.com/mmcdole/gofeed;
#                       when set and a suite is missing, it is extracted from HEAD.
#
# A missing suite is skipped with a note, so the script is safe to run
# anywhere; it exits 2 when a file crashed or hung the parser.
# Extra arguments go to the runner: -v lists every rejection and wrong title.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${PARSER_CORPUS_DIR:-${TMPDIR:-/tmp}/newshound-parser-corpus}

extract() { # extract GITDIR SUBDIR DEST
	local git=$1 sub=$2 dest=$3
	[ -d "$dest/$sub" ] && return 0
	[ -n "$git" ] || return 0
	if [ -d "$git/.git" ]; then git="$git/.git"; fi
	mkdir -p "$dest"
	git --git-dir="$git" archive HEAD "$sub" | tar -x -C "$dest"
}
extract "${FEEDPARSER_GIT:-}" tests "$dir/feedparser"
extract "${GOFEED_GIT:-}" testdata "$dir/gofeed"

suites=()
for s in "$dir/feedparser/tests" "$dir/gofeed/testdata"; do
	if [ -d "$s" ]; then
		suites+=("$s")
	else
		echo "parser-corpus: $s absent; skipping it (set PARSER_CORPUS_DIR or FEEDPARSER_GIT/GOFEED_GIT)" >&2
	fi
done
if [ ${#suites[@]} -eq 0 ]; then
	echo "parser-corpus: no suite present; nothing to run" >&2
	exit 0
fi
exec go run ./internal/parsercorpus "$@" "${suites[@]}"
