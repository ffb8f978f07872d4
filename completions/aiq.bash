# bash completion for aiq(1)
_aiq()
{
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	if [[ $prev == = && $COMP_CWORD -gt 1 ]]; then	# --opt=value
		prev=${COMP_WORDS[COMP_CWORD-2]}
	fi
	case $prev in
	-c|--config|--key-file|--usage-log|--resume)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--key-command)
		COMPREPLY=($(compgen -c -- "$cur"))
		return
		;;
	-P|--provider)
		COMPREPLY=($(compgen -W 'openai anthropic claude' -- "$cur"))
		return
		;;
	-p|--profile)	# the profiles of the config file aiq finds, or -c's
		local i config=()
		for ((i = 1; i < COMP_CWORD; i++)); do
			case ${COMP_WORDS[i]} in
			-c|--config)	config=(-c "${COMP_WORDS[i+1]}") ;;
			esac
		done
		COMPREPLY=($(compgen -W "$(aiq "${config[@]}" --list-profiles \
		    2>/dev/null)" -- "$cur"))
		return
		;;
	-H|--header|-j|--jobs|-m|--model|-s|--system|-T|--timeout|\
	-t|--temperature|--base-url|--max-tokens|--service|--tag|--deadline|\
	--max-attempts|--max-wait|--max-buffer|--max-response)
		return
		;;
	esac
	case $cur in
	-*)
		COMPREPLY=($(compgen -W '-c --config -H --header -h --help -J --json
		    -j --jobs -l --lines -m --model -n --no-stdin -P --provider
		    -p --profile -R --resend-errors -s --system -T --timeout
		    -t --temperature -u --unordered -V --version --allow-http
		    --base-url --deadline --key-command --key-file
		    --list-profiles --log-content --max-attempts --max-buffer --max-response
		    --max-tokens --max-wait --no-progress --no-stream
		    --no-usage-log --progress --resume --service --show-config --stream
		    --summary --tag --usage-log' -- "$cur"))
		;;
	esac
}
complete -o filenames -F _aiq aiq
