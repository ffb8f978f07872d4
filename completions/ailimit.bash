# bash completion for ailimit(1)
_ailimit()
{
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	case $prev in
	--state|--prices)
		COMPREPLY=($(compgen -f -- "$cur"))
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
	COMPREPLY=($(compgen -W '-h --help -V --version -R --resend-errors -k --key -m --model -s --system --max-tokens --auto
	    --rpm --tpm --itpm --otpm --rpd --tpd --usd-per-day --burst --prices --state
	    --wait-quota' -- "$cur"))
}
complete -F _ailimit ailimit
