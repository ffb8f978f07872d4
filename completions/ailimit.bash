# bash completion for ailimit(1)
_ailimit()
{
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	case $prev in
	-c|--config|--state|--prices)
		COMPREPLY=($(compgen -f -- "$cur"))
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
	--burst)
		COMPREPLY=($(compgen -W '500ms 1s 5s 10s 1m' -- "$cur"))
		return
		;;
	-k|--key|-m|--model|-s|--system|--max-tokens|--rpm|--tpm|--itpm|--otpm|--rpd|--tpd|--usd-per-day)
		return
		;;
	esac
	if [ "$COMP_CWORD" -eq 1 ] && [[ $cur != -* ]]; then
		COMPREPLY=($(compgen -W 'settle estimate status reset' -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -W '-h --help -V --version -R --resend-errors -c --config -k --key -m --model
	    -p --profile -s --system --max-tokens --auto
	    --rpm --tpm --itpm --otpm --rpd --tpd --usd-per-day --burst --prices --show-config --state
	    --wait-quota' -- "$cur"))
}
complete -F _ailimit ailimit
