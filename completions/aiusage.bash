# bash completion for aiusage(1)
_aiusage()
{
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	case $prev in
	-L|--usage-log|--prices)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	-f|--format)
		COMPREPLY=($(compgen -W 'table markdown csv tsv jsonl html' -- "$cur"))
		return
		;;
	-b|--by)
		# a list, and tag: and field: go on: no space, no escapes
		compopt +o filenames -o nospace 2>/dev/null
		local done= w left= n
		case $cur in *,*) done=${cur%,*}, ;; esac
		# a dimension given twice, a second tag: or field:, or a
		# fifth dimension is a usage error: never offered
		for w in model provider service status tier hour day week month; do
			case ,$done in *,$w,*) ;; *) left="$left $w" ;; esac
		done
		case ,$done in *,tag:*|*,field:*) ;; *) left="$left tag: field:" ;; esac
		n=${done//[!,]/}
		[ ${#n} -ge 4 ] && left=
		COMPREPLY=($(compgen -P "$done" -W "$left" -- "${cur##*,}"))
		return
		;;
	-s|--since|-u|--until)
		COMPREPLY=($(compgen -W 'today yesterday week month 7d 24h 30d' -- "$cur"))
		return
		;;
	--period)
		COMPREPLY=($(compgen -W 'day week month' -- "$cur"))
		return
		;;
	-m|--model|-S|--service|--budget|--decimals|--title)
		return
		;;
	esac
	COMPREPLY=($(compgen -W '-b --by -f --format -h --help -L --usage-log
	    -m --model -S --service -s --since -u --until -V --version --batch
	    --budget --decimals --log --no-bars --no-dedup --period --prices
	    --title' -- "$cur"))
	[ ${#COMPREPLY[@]} -eq 0 ] && COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o filenames -F _aiusage aiusage
