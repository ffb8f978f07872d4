# bash completion for aimock(1)
_aimock()
{
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	case $prev in
	-L|--log)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--fault)
		COMPREPLY=($(compgen -W 'none hang drop malformed cut truncate bad_utf8 bad_utf8_error bad_utf8_header long_error stream_error endless padded' -- "$cur"))
		return
		;;
	-b|--bind|-d|--latency|-p|--port|-r|--reply|-s|--status|\
	--cache-read|--cache-write|--chunk-delay|--code|--fail|--fail-first|\
	--fail-rate|--itpm|--otpm|--pad|--prompt-tokens|--retry-after|\
	--retry-after-ms|--rpm|--tpm)
		return
		;;
	esac
	COMPREPLY=($(compgen -W '-b --bind -d --latency -h --help -L --log
	    -p --port -r --reply -s --status -V --version --cache-read
	    --cache-write --chunk-delay --code --fail --fail-first --fail-rate
	    --fault --itpm --otpm --pad --prompt-tokens --retry-after
	    --retry-after-ms --rpm --tpm' -- "$cur"))
}
complete -o filenames -F _aimock aimock
