# bash completion for aicache(1): the command, then the options of that
# command alone, as its synopsis has them.
_aicache()
{
	local cur prev opts request
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	if [[ $prev == = && $COMP_CWORD -gt 1 ]]; then	# --opt=value
		prev=${COMP_WORDS[COMP_CWORD-2]}
	fi
	if [[ $COMP_CWORD -eq 1 ]]; then
		COMPREPLY=($(compgen -W 'get put key stats purge vacuum export
		    import -h --help -V --version' -- "$cur"))
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
	-m|--model|-n|--namespace|-s|--system|-t|--temperature|--batch|\
	--base-url|--max-size|--max-tokens|--older-than|--tag|--ttl)
		return
		;;
	esac
	request='-m --model -P --provider -s --system -t --temperature
	    --base-url --max-tokens'
	case ${COMP_WORDS[1]} in
	get)	opts="-f --cache -n --namespace $request --batch --deterministic
		    --fail-open --no-usage-log --tag --ttl" ;;
	put)	opts="-f --cache -n --namespace $request --batch --deterministic
		    --fail-open --max-size --ttl" ;;
	key)	opts="$request --canonical" ;;
	stats|export)
		opts='-f --cache -n --namespace' ;;
	purge)	opts='-f --cache -n --namespace --all --expired -m --model
		    --older-than' ;;
	vacuum|import)
		opts='-f --cache' ;;
	*)	return ;;
	esac
	case $cur in
	-*)
		COMPREPLY=($(compgen -W "-h --help $opts" -- "$cur"))
		;;
	esac
}
complete -o filenames -F _aicache aicache
