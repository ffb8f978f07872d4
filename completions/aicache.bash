# bash completion for aicache(1)
_aicache()
{
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	if [[ $prev == = && $COMP_CWORD -gt 1 ]]; then	# --opt=value
		prev=${COMP_WORDS[COMP_CWORD-2]}
	fi
	if [[ $COMP_CWORD -eq 1 ]]; then
		COMPREPLY=($(compgen -W 'get put key stats purge vacuum export import
		    -h --help -V --version' -- "$cur"))
		return
	fi
	case $prev in
	-f|--cache)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	-P|--provider)
		COMPREPLY=($(compgen -W 'openai anthropic' -- "$cur"))
		return
		;;
	-m|--model|-n|--namespace|-s|--system|-t|--temperature|--batch|--base-url|\
	--max-size|--max-tokens|--older-than|--tag|--ttl)
		return
		;;
	esac
	case $cur in
	-*)
		COMPREPLY=($(compgen -W '-f --cache -h --help -m --model
		    -n --namespace -P --provider -s --system -t --temperature
		    -V --version --all --base-url --batch --canonical --deterministic
		    --expired --fail-open --max-size --max-tokens
		    --no-usage-log --older-than --tag --ttl' -- "$cur"))
		;;
	esac
}
complete -o filenames -F _aicache aicache
