#!/usr/bin/env bats
# dfwgen check on 100 real iptables-save dumps and restore files from public
# repositories (tests/corpus/real, provenance and the kernel's verdict on each
# in tests/corpus/MANIFEST.tsv): no error on a file the kernel loads unless
# the manifest names the real problem, an error on every file it refuses.
# `tests/corpus/verdict FILE...` (root) loads files into a namespace with
# both iptables flavours; the last test checks the manifest against it.

setup() {
	load test_helper
	CORPUS="$BATS_TEST_DIRNAME/corpus"
}

# manifest rows: file family mode nft legacy errors_allowed why repository path commit licence
rows() { grep -v '^#' "$CORPUS/MANIFEST.tsv"; }

@test "the corpus: at least 100 real files, each with its provenance, and nothing unlisted" {
	[ "$(rows | wc -l)" -ge 100 ]
	run -0 bash -c "ls '$CORPUS/real' | sort"
	files=$output
	run -0 bash -c "grep -v '^#' '$CORPUS/MANIFEST.tsv' | cut -f1 | sort"
	assert_equal "$output" "$files"
	while IFS=$'\t' read -r file family mode nft legacy allowed why repo path commit licence; do
		[[ $family == [46] && $mode =~ ^(full|noflush)$ && $nft =~ ^(ok|refused)$ && $legacy =~ ^(ok|refused)$ ]] ||
			{ echo "bad row: $file" >&2; return 1; }
		[[ $repo == */* && -n $path && $commit =~ ^[0-9a-f]{40}$ && -n $licence ]] ||
			{ echo "no provenance: $file" >&2; return 1; }
	done < <(rows)
}

@test "dfwgen check agrees with the kernel on every file of the corpus" {
	local files=0 accepted=0 justified=0 false_alarms=0 misses=0
	while IFS=$'\t' read -r file family mode nft legacy allowed why _; do
		files=$((files + 1))
		args=(check --format json "-$family")
		[ "$mode" = full ] && args+=(--full)
		out=$("$DFWGEN" "${args[@]}" "$CORPUS/real/$file" 2>/dev/null) && status=0 || status=$?
		errors=$(jq -r '[.[] | select(.severity == "error") | .id] | unique | join(",")' <<<"$out")
		if [ "$nft" = ok ] && [ "$legacy" = ok ]; then
			accepted=$((accepted + 1))
			if [ -n "$errors" ]; then
				# only the problems the manifest names and justifies
				for id in ${errors//,/ }; do
					if [[ ",$allowed," != *",$id,"* ]]; then
						echo "FALSE ALARM: $file: [$id] on a file both flavours load (allowed: $allowed)" >&2
						false_alarms=$((false_alarms + 1))
					fi
				done
				justified=$((justified + 1))
			elif [ "$allowed" != - ]; then
				echo "STALE: $file: the manifest allows $allowed, dfwgen finds nothing" >&2
				false_alarms=$((false_alarms + 1))
			fi
		elif [ "$status" -ne 1 ] || [ -z "$errors" ]; then
			echo "MISS: $file: the kernel refuses it ($why), dfwgen check exits $status" >&2
			misses=$((misses + 1))
		fi
	done < <(rows)
	echo "# corpus: $files files, $accepted the kernel loads ($justified with justified errors), $false_alarms false alarms, $misses misses" >&3
	assert_equal "$false_alarms" 0
	assert_equal "$misses" 0
}

@test "the manifest's kernel verdicts are what this machine's iptables-restore says (nft and legacy)" {
	load netns_helper
	require_netns
	command -v iptables-legacy-restore >/dev/null || skip "needs iptables-legacy-restore"
	rows | cut -f1,2,4,5 >"$BATS_TEST_TMPDIR/want"
	"$CORPUS/verdict" "$CORPUS"/real/* | awk -F'\t' -v OFS='\t' '{
		nft = $3 == "ok" ? "ok" : "refused"; legacy = $4 == "ok" ? "ok" : "refused"; print $1, $2, nft, legacy }' |
		sort >"$BATS_TEST_TMPDIR/got"
	sort "$BATS_TEST_TMPDIR/want" >"$BATS_TEST_TMPDIR/want.sorted"
	run diff "$BATS_TEST_TMPDIR/want.sorted" "$BATS_TEST_TMPDIR/got"
	assert_success
}
