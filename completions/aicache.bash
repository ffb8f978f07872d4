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
	-c|--config|-f|--cache)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	-p|--profile)	# the profiles of the config file aiq finds, or -c's
		local i config=()
		for ((i = 2; i < COMP_CWORD; i++)); do
			case ${COMP_WORDS[i]} in
			-c|--config)	config=(-c "${COMP_WORDS[i+1]}") ;;
			esac
		done
		COMPREPLY=($(compgen -W "$(aiq "${config[@]}" --list-profiles \
		    2>/dev/null)" -- "$cur"))
		return
		;;
	-P|--provider)
		COMPREPLY=($(compgen -W 'openai anthropic claude' -- "$cur"))
		return
		;;
	-m|--model|-n|--namespace|-s|--system|-t|--temperature|--batch|\
	--base-url|--max-size|--max-tokens|--older-than|--tag|--ttl)
		return
		;;
	esac
	request='-c --config -m --model -P --provider -p --profile -s --system
	    -t --temperature --base-url --max-tokens --show-config'
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
